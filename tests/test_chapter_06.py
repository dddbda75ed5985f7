"""Chapter 6 (tags, segments, profile card) run by papermill with non-default parameters."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from profiling import cleaning, datasets

N = 400
SEED = 7
CUTOFF = "2010-12-01"


def expected_profiles() -> int:
    """Customers of the same seeded sample with a purchase before the cutoff, after the chapter's cleaning."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    rules = [r for r in cleaning.default_rules() if r.name not in ("cancellations", "returns")]
    clean_tx, _ = cleaning.clean(raw, rules)
    buys = clean_tx[(clean_tx["quantity"] > 0) & (clean_tx["timestamp"] < pd.Timestamp(CUTOFF))]
    return int(buys["customer_id"].nunique())


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
    n = rec["n_profiles"]
    assert n == expected_profiles()
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
    assert not [p for p in out.parent.iterdir() if p.name.endswith(".tmp")]  # no leftover temp file
    table = pd.read_parquet(out)
    assert len(table) == n == rec["parquet_rows"]
    assert table.index.is_unique and table.index.name == "customer_id"
    assert table["persona"].nunique() == 3
    # the counts recorded step by step (tag_customers, rfm_segment, fit_personas) are the table's, which
    # build_profiles computed in one call
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
