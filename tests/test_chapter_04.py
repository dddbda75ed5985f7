"""Chapter 4 (features as of a cutoff) run by papermill with non-default parameters."""

from __future__ import annotations

import pandas as pd

from profiling import cleaning, datasets
from profiling.features import FEATURE_NAMES

N = 300
SEED = 42
CUTOFF = "2010-06-01"


def expected_customers() -> int:
    """Customers of the same seeded sample with a purchase before the cutoff, after the chapter's cleaning
    (the default rules without ``cancellations`` and ``returns``, as in the chapter)."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    rules = [r for r in cleaning.default_rules() if r.name not in ("cancellations", "returns")]
    clean_tx, _ = cleaning.clean(raw, rules)
    buys = clean_tx[(clean_tx["quantity"] > 0) & (clean_tx["timestamp"] < pd.Timestamp(CUTOFF))]
    return int(buys["customer_id"].nunique())


def test_chapter_04_with_sample_and_earlier_cutoff(run_chapter) -> None:
    rec = run_chapter("04_features.ipynb", sample_customers=N, random_state=SEED, cutoff=CUTOFF)
    n = rec["n_customers"]
    assert 0 < n <= N
    assert n == expected_customers()
    assert rec["n_features"] == len(FEATURE_NAMES)
    assert rec["cutoff"] == CUTOFF
    # the hand-made R, F, M equal the package's, and the lifetimes summary has one row per customer
    assert rec["pandas_matches_package"] is True
    assert rec["rfm_rows"] == n
    assert 0 <= rec["one_order_share"] <= 1 and 0 <= rec["rfm_zero_frequency_share"] <= 1
    # the leakage example: the label is defined, and the leaky frequency flatters the score
    assert 0 < rec["label_share"] < 1
    assert 0.5 < rec["honest_auc"] < rec["leaky_auc"] <= 1
    assert set(rec["auc_table"]) == {"recency_days", "frequency", "monetary"}
