"""Chapter 01 (large models) runs with other parameters and records results consistent with them."""

from __future__ import annotations

QUERY_ITEMS = ["WHITE HANGING HEART T-LIGHT HOLDER", "REGENCY CAKESTAND 3 TIER"]


def test_chapter_01_with_a_small_catalogue_and_other_k(run_chapter) -> None:
    records = run_chapter(
        "01_large_models.ipynb",
        max_items=500,
        k=3,
        query_items=QUERY_ITEMS,
        free_text_queries=["gift for a gardener", "cheap"],
    )
    assert records["n_items"] == 500                  # the cap was applied (the full catalogue has ~4.5k)
    assert records["embedding_dim"] == 384
    assert records["n_parameters"] == 22_713_216     # all-MiniLM-L6-v2, counted from the loaded model
    assert records["k"] == 3
    assert records["neighbours_per_query"] == 3       # the tables have k rows
    assert records["n_free_text_queries"] == 2
    top = records["top_neighbour_first_query"]
    assert isinstance(top, str) and top and top != QUERY_ITEMS[0]   # the query itself is excluded
