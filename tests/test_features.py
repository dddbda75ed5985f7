"""Tests for profiling.features: hand-computed values, no look-ahead, order independence, lifetimes parity."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiling import features
from frames import tx_frame
from profiling.datasets import COLUMNS

REF = pd.DataFrame({"country": ["United Kingdom", "France"], "region": ["UK", "Western Europe"]})


@pytest.fixture
def small() -> pd.DataFrame:
    return tx_frame(
        [
            # customer A: three orders, one return, one low-price line, one in December, one on a Sunday
            ("A", "1", "X", 2, 5.0, "2010-01-04 10:00", "United Kingdom"),  # Monday, 10.00
            ("A", "1", "Y", 10, 0.5, "2010-01-04 10:00", "United Kingdom"),  # 5.00
            ("A", "2", "X", 1, 5.0, "2010-01-10 14:00", "United Kingdom"),  # Sunday
            ("A", "C3", "X", -1, 5.0, "2010-01-12 09:00", "United Kingdom"),  # return 5.00
            ("A", "4", "Z", 3, 10.0, "2009-12-21 12:00", "United Kingdom"),  # December (Monday), 30.00
            # customer B: one order in France
            ("B", "5", "X", 4, 5.0, "2010-01-05 16:00", "France"),
            # a guest line (no customer) and a line after the cutoff: both ignored
            (None, "6", "X", 1, 5.0, "2010-01-05 16:00", "United Kingdom"),
            ("B", "7", "X", 100, 5.0, "2010-02-01 10:00", "France"),
        ]
    )


def test_hand_computed_values(small: pd.DataFrame) -> None:
    f = features.customer_features(small, cutoff="2010-01-15", countries=REF, low_price=1.0)
    assert list(f.index) == ["A", "B"]
    assert list(f.columns) == features.FEATURE_NAMES
    a, b = f.loc["A"], f.loc["B"]
    assert a["frequency"] == 3
    assert a["monetary"] == pytest.approx(10 + 5 + 5 + 30 - 5)
    assert a["avg_order_value"] == pytest.approx((15 + 5 + 30) / 3)
    assert a["max_order_value"] == pytest.approx(30)
    assert a["avg_basket_items"] == pytest.approx((12 + 1 + 3) / 3)
    assert a["avg_basket_lines"] == pytest.approx((2 + 1 + 1) / 3)
    assert a["recency_days"] == pytest.approx(4 + 10 / 24)  # 2010-01-10 14:00 -> 2010-01-15 00:00
    assert a["tenure_days"] == pytest.approx(24.5)  # 2009-12-21 12:00 -> 2010-01-15
    assert a["orders_30d"] == 3 and a["orders_90d"] == 3
    gaps = [14 - 2 / 24, 6 + 4 / 24]
    assert a["mean_days_between"] == pytest.approx(np.mean(gaps), abs=1e-6)
    assert a["std_days_between"] == pytest.approx(np.std(gaps), abs=1e-6)
    assert a["days_since_previous"] == pytest.approx(11 - 10 / 24, abs=1e-6)  # 2010-01-04 10:00
    assert a["return_rate"] == pytest.approx(5 / 50)
    assert a["cancel_rate"] == pytest.approx(1 / 4)
    assert a["low_price_share"] == pytest.approx(5 / 50)
    assert a["distinct_items"] == 3
    spend = np.array([15.0, 5.0, 30.0]) / 50  # X, Y, Z
    assert a["item_entropy"] == pytest.approx(-(spend * np.log2(spend)).sum(), abs=1e-6)
    assert a["gift_season_share"] == pytest.approx(30 / 50)
    assert a["weekend_share"] == pytest.approx(1 / 3)
    assert a["typical_hour"] == 12
    assert (a["country"], a["region"]) == ("United Kingdom", "UK")
    # one order: no gaps; lines after the cutoff are ignored
    assert b["frequency"] == 1 and b["monetary"] == pytest.approx(20)
    assert math.isnan(b["mean_days_between"]) and math.isnan(b["days_since_previous"])
    assert (b["country"], b["region"]) == ("France", "Western Europe")
    assert b["item_entropy"] == 0


def test_rows_after_cutoff_change_nothing(small: pd.DataFrame) -> None:
    before = features.customer_features(small, cutoff="2010-01-15", countries=REF, low_price=1.0)
    later = tx_frame([("C", "9", "Q", 5, 2.0, "2010-01-20", "France"), ("A", "10", "Q", 9, 9.0, "2010-01-15", "France")])
    after = features.customer_features(pd.concat([small, later]), cutoff="2010-01-15", countries=REF, low_price=1.0)
    pd.testing.assert_frame_equal(before, after)


def test_feature_dictionary_matches_columns(small: pd.DataFrame) -> None:
    d = features.feature_dictionary()
    assert list(d.columns) == ["feature", "group", "definition", "unit", "source columns"]
    f = features.customer_features(small, cutoff="2010-01-15", countries=REF)
    assert list(d["feature"]) == list(f.columns)
    assert d["definition"].str.len().min() > 10


def test_default_cutoff_and_low_price(small: pd.DataFrame) -> None:
    f = features.customer_features(small, countries=REF)
    assert f.attrs["cutoff"].startswith("2010-02-02")
    assert f.loc["B", "frequency"] == 2
    assert f.attrs["low_price"] == features.low_price_threshold(small)


@pytest.mark.parametrize(
    "cutoff, message",
    [("2009-01-01", "before the first transaction"), ("2011-06-01", "after the last transaction"), ("soon", "not a date")],
)
def test_bad_cutoffs(small: pd.DataFrame, cutoff: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        features.customer_features(small, cutoff=cutoff, countries=REF)


def test_bad_frames(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="empty"):
        features.customer_features(small.iloc[0:0], countries=REF)
    with pytest.raises(ValueError, match=r"\['unit_price'\]"):
        features.customer_features(small.drop(columns="unit_price"), countries=REF)
    with pytest.raises(TypeError):
        features.rfm_summary([1, 2, 3])


def test_unknown_country_gets_unknown_region(small: pd.DataFrame) -> None:
    f = features.customer_features(small, cutoff="2010-01-15", countries=REF.iloc[:1])
    assert f.loc["B", "region"] == "Unknown"


def test_rfm_summary_hand_computed(small: pd.DataFrame) -> None:
    r = features.rfm_summary(small, cutoff="2010-01-15")
    # A buys on 2009-12-21 (30), 2010-01-04 (15), 2010-01-10 (5): two repeat days; period ends 2010-01-14
    assert r.loc["A"].tolist() == [2.0, 20.0, 24.0, 10.0]
    assert r.loc["B"].tolist() == [0.0, 0.0, 9.0, 0.0]


def test_rfm_summary_equals_lifetimes() -> None:
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    from profiling.datasets import make_transactions

    tx = make_transactions(300, random_state=3)
    cutoff = pd.Timestamp("2010-10-01")
    ours = features.rfm_summary(tx, cutoff)
    buys = tx[(tx["quantity"] > 0) & tx["customer_id"].notna() & (tx["timestamp"] < cutoff)]
    buys = buys.assign(value=buys["quantity"] * buys["unit_price"])
    theirs = lifetimes_utils.summary_data_from_transaction_data(
        buys, "customer_id", "timestamp", "value", observation_period_end=cutoff - pd.Timedelta(days=1)
    ).sort_index()
    theirs.index = theirs.index.astype("str")
    assert list(ours.index) == list(theirs.index)
    pd.testing.assert_frame_equal(ours, theirs[ours.columns], check_names=False, check_index_type=False, atol=1e-5)


START = pd.Timestamp("2010-01-01")


@st.composite
def shops_with_ties(draw) -> pd.DataFrame:
    """Small canonical frames with 2-6 customers and many ties: invoices at the same day and hour, equal
    line values, repeated items, returns, and customers whose two countries are equally frequent.
    Over the 30 examples below (before their cutoff): every one has at least 2 buyers (3.2 on average)
    and invoices of different customers at the same time, half have two invoices of one customer at the
    same time, a quarter a customer whose two countries tie, most a return."""
    rows = []
    number = 0
    for c in range(draw(st.integers(min_value=2, max_value=6))):
        for _ in range(draw(st.integers(min_value=1, max_value=5))):
            number += 1
            day = draw(st.sampled_from([1, 8, 15, 22, 29]))  # few days and hours: same-time invoices,
            hour = draw(st.sampled_from([9, 14]))            # tied gaps and tied typical hours
            country = draw(st.sampled_from(["United Kingdom", "France"]))
            is_return = draw(st.integers(min_value=0, max_value=3)) == 0
            invoice = f"{'C' if is_return else ''}{number}"
            lines = draw(
                st.lists(st.tuples(st.sampled_from(["X", "Y", "Z"]), st.integers(1, 6), st.sampled_from([0.5, 1.0, 2.0])),
                         min_size=1, max_size=2)
            )
            stamp = START + pd.Timedelta(days=day, hours=hour)
            for item, qty, price in lines:
                rows.append((f"c{c}", invoice, item, -qty if is_return else qty, price, stamp, country))
    # fixed ends: purchases on the first day (two customers: at least two buyers before every cutoff) and
    # one on the last day, so that every cutoff is inside the data
    rows.append(("c0", "first", "X", 1, 1.0, START, "United Kingdom"))
    rows.append(("c1", "first-b", "X", 1, 1.0, START, "France"))
    rows.append(("c1", "last", "Y", 1, 1.0, START + pd.Timedelta(days=60), "France"))
    return tx_frame(rows)


@pytest.mark.slow
@settings(max_examples=30, deadline=None, derandomize=True)
@given(tx=shops_with_ties(), seed=st.integers(0, 2**32 - 1), cut_day=st.integers(min_value=10, max_value=60))
def test_row_order_does_not_matter(tx: pd.DataFrame, seed: int, cut_day: int) -> None:
    # One call sees the shop twice: its lines as generated (by customer and invoice), and a shuffled copy
    # whose customers are renamed "copy-...". A customer's features depend only on their own lines (the
    # cutoff and the low-price threshold are given), so both copies must get the same row.
    # (One call instead of two keeps 30 examples fast: a call costs about 0.2 s whatever the size.)
    cutoff = START + pd.Timedelta(days=cut_day)
    shuffled = tx.sample(frac=1.0, random_state=seed).assign(customer_id=lambda d: "copy-" + d["customer_id"])
    f = features.customer_features(pd.concat([tx, shuffled], ignore_index=True), cutoff=cutoff, countries=REF, low_price=1.0)
    original = f[~f.index.str.startswith("copy-")]
    copy = f[f.index.str.startswith("copy-")].rename(index=lambda c: c.removeprefix("copy-"))
    buyers = sorted(tx.loc[(tx["timestamp"] < cutoff) & (tx["quantity"] > 0), "customer_id"].unique())
    assert len(buyers) >= 2 and list(original.index) == buyers
    pd.testing.assert_frame_equal(copy, original)


def test_monetary_adds_up_to_net_revenue() -> None:
    from profiling.datasets import make_transactions

    tx = make_transactions(200, random_state=5)
    cutoff = pd.Timestamp("2010-11-01")
    f = features.customer_features(tx, cutoff=cutoff, countries=REF)
    known = tx[tx["customer_id"].notna() & (tx["timestamp"] < cutoff)]
    buyers = known.loc[known["quantity"] > 0, "customer_id"].unique()
    net = (known["quantity"] * known["unit_price"])[known["customer_id"].isin(buyers)].sum()
    assert f["monetary"].sum() == pytest.approx(net, rel=1e-9)
    assert sorted(buyers) == list(f.index)
