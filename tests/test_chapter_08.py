"""Chapter 8 (personalized recommendation) run by papermill with k=5, a 60-day window, a sample and TF-IDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from profiling import cleaning, datasets, recommend
from profiling.report import read_records

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

N = 800
SEED = 11
K = 5
HORIZON = 60
CUTOFF = "2010-09-01"
GRIDS = {
    "repeat + trend": {"half_life_days": [None], "boost_power": [0.0, 0.5]},
    "recent popularity": {"window_days": [30]},
    "user-KNN": {"n_neighbors": [20, 50]},
    "item-KNN": {"n_neighbors": [50]},
    "content": {"half_life_days": [None]},
    "ALS": {"factors": [16], "regularization": [0.1]},
}
BLEND_GRID = [0.0, 0.2, 1.0]


def expected_splits() -> tuple[recommend.Split, recommend.Split, int]:
    """The validation and test splits of the same seeded sample, computed here independently of the notebook,
    and the size of the random-split pitfall's like-for-like truth: the new (customer, item) pairs of the test
    period among the pairs that a seeded random fifth of all pairs up to the end of the test period hides."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    clean_tx, _ = cleaning.clean(raw, cleaning.default_rules(keep_returns=False))   # chapter 8 learns from purchases only
    interactions = recommend.purchases(clean_tx)
    test_cut = pd.Timestamp(CUTOFF)
    validation = recommend.time_split(interactions, test_cut - pd.Timedelta(days=HORIZON), HORIZON)
    test = recommend.time_split(interactions, test_cut, HORIZON)
    period = interactions[interactions["timestamp"] < test_cut + pd.Timedelta(days=HORIZON)]
    pairs = period[["customer_id", "item"]].drop_duplicates()
    hidden = pairs[np.random.default_rng(SEED).random(len(pairs)) < 0.2]
    same_truth = test.truth[test.truth["new"]].merge(hidden, on=["customer_id", "item"])
    return validation, test, len(same_truth)


def test_chapter_08_with_k5_and_a_60_day_window(run_chapter) -> None:
    rec = run_chapter(
        "08_recommendation.ipynb",
        sample_customers=N,
        random_state=SEED,
        k=K,
        horizon_days=HORIZON,
        embedder="tfidf",
        n_boot=200,
        grids=GRIDS,
        blend_grid=BLEND_GRID,
    )
    validation, test, same_truth_pairs = expected_splits()
    assert rec["k"] == K and rec["horizon_days"] == HORIZON
    assert rec["test_cutoff"] == CUTOFF and rec["validation_cutoff"] == "2010-07-03"
    assert rec["validation_customers"] == len(validation.customers) <= N
    assert rec["test_customers"] == len(test.customers) <= N
    assert rec["test_truth_pairs"] == len(test.truth)
    assert rec["test_new_share"] == round(float(test.truth["new"].mean()), 4)
    assert rec["embedding_dim"] == 256                                # TF-IDF + SVD, not MiniLM's 384

    # hyperparameters come from the given grids, blend weights from the given blend grid
    for name, grid in GRIDS.items():
        for param, value in rec["chosen_parameters"][name].items():
            assert value in grid[param]
    weights = rec["blend_weights"]
    assert set(weights.values()) <= set(BLEND_GRID) and max(weights.values()) == 1.0

    # every method, both views, sane metrics
    metrics = rec["metrics"]
    methods = {key.split("|")[1] for key in metrics}
    assert methods == {"popularity", "recent popularity", "segment popularity", "repeat purchase", "repeat + trend",
                       "user-KNN", "item-KNN", "content", "ALS", "hybrid"}
    assert {key.split("|")[0] for key in metrics} == {"all", "new"}
    for key, m in metrics.items():
        assert 0 <= m["precision"] <= 1 and 0 <= m["recall"] <= 1 and 0 <= m["map"] <= 1
        assert m["ndcg"] <= m["hit"] + 1e-9 <= 1 + 1e-9, key
        assert 0 < m["coverage"] <= 1 and m["novelty"] >= 0
    # repeat purchase has nothing new to offer: on new items it is popularity
    assert metrics["new|repeat purchase"] == metrics["new|popularity"]
    assert metrics["all|repeat purchase"]["ndcg"] > metrics["all|popularity"]["ndcg"]

    # the methods to deploy are chosen on the validation split, among every method
    val = rec["validation_ndcg"]
    candidates = methods
    assert set(val) == {f"{view}|{m}" for view in ("all", "new") for m in candidates}
    best, best_new = rec["best_method"], rec["best_new_method"]
    assert best in candidates and best_new in candidates
    assert val[f"all|{best}"] >= max(val[f"all|{m}"] for m in candidates) - 1e-4
    assert val[f"new|{best_new}"] >= max(val[f"new|{m}"] for m in candidates) - 1e-4
    assert set(rec["new_not_distinguishable"]) <= candidates - {best_new}
    # where the gain comes from: paired ratios agree with the table and contain their point estimate
    for key, (a, b) in {"trend_vs_repeat": ("repeat + trend", "repeat purchase"),
                        "hybrid_vs_trend": ("hybrid", "repeat + trend")}.items():
        assert abs(rec[key]["ratio"] - metrics[f"all|{a}"]["ndcg"] / metrics[f"all|{b}"]["ndcg"]) < 1e-3
        assert rec[key]["low"] <= rec[key]["ratio"] <= rec[key]["high"]
    ratio = metrics[f"all|{best}"]["ndcg"] / metrics["all|repeat purchase"]["ndcg"]
    assert abs(rec["best_vs_repeat"]["ratio"] - ratio) < 1e-3
    assert rec["best_vs_repeat"]["low"] <= rec["best_vs_repeat"]["ratio"] <= rec["best_vs_repeat"]["high"]
    assert rec["random_split_ndcg"] > rec["time_split_ndcg"]           # the pitfall shows up on the sample too
    same = rec["same_truth_ndcg"]                                      # like-for-like: one truth set, two trainings
    assert same["pairs"] == same_truth_pairs
    assert 0 < same["pairs"] <= rec["test_new_share"] * rec["test_truth_pairs"] + 1   # only new pairs (share rounded)
    assert 0 <= same["time split"] <= 1 and 0 <= same["random split"] <= 1
    assert len(rec["card_customers"]) == 2 and set(rec["card_customers"]) <= set(test.customers)
    assert all(0 <= h <= 2 * K for h in rec["card_hits"].values())

    # the parameters changed the results: the stored full run has other customers and k
    stored = read_records(NOTEBOOKS / "08_recommendation.ipynb")
    assert stored["k"] == 10 and stored["horizon_days"] == 30
    assert stored["test_customers"] > rec["test_customers"]
