"""Tests of profiling.uplift.models: the uplift models find the persuadable, and follow the scikit-learn contract."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, LogisticRegression

from profiling import uplift


def _synthetic(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Binary outcome whose treatment effect is +0.3 when x0 > 0 and 0 otherwise; base rate depends on x1."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"x0": rng.normal(size=n), "x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    t = rng.integers(0, 2, n)
    effect = np.where(X["x0"] > 0, 0.3, 0.0)
    base = 0.1 + 0.3 * (X["x1"] > 0)
    y = (rng.random(n) < base + t * effect).astype(int)
    return X, y, t, effect


UPLIFT_MODELS = [uplift.TwoModels, uplift.ClassTransformation, uplift.TransformedOutcome, uplift.XLearner]
ALL_MODELS = [*UPLIFT_MODELS, uplift.ResponseModel]


@pytest.mark.parametrize("model", UPLIFT_MODELS)
def test_uplift_models_find_the_persuadable_and_are_deterministic(model) -> None:
    X, y, t, effect = _synthetic()
    Xn, _, _, effect_new = _synthetic(seed=1)
    u1 = model(random_state=3).fit(X, y, t).predict(Xn)
    u2 = model(random_state=3).fit(X, y, t).predict(Xn)
    np.testing.assert_array_equal(u1, u2)
    assert u1.shape == (len(Xn),)
    # the customers with a true effect get the higher predicted uplift
    assert u1[effect_new > 0].mean() - u1[effect_new == 0].mean() > 0.15


def test_response_model_ranks_by_response_not_by_effect() -> None:
    X, y, t, effect = _synthetic()
    r = uplift.ResponseModel(random_state=0).fit(X, y, t).predict(X)
    assert np.corrcoef(r, X["x1"] > 0)[0, 1] > 0.5      # it follows the base rate too
    assert ((r >= 0) & (r <= 1)).all()


def test_models_accept_regressors_for_amounts() -> None:
    X, _, t, _ = _synthetic()
    spend = 10 * X["x0"] * t + 5.0
    u = uplift.TwoModels(LinearRegression()).fit(X, spend, t).predict(X)
    assert np.corrcoef(u, X["x0"])[0, 1] > 0.99
    assert uplift.TransformedOutcome(random_state=0).fit(X, spend, t).predict(X).shape == (len(X),)


def test_two_models_and_x_learner_by_hand() -> None:
    # treated: y = 1 + 2x, control: y = 1, so the effect is 2x; linear models recover it exactly
    X = np.array([[0.0], [1.0], [2.0], [0.0], [1.0], [2.0]])
    y = np.array([1.0, 3.0, 5.0, 1.0, 1.0, 1.0])
    t = np.array([1, 1, 1, 0, 0, 0])
    m = uplift.TwoModels(LinearRegression()).fit(X, y, t)
    np.testing.assert_allclose(m.predict_outcomes([[3.0]]).to_numpy(), [[7.0, 1.0]], atol=1e-9)
    np.testing.assert_allclose(m.predict([[3.0]]), [6.0], atol=1e-9)
    x = uplift.XLearner(LinearRegression(), LinearRegression()).fit(X, y, t)
    assert x.propensity_ == 0.5
    np.testing.assert_allclose(x.predict([[3.0], [0.5]]), [6.0, 1.0], atol=1e-9)


def test_models_refuse_bad_input() -> None:
    X, y, t, _ = _synthetic(400)
    with pytest.raises(ValueError, match="binary"):
        uplift.ClassTransformation().fit(X, y * 2.5, t)
    with pytest.raises(ValueError, match="treatment must be 0"):
        uplift.TwoModels().fit(X, y, t + 1)
    with pytest.raises(ValueError, match="need both groups"):
        uplift.XLearner().fit(X, y, np.ones_like(t))
    with pytest.raises(ValueError, match="must match"):
        uplift.TransformedOutcome().fit(X, y[:-1], t)
    with pytest.raises(ValueError, match="missing values"):
        uplift.ResponseModel().fit(X, np.where(y == 1, np.nan, 0.0), t)
    with pytest.raises(ValueError, match="X must be 2-D"):
        uplift.TwoModels().fit(X["x0"], y, t)
    with pytest.raises(ValueError, match="TransformedOutcome.fit: propensity must be in"):
        uplift.TransformedOutcome(propensity=1.0).fit(X, y, t)
    with pytest.raises(ValueError, match="XLearner.fit: propensity must be in"):
        uplift.XLearner(propensity=0.0).fit(X, y, t)
    fitted = uplift.ClassTransformation(random_state=0).fit(X, y, t)
    with pytest.raises(ValueError, match="columns"):
        fitted.predict(X[["x0"]])


@pytest.mark.parametrize("model", ALL_MODELS)
def test_predict_before_fit_raises_not_fitted(model) -> None:
    X, _, _, _ = _synthetic(50)
    with pytest.raises(NotFittedError, match="is not fitted yet"):
        model().predict(X)


# --------------------------------------------------------------------------------------------
# The scikit-learn contract
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ALL_MODELS)
def test_init_stores_parameters_exactly_as_given(model) -> None:
    est = LogisticRegression(C=0.5)
    params = {name: value for name, value in model().get_params(deep=False).items()}
    given = {name: (est if name in ("estimator", "effect_estimator", "estimator_control") else
                    "as given" if name in ("propensity", "random_state", "balance") else value)
             for name, value in params.items()}
    m = model(**given)
    for name, value in given.items():
        assert getattr(m, name) is value, name               # stored, not copied, defaulted or validated
    assert m.get_params(deep=False) == given
    assert not [a for a in vars(m) if a.endswith("_")]        # no fitted state before fit


@pytest.mark.parametrize("model", ALL_MODELS)
def test_clone_gives_an_unfitted_model_with_equal_params_and_the_same_predictions(model) -> None:
    X, y, t, _ = _synthetic(1500, seed=2)
    fitted = model(random_state=7).fit(X, y, t)
    copy = clone(fitted)
    assert type(copy) is model and copy is not fitted
    assert copy.get_params() == fitted.get_params()
    assert not [a for a in vars(copy) if a.endswith("_")]
    with pytest.raises(NotFittedError):
        copy.predict(X)
    np.testing.assert_array_equal(copy.fit(X, y, t).predict(X), fitted.predict(X))


def test_set_params_reaches_the_inner_estimator() -> None:
    X, _, t, _ = _synthetic(600, seed=3)
    spend = 10 * X["x0"] * t + 5.0
    m = uplift.TwoModels(LinearRegression())
    assert m.set_params(estimator__fit_intercept=False) is m
    assert m.get_params()["estimator__fit_intercept"] is False
    assert m.fit(X, spend, t).model_treated_.fit_intercept is False
    assert clone(m).estimator is not m.estimator                 # clone copies the inner estimator too
    with pytest.raises(ValueError, match="Invalid parameter"):
        m.set_params(nonsense=1)


def test_random_state_is_set_on_the_inner_models_and_the_given_estimator_is_not_fitted() -> None:
    X, y, t, _ = _synthetic(800, seed=4)
    from sklearn.ensemble import HistGradientBoostingClassifier

    inner = HistGradientBoostingClassifier(max_iter=10, random_state=99)
    m = uplift.XLearner(inner, random_state=5).fit(X, y, t)
    assert m.model_treated_.random_state == 5 and m.effect_control_.random_state == 5
    assert not hasattr(inner, "n_iter_") and inner.random_state == 99      # the user's object is untouched


class _ThreadSpy(RegressorMixin, BaseEstimator):
    """A mean regressor that records the BLAS/OpenMP thread limits in force while it is fitted."""

    def fit(self, X, y):
        from threadpoolctl import threadpool_info

        self.threads_ = max(info["num_threads"] for info in threadpool_info())
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def test_models_fit_on_one_thread() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    X, _, t, _ = _synthetic(200, seed=5)
    spend = 1.0 + t
    with threadpool_limits(limits=2):
        outside = max(info["num_threads"] for info in threadpool_info())
        m = uplift.TwoModels(_ThreadSpy()).fit(X, spend, t)
    assert outside == 2                                          # else this test could not fail
    assert m.model_treated_.threads_ == 1 and m.model_control_.threads_ == 1
