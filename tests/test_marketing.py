"""Tests of profiling.marketing: campaign plans on the profile table (outcomes, segment values, plans, budgets).

The experiment, uplift models, metrics and policies are tested in tests/test_uplift_*.py.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from profiling import marketing as mk

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


def test_future_outcomes_checks_the_window_with_windows() -> None:
    # the horizon and the start go through profiling.windows: one message per problem
    with pytest.raises(ValueError, match="future_outcomes: horizon_days must be a whole number of days >= 1"):
        mk.future_outcomes(_tx(), ["a"], "2010-02-01", horizon_days=True)
    with pytest.raises(ValueError, match="horizon_days"):
        mk.future_outcomes(_tx(), ["a"], "2010-02-01", horizon_days=30.5)
    with pytest.raises(ValueError, match="future_outcomes: start 'soon' is not a date"):
        mk.future_outcomes(_tx(), ["a"], "soon")
    # a Timestamp and a string give the same window
    a = mk.future_outcomes(_tx(), ["a", "c"], pd.Timestamp("2010-02-01"), 30)
    b = mk.future_outcomes(_tx(), ["a", "c"], "2010-02-01", 30)
    pd.testing.assert_frame_equal(a, b)
    assert a.attrs["end"] == "2010-03-03T00:00:00"


def test_frame_checks_name_the_function_and_the_fix() -> None:
    with pytest.raises(TypeError, match="future_outcomes: transactions must be a pandas DataFrame"):
        mk.future_outcomes(_tx().to_dict(), ["a"], "2010-02-01")
    with pytest.raises(ValueError, match=r"segment_value: profiles lacks the column\(s\) \['persona'\].*build_profiles"):
        mk.segment_value(_profiles(), _outcomes(), by="persona")
    with pytest.raises(ValueError, match=r"segment_value: outcomes lacks the column\(s\) \['revenue'\].*future_outcomes"):
        mk.segment_value(_profiles(), _outcomes().drop(columns="revenue"))
    values = mk.segment_value(_profiles(), _outcomes())
    with pytest.raises(ValueError, match=r"campaign_plan: values lacks the column.*segment_value"):
        mk.campaign_plan(_profiles(), values.drop(columns="order_value"))
    with pytest.raises(ValueError, match=r"budget_tradeoff: the plan lacks the column.*campaign_plan"):
        mk.budget_tradeoff(values, [10])


def test_marketing_holds_campaign_planning_only() -> None:
    # the experiment, the uplift models, metrics and policies live in profiling.uplift (one home each)
    from profiling import uplift

    assert sorted(mk.__all__) == ["CAMPAIGN_PLAYBOOK", "budget_tradeoff", "campaign_plan", "future_outcomes",
                                  "segment_value"]
    for name in mk.__all__:
        assert hasattr(mk, name), name
    assert not set(mk.__all__) & set(uplift.__all__)
    assert not hasattr(mk, "TwoModels") and not hasattr(mk, "uplift_at_k")
