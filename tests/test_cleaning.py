"""Unit tests for profiling.cleaning: each rule, the report's accounting, order independence, fusion."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiling import cleaning
from profiling.cleaning import (
    ATTRIBUTE_COLUMNS,
    COUNTRY_COLUMNS,
    REPORT_COLUMNS,
    Rule,
    basic_attributes,
    clean,
    default_rules,
    extreme_quantity_mask,
    fuse,
    is_cancellation,
    is_non_product,
    load_countries,
    match_cancellations,
    normalize_description,
)
from profiling.datasets import COLUMNS, DTYPES
from profiling.storage import data_dir

T0 = pd.Timestamp("2010-01-04 10:00")


def make_tx(rows: list[dict]) -> pd.DataFrame:
    """A canonical frame from a few hand-written lines; unspecified fields get plain defaults."""
    defaults = {
        "customer_id": "1",
        "invoice_id": "100",
        "item_id": "85123A",
        "description": "WHITE HANGING HEART",
        "quantity": 1,
        "unit_price": 2.0,
        "timestamp": T0,
        "country": "United Kingdom",
    }
    full = [{**defaults, **r} for r in rows]
    frame = pd.DataFrame(full, columns=COLUMNS)
    return frame.astype(DTYPES)


def only(name: str, **knobs) -> list[Rule]:
    """The default rule called ``name``, alone."""
    return [r for r in default_rules(**knobs) if r.name == name]


def sort_lines(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(COLUMNS, kind="stable", na_position="last").reset_index(drop=True)


# ------------------------------------------------------------------------------------------
# single rules
# ------------------------------------------------------------------------------------------
def test_duplicates_keep_one_copy():
    tx = make_tx([{}, {}, {"quantity": 2}])
    out, rep = clean(tx, only("duplicates"))
    assert len(out) == 2
    assert sorted(out["quantity"]) == [1, 2]
    assert rep.loc[0, "rows_removed"] == 1
    assert rep.loc[0, "revenue_removed"] == pytest.approx(2.0)


def test_lines_differing_in_one_column_are_not_duplicates():
    tx = make_tx([{}, {"unit_price": 2.01}, {"timestamp": T0 + pd.Timedelta(minutes=1)}])
    out, _ = clean(tx, only("duplicates"))
    assert len(out) == 3


def test_missing_customer_removed_and_counted():
    tx = make_tx([{"customer_id": None, "quantity": 3}, {}])
    out, rep = clean(tx, only("missing_customer"))
    assert out["customer_id"].notna().all() and len(out) == 1
    assert rep.loc[0, "rows_removed"] == 1
    assert rep.loc[0, "customers_removed"] == 0  # a missing id is not a customer
    assert rep.loc[0, "revenue_removed"] == pytest.approx(6.0)


def test_non_product_codes():
    codes = ["POST", "DOT", "C2", "M", "m", "D", "S", "B", "BANK CHARGES", "ADJUST", "ADJUST2",
             "AMAZONFEE", "PADS", " POST ", "TEST001", "gift_0001_10", "GIFT"]
    kept = ["85123A", "22423", "47503J ", "DCGSSBOY", "15056bl", "SP1002"]
    flags = is_non_product(pd.Series(codes + kept, dtype="str"))
    assert flags.tolist() == [True] * len(codes) + [False] * len(kept)
    tx = make_tx([{"item_id": "POST", "unit_price": 18.0}, {"item_id": "DOT"}, {}])
    out, rep = clean(tx, only("non_product"))
    assert out["item_id"].tolist() == ["85123A"]
    assert rep.loc[0, "rows_removed"] == 2


def test_is_cancellation():
    assert is_cancellation(pd.Series(["489434", "C489449", "c1", "A506401"])).tolist() == [False, True, True, False]


def test_cancellation_removes_the_latest_earlier_matching_purchase():
    tx = make_tx(
        [
            {"invoice_id": "100", "quantity": 6, "timestamp": T0},
            {"invoice_id": "101", "quantity": 6, "timestamp": T0 + pd.Timedelta(days=1)},
            {"invoice_id": "C102", "quantity": -6, "timestamp": T0 + pd.Timedelta(days=2)},
            {"invoice_id": "103", "quantity": 6, "timestamp": T0 + pd.Timedelta(days=3)},  # later: not it
        ]
    )
    out, rep = clean(tx, only("cancellations"))
    assert sorted(out["invoice_id"]) == ["100", "103"]
    assert rep.loc[0, "rows_removed"] == 2
    assert rep.loc[0, "revenue_removed"] == pytest.approx(0.0)  # +12 purchase, -12 cancellation
    pairs = match_cancellations(tx)
    assert pairs.shape[0] == 1 and bool(pairs.loc[0, "matched"])
    assert pairs.loc[0, "cancel_index"] == 2 and pairs.loc[0, "purchase_index"] == 1


def test_cancellation_same_minute_as_purchase_is_matched():
    tx = make_tx([{"quantity": 2}, {"invoice_id": "C101", "quantity": -2}])
    out, _ = clean(tx, only("cancellations"))
    assert out.empty


def test_two_cancellations_take_two_different_purchases():
    tx = make_tx(
        [
            {"invoice_id": "100", "quantity": 4, "timestamp": T0},
            {"invoice_id": "101", "quantity": 4, "timestamp": T0 + pd.Timedelta(hours=1)},
            {"invoice_id": "C102", "quantity": -4, "timestamp": T0 + pd.Timedelta(hours=2)},
            {"invoice_id": "C103", "quantity": -4, "timestamp": T0 + pd.Timedelta(hours=3)},
        ]
    )
    pairs = match_cancellations(tx)
    assert pairs["matched"].all()
    assert pairs["purchase_index"].tolist() == [1, 0]
    out, _ = clean(tx, only("cancellations"))
    assert out.empty


@pytest.mark.parametrize(
    "purchase, cancel",
    [
        ({"quantity": 12}, {"quantity": -3}),  # partial cancellation
        ({"customer_id": "2", "quantity": 3}, {"quantity": -3}),  # another customer
        ({"item_id": "22423", "quantity": 3}, {"quantity": -3}),  # another item
        ({"quantity": 3, "timestamp": T0 + pd.Timedelta(days=5)}, {"quantity": -3}),  # purchase after it
    ],
)
def test_unmatchable_cancellation_removes_only_itself(purchase, cancel):
    tx = make_tx([purchase, {"invoice_id": "C200", **cancel}])
    out, rep = clean(tx, only("cancellations"))
    assert out["invoice_id"].tolist() == ["100"]
    assert rep.loc[0, "rows_removed"] == 1
    assert not match_cancellations(tx)["matched"].any()


def test_cancellation_without_customer_is_not_matched():
    tx = make_tx([{"quantity": 3}, {"invoice_id": "C200", "quantity": -3, "customer_id": None}])
    assert match_cancellations(tx).empty
    out, _ = clean(tx, only("cancellations"))
    assert out["invoice_id"].tolist() == ["100"]


def test_returns_are_negative_quantities():
    tx = make_tx([{"quantity": -5, "unit_price": 0.0}, {"quantity": 5}])
    out, rep = clean(tx, only("returns"))
    assert out["quantity"].tolist() == [5]
    assert rep.loc[0, "rows_removed"] == 1


def test_bad_prices_zero_negative_missing():
    tx = make_tx([{"unit_price": 0.0}, {"unit_price": -1.0}, {"unit_price": np.nan}, {"unit_price": 0.01}])
    out, rep = clean(tx, only("bad_price"))
    assert out["unit_price"].tolist() == [0.01]
    assert rep.loc[0, "rows_removed"] == 3


def test_extreme_quantity_is_relative_to_the_item():
    rows = [{"item_id": "A", "quantity": 2}] * 9 + [{"item_id": "A", "quantity": 5000}]
    rows += [{"item_id": "W", "quantity": 1000}] * 5 + [{"item_id": "W", "quantity": 5000}]  # a wholesale item
    rows += [{"item_id": "B", "quantity": 1}] * 5 + [{"item_id": "B", "quantity": 500}]  # below the floor
    tx = make_tx([{**r, "invoice_id": str(i)} for i, r in enumerate(rows)])
    mask = extreme_quantity_mask(tx, factor=100, min_quantity=1000)
    assert tx.loc[mask, ["item_id", "quantity"]].values.tolist() == [["A", 5000]]
    out, rep = clean(tx, only("extreme_quantity", extreme_factor=100, extreme_min_quantity=1000))
    assert len(out) == len(tx) - 1
    assert rep.loc[0, "revenue_removed"] == pytest.approx(10000.0)
    # a lower floor also flags the B line
    assert extreme_quantity_mask(tx, factor=100, min_quantity=100).sum() == 2


def test_extreme_quantity_refuses_bad_knobs():
    with pytest.raises(ValueError, match="factor"):
        extreme_quantity_mask(make_tx([{}]), factor=0)


def test_normalize_description_is_a_transform_that_reports_changes():
    assert normalize_description(pd.Series(["  a  b ", "OK", None], dtype="str")).tolist()[:2] == ["A B", "OK"]
    tx = make_tx([{"description": " Bank  Charges"}, {"description": "OK"}, {"description": None}])
    out, rep = clean(tx, only("normalize_description"))
    assert out["description"].tolist()[:2] == ["BANK CHARGES", "OK"]
    assert out["description"].isna().tolist() == [False, False, True]
    assert rep.loc[0, "rows_removed"] == 0 and rep.loc[0, "rows_changed"] == 1


# ------------------------------------------------------------------------------------------
# clean(): report accounting, validation, immutability
# ------------------------------------------------------------------------------------------
def mixed_tx() -> pd.DataFrame:
    day = pd.Timedelta(days=1)
    return make_tx(
        [
            {"customer_id": "1", "invoice_id": "100", "quantity": 6},
            {"customer_id": "1", "invoice_id": "100", "quantity": 6},  # duplicate
            {"customer_id": "1", "invoice_id": "100", "item_id": "POST", "unit_price": 18.0},
            {"customer_id": "2", "invoice_id": "101", "quantity": 3, "timestamp": T0 + day},
            {"customer_id": "2", "invoice_id": "C102", "quantity": -3, "timestamp": T0 + 2 * day},
            {"customer_id": None, "invoice_id": "103", "quantity": 10},
            {"customer_id": "3", "invoice_id": "104", "unit_price": 0.0},
            {"customer_id": "4", "invoice_id": "105", "quantity": -2, "unit_price": 0.0},
            {"customer_id": "5", "invoice_id": "106", "description": "  lower case ", "quantity": 2},
        ]
    )


def test_report_accounts_for_every_row():
    tx = mixed_tx()
    out, rep = clean(tx)
    assert list(rep.columns) == REPORT_COLUMNS
    assert rep["rule"].tolist() == [r.name for r in default_rules()]
    assert rep["step"].tolist() == list(range(1, len(rep) + 1))
    assert rep["rows_removed"].sum() == len(tx) - len(out)
    assert rep["rows_after"].iloc[-1] == len(out)
    rows_before = np.r_[len(tx), rep["rows_after"].to_numpy()[:-1]]
    assert (rows_before - rep["rows_removed"].to_numpy() == rep["rows_after"].to_numpy()).all()
    revenue_in = float((tx["quantity"] * tx["unit_price"]).sum())
    assert revenue_in - rep["revenue_removed"].sum() == pytest.approx(rep["revenue_after"].iloc[-1])
    assert tx["customer_id"].nunique() - rep["customers_removed"].sum() == rep["customers_after"].iloc[-1]
    assert set(out["customer_id"]) == {"1", "5"}
    assert out["description"].tolist() == ["WHITE HANGING HEART", "LOWER CASE"]
    got = rep.set_index("rule")["rows_removed"].to_dict()
    assert got == {
        "duplicates": 1,
        "missing_customer": 1,
        "non_product": 1,
        "cancellations": 2,
        "returns": 1,
        "bad_price": 1,
        "extreme_quantity": 0,
        "normalize_description": 0,
    }
    assert rep.set_index("rule").loc["cancellations", "customers_removed"] == 1


def test_clean_does_not_modify_its_input():
    tx = mixed_tx()
    before = tx.copy(deep=True)
    clean(tx)
    pd.testing.assert_frame_equal(tx, before)


def test_clean_keeps_schema_and_resets_index():
    tx = mixed_tx()
    tx.index = range(100, 100 + len(tx))
    out, _ = clean(tx)
    assert list(out.columns) == COLUMNS
    assert out.index.equals(pd.RangeIndex(len(out)))
    assert out.dtypes.astype(str).to_dict() == tx.dtypes.astype(str).to_dict()


def test_clean_of_an_empty_frame():
    out, rep = clean(make_tx([]))
    assert out.empty and (rep["rows_removed"] == 0).all()


def test_missing_columns_are_named():
    tx = mixed_tx().drop(columns=["quantity", "country"])
    with pytest.raises(ValueError, match=r"\['quantity', 'country'\]"):
        clean(tx)
    with pytest.raises(ValueError, match="quantity"):
        basic_attributes(tx)
    with pytest.raises(ValueError, match="country"):
        fuse(tx)
    with pytest.raises(ValueError, match="quantity"):
        match_cancellations(tx)


def test_wrong_types_are_refused():
    tx = mixed_tx()
    with pytest.raises(ValueError, match="quantity"):
        clean(tx.assign(quantity=tx["quantity"].astype(str)))
    with pytest.raises(ValueError, match="timestamp"):
        clean(tx.assign(timestamp=tx["timestamp"].astype(str)))
    with pytest.raises(TypeError):
        clean([1, 2, 3])  # type: ignore[arg-type]


def test_bad_rules_are_refused():
    tx = mixed_tx()
    with pytest.raises(ValueError, match="aligned"):
        clean(tx, [Rule("bad", "returns a list", lambda f: [True] * len(f))])  # type: ignore[arg-type, return-value]
    with pytest.raises(ValueError, match="same index"):
        clean(tx, [Rule("bad", "drops rows", lambda f: f.iloc[1:], kind="transform")])
    with pytest.raises(ValueError, match="unique"):
        clean(tx, [Rule("x", "a", lambda f: f["quantity"] < 0)] * 2)
    with pytest.raises(ValueError, match="kind"):
        Rule("x", "a", lambda f: f, kind="other")  # type: ignore[arg-type]


def test_custom_rule_is_reported():
    rule = Rule("big_orders", "quantity above 5", lambda f: f["quantity"] > 5)
    out, rep = clean(mixed_tx(), [rule])
    assert rep.loc[0, "rule"] == "big_orders" and rep.loc[0, "what"] == "quantity above 5"
    assert rep.loc[0, "rows_removed"] == 3 and (out["quantity"] <= 5).all()


# ------------------------------------------------------------------------------------------
# order independence (property test)
# ------------------------------------------------------------------------------------------
line = st.fixed_dictionaries(
    {
        "customer_id": st.sampled_from(["1", "2", None]),
        "invoice_id": st.sampled_from(["100", "101", "C200", "C201"]),
        "item_id": st.sampled_from(["A", "B", "POST"]),
        "description": st.sampled_from(["heart", " HEART ", None]),
        "quantity": st.sampled_from([-3, -2, 2, 3, 2000]),
        "unit_price": st.sampled_from([0.0, 1.25, 2.5]),
        "timestamp": st.sampled_from([T0, T0 + pd.Timedelta(hours=1), T0 + pd.Timedelta(days=1)]),
        "country": st.sampled_from(["United Kingdom", "France"]),
    }
)


@pytest.mark.slow
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(line, min_size=0, max_size=25), data=st.data())
def test_clean_is_order_independent(rows, data):
    tx = make_tx(rows) if rows else make_tx([])
    perm = data.draw(st.permutations(list(range(len(tx)))))
    shuffled = tx.iloc[perm]
    rules = default_rules(extreme_factor=10, extreme_min_quantity=100)
    out1, rep1 = clean(tx, rules)
    out2, rep2 = clean(shuffled, rules)
    pd.testing.assert_frame_equal(sort_lines(out1), sort_lines(out2))
    pd.testing.assert_frame_equal(rep1, rep2)
    assert rep1["rows_removed"].sum() == len(tx) - len(out1)


# ------------------------------------------------------------------------------------------
# the real data (one pass, a few seconds)
# ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def real():
    from profiling.datasets import load_online_retail

    tx = load_online_retail()
    out, rep = clean(tx)
    return tx, out, rep


def test_clean_on_the_shipped_data(real):
    tx, out, rep = real
    assert rep["rows_removed"].sum() == len(tx) - len(out)
    assert not is_cancellation(out["invoice_id"]).any()
    assert (out["quantity"] > 0).all() and (out["unit_price"] > 0).all()
    assert out["customer_id"].notna().all()
    assert not is_non_product(out["item_id"]).any()
    assert not out.duplicated().any()
    assert rep["rows_removed"].iloc[0] == 6865  # exact duplicates in the sheet
    assert rep["rows_removed"].iloc[1] == 107833  # missing customer ids after dedup


def test_countries_cover_the_shipped_data():
    countries = load_countries()
    data = pd.read_parquet(data_dir() / "online_retail_ii_2009_2010.parquet", columns=["Country"])
    assert set(data["Country"]) <= set(countries["country"])
    assert len(set(data["Country"])) == 40


# ------------------------------------------------------------------------------------------
# the country table
# ------------------------------------------------------------------------------------------
def test_country_table_shape_and_facts():
    c = load_countries()
    assert list(c.columns) == COUNTRY_COLUMNS
    assert not c["country"].duplicated().any()
    assert c["iso2"].dropna().str.fullmatch(r"[A-Z]{2}").all()
    assert not c["iso2"].dropna().duplicated().any()
    assert c["currency_2010"].dropna().str.fullmatch(r"[A-Z]{3}").all()
    assert str(c["eu_member_2010"].dtype) == "boolean"
    assert c["region"].notna().all()
    f = c.set_index("country")
    assert f.loc["United Kingdom", "eu_member_2010"] and f.loc["United Kingdom", "currency_2010"] == "GBP"
    assert f.loc["EIRE", "iso2"] == "IE" and f.loc["RSA", "iso2"] == "ZA" and f.loc["USA", "iso2"] == "US"
    for country in ["Cyprus", "Malta", "Greece", "Finland", "EIRE"]:
        assert f.loc[country, "currency_2010"] == "EUR", country
    assert f.loc["Lithuania", "currency_2010"] == "LTL" and f.loc["Lithuania", "eu_member_2010"]
    assert f.loc["Poland", "currency_2010"] == "PLN" and f.loc["Denmark", "currency_2010"] == "DKK"
    for country in ["Switzerland", "Norway", "Iceland", "Channel Islands"]:
        assert not f.loc[country, "eu_member_2010"], country
    assert pd.isna(f.loc["Unspecified", "iso2"]) and f.loc["Unspecified", "region"] == "Unknown"
    assert pd.isna(f.loc["Unspecified", "eu_member_2010"])
    members = set(c.loc[c["eu_member_2010"].fillna(False).astype(bool), "country"])
    assert members == {
        "Austria", "Belgium", "Cyprus", "Czech Republic", "Denmark", "EIRE", "Finland", "France",
        "Germany", "Greece", "Italy", "Lithuania", "Malta", "Netherlands", "Poland", "Portugal",
        "Spain", "Sweden", "United Kingdom", "European Community",
    }


def test_load_countries_refuses_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.csv"):
        load_countries(tmp_path / "nope.csv")
    dup = tmp_path / "dup.csv"
    dup.write_text("country,iso2,region,eu_member_2010,currency_2010\nX,XX,R,true,EUR\nX,XX,R,true,EUR\n")
    with pytest.raises(ValueError, match="unique"):
        load_countries(dup)
    bad = tmp_path / "bad.csv"
    bad.write_text("country,iso2,region,eu_member_2010,currency_2010\nX,XX,R,maybe,EUR\n")
    with pytest.raises(ValueError, match="maybe"):
        load_countries(bad)
    short = tmp_path / "short.csv"
    short.write_text("country,iso2\nX,XX\n")
    with pytest.raises(ValueError, match="region"):
        load_countries(short)


# ------------------------------------------------------------------------------------------
# fuse and basic_attributes
# ------------------------------------------------------------------------------------------
def test_fuse_joins_and_flags_unknown_countries():
    tx = make_tx([{"country": "EIRE"}, {"country": "Atlantis"}, {"country": "Lithuania"}])
    before = tx.copy(deep=True)
    with pytest.warns(UserWarning, match="Atlantis"):
        out = fuse(tx)
    pd.testing.assert_frame_equal(tx, before)
    assert list(out.columns) == COLUMNS + ["region", "eu_member_2010", "currency_2010"]
    assert out["region"].tolist() == ["Northern Europe", "Unknown", "Northern Europe"]
    assert out["currency_2010"].tolist()[0] == "EUR" and pd.isna(out["currency_2010"].iloc[1])
    assert out["eu_member_2010"].isna().tolist() == [False, True, False]


def test_fuse_known_countries_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fuse(make_tx([{"country": "France"}]))


def test_fuse_refuses_duplicate_reference_rows():
    ref = pd.DataFrame({"country": ["X", "X"], "region": ["a", "b"], "eu_member_2010": [True, False],
                        "currency_2010": ["EUR", "EUR"]})
    with pytest.raises(ValueError, match="duplicates"):
        fuse(make_tx([{"country": "X"}]), ref)


def test_basic_attributes_on_a_tiny_frame():
    day = pd.Timedelta(days=1)
    tx = make_tx(
        [
            {"customer_id": "2", "invoice_id": "1", "country": "France", "timestamp": T0},
            {"customer_id": "2", "invoice_id": "2", "country": "Germany", "timestamp": T0 + 10 * day},
            {"customer_id": "1", "invoice_id": "3", "country": "EIRE", "timestamp": T0 + 2 * day},
            {"customer_id": "1", "invoice_id": "3", "country": "EIRE", "item_id": "22423", "timestamp": T0 + 2 * day},
            {"customer_id": "1", "invoice_id": "4", "country": "France", "timestamp": T0 + 20 * day},
            {"customer_id": None, "invoice_id": "5", "country": "USA", "timestamp": T0 + 30 * day},
        ]
    )
    a = basic_attributes(tx)
    assert list(a.columns) == ATTRIBUTE_COLUMNS
    assert a.index.name == "customer_id" and a.index.tolist() == ["1", "2"]
    assert a.loc["1", "country"] == "EIRE"  # 2 lines against 1
    assert a.loc["2", "country"] == "France"  # tie 1-1: alphabetical
    assert a["n_countries"].tolist() == [2, 2]
    assert a.loc["1", "region"] == "Northern Europe" and a.loc["1", "currency_2010"] == "EUR"
    assert a.loc["1", "n_invoices"] == 2
    assert a.loc["1", "first_purchase"] == T0 + 2 * day
    assert a.loc["1", "last_purchase"] == T0 + 20 * day
    assert a.loc["1", "tenure_days"] == 28  # up to the last timestamp in the data (the USA line)
    c = basic_attributes(tx, cutoff=T0 + 15 * day)
    assert c.loc["1", "n_invoices"] == 1 and c.loc["1", "n_countries"] == 1
    assert c.loc["1", "tenure_days"] == 13 and c.loc["2", "tenure_days"] == 15
    assert c.loc["2", "last_purchase"] == T0 + 10 * day
    empty = basic_attributes(tx, cutoff=T0 - day)
    assert empty.empty and list(empty.columns) == ATTRIBUTE_COLUMNS


def test_basic_attributes_is_order_independent():
    tx = mixed_tx()
    a = basic_attributes(tx)
    b = basic_attributes(tx.iloc[::-1])
    pd.testing.assert_frame_equal(a, b)


def test_module_exports_exist():
    for name in cleaning.__all__:
        assert hasattr(cleaning, name), name


def test_package_reexports_the_names_of_its_modules():
    """profiling.cleaning is split by role (rules, fusion); its __all__ is exactly theirs, each name once."""
    from profiling.cleaning import fusion, rules

    names = []
    for module in (rules, fusion):
        assert all(getattr(cleaning, n) is getattr(module, n) for n in module.__all__), module.__name__
        names += module.__all__
    assert sorted(cleaning.__all__) == sorted(names) and len(set(names)) == len(names)


def test_default_rules_keep_returns_leaves_out_only_the_return_rules():
    from profiling.cleaning import RETURN_RULES, default_rules

    everything = [r.name for r in default_rules()]
    kept = [r.name for r in default_rules(keep_returns=True)]
    assert set(RETURN_RULES) <= set(everything)
    assert kept == [name for name in everything if name not in RETURN_RULES]


def test_the_return_of_a_dropped_extreme_purchase_goes_with_it() -> None:
    from profiling import features

    base = pd.Timestamp("2010-03-01 10:00")
    rows = [("c1", f"50{i}", "A", "MUG", 2, 1.0, base + pd.Timedelta(days=i), "France") for i in range(6)]
    rows += [("c2", "600", "A", "MUG", 80_000, 1.0, base + pd.Timedelta(days=7), "France"),
             ("c2", "601", "A", "MUG", 3, 1.0, base + pd.Timedelta(days=8), "France"),
             ("c2", "C602", "A", "MUG", -80_000, 1.0, base + pd.Timedelta(days=9), "France")]
    tx = pd.DataFrame(rows, columns=COLUMNS).astype(DTYPES)
    clean_tx, report = clean(tx, default_rules(keep_returns=True))
    assert report.set_index("rule").loc["extreme_quantity", "rows_removed"] == 2       # the purchase and its return
    f = features.customer_features(clean_tx, cutoff=None)
    assert f.loc["c2", "monetary"] == 3.0 and f.loc["c2", "return_rate"] == 0.0


def test_return_rate_is_a_share_even_when_returns_predate_the_data() -> None:
    from profiling import features

    base = pd.Timestamp("2010-03-01 10:00")
    tx = pd.DataFrame([("c1", "1", "A", "MUG", 1, 5.0, base, "France"),
                       ("c1", "C2", "B", "JUG", -4, 5.0, base + pd.Timedelta(days=1), "France")],   # B bought before the data
                      columns=COLUMNS).astype(DTYPES)
    f = features.customer_features(tx, cutoff=None)
    assert f.loc["c1", "return_rate"] == 1.0 and f.loc["c1", "monetary"] == -15.0
