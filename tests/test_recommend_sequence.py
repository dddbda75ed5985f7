"""Unit tests for profiling.recommend.sequence (TIFU-KNN, the SASRec-style model) and the repeat/explore views."""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from profiling import recommend
from profiling.embeddings.cache import CacheWarning

DAY0 = pd.Timestamp("2010-01-01")
CUTOFF = DAY0 + pd.Timedelta(days=10)


def frame(rows: list[tuple[str, str, str, int]]) -> pd.DataFrame:
    """Interactions from (customer, item, invoice, day) tuples."""
    out = pd.DataFrame(rows, columns=["customer_id", "item", "invoice_id", "day"])
    out["timestamp"] = (DAY0 + pd.to_timedelta(out.pop("day"), unit="D")).astype("datetime64[us]")
    return out.astype({"customer_id": "str", "item": "str", "invoice_id": "str"})


#: Baskets, oldest first:  a: {x, y} {x} {y, z} {x};  b: {x, w};  c: {w} {z} {z, w}
BASKETS = [
    ("a", "x", "a1", 1), ("a", "y", "a1", 1), ("a", "x", "a2", 2), ("a", "y", "a3", 3), ("a", "z", "a3", 3),
    ("a", "x", "a4", 4),
    ("b", "x", "b1", 2), ("b", "w", "b1", 2),
    ("c", "w", "c1", 1), ("c", "z", "c2", 2), ("c", "z", "c3", 3), ("c", "w", "c3", 3),
]


@pytest.fixture
def baskets() -> pd.DataFrame:
    out = frame(BASKETS)
    out.attrs = {"cutoff": CUTOFF}
    return out


# ------------------------------------------------------------------------------------------------
# Baskets
# ------------------------------------------------------------------------------------------------


def test_basket_sequences_orders_baskets_by_time_then_id(baskets) -> None:
    seq = recommend.basket_sequences(baskets.sample(frac=1.0, random_state=1))
    assert seq[seq["customer_id"] == "a"]["items"].tolist() == [["x", "y"], ["x"], ["y", "z"], ["x"]]
    assert seq[seq["customer_id"] == "c"]["basket"].tolist() == [0, 1, 2]
    # without invoices, the lines of a customer at one moment are one basket
    no_invoice = baskets.drop(columns="invoice_id")
    assert recommend.basket_sequences(no_invoice)["items"].tolist() == recommend.basket_sequences(baskets)["items"].tolist()
    # an item twice in one basket counts once
    twice = pd.concat([baskets, baskets.iloc[[0]]], ignore_index=True)
    assert recommend.basket_sequences(twice)["items"].iloc[0] == ["x", "y"]


# ------------------------------------------------------------------------------------------------
# TIFU-KNN against a hand-computed example
# ------------------------------------------------------------------------------------------------


def test_tifuknn_by_hand(baskets) -> None:
    """TIFU-KNN with group_size m = 2, within_decay r_b = 0.5, group_decay r_g = 0.5, alpha = 0.6, 1 neighbour.

    Customer a has 4 baskets, oldest first B1 {x, y}, B2 {x}, B3 {y, z}, B4 {x}. Counted back from the
    latest, the groups are G0 = (B4, B3) and G1 = (B2, B1); inside a group the j-th latest basket weighs
    0.5 ** j, and the group vector is divided by its size (2):

        G0 = (1 * B4 + 0.5 * B3) / 2 = (x 1, y 0.5, z 0.5) / 2     = x 0.5,  y 0.25,  z 0.25
        G1 = (1 * B2 + 0.5 * B1) / 2 = (x 1.5, y 0.5) / 2          = x 0.75, y 0.25

    and the customer vector weighs the g-th latest group 0.5 ** g and divides by the number of groups (2):

        u_a = (G0 + 0.5 * G1) / 2 = (x 0.875, y 0.375, z 0.25) / 2 = x 0.4375, y 0.1875, z 0.125

    Customer c has 3 baskets C1 {w}, C2 {z}, C3 {z, w}: G0 = (C3, C2), and the oldest group holds the
    remainder, G1 = (C1), divided by its own size 1:

        G0 = (1 * C3 + 0.5 * C2) / 2 = z 0.75, w 0.5;   G1 = w 1
        u_c = (G0 + 0.5 * G1) / 2 = z 0.375, w 0.5

    Customer b has one basket {x, w}: u_b = x 1, w 1.

    Cosine similarities: |u_a| = sqrt(0.2421875) = 0.49213, |u_b| = sqrt(2), |u_c| = 0.625;
    cos(a, b) = 0.4375 / (0.49213 * 1.41421) = 0.6286 > cos(a, c) = 0.046875 / (0.49213 * 0.625) = 0.1524,
    so a's nearest neighbour is b; cos(c, b) = 0.5 / (0.625 * 1.41421) = 0.5657 > cos(c, a), so c's is b.

        score(a) = 0.6 * u_a + 0.4 * u_b = x 0.6625, w 0.4, y 0.1125, z 0.075
        score(c) = 0.6 * u_c + 0.4 * u_b = w 0.7, x 0.4, z 0.225, y 0

    With Euclidean distance instead, a's nearest is c: |u_a - u_b|^2 = 1.3672 > |u_a - u_c|^2 = 0.5391, so
    score(a) = 0.6 * u_a + 0.4 * u_c = x 0.2625, z 0.225, w 0.2, y 0.1125.
    """
    rec = recommend.TIFUKNN(n_neighbors=1, group_size=2, within_decay=0.5, group_decay=0.5, alpha=0.6)
    rec.fit(baskets)
    assert rec.items_.tolist() == ["w", "x", "z", "y"]                  # buyers 2, 2, 2, 1; ties by name
    vectors = pd.DataFrame(rec.customer_vectors_.toarray(), index=rec.customers_, columns=rec.items_)
    assert vectors.loc["a"].to_dict() == pytest.approx({"w": 0.0, "x": 0.4375, "z": 0.125, "y": 0.1875})
    assert vectors.loc["b"].to_dict() == pytest.approx({"w": 1.0, "x": 1.0, "z": 0.0, "y": 0.0})
    assert vectors.loc["c"].to_dict() == pytest.approx({"w": 0.5, "x": 0.0, "z": 0.375, "y": 0.0})
    scores = rec.scores(["a", "c"])
    assert scores.loc["a"].to_dict() == pytest.approx({"x": 0.6625, "w": 0.4, "y": 0.1125, "z": 0.075})
    assert scores.loc["c"].to_dict() == pytest.approx({"w": 0.7, "x": 0.4, "z": 0.225, "y": 0.0})
    recs = rec.recommend(["a", "c"], k=4)
    assert recs[recs["customer_id"] == "a"]["item"].tolist() == ["x", "w", "y", "z"]
    assert recs[recs["customer_id"] == "c"]["item"].tolist() == ["w", "x", "z", "y"]
    # the reason names the larger part: a's own vector for y (0.6 * 0.1875 > 0), the neighbour for x
    # (0.6 * 0.4375 < 0.4 * 1) and w
    assert rec.reason("a", "y") == "you bought it: 2 orders, last 7 days ago"
    assert rec.reason("a", "x") == rec.reason("a", "w") == "customers like you: 1 of your 1 nearest bought it"
    euclid = clone(rec).set_params(metric="euclidean").fit(baskets)
    assert euclid.scores(["a"]).loc["a"].to_dict() == pytest.approx({"x": 0.2625, "z": 0.225, "w": 0.2, "y": 0.1125})
    assert math.isclose(float(np.linalg.norm(vectors.loc["a"] - vectors.loc["c"]) ** 2), 0.5390625)


def test_tifuknn_without_decay_is_personal_item_frequency(baskets) -> None:
    """One group, no decay, alpha = 1: the share of the customer's baskets that contain each item."""
    rec = recommend.TIFUKNN(group_size=10, within_decay=1.0, group_decay=1.0, alpha=1.0).fit(baskets)
    counts = recommend.RepeatPurchase().fit(baskets).baskets_.toarray()
    n_baskets = baskets.groupby("customer_id")["invoice_id"].nunique().reindex(rec.customers_).to_numpy()
    np.testing.assert_allclose(rec.customer_vectors_.toarray(), counts / n_baskets[:, None])


def test_tifuknn_neighbours_and_unknown_customers(baskets) -> None:
    rec = recommend.TIFUKNN(n_neighbors=5, alpha=0.0).fit(baskets)        # more neighbours than customers
    s = rec.scores(["a", "nobody"])
    # a's neighbours are b and c (both with a positive cosine), averaged
    expected = (rec.customer_vectors_[1].toarray() + rec.customer_vectors_[2].toarray()).ravel() / 2
    np.testing.assert_allclose(s.loc["a"].to_numpy(), expected)
    assert (s.loc["nobody"] == 0).all()                                   # unknown: popularity order
    assert rec.recommend(["nobody"], k=4)["item"].tolist() == rec.items_.tolist()


@pytest.mark.parametrize("params, message", [
    ({"n_neighbors": 0}, "n_neighbors must be a whole number >= 1"),
    ({"group_size": 1.5}, "group_size must be a whole number >= 1"),
    ({"within_decay": 0.0}, r"within_decay must be a number in \(0, 1\]"),
    ({"group_decay": 1.5}, r"group_decay must be a number in \(0, 1\]"),
    ({"alpha": -0.1}, r"alpha must be a number in \[0, 1\]"),
    ({"metric": "manhattan"}, "metric must be 'cosine' or 'euclidean'"),
])
def test_tifuknn_refuses_bad_parameters(baskets, params, message) -> None:
    rec = recommend.TIFUKNN(**params)
    assert rec.get_params()[next(iter(params))] == next(iter(params.values()))    # stored as given
    with pytest.raises(ValueError, match=f"TIFUKNN.fit: {message}"):
        rec.fit(baskets)


def test_tifuknn_is_deterministic_and_sees_no_future(baskets) -> None:
    shuffled = baskets.sample(frac=1.0, random_state=3).reset_index(drop=True)
    shuffled.attrs = baskets.attrs
    first = recommend.TIFUKNN(n_neighbors=1).fit(baskets).recommend(["a", "b", "c"], k=3)
    pd.testing.assert_frame_equal(first, recommend.TIFUKNN(n_neighbors=1).fit(shuffled).recommend(["a", "b", "c"], k=3))
    later = frame([("a", "w", "f1", 12), ("b", "y", "f2", 13)])
    split = recommend.time_split(pd.concat([baskets, later], ignore_index=True), CUTOFF, horizon_days=30)
    pd.testing.assert_frame_equal(first, recommend.TIFUKNN(n_neighbors=1).fit(split.train).recommend(["a", "b", "c"], k=3))


# ------------------------------------------------------------------------------------------------
# The SASRec-style model
# ------------------------------------------------------------------------------------------------


def chains(n: int = 8) -> pd.DataFrame:
    """Two kinds of customers: baskets p, q, r in turn, or s, t, u; plus a newcomer who bought p."""
    rows = [(f"{g}{i}", item, f"{g}{i}-{step}", step) for g, chain in [("a", "pqr"), ("b", "stu")]
            for i in range(n) for step, item in enumerate(chain)]
    out = frame(rows + [("new", "p", "new-0", 0)])
    out.attrs = {"cutoff": DAY0 + pd.Timedelta(days=5)}
    return out


SMALL = {"dim": 8, "epochs": 40, "learning_rate": 0.01, "random_state": 0}


def test_sasrec_loss_falls_and_it_learns_the_order() -> None:
    model = recommend.SASRec(**SMALL, cache=False).fit(chains())
    loss = model.loss_history_
    assert len(loss) == 40 and np.isfinite(loss).all()
    assert loss[-1] < 0.3 * loss[0]                     # from about log(6) = 1.8 nats to a fraction of it
    assert model.cache_status_ == "off" and model.training_seconds_ > 0
    assert model.recommend(["new"], k=1, exclude="seen")["item"].tolist() == ["q"]
    assert model.recommend(["b0"], k=3)["item"].tolist()[:1] != ["p"]    # an s-t-u customer is not offered p first
    vectors = model.customer_vectors(["new", "nobody"])
    assert vectors.shape == (2, 8) and (vectors.loc["nobody"] == 0).all() and (vectors.loc["new"] != 0).any()
    assert model.reason("new", "q").startswith("often bought next")


def test_sasrec_trains_on_baskets_before_the_cutoff_only() -> None:
    past = chains()
    future = frame([("a0", "u", "late-1", 6), ("new", "s", "late-2", 7), ("b1", "p", "late-3", 30)])
    split = recommend.time_split(pd.concat([past, future], ignore_index=True), past.attrs["cutoff"], horizon_days=30)
    model = recommend.SASRec(**SMALL, cache=False).fit(split.train)
    assert model.last_basket_time_ < split.cutoff                      # no training basket at or after the cutoff
    sequences = recommend.basket_sequences(split.train)
    assert (sequences["timestamp"] < split.cutoff).all()
    assert not {"late-1", "late-2", "late-3"} & set(split.train["invoice_id"])
    only_past = recommend.SASRec(**SMALL, cache=False).fit(past)
    pd.testing.assert_frame_equal(model.scores(["a0", "new"]), only_past.scores(["a0", "new"]))
    leaky = pd.concat([past, future], ignore_index=True)
    leaky.attrs = past.attrs
    with pytest.raises(ValueError, match="would leak the future"):
        recommend.SASRec(**SMALL, cache=False).fit(leaky)


def test_sasrec_is_deterministic_whatever_the_row_order() -> None:
    data = chains(4)
    shuffled = data.sample(frac=1.0, random_state=2).reset_index(drop=True)
    shuffled.attrs = data.attrs
    one = recommend.SASRec(**{**SMALL, "epochs": 5}, cache=False).fit(data)
    two = recommend.SASRec(**{**SMALL, "epochs": 5}, cache=False).fit(shuffled)
    np.testing.assert_array_equal(one.loss_history_, two.loss_history_)
    pd.testing.assert_frame_equal(one.scores(["a0", "new"]), two.scores(["a0", "new"]))
    other_seed = recommend.SASRec(**{**SMALL, "epochs": 5, "random_state": 1}, cache=False).fit(data)
    assert not np.array_equal(one.loss_history_, other_seed.loss_history_)


def test_sasrec_weights_cache(tmp_path) -> None:
    data = chains(4)
    params = {**SMALL, "epochs": 5, "cache_dir": tmp_path}
    first = recommend.SASRec(**params).fit(data)
    assert first.cache_status_ == "miss" and first.training_seconds_ > 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and files[0].startswith("sasrec-") and {f.rsplit(".", 1)[1] for f in files} == {"json", "npz"}
    second = recommend.SASRec(**params).fit(data)
    assert second.cache_status_ == "hit" and second.training_seconds_ == 0
    np.testing.assert_array_equal(first.loss_history_, second.loss_history_)
    pd.testing.assert_frame_equal(first.scores(["a0", "new"]), second.scores(["a0", "new"]))
    # the threads and the cache folder do not change the weights: the same key
    assert recommend.SASRec(**{**params, "threads": 2}).fit(data).cache_status_ == "hit"
    # a corrupt file is warned about, trained again and replaced
    (array_path,) = tmp_path.glob("*.npz")
    array_path.write_bytes(b"not an npz file")
    with pytest.warns(CacheWarning, match="unreadable"):
        rebuilt = recommend.SASRec(**params).fit(data)
    assert rebuilt.cache_status_ == "rebuilt"
    pd.testing.assert_frame_equal(first.scores(["a0", "new"]), rebuilt.scores(["a0", "new"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert recommend.SASRec(**params).fit(data).cache_status_ == "hit"
    # other settings or other data: another key, another file
    recommend.SASRec(**{**params, "dim": 4}).fit(data)
    recommend.SASRec(**params).fit(data[data["customer_id"] != "a0"].copy())
    assert len(list(tmp_path.glob("*.npz"))) == 3
    # a file whose sidecar names another key is stale
    meta = json.loads(array_path.with_suffix(".json").read_text())
    meta["key"]["settings"]["dim"] = 99
    array_path.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.warns(CacheWarning, match="stale"):
        assert recommend.SASRec(**params).fit(data).cache_status_ == "rebuilt"


def test_sasrec_contract_and_bad_parameters() -> None:
    model = recommend.SASRec(dim=6, n_heads=4)
    assert clone(model).get_params() == model.get_params() and not hasattr(clone(model), "items_")
    with pytest.raises(ValueError, match=r"SASRec.fit: n_heads \(4\) must divide dim \(6\)"):
        model.fit(chains(2))
    with pytest.raises(ValueError, match="SASRec.fit: dropout must be in"):
        recommend.SASRec(dropout=1.0).fit(chains(2))
    with pytest.raises(ValueError, match="SASRec.fit: epochs must be a whole number >= 1"):
        recommend.SASRec(epochs=0).fit(chains(2))
    with pytest.raises(ValueError, match="SASRec.fit: dtype must be"):
        recommend.SASRec(dtype="float16").fit(chains(2))
    with pytest.raises(Exception, match="not fitted"):
        recommend.SASRec().customer_vectors(["a"])


# ------------------------------------------------------------------------------------------------
# The repeat and explore views
# ------------------------------------------------------------------------------------------------


def test_repeat_and_explore_views_split_the_truth_of_the_full_lists(baskets) -> None:
    later = frame([("a", "x", "l1", 11), ("a", "w", "l1", 11), ("b", "x", "l2", 12), ("c", "y", "l3", 13)])
    split = recommend.time_split(pd.concat([baskets, later], ignore_index=True), CUTOFF, horizon_days=30)
    rec = recommend.RepeatPurchase()
    views = ("all", "new", "repeat", "explore")
    per, summary = recommend.evaluate(rec, split, k=2, views=views, name="repeat")
    assert summary["view"].tolist() == list(views)
    by_view = {v: set(per[per["view"] == v]["customer_id"]) for v in views}
    assert by_view == {"all": {"a", "b", "c"}, "new": {"a", "c"}, "repeat": {"a", "b"}, "explore": {"a", "c"}}
    m = per.set_index(["view", "customer_id"])
    # a's full list is x (3 orders), y (2 orders): x is a repeat hit, w (new to a) is missed
    assert rec.recommend(["a"], k=2)["item"].tolist() == ["x", "y"]
    assert m.loc[("repeat", "a"), "ndcg"] == 1.0 and m.loc[("explore", "a"), "ndcg"] == 0.0
    assert m.loc[("all", "a"), "ndcg"] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    # the explore view keeps the full list (nothing excluded); the new view drops what a bought before
    new_list = rec.recommend(["a"], k=2, exclude="seen")["item"].tolist()
    assert new_list == ["w"] and m.loc[("new", "a"), "ndcg"] == 1.0
    shares = summary.set_index("view")["repeat_share"]
    assert shares["new"] == 0.0 and 0 < shares["all"] <= 1
    # the share of the top-k the customer had bought: a's x and y, c's w and z
    share = recommend.repeat_share(rec.recommend(["a", "c"], k=2), split.train, k=2)
    assert share.to_dict() == {"a": 1.0, "c": 1.0}
    with pytest.raises(ValueError, match="unknown view 'later'"):
        recommend.evaluate(rec, split, views=("later",))


def test_evaluate_shares_one_list_between_the_views(baskets, monkeypatch) -> None:
    later = frame([("a", "x", "l1", 11), ("a", "w", "l1", 11), ("c", "y", "l3", 13)])
    split = recommend.time_split(pd.concat([baskets, later], ignore_index=True), CUTOFF, horizon_days=30)
    rec = recommend.Popularity().fit(split.train)
    calls = []
    original = rec._ranked
    # one ranking pass gives both lists: the full one (shared by all, repeat, explore) and the discovery one
    monkeypatch.setattr(rec, "_ranked", lambda index, rows, k, lists, *a: calls.append(sorted(lists, key=str))
                        or original(index, rows, k, lists, *a))
    recommend.evaluate(rec, split, k=2, views=("all", "new", "repeat", "explore"), fit=False)
    assert calls == [[None, "seen"]]
