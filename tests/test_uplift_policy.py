"""Tests of profiling.uplift.policy: profit curves, contact policies, treatment choice and policy values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiling import stats, uplift

Y = [1, 0, 1, 0]
S = [0.9, 0.8, 0.2, 0.1]
T = [1, 1, 0, 0]


def test_profit_curve_by_hand() -> None:
    p = uplift.profit_curve(Y, S, T, margin=2.0, cost=0.5)
    # 2 * [0, 1, 1, -1.5, 0] - 0.5 * [0, 1, 2, 3, 4]
    assert p["profit"].tolist() == pytest.approx([0, 1.5, 1.0, -4.5, -2.0])
    with pytest.raises(ValueError, match="cost"):
        uplift.profit_curve(Y, S, T, margin=1.0, cost=-1)
    with pytest.raises(ValueError, match="profit_curve: margin must be a number >= 0"):
        uplift.profit_curve(Y, S, T, margin=float("nan"), cost=0.1)


@settings(max_examples=60, deadline=None)
@given(
    u=st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=50),
    margin=st.floats(0, 1),
    cost=st.floats(0, 10),
)
def test_policy_never_contacts_a_customer_with_negative_expected_profit(u, margin, cost) -> None:
    contact = uplift.contact_policy(u, margin, cost)
    profit = uplift.expected_profit(u, margin, cost)
    assert (profit[contact] > 0).all()
    assert (profit[~contact] <= 0).all()


def test_high_cost_contacts_no_one_and_lower_cost_contacts_more() -> None:
    u = np.linspace(-0.5, 2.0, 101)
    assert not uplift.contact_policy(u, margin=0.3, cost=1.0).any()        # max profit 0.6 - 1 < 0
    shares = [uplift.contact_policy(u, 0.3, c).mean() for c in (0.6, 0.3, 0.1, 0.0)]
    assert shares == sorted(shares) and shares[0] < shares[-1]
    with pytest.raises(ValueError, match="expected_profit: uplift has missing values"):
        uplift.expected_profit([0.1, np.nan], 0.3, 0.1)


def test_choose_treatment() -> None:
    u = pd.DataFrame({"Mens": [1.0, 0.1, -1.0, 0.5], "Womens": [0.5, 0.2, -0.5, 0.5]})
    chosen = uplift.choose_treatment(u, margin=1.0, cost=0.15, control="none")
    assert chosen.tolist() == ["Mens", "Womens", "none", "Mens"]  # a tie goes to the first column
    chosen = uplift.choose_treatment(u, margin=1.0, cost={"Mens": 0.15, "Womens": 0.0}, control="none")
    assert chosen.tolist() == ["Mens", "Womens", "none", "Womens"]
    assert (uplift.choose_treatment(u, 1.0, 100.0, control="none") == "none").all()
    with pytest.raises(ValueError, match="both a treatment"):
        uplift.choose_treatment(u, 1.0, 0.1, control="Mens")
    with pytest.raises(TypeError, match="choose_treatment: uplifts must be a pandas DataFrame"):
        uplift.choose_treatment(u.to_numpy(), 1.0, 0.1)
    with pytest.raises(ValueError, match="choose_treatment: uplifts has no column"):
        uplift.choose_treatment(u[[]], 1.0, 0.1)
    with pytest.raises(ValueError, match=r"choose_treatment: cost has no entry for treatment\(s\) \['Womens'\]"):
        uplift.choose_treatment(u, 1.0, {"Mens": 0.1}, control="none")


def test_policy_value_by_hand() -> None:
    # 4 customers, two arms with probability 1/2; policy contacts the first two
    y = [3.0, 1.0, 2.0, 0.0]
    arm = ["email", "none", "email", "none"]
    chosen = ["email", "email", "none", "none"]
    v = uplift.policy_value(y, arm, chosen, baseline="none", margin=1.0, cost=0.5)
    # terms: (3/0.5 - 0) - 0.5, (0 - 1/0.5) - 0.5, (0 - 0) - 0, (0 - 0/0.5) - 0 -> 5.5, -2.5, 0, 0
    assert v["value"] == pytest.approx(3.0 / 4)
    assert v["contact_share"] == 0.5
    assert v["se"] == pytest.approx(np.std([5.5, -2.5, 0, 0], ddof=1) / 2)
    everyone = uplift.policy_value(y, arm, ["email"] * 4, baseline="none")
    assert everyone["value"] == pytest.approx(np.mean([3, 2]) - np.mean([1, 0]))  # the ATE
    with pytest.raises(ValueError, match="no customer got"):
        uplift.policy_value(y, arm, ["sms"] * 4, baseline="none")
    with pytest.raises(ValueError, match="baseline arm 'control' not in arm"):
        uplift.policy_value(y, arm, chosen, baseline="control")
    with pytest.raises(ValueError, match="propensity needs a probability"):
        uplift.policy_value(y, arm, chosen, baseline="none", propensity={"email": 0.5})


def test_policy_difference_is_paired() -> None:
    y = [3.0, 1.0, 2.0, 0.0]
    arm = ["email", "none", "email", "none"]
    a = ["email", "email", "none", "none"]
    b = ["email", "email", "email", "email"]
    d = uplift.policy_difference(y, arm, a, b, baseline="none", margin=1.0, cost=0.5)
    va = uplift.policy_value(y, arm, a, baseline="none", margin=1.0, cost=0.5)["value"]
    vb = uplift.policy_value(y, arm, b, baseline="none", margin=1.0, cost=0.5)["value"]
    assert d["difference"] == pytest.approx(va - vb)
    # a terms 5.5, -2.5, 0, 0; b terms 5.5, -2.5, 4 - 0.5, -0.5 -> differences 0, 0, -3.5, 0.5
    assert d["se"] == pytest.approx(np.std([0, 0, -3.5, 0.5], ddof=1) / 2)
    assert d["share_differ"] == 0.5
    same = uplift.policy_difference(y, arm, a, a, baseline="none")
    assert same["difference"] == 0 and same["se"] == 0 and same["share_differ"] == 0
    with pytest.raises(ValueError, match="policy_difference: chosen holds"):
        uplift.policy_difference(y, arm, a, ["sms"] * 4, baseline="none")


def _experiment(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    x = rng.random(n)
    y = (rng.random(n) < 0.1 + 0.4 * x * t).astype(float) * 10   # the effect grows with x
    return y, x, t


def test_bootstrap_profit_difference_by_hand_and_paired() -> None:
    y, x, t = _experiment()
    out = uplift.bootstrap_profit_difference(y, x, -x, t, k=0.25, margin=0.5, cost=0.2, n_boot=200, random_state=1)
    top = np.argsort(-x, kind="stable")[:100]
    by_hand = (0.5 * (y[top][t[top] == 1].mean() - y[top][t[top] == 0].mean()) - 0.2) * 100
    assert out["profit"] == pytest.approx(by_hand)
    assert out["difference"] == pytest.approx(out["profit"] - out["profit_other"])
    assert out["ci_low"] > 0 and out["share_positive"] > 0.95   # ranking by x is clearly better
    same = uplift.bootstrap_profit_difference(y, x, x, t, k=0.25, margin=0.5, cost=0.2, n_boot=50)
    assert same["difference"] == 0 and same["ci_low"] == same["ci_high"] == 0   # paired: identical rankings never differ
    narrow = uplift.bootstrap_profit_difference(y, x, -x, t, k=0.25, margin=0.5, cost=0.2, n_boot=200, level=0.5,
                                                random_state=1)
    assert out["ci_low"] < narrow["ci_low"] < narrow["ci_high"] < out["ci_high"]
    with pytest.raises(ValueError, match="n_boot"):
        uplift.bootstrap_profit_difference(y, x, -x, t, k=0.25, margin=0.5, cost=0.2, n_boot=3)
    with pytest.raises(ValueError, match="same length"):
        uplift.bootstrap_profit_difference(y, x[:10], -x, t, k=0.25, margin=0.5, cost=0.2)
    with pytest.raises(ValueError, match="confidence level"):
        uplift.bootstrap_profit_difference(y, x, -x, t, k=0.25, margin=0.5, cost=0.2, level=0)


def test_bootstrap_profit_difference_uses_the_course_resampling() -> None:
    # replicate b resamples rng.integers(0, n, n) (as profiling.stats) and values both rankings on it
    y, x, t = _experiment(300, seed=3)
    other = np.random.default_rng(9).random(300).round(1)                 # with ties
    m, margin, cost = 90, 0.5, 0.2

    def profit(score, rows):
        top = rows[np.lexsort((rows, -score[rows]))[:m]]                  # highest first, ties by original row
        tt, yy = t[top], y[top]
        return (margin * (yy[tt == 1].mean() - yy[tt == 0].mean()) - cost) * m if 0 < tt.sum() < m else np.nan

    rng = np.random.default_rng(11)
    diffs = []
    for _ in range(80):
        rows = rng.integers(0, 300, 300)
        diffs.append(profit(x, rows) - profit(other, rows))
    diffs = np.array(diffs)
    diffs = diffs[~np.isnan(diffs)]
    out = uplift.bootstrap_profit_difference(y, x, other, t, k=m, margin=margin, cost=cost, n_boot=80, random_state=11)
    assert out["n_boot"] == len(diffs)
    assert out["se"] == pytest.approx(diffs.std(ddof=1), rel=1e-12)
    assert out["share_positive"] == pytest.approx((diffs > 0).mean())
    assert (out["ci_low"], out["ci_high"]) == pytest.approx(stats.percentile_interval(diffs, 0.95), rel=1e-12)
