"""Tests for profiling.models: tasks without look-ahead, time splits, value tiers, models and metrics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiling import features, models
from frames import tx_frame
from profiling.datasets import COLUMNS, make_transactions

START = pd.Timestamp("2010-01-01")
END = pd.Timestamp("2010-12-31")


@pytest.fixture
def small() -> pd.DataFrame:
    return tx_frame(
        [
            ("A", "1", "X", 2, 5.0, "2010-01-04 10:00", "United Kingdom"),
            ("A", "2", "X", 1, 5.0, "2010-02-10 14:00", "United Kingdom"),
            ("A", "3", "Y", 10, 1.0, "2010-03-05 09:00", "United Kingdom"),  # in the window: 10.0
            ("A", "4", "Y", 10, 1.0, "2010-04-15 09:00", "United Kingdom"),  # after the window
            ("B", "5", "X", 4, 5.0, "2010-01-05 16:00", "France"),
            ("B", "C6", "X", -1, 5.0, "2010-03-02 16:00", "France"),  # a return in the window: not a purchase
            ("C", "7", "X", 1, 100.0, "2010-02-20 12:00", "United Kingdom"),
            ("C", "8", "Z", 3, 100.0, "2010-03-20 12:00", "United Kingdom"),  # in the window: 300.0
            ("D", "9", "X", 1, 2.0, "2010-03-10 12:00", "United Kingdom"),  # first purchase in the window: not in population
            ("E", "10", "X", 1, 2.0, "2010-06-30 12:00", "United Kingdom"),  # sets the data end
        ]
    )


# ------------------------------------------------------------------------------------------ tasks


def test_hand_computed_repurchase(small: pd.DataFrame) -> None:
    task = models.make_task(small, "2010-03-01", horizon_days=30)
    assert list(task.X.index) == ["A", "B", "C"]
    assert list(task.X.columns) == features.MODEL_FEATURES
    assert task.y.to_dict() == {"A": 1, "B": 0, "C": 1}
    assert task.spend.to_dict() == {"A": 10.0, "B": 0.0, "C": 300.0}
    assert task.target == "repurchase" and task.tier_edges is None and task.horizon_days == 30
    assert task.horizon_end == pd.Timestamp("2010-03-31")
    assert not task.X.isna().any().any()
    assert all(task.X.dtypes == "float64")
    x = task.X
    assert x.loc["A", "frequency"] == 2 and x.loc["B", "frequency"] == 1
    assert x.loc["A", "spend_30d"] == 5.0 and x.loc["A", "spend_90d"] == 15.0
    assert x.loc["C", "spend_30d"] == 100.0
    assert x.loc["A", "active_months"] == 2 and x.loc["A", "purchase_days"] == 2
    assert x.loc["A", "in_home_country"] == 1 and x.loc["B", "in_home_country"] == 0
    # one-order customer: gap features filled with the tenure, spread with 0
    assert x.loc["B", "mean_days_between"] == pytest.approx(x.loc["B", "tenure_days"])
    assert x.loc["B", "std_days_between"] == 0.0
    X, y = task  # unpacks like a pair
    assert X is task.X and y is task.y
    assert len(task) == 3 and "repurchase" in repr(task)


def test_value_tier_edges_from_training_only(small: pd.DataFrame) -> None:
    train = models.make_task(small, "2010-03-01", 30, "value_tier")
    lo, hi = train.tier_edges
    buyers = train.spend[train.spend > 0]
    assert lo == pytest.approx(buyers.quantile(1 / 3)) and hi == pytest.approx(buyers.quantile(2 / 3))
    assert set(train.y) <= set(models.TIERS)
    assert train.y["B"] == "low"  # no purchase in the window
    assert train.y["C"] == "high"
    test = models.make_task(small, "2010-04-01", 30, "value_tier", tier_edges=train.tier_edges)
    assert test.tier_edges == train.tier_edges
    # the test task's own spends would give other edges: the given ones are used
    assert test.y["A"] == ("low" if 10.0 <= lo else "mid" if 10.0 <= hi else "high")
    with pytest.raises(ValueError, match="distinct positive spends"):
        models.make_task(small, "2010-04-01", 30, "value_tier")  # one buyer: no edges to compute


def test_train_test_tasks_reuses_training_edges() -> None:
    tx = make_transactions(300, 100, start="2010-01-01", end="2010-12-31", random_state=1)
    train, test = models.train_test_tasks(tx, "2010-05-01", "2010-08-01", 60, "value_tier")
    assert test.tier_edges == train.tier_edges
    own = models.make_task(tx, "2010-08-01", 60, "value_tier")
    assert own.tier_edges != train.tier_edges
    assert list(train.X.columns) == list(test.X.columns)


def test_train_test_tasks_refuses_overlap(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="overlap the test period"):
        models.train_test_tasks(small, "2010-03-01", "2010-03-20", horizon_days=30)
    train, test = models.train_test_tasks(small, "2010-02-01", "2010-03-03", horizon_days=30)  # ends exactly at the test cutoff
    assert train.cutoff < test.cutoff


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"target": "churn"}, "target must be one of"),
        ({"horizon_days": 0}, "horizon_days must be"),
        ({"horizon_days": 2.5}, "horizon_days must be"),
        ({"horizon_days": 200}, "runs past the end of the data"),
        ({"tier_edges": (1.0, 2.0)}, "only apply to target='value_tier'"),
        ({"target": "value_tier", "tier_edges": (3.0, 1.0)}, "two increasing"),
        ({"features": ["nope"]}, "unknown feature"),
        ({"features": []}, "unknown feature"),
    ],
)
def test_make_task_bad_inputs(small: pd.DataFrame, kwargs: dict, match: str) -> None:
    args = {"cutoff": "2010-03-01", "horizon_days": 30} | kwargs
    with pytest.raises(ValueError, match=match):
        models.make_task(small, **args)


def test_make_task_bad_frames(small: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"lacks the column\(s\) \[.quantity.\]"):
        models.make_task(small.drop(columns=["quantity"]), "2010-03-01", 30)
    with pytest.raises(ValueError, match="first transaction"):
        models.make_task(small, "2009-01-01", 30)
    with pytest.raises(TypeError):
        models.make_task(small.to_numpy(), "2010-03-01", 30)


def test_feature_subset(small: pd.DataFrame) -> None:
    task = models.make_task(small, "2010-03-01", 30, features=["recency_days", "spend_90d"])
    assert list(task.X.columns) == ["recency_days", "spend_90d"]


# The property: features see only lines before the cutoff, labels only lines inside the window.
rows_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.integers(min_value=0, max_value=360),  # day offset from START
        st.integers(min_value=-3, max_value=12).filter(lambda q: q != 0),
        st.sampled_from([0.5, 1.0, 2.5, 10.0]),
    ),
    min_size=1,
    max_size=40,
)


def random_frame(rows: list[tuple[str, int, int, float]]) -> pd.DataFrame:
    lines = [
        (c, f"{'C' if q < 0 else ''}{i}", "X", q, p, START + pd.Timedelta(days=d, hours=9), "United Kingdom")
        for i, (c, d, q, p) in enumerate(rows)
    ]
    lines.append(("z", "end", "X", 1, 1.0, END, "United Kingdom"))  # fixes the end of the data
    lines.insert(0, ("z", "start", "X", 1, 1.0, START, "United Kingdom"))  # and its start
    return tx_frame(lines)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=rows_strategy,
    cut_day=st.integers(min_value=30, max_value=250),
    horizon=st.integers(min_value=1, max_value=100),
    seed=st.integers(min_value=0, max_value=10_000),
)
def test_no_look_ahead_and_labels_only_from_the_window(rows, cut_day, horizon, seed) -> None:
    tx = random_frame(rows)
    cut = START + pd.Timedelta(days=cut_day)
    end = cut + pd.Timedelta(days=horizon)
    task = models.make_task(tx, cut, horizon)

    rng = np.random.default_rng(seed)
    anchor = tx["invoice_id"].isin(["start", "end"])
    future = (tx["timestamp"] >= cut) & ~anchor

    # 1. scramble everything at or after the cutoff: features must not move
    changed = tx.copy()
    changed.loc[future, "quantity"] = rng.integers(1, 50, future.sum())
    changed.loc[future, "unit_price"] = rng.uniform(0.1, 99, future.sum()).round(2)
    changed.loc[future, "customer_id"] = rng.choice(["a", "b", "q"], future.sum())
    pd.testing.assert_frame_equal(models.make_task(changed, cut, horizon).X, task.X)

    # 2. scramble the size of purchases before the cutoff and everything after the window: labels must not move
    changed = tx.copy()
    before_buys = (tx["timestamp"] < cut) & (tx["quantity"] > 0) & ~anchor
    changed.loc[before_buys, "quantity"] = rng.integers(1, 50, before_buys.sum())
    after = (tx["timestamp"] >= end) & ~anchor
    changed.loc[after, "quantity"] = rng.integers(-5, 50, after.sum())
    changed.loc[after, "quantity"] = changed.loc[after, "quantity"].replace(0, 1)
    changed.loc[after, "customer_id"] = rng.choice(["a", "b", "c"], after.sum())
    other = models.make_task(changed, cut, horizon)
    pd.testing.assert_series_equal(other.y, task.y)
    pd.testing.assert_series_equal(other.spend, task.spend)

    # 3. the label is exactly "a purchase line of this customer inside the window"
    inside = tx[(tx["timestamp"] >= cut) & (tx["timestamp"] < end) & (tx["quantity"] > 0)]
    expected = task.X.index.isin(inside["customer_id"]).astype("int64")
    assert (task.y.to_numpy() == expected).all()
    # the population is every customer with a purchase before the cutoff
    buyers = tx[(tx["timestamp"] < cut) & (tx["quantity"] > 0)]["customer_id"].unique()
    assert set(task.X.index) == set(buyers)

    # 4. deterministic and independent of row order
    shuffled = tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    again = models.make_task(shuffled, cut, horizon)
    pd.testing.assert_frame_equal(again.X, task.X)
    pd.testing.assert_series_equal(again.y, task.y)


# ----------------------------------------------------------------------------------------- models


@pytest.fixture(scope="module")
def synthetic_split() -> tuple[models.Task, models.Task]:
    tx = make_transactions(600, 150, start="2010-01-01", end="2010-12-31", random_state=3)
    return models.train_test_tasks(tx, "2010-05-01", "2010-08-01", 60)


def test_make_models_names_and_seeds() -> None:
    ms = models.make_models(0)
    assert list(ms) == models.MODEL_NAMES
    assert ms["tree"].random_state == 0
    assert ms["gradient boosting"].random_state == 0
    assert models.make_models(7)["tree"].random_state == 7
    assert list(models.make_models(0, names=["svm", "knn"])) == ["svm", "knn"]
    assert models.make_models(0, knn_neighbors=9)["knn"].get_params()["model__n_neighbors"] == 9
    with pytest.raises(ValueError, match="unknown model"):
        models.make_models(0, names=["forest"])
    assert models.make_models(0)["knn"] is not ms["knn"]  # fresh estimators every call


def test_capped_knn_equals_knn_when_k_fits() -> None:
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=80) > 0).astype(int)
    for params in ({"n_neighbors": 7, "metric": "manhattan"}, {"n_neighbors": 80, "weights": "distance"}):
        capped = models.CappedKNeighborsClassifier(**params).fit(X, y)
        plain = KNeighborsClassifier(**params).fit(X, y)
        np.testing.assert_array_equal(capped.predict_proba(X), plain.predict_proba(X))
        np.testing.assert_array_equal(capped.predict(X), plain.predict(X))
        assert capped.n_neighbors_ == params["n_neighbors"]
        np.testing.assert_array_equal(capped.kneighbors(X[:3])[1], plain.kneighbors(X[:3])[1])


def test_capped_knn_caps_k_and_stays_a_clean_estimator() -> None:
    from sklearn.base import clone
    from sklearn.neighbors import KNeighborsClassifier

    X = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0, 4.0, 5.0], "b": [1.0, 0.0, 1.0, 0.0, 1.0, 0.0]})
    y = np.array([0, 0, 0, 1, 1, 1])
    knn = models.CappedKNeighborsClassifier(n_neighbors=300, metric="manhattan")
    with pytest.raises(ValueError, match="n_neighbors"):
        KNeighborsClassifier(n_neighbors=300).fit(X, y).predict(X)   # what the cap avoids
    fitted = clone(knn).fit(X, y)
    assert fitted.n_neighbors_ == 6 and fitted.get_params()["n_neighbors"] == 300   # the parameter is unchanged
    np.testing.assert_allclose(fitted.predict_proba(X), 0.5)      # every row is a neighbour: the class shares
    assert list(fitted.feature_names_in_) == ["a", "b"] and fitted.n_features_in_ == 2
    assert clone(knn).get_params() == knn.get_params()
    assert knn.set_params(n_neighbors=3).n_neighbors == 3
    with pytest.raises(ValueError, match="n_neighbors"):
        models.CappedKNeighborsClassifier(n_neighbors=0).fit(X, y)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        models.CappedKNeighborsClassifier().predict(X)


def test_make_models_knn_fits_fewer_rows_than_k() -> None:
    # the default k (300) on a 40-customer training task: capped, not an error
    tx = make_transactions(60, 40, start="2010-01-01", end="2010-12-31", random_state=5)
    train, test = models.train_test_tasks(tx, "2010-05-01", "2010-08-01", 60)
    assert len(train) < 300
    table = models.compare_models(models.make_models(0, names=["knn"]), train, test)
    assert table.attrs["fitted"]["knn"].named_steps["model"].n_neighbors_ == len(train)
    # every training row is every test row's neighbour: the score is the training repurchase share, for all
    np.testing.assert_allclose(table.attrs["scores"]["knn"], train.y.mean())
    assert table.loc["knn", "roc_auc"] == 0.5  # a constant score ranks nobody


def test_evaluate_is_deterministic(synthetic_split) -> None:
    train, test = synthetic_split
    a = models.compare_models(models.make_models(0, knn_neighbors=25), train, test)
    b = models.compare_models(models.make_models(0, knn_neighbors=25), train, test)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.index) == models.MODEL_NAMES
    assert list(a.columns) == ["roc_auc", "pr_auc", "f1", "balanced_accuracy"]
    assert a.loc["majority", "roc_auc"] == 0.5
    assert ((a >= 0) & (a <= 1)).all().all()
    assert set(a.attrs["fitted"]) == set(models.MODEL_NAMES)
    for name in models.MODEL_NAMES:
        np.testing.assert_array_equal(a.attrs["scores"][name], b.attrs["scores"][name])
        np.testing.assert_array_equal(a.attrs["predictions"][name], b.attrs["predictions"][name])
    t = models.compare_models(models.make_models(0, names=["logistic"]), train, test, timings=True)
    assert {"fit_s", "predict_s"} <= set(t.columns) and (t[["fit_s", "predict_s"]] >= 0).all().all()


def test_evaluate_multiclass_and_bad_inputs(synthetic_split) -> None:
    tx = make_transactions(400, 100, start="2010-01-01", end="2010-12-31", random_state=4)
    train, test = models.train_test_tasks(tx, "2010-05-01", "2010-08-01", 60, "value_tier")
    res = models.compare_models(models.make_models(0, names=["logistic", "svm", "tree"]), train, test)
    assert ((res >= 0) & (res <= 1)).all().all()
    # one-vs-rest macro AUCs and macro F1, recomputed with scikit-learn from each fitted model's own output
    from sklearn.metrics import balanced_accuracy_score, f1_score, roc_auc_score

    for name, fitted in res.attrs["fitted"].items():
        assert list(fitted.classes_) == sorted(models.TIERS)
        if name == "svm":  # no predict_proba: a softmax of the decision function
            d = fitted.decision_function(test.X)
            proba = np.exp(d) / np.exp(d).sum(axis=1, keepdims=True)
        else:
            proba = fitted.predict_proba(test.X)
        np.testing.assert_allclose(res.attrs["scores"][name], proba, rtol=1e-12)
        expected_auc = roc_auc_score(test.y, proba, multi_class="ovr", average="macro", labels=fitted.classes_)
        assert res.loc[name, "roc_auc"] == pytest.approx(expected_auc, abs=1e-12)
        assert res.loc[name, "f1"] == pytest.approx(f1_score(test.y, fitted.predict(test.X), average="macro", zero_division=0))
        assert res.loc[name, "balanced_accuracy"] == pytest.approx(balanced_accuracy_score(test.y, fitted.predict(test.X)))
    assert res.loc["logistic", "roc_auc"] > 0.65  # the value tier is predictable from the features
    tr, te = synthetic_split
    with pytest.raises(ValueError, match="different feature columns"):
        models.compare_models(models.make_models(0, names=["tree"]), tr, (te.X.iloc[:, :5], te.y))
    with pytest.raises(ValueError, match="binary"):
        models.RecencyRule().fit(train.X, train.y)


def test_recency_rule_is_monotone(synthetic_split) -> None:
    train, test = synthetic_split
    rule = models.RecencyRule().fit(train.X, train.y)
    order = np.argsort(test.X["recency_days"].to_numpy(), kind="stable")
    p = rule.predict_proba(test.X)[:, 1][order]
    assert (np.diff(p) <= 1e-12).all()
    assert set(np.unique(rule.predict(test.X))) <= {0, 1}
    with pytest.raises(ValueError, match="recency_days"):
        rule.predict_proba(test.X.drop(columns=["recency_days"]))


def test_scores_and_metrics() -> None:
    y = np.array([0, 0, 1, 1])
    m = models.metrics(y, np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 1, 0, 1]))
    assert m["roc_auc"] == pytest.approx(0.75)
    assert m["balanced_accuracy"] == pytest.approx(0.5)
    with pytest.raises(ValueError, match="classes"):
        models.metrics(y, np.ones((4, 3)) / 3, y)
