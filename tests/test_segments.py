"""Tests for profiling.segments: RFM scores and segments, k choice, personas.

The profile table and card that put them together are tested in tests/test_profiles.py.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from profiling import datasets, features, segments, tags

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
def feats(tx: pd.DataFrame) -> pd.DataFrame:
    return features.customer_features(tx, cutoff=CUTOFF, countries=REF)


def rfm_frame(recency, frequency, monetary, ids=None) -> pd.DataFrame:
    n = len(recency)
    ids = ids if ids is not None else [f"c{i:04d}" for i in range(n)]
    return pd.DataFrame(
        {"recency_days": np.asarray(recency, float), "frequency": np.asarray(frequency, "int64"), "monetary": np.asarray(monetary, float)},
        index=pd.Index(ids, name="customer_id"),
    )


# --------------------------------------------------------------------------------------------
# RFM scores and segments
# --------------------------------------------------------------------------------------------


def test_rfm_scores_directions_and_columns() -> None:
    f = rfm_frame([1, 10, 100, 200, 300], [9, 7, 5, 3, 1], [500, 400, 300, 200, 100])
    s = segments.rfm_scores(f)
    assert list(s.columns) == ["r_score", "f_score", "m_score", "fm_score", "rfm_cell"]
    assert s["r_score"].tolist() == [5, 4, 3, 2, 1]  # lower recency = higher score
    assert s["f_score"].tolist() == [5, 4, 3, 2, 1]
    assert s["m_score"].tolist() == [5, 4, 3, 2, 1]
    assert s["rfm_cell"].tolist() == ["555", "444", "333", "222", "111"]
    assert s.index.equals(f.index)


def test_rfm_bins_balanced_with_many_ties() -> None:
    rng = np.random.default_rng(0)
    n = 1003
    f = rfm_frame(rng.integers(0, 5, n), rng.choice([1, 1, 1, 2], n), rng.integers(0, 3, n))
    s = segments.rfm_scores(f)
    for col in ("r_score", "f_score", "m_score"):
        counts = s[col].value_counts()
        assert sorted(counts.index) == [1, 2, 3, 4, 5]
        assert counts.max() - counts.min() <= 1
        assert counts.min() >= n // 5
    # scores never go against the values: a higher frequency never has a lower F score
    order = f.assign(f=s["f_score"]).sort_values(["frequency", "f"])
    assert order["f"].is_monotonic_increasing


def test_rfm_fm_score_rounds_half_up() -> None:
    f = rfm_frame([1] * 5, [1, 2, 3, 4, 5], [5, 4, 3, 2, 1])
    s = segments.rfm_scores(f)
    # (F, M) = (1,5) (2,4) (3,3) (4,2) (5,1): all means are 3
    assert s["fm_score"].tolist() == [3] * 5
    f2 = rfm_frame([1, 2], [1, 2], [2, 1])
    s2 = segments.rfm_scores(f2, bins=2)
    assert s2["fm_score"].tolist() == [2, 2]  # (1 + 2) / 2 = 1.5 -> 2


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    values=st.lists(st.tuples(st.integers(0, 5), st.integers(1, 4), st.integers(-2, 5)), min_size=1, max_size=60),
    seed=st.integers(0, 1000),
)
def test_rfm_row_order_does_not_change_scores(values: list[tuple[int, int, int]], seed: int) -> None:
    r, fr, m = zip(*values)
    f = rfm_frame(r, fr, m)
    a = segments.rfm_scores(f)
    b = segments.rfm_scores(f.sample(frac=1, random_state=seed)).loc[f.index]
    pd.testing.assert_frame_equal(a, b)
    assert a[["r_score", "f_score", "m_score"]].isin(range(1, 6)).all().all()


def test_rfm_fewer_customers_than_bins() -> None:
    s = segments.rfm_scores(rfm_frame([5, 1], [1, 2], [10, 20]))
    assert s["r_score"].tolist() == [1, 3]
    assert s["f_score"].tolist() == [1, 3]


@pytest.mark.parametrize("bins", [1, 10, 2.5, True])
def test_rfm_scores_bad_bins(bins) -> None:
    with pytest.raises(ValueError, match="bins"):
        segments.rfm_scores(rfm_frame([1], [1], [1]), bins=bins)


def test_rfm_scores_bad_frames() -> None:
    with pytest.raises(ValueError, match=r"^rfm_scores: features lacks the column\(s\) \['monetary'\] .*customer_features"):
        segments.rfm_scores(rfm_frame([1], [1], [1]).drop(columns="monetary"))
    with pytest.raises(ValueError, match="^rfm_scores: features is empty"):
        segments.rfm_scores(rfm_frame([], [], []))
    with pytest.raises(ValueError, match=r"^rfm_scores: column\(s\) \['recency_days'\] of features have missing values"):
        segments.rfm_scores(rfm_frame([np.nan], [1], [1]))
    with pytest.raises(TypeError, match="^rfm_scores: features must be a pandas DataFrame, got str"):
        segments.rfm_scores("features")  # type: ignore[arg-type]


def test_segment_grid_tiles_every_cell_once() -> None:
    grid = segments.rfm_segment_grid()
    assert grid.shape == (5, 5)
    assert (grid != "").all().all()
    names = set(s[0] for s in segments.RFM_SEGMENTS)
    assert set(grid.to_numpy().ravel()) == names  # every segment reachable
    assert len(names) == 11
    table = segments.rfm_segment_map()
    assert table["grid cells"].sum() == 25
    assert {"champions", "loyal", "potential_loyalist", "new_customers", "promising", "need_attention",
            "about_to_sleep", "at_risk", "cant_lose", "hibernating", "lost"} == set(table["segment"])
    assert table["chinese"].notna().all()


@pytest.mark.parametrize(
    "r, fm, segment",
    [(5, 5, "champions"), (5, 1, "new_customers"), (4, 1, "promising"), (4, 5, "loyal"), (3, 3, "need_attention"),
     (3, 1, "about_to_sleep"), (2, 3, "at_risk"), (1, 5, "cant_lose"), (2, 2, "hibernating"), (1, 2, "hibernating"),
     (1, 1, "lost"), (5, 3, "potential_loyalist")],
)
def test_rfm_segment_mapping(r: int, fm: int, segment: str) -> None:
    scores = pd.DataFrame({"r_score": [r], "fm_score": [fm]}, index=["x"])
    seg = segments.rfm_segment(scores)
    assert seg.name == "rfm_segment"
    assert seg.iloc[0] == segment


def test_rfm_segment_needs_five_point_scores() -> None:
    with pytest.raises(ValueError, match="5-point"):
        segments.rfm_segment(pd.DataFrame({"r_score": [7], "fm_score": [1]}))
    with pytest.raises(ValueError, match="fm_score"):
        segments.rfm_segment(pd.DataFrame({"r_score": [1]}))


# --------------------------------------------------------------------------------------------
# clustering
# --------------------------------------------------------------------------------------------


def blobs(n_per: int = 40, seed: int = 0) -> pd.DataFrame:
    """Three well separated groups of customers in feature space."""
    rng = np.random.default_rng(seed)
    rows = []
    for g, (rec, freq, money) in enumerate([(5, 30, 20000), (150, 1, 50), (40, 5, 800)]):
        for i in range(n_per):
            rows.append(
                {
                    "customer_id": f"g{g}_{i:03d}",
                    "recency_days": rec * rng.uniform(0.9, 1.1),
                    "frequency": max(1, int(freq * rng.uniform(0.9, 1.1))),
                    "monetary": money * rng.uniform(0.9, 1.1),
                    "avg_order_value": money / freq * rng.uniform(0.9, 1.1),
                    "avg_basket_items": 100 * (g + 1) * rng.uniform(0.9, 1.1),
                    "tenure_days": 300 - 50 * g + rng.uniform(-5, 5),
                    "distinct_items": 10 * (3 - g) + rng.integers(0, 3),
                    "gift_season_share": 0.1 * g + rng.uniform(0, 0.05),
                }
            )
    return pd.DataFrame(rows).set_index("customer_id")


def test_cluster_matrix_is_logged_and_standardized() -> None:
    f = blobs()
    X = segments.cluster_matrix(f)
    assert list(X.columns) == segments.PERSONA_FEATURES
    assert X.index.equals(f.index)
    np.testing.assert_allclose(X.mean(), 0, atol=1e-9)
    np.testing.assert_allclose(X.std(ddof=0), 1, atol=1e-9)
    # log1p applied: standardized log of monetary, not of raw monetary
    logm = np.log1p(f["monetary"])
    np.testing.assert_allclose(X["monetary"], (logm - logm.mean()) / logm.std(ddof=0))
    with pytest.raises(ValueError, match=r"^cluster_matrix: features lacks the column\(s\) \['distinct_items'\]"):
        segments.cluster_matrix(f.drop(columns="distinct_items"))


def test_cluster_matrix_clips_negative_values_before_the_log() -> None:
    """A net spend below zero (returns) counts as 0: log1p of the clipped value, bit for bit, not a signed log."""
    f = blobs()
    f.loc[f.index[:3], "monetary"] = [-250.0, -0.0, 0.0]
    X = segments.cluster_matrix(f)
    logm = np.log1p(f["monetary"].clip(lower=0))
    expected = (logm - logm.mean()) / logm.std(ddof=0)
    assert np.array_equal(X["monetary"].to_numpy(), expected.to_numpy())
    assert X["monetary"].iloc[0] == X["monetary"].iloc[1] == X["monetary"].iloc[2]
    # the columns that are not logged stay linear
    np.testing.assert_allclose(X["tenure_days"], (f["tenure_days"] - f["tenure_days"].mean()) / f["tenure_days"].std(ddof=0))


def test_choose_k_and_best_k_find_three_blobs() -> None:
    X = segments.cluster_matrix(blobs())
    table = segments.choose_k(X, ks=range(2, 7), random_state=0)
    assert list(table.columns) == ["k", "inertia", "silhouette"]
    assert table["k"].tolist() == [2, 3, 4, 5, 6]
    assert table["inertia"].is_monotonic_decreasing
    assert table["silhouette"].between(-1, 1).all()
    assert segments.best_k(table) == 3
    again = segments.choose_k(X, ks=range(2, 7), random_state=0)
    pd.testing.assert_frame_equal(table, again)  # seeded


def test_choose_k_side_by_side_equals_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # choose_k fits the candidates on the machine's cores at once; each fit must stay single-threaded
    # and seeded, so the table is the one a plain loop gives, to the last bit.
    rng = np.random.default_rng(3)
    X = segments.cluster_matrix(blobs(n_per=400)) + rng.normal(0, 0.3, size=(1200, len(segments.PERSONA_FEATURES)))
    together = segments.choose_k(X, ks=range(2, 8), random_state=0, sample_size=500)
    monkeypatch.setattr(segments.os, "cpu_count", lambda: 1)
    alone = segments.choose_k(X, ks=range(2, 8), random_state=0, sample_size=500)
    pd.testing.assert_frame_equal(together, alone, check_exact=True)


def test_choose_k_samples_the_silhouette() -> None:
    X = segments.cluster_matrix(blobs(n_per=60))
    full = segments.choose_k(X, ks=[3], sample_size=3000)
    sampled = segments.choose_k(X, ks=[3], sample_size=50, random_state=1)
    assert full["inertia"].iloc[0] == pytest.approx(sampled["inertia"].iloc[0], rel=1e-6)
    assert sampled["silhouette"].iloc[0] == pytest.approx(full["silhouette"].iloc[0], abs=0.15)


def test_choose_k_bad_inputs() -> None:
    X = segments.cluster_matrix(blobs(n_per=2))  # 6 rows
    with pytest.raises(ValueError, match="< the number of rows"):
        segments.choose_k(X, ks=range(2, 11))
    with pytest.raises(ValueError, match="empty"):
        segments.choose_k(X, ks=[])
    with pytest.raises(ValueError, match="missing"):
        segments.choose_k(np.array([[1.0, np.nan], [2.0, 3.0], [1.0, 1.0]]), ks=[2])
    with pytest.raises(ValueError, match="2-D"):
        segments.choose_k(np.zeros((0, 3)), ks=[2])


def test_best_k_ties_and_rounding() -> None:
    t = pd.DataFrame({"k": [2, 3, 4, 5], "silhouette": [0.301, 0.304, 0.25, np.nan]})
    assert segments.best_k(t) == 3  # 0.30 == 0.30 after rounding: the larger k
    assert segments.best_k(t, decimals=3) == 3
    assert segments.best_k(t.assign(silhouette=[0.5, 0.3, 0.2, 0.1])) == 2
    with pytest.raises(ValueError):
        segments.best_k(pd.DataFrame({"k": [2]}))


def test_personas_relabel_by_size_and_are_order_free() -> None:
    f = blobs()
    f = pd.concat([f, blobs(n_per=20, seed=1).iloc[:20].rename(index=lambda s: s + "_x")])  # group 0 bigger
    p = segments.fit_personas(f, 3, random_state=0)
    assert p.labels_.index.equals(f.index) and p.labels_.dtype == "int64"
    sizes = p.labels_.value_counts().sort_index()
    assert sizes.is_monotonic_decreasing and sizes.iloc[0] == 60
    # each blob is one persona
    blob = f.index.str[:2]
    assert pd.crosstab(blob, p.labels_).gt(0).sum(axis=1).eq(1).all()
    shuffled = segments.fit_personas(f.sample(frac=1, random_state=3), 3, random_state=0)
    pd.testing.assert_series_equal(p.labels_, shuffled.labels_.loc[f.index])
    assert p.cluster_centers_.shape == (3, len(segments.PERSONA_FEATURES))
    pd.testing.assert_series_equal(p.predict(f), p.labels_)
    assert p.transform(f).shape == (len(f), len(segments.PERSONA_FEATURES))
    assert repr(p) == "Personas(k=3)"
    pd.testing.assert_series_equal(segments.Personas(k=3).fit_predict(f), p.labels_)


def test_personas_follow_the_scikit_learn_contract() -> None:
    """Parameters stored as given (nothing checked in __init__), get/set_params, clone, fitted state with _."""
    columns = ["recency_days", "frequency", "monetary"]
    p = segments.Personas(k=0, columns=columns, random_state=7)  # a bad k is accepted until fit
    assert p.columns is columns and p.k == 0
    assert p.get_params() == {"k": 0, "columns": columns, "log_columns": tuple(segments.LOG_FEATURES),
                              "random_state": 7, "n_init": 10}
    p.set_params(k=2)
    twin = clone(p)
    assert twin is not p and twin.get_params() == p.get_params() and twin.columns == columns
    f = blobs()
    fitted = p.fit(f)
    assert fitted is p and list(p.cluster_centers_.columns) == columns
    assert not hasattr(twin, "labels_")  # clone copies parameters, not the fit
    pd.testing.assert_series_equal(clone(p).fit(f).labels_, p.labels_)  # same parameters, same personas


def test_personas_bad_inputs() -> None:
    f = blobs(n_per=1)
    with pytest.raises(ValueError, match="at least 4 customers"):
        segments.fit_personas(f, 4)
    with pytest.raises(ValueError, match="k must be"):
        segments.fit_personas(f, 0)
    with pytest.raises(NotFittedError, match="not fitted"):
        segments.Personas(k=2).predict(f)
    with pytest.raises(NotFittedError, match="not fitted"):
        segments.Personas(k=2).transform(f)
    with pytest.raises(ValueError, match="k must be"):
        segments.Personas(k="3").fit(f)
    with pytest.raises(ValueError, match=r"^Personas.fit: features lacks the column\(s\) \['monetary'\]"):
        segments.Personas(k=2, columns=["frequency"]).fit(f.drop(columns="monetary"))
    with pytest.raises(ValueError, match="duplicates"):
        segments.fit_personas(pd.concat([f, f]), 2)


def test_persona_z_medians_and_description(tx: pd.DataFrame, feats: pd.DataFrame) -> None:
    p = segments.fit_personas(feats, 3, random_state=0)
    z = segments.persona_z_medians(feats, p.labels_)
    assert z.shape == (3, len(segments.PERSONA_FEATURES)) and list(z.index) == [0, 1, 2]
    t = tags.tag_customers(feats)
    d = segments.describe_personas(feats, p.labels_, tags=t, transactions=tx)
    assert list(d.index) == [0, 1, 2]
    assert d["customers"].sum() == len(feats)
    assert d["customer_share"].sum() == pytest.approx(1)
    assert d["revenue_share"].sum() == pytest.approx(1)
    assert d["name"].is_unique and d["name"].str.len().gt(0).all()
    assert {"median_monetary", "median_recency_days", "dominant_tags", "top_items"} <= set(d.columns)
    assert d["median_monetary"].tolist() == [feats.loc[p.labels_ == i, "monetary"].median() for i in range(3)]
    assert d["top_items"].str.count(";").le(2).all() and d["top_items"].str.len().gt(0).all()
    # the name comes from the most distinctive feature of the persona
    for persona, row in z.iterrows():
        feat = row.abs().idxmax()
        word = segments._NAME_WORDS[feat][0 if row[feat] >= 0 else 1]
        assert d.loc[persona, "name"].startswith(word)
    # labels as a plain array in row order work the same
    d2 = segments.describe_personas(feats, p.labels_.to_numpy())
    pd.testing.assert_series_equal(d["name"], d2["name"])


def test_describe_personas_bad_labels(feats: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="rows"):
        segments.describe_personas(feats, [0, 1])
    with pytest.raises(ValueError, match="same customers"):
        segments.describe_personas(feats, pd.Series(0, index=[f"x{i}" for i in range(len(feats))]))
    labels = np.zeros(len(feats), dtype=int)
    with pytest.raises(ValueError, match=r"^describe_personas: tags lacks the column\(s\) \['value_tier'\]"):
        segments.describe_personas(feats, labels, tags=pd.DataFrame({"lifecycle": ["new"] * len(feats)}, index=feats.index))
    with pytest.raises(ValueError, match=r"^describe_personas: transactions lacks the column\(s\) \['item_id'\]"):
        segments.describe_personas(feats, labels, transactions=pd.DataFrame(
            {"customer_id": ["1"], "quantity": [1], "unit_price": [1.0], "timestamp": [pd.Timestamp("2010-01-01")]}))


def test_names_are_unique_even_when_features_agree() -> None:
    z = pd.DataFrame({"monetary": [1.0, 1.0, -1.0], "frequency": [0.5, 0.5, 0.0]}, index=[0, 1, 2])
    names = segments._names(z)
    assert len(set(names.values())) == 3
