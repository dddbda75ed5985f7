"""Tests of profiling.marketing: plans, experiment checks, uplift models, metrics (hand-computed) and policies."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiling import datasets, marketing as mk

# --------------------------------------------------------------------------------------------
# Part 1: plans from history
# --------------------------------------------------------------------------------------------


def _tx() -> pd.DataFrame:
    rows = [
        # customer, invoice, qty, price, timestamp
        ("a", "1", 2, 5.0, "2010-01-05"),   # before the window
        ("a", "2", 1, 10.0, "2010-02-03"),  # in the window
        ("a", "3", 3, 10.0, "2010-02-20"),  # in the window
        ("a", "C4", -1, 10.0, "2010-02-21"),  # a return in the window
        ("b", "5", 1, 7.0, "2010-01-10"),   # before only
        ("c", "6", 4, 2.5, "2010-02-01"),   # first day of the window
        ("c", "7", 1, 99.0, "2010-03-03"),  # the day the window ends (excluded)
        (None, "8", 1, 1.0, "2010-02-10"),  # no customer
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "invoice_id", "quantity", "unit_price", "timestamp"])
    tx["timestamp"] = pd.to_datetime(tx["timestamp"]).astype("datetime64[us]")
    tx["quantity"] = tx["quantity"].astype("int64")
    return tx


def test_future_outcomes_counts_the_window_only() -> None:
    out = mk.future_outcomes(_tx(), ["a", "b", "c", "d"], "2010-02-01", horizon_days=30)
    assert out.index.tolist() == ["a", "b", "c", "d"]
    assert out["orders"].tolist() == [2, 0, 1, 0]
    assert out["repurchased"].tolist() == [1, 0, 1, 0]
    assert out["revenue"].tolist() == pytest.approx([10 + 30 - 10, 0, 10, 0])
    assert out.attrs["horizon_days"] == 30 and out.attrs["complete"] is True


def test_future_outcomes_flags_an_incomplete_window_and_refuses_bad_input() -> None:
    assert mk.future_outcomes(_tx(), ["a"], "2010-03-01", horizon_days=90).attrs["complete"] is False
    with pytest.raises(ValueError, match="horizon_days"):
        mk.future_outcomes(_tx(), ["a"], "2010-02-01", horizon_days=0)
    with pytest.raises(ValueError, match="duplicates"):
        mk.future_outcomes(_tx(), ["a", "a"], "2010-02-01")
    with pytest.raises(ValueError, match="lacks the column"):
        mk.future_outcomes(_tx().drop(columns="invoice_id"), ["a"], "2010-02-01")


def _profiles() -> pd.DataFrame:
    return pd.DataFrame({"rfm_segment": ["champions", "champions", "lost", "lost"]},
                        index=pd.Index(["a", "b", "c", "d"], name="customer_id"))


def _outcomes() -> pd.DataFrame:
    return pd.DataFrame({"orders": [2, 0, 1, 0], "repurchased": [1, 0, 1, 0], "revenue": [100.0, 0.0, 10.0, 0.0]},
                        index=pd.Index(["a", "b", "c", "d"], name="customer_id"))


def test_segment_value_by_hand() -> None:
    v = mk.segment_value(_profiles(), _outcomes())
    assert v.loc["champions", "customers"] == 2
    assert v.loc["champions", "repurchase_rate"] == 0.5
    assert v.loc["champions", "order_value"] == 50.0          # 100 over 2 orders
    assert v.loc["champions", "revenue_per_customer"] == 50.0  # 100 over 2 customers
    assert v.loc["lost", "revenue_per_customer"] == 5.0
    assert v.loc["champions", "revenue_se"] == pytest.approx(np.std([100, 0], ddof=1) / math.sqrt(2))
    with pytest.raises(ValueError, match="no outcome row"):
        mk.segment_value(_profiles(), _outcomes().iloc[:2])


def test_campaign_plan_and_budget_by_hand() -> None:
    values = mk.segment_value(_profiles(), _outcomes())
    plan = mk.campaign_plan(_profiles(), values, relative_lift=0.2, margin=0.5, cost_per_contact=1.0)
    # champions: 0.2 * 0.5 * 50 - 1 = 4 per contact; lost: 0.2 * 0.5 * 5 - 1 = -0.5
    assert plan.index.tolist() == ["champions", "lost"]
    assert plan.loc["champions", "profit_per_contact"] == pytest.approx(4.0)
    assert plan.loc["lost", "profit_per_contact"] == pytest.approx(-0.5)
    assert plan.loc["champions", "break_even_lift"] == pytest.approx(1 / 25)
    assert plan.loc["lost", "break_even_lift"] == pytest.approx(1 / 2.5)
    assert plan.loc["champions", "goal"] == mk.CAMPAIGN_PLAYBOOK["champions"][0]
    table = mk.budget_tradeoff(plan, [0, 1, 5, float("inf")])
    assert table["contacts"].tolist() == [0, 1, 2, 2]         # lost is never contacted: it loses money
    assert table["expected_profit"].tolist() == pytest.approx([0, 4, 8, 8])
    assert table["segments"].tolist() == ["(none)", "champions (50%)", "champions", "champions"]
    assert np.isnan(table["roi"].iloc[0]) and table["roi"].iloc[-1] == pytest.approx(4.0)


def test_campaign_plan_refuses_bad_parameters() -> None:
    values = mk.segment_value(_profiles(), _outcomes())
    with pytest.raises(ValueError, match="margin"):
        mk.campaign_plan(_profiles(), values, margin=1.5)
    with pytest.raises(ValueError, match="budgets"):
        mk.budget_tradeoff(mk.campaign_plan(_profiles(), values), [-1])


def test_campaign_plan_keeps_segments_without_history() -> None:
    # a segment that exists today but had no customer in the history window (a young shop):
    # kept, flagged, NaN values, listed last and never contacted
    values = mk.segment_value(_profiles(), _outcomes())
    today = _profiles().assign(rfm_segment=["champions", "loyal", "lost", "lost"])
    plan = mk.campaign_plan(today, values, relative_lift=0.2, margin=0.5, cost_per_contact=1.0)
    assert plan.index.tolist() == ["champions", "lost", "loyal"]
    assert plan["customers"].sum() == len(today)
    assert plan["has_history"].tolist() == [True, True, False]
    assert plan.attrs["no_history"] == ["loyal"]
    for col in ["repurchase_rate", "order_value", "revenue_per_customer", "break_even_lift",
                "profit_per_contact", "expected_profit"]:
        assert np.isnan(plan.loc["loyal", col]), col
    assert plan.loc["champions", "profit_per_contact"] == pytest.approx(0.2 * 0.5 * 50 - 1)
    table = mk.budget_tradeoff(plan, [float("inf")])
    assert table["contacts"].tolist() == [1]                # only champions pay; loyal is never contacted
    assert "loyal" not in table["segments"].iloc[0]
    # with history for every segment, every row is flagged True and nothing is listed
    full = mk.campaign_plan(_profiles(), values)
    assert full["has_history"].all() and full.attrs["no_history"] == []


# --------------------------------------------------------------------------------------------
# Part 2: the experiment (Hillstrom)
# --------------------------------------------------------------------------------------------

#: Arm means from data/README.md (the published challenge figures), to the digits printed there.
README_MEANS = {
    "Mens E-Mail": (21307, 0.18276, 0.01253, 1.4226),
    "Womens E-Mail": (21387, 0.15140, 0.00884, 1.0772),
    "No E-Mail": (21306, 0.10617, 0.00573, 0.6528),
}


@pytest.fixture(scope="module")
def hillstrom() -> pd.DataFrame:
    return datasets.load_hillstrom()


def test_arm_means_match_the_readme(hillstrom: pd.DataFrame) -> None:
    means = mk.arm_means(hillstrom, "segment", ["visit", "conversion", "spend"])
    for arm, (n, visit, conversion, spend) in README_MEANS.items():
        assert means.loc[arm, "n"] == n
        assert round(means.loc[arm, "visit"], 5) == visit
        assert round(means.loc[arm, "conversion"], 5) == conversion
        assert round(means.loc[arm, "spend"], 4) == spend


def test_ate_table_on_hillstrom(hillstrom: pd.DataFrame) -> None:
    ate = mk.ate_table(hillstrom, "segment", ["visit", "conversion", "spend"], control="No E-Mail")
    assert len(ate) == 6 and set(ate["arm"]) == {"Mens E-Mail", "Womens E-Mail"}
    row = ate.set_index(["arm", "outcome"]).loc[("Womens E-Mail", "visit")]
    assert row["ate"] == pytest.approx(0.15140 - 0.10617, abs=1e-5)
    assert row["ci_low"] < row["ate"] < row["ci_high"] and row["ci_low"] > 0
    assert row["n_treated"] == 21387 and row["n_control"] == 21306
    spend = ate.set_index(["arm", "outcome"]).loc[("Mens E-Mail", "spend")]
    assert spend["ate"] == pytest.approx(1.4226 - 0.6528, abs=1e-3)
    assert (ate["ci_high"] - ate["ci_low"]).gt(0).all()


def test_ate_table_by_hand() -> None:
    f = pd.DataFrame({"arm": ["t", "t", "t", "c", "c", "c"], "y": [1.0, 2.0, 3.0, 0.0, 1.0, 2.0]})
    row = mk.ate_table(f, "arm", ["y"], control="c").iloc[0]
    assert row["ate"] == 1.0
    assert row["se"] == pytest.approx(math.sqrt(1 / 3 + 1 / 3))
    assert row["ci_high"] - row["ate"] == pytest.approx(1.959964 * row["se"], rel=1e-5)
    assert row["relative_lift"] == 1.0
    with pytest.raises(ValueError, match="control arm"):
        mk.ate_table(f, "arm", ["y"], control="nobody")


def test_randomization_checks(hillstrom: pd.DataFrame) -> None:
    X = mk.hillstrom_features(hillstrom)
    assert X.shape == (64000, 11) and not X.isna().any().any()
    bal = mk.balance_table(X.assign(arm=hillstrom["segment"].astype(str)), "arm", list(X.columns))
    assert bal["max_std_diff"].max() < 0.05
    sample = np.random.default_rng(0).choice(len(X), 6000, replace=False)
    pred = mk.arm_predictability(X.iloc[sample], hillstrom["segment"].to_numpy()[sample], random_state=0)
    assert abs(pred["auc"] - 0.5) < 0.03
    assert pred["accuracy"] < pred["chance_accuracy"] + 0.03


def test_arm_predictability_detects_a_broken_randomization() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=2000)})
    arm = np.where(X["x"] + rng.normal(scale=0.5, size=2000) > 0, "email", "none")  # assignment follows x
    assert mk.arm_predictability(X, arm, random_state=0)["auc"] > 0.8
    with pytest.raises(ValueError, match="single value"):
        mk.arm_predictability(X, np.full(2000, "email"))


# --------------------------------------------------------------------------------------------
# Uplift models
# --------------------------------------------------------------------------------------------


def _synthetic(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Binary outcome whose treatment effect is +0.3 when x0 > 0 and 0 otherwise; base rate depends on x1."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x0": rng.normal(size=n), "x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    t = rng.integers(0, 2, n)
    effect = np.where(X["x0"] > 0, 0.3, 0.0)
    base = 0.1 + 0.3 * (X["x1"] > 0)
    y = (rng.random(n) < base + t * effect).astype(int)
    return X, y, t, effect


MODELS = [mk.TwoModels, mk.ClassTransformation, mk.TransformedOutcome, mk.XLearner]


@pytest.mark.parametrize("model", MODELS)
def test_uplift_models_find_the_persuadable_and_are_deterministic(model) -> None:
    X, y, t, effect = _synthetic()
    Xn, _, _, effect_new = _synthetic(seed=1)
    u1 = model(random_state=3).fit(X, y, t).predict(Xn)
    u2 = model(random_state=3).fit(X, y, t).predict(Xn)
    np.testing.assert_array_equal(u1, u2)
    assert u1.shape == (len(Xn),)
    # the customers with a true effect get the higher predicted uplift
    assert u1[effect_new > 0].mean() - u1[effect_new == 0].mean() > 0.15


def test_response_model_ranks_by_response_not_by_effect() -> None:
    X, y, t, effect = _synthetic()
    r = mk.ResponseModel(random_state=0).fit(X, y, t).predict(X)
    assert np.corrcoef(r, X["x1"] > 0)[0, 1] > 0.5      # it follows the base rate too
    assert ((r >= 0) & (r <= 1)).all()


def test_models_accept_regressors_for_amounts() -> None:
    from sklearn.linear_model import LinearRegression

    X, _, t, _ = _synthetic()
    spend = 10 * X["x0"] * t + 5.0
    u = mk.TwoModels(LinearRegression()).fit(X, spend, t).predict(X)
    assert np.corrcoef(u, X["x0"])[0, 1] > 0.99
    assert mk.TransformedOutcome(random_state=0).fit(X, spend, t).predict(X).shape == (len(X),)


def test_models_refuse_bad_input() -> None:
    X, y, t, _ = _synthetic(400)
    with pytest.raises(ValueError, match="binary"):
        mk.ClassTransformation().fit(X, y * 2.5, t)
    with pytest.raises(ValueError, match="treatment must be 0"):
        mk.TwoModels().fit(X, y, t + 1)
    with pytest.raises(ValueError, match="need both groups"):
        mk.XLearner().fit(X, y, np.ones_like(t))
    with pytest.raises(ValueError, match="must match"):
        mk.TransformedOutcome().fit(X, y[:-1], t)
    with pytest.raises(RuntimeError, match="not fitted"):
        mk.ClassTransformation().predict(X)
    fitted = mk.ClassTransformation(random_state=0).fit(X, y, t)
    with pytest.raises(ValueError, match="columns"):
        fitted.predict(X[["x0"]])


# --------------------------------------------------------------------------------------------
# Uplift metrics, hand-computed
# --------------------------------------------------------------------------------------------

Y = [1, 0, 1, 0]
S = [0.9, 0.8, 0.2, 0.1]
T = [1, 1, 0, 0]


def test_uplift_and_qini_curves_by_hand() -> None:
    # top 1: treated 1/1 -> 1; top 2: treated 1/2, control none -> 0.5 * 2 = 1;
    # top 3: treated 1/2, control 1/1 -> (0.5 - 1) * 3 = -1.5; all: (0.5 - 0.5) * 4 = 0
    u = mk.uplift_curve(Y, S, T)
    assert u["n"].tolist() == [0, 1, 2, 3, 4]
    assert u["uplift"].tolist() == pytest.approx([0, 1, 1, -1.5, 0])
    # Qini: y_t - y_c * n_t / n_c -> 1, 1, 1 - 1 * 2 / 1 = -1, 1 - 1 * 2 / 2 = 0
    assert mk.qini_curve(Y, S, T)["qini"].tolist() == pytest.approx([0, 1, 1, -1, 0])


def test_curves_cut_only_between_tied_scores() -> None:
    u = mk.uplift_curve(Y, [0.5, 0.5, 0.1, 0.1], T)
    assert u["n"].tolist() == [0, 2, 4]
    assert u["uplift"].tolist() == pytest.approx([0, 1, 0])


def test_curve_areas_with_random_and_perfect_references_by_hand() -> None:
    # uplift: model area = trapezoids of [0, 1, 1, -1.5, 0] = 0.5 + 1 - 0.25 - 0.75 = 0.5; the
    # random line ends at 0 (area 0); the perfect order (treated responder, control non-responder,
    # treated non-responder, control responder) gives [0, 1, 2, 1.5, 0] -> area 4.5
    a = mk.curve_areas(Y, S, T, "uplift")
    assert (a["model"], a["random"], a["perfect"]) == pytest.approx((0.5, 0.0, 4.5))
    assert a["normalized"] == pytest.approx(1 / 9)
    assert mk.uplift_auc_score(Y, S, T) == pytest.approx(1 / 9)
    # Qini: model [0, 1, 1, -1, 0] -> 1.0; perfect: treated responder first, control responder last,
    # the two non-responders tied -> points n = 0, 1, 3, 4 with [0, 1, 1, 0] -> 0.5 + 2 + 0.5 = 3
    q = mk.curve_areas(Y, S, T, "qini")
    assert (q["model"], q["random"], q["perfect"]) == pytest.approx((1.0, 0.0, 3.0))
    assert mk.qini_auc_score(Y, S, T) == pytest.approx(1 / 3)


def test_random_reference_is_the_diagonal() -> None:
    # a curve that ends at 2 over 4 customers: random area = 4 * 2 / 2
    y, t = [1, 1, 1, 0], [1, 1, 0, 0]
    a = mk.curve_areas(y, [0.4, 0.3, 0.2, 0.1], t, "uplift")
    assert a["random"] == pytest.approx(4.0)
    assert mk.uplift_curve(y, [0.4, 0.3, 0.2, 0.1], t)["uplift"].iloc[-1] == pytest.approx(2.0)
    # the perfect ordering scores 1 after normalization
    assert mk.curve_areas(y, mk.perfect_scores(y, t), t)["normalized"] == pytest.approx(1.0)


def test_uplift_at_k_by_hand() -> None:
    y = [1, 0, 1, 0, 0, 1]
    t = [1, 0, 0, 1, 1, 0]
    s = [6, 5, 4, 3, 2, 1]
    # top 50 % = first 3 rows: treated {1} -> 1.0; control {0, 1} -> 0.5
    assert mk.uplift_at_k(y, s, t, k=0.5) == pytest.approx(0.5)
    assert mk.uplift_at_k(y, s, t, k=3) == pytest.approx(0.5)
    # by group: top int(3 * 0.5) = 1 of each: treated row 0 (1), control row 1 (0)
    assert mk.uplift_at_k(y, s, t, k=0.5, strategy="by_group") == pytest.approx(1.0)
    # everyone: 1/3 - 2/3
    assert mk.uplift_at_k(y, s, t, k=1.0) == pytest.approx(-1 / 3)
    # top 1 has no control row
    assert math.isnan(mk.uplift_at_k(y, s, t, k=1))
    for bad in (0, 1.5, -0.1, 7, True):
        with pytest.raises(ValueError, match="k "):
            mk.uplift_at_k(y, s, t, k=bad)
    with pytest.raises(ValueError, match="strategy"):
        mk.uplift_at_k(y, s, t, strategy="best")


def test_metrics_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        mk.uplift_curve([1, 0], [0.1], [1, 0])
    with pytest.raises(ValueError, match="treatment must be 0"):
        mk.qini_curve([1, 0], [0.1, 0.2], [1, 2])
    with pytest.raises(ValueError, match="need both groups"):
        mk.uplift_at_k([1, 0], [0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="missing"):
        mk.curve_areas([1, np.nan], [0.1, 0.2], [1, 0])


def test_bootstrap_interval_and_bins() -> None:
    X, y, t, effect = _synthetic(3000, seed=5)
    score = effect + np.random.default_rng(0).normal(scale=0.1, size=len(y))
    b1 = mk.bootstrap_uplift_at_k(y, score, t, k=0.3, n_boot=200, random_state=1)
    b2 = mk.bootstrap_uplift_at_k(y, score, t, k=0.3, n_boot=200, random_state=1)
    pd.testing.assert_series_equal(b1, b2)
    assert b1["estimate"] == mk.uplift_at_k(y, score, t, 0.3)
    assert b1["ci_low"] < b1["estimate"] < b1["ci_high"] and b1["n_boot"] == 200
    assert 0.2 < b1["estimate"] < 0.4
    bins = mk.uplift_by_bin(y, score, t, bins=5)
    assert bins.index.tolist() == [1, 2, 3, 4, 5]
    assert (bins["n_treated"] + bins["n_control"]).sum() == len(y)
    assert bins["uplift"].iloc[0] > bins["uplift"].iloc[-1]
    with pytest.raises(ValueError, match="n_boot"):
        mk.bootstrap_uplift_at_k(y, score, t, n_boot=5)


# --------------------------------------------------------------------------------------------
# Policy and profit
# --------------------------------------------------------------------------------------------


def test_profit_curve_by_hand() -> None:
    p = mk.profit_curve(Y, S, T, margin=2.0, cost=0.5)
    # 2 * [0, 1, 1, -1.5, 0] - 0.5 * [0, 1, 2, 3, 4]
    assert p["profit"].tolist() == pytest.approx([0, 1.5, 1.0, -4.5, -2.0])
    with pytest.raises(ValueError, match="cost"):
        mk.profit_curve(Y, S, T, margin=1.0, cost=-1)


@settings(max_examples=60, deadline=None)
@given(
    uplift=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=50),
    margin=st.floats(0, 1),
    cost=st.floats(0, 10),
)
def test_policy_never_contacts_a_customer_with_negative_expected_profit(uplift, margin, cost) -> None:
    contact = mk.contact_policy(uplift, margin, cost)
    profit = mk.expected_profit(uplift, margin, cost)
    assert (profit[contact] > 0).all()
    assert (profit[~contact] <= 0).all()


def test_high_cost_contacts_no_one_and_lower_cost_contacts_more() -> None:
    u = np.linspace(-0.5, 2.0, 101)
    assert not mk.contact_policy(u, margin=0.3, cost=1.0).any()        # max profit 0.6 - 1 < 0
    shares = [mk.contact_policy(u, 0.3, c).mean() for c in (0.6, 0.3, 0.1, 0.0)]
    assert shares == sorted(shares) and shares[0] < shares[-1]


def test_choose_treatment() -> None:
    u = pd.DataFrame({"Mens": [1.0, 0.1, -1.0, 0.5], "Womens": [0.5, 0.2, -0.5, 0.5]})
    chosen = mk.choose_treatment(u, margin=1.0, cost=0.15, control="none")
    assert chosen.tolist() == ["Mens", "Womens", "none", "Mens"]  # a tie goes to the first column
    chosen = mk.choose_treatment(u, margin=1.0, cost={"Mens": 0.15, "Womens": 0.0}, control="none")
    assert chosen.tolist() == ["Mens", "Womens", "none", "Womens"]
    assert (mk.choose_treatment(u, 1.0, 100.0, control="none") == "none").all()
    with pytest.raises(ValueError, match="both a treatment"):
        mk.choose_treatment(u, 1.0, 0.1, control="Mens")


def test_policy_value_by_hand() -> None:
    # 4 customers, two arms with probability 1/2; policy contacts the first two
    y = [3.0, 1.0, 2.0, 0.0]
    arm = ["email", "none", "email", "none"]
    chosen = ["email", "email", "none", "none"]
    v = mk.policy_value(y, arm, chosen, baseline="none", margin=1.0, cost=0.5)
    # terms: (3/0.5 - 0) - 0.5, (0 - 1/0.5) - 0.5, (0 - 0) - 0, (0 - 0/0.5) - 0 -> 5.5, -2.5, 0, 0
    assert v["value"] == pytest.approx(3.0 / 4)
    assert v["contact_share"] == 0.5
    assert v["se"] == pytest.approx(np.std([5.5, -2.5, 0, 0], ddof=1) / 2)
    everyone = mk.policy_value(y, arm, ["email"] * 4, baseline="none")
    assert everyone["value"] == pytest.approx(np.mean([3, 2]) - np.mean([1, 0]))  # the ATE
    with pytest.raises(ValueError, match="no customer got"):
        mk.policy_value(y, arm, ["sms"] * 4, baseline="none")


def test_policy_difference_is_paired() -> None:
    y = [3.0, 1.0, 2.0, 0.0]
    arm = ["email", "none", "email", "none"]
    a = ["email", "email", "none", "none"]
    b = ["email", "email", "email", "email"]
    d = mk.policy_difference(y, arm, a, b, baseline="none", margin=1.0, cost=0.5)
    va = mk.policy_value(y, arm, a, baseline="none", margin=1.0, cost=0.5)["value"]
    vb = mk.policy_value(y, arm, b, baseline="none", margin=1.0, cost=0.5)["value"]
    assert d["difference"] == pytest.approx(va - vb)
    # customers 3 and 4 differ: (0 - 0.5 - (2/0.5 - 0 - 0.5)) = -4.0... by hand:
    # a terms 5.5, -2.5, 0, 0; b terms 5.5, -2.5, 4 - 0.5, -0.5 -> differences 0, 0, -3.5, 0.5
    assert d["se"] == pytest.approx(np.std([0, 0, -3.5, 0.5], ddof=1) / 2)
    assert d["share_differ"] == 0.5
    same = mk.policy_difference(y, arm, a, a, baseline="none")
    assert same["difference"] == 0 and same["se"] == 0 and same["share_differ"] == 0
    with pytest.raises(ValueError, match="policy_difference: chosen holds"):
        mk.policy_difference(y, arm, a, ["sms"] * 4, baseline="none")


def test_bootstrap_profit_difference_by_hand_and_paired() -> None:
    rng = np.random.default_rng(0)
    n = 400
    t = rng.integers(0, 2, n)
    x = rng.random(n)
    y = (rng.random(n) < 0.1 + 0.4 * x * t).astype(float) * 10   # the effect grows with x
    out = mk.bootstrap_profit_difference(y, x, -x, t, k=0.25, margin=0.5, cost=0.2, n_boot=200, random_state=1)
    top = np.argsort(-x, kind="stable")[:100]
    by_hand = (0.5 * (y[top][t[top] == 1].mean() - y[top][t[top] == 0].mean()) - 0.2) * 100
    assert out["profit"] == pytest.approx(by_hand)
    assert out["difference"] == pytest.approx(out["profit"] - out["profit_other"])
    assert out["ci_low"] > 0 and out["share_positive"] > 0.95   # ranking by x is clearly better
    same = mk.bootstrap_profit_difference(y, x, x, t, k=0.25, margin=0.5, cost=0.2, n_boot=50)
    assert same["difference"] == 0 and same["ci_low"] == same["ci_high"] == 0   # paired: identical rankings never differ
    with pytest.raises(ValueError, match="n_boot"):
        mk.bootstrap_profit_difference(y, x, -x, t, k=0.25, margin=0.5, cost=0.2, n_boot=3)
    with pytest.raises(ValueError, match="same length"):
        mk.bootstrap_profit_difference(y, x[:10], -x, t, k=0.25, margin=0.5, cost=0.2)
