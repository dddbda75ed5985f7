"""Tests of profiling.interests on tiny hand-checked examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profiling import interests
from profiling.interests import (
    category_shares,
    characteristic_words,
    purchase_weights,
    rank_items,
    next_purchase_metrics,
    semantic_categories,
    tag_shares,
    user_interest_vectors,
    zero_shot_tags,
)

ITEMS = ["A", "B", "C"]
VECTORS = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]) / np.array([[1.0], [1.0], [np.sqrt(2)]])


def tx_frame(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "description", "quantity", "unit_price", "timestamp"])
    frame["customer_id"] = frame["customer_id"].astype("str")
    frame["description"] = frame["description"].astype("str")
    frame["quantity"] = frame["quantity"].astype("int64")
    frame["unit_price"] = frame["unit_price"].astype("float64")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"]).astype("datetime64[us]")
    return frame


TX = tx_frame(
    [
        ("u1", "A", 3, 1.0, "2010-01-01"),   # 3.0, 10 days before the cutoff
        ("u1", "B", 1, 1.0, "2010-01-11"),   # 1.0, at the cutoff -> excluded (not strictly before)
        ("u1", "B", 1, 1.0, "2010-01-06"),   # 1.0, 5 days before
        ("u2", "B", 2, 2.0, "2010-01-09"),   # 4.0
        ("u2", "X", 5, 1.0, "2010-01-09"),   # item not in the index -> ignored
        ("u3", "C", -1, 1.0, "2010-01-05"),  # a return -> ignored, u3 has no purchase
        ("u4", "A", 1, 0.0, "2010-01-05"),   # free line -> ignored
    ]
)
CUTOFF = "2010-01-11"


def test_purchase_weights_by_hand() -> None:
    w = purchase_weights(TX, ITEMS, CUTOFF)
    assert w.to_dict("list") == {"customer_id": ["u1", "u1", "u2"], "item": [0, 1, 1], "weight": [3.0, 1.0, 4.0]}
    assert w.attrs["cutoff"] == "2010-01-11"


def test_recency_half_life_by_hand() -> None:
    w = purchase_weights(TX, ITEMS, CUTOFF, half_life_days=5)
    # u1: A is 10 days old (two half-lives): 3 * 0.25; B is 5 days old: 1 * 0.5.
    np.testing.assert_allclose(w["weight"][:2], [0.75, 0.5])


def test_user_interest_vectors_by_hand() -> None:
    users = user_interest_vectors(TX, ITEMS, VECTORS, CUTOFF)
    assert list(users.index) == ["u1", "u2"] and list(users.columns) == ["e0", "e1"]
    # u1 = (3 * [1, 0] + 1 * [0, 1]) / 4 = [0.75, 0.25], normalized = [3, 1] / sqrt(10).
    np.testing.assert_allclose(users.loc["u1"], np.array([3.0, 1.0]) / np.sqrt(10))
    np.testing.assert_allclose(users.loc["u2"], [0.0, 1.0])
    np.testing.assert_allclose(np.linalg.norm(users, axis=1), 1.0)
    recent = user_interest_vectors(TX, ITEMS, VECTORS, CUTOFF, half_life_days=5)
    np.testing.assert_allclose(recent.loc["u1"], np.array([0.75, 0.5]) / np.hypot(0.75, 0.5))
    assert recent.attrs["half_life_days"] == 5


def test_interest_vectors_ignore_row_order() -> None:
    shuffled = TX.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(user_interest_vectors(shuffled, ITEMS, VECTORS, CUTOFF), user_interest_vectors(TX, ITEMS, VECTORS, CUTOFF))


def test_category_shares_by_hand() -> None:
    shares = category_shares(TX, ITEMS, [0, 1, 1], CUTOFF, names={0: "alpha", 1: "beta"})
    assert list(shares.columns) == ["alpha", "beta"]
    np.testing.assert_allclose(shares.loc["u1"], [0.75, 0.25])
    np.testing.assert_allclose(shares.loc["u2"], [0.0, 1.0])
    np.testing.assert_allclose(shares.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: purchase_weights(TX.drop(columns="unit_price"), ITEMS, CUTOFF), "unit_price"),
        (lambda: purchase_weights(TX, ITEMS, CUTOFF, half_life_days=0), "half_life_days"),
        (lambda: purchase_weights(TX, ["A", "A"], CUTOFF), "duplicates"),
        (lambda: user_interest_vectors(TX, ITEMS, VECTORS[:2], CUTOFF), "row i of item_vectors"),
        (lambda: category_shares(TX, ITEMS, [0, 1], CUTOFF), "one per item"),
        (lambda: purchase_weights(TX, ITEMS, "2000-01-01"), "on or before the first"),
    ],
)
def test_bad_inputs_are_refused(call, message) -> None:
    with pytest.raises(ValueError, match=message):
        call()


class LabelEmbedder:
    """A fake embedder that knows two labels."""

    def embed(self, texts):
        table = {"first axis": [1.0, 0.0], "second axis": [0.0, 2.0], "diagonal": [1.0, 1.0]}
        return np.array([table[t] for t in texts])


def test_zero_shot_tags_by_hand() -> None:
    users = user_interest_vectors(TX, ITEMS, VECTORS, CUTOFF)
    tags = zero_shot_tags(users, ["first axis", "second axis", "diagonal"], LabelEmbedder(), top_n=2)
    assert list(tags.columns) == ["customer_id", "rank", "tag", "score"]
    assert tags["tag"].tolist() == ["first axis", "diagonal", "second axis", "diagonal"]
    assert tags["rank"].tolist() == [1, 2, 1, 2]
    # u1 = [3, 1]/sqrt(10): cos with the first axis = 3 / sqrt(10) = 0.949; with the diagonal 4 / sqrt(20) = 0.894.
    np.testing.assert_allclose(tags["score"], [3 / np.sqrt(10), 4 / np.sqrt(20), 1.0, 1 / np.sqrt(2)])
    shares = tag_shares(tags, ["first axis", "second axis", "diagonal"])
    assert shares.to_dict("list") == {"tag": ["first axis", "second axis", "diagonal"], "users": [1, 1, 0], "share": [0.5, 0.5, 0.0]}


def test_relative_zero_shot_tags_by_hand() -> None:
    users = user_interest_vectors(TX, ITEMS, VECTORS, CUTOFF)
    tags = zero_shot_tags(users, ["first axis", "second axis", "diagonal"], LabelEmbedder(), top_n=2, relative=True)
    # Two users: each label's standardized scores are +1 for the user above the mean and -1 for the other.
    # u1 is above the mean on the first axis and the diagonal (a tie, kept in label order); u2 on the second axis.
    assert tags["tag"].tolist() == ["first axis", "diagonal", "second axis", "first axis"]
    np.testing.assert_allclose(tags["score"], [1.0, 1.0, 1.0, -1.0])
    assert tags.attrs["relative"] is True
    single = zero_shot_tags(users.iloc[:1], ["first axis", "diagonal"], LabelEmbedder(), top_n=1, relative=True)
    assert single["score"].tolist() == [0.0]  # one user: nothing to compare with, every label scores 0


def test_zero_shot_tags_refuses_bad_input() -> None:
    users = user_interest_vectors(TX, ITEMS, VECTORS, CUTOFF)
    with pytest.raises(ValueError, match="distinct"):
        zero_shot_tags(users, ["diagonal", "diagonal"], LabelEmbedder())
    with pytest.raises(ValueError, match="top_n"):
        zero_shot_tags(users, ["diagonal"], LabelEmbedder(), top_n=2)


# ---------------------------------------------------------------------------- categories

TOY_TEXTS = ["red heart", "pink heart", "white heart", "garden hose", "garden fork", "garden gloves"]
TOY_VECTORS = np.array([[1, 0.1], [1, 0.0], [1, -0.1], [0.1, 1], [0.0, 1], [-0.1, 1]])


def test_characteristic_words_by_hand() -> None:
    words = characteristic_words(TOY_TEXTS, [0, 0, 0, 1, 1, 1], n_words=2)
    assert words[0][0] == "heart" and words[1][0] == "garden"
    with pytest.raises(ValueError, match="labels"):
        characteristic_words(TOY_TEXTS, [0, 1])


def test_semantic_categories_toy_example() -> None:
    cats = semantic_categories(TOY_VECTORS, TOY_TEXTS, ks=[2, 3], random_state=0)
    assert cats.k == 2
    assert list(cats.k_scores["k"]) == [2, 3] and cats.k_scores["silhouette"].iloc[0] > cats.k_scores["silhouette"].iloc[1]
    assert cats.items["category"].tolist() == [0, 0, 0, 1, 1, 1]  # equal sizes: first item's cluster is 0
    assert cats.names[0].startswith("heart") and cats.names[1].startswith("garden")
    assert cats.table["n_items"].tolist() == [3, 3]
    assert cats.table["examples"].iloc[0].split("; ")[0] == "pink heart"  # closest to the centre
    np.testing.assert_allclose(np.linalg.norm(cats.centroids, axis=1), 1.0)
    again = semantic_categories(TOY_VECTORS, TOY_TEXTS, ks=[2, 3], random_state=0)
    pd.testing.assert_frame_equal(cats.items, again.items)


def test_semantic_categories_fixed_k_and_bad_input() -> None:
    cats = semantic_categories(TOY_VECTORS, TOY_TEXTS, k=3, random_state=0)
    assert cats.k == 3 and cats.k_scores.empty and len(set(cats.table["name"])) == 3
    with pytest.raises(ValueError, match="one text per row"):
        semantic_categories(TOY_VECTORS, TOY_TEXTS[:2])
    with pytest.raises(ValueError, match="candidate k"):
        semantic_categories(TOY_VECTORS, TOY_TEXTS, ks=[6])


# ---------------------------------------------------------------------------- ranking


def test_rank_items_and_metrics_by_hand() -> None:
    ranked = rank_items(np.array([[1.0, 0.0], [0.0, 1.0]]), VECTORS, k=2)
    np.testing.assert_array_equal(ranked, [[0, 2], [1, 2]])
    metrics = next_purchase_metrics(ranked, [{2}, {1, 2}], k=2)
    # user 0: hit at rank 2 -> DCG 1/log2(3), ideal 1; user 1: hits at 1 and 2 -> DCG = ideal.
    assert metrics == {"hit_rate": 1.0, "ndcg": pytest.approx((1 / np.log2(3) + 1) / 2), "users": 2}
    assert next_purchase_metrics(ranked, [set(), {0}], k=1) == {"hit_rate": 0.0, "ndcg": 0.0, "users": 1}
    np.testing.assert_array_equal(rank_items(np.eye(2), VECTORS, k=2, exclude=[{0}, set()]), [[2, 1], [1, 2]])
    with pytest.raises(ValueError, match="one per user"):
        rank_items(np.eye(2), VECTORS, exclude=[{0}])
    with pytest.raises(ValueError, match="relevant sets"):
        next_purchase_metrics(ranked, [{1}])


def test_module_documents_its_public_functions() -> None:
    for name in ["semantic_categories", "user_interest_vectors", "category_shares", "zero_shot_tags", "purchase_weights"]:
        assert "Returns" in getattr(interests, name).__doc__


def test_rank_items_top_k_equals_the_full_stable_sort_with_ties_and_exclusions():
    """The partial top-k of rank_items gives exactly the full stable sort's first k, ties by item row."""
    from profiling.numeric import top_k

    rng = np.random.default_rng(3)
    for trial in range(300):
        n, m = int(rng.integers(1, 30)), int(rng.integers(1, 50))
        k = int(rng.integers(1, m + 1))
        costs = rng.integers(0, 4, size=(n, m)).astype(float)  # many ties
        costs[rng.random((n, m)) < 0.2] = np.inf  # excluded items
        if trial % 10 == 0:
            costs[0] = np.inf  # a row with nothing left
        expected = np.argsort(costs, axis=1, kind="stable")[:, :k]
        assert (top_k(-costs, k) == expected).all(), (trial, k)
    # through rank_items: quantized vectors give tied cosines
    users = rng.integers(0, 2, size=(40, 3)).astype(float) + 0.1
    items = rng.integers(0, 2, size=(60, 3)).astype(float) + 0.1
    exclude = [set(rng.choice(60, 5, replace=False).tolist()) for _ in range(40)]
    got = interests.rank_items(users, items, k=7, exclude=exclude, chunk=16)
    u = users / np.linalg.norm(users, axis=1, keepdims=True)
    it = items / np.linalg.norm(items, axis=1, keepdims=True)
    scores = u @ it.T
    for row, drop in enumerate(exclude):
        scores[row, list(drop)] = -np.inf
    assert (got == np.argsort(-scores, axis=1, kind="stable")[:, :7]).all()
