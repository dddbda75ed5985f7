"""Unit tests for profiling.tuning: time-aware CV, pipelines, searches, selection, cost threshold, bootstrap."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.tree import DecisionTreeClassifier

from profiling import tuning
from profiling.tuning import TimeAwareSplit


def panel(n_per_group: int = 120, n_groups: int = 5, seed: int = 0) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """A small stacked panel: informative `a`, weak `b`, noise `c`; monthly cutoffs as groups."""
    rng = np.random.default_rng(seed)
    n = n_per_group * n_groups
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n)})
    y = pd.Series((X["a"] + 0.5 * X["b"] + rng.normal(size=n) > 0).astype(int))
    groups = pd.Series(np.repeat(pd.date_range("2010-01-01", periods=n_groups, freq="MS"), n_per_group))
    return X, y, groups


# ---------------------------------------------------------------- TimeAwareSplit


@settings(max_examples=60, deadline=None)
@given(
    times=st.lists(st.integers(min_value=0, max_value=12), min_size=2, max_size=60),
    n_splits=st.integers(min_value=1, max_value=4),
    gap=st.one_of(st.none(), st.integers(min_value=0, max_value=3)),
    window=st.one_of(st.none(), st.integers(min_value=1, max_value=3)),
)
def test_time_aware_split_never_trains_on_rows_at_or_after_its_validation_fold(times, n_splits, gap, window) -> None:
    times_arr = np.array(times)
    rng = np.random.default_rng(len(times))
    rng.shuffle(times_arr)  # row order must not matter
    cv = TimeAwareSplit(n_splits=n_splits, gap=gap, max_train_groups=window)
    X = np.zeros((len(times_arr), 1))
    try:
        folds = list(cv.split(X, groups=times_arr))
    except ValueError:
        # refused only when the groups cannot give n_splits folds with earlier training groups
        values = np.unique(times_arr)
        if len(values) >= n_splits + 1:
            first_val = values[-n_splits]
            assert not ((values < first_val) & (values + (gap or 0) <= first_val)).any()
        return
    assert len(folds) == n_splits == cv.get_n_splits()
    previous = None
    for train, valid in folds:
        assert len(train) > 0 and len(valid) > 0
        assert np.intersect1d(train, valid).size == 0
        v = times_arr[valid]
        assert (v == v[0]).all()  # a validation fold is one time
        assert times_arr[train].max() < v[0]  # never a row at or after the validation time
        assert (times_arr[train] + (gap or 0) <= v[0]).all()  # labels of training rows closed by then
        if window is not None:
            assert np.unique(times_arr[train]).size <= window
        if previous is not None:
            assert v[0] > previous  # folds move forward in time
        previous = v[0]
        # every row of the eligible times is used
        assert set(valid) == set(np.flatnonzero(times_arr == v[0]))


def test_time_aware_split_with_dates_and_gap() -> None:
    X, y, groups = panel()
    cv = TimeAwareSplit(n_splits=2, gap=pd.Timedelta(days=40))
    folds = list(cv.split(X, y, groups))
    for train, valid in folds:
        assert groups.iloc[train].max() + pd.Timedelta(days=40) <= groups.iloc[valid].min()
    # validation 2010-04-01 trains on Jan + Feb; validation 2010-05-01 on Jan..Mar
    assert [len(tr) for tr, _ in folds] == [240, 360]
    # string dates work too, and the gap may be a string
    folds_str = list(TimeAwareSplit(2, gap="40D").split(X, y, groups.dt.strftime("%Y-%m-%d").tolist()))
    assert all((a[0] == b[0]).all() and (a[1] == b[1]).all() for a, b in zip(folds, folds_str))


def test_time_aware_split_inside_sklearn() -> None:
    X, y, groups = panel()
    cv = TimeAwareSplit(n_splits=3)
    scores = cross_val_score(LogisticRegression(), X, y, cv=cv, groups=groups, scoring="roc_auc")
    assert len(scores) == 3 and (scores > 0.6).all()
    search = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [2, 4]}, cv=cv, scoring="roc_auc")
    search.fit(X, y, groups=groups)
    assert search.n_splits_ == 3


@pytest.mark.parametrize(
    "kwargs, groups, match",
    [
        ({}, None, "needs `groups`"),
        ({"n_splits": 5}, [1, 1, 2, 3], "cannot give 5"),
        ({"n_splits": 0}, [1, 2], "positive integer"),
        ({"max_train_groups": 0}, [1, 2], "max_train_groups"),
        ({"n_splits": 1, "gap": 5}, [1, 2, 3, 4], "no training group"),
        ({"n_splits": 1}, ["a", "b", "c", "d"], "orderable times"),
        ({"n_splits": 1, "gap": pd.Timedelta(days=1)}, [1, 2, 3, 4], "groups are numbers"),
        ({"n_splits": 1, "gap": 3}, ["2010-01-01", "2010-02-01", "2010-03-01", "2010-04-01"], "is a number but"),
        ({"n_splits": 1}, [1, 2, 3], "3 values but X has 4"),
    ],
)
def test_time_aware_split_refuses_bad_input(kwargs, groups, match) -> None:
    with pytest.raises(ValueError, match=match):
        list(TimeAwareSplit(**kwargs).split(np.zeros((4, 1)), groups=groups))


def test_stack_cutoffs() -> None:
    X1 = pd.DataFrame({"f": [1.0, 2.0]}, index=pd.Index(["a", "b"], name="customer_id"))
    X2 = pd.DataFrame({"f": [3.0]}, index=pd.Index(["a"], name="customer_id"))
    X, y, g = tuning.stack_cutoffs({"2010-06-01": (X2, pd.Series([1])), "2010-03-01": (X1, pd.Series([0, 1]))})
    assert list(X["f"]) == [1.0, 2.0, 3.0]  # sorted by cutoff
    assert list(y) == [0, 1, 1]
    assert list(g.dt.strftime("%Y-%m-%d")) == ["2010-03-01", "2010-03-01", "2010-06-01"]
    assert X.index.names == ["cutoff", "customer_id"]
    with pytest.raises(ValueError, match="columns at cutoff"):
        tuning.stack_cutoffs({"2010-03-01": (X1, pd.Series([0, 1])), "2010-06-01": (X2.rename(columns={"f": "g"}), pd.Series([1]))})
    with pytest.raises(ValueError, match="no tasks"):
        tuning.stack_cutoffs({})
    with pytest.raises(ValueError, match="y has 1"):
        tuning.stack_cutoffs({"2010-03-01": (X1, pd.Series([0]))})


# ---------------------------------------------------------------- pipelines


def _expected_scaling(scaling: str, X: np.ndarray) -> np.ndarray:
    """What each scaling is documented to do, computed by hand (population standard deviation, as StandardScaler)."""
    def z(a: np.ndarray) -> np.ndarray:
        return (a - a.mean(axis=0)) / a.std(axis=0)

    def signed_log(a: np.ndarray) -> np.ndarray:
        return np.sign(a) * np.log1p(np.abs(a))

    return {
        "none": lambda a: a,
        "minmax": lambda a: (a - a.min(axis=0)) / (a.max(axis=0) - a.min(axis=0)),
        "zscore": z,
        "log": signed_log,
        "log_zscore": lambda a: z(signed_log(a)),
    }[scaling](X)


def test_every_scaling_is_checked() -> None:
    assert set(tuning.SCALINGS) == {"none", "minmax", "zscore", "log", "log_zscore", "quantile"}


@pytest.mark.parametrize("scaling", tuning.SCALINGS)
def test_build_pipeline_every_scaling(scaling) -> None:
    from scipy import stats

    X, y, _ = panel()
    X[["a", "b"]] = X[["a", "b"]].abs() * 50  # skewed and large, as spend is; `c` keeps its negative values
    X.iloc[0, 0] = np.nan  # the imputer handles missing values
    pipe = tuning.build_pipeline(KNeighborsClassifier(5), scaling=scaling).fit(X, y)
    assert pipe.predict_proba(X).shape == (len(X), 2)
    assert list(pipe.named_steps) == ["impute", "scale", "select", "reduce", "model"]
    # the missing value becomes the column's median (of the other rows)
    imputed = X.fillna(X.median()).to_numpy()
    assert imputed[0, 0] == pytest.approx(X["a"].iloc[1:].median())
    Z = np.asarray(pipe[:-1].transform(X))
    assert Z.shape == X.shape and np.isfinite(Z).all()
    if scaling == "quantile":
        # to a normal shape: monotone in every column, and each value at the normal quantile of its rank
        for j in range(Z.shape[1]):
            assert stats.spearmanr(Z[:, j], imputed[:, j]).statistic == pytest.approx(1.0)
        normal_scores = stats.norm.ppf((stats.rankdata(imputed, axis=0) - 0.5) / len(Z))
        central = np.abs(normal_scores) < 2
        assert np.abs(Z - normal_scores)[central].max() < 0.1
        assert np.percentile(Z, [16, 50, 84], axis=0) == pytest.approx(np.array([[-1] * 3, [0] * 3, [1] * 3]), abs=0.05)
    else:
        expected = _expected_scaling(scaling, imputed)
        np.testing.assert_allclose(Z, expected, rtol=1e-9, atol=1e-9)
        # and the model is fitted on the transformed rows: the same as a KNN on the hand-made matrix
        by_hand = KNeighborsClassifier(5).fit(expected, y)
        np.testing.assert_allclose(pipe.predict_proba(X), by_hand.predict_proba(expected))


def test_build_pipeline_reduce_and_select() -> None:
    X, y, _ = panel()
    pca = tuning.build_pipeline(KNeighborsClassifier(5), reduce="pca", n_components=2).fit(X, y)
    assert pca.named_steps["reduce"].n_components_ == 2
    lda = tuning.build_pipeline(KNeighborsClassifier(5), reduce="lda", n_components=1).fit(X, y)
    assert lda[:-1].transform(X).shape == (len(X), 1)
    cols = tuning.build_pipeline(LogisticRegression(), select=[0]).fit(X, y)
    assert cols.named_steps["model"].coef_.shape == (1, 1)
    kbest = tuning.build_pipeline(LogisticRegression(), select=SelectKBest(f_classif, k=2)).fit(X, y)
    assert kbest.named_steps["model"].coef_.shape == (1, 2)


@pytest.mark.parametrize(
    "kwargs, match",
    [({"scaling": "robust"}, "unknown scaling"), ({"reduce": "tsne"}, "reduce="), ({"impute": "zero"}, "impute="), ({"select": []}, "empty")],
)
def test_build_pipeline_refuses_bad_options(kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        tuning.build_pipeline(LogisticRegression(), **kwargs)


# ---------------------------------------------------------------- spaces and searches

SPACE = {
    "max_depth": tuning.int_dim(2, 12),
    "min_samples_leaf": tuning.int_dim(1, 100, log=True),
    "criterion": tuning.cat_dim("gini", "entropy"),
}


def test_dims_and_grid() -> None:
    assert tuning.int_dim(2, 12).levels(3) == [2, 7, 12]
    assert tuning.float_dim(0.01, 1, log=True).levels(3) == pytest.approx([0.01, 0.1, 1.0])
    assert tuning.cat_dim("a", "b", "c").levels(2) == ["a", "c"]
    grid = tuning.grid_from_space(SPACE, 16)
    size = np.prod([len(v) for v in grid.values()])
    assert size <= 16 and size >= 12
    assert grid["criterion"] == ["gini", "entropy"]
    assert tuning.grid_from_space({"k": tuning.int_dim(1, 3)}, 10) == {"k": [1, 2, 3]}  # no more levels than values
    rng = np.random.RandomState(0)
    draws = [SPACE["min_samples_leaf"].distribution().rvs(random_state=rng) for _ in range(200)]
    assert min(draws) >= 1 and max(draws) <= 100 and np.median(draws) < 30  # log-uniform, not uniform
    for bad in (lambda: tuning.int_dim(5, 5), lambda: tuning.float_dim(0, 1, log=True), lambda: tuning.cat_dim()):
        with pytest.raises(ValueError):
            bad()
    with pytest.raises(TypeError, match="not Dim"):
        tuning.grid_from_space({"k": [1, 2]}, 4)
    with pytest.raises(ValueError, match="empty"):
        tuning.grid_from_space({}, 4)


@pytest.mark.parametrize("method", ["grid", "random", "halving", "optuna"])
def test_run_search_respects_the_budget_and_is_deterministic(method, caplog) -> None:
    X, y, groups = panel(n_per_group=300)
    cv = TimeAwareSplit(2)
    est = DecisionTreeClassifier(random_state=0)
    with caplog.at_level(logging.INFO):
        r1 = tuning.run_search(est, SPACE, X, y, method=method, budget=6, cv=cv, groups=groups, random_state=1)
    r2 = tuning.run_search(est, SPACE, X, y, method=method, budget=6, cv=cv, groups=groups, random_state=1)
    assert r1.best_params == r2.best_params and r1.best_score == r2.best_score
    assert 0.5 < r1.best_score <= 1
    assert set(r1.best_params) == set(SPACE)
    assert r1.full_fit_equivalents <= 6 * 1.05
    if method != "halving":
        assert r1.n_fits == r1.n_candidates * 2
    else:
        assert r1.n_candidates > 6  # more candidates, on subsamples
    assert not [rec for rec in caplog.records if rec.name.startswith("optuna")]  # optuna is silent


def test_run_search_refuses_unknown_method() -> None:
    X, y, groups = panel()
    with pytest.raises(ValueError, match="unknown method"):
        tuning.run_search(LogisticRegression(), {"C": tuning.float_dim(0.1, 1)}, X, y, method="anneal")


def _cv_auc(estimator, X, y, cv, groups) -> float:
    return float(np.mean(cross_val_score(estimator, X, y, cv=cv, groups=groups, scoring="roc_auc")))


def test_tuned_pipeline_and_compare_searches() -> None:
    from sklearn.preprocessing import StandardScaler

    X, y, groups = panel()
    pipe, res = tuning.tuned_pipeline(
        KNeighborsClassifier(), {"n_neighbors": tuning.int_dim(3, 40)}, X, y, groups=groups, budget=4, scaling="zscore"
    )
    assert pipe.predict_proba(X).shape == (len(X), 2)
    assert list(res.best_params) == ["model__n_neighbors"]
    k = res.best_params["model__n_neighbors"]
    assert isinstance(k, int) and 3 <= k <= 40
    # the returned pipeline is the best candidate, with the asked scaling, refitted on all rows
    assert pipe.named_steps["model"].n_neighbors == k and isinstance(pipe.named_steps["scale"], StandardScaler)
    by_hand = tuning.build_pipeline(KNeighborsClassifier(k), scaling="zscore")
    np.testing.assert_array_equal(pipe.predict_proba(X), by_hand.fit(X, y).predict_proba(X))
    # the budget: 4 candidates (optuna trials), each cross-validated with the default TimeAwareSplit(3)
    assert res.n_candidates == len(res.trials) == 4 and res.n_fits == 4 * 3
    tried = res.trials["params_model__n_neighbors"].tolist()
    assert all(3 <= t <= 40 for t in tried)
    # every trial's value is its real CV score, and the best score is the largest of them
    for t, value in zip(tried, res.trials["value"]):
        cv_score = _cv_auc(tuning.build_pipeline(KNeighborsClassifier(t), scaling="zscore"), X, y, TimeAwareSplit(3), groups)
        assert value == pytest.approx(cv_score, abs=1e-12)
    assert res.best_score == pytest.approx(res.trials["value"].max(), abs=1e-12)
    assert res.best_score == pytest.approx(_cv_auc(by_hand, X, y, TimeAwareSplit(3), groups), abs=1e-12)

    cv = TimeAwareSplit(2)
    table, results = tuning.compare_searches(
        DecisionTreeClassifier(random_state=0), SPACE, X, y, budget=4, cv=cv, groups=groups, methods=("grid", "random")
    )
    assert list(table["method"]) == ["grid", "random"]
    assert {"best CV score", "candidates", "fits", "full-fit equivalents", "seconds", "best parameters"} <= set(table.columns)
    assert set(results) == {"grid", "random"}
    grid = tuning.grid_from_space(SPACE, 4)
    for method, row in table.set_index("method").iterrows():
        r = results[method]
        scores = r.trials["mean_test_score"]
        # the table reports the best candidate: the largest CV score over the candidates tried
        assert row["best CV score"] == r.best_score == pytest.approx(scores.max(), abs=1e-12)
        assert r.best_score > scores.min()  # the candidates differ: reporting another one would show
        # within the budget: at most 4 candidates, each fitted once per fold
        assert row["candidates"] == r.n_candidates == len(r.trials) <= 4
        assert row["fits"] == r.n_fits == 2 * r.n_candidates and row["full-fit equivalents"] == r.n_candidates
        # the best parameters come from SPACE (and, for the grid, from its grid)
        best = r.best_params
        assert set(best) == set(SPACE)
        assert 2 <= best["max_depth"] <= 12 and 1 <= best["min_samples_leaf"] <= 100
        assert best["criterion"] in {"gini", "entropy"}
        if method == "grid":
            assert row["candidates"] == np.prod([len(v) for v in grid.values()])
            assert all(best[name] in values for name, values in grid.items())
        else:
            assert row["candidates"] == 4
        # ... and their CV score, recomputed, is the reported one
        refit = DecisionTreeClassifier(random_state=0, **best)
        assert r.best_score == pytest.approx(_cv_auc(refit, X, y, cv, groups), abs=1e-12)
        assert row["best parameters"] == ", ".join(f"{name}={best[name]}" for name in sorted(best))


# ---------------------------------------------------------------- selection and combinations


@pytest.mark.parametrize("method", ["mutual_info", "chi2", "l1", "permutation"])
def test_rank_features_finds_the_informative_column(method) -> None:
    X, y, _ = panel()
    if method == "chi2":
        X = X - X.min()  # chi-squared needs non-negative features
    kwargs = {"X_valid": X.iloc[:200], "y_valid": y.iloc[:200]} if method == "permutation" else {}
    r1 = tuning.rank_features(X.iloc[200:], y.iloc[200:], method, **kwargs)
    r2 = tuning.rank_features(X.iloc[200:], y.iloc[200:], method, **kwargs)
    pd.testing.assert_frame_equal(r1, r2)  # deterministic
    assert list(r1.columns) == ["feature", "score", "rank"]
    assert r1["feature"].iloc[0] == "a"
    assert list(r1["rank"]) == [1, 2, 3]


def test_rank_features_refuses_bad_input() -> None:
    X, y, _ = panel()
    with pytest.raises(ValueError, match="negative values"):
        tuning.rank_features(X, y, "chi2")
    with pytest.raises(ValueError, match="needs X_valid"):
        tuning.rank_features(X, y, "permutation")
    with pytest.raises(ValueError, match="unknown method"):
        tuning.rank_features(X, y, "boruta")
    with pytest.raises(ValueError, match="not numeric"):
        tuning.rank_features(X.assign(country="UK"), y, "mutual_info")
    with pytest.raises(TypeError, match="DataFrame"):
        tuning.rank_features(X.to_numpy(), y, "mutual_info")
    with pytest.raises(ValueError, match="y has"):
        tuning.rank_features(X, y.iloc[:5], "mutual_info")


def test_add_combinations() -> None:
    X = pd.DataFrame({"monetary": [100.0, 50.0, 10.0], "frequency": [4, 0, 1], "recency_days": [3.0, 10.0, 2.0]})
    out = tuning.add_combinations(X, ratios=[("monetary", "frequency")], crosses=[("recency_days", "frequency")])
    assert list(out.columns) == ["monetary", "frequency", "recency_days", "monetary_per_frequency", "recency_days_x_frequency"]
    assert out["monetary_per_frequency"].iloc[0] == 25.0 and np.isnan(out["monetary_per_frequency"].iloc[1])
    assert list(out["recency_days_x_frequency"]) == [12.0, 0.0, 2.0]
    assert list(X.columns) == ["monetary", "frequency", "recency_days"]  # input untouched
    with pytest.raises(ValueError, match="not in X"):
        tuning.add_combinations(X, ratios=[("monetary", "orders")])
    with pytest.raises(ValueError, match="pair"):
        tuning.add_combinations(X, crosses=[("monetary",)])


def test_screen_additions_keeps_only_what_helps() -> None:
    X, y, groups = panel(n_per_group=200)
    base = X[["b", "c"]].assign(useful=X["a"], noise=np.random.default_rng(5).normal(size=len(X)))
    table = tuning.screen_additions(LogisticRegression(), base, y, ["useful", "noise"], cv=TimeAwareSplit(2), groups=groups)
    assert list(table["candidate"]) == ["useful", "noise"]
    assert list(table["kept"]) == [True, False]
    assert table["gain"].iloc[0] > 0.05
    with pytest.raises(ValueError, match="not in X"):
        tuning.screen_additions(LogisticRegression(), base, y, ["missing"], cv=2)


# ---------------------------------------------------------------- cost threshold


def test_cost_threshold_hand_made_case() -> None:
    y = [0, 0, 1, 1]
    s = [0.1, 0.4, 0.35, 0.8]
    curve = tuning.cost_curve(y, s, cost_fp=1, cost_fn=5)
    # threshold: inf -> 2 missed (10); 0.8 -> 1 missed (5); 0.4 -> 1 false + 1 missed (6);
    # 0.35 -> 1 false (1); 0.1 -> 2 false (2)
    assert list(curve["threshold"]) == [np.inf, 0.8, 0.4, 0.35, 0.1]
    assert list(curve["cost"]) == [10, 5, 6, 1, 2]
    assert list(curve["tp"] + curve["fp"] + curve["fn"] + curve["tn"]) == [4] * 5
    best = tuning.cost_threshold(y, s, cost_fp=1, cost_fn=5)
    assert (best.threshold, best.cost) == (0.35, 1.0)
    assert list(best.predict(s)) == [0, 1, 1, 1]
    # when a missed returner is cheap, flag only the surest customer
    cheap = tuning.cost_threshold(y, s, cost_fp=1, cost_fn=0.5)
    assert (cheap.threshold, cheap.cost) == (0.8, 0.5)
    # when everything costs nothing, ties go to the highest threshold: flag nobody
    assert tuning.cost_threshold(y, s, cost_fp=0, cost_fn=0).threshold == np.inf


def test_cost_threshold_with_tied_scores() -> None:
    curve = tuning.cost_curve([1, 0, 1], [0.5, 0.5, 0.2], cost_fp=2, cost_fn=1)
    assert list(curve["threshold"]) == [np.inf, 0.5, 0.2]
    assert list(curve["predicted positive"]) == [0, 2, 3]
    assert list(curve["cost"]) == [2, 3, 2]
    assert tuning.cost_threshold([1, 0, 1], [0.5, 0.5, 0.2], cost_fp=2, cost_fn=1).threshold == np.inf


@pytest.mark.parametrize(
    "y, s, kwargs, match",
    [
        ([0, 2], [0.1, 0.2], {}, "0/1"),
        ([0, 1], [0.1], {}, "same length"),
        ([0, 1], [0.1, np.nan], {}, "NaN"),
        ([0, 1], [0.1, 0.2], {"cost_fp": -1}, "non-negative"),
        ([], [], {}, "no rows"),
    ],
)
def test_cost_curve_refuses_bad_input(y, s, kwargs, match) -> None:
    args = {"cost_fp": 1, "cost_fn": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        tuning.cost_curve(y, s, **args)


# ---------------------------------------------------------------- bootstrap and the before/after table


def test_before_after() -> None:
    rng = np.random.default_rng(0)
    n = 800
    y = rng.integers(0, 2, n)
    weak = y + rng.normal(scale=2.0, size=n)
    strong = y + rng.normal(scale=0.7, size=n)
    same = strong + rng.normal(scale=0.01, size=n)
    table = tuning.before_after(y, {"weak": weak, "strong": strong, "same": same}, n_boot=300, random_state=1)
    assert list(table.index) == ["weak", "strong", "same"]
    assert bool(table.loc["strong", "real gain"]) is True
    assert bool(table.loc["same", "real gain"]) is False  # noise-level change
    assert bool(table.loc["same", "real vs baseline"]) is True
    assert (table["AUC low"] <= table["ROC AUC"]).all() and (table["ROC AUC"] <= table["AUC high"]).all()
    with pytest.raises(ValueError, match="two classes"):
        tuning.before_after(np.ones(10), {"a": np.arange(10)}, n_boot=10)
    with pytest.raises(ValueError, match="no scores"):
        tuning.before_after(y, {}, n_boot=10)


@pytest.mark.parametrize("n_rows", [300, 3000, 11000])
def test_halving_schedule_stays_within_the_budget(n_rows) -> None:
    for budget in range(1, 25):
        rounds = max(1, min(3, int(np.floor(np.log(max(n_rows / 200, 1)) / np.log(3))) + 1))
        min_resources = max(1, n_rows // 3 ** (rounds - 1))
        c = tuning.search._halving_candidates(budget, rounds, 3, min_resources, n_rows)
        assert tuning.search._halving_cost(c, rounds, 3, min_resources, n_rows) <= budget + 1e-9
        assert c >= min(budget, 3)  # never fewer first-round candidates than a plain search would get (small budgets)


def test_time_aware_split_refuses_a_gap_that_is_not_a_duration() -> None:
    with pytest.raises(ValueError, match="not a time difference"):
        list(TimeAwareSplit(1, gap="soon").split(np.zeros((2, 1)), groups=["2010-01-01", "2010-02-01"]))
