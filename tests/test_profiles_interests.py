"""build_profiles(..., interests=...): interest columns join the profile table; None changes nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profiling import datasets, segments
from profiling.profiles import PROFILE_COLUMN_NAMES, build_profiles

CUTOFF = "2010-11-01"
REF = pd.DataFrame(
    {
        "country": list(datasets.SYNTHETIC_COUNTRIES),
        "region": ["UK"] + ["Europe"] * (len(datasets.SYNTHETIC_COUNTRIES) - 1),
    }
)


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    return datasets.make_transactions(120, n_items=60, random_state=0)


@pytest.fixture(scope="module")
def plain(tx: pd.DataFrame) -> pd.DataFrame:
    return build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3)


def test_default_none_leaves_the_table_unchanged(tx: pd.DataFrame, plain: pd.DataFrame) -> None:
    again = build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=None)
    pd.testing.assert_frame_equal(again, plain)
    assert again.attrs == plain.attrs
    assert list(plain.columns) == PROFILE_COLUMN_NAMES


def test_interest_columns_are_appended_by_customer(tx: pd.DataFrame, plain: pd.DataFrame) -> None:
    ids = list(plain.index)
    known = ids[: len(ids) // 2][::-1]  # half the customers, in another order
    extra = pd.DataFrame(
        {"interest_top_tag": [f"tag {i}" for i in range(len(known))], "share_cards": np.linspace(0, 1, len(known))},
        index=pd.Index(known, name="customer_id"),
    )
    extra.loc["not-a-customer"] = ["ghost", 0.5]
    out = build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=extra)
    assert list(out.columns) == PROFILE_COLUMN_NAMES + ["interest_top_tag", "share_cards"]
    assert list(out.index) == ids and "not-a-customer" not in out.index
    pd.testing.assert_frame_equal(out[PROFILE_COLUMN_NAMES], plain)
    assert out.loc[known[0], "interest_top_tag"] == "tag 0"
    assert out.loc[ids[-1], ["interest_top_tag", "share_cards"]].isna().all()


def test_bad_interests_are_refused(tx: pd.DataFrame, plain: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="clash"):
        build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=pd.DataFrame({"monetary": [1.0]}, index=[plain.index[0]]))
    with pytest.raises(ValueError, match="duplicate"):
        build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=pd.DataFrame({"x": [1, 2]}, index=[plain.index[0]] * 2))
    with pytest.raises(ValueError, match="DataFrame"):
        build_profiles(tx, cutoff=CUTOFF, countries=REF, k=3, interests=[1, 2])
