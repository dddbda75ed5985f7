"""Unit tests for profiling.recommend: every recommender on a tiny hand-made matrix, metrics by hand, the package layout."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from profiling import interests, recommend, stats
from profiling.recommend.base import _settle_ties, _top_k, _top_k_reference
from profiling.recommend.neighbors import _indicator

DAY0 = pd.Timestamp("2010-01-01")
CUTOFF = DAY0 + pd.Timedelta(days=10)


def frame(rows: list[tuple[str, str, str, int]], quantity: int = 1, price: float = 1.0) -> pd.DataFrame:
    """Interactions from (customer, item, invoice, day) tuples."""
    out = pd.DataFrame(rows, columns=["customer_id", "item", "invoice_id", "day"])
    out["timestamp"] = DAY0 + pd.to_timedelta(out.pop("day"), unit="D")
    out["quantity"] = quantity
    out["unit_price"] = price
    out["description"] = out["item"]
    out = out.astype({"customer_id": "str", "item": "str", "invoice_id": "str", "description": "str"})
    out["timestamp"] = out["timestamp"].astype("datetime64[us]")
    return out


#: The hand-made matrix.   x  y  z  w   (buyers: x 3, y 2, z 2, w 1 -> catalogue order x, y, z, w)
#:                      a  2  1  .  .   (x in two orders)
#:                      b  1  .  1  .
#:                      c  .  1  1  1
#:                      d  1  .  .  .
ROWS = [
    ("a", "x", "1", 1), ("a", "y", "1", 1), ("a", "x", "2", 5),
    ("b", "x", "3", 2), ("b", "z", "3", 2),
    ("c", "y", "4", 3), ("c", "z", "5", 6), ("c", "w", "5", 6),
    ("d", "x", "6", 7),
]


@pytest.fixture
def train() -> pd.DataFrame:
    out = frame(ROWS)
    out.attrs = {"cutoff": CUTOFF}
    return out


def items_of(recs: pd.DataFrame, customer: str) -> list[str]:
    part = recs[recs["customer_id"] == customer].sort_values("rank")
    return part["item"].tolist()


def scores_of(recs: pd.DataFrame, customer: str) -> list[float]:
    return recs[recs["customer_id"] == customer].sort_values("rank")["score"].round(6).tolist()


# ------------------------------------------------------------------------------------------------
# Data and split
# ------------------------------------------------------------------------------------------------


def test_purchases_keeps_real_purchases_and_adds_item() -> None:
    tx = frame([("a", "x", "1", 1), ("b", "y", "2", 2), ("c", "z", "3", 3)])
    tx["customer_id"] = pd.array(["a", None, "c"], dtype="str")
    tx.loc[2, "quantity"] = -1
    out = recommend.purchases(tx, item_col="description")
    assert out["customer_id"].tolist() == ["a"]
    assert out["item"].tolist() == ["x"]


def test_purchases_refuses_missing_columns() -> None:
    with pytest.raises(ValueError, match="unit_price"):
        recommend.purchases(pd.DataFrame({"customer_id": ["a"], "invoice_id": ["1"], "quantity": [1],
                                          "timestamp": [DAY0], "description": ["x"]}))
    with pytest.raises(TypeError, match="purchases: the transactions frame must be a pandas DataFrame"):
        recommend.purchases([1, 2])


def test_time_split_by_hand() -> None:
    data = frame(ROWS + [("a", "z", "7", 11), ("a", "x", "7", 11), ("b", "x", "8", 12), ("e", "x", "9", 12), ("c", "w", "10", 45)])
    split = recommend.time_split(data, CUTOFF, horizon_days=30)
    assert split.train["timestamp"].max() < CUTOFF
    assert split.train.attrs["cutoff"] == CUTOFF
    assert list(split.customers) == ["a", "b"]            # e has no history, c buys after the horizon
    truth = split.truth.set_index(["customer_id", "item"])["new"].to_dict()
    assert truth == {("a", "x"): False, ("a", "z"): True, ("b", "x"): False}


@pytest.mark.parametrize("cutoff, horizon, message", [
    ("not a date", 30, "not a date"), ("2009-01-01", 30, "inside the data"), (CUTOFF, 0, "whole number of days"),
    (CUTOFF, True, "whole number of days"), (CUTOFF, 2.5, "whole number of days"),
])
def test_time_split_refuses_bad_arguments(cutoff, horizon, message) -> None:
    with pytest.raises(ValueError, match=message):
        recommend.time_split(frame(ROWS + [("a", "z", "7", 11)]), cutoff, horizon_days=horizon)


def test_fit_refuses_bad_interactions(train) -> None:
    with pytest.raises(ValueError, match=r"Popularity.fit: the interactions frame lacks the column\(s\) \['item'\].*recommend.purchases"):
        recommend.Popularity().fit(train.drop(columns="item"))
    with pytest.raises(ValueError, match="Popularity.fit: the interactions frame is empty"):
        recommend.Popularity().fit(train.iloc[:0])
    with pytest.raises(TypeError, match="must be a pandas DataFrame, got str"):
        recommend.Popularity().fit("interactions.csv")
    gaps = train.copy()
    gaps.loc[0, "item"] = None
    with pytest.raises(ValueError, match=r"UserKNN.fit: column\(s\) \['item'\] of the interactions frame have missing values"):
        recommend.UserKNN().fit(gaps)
    with pytest.raises(ValueError, match="'timestamp' of the interactions frame must be datetime64.*to_datetime"):
        recommend.Popularity().fit(train.assign(timestamp=train["timestamp"].astype(str)))
    with pytest.raises(ValueError, match="time_split: the interactions frame lacks"):
        recommend.time_split(train.drop(columns="timestamp"), CUTOFF)
    late = train.copy()
    late.attrs = {"cutoff": DAY0 + pd.Timedelta(days=3)}    # rows after the declared cutoff: leakage
    with pytest.raises(ValueError, match="leak"):
        recommend.RepeatPurchase().fit(late)


# ------------------------------------------------------------------------------------------------
# Each recommender on the hand-made matrix
# ------------------------------------------------------------------------------------------------


def test_catalogue_order_is_popularity_then_name(train) -> None:
    rec = recommend.Popularity().fit(train)
    assert list(rec.items_) == ["x", "y", "z", "w"]
    assert rec.buyers_.tolist() == [3, 2, 2, 1]
    assert list(rec.customers_) == ["a", "b", "c", "d"]
    assert rec.baskets_.toarray().tolist() == [[2, 1, 0, 0], [1, 0, 1, 0], [0, 1, 1, 1], [1, 0, 0, 0]]


def test_popularity(train) -> None:
    recs = recommend.Popularity().fit(train).recommend(["a", "unknown"], k=4)
    assert list(recs.columns) == list(recommend.RECOMMENDATION_COLUMNS)
    assert items_of(recs, "a") == items_of(recs, "unknown") == ["x", "y", "z", "w"]
    assert scores_of(recs, "a") == [3, 2, 2, 1]
    assert recs["rank"].tolist() == [1, 2, 3, 4, 1, 2, 3, 4]


def test_recent_popularity(train) -> None:
    # last 5 days before the cutoff (day >= 5): a-x, c-z, c-w, d-x
    recs = recommend.Popularity(window_days=5).fit(train).recommend(["a"], k=4)
    assert items_of(recs, "a") == ["x", "z", "w", "y"]
    assert scores_of(recs, "a") == [2, 1, 1, 0]


def test_segment_popularity(train) -> None:
    seg = pd.Series({"a": "S1", "c": "S1", "b": "S2", "d": "S2", "e": "S2"})
    rec = recommend.SegmentPopularity(segments=seg).fit(train)
    recs = rec.recommend(["a", "b", "e", "f"], k=4)
    assert items_of(recs, "a") == ["y", "x", "z", "w"]    # S1 (a, c): y 2, x 1, z 1, w 1
    assert items_of(recs, "b") == ["x", "z", "y", "w"]    # S2 (b, d): x 2, z 1
    assert items_of(recs, "e") == items_of(recs, "b")     # unknown at fit, but has a segment
    assert items_of(recs, "f") == ["x", "y", "z", "w"]    # no segment: global popularity
    assert rec.reason("b", "x") == "popular in your segment S2: 2 buyers"


def test_segment_popularity_callable_sees_training_rows_only(train) -> None:
    seen = {}

    def segmenter(interactions):
        seen["max"] = interactions["timestamp"].max()
        return pd.Series("all", index=interactions["customer_id"].unique())

    recommend.SegmentPopularity(segments=segmenter).fit(train)
    assert seen["max"] < CUTOFF
    with pytest.raises(TypeError, match="Series"):
        recommend.SegmentPopularity(segments=["S1"]).fit(train)


def test_repeat_purchase(train) -> None:
    rec = recommend.RepeatPurchase().fit(train)
    recs = rec.recommend(["a", "d"], k=4)
    assert items_of(recs, "a") == ["x", "y", "z", "w"]
    assert scores_of(recs, "a") == [2, 1, 0, 0]
    assert items_of(recs, "d") == ["x", "y", "z", "w"]    # own x, then popularity order
    assert items_of(rec.recommend(["a"], k=4, exclude="seen"), "a") == ["z", "w"]
    assert rec.reason("a", "x") == "you bought it: 2 orders, last 5 days ago"


def test_repeat_purchase_half_life_and_boost(train) -> None:
    # a: x on day 1 and day 5, y on day 1; half-life 4 days -> x = 0.5**(9/4) + 0.5**(5/4), y = 0.5**(9/4)
    recs = recommend.RepeatPurchase(half_life_days=4).fit(train).recommend(["a"], k=2)
    assert scores_of(recs, "a") == pytest.approx([0.5 ** (9 / 4) + 0.5 ** (5 / 4), 0.5 ** (9 / 4)], abs=1e-6)
    # boost: c bought y, z, w once each; buyers in the last 5 days: z 1, w 1, y 0 -> z, w (x 2) lead over y
    boosted = recommend.RepeatPurchase(boost_window_days=5, boost_power=1.0).fit(train).recommend(["c"], k=3)
    assert items_of(boosted, "c") == ["z", "w", "y"]
    assert scores_of(boosted, "c") == [2, 2, 1]
    with pytest.raises(ValueError, match="half_life_days"):
        recommend.RepeatPurchase(half_life_days=0).fit(train)


def test_user_knn(train) -> None:
    # cos(a, d) = 1/sqrt(2), cos(a, b) = 1/2, cos(a, c) = 1/sqrt(6): the two neighbours of a are d and b
    rec = recommend.UserKNN(n_neighbors=2).fit(train)
    recs = rec.recommend(["a"], k=4)
    assert items_of(recs, "a") == ["x", "z", "y", "w"]
    assert scores_of(recs, "a") == pytest.approx([1 / math.sqrt(2) + 0.5, 0.5, 0, 0], abs=1e-6)
    assert rec.reason("a", "x") == "customers like you: 2 of your 2 nearest bought it"
    with pytest.raises(ValueError, match="n_neighbors"):
        recommend.UserKNN(n_neighbors=0).fit(train)


def test_item_knn(train) -> None:
    # item vectors over (a, b, c, d): x 1101, y 1010, z 0110, w 0010
    # a bought x and y: z = cos(x,z) + cos(y,z) = 1/sqrt(6) + 1/2, w = cos(y,w) = 1/sqrt(2), x = y = 1/sqrt(6)
    rec = recommend.ItemKNN(n_neighbors=3).fit(train)
    recs = rec.recommend(["a"], k=4)
    assert items_of(recs, "a") == ["z", "w", "x", "y"]
    s6 = 1 / math.sqrt(6)
    assert scores_of(recs, "a") == pytest.approx([s6 + 0.5, 1 / math.sqrt(2), s6, s6], abs=1e-6)
    assert rec.reason("a", "z") == "bought by the buyers of y"          # cos(y, z) = 1/2 > cos(x, z)
    # one neighbour per item: x keeps y and z (tied at 1/sqrt(6)); y keeps w only
    pruned = recommend.ItemKNN(n_neighbors=1).fit(train)
    assert (pruned.similarity_.getnnz(axis=1) >= 1).all()
    assert pruned.similarity_[1].indices.tolist() == [3]


def test_content_based(train) -> None:
    vectors = pd.DataFrame([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]], index=["x", "y", "z", "w"])
    rec = recommend.ContentBased(item_vectors=vectors).fit(train)
    recs = rec.recommend(["d"], k=4)
    assert items_of(recs, "d") == ["x", "z", "w", "y"]    # d bought x: cos 1, 0.707, 0.707 (tie: z more popular), 0
    assert scores_of(recs, "d") == pytest.approx([1, 1 / math.sqrt(2), 1 / math.sqrt(2), 0], abs=1e-6)
    # equals chapter 5's interest vectors
    users = interests.user_interest_vectors(train, rec.items_, rec.catalogue_vectors_, DAY0 + pd.Timedelta(days=8), item_col="item")
    assert np.allclose(rec.user_vectors_, users.loc[list(rec.customers_)].to_numpy())
    assert rec.reason("d", "z") == "similar description to x"
    with pytest.raises(TypeError, match="item_vectors"):
        recommend.ContentBased().fit(train)
    # vectors that depend on the training period: a callable gets the training lines at fit
    seen = []
    as_of = recommend.ContentBased(item_vectors=lambda lines: seen.append(lines) or vectors).fit(train)
    assert len(seen) == 1 and seen[0]["timestamp"].max() == train["timestamp"].max() and len(seen[0]) == len(train)
    assert as_of.recommend(["d"], k=4).equals(recs)
    with pytest.raises(TypeError, match="item_vectors"):
        recommend.ContentBased(item_vectors=lambda lines: None).fit(train)


def test_als_finds_the_block() -> None:
    # two groups with disjoint items; g1 customers buy p, q, r; "new" bought p and q only
    rows = []
    for i in range(6):
        rows += [(f"g1_{i}", it, f"a{i}", 1) for it in "pqr"]
        rows += [(f"g2_{i}", it, f"b{i}", 2) for it in "stu"]
    rows += [("new", "p", "n1", 3), ("new", "q", "n1", 3)]
    data = frame(rows)
    rec = recommend.ALS(factors=4, regularization=0.01, iterations=20, random_state=0).fit(data)
    recs = rec.recommend(["new"], k=1, exclude="seen")
    assert items_of(recs, "new") == ["r"]
    again = recommend.ALS(factors=4, regularization=0.01, iterations=20, random_state=0).fit(data)
    assert np.array_equal(rec.user_factors_, again.user_factors_)
    with pytest.raises(ValueError, match="weighting"):
        recommend.ALS(weighting="tfidf").fit(data)


def test_hybrid_by_hand(train) -> None:
    # b: repeat x 1, z 1 -> min-max x 1, z 1; popularity 3, 2, 2, 1 -> x 1, y .5, z .5, w 0
    comps = {"repeat": recommend.RepeatPurchase(), "popularity": recommend.Popularity()}
    hybrid = recommend.Hybrid(comps, {"repeat": 1.0, "popularity": 1.0}).fit(train)
    recs = hybrid.recommend(["b"], k=4)
    assert items_of(recs, "b") == ["x", "z", "y", "w"]
    assert scores_of(recs, "b") == [2.0, 1.5, 0.5, 0.0]
    assert hybrid.reason("b", "z").startswith("you bought it")
    why = hybrid.explain("b", ["x", "y", "w"])
    assert why["source"].tolist() == ["repeat", "popularity", "popularity"]   # x: tie 1 vs 1 -> first component
    assert why["reason"].iloc[1] == "popular: 2 buyers"
    only_repeat = recommend.Hybrid(comps, {"repeat": 1.0}, prefit=True).fit(train)
    assert items_of(only_repeat.recommend(["a"], k=4), "a") == ["x", "y", "z", "w"]
    with pytest.raises(ValueError, match="unknown components"):
        recommend.Hybrid(comps, {"als": 1.0}).fit(train)
    with pytest.raises(ValueError, match="non-negative"):
        recommend.Hybrid(comps, {"repeat": -1.0}).fit(train)
    with pytest.raises(ValueError, match="not fitted"):
        recommend.Hybrid({"r": recommend.RepeatPurchase()}, {"r": 1.0}, prefit=True).fit(train)


def test_recommend_arguments(train) -> None:
    rec = recommend.RepeatPurchase().fit(train)
    assert len(rec.recommend(["a"], k=10)) == 4                      # capped by the catalogue
    pairs = pd.DataFrame({"customer_id": ["a"], "item": ["y"]})
    assert items_of(rec.recommend(["a"], k=4, exclude=pairs), "a") == ["x", "z", "w"]
    assert items_of(rec.recommend(["d"], k=4, exclude="seen"), "d") == ["y", "z", "w"]
    for bad in [0, -1, 1.5, True]:
        with pytest.raises(ValueError, match="k must"):
            rec.recommend(["a"], k=bad)
    with pytest.raises(ValueError, match="exclude"):
        rec.recommend(["a"], exclude="bought")
    with pytest.raises(ValueError, match="duplicates"):
        rec.recommend(["a", "a"])
    with pytest.raises(TypeError, match="single string"):
        rec.recommend("a")
    with pytest.raises(NotFittedError, match=r"RepeatPurchase.recommend: this recommender is not fitted yet; call fit"):
        recommend.RepeatPurchase().recommend(["a"])
    for unfitted in all_recommenders(VECTORS).values():
        with pytest.raises(NotFittedError, match="is not fitted yet; call fit"):
            unfitted.reason("a", "x")
    empty = rec.recommend([], k=3)
    assert list(empty.columns) == list(recommend.RECOMMENDATION_COLUMNS) and empty.empty


def test_ties_are_broken_by_popularity_like_a_stable_sort() -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        s = rng.integers(0, 4, size=(6, 25)).astype(float)
        s[rng.random(s.shape) < 0.2] = -np.inf
        k = int(rng.integers(1, 26))
        assert np.array_equal(_top_k(s, k), np.argsort(-s, axis=1, kind="stable")[:, :k])


def test_settled_scores_turn_rounding_noise_into_ties() -> None:
    s = np.array([[0.1 + 0.2, 0.3, 0.3 + 1e-6, -np.inf], [0.0, 0.0, 0.0, 0.0]])
    settled = _settle_ties(s)
    assert settled[0, 0] == settled[0, 1] and settled[0, 2] > settled[0, 1]     # noise goes, a real difference stays
    assert settled[0, 3] == -np.inf and (settled[1] == 0).all()
    assert _top_k(settled, 2).tolist() == [[2, 0], [0, 1]]


def test_top_k_fast_path_equals_the_stable_sort_on_ties_infinities_and_nan() -> None:
    # the tie order is defined by the stable sort: higher score first, equal scores by lower column
    rng = np.random.default_rng(1)
    for trial in range(1500):
        n, m = int(rng.integers(1, 9)), int(rng.integers(1, 40))
        kind = trial % 4
        if kind == 0:                                   # few distinct values: many crowded rows
            s = rng.integers(0, 3, size=(n, m)).astype(float)
        elif kind == 1:                                 # mostly zeros, as repeat purchase's scores
            s = np.where(rng.random((n, m)) < 0.15, rng.random((n, m)), 0.0)
        elif kind == 2:
            s = rng.integers(-2, 3, size=(n, m)).astype(float)
            s[rng.random(s.shape) < 0.3] = -np.inf
        else:
            s = rng.normal(size=(n, m))
            s[rng.random(s.shape) < 0.2] = np.nan
        for k in range(1, m + 1):
            expected = np.argsort(-s, axis=1, kind="stable")[:, :k]
            assert np.array_equal(_top_k(s, k), expected), (s, k)
            assert np.array_equal(_top_k_reference(s, k), expected)
    assert _top_k(np.array([[0.0, 1.0, 0.0, 0.0, 1.0]]), 3).tolist() == [[1, 4, 0]]


def test_top_k_block_bound_path_equals_the_stable_sort_on_long_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    # rows long enough (at least 8 k columns) for the block-maximum bound, with the cases it
    # hands on: NaN, crowded ties at the bound, infinities, signed zeros, few distinct values
    rng = np.random.default_rng(4)
    for trial in range(1200):
        n, m = int(rng.integers(1, 20)), int(rng.integers(40, 400))
        k = int(rng.integers(1, m // 8 + 1))
        kind = trial % 6
        if kind == 0:
            s = rng.integers(0, 3, size=(n, m)).astype(float)
        elif kind == 1:                                 # short histories: a few scores, zeros
            s = np.where(rng.random((n, m)) < 0.02, rng.integers(1, 4, size=(n, m)), 0.0)
            s[rng.random(s.shape) < 0.1] = -np.inf
        elif kind == 2:
            s = rng.integers(-2, 30, size=(n, m)).astype(float)
            s[rng.random(s.shape) < 0.3] = -np.inf
        elif kind == 3:
            s = rng.normal(size=(n, m))
            s[rng.random(s.shape) < 0.2] = np.nan
        elif kind == 4:
            s = rng.normal(size=(n, m))
            s[(rng.random(s.shape) < 0.5)] *= -0.0
            s[rng.random(s.shape) < 0.01] = np.inf
        else:
            s = np.round(rng.random((n, m)), 2)
        assert np.array_equal(_top_k(s, k), np.argsort(-s, axis=1, kind="stable")[:, :k]), (kind, n, m, k)
    # the bound, not the partition, ranks ordinary and crowded rows (the point of the block path)
    from profiling import numeric

    handed_on = []
    monkeypatch.setattr(numeric, "_top_k_partition", lambda x, k: handed_on.append(len(x)) or np.zeros((len(x), k), int))
    s = np.where(rng.random((300, 4000)) < 0.5, rng.random((300, 4000)), 0.0)
    s[:100, 3:] = 0.0                                   # crowded: three scores, then zeros
    assert np.array_equal(_top_k(s, 10), np.argsort(-s, axis=1, kind="stable")[:, :10]) and not handed_on


def test_settle_ties_in_place_gives_the_same_values() -> None:
    rng = np.random.default_rng(2)
    s = rng.normal(size=(20, 30)) * 10.0 ** rng.integers(-8, 8, size=(20, 1))
    s[rng.random(s.shape) < 0.1] = -np.inf
    s[3] = 0.0
    s[4, :3] = np.nan
    copy = s.copy()
    settled = _settle_ties(s)
    assert np.array_equal(s, copy, equal_nan=True)                      # the default leaves the input alone
    scale = np.where(np.isfinite(s), np.abs(s), 0.0).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    unit = 10.0 ** (np.floor(np.log10(scale)) - 8)
    by_definition = np.where(np.isfinite(s), np.round(s / unit) * unit, s)
    assert np.array_equal(settled, by_definition, equal_nan=True)
    out = _settle_ties(copy, inplace=True)
    assert out is copy and np.array_equal(copy, settled, equal_nan=True)


def _ranking_metrics_by_definition(recs: pd.DataFrame, truth: pd.DataFrame, k: int) -> pd.DataFrame:
    """The docstring of ranking_metrics, one customer at a time (ranks in order, equal ranks in row order)."""
    rows = []
    for customer in sorted(truth["customer_id"].astype(str).unique()):
        relevant = set(truth.loc[truth["customer_id"].astype(str) == customer, "item"].astype(str))
        mine = recs[(recs["customer_id"].astype(str) == customer) & (recs["rank"] <= k)]
        mine = mine.sort_values("rank", kind="stable")
        hits, dcg, ap = 0, 0.0, 0.0
        for rank, item in zip(mine["rank"], mine["item"].astype(str)):
            if item in relevant:
                hits += 1
                dcg += 1 / math.log2(rank + 1)
                ap += hits / rank
        n = len(relevant)
        idcg = sum(1 / math.log2(r + 1) for r in range(1, min(n, k) + 1))
        rows.append({"customer_id": customer, "n_relevant": n, "hits": hits, "precision": hits / k,
                     "recall": hits / n, "ndcg": dcg / idcg, "map": ap / min(n, k), "hit": float(hits > 0)})
    return pd.DataFrame(rows)


def test_ranking_metrics_equals_the_definition_on_random_lists() -> None:
    rng = np.random.default_rng(3)
    items = [f"i{j}" for j in range(12)]
    for _ in range(40):
        n_cust = int(rng.integers(1, 8))
        customers = [f"c{j}" for j in rng.permutation(10)[:n_cust]]
        truth = pd.DataFrame([(c, items[j]) for c in customers for j in rng.choice(12, int(rng.integers(1, 6)))],
                             columns=["customer_id", "item"])           # duplicate pairs count once
        recs = pd.DataFrame([(c, r, items[j]) for c in customers + ["stranger"]
                             for r, j in enumerate(rng.permutation(12)[:int(rng.integers(0, 9))], start=1)],
                            columns=["customer_id", "rank", "item"])
        recs = recs.sample(frac=1.0, random_state=int(rng.integers(1000)))      # any row order
        k = int(rng.integers(1, 8))
        got = recommend.ranking_metrics(recs, truth, k=k)
        expected = _ranking_metrics_by_definition(recs, truth, k)
        assert got["customer_id"].tolist() == expected["customer_id"].tolist()
        assert (got[["n_relevant", "hits"]].to_numpy() == expected[["n_relevant", "hits"]].to_numpy()).all()
        np.testing.assert_allclose(got[list(recommend.METRICS)].to_numpy(), expected[list(recommend.METRICS)].to_numpy(),
                                   rtol=1e-12, atol=0)


def test_evaluate_scores_each_customer_once_and_gets_what_recommend_gives(split, monkeypatch) -> None:
    from profiling.recommend.evaluation import _lists, _truth_of

    rec = recommend.UserKNN(n_neighbors=2).fit(split.train)
    views = ("all", "new", "repeat", "explore")
    lists = _lists(rec, {v: _truth_of(split, v) for v in views}, k=3)
    every = pd.Index(np.sort(split.truth["customer_id"].unique()))
    new = pd.Index(np.sort(split.truth.loc[split.truth["new"], "customer_id"].unique()))
    pd.testing.assert_frame_equal(lists[None], rec.recommend(every, k=3))
    pd.testing.assert_frame_equal(lists["seen"], rec.recommend(new, k=3, exclude="seen"))
    calls = []
    scored = rec._score_block
    monkeypatch.setattr(rec, "_score_block", lambda ids, rows: calls.append(list(ids)) or scored(ids, rows))
    recommend.evaluate(rec, split, k=3, views=views, fit=False)
    assert sorted(c for block in calls for c in block) == every.tolist()


def test_indicator_is_the_bought_pattern(train) -> None:
    rec = recommend.Popularity().fit(train)
    pattern = _indicator(rec.baskets_)
    assert pattern.toarray().tolist() == (rec.baskets_.toarray() > 0).astype(float).tolist()
    assert rec.baskets_.max() == 2                                        # the original keeps its counts


def test_recommenders_follow_the_scikit_learn_contract(train) -> None:
    for name, rec in all_recommenders(VECTORS).items():
        params = rec.get_params(deep=False)
        copy = clone(rec)
        assert copy.get_params(deep=False).keys() == params.keys(), name
        assert not hasattr(copy, "items_"), name
        rec.fit(train)
        pd.testing.assert_frame_equal(rec.recommend(["a", "c"], k=3), clone(rec).fit(train).recommend(["a", "c"], k=3), obj=name)
    # parameters are stored as given and checked only in fit
    bad = recommend.UserKNN(n_neighbors=0)
    assert bad.n_neighbors == 0
    with pytest.raises(ValueError, match="UserKNN.fit: n_neighbors must be a whole number >= 1, got 0"):
        bad.fit(train)
    with pytest.raises(ValueError, match="ItemKNN.fit: n_neighbors"):
        recommend.ItemKNN(n_neighbors=2.5).fit(train)


# ------------------------------------------------------------------------------------------------
# Determinism and leakage
# ------------------------------------------------------------------------------------------------


def all_recommenders(vectors: pd.DataFrame) -> dict[str, recommend.Recommender]:
    return {
        "popularity": recommend.Popularity(),
        "recent": recommend.Popularity(window_days=3),
        "segment": recommend.SegmentPopularity(segments=lambda tx: tx.groupby("customer_id")["item"].min()),
        "repeat": recommend.RepeatPurchase(half_life_days=5, boost_power=0.5),
        "user_knn": recommend.UserKNN(n_neighbors=2),
        "item_knn": recommend.ItemKNN(n_neighbors=2),
        "content": recommend.ContentBased(item_vectors=vectors),
        "als": recommend.ALS(factors=3, iterations=5, random_state=1),
        "hybrid": recommend.Hybrid({"r": recommend.RepeatPurchase(), "u": recommend.UserKNN(n_neighbors=2)},
                                   {"r": 1.0, "u": 0.5}),
    }


VECTORS = pd.DataFrame(np.random.default_rng(3).normal(size=(8, 3)), index=list("stuvwxyz"))


def test_determinism_and_row_order(train) -> None:
    shuffled = train.sample(frac=1.0, random_state=5).reset_index(drop=True)
    shuffled.attrs = {"cutoff": CUTOFF}
    customers = ["a", "b", "c", "d", "zz"]
    for name, rec in all_recommenders(VECTORS).items():
        first = rec.fit(train).recommend(customers, k=3)
        second = all_recommenders(VECTORS)[name].fit(shuffled).recommend(customers, k=3)
        pd.testing.assert_frame_equal(first, second, obj=name)


events = st.lists(
    st.tuples(st.sampled_from(list("abcde")), st.sampled_from(list("stuvwxyz")), st.integers(0, 19)),
    min_size=8, max_size=40,
)


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(past=events, future=events)
def test_no_recommender_sees_the_test_period(past, future) -> None:
    """Whatever happens after the cutoff, the recommendations do not change."""
    base = frame([(c, i, f"p{n}", d % 10) for n, (c, i, d) in enumerate(past)])
    later = frame([(c, i, f"f{n}", 10 + d) for n, (c, i, d) in enumerate(future)])
    only_past = pd.concat([base, frame([("a", "s", "f0", 10)])], ignore_index=True)   # keeps the cutoff inside the data
    with_future = pd.concat([base, later, frame([("a", "s", "f0", 10)])], ignore_index=True)
    s1 = recommend.time_split(only_past, CUTOFF, horizon_days=30)
    s2 = recommend.time_split(with_future, CUTOFF, horizon_days=30)
    assert (s2.train["timestamp"] < CUTOFF).all()
    customers = sorted(set(base["customer_id"]))
    for name, rec in all_recommenders(VECTORS).items():
        r1 = rec.fit(s1.train).recommend(customers, k=4)
        r2 = all_recommenders(VECTORS)[name].fit(s2.train).recommend(customers, k=4)
        pd.testing.assert_frame_equal(r1, r2, obj=name)


# ------------------------------------------------------------------------------------------------
# Metrics against hand-computed values
# ------------------------------------------------------------------------------------------------


def test_ranking_metrics_by_hand() -> None:
    recs = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "zz"],
        "rank": [1, 2, 3, 1, 2, 1],
        "item": ["x", "y", "z", "z", "x", "x"],
    })
    truth = pd.DataFrame({"customer_id": ["a", "a", "b", "c"], "item": ["y", "w", "z", "x"]})
    m = recommend.ranking_metrics(recs, truth, k=3).set_index("customer_id")
    assert list(m.index) == ["a", "b", "c"]                      # zz has no truth: not evaluated
    # a: hit at rank 2 of 3; |T| = 2
    assert m.loc["a", "precision"] == pytest.approx(1 / 3)
    assert m.loc["a", "recall"] == pytest.approx(1 / 2)
    assert m.loc["a", "ndcg"] == pytest.approx((1 / math.log2(3)) / (1 + 1 / math.log2(3)))
    assert m.loc["a", "map"] == pytest.approx((1 / 2) / 2)
    assert m.loc["a", "hit"] == 1
    # b: hit at rank 1, |T| = 1, two items recommended (precision still divides by k)
    assert m.loc["b", ["precision", "recall", "ndcg", "map", "hit"]].tolist() == pytest.approx([1 / 3, 1, 1, 1, 1])
    # c: no recommendations at all
    assert m.loc["c", ["precision", "recall", "ndcg", "map", "hit"]].tolist() == [0, 0, 0, 0, 0]
    assert m["n_relevant"].tolist() == [2, 1, 1] and m["hits"].tolist() == [1, 1, 0]


def test_ranking_metrics_ignores_ranks_beyond_k() -> None:
    recs = pd.DataFrame({"customer_id": ["a"] * 3 + ["b"] * 3, "rank": [1, 2, 3] * 2, "item": ["3", "1", "9", "0", "2", "5"]})
    truth = pd.DataFrame({"customer_id": ["a", "b"], "item": ["1", "5"]})
    m = recommend.ranking_metrics(recs, truth, k=2).set_index("customer_id")
    assert m.loc["a", "ndcg"] == pytest.approx(1 / math.log2(3)) and m.loc["a", "map"] == pytest.approx(1 / 2)
    assert m.loc["b", ["hits", "ndcg", "hit"]].tolist() == [0, 0, 0]      # item 5 is at rank 3 > k
    assert recommend.ranking_metrics(recs, truth, k=3).set_index("customer_id").loc["b", "ndcg"] == pytest.approx(0.5)


def test_ranking_metrics_refuses_bad_input() -> None:
    recs = pd.DataFrame({"customer_id": ["a"], "rank": [1], "item": ["x"]})
    with pytest.raises(ValueError, match=r"ranking_metrics: the truth frame lacks the column\(s\) \['customer_id', 'item'\]"):
        recommend.ranking_metrics(recs, pd.DataFrame({"customer": ["a"]}))
    with pytest.raises(ValueError, match=r"ranking_metrics: the recommendations frame lacks the column\(s\) \['rank'\]"):
        recommend.ranking_metrics(recs.drop(columns="rank"), recs)
    with pytest.raises(ValueError, match="k must"):
        recommend.ranking_metrics(recs, recs, k=0)
    with pytest.raises(TypeError, match="coverage: the recommendations frame must be a pandas DataFrame"):
        recommend.coverage([("a", 1, "x")], 3)


def test_coverage_and_novelty_by_hand() -> None:
    recs = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "rank": [1, 2, 1, 2], "item": ["x", "y", "x", "q"]})
    assert recommend.coverage(recs, ["x", "y", "z", "w", "q"]) == pytest.approx(3 / 5)
    assert recommend.coverage(recs, 10) == pytest.approx(0.3)
    # 8 customers; x bought by 8 (0 bits), y by 2 (2 bits), q unknown -> 1 buyer (3 bits)
    assert recommend.novelty(recs, {"x": 8, "y": 2}, 8) == pytest.approx((0 + 2 + 0 + 3) / 4)
    with pytest.raises(ValueError, match="catalogue"):
        recommend.coverage(recs, 0)
    with pytest.raises(ValueError, match="n_customers"):
        recommend.novelty(recs, {}, 0)


def test_summary_intervals_are_the_course_bootstrap_with_one_seed_per_metric() -> None:
    rng = np.random.default_rng(0)
    per = pd.DataFrame({"method": np.repeat(["m1", "m2"], 60), "view": "all", "customer_id": np.tile(np.arange(60).astype(str), 2),
                        "ndcg": rng.random(120), "hit": (rng.random(120) < 0.4).astype(float)})
    table = recommend.summarize(per, metrics=["ndcg", "hit"], n_boot=300, random_state=7).set_index("method")
    for method, group in per.groupby("method"):
        for j, m in enumerate(["ndcg", "hit"]):
            est = stats.bootstrap_mean(group[m].to_numpy(), n_boot=300, random_state=7 + j)
            assert table.loc[method, [m, f"{m}_low", f"{m}_high"]].tolist() == list(est)
            # the scheme the chapter's stored numbers were made with: one (n_boot, n) draw, percentile interval
            x = group[m].to_numpy()
            means = x[np.random.default_rng(7 + j).integers(0, len(x), size=(300, len(x)))].mean(axis=1)
            assert (est.low, est.high) == tuple(np.quantile(means, [(1 - 0.95) / 2, 1 - (1 - 0.95) / 2]))
    narrow = recommend.summarize(per, metrics=["ndcg"], n_boot=300, level=0.5, random_state=7).set_index("method")
    assert (narrow["ndcg_high"] - narrow["ndcg_low"] < table["ndcg_high"] - table["ndcg_low"]).all()
    with pytest.raises(ValueError, match="confidence level"):
        recommend.summarize(per, metrics=["ndcg"], level=95)
    with pytest.raises(ValueError, match=r"summarize: per_customer lacks the column\(s\) \['precision', 'recall', 'map'\]"):
        recommend.summarize(per)


def test_compare_is_the_paired_ratio_bootstrap() -> None:
    rng = np.random.default_rng(1)
    ids = np.arange(50).astype(str)
    per = pd.concat([
        pd.DataFrame({"method": "new", "view": "all", "customer_id": ids, "ndcg": rng.random(50)}),
        pd.DataFrame({"method": "old", "view": "all", "customer_id": ids[::-1], "ndcg": rng.random(50) * 0.5}),
        pd.DataFrame({"method": "old", "view": "new", "customer_id": ids[:3], "ndcg": [0.1, 0.2, 0.3]}),
    ], ignore_index=True)
    out = recommend.compare(per, "new", "old", n_boot=400, random_state=3)
    a = per[(per["method"] == "new")].set_index("customer_id")["ndcg"].sort_index()
    b = per[(per["method"] == "old") & (per["view"] == "all")].set_index("customer_id")["ndcg"].sort_index()
    est = stats.bootstrap_ratio(a.to_numpy(), b.to_numpy(), n_boot=400, random_state=3)
    assert out == {"ratio": est.estimate, "low": est.low, "high": est.high, "customers": 50}
    idx = np.random.default_rng(3).integers(0, 50, size=(400, 50))        # the old hand-written scheme, same numbers
    ratios = a.to_numpy()[idx].mean(axis=1) / b.to_numpy()[idx].mean(axis=1)
    assert (out["low"], out["high"]) == tuple(np.quantile(ratios, [(1 - 0.95) / 2, 1 - (1 - 0.95) / 2]))
    assert stats.verdict(out["low"], out["high"], null=1.0) == "a real gain"
    with pytest.raises(ValueError, match="compare: no rows for method 'new'.*view 'new'"):
        recommend.compare(per, "new", "old", view="new")
    with pytest.raises(ValueError, match=r"compare: per_customer lacks the column\(s\) \['map'\]"):
        recommend.compare(per, "new", "old", metric="map")


# ------------------------------------------------------------------------------------------------
# Protocol helpers
# ------------------------------------------------------------------------------------------------


@pytest.fixture
def split() -> recommend.Split:
    later = [("a", "x", "7", 11), ("a", "z", "7", 11), ("b", "x", "8", 12), ("c", "x", "9", 13), ("d", "y", "10", 14)]
    return recommend.time_split(frame(ROWS + later), CUTOFF, horizon_days=30)


def test_evaluate_two_views(split) -> None:
    per, summary = recommend.evaluate(recommend.RepeatPurchase(), split, k=2, name="repeat")
    assert summary["view"].tolist() == ["all", "new"]
    assert set(per["method"]) == {"repeat"}
    new = per[per["view"] == "new"]
    assert set(new["customer_id"]) == {"a", "c", "d"}                 # b's only later item (x) is not new
    assert summary.set_index("view").loc["all", "customers"] == 4
    assert 0 < summary.set_index("view").loc["all", "coverage"] <= 1
    unfitted = recommend.RepeatPurchase()
    with pytest.raises(ValueError, match=r"evaluate: unknown view 'later'; use one of \['all', 'new', 'repeat', 'explore'\]"):
        recommend.evaluate(unfitted, split, views=("later",))
    assert not hasattr(unfitted, "items_")                            # refused before any fitting


def test_grid_search_and_summaries(split) -> None:
    best, table = recommend.grid_search(recommend.UserKNN(), {"n_neighbors": [1, 2, 3]}, split, k=2)
    assert len(table) == 3 and table["chosen"].sum() == 1
    assert best.n_neighbors == table.loc[table["chosen"], "n_neighbors"].iloc[0] and hasattr(best, "items_")
    per = pd.concat([recommend.evaluate(r, split, k=2, name=n)[0]
                     for n, r in [("repeat", recommend.RepeatPurchase()), ("pop", recommend.Popularity())]])
    summary = recommend.summarize(per, n_boot=200)
    assert summary[["method", "view"]].values.tolist() == [["repeat", "all"], ["repeat", "new"], ["pop", "all"], ["pop", "new"]]
    assert (summary["ndcg_low"] <= summary["ndcg"]).all() and (summary["ndcg"] <= summary["ndcg_high"]).all()
    ratio = recommend.compare(per, "repeat", "pop", n_boot=200)
    means = per[per["view"] == "all"].groupby("method")["ndcg"].mean()
    assert ratio["ratio"] == pytest.approx(means["repeat"] / means["pop"])
    with pytest.raises(ValueError, match="no rows"):
        recommend.compare(per, "als", "pop")
    with pytest.raises(ValueError, match="empty"):
        recommend.grid_search(recommend.UserKNN(), {}, split)


def test_tune_blend(split) -> None:
    comps = {"repeat": recommend.RepeatPurchase(), "pop": recommend.Popularity(), "user": recommend.UserKNN(n_neighbors=2)}
    for c in comps.values():
        c.fit(split.train)
    weights, trace = recommend.tune_blend(comps, split, k=2, grid=[0.0, 0.5, 1.0])
    assert recommend.tune_blend(comps, split, k=10, grid=[0.0, 1.0])[1]["ndcg"].between(0, 1).all()   # k > catalogue
    assert set(weights) == set(comps) and max(weights.values()) == 1.0
    assert trace["ndcg"].is_monotonic_increasing
    # the tuned weights give the validation NDCG the trace reports
    hybrid = recommend.Hybrid(comps, weights, prefit=True).fit(split.train)
    _, summary = recommend.evaluate(hybrid, split, k=2, views=("all",), fit=False)
    assert summary["ndcg"].iloc[0] == pytest.approx(trace["ndcg"].iloc[-1])
    other = recommend.Popularity().fit(split.train[split.train["item"] != "w"])
    with pytest.raises(ValueError, match="same interactions"):
        recommend.tune_blend({"repeat": comps["repeat"], "other": other}, split)
    with pytest.raises(ValueError, match="tune_blend: unknown view 'old'"):
        recommend.tune_blend(comps, split, view="old")
    # the new view: what a customer bought before is never among the tuned lists
    weights_new, trace_new = recommend.tune_blend(comps, split, k=2, grid=[0.0, 0.5, 1.0], view="new")
    hybrid_new = recommend.Hybrid(comps, weights_new, prefit=True).fit(split.train)
    _, summary_new = recommend.evaluate(hybrid_new, split, k=2, views=("new",), fit=False)
    assert summary_new["ndcg"].iloc[0] == pytest.approx(trace_new["ndcg"].iloc[-1])


def test_the_package_exports_its_api_and_keeps_one_home_per_idea() -> None:
    import importlib

    import profiling.recommend as package

    modules = ["data", "base", "popularity", "neighbors", "vectors", "sequence", "hybrid", "evaluation", "search"]
    exported = set()
    for name in modules:
        module = importlib.import_module(f"profiling.recommend.{name}")
        assert all(hasattr(module, n) for n in module.__all__), name
        exported |= set(module.__all__)
    assert set(package.__all__) == exported
    assert all(getattr(package, n) is not None for n in package.__all__)
    for gone in ["bootstrap_ci", "_one_thread", "_l2_rows", "_row_minmax", "_binary"]:     # one home each, elsewhere
        assert not any(hasattr(importlib.import_module(f"profiling.recommend.{m}"), gone) for m in modules), gone
