"""Chapter 3 (collect, clean and fuse) run by papermill with non-default parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiling import cleaning, datasets
from profiling.report import read_records

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

NAME = "03_clean_and_fuse.ipynb"

N = 300
SEED = 7
EXTREME_MIN_QUANTITY = 500


def expected_cleaning() -> tuple[int, int, int, dict[str, int]]:
    """Lines and customers of the same seeded sample before and after the chapter's rules (with the same
    extreme-quantity knob), and the rows each rule removed, computed here with the package."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    rules = cleaning.default_rules(extreme_factor=100.0, extreme_min_quantity=EXTREME_MIN_QUANTITY)
    cleaned, report = cleaning.clean(raw, rules)
    removed = {str(k): int(v) for k, v in report.set_index("rule")["rows_removed"].items()}
    return len(raw), len(cleaned), int(cleaned["customer_id"].nunique()), removed


@pytest.fixture(scope="module")
def stored() -> dict:
    """What the stored (full-data, default-parameter) notebook recorded."""
    return read_records(NOTEBOOKS / NAME)


def test_chapter_03_with_a_sample_and_other_knobs(run_chapter, stored):
    rec = run_chapter(NAME, sample_customers=N, random_state=SEED, extreme_min_quantity=EXTREME_MIN_QUANTITY,
                      cutoff="2010-09-01")
    rows_in, rows_out, customers_out, removed_here = expected_cleaning()

    # the parameters reached the notebook
    assert rec["sample_customers"] == 300
    assert rec["extreme_min_quantity"] == 500
    assert rec["cutoff"] == "2010-09-01"

    # the sample: 300 customers, and only lines that carry a customer id
    assert rec["customers_in"] == N
    assert (rec["rows_in"], rec["rows_out"], rec["customers_out"]) == (rows_in, rows_out, customers_out)
    assert 0 < rec["customers_out"] <= N
    assert rec["rows_removed_by_rule"]["missing_customer"] == 0
    assert rec["missing_customer_revenue_share"] == 0

    # nothing dropped silently
    removed = rec["rows_removed_by_rule"]
    assert set(removed) == {
        "duplicates", "missing_customer", "non_product", "cancellations",
        "returns", "bad_price", "extreme_quantity", "normalize_description",
    }
    assert sum(removed.values()) == rec["report_rows_removed_sum"] == rec["rows_in"] - rec["rows_out"]
    assert removed == removed_here
    assert removed["normalize_description"] == 0
    share = (rec["revenue_in"] - rec["revenue_out"]) / rec["revenue_in"]
    assert rec["revenue_removed_share"] == pytest.approx(share, abs=1e-4)
    assert rec["cancellations_matched"] <= rec["cancellations_with_customer"]
    assert 0 <= rec["split_late_cancelled_kept"] <= rec["split_lines_only_when_cleaned_then"]

    # fusion and attributes: every country known; attributes only for customers active before the cutoff
    assert rec["n_countries_unmatched"] == 0
    assert 0 < rec["attributes_rows"] <= rec["customers_out"]
    assert sum(rec["customers_by_region"].values()) == rec["attributes_rows"]
    assert 0 <= rec["uk_customer_share"] <= 1

    # a sample is smaller than the stored full run, which has all 525,461 lines and 4,383 customers
    assert stored["rows_in"] == 525461 and stored["customers_in"] == 4383
    assert stored["sample_customers"] is None and stored["extreme_min_quantity"] == 1000
    assert rec["rows_in"] < stored["rows_in"] and rec["rows_out"] < stored["rows_out"]
    assert stored["attributes_rows"] == stored["customers_out"]  # no cutoff in the stored run
    assert sum(stored["rows_removed_by_rule"].values()) == stored["rows_in"] - stored["rows_out"]
