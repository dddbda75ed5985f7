"""Chapter 11 (responsible profiling) run by papermill with non-default parameters (another epsilon and k)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from profiling import cleaning, datasets, features, models

N = 600
SEED = 7
CUTOFF = "2010-12-01"
KEY = "a papermill test key, long enough"
EPSILON = 0.5
K = 3


def expected_profiles() -> int:
    """Customers of the same seeded sample with a purchase before the profile date, after the chapter's cleaning."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    rules = [r for r in cleaning.default_rules() if r.name not in ("cancellations", "returns")]
    clean_tx, _ = cleaning.clean(raw, rules)
    buys = clean_tx[(clean_tx["quantity"] > 0) & (clean_tx["timestamp"] < pd.Timestamp(CUTOFF))]
    return int(buys["customer_id"].nunique())


def test_chapter_11_with_other_epsilon_k_and_key(run_chapter, tmp_path: Path) -> None:
    rec = run_chapter(
        "11_responsible_profiling.ipynb",
        sample_customers=N,
        random_state=SEED,
        profile_cutoff=CUTOFF,
        pseudonym_key=KEY,
        k=K,
        epsilon=EPSILON,
        dp_repeats=100,
        n_boot=50,
        target_share=0.2,
        measure_large_model=False,
        compute_customers=300,
        pi_sample=None,
    )
    n = rec["n_profiles"]
    assert n == expected_profiles() and 0 < n <= N

    # the key is a parameter and never appears in any output
    executed = json.loads((tmp_path / "11_responsible_profiling.ipynb").read_text(encoding="utf-8"))
    outputs = json.dumps([c.get("outputs", []) for c in executed["cells"]])
    assert KEY not in outputs

    # pseudonyms: a plain hash is reversed for everyone, the keyed one for no one
    assert rec["reversed_naive"] == n and rec["reversed_keyed"] == 0

    # k-anonymity with the other k
    assert rec["k_target"] == K
    assert rec["k_after"] >= K and rec["k_after_with_suppression"] >= K
    assert 0 <= rec["withheld"] <= 0.01 * n + 1
    assert 0 <= rec["precision_after"] <= 1
    assert set(rec["levels_after"]) == {"country", "tenure_months", "value_tier", "orders"}
    original, generalized, _ = rec["spend_explained"]
    assert 0 <= generalized <= original <= 1                     # a coarser partition explains no more variance

    # Laplace mechanism with the other epsilon: half for counts (sensitivity 1), half for sums (bound 5000)
    assert rec["dp_epsilon"] == EPSILON
    assert rec["dp_count_scale"] == pytest.approx(1 / (EPSILON / 2), rel=1e-12)
    assert rec["dp_sum_scale"] == pytest.approx(5000 / (EPSILON / 2), rel=1e-12)
    assert rec["dp_true_customers"] == n
    assert rec["dp_groups"] == ["churned", "new", "at_risk", "loyal", "active"]   # a partition fixed in advance
    # removing a customer lowers the segment counts' total by 1, so at least one count changes: max >= 1
    assert rec["rfm_removal_max_count_change"] >= 1
    errors = [rec["dp_error_counts"][e] for e in sorted(rec["dp_error_counts"], key=float)]
    assert errors == sorted(errors, reverse=True)

    # data quality: 13 months; a customer sample has no lines without customer
    assert rec["n_months"] == 13
    assert all("missing_customer" not in checks for checks in rec["failures"].values())
    assert set(rec["failures"]) <= {f"2009-12"} | {f"2010-{m:02d}" for m in range(1, 13)}
    assert "days" in rec["failures"]["2010-12"]        # the partial last month trips the coverage check

    # models, explanation, fairness, compute, seasons
    assert set(rec["test_auc"]) == set(models.MODEL_NAMES) and rec["test_auc"]["majority"] == 0.5
    assert abs(rec["threshold_share_targeted"] - 0.2) < 0.02
    assert rec["fairness_attributes"] == ["country", "customer size"]   # both have two groups in the sample
    for attribute in ("country", "customer size"):
        assert sum(v for key, v in rec["group_sizes"].items() if key.startswith(attribute + "|")) == rec["n_test"]
    for gap, low, high in rec["disparity"].values():
        assert low <= high
    assert "all-MiniLM-L6-v2" not in rec["compute_models"] and "logistic" in rec["compute_models"]
    assert len(rec["season_auc"]) == 3 and all(0 <= a <= 1 for a in rec["season_auc"])
    assert len(rec["season_auc_intervals"]) == 3
    # equal history windows remove the artefact of a longer history: no more features fail than with all of it
    assert rec["season_drift_n_fail_equal_windows"] <= rec["season_drift_n_fail"] <= len(features.MODEL_FEATURES)
    assert rec["feature_drift_n_fail_equal_windows"] <= rec["feature_drift_n_fail"] <= len(features.MODEL_FEATURES)
    assert all(0 <= r <= 1 for r in rec["season_rates"])

    # the outlook's table quotes the chapter's own measurements, not numbers of its own
    outlook = rec["outlook"]
    assert outlook["spend_explained"] == rec["spend_explained"][:2]
    assert outlook["features_drifting_equal_windows"] == rec["season_drift_n_fail_equal_windows"]
    gaps = {key: v for key, v in rec["disparity"].items() if not key.endswith("|repurchase rate")}
    assert outlook["gaps"] == len(gaps) == 3 * len(rec["fairness_attributes"])
    assert outlook["gaps_excluding_zero"] == sum(low > 0 or high < 0 for _, low, high in gaps.values())
    assert 0 <= outlook["worst_mean_error"] and outlook["median_orders"] >= 1
