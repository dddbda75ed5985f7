"""Chapter 6 (tags, segments, profile card): its parameters, and a papermill run with non-default ones."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from profiling import datasets, profiles, tags
from profiling.cli import chapters

CHAPTER = Path(__file__).resolve().parent.parent / "notebooks" / "06_tags_and_segments.ipynb"
N = 400
SEED = 7
CUTOFF = "2010-12-01"


def test_parameters_cell_holds_the_pipeline_defaults() -> None:
    """profiles.PIPELINE_DEFAULTS (what `profiling profiles` uses) are the defaults of the chapter's
    parameters cell: the command and the chapter build the same table."""
    declared = {name: ast.literal_eval(text) for name, text in chapters.chapter_info(CHAPTER)["params"].items()}
    for name, default in profiles.PIPELINE_DEFAULTS.items():
        expected = list(default) if isinstance(default, tuple) else default
        assert declared[name] == expected, (name, declared[name], default)
    assert declared["data_path"] is None and declared["output_path"] == "profiles.parquet"


def test_chapter_opens_in_one_line_and_calls_the_profile_pipeline() -> None:
    nb = json.loads(CHAPTER.read_text(encoding="utf-8"))
    code = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
    assert "chapter.setup(threads=1, max_columns=20, max_colwidth=60, lang=lang)" in code
    assert "clean_tx, cleaning_report = chapter.load(" in code and "with_report=True" in code
    # ruff format may break the call after its parenthesis: compare without whitespace
    assert re.search(r"profiles\.profile_table\(\s*clean_tx", code), "profile_table(clean_tx...) not called"
    assert "profiles.profile_card(" in code
    assert "storage.atomic_write(" in code
    for gone in ["threadpool_limits", "warnings.filterwarnings", "pd.set_option", "plots.use_style()",
                 "cleaning.clean(", "segments.build_profiles", "segments.profile_card", "os.replace", "tempfile"]:
        assert gone not in code, gone


def test_chapter_06_with_sample_and_fixed_k(run_chapter, tmp_path: Path) -> None:
    out = tmp_path / "out" / "profiles_sample.parquet"
    rec = run_chapter(
        "06_tags_and_segments.ipynb",
        sample_customers=N,
        random_state=SEED,
        cutoff=CUTOFF,
        k=3,
        output_path=str(out),
    )
    # the chapter's table is the profile pipeline's, on the same data and parameters
    expected = profiles.profile_table(datasets.load_online_retail(), CUTOFF, k=3, sample_customers=N, random_state=SEED)
    n = rec["n_profiles"]
    assert n == len(expected)
    assert 0 < n <= N
    assert rec["n_customers"] == n
    assert rec["cutoff"] == CUTOFF
    # k from the parameter, not from the silhouette criterion
    assert rec["k"] == 3 and rec["k_chosen_by"] == "parameter"
    assert len(rec["persona_sizes"]) == 3 and sum(rec["persona_sizes"]) == n
    assert rec["persona_sizes"] == sorted(rec["persona_sizes"], reverse=True)
    assert len(set(rec["persona_names"])) == 3
    # tags and segments partition the customers
    assert sum(rec["lifecycle_counts"].values()) == n
    assert sum(rec["segment_counts"].values()) == n
    assert abs(rec["segment_customer_share_sum"] - 1) < 1e-9
    # the Parquet file: one row per customer
    assert out.is_file()
    assert not [p for p in out.parent.iterdir() if p.name != out.name]  # no leftover temporary file
    table = pd.read_parquet(out)
    assert len(table) == n == rec["parquet_rows"]
    assert table.index.is_unique and table.index.name == "customer_id"
    assert table["persona"].nunique() == 3
    # (floats to 1e-5: features are rounded to 6 decimals, and DuckDB's parallel sums may flip the last one)
    pd.testing.assert_frame_equal(table, expected, check_exact=False, rtol=1e-9, atol=1e-5)
    # the counts recorded step by step (tag_customers, rfm_segment, fit_personas) are the table's, which
    # the pipeline computed in one call
    def nonzero(counts):
        return {str(k): int(v) for k, v in dict(counts).items() if v > 0}

    assert nonzero(rec["lifecycle_counts"]) == nonzero(table["lifecycle"].value_counts())
    assert nonzero(rec["segment_counts"]) == nonzero(table["rfm_segment"].value_counts())
    assert rec["flag_counts"] == {flag: int(table[flag].sum()) for flag in rec["flag_counts"]}
    assert len(rec["flag_counts"]) == 4
    assert rec["persona_sizes"] == [int(v) for v in table["persona"].value_counts().sort_index()]
    assert rec["card_customer"] in table.index
    # the default card customer: the median-spend customer of the largest persona
    members = table[table["persona"] == 0].sort_values("monetary", kind="stable")
    assert rec["card_customer"] == members.index[(len(members) - 1) // 2]
    # the age-bin pitfall: bins of the id range and of tenure alone, labelled new / active / loyal,
    # against the life-cycle tags, recomputed from the saved table (agreement, chance, kappa)
    stage = table["lifecycle"].astype(str)
    rules = tags.TagRules().for_history(table["tenure_days"].max())
    names = ["new", "active", "loyal"]
    by_id = pd.cut(table.index.to_series().rank(method="first"), bins=3, labels=names).astype(str)
    edges = [-np.inf, rules.new_days, rules.loyal_min_tenure_days, np.inf]
    by_tenure = pd.cut(table["tenure_days"], edges, right=False, labels=names).astype(str)
    recorded = rec["outline_bins_kappa"]
    assert set(recorded) == {"id place", "tenure alone"}
    for name, bins in {"id place": by_id, "tenure alone": by_tenure}.items():
        p_o, p_e, kappa, low, high = recorded[name]
        assert p_o == pytest.approx(float((bins == stage).mean()), abs=1e-6)
        assert kappa == pytest.approx(cohen_kappa_score(bins, stage), abs=1e-6)
        assert kappa == pytest.approx((p_o - p_e) / (1 - p_e), abs=1e-5)
        assert -1 <= low <= high <= 1
    # under the rules, tenure below new_days is exactly the "new" stage; churned customers never agree
    assert ((by_tenure == "new") == (stage == "new")).all()
    assert recorded["tenure alone"][0] <= 1 - float((stage.isin(["churned", "at_risk"])).mean()) + 1e-9
