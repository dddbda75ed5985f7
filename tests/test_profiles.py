"""Tests for profiling.profiles: the profile table, its pipeline (chapter 06 and ``profiling profiles``) and card."""

from __future__ import annotations

import inspect

import matplotlib

matplotlib.use("Agg")  # tests only: no display (notebooks keep the inline backend)

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from profiling import cleaning, datasets, features, segments, tags
from profiling.profiles import (
    PIPELINE_DEFAULTS,
    PROFILE_COLUMN_NAMES,
    build_profiles,
    profile_card,
    profile_dictionary,
    profile_table,
)

REF = pd.DataFrame(
    {
        "country": list(datasets.SYNTHETIC_COUNTRIES),
        "region": ["UK"] + ["Europe"] * (len(datasets.SYNTHETIC_COUNTRIES) - 1),
    }
)
CUTOFF = "2010-11-01"


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return datasets.make_transactions(120, n_items=60, random_state=0)


@pytest.fixture(scope="module")
def profiles(tx: pd.DataFrame) -> pd.DataFrame:
    return build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3)


# --------------------------------------------------------------------------------------------
# the profile table
# --------------------------------------------------------------------------------------------


def test_build_profiles_one_row_per_customer(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    before = tx[(tx["timestamp"] < pd.Timestamp(CUTOFF)) & (tx["quantity"] > 0) & tx["customer_id"].notna()]
    expected = sorted(before["customer_id"].unique())
    assert list(profiles.index) == expected
    assert profiles.index.is_unique and profiles.index.name == "customer_id"
    assert list(profiles.columns) == PROFILE_COLUMN_NAMES
    assert profiles["persona"].between(0, 2).all() and profiles.attrs["k"] == 3
    assert profiles["persona_name"].nunique() == 3
    assert profiles.attrs["cutoff"].startswith("2010-11-01")
    assert set(profiles["rfm_segment"].astype(str)) <= {s[0] for s in segments.RFM_SEGMENTS}
    assert profiles["lifecycle"].notna().all() and profiles["value_tier"].notna().all()
    assert profiles[features.FEATURE_NAMES].equals(features.customer_features(tx, CUTOFF, countries=REF))
    # a buyer who appears only after the cutoff gets no row (and the synthetic shop has such buyers)
    late = tx[(tx["timestamp"] >= pd.Timestamp(CUTOFF)) & (tx["quantity"] > 0)]["customer_id"].dropna().unique()
    late_only = set(late) - set(before["customer_id"])
    assert late_only and not late_only & set(profiles.index)


def test_build_profiles_row_order_does_not_matter(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    shuffled = build_profiles(tx.sample(frac=1, random_state=5), cutoff=CUTOFF, countries=REF, k=3)
    pd.testing.assert_frame_equal(profiles, shuffled)


def test_build_profiles_chooses_k(tx: pd.DataFrame) -> None:
    p = build_profiles(tx, cutoff=CUTOFF, countries=REF, ks=range(2, 5))
    assert p.attrs["k"] in (2, 3, 4)
    assert p["persona"].nunique() == p.attrs["k"]


def test_build_profiles_bad_inputs(tx: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="empty"):
        build_profiles(tx.iloc[0:0], countries=REF)
    with pytest.raises(ValueError, match="quantity"):
        build_profiles(tx.drop(columns="quantity"), countries=REF)
    with pytest.raises(ValueError, match="before the first transaction"):
        build_profiles(tx, cutoff="2000-01-01", countries=REF)
    with pytest.raises(ValueError, match="after the last transaction"):
        build_profiles(tx, cutoff="2030-01-01", countries=REF)
    one = tx[tx["customer_id"] == tx["customer_id"].iloc[0]]
    with pytest.raises(ValueError, match="too few"):
        build_profiles(one, countries=REF)
    with pytest.raises(ValueError, match="at least 5 customers"):
        build_profiles(one, countries=REF, k=5)


def test_profile_dictionary_documents_every_column(profiles: pd.DataFrame) -> None:
    d = profile_dictionary()
    assert list(d.columns) == ["column", "group", "definition"]
    assert d["column"].tolist() == list(profiles.columns)
    assert d["definition"].str.len().gt(10).all()


def test_profile_parquet_round_trip(profiles: pd.DataFrame, tmp_path) -> None:
    path = tmp_path / "p.parquet"
    profiles.to_parquet(path)
    back = pd.read_parquet(path)
    assert len(back) == len(profiles) and list(back.columns) == list(profiles.columns)
    # every value, dtype (categories and their order included), the index and its name come back unchanged
    pd.testing.assert_frame_equal(back, profiles, check_exact=True, check_categorical=True, check_index_type=True)
    assert back.index.name == "customer_id" and back.index.dtype == profiles.index.dtype
    for col in ("lifecycle", "value_tier", "rfm_segment"):
        assert isinstance(back[col].dtype, pd.CategoricalDtype) and back[col].dtype == profiles[col].dtype
    # ... and so do the table's attributes (cutoff, k, tier edges, persona names)
    assert back.attrs == profiles.attrs and set(back.attrs) >= {"cutoff", "k", "value_tier_edges", "persona_names"}


# --------------------------------------------------------------------------------------------
# the profile card
# --------------------------------------------------------------------------------------------


def test_profile_card(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    cid = profiles.index[0]
    fig = profile_card(profiles, cid, tx)
    assert isinstance(fig, matplotlib.figure.Figure)
    assert len(fig.axes) == 3
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert cid in texts and str(profiles.loc[cid, "rfm_segment"]) in texts and profiles.loc[cid, "persona_name"] in texts
    assert len(fig.axes[1].patches) >= 1  # top items
    # the timeline covers only months before the cutoff
    labels = [t.get_text() for t in fig.axes[2].get_xticklabels()]
    assert labels and max(labels) < CUTOFF[:7]
    plt.close(fig)
    fig2 = profile_card(profiles, int(cid))  # ids compared as text; no transactions
    assert len(fig2.axes) == 3
    plt.close(fig2)


def test_profile_card_bad_inputs(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    with pytest.raises(KeyError, match="nobody"):
        profile_card(profiles, "nobody")
    with pytest.raises(ValueError, match=r"^profile_card: profiles lacks the column\(s\) \['persona_name'\].*build_profiles"):
        profile_card(profiles.drop(columns="persona_name"), profiles.index[0])
    with pytest.raises(ValueError, match=r"^profile_card: transactions lacks the column\(s\) \['item_id'\]"):
        profile_card(profiles, profiles.index[0], tx.drop(columns="item_id"))
    with pytest.raises(TypeError, match="^profile_card: profiles must be a pandas DataFrame"):
        profile_card(list(profiles.index), profiles.index[0])  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# interest columns (build_profiles(..., interests=...))
# --------------------------------------------------------------------------------------------


def test_interests_none_leaves_the_table_unchanged(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    again = build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=None)
    pd.testing.assert_frame_equal(again, profiles)
    assert again.attrs == profiles.attrs
    assert list(profiles.columns) == PROFILE_COLUMN_NAMES


def test_interest_columns_are_appended_by_customer(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    ids = list(profiles.index)
    known = ids[: len(ids) // 2][::-1]  # half the customers, in another order
    extra = pd.DataFrame(
        {"interest_top_tag": [f"tag {i}" for i in range(len(known))], "share_cards": np.linspace(0, 1, len(known))},
        index=pd.Index(known, name="customer_id"),
    )
    extra.loc["not-a-customer"] = ["ghost", 0.5]
    out = build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=extra)
    assert list(out.columns) == PROFILE_COLUMN_NAMES + ["interest_top_tag", "share_cards"]
    assert list(out.index) == ids and "not-a-customer" not in out.index
    pd.testing.assert_frame_equal(out[PROFILE_COLUMN_NAMES], profiles)
    assert out.loc[known[0], "interest_top_tag"] == "tag 0"
    assert out.loc[ids[-1], ["interest_top_tag", "share_cards"]].isna().all()


def test_bad_interests_are_refused(tx: pd.DataFrame, profiles: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="clash"):
        build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=pd.DataFrame({"monetary": [1.0]}, index=[profiles.index[0]]))
    with pytest.raises(ValueError, match="duplicate"):
        build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=pd.DataFrame({"x": [1, 2]}, index=[profiles.index[0]] * 2))
    with pytest.raises(ValueError, match="DataFrame"):
        build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=[1, 2])


# --------------------------------------------------------------------------------------------
# the profile pipeline (profile_table)
# --------------------------------------------------------------------------------------------


def chapter_steps(raw: pd.DataFrame, cutoff=None, *, k=None, k_candidates=(2, 3, 4, 5, 6, 7, 8), random_state=42,
                  keep_returns=True, sample_customers=None) -> pd.DataFrame:
    """Chapter 06's cells, written out: sample, clean, features, choose k, build the table."""
    sampled = datasets.sample_customers(raw, sample_customers, random_state)
    clean_tx, _ = cleaning.clean(sampled, cleaning.default_rules(keep_returns=keep_returns))
    if k is None:
        f = features.customer_features(clean_tx, cutoff=cutoff)
        k = segments.best_k(segments.choose_k(segments.cluster_matrix(f), ks=k_candidates, random_state=random_state))
    return build_profiles(clean_tx, cutoff=cutoff, k=k, random_state=random_state, rules=tags.TagRules(), scale_rules=True)


def test_pipeline_defaults_are_the_signature_defaults() -> None:
    """One source: profile_table's keyword defaults are PIPELINE_DEFAULTS (chapter 06's cell is checked
    against them in tests/test_chapter_06.py)."""
    signature = inspect.signature(profile_table).parameters
    assert {name: signature[name].default for name in PIPELINE_DEFAULTS} == PIPELINE_DEFAULTS
    assert PIPELINE_DEFAULTS["k"] is None and PIPELINE_DEFAULTS["sample_customers"] is None


def test_profile_table_is_chapter_06s_steps(tx: pd.DataFrame) -> None:
    table = profile_table(tx, CUTOFF)
    pd.testing.assert_frame_equal(table, chapter_steps(tx, CUTOFF))
    assert table.attrs["k"] in PIPELINE_DEFAULTS["k_candidates"]
    sampled = profile_table(tx, CUTOFF, k=3, sample_customers=40, random_state=5)
    pd.testing.assert_frame_equal(sampled, chapter_steps(tx, CUTOFF, k=3, sample_customers=40, random_state=5))
    assert len(sampled) <= 40 and set(sampled.index) < set(table.index)


def test_profile_table_keeps_returns_by_default(tx: pd.DataFrame) -> None:
    assert (tx["quantity"] < 0).any()  # the synthetic shop has returns
    kept = profile_table(tx, CUTOFF, k=3)
    dropped = profile_table(tx, CUTOFF, k=3, keep_returns=False)
    assert kept["return_rate"].gt(0).any() and dropped["return_rate"].eq(0).all()


def test_profile_table_on_cleaned_lines(tx: pd.DataFrame) -> None:
    """cleaned=True (chapter 06, after chapter.load): only the table is built, and it is the same table."""
    sampled = datasets.sample_customers(tx, 60, 42)
    clean_tx, _ = cleaning.clean(sampled, cleaning.default_rules(keep_returns=True))
    from_clean = profile_table(clean_tx, CUTOFF, k=3, cleaned=True)
    pd.testing.assert_frame_equal(from_clean, profile_table(tx, CUTOFF, k=3, sample_customers=60))
    with pytest.raises(ValueError, match="^profile_table: sample_customers=60 with cleaned=True"):
        profile_table(clean_tx, CUTOFF, k=3, cleaned=True, sample_customers=60)


def test_profile_table_bad_inputs(tx: pd.DataFrame) -> None:
    with pytest.raises(TypeError, match="^profile_table: transactions must be a pandas DataFrame"):
        profile_table([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^profile_table: transactions lacks the column\(s\) \['customer_id'\]"):
        profile_table(tx.drop(columns="customer_id"))
    with pytest.raises(ValueError, match="before the first transaction"):
        profile_table(tx, cutoff="2000-01-01")
