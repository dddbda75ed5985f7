"""Chapter 10 (feature engineering, optimization, evaluation and tuning) run by papermill with a smaller
search budget, fewer bootstrap resamples and a customer sample."""

from __future__ import annotations

from pathlib import Path

import pytest

from profiling.report import read_records

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"

BUDGET = 4
N_BOOT = 200
SAMPLE = 2500
LOO_ROWS = 60
FOREST_TREES = 30
FLAGS = {"bought in 90 days", "repeat customer", "has returned"}
FOREST_GRID = [{"min_samples_leaf": leaf, "max_features": mf} for leaf in (1, 10, 30, 100, 300) for mf in ("sqrt", 1.0)]


def test_chapter_10_with_a_smaller_budget(run_chapter) -> None:
    records = run_chapter(
        "10_optimization.ipynb", search_budget=BUDGET, n_boot=N_BOOT, sample_customers=SAMPLE, loo_rows=LOO_ROWS,
        forest_trees=FOREST_TREES,
    )
    check_sample_and_tasks(records)
    check_searches_use_the_smaller_budget(records)
    check_feature_engineering_records(records)
    check_binarization(records)
    check_random_forest(records)
    check_kfold_is_optimistic_for_flexible_models(records)
    check_cost_threshold_and_before_after(records)


def test_stored_chapter_10_binarization_and_forest() -> None:
    """The stored (full-data) run holds the same invariants."""
    records = read_records(NOTEBOOKS / "10_optimization.ipynb")
    check_binarization(records)
    check_random_forest(records)


def check_binarization(records) -> None:
    # a flag loses only the order of the customers above its threshold (below it every customer has one
    # value): it ranks better than its count exactly when that order runs against the label (AUC < 0.5)
    assert set(records["flag_vs_count"]) == set(records["count_auc_among_flagged"]) == FLAGS
    for flag, (gain, low, high) in records["flag_vs_count"].items():
        assert low <= gain <= high, flag
        among = records["count_auc_among_flagged"][flag]
        if among is not None and abs(gain) >= 1e-3 and abs(among - 0.5) >= 1e-3:
            assert (gain > 0) == (among < 0.5), flag
    auc, gains = records["binarize_test_auc"], records["binarize_gains"]
    assert set(gains) == {"logistic, 3 flags", "tree, 3 flags", "logistic, all + 3 flags", "logistic, all in 5 bins"}
    for name, (gain, low, high) in gains.items():
        assert low <= gain <= high, name
    assert gains["logistic, 3 flags"][0] == pytest.approx(auc["logistic, 3 flags"] - auc["logistic, 3 counts"], abs=2e-4)
    # the rows without binarization are chapter 7's models as refitted in section 10.1
    assert auc["logistic, all features"] == pytest.approx(records["chapter7_auc"]["logistic"], abs=1e-4)
    assert auc["recency rule"] == pytest.approx(records["chapter7_auc"]["recency rule"], abs=1e-4)


def check_random_forest(records) -> None:
    assert records["forest_params"] in FOREST_GRID
    assert 0.5 < records["forest_grid_best_val"] <= 1
    auc, vs = records["forest_test_auc"], records["forest_vs"]
    assert set(vs) == set(auc) - {"random forest"}
    for name, (gain, low, high) in vs.items():
        assert low <= gain <= high, name
        assert gain == pytest.approx(auc["random forest"] - auc[name], abs=2e-4), name
    assert auc["logistic (chapter 7)"] == pytest.approx(records["chapter7_auc"]["logistic"], abs=1e-4)
    assert auc["tree (chapter 7)"] == pytest.approx(records["chapter7_auc"]["tree"], abs=1e-4)
    assert auc["stacking (above)"] == pytest.approx(records["ensemble_auc"]["stacking"], abs=1e-4)
    assert -1 <= records["forest_importance_spearman"] <= 1


def check_sample_and_tasks(records) -> None:
    # a customer sample: every task has fewer customers than the sample, later cutoffs more customers
    assert 0 < records["n_fit"] < records["n_train"] < records["n_test"] <= SAMPLE
    assert records["panel_rows"] > records["n_train"]
    assert records["loo_fits"] == LOO_ROWS


def check_searches_use_the_smaller_budget(records) -> None:
    assert records["search_budget"] == BUDGET
    search = records["search"]
    assert set(search) == {"grid", "random", "halving", "optuna"}
    assert search["grid"]["candidates"] <= BUDGET
    assert search["random"]["candidates"] == search["optuna"]["candidates"] == BUDGET
    for method, row in search.items():
        assert row["full-fit equivalents"] <= BUDGET * 1.05, method
        assert 0.5 <= row["best CV score"] <= 1 and 0.5 <= row["test AUC"] <= 1, method
    assert search["halving"]["candidates"] > BUDGET  # more candidates, on subsamples
    assert 0.5 < records["tuned_cv"] <= 1 and 0.5 < records["untuned_cv"] <= 1


def check_feature_engineering_records(records) -> None:
    spread = records["transform_spread"]
    assert spread["tree"] < 0.005 and spread["tree"] < spread["svm"]  # trees (almost) ignore monotone transforms
    assert set(records["best_scaling"]) == {"knn", "svm", "logistic", "tree"}
    assert 1 <= records["l1_kept"] <= records["n_features"]
    assert set(records["combinations_kept"]) <= {
        "monetary_per_frequency", "spend_90d_per_spend_180d", "orders_90d_per_orders_180d",
        "recency_days_per_tenure_days", "recency_days_x_frequency", "frequency_x_avg_order_value",
    }
    assert records["combinations_tried"] == 6
    assert 1 <= records["pca_components_90"] <= records["n_features"]
    assert all(0.5 < v <= 1 for v in records["tier_auc"].values())


def check_kfold_is_optimistic_for_flexible_models(records) -> None:
    optimism = records["kfold_optimism"]
    assert optimism["tree, unlimited"] > optimism["logistic (chapter 7)"]
    assert optimism["tree, unlimited"] > 0.03


def check_cost_threshold_and_before_after(records) -> None:
    assert records["test_cost_hindsight"] <= records["test_cost_at_threshold"]
    assert records["test_cost_hindsight"] <= records["test_cost_at_half"]
    table = records["before_after"]
    steps = records["steps"]
    assert set(steps) == set(table)
    assert steps[0] == "baseline: recency rule"
    for step, row in table.items():
        assert row["AUC low"] <= row["ROC AUC"] <= row["AUC high"], step
        if step == steps[0]:
            assert row["gain vs previous"] is None  # nothing before the baseline
        else:
            assert row["gain low"] <= row["gain vs previous"] <= row["gain high"], step
    # each gain is the AUC difference to the previous step (three roundings to 4 decimals: abs=2e-4), and is
    # 'real' when its interval lies above 0 (the lows are recorded rounded, so 0 may be either side)
    for previous, step in zip(steps, steps[1:]):
        assert table[step]["gain vs previous"] == pytest.approx(
            table[step]["ROC AUC"] - table[previous]["ROC AUC"], abs=2e-4), step
        real = step in records["real_gains"]
        assert (table[step]["gain low"] >= 0) if real else (table[step]["gain low"] <= 0), step
    assert set(records["real_gains"]) <= set(steps[1:])
    gain, low, high = records["final_vs_baseline"]
    assert low <= gain <= high
    assert gain == pytest.approx(table[steps[-1]]["ROC AUC"] - table[steps[0]]["ROC AUC"], abs=2e-4)
    check_tuning_is_adopted_only_if_it_helps(records)


def check_tuning_is_adopted_only_if_it_helps(records) -> None:
    # tuning is kept only if its time-aware CV gain clears min_gain (0.002); if not, the before/after row
    # says so and repeats the previous step's scores (a gain of exactly zero)
    assert isinstance(records["tuning_adopted"], bool)
    if records["tuned_cv"] - records["untuned_cv"] < 0.0019:
        assert not records["tuning_adopted"]
    tuning_steps = [s for s in records["steps"] if s.startswith("+ tuning")]
    assert len(tuning_steps) == 1
    row = records["before_after"][tuning_steps[0]]
    if not records["tuning_adopted"]:
        assert "not adopted" in tuning_steps[0]
        assert row["gain vs previous"] == 0 and row["gain low"] == row["gain high"] == 0
