"""Tests for profiling.tags: thresholds, precedence, value tiers across periods, tables, bad inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from hypothesis import given, settings
from hypothesis import strategies as st

from profiling import tags
from profiling.tags import TagRules, ValueTiers

DEFAULTS = {
    "recency_days": 10.0,
    "tenure_days": 300.0,
    "frequency": 5,
    "monetary": 100.0,
    "avg_basket_items": 50.0,
    "gift_season_share": 0.0,
    "return_rate": 0.0,
    "cancel_rate": 0.0,
    "weekend_share": 0.0,
}


def feats(rows: dict[str, dict]) -> pd.DataFrame:
    """A small features frame: {customer_id: {column: value}} on top of DEFAULTS."""
    df = pd.DataFrame([{**DEFAULTS, **v} for v in rows.values()], index=pd.Index(list(rows), name="customer_id"))
    df["frequency"] = df["frequency"].astype("int64")
    return df


# --------------------------------------------------------------------------------------------
# TagRules
# --------------------------------------------------------------------------------------------


def test_rules_defaults_are_consistent() -> None:
    r = TagRules()
    assert r.active_days <= r.new_days < r.churned_days + 1
    assert r.churned_days > r.active_days


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"active_days": 120, "new_days": 90}, "active_days"),
        ({"churned_days": 60}, "churned_days"),
        ({"gift_share": 1.5}, "share"),
        ({"bulk_items": -1}, ">= 0"),
        ({"weekend_share": float("nan")}, "finite"),
        ({"loyal_min_orders": "10"}, "finite number"),
    ],
)
def test_rules_refuse_bad_thresholds(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        TagRules(**kwargs)


# --------------------------------------------------------------------------------------------
# life cycle
# --------------------------------------------------------------------------------------------


def test_lifecycle_hand_computed() -> None:
    f = feats(
        {
            "churn": {"recency_days": 200, "tenure_days": 250, "frequency": 3},
            "new1": {"recency_days": 5, "tenure_days": 5, "frequency": 1},
            "new2": {"recency_days": 1, "tenure_days": 60, "frequency": 4},
            "risk": {"recency_days": 120, "tenure_days": 300, "frequency": 20},
            "risk1": {"recency_days": 100, "tenure_days": 100, "frequency": 1},
            "loyal": {"recency_days": 3, "tenure_days": 300, "frequency": 12},
            "active": {"recency_days": 30, "tenure_days": 300, "frequency": 3},
            "active_short": {"recency_days": 30, "tenure_days": 100, "frequency": 12},
        }
    )
    stage = tags.lifecycle_stage(f)
    assert stage.name == "lifecycle"
    assert list(stage.cat.categories) == tags.LIFECYCLE_STAGES
    assert stage.astype(str).to_dict() == {
        "churn": "churned",
        "new1": "new",
        "new2": "new",
        "risk": "at_risk",
        "risk1": "at_risk",
        "loyal": "loyal",
        "active": "active",
        "active_short": "active",  # many orders but too short a tenure for loyal
    }


def test_lifecycle_boundaries_are_as_documented() -> None:
    r = TagRules()
    f = feats(
        {
            "at_churn": {"recency_days": r.churned_days, "tenure_days": 300},
            "below_churn": {"recency_days": r.churned_days - 0.001, "tenure_days": 300},
            "at_new": {"recency_days": 1, "tenure_days": r.new_days},
            "at_active": {"recency_days": r.active_days, "tenure_days": 300},
        }
    )
    stage = tags.lifecycle_stage(f, r).astype(str)
    assert stage["at_churn"] == "churned"
    assert stage["below_churn"] == "at_risk"
    assert stage["at_new"] != "new"  # tenure < new_days is new, equal is not
    assert stage["at_active"] == "at_risk"


def test_lifecycle_precedence_churned_before_new() -> None:
    # new_days longer than churned_days: an old one-off buyer fits both; churned wins.
    rules = TagRules(new_days=250, active_days=90, churned_days=180)
    f = feats({"x": {"recency_days": 200, "tenure_days": 200, "frequency": 1}})
    assert tags.lifecycle_stage(f, rules).iloc[0] == "churned"


def test_thresholds_are_parameters() -> None:
    f = feats({"x": {"recency_days": 130, "tenure_days": 300}})
    assert tags.lifecycle_stage(f).iloc[0] == "at_risk"
    assert tags.lifecycle_stage(f, TagRules(churned_days=120)).iloc[0] == "churned"


@st.composite
def random_features(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    rows = {}
    for i in range(n):
        tenure = draw(st.floats(0, 400, allow_nan=False))
        freq = draw(st.integers(1, 30))
        recency = tenure if freq == 1 else draw(st.floats(0, tenure, allow_nan=False))
        rows[f"c{i:03d}"] = {
            "recency_days": recency,
            "tenure_days": tenure,
            "frequency": freq,
            "monetary": draw(st.floats(-50, 1e5, allow_nan=False)),
            "avg_basket_items": draw(st.floats(1, 2000, allow_nan=False)),
            "gift_season_share": draw(st.floats(0, 1)),
            "return_rate": draw(st.floats(0, 1)),
            "cancel_rate": draw(st.floats(0, 1)),
            "weekend_share": draw(st.floats(0, 1)),
        }
    return feats(rows)


@st.composite
def random_rules(draw: st.DrawFn) -> TagRules:
    active = draw(st.floats(1, 200))
    return TagRules(
        active_days=active,
        new_days=active + draw(st.floats(0, 200)),
        churned_days=active + draw(st.floats(1, 200)),
        loyal_min_orders=draw(st.integers(1, 20)),
        loyal_min_tenure_days=draw(st.floats(0, 365)),
        bulk_items=draw(st.floats(0, 1000)),
        gift_share=draw(st.floats(0, 1)),
        return_rate=draw(st.floats(0, 1)),
        cancel_rate=draw(st.floats(0, 1)),
        weekend_share=draw(st.floats(0, 1)),
    )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(f=random_features(), r=random_rules())
def test_every_tag_obeys_its_rule(f: pd.DataFrame, r: TagRules) -> None:
    t = tags.tag_customers(f, r)
    stage = t["lifecycle"].astype(str)
    rec, ten, freq = f["recency_days"], f["tenure_days"], f["frequency"]
    # exactly one stage each, and each stage's own rule holds
    assert stage.isin(tags.LIFECYCLE_STAGES).all()
    assert (rec[stage == "churned"] >= r.churned_days).all()
    new = stage == "new"
    assert (ten[new] < r.new_days).all() and (rec[new] < r.churned_days).all()
    risk = stage == "at_risk"
    assert ((rec[risk] >= r.active_days) & (rec[risk] < r.churned_days) & (ten[risk] >= r.new_days)).all()
    loyal = stage == "loyal"
    assert ((rec[loyal] < r.active_days) & (freq[loyal] >= r.loyal_min_orders) & (ten[loyal] >= r.loyal_min_tenure_days)).all()
    active = stage == "active"
    assert ((rec[active] < r.active_days) & (freq[active] >= 2) & (ten[active] >= r.new_days)).all()
    # flags: tagged if and only if the threshold is met
    assert (t["bulk_buyer"] == (f["avg_basket_items"] >= r.bulk_items)).all()
    assert (t["gift_season_buyer"] == (f["gift_season_share"] >= r.gift_share)).all()
    assert (t["frequent_returner"] == ((f["return_rate"] >= r.return_rate) | (f["cancel_rate"] >= r.cancel_rate))).all()
    assert (t["weekend_shopper"] == (f["weekend_share"] >= r.weekend_share)).all()
    # value tiers follow the edges
    e = t.attrs["value_tier_edges"]
    tier = t["value_tier"].astype(str)
    assert (f["monetary"][tier == "low"] <= e[0]).all()
    assert ((f["monetary"][tier == "mid"] > e[0]) & (f["monetary"][tier == "mid"] <= e[1])).all()
    assert (f["monetary"][tier == "high"] > e[1]).all()


# --------------------------------------------------------------------------------------------
# value tiers
# --------------------------------------------------------------------------------------------


def test_value_tiers_fit_transform() -> None:
    f = feats({f"c{i}": {"monetary": float(i)} for i in range(1, 10)})  # 1..9
    tiers = ValueTiers().fit(f)
    np.testing.assert_allclose(tiers.edges_, np.quantile(np.arange(1, 10), [1 / 3, 2 / 3]))
    tier = tiers.transform(f)
    assert tier.name == "value_tier" and list(tier.cat.categories) == ["low", "mid", "high"]
    assert tier.value_counts().to_dict() == {"low": 3, "mid": 3, "high": 3}
    assert tier.index.equals(f.index)


def test_value_tier_edges_from_reference_apply_to_another_period() -> None:
    reference = feats({f"r{i}": {"monetary": float(i)} for i in range(1, 10)})
    later = feats({"a": {"monetary": 1000.0}, "b": {"monetary": 2000.0}, "c": {"monetary": 0.5}})
    tiers = ValueTiers().fit(reference)
    edges = tiers.edges_.copy()
    assert tiers.transform(later).astype(str).tolist() == ["high", "high", "low"]
    np.testing.assert_array_equal(tiers.edges_, edges)  # transform does not refit
    # refitting on the later period would give different tiers: that is why tiers are fitted once
    assert ValueTiers().fit_transform(later).astype(str).tolist() != ["high", "high", "low"]
    tagged = tags.tag_customers(later, tiers=tiers)
    assert tagged["value_tier"].astype(str).tolist() == ["high", "high", "low"]
    assert tagged.attrs["value_tier_edges"] == pytest.approx(list(edges))


def test_value_tiers_more_quantiles_and_labels() -> None:
    f = feats({f"c{i}": {"monetary": float(i)} for i in range(8)})
    quart = ValueTiers(q=(0.25, 0.5, 0.75)).fit(f)
    assert list(quart.transform(f).cat.categories) == ["tier_1", "tier_2", "tier_3", "tier_4"]
    named = ValueTiers(q=(0.5,), labels=("small", "big")).fit(f)
    assert named.transform(f).astype(str).tolist() == ["small"] * 4 + ["big"] * 4
    assert "ValueTiers" in repr(named)


@pytest.mark.parametrize("q", [(0.5, 0.3), (0.0, 0.5), (0.5, 1.0), ()])
def test_value_tiers_refuse_bad_quantiles(q: tuple) -> None:
    with pytest.raises(ValueError, match="q must be"):
        ValueTiers(q=q).fit(feats({"a": {}}))


def test_value_tiers_errors() -> None:
    f = feats({"a": {}, "b": {"monetary": np.nan}})
    with pytest.raises(NotFittedError, match="not fitted"):
        ValueTiers().transform(f)
    with pytest.raises(ValueError, match="missing"):
        ValueTiers().fit(f)
    with pytest.raises(ValueError, match="labels"):
        ValueTiers(labels=("a", "b")).fit(feats({"a": {}}))
    with pytest.raises(ValueError, match="lacks the column"):
        ValueTiers(column="spend").fit(feats({"a": {}}))


# --------------------------------------------------------------------------------------------
# flags, tag_customers, tables
# --------------------------------------------------------------------------------------------


def test_behaviour_flags_thresholds_and_missing() -> None:
    f = feats(
        {
            "bulk": {"avg_basket_items": 500},
            "gift": {"gift_season_share": 0.5},
            "ret": {"return_rate": 0.1},
            "canc": {"cancel_rate": 0.5},
            "wknd": {"weekend_share": 0.75},
            "none": {"avg_basket_items": 499.9, "gift_season_share": 0.49, "return_rate": np.nan},
        }
    )
    fl = tags.behaviour_flags(f)
    assert list(fl.columns) == tags.FLAGS
    assert fl.dtypes.eq(bool).all()
    assert fl.loc["bulk", "bulk_buyer"] and fl.loc["gift", "gift_season_buyer"]
    assert fl.loc["ret", "frequent_returner"] and fl.loc["canc", "frequent_returner"]
    assert fl.loc["wknd", "weekend_shopper"]
    assert not fl.loc["none"].any()
    assert fl.sum().to_dict() == {"bulk_buyer": 1, "gift_season_buyer": 1, "frequent_returner": 2, "weekend_shopper": 1}


def test_tag_customers_columns_and_text() -> None:
    f = feats(
        {
            "a": {"recency_days": 3, "frequency": 12, "monetary": 900, "avg_basket_items": 800},
            "b": {"recency_days": 5, "tenure_days": 5, "frequency": 1, "monetary": 10, "weekend_share": 1},
            "c": {"recency_days": 200, "monetary": 50},
        }
    )
    t = tags.tag_customers(f)
    assert list(t.columns) == tags.TAG_COLUMNS
    assert t.index.equals(f.index)
    assert t.loc["a", "tags"] == "loyal, high spender, bulk_buyer"
    assert t.loc["b", "tags"] == "new, low spender, weekend_shopper"
    assert t.loc["c", "tags"] == "churned, mid spender"


def test_tag_customers_row_order_does_not_matter() -> None:
    rng = np.random.default_rng(0)
    f = feats(
        {
            f"c{i:02d}": {
                "recency_days": float(r),
                "tenure_days": float(r + rng.integers(0, 200)),
                "frequency": int(rng.integers(2, 20)),
                "monetary": float(rng.lognormal(6, 1)),
                "avg_basket_items": float(rng.integers(1, 1000)),
            }
            for i, r in enumerate(rng.integers(0, 300, 30))
        }
    )
    a = tags.tag_customers(f)
    b = tags.tag_customers(f.sample(frac=1, random_state=1)).loc[f.index]
    pd.testing.assert_frame_equal(a, b)


def test_tag_customers_bad_inputs() -> None:
    with pytest.raises(ValueError, match="empty"):
        tags.tag_customers(feats({"a": {}}).iloc[0:0])
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \['weekend_share'\]"):
        tags.tag_customers(feats({"a": {}}).drop(columns="weekend_share"))
    with pytest.raises(ValueError, match="missing values"):
        tags.tag_customers(feats({"a": {"recency_days": np.nan}}))
    with pytest.raises(TypeError, match="DataFrame"):
        tags.tag_customers([1, 2, 3])  # type: ignore[arg-type]


def test_tag_rules_table() -> None:
    rules = TagRules(churned_days=150, bulk_items=300)
    table = tags.tag_rules_table(rules)
    assert list(table.columns) == ["group", "tag", "chinese", "rule", "threshold"]
    assert len(table) == len(tags.LIFECYCLE_STAGES) + len(tags.VALUE_TIERS) + len(tags.FLAGS)
    assert table["chinese"].notna().all()
    by_tag = table.set_index("tag")
    assert by_tag.loc["churned", "threshold"] == "churned_days = 150"
    assert "300" in by_tag.loc["bulk_buyer", "threshold"]
    assert by_tag.loc["new", "chinese"] == "新用户" and by_tag.loc["high", "chinese"] == "高消费用户"
    fitted = ValueTiers().fit(feats({f"c{i}": {"monetary": float(i)} for i in range(1, 10)}))
    with_edges = tags.tag_rules_table(rules, fitted).set_index("tag")
    assert with_edges.loc["low", "threshold"] == f"monetary <= {fitted.edges_[0]:,.2f}"


def test_tag_summary_counts_and_revenue() -> None:
    f = feats(
        {
            "a": {"recency_days": 3, "frequency": 12, "monetary": 900, "avg_basket_items": 800},
            "b": {"recency_days": 5, "tenure_days": 5, "frequency": 1, "monetary": 10},
            "c": {"recency_days": 200, "monetary": 90},
        }
    )
    t = tags.tag_customers(f)
    s = tags.tag_summary(t, f)
    assert list(s.columns) == ["group", "tag", "chinese", "customers", "customer_share", "revenue", "revenue_share"]
    for group in ("life cycle", "value tier"):
        g = s[s["group"] == group]
        assert g["customers"].sum() == 3
        assert g["customer_share"].sum() == pytest.approx(1)
        assert g["revenue_share"].sum() == pytest.approx(1)
    row = s.set_index("tag").loc["bulk_buyer"]
    assert row["customers"] == 1 and row["revenue"] == pytest.approx(900) and row["revenue_share"] == pytest.approx(0.9)
    # same customers in another order are fine; different customers are not
    assert tags.tag_summary(t.iloc[::-1], f)["customers"].tolist() == s["customers"].tolist()
    with pytest.raises(ValueError, match="same customers"):
        tags.tag_summary(t, f.iloc[:2])


def test_value_tiers_follows_the_scikit_learn_contract() -> None:
    from sklearn.base import clone

    tiers = ValueTiers(q=[0.5], labels=["low", "high"])
    assert tiers.q == [0.5] and tiers.get_params()["labels"] == ["low", "high"]   # stored as given
    fitted = tiers.fit(pd.DataFrame({"monetary": [1.0, 2.0, 3.0, 4.0]}))
    copy = clone(fitted)
    assert not hasattr(copy, "edges_") and copy.get_params() == fitted.get_params()
    with pytest.raises(ValueError, match="strictly increasing"):
        ValueTiers(q=(0.7, 0.3)).fit(pd.DataFrame({"monetary": [1.0, 2.0]}))   # checked in fit, not __init__


# --------------------------------------------------------------------------------------------
# Rules on a short history
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("history", [270.0, 365.0, 10_000.0, 0.0, float("nan")])
def test_rules_apply_as_given_on_a_full_history(history: float) -> None:
    rules = TagRules(churned_days=150, bulk_items=300)
    assert rules.for_history(history) is rules


@given(st.floats(min_value=1.0, max_value=269.9), st.integers(min_value=91, max_value=400))
@settings(max_examples=60, deadline=None)
def test_rules_scale_with_a_short_history(history: float, churned: int) -> None:
    rules = TagRules(churned_days=churned)
    full = rules.new_days + rules.churned_days
    scaled = rules.for_history(history * full / 270)
    ratio = history / 270
    for name in TagRules.DAY_FIELDS:
        assert getattr(scaled, name) == pytest.approx(getattr(rules, name) * ratio)
    # the relations the rules need still hold (TagRules checks them when built), other thresholds are kept
    assert scaled.active_days <= scaled.new_days < scaled.new_days + scaled.churned_days
    assert scaled.loyal_min_orders == max(2, round(10 * ratio))
    assert (scaled.bulk_items, scaled.gift_share, scaled.return_rate) == (rules.bulk_items, rules.gift_share, rules.return_rate)


def test_on_seven_weeks_the_life_cycle_agrees_with_rfm_and_personas() -> None:
    """7 weeks of a synthetic shop: with the rules as given every customer is 'new' while RFM calls some of them
    'lost'; with the rules scaled to the history (profile_table), the customers RFM calls lost or hibernating are
    mostly churned or at risk, and the champions mostly loyal or active; the card says the rules were scaled."""
    from profiling import cleaning, datasets, profiles

    tx = datasets.make_transactions(400, n_items=200, start="2021-08-13", end="2021-09-30", random_state=7)
    clean_tx, _ = cleaning.clean(tx, cleaning.default_rules(keep_returns=True))
    fixed = profiles.build_profiles(clean_tx, k=2, random_state=profiles.PIPELINE_DEFAULTS["random_state"])
    assert set(fixed["lifecycle"].astype(str)) == {"new"} and fixed.attrs["tag_rules"]["scaled"] is None
    table = profiles.profile_table(tx, k=2)
    assert table.attrs["tag_rules"]["scaled"] == pytest.approx(table.attrs["history_days"] / 270, abs=1e-4)
    stage = table["lifecycle"].astype(str)
    lapsed = table["rfm_segment"].isin(["lost", "hibernating"])
    assert stage[lapsed].isin(["churned", "at_risk"]).mean() > 0.5
    assert stage[table["rfm_segment"] == "champions"].isin(["loyal", "active"]).mean() > 0.5
    # features, RFM and personas do not depend on the tag rules: only the tags move
    pd.testing.assert_frame_equal(table[["rfm_segment", "persona", "monetary"]], fixed[["rfm_segment", "persona", "monetary"]])
    fig = profiles.profile_card(table, table.index[0])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert any(t.endswith(f"(rules x{table.attrs['tag_rules']['scaled']:.2f}: 49 days of data)") for t in texts), texts
