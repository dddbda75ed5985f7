"""Tests for profiling.quality: thresholds, schema, PSI by hand, batch and monthly checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiling import datasets, quality
from profiling.quality import QualityThresholds


def batch(n: int = 40, start: str = "2010-03-01", **overrides) -> pd.DataFrame:
    """A clean canonical batch of ``n`` lines spread over ``n`` days (one line a day)."""
    ts = pd.date_range(start, periods=n, freq="D").astype("datetime64[us]") + pd.Timedelta(hours=10)
    frame = pd.DataFrame(
        {
            "customer_id": [f"{12000 + i % 7}" for i in range(n)],
            "invoice_id": [f"{500000 + i}" for i in range(n)],
            "item_id": [f"{20000 + i % 5}" for i in range(n)],
            "description": ["MUG"] * n,
            "quantity": np.arange(1, n + 1, dtype="int64"),
            "unit_price": np.full(n, 2.5),
            "timestamp": ts,
            "country": ["United Kingdom"] * n,
        }
    )
    for column, values in overrides.items():
        frame[column] = values
    return frame.astype(datasets.DTYPES)


LOOSE = QualityThresholds(min_rows=10, min_days=5)


# --------------------------------------------------------------------------------------------
# Thresholds and schema
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_duplicates": 1.5}, "share"),
        ({"min_rows": -1}, ">= 0"),
        ({"psi_warn": float("nan")}, "finite"),
        ({"psi_warn": 0.3, "psi_alert": 0.2}, "must not exceed"),
        ({"max_unit_price": "10"}, "finite number"),
    ],
)
def test_thresholds_refuse_bad_values(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        QualityThresholds(**kwargs)


def test_check_schema() -> None:
    assert quality.check_schema(batch()).empty
    bad = batch().drop(columns=["invoice_id"]).assign(quantity=lambda d: d["quantity"].astype("float64"))
    problems = quality.check_schema(bad)
    assert problems.set_index("column")["problem"].to_dict() == {"invoice_id": "missing column", "quantity": "wrong dtype"}
    assert problems.set_index("column").loc["quantity", "found"] == "float64"
    # optional columns may be absent
    assert quality.check_schema(batch().drop(columns=["description", "country"])).empty
    with pytest.raises(TypeError, match="DataFrame"):
        quality.check_schema([1, 2])


# --------------------------------------------------------------------------------------------
# PSI
# --------------------------------------------------------------------------------------------


def test_psi_categorical_by_hand() -> None:
    ref = pd.Series(["a"] * 50 + ["b"] * 50)
    cur = pd.Series(["a"] * 80 + ["b"] * 20)
    expected = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert quality.psi(ref, cur) == pytest.approx(expected)
    assert quality.psi(ref, ref) == 0.0
    assert quality.psi(cur, ref) == pytest.approx(expected)     # symmetric with shared categories
    t = quality.psi_table(ref, cur)
    assert t["bin"].tolist() == ["a", "b"] and t["psi"].sum() == pytest.approx(expected)


def test_psi_new_category_uses_the_floor() -> None:
    ref = pd.Series(["a"] * 10)
    cur = pd.Series(["a"] * 5 + ["new"] * 5)
    floor = 1e-4
    expected = (0.5 - 1.0) * np.log(0.5 / 1.0) + (0.5 - floor) * np.log(0.5 / floor)
    assert quality.psi(ref, cur, min_share=floor) == pytest.approx(expected)


def test_psi_numeric_bins_on_reference_quantiles() -> None:
    ref = pd.Series(np.arange(100, dtype="float64"))
    t = quality.psi_table(ref, ref, bins=4)
    assert len(t) == 4 and np.allclose(t["reference_share"], 0.25) and t["psi"].sum() == 0
    shifted = quality.psi_table(ref, pd.Series(np.arange(50, 150, dtype="float64")), bins=4)
    # half of the current values fall above the reference's top quartile edge
    assert shifted["current_share"].tolist() == [0.0, 0.0, 0.25, 0.75]
    assert quality.psi(ref, ref + 50, bins=4) == pytest.approx(shifted["psi"].sum())
    # missing values form their own bin
    with_na = quality.psi_table(ref, pd.Series([np.nan] * 10 + list(range(90)), dtype="float64"), bins=4)
    assert with_na["bin"].iloc[-1] == "missing" and with_na["current_share"].iloc[-1] == pytest.approx(0.1)


def test_psi_grows_with_the_shift() -> None:
    rng = np.random.default_rng(0)
    ref = pd.Series(rng.normal(0, 1, 5000))
    values = [quality.psi(ref, pd.Series(rng.normal(mu, 1, 5000))) for mu in (0.0, 0.25, 0.5, 1.0)]
    assert values[0] < 0.01 and values == sorted(values) and values[-1] > 0.25


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=5, max_size=60), st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=5, max_size=60))
def test_psi_is_non_negative(a: list[float], b: list[float]) -> None:
    assert quality.psi(pd.Series(a), pd.Series(b)) >= 0


def test_psi_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="bins"):
        quality.psi(pd.Series([1.0]), pd.Series([1.0]), bins=1)
    with pytest.raises(ValueError, match="no values"):
        quality.psi(pd.Series([np.nan]), pd.Series([1.0]))
    with pytest.raises(ValueError, match="numeric in one period"):
        quality.psi(pd.Series([1.0, 2.0]), pd.Series(["a", "b"]))
    with pytest.raises(ValueError, match="min_share"):
        quality.psi(pd.Series([1.0]), pd.Series([1.0]), min_share=0)


def test_psi_status_and_drift_table() -> None:
    t = QualityThresholds()
    assert [quality.psi_status(v, t) for v in (0.05, 0.1, 0.3)] == ["ok", "warn", "fail"]
    ref = pd.DataFrame({"x": np.arange(100.0), "c": ["a"] * 50 + ["b"] * 50})
    cur = pd.DataFrame({"x": np.arange(100.0), "c": ["a"] * 90 + ["b"] * 10})
    d = quality.drift_table(ref, cur)
    assert d["column"].tolist() == ["c", "x"] and d.loc[0, "status"] == "fail" and d.loc[1, "psi"] == 0
    assert d.loc[0, "largest_bin"] in ("a", "b")
    with pytest.raises(ValueError, match="not in both"):
        quality.drift_table(ref, cur, ["nope"])
    with pytest.raises(TypeError, match="DataFrame"):
        quality.drift_table(ref, [1])


# --------------------------------------------------------------------------------------------
# One batch and every month
# --------------------------------------------------------------------------------------------


def statuses(report: pd.DataFrame) -> dict[str, str]:
    return report.set_index("check")["status"].to_dict()


def test_clean_batch_passes_every_check() -> None:
    r = quality.check_batch(batch(), LOOSE, reference=batch(), expected_rows=40)
    assert set(r["status"]) == {"ok"}
    assert {"schema", "rows", "volume_ratio", "days", "duplicates", "psi_amount", "psi_country"} <= set(r["check"])


def test_each_check_trips_on_its_problem() -> None:
    n = 40
    dirty = batch(n)
    dirty.loc[:19, "customer_id"] = None                               # 50 % without customer
    dirty.loc[20:22, "quantity"] = -5                                  # 3 returns
    dirty.loc[23, "unit_price"] = 0.0                                  # one free line
    dirty.loc[24, "quantity"] = 50_000                                 # out of range
    dirty = pd.concat([dirty, dirty.iloc[[30, 31]]], ignore_index=True)  # 2 exact duplicates
    t = QualityThresholds(min_rows=10, min_days=5, max_missing_customer=0.25, max_duplicates=0.01, max_negative_quantity=0.05, max_nonpositive_price=0.01)
    r = quality.check_batch(dirty, t)
    s = statuses(r)
    for check in ("missing_customer", "duplicates", "negative_quantity", "nonpositive_price", "out_of_range"):
        assert s[check] == "fail", check
    assert s["rows"] == "ok" and s["days"] == "ok" and "psi_amount" not in s   # no reference: no drift
    detail = r.set_index("check")["detail"]
    assert "2 repeated lines" in detail["duplicates"] and "50,000" in detail["out_of_range"]
    assert r.set_index("check").loc["missing_customer", "value"] == pytest.approx(20 / 42)


def test_volume_days_and_drift_trip() -> None:
    short = batch(6)
    s = statuses(quality.check_batch(short, QualityThresholds(min_rows=10, min_days=7), expected_rows=40))
    assert s["rows"] == "fail" and s["days"] == "fail" and s["volume_ratio"] == "fail"
    moved = batch(40, country=["France"] * 40)
    r = quality.check_batch(moved, LOOSE, reference=batch(40))
    assert statuses(r)["psi_country"] == "fail" and "France" in r.set_index("check").loc["psi_country", "detail"]


def test_drift_of_an_optional_column_the_data_do_not_fill() -> None:
    # a shop without countries: no PSI row for country (nothing can drift), the other checks run
    empty = pd.Series([pd.NA] * 40, dtype="str")
    r = quality.check_batch(batch(40, country=empty), LOOSE, reference=batch(40, country=empty))
    assert "psi_country" not in set(r["check"]) and "psi_amount" in set(r["check"])
    assert set(r["status"]) == {"ok"}
    months = pd.concat([batch(31, start="2010-01-01"), batch(28, start="2010-02-01")], ignore_index=True)
    monthly = quality.run_monthly(months.assign(country=pd.Series([pd.NA] * 59, dtype="str")), LOOSE)
    assert (monthly[monthly["check"] == "schema"]["status"] == "ok").all()
    assert "psi_country" not in set(monthly["check"]) and "psi_amount" in set(monthly["check"])
    # countries that appear where the reference had none: a failed drift check, not an error
    r = quality.check_batch(batch(40), LOOSE, reference=batch(40, country=empty))
    row = r.set_index("check").loc["psi_country"]
    assert row["status"] == "fail" and "reference batch had none" in row["detail"] and np.isnan(row["value"])


def test_wrong_schema_stops_the_other_checks() -> None:
    r = quality.check_batch(batch().drop(columns=["quantity"]), LOOSE)
    assert r["check"].tolist() == ["schema"] and r.loc[0, "status"] == "fail" and "quantity" in r.loc[0, "detail"]


def test_run_monthly_on_hand_made_months() -> None:
    jan = batch(31, start="2010-01-01")
    feb = batch(28, start="2010-02-01")
    mar = batch(10, start="2010-03-01", customer_id=[None] * 10)
    tx = pd.concat([mar, jan, feb], ignore_index=True)                 # order does not matter
    r = quality.run_monthly(tx, QualityThresholds(min_rows=5, min_days=5))
    assert r["month"].unique().tolist() == ["2010-01", "2010-02", "2010-03"]
    grid = quality.status_grid(r)
    assert grid.loc["2010-01", "psi_amount"] == "" and grid.loc["2010-01", "volume_ratio"] == ""   # first month
    assert grid.loc["2010-03", "missing_customer"] == "fail"
    assert grid.loc["2010-03", "volume_ratio"] == "fail"             # 10 lines vs the median 29.5 of the earlier months
    assert (grid.loc["2010-02", ["schema", "rows", "days", "missing_customer", "duplicates", "volume_ratio", "psi_country"]] == "ok").all()
    # February lacks January's largest quantities (29-31): its top decile bin is empty, so amount drifts
    assert grid.loc["2010-02", "psi_amount"] == "fail"
    with pytest.raises(ValueError, match="timestamp"):
        quality.run_monthly(tx.drop(columns=["timestamp"]))
    with pytest.raises(ValueError, match="empty"):
        quality.run_monthly(tx.iloc[:0])
    with pytest.raises(ValueError, match="no timestamp"):
        quality.run_monthly(tx.assign(timestamp=tx["timestamp"].where(tx.index > 0)))
    with pytest.raises(ValueError, match="status_grid"):
        quality.status_grid(pd.DataFrame({"x": [1]}))


def test_run_monthly_on_synthetic_data_is_mostly_clean() -> None:
    tx = datasets.make_transactions(300, random_state=0)
    r = quality.run_monthly(tx, QualityThresholds(min_rows=10, min_days=5, max_missing_customer=1.0, max_negative_quantity=1.0, max_nonpositive_price=1.0))
    assert {"schema", "duplicates"} <= set(r["check"])
    assert (r[r["check"] == "schema"]["status"] == "ok").all()
