"""Uplift models: who is persuaded by the treatment, next to a plain response model for comparison.

Every model follows the scikit-learn contract (``get_params``/``set_params``/``clone`` work,
parameters stored as given, fitted state with a trailing underscore) with the uplift signature of
scikit-uplift: ``fit(X, y, treatment)`` and ``predict(X)``, the estimated effect of the treatment
on ``y`` for each row; ``treatment`` is 1 for treated and 0 for control rows. Fitting and
predicting run on one thread (:func:`profiling.numeric.single_threaded`): gradient boosting on
tens of thousands of rows gains little from threads, and one thread sums in one fixed order.

- :class:`TwoModels` (T-learner): one outcome model per group, uplift = their difference.
- :class:`ClassTransformation`: one classifier of ``z = 1 if y == t`` (0/1 outcomes).
- :class:`TransformedOutcome`: one regressor of ``y (t - p) / (p (1 - p))`` (amounts too).
- :class:`XLearner`: effects imputed with the other group's model, then learnt.
- :class:`ResponseModel`: not an uplift model, P(y = 1 | x, treated), the "likeliest buyers" score.

The default outcome model is a small ``HistGradientBoostingClassifier`` (depth 2, 100 iterations),
the default effect model its regressor twin; ``random_state`` is set on every inner model.

Example
-------
>>> import numpy as np
>>> from sklearn.base import clone
>>> rng = np.random.default_rng(0)
>>> X = rng.normal(size=(2000, 2))
>>> t = (rng.random(2000) < 0.5).astype(int)              # random assignment
>>> y = (rng.random(2000) < 0.2 + 0.3 * t * (X[:, 0] > 0)).astype(int)   # only x0 > 0 is persuaded
>>> model = TwoModels(random_state=0).fit(X, y, t)
>>> u = model.predict(X)
>>> bool(u[X[:, 0] > 0].mean() - u[X[:, 0] <= 0].mean() > 0.2)
True
>>> clone(model).set_params(random_state=1)                      # a new, unfitted model
TwoModels(random_state=1)
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier

from profiling.numeric import single_threaded
from profiling.uplift._checks import check_binary_outcome, check_fit_inputs
from profiling.validation import check_is_fitted

__all__ = ["ClassTransformation", "ResponseModel", "TransformedOutcome", "TwoModels", "XLearner"]


def _default_classifier(random_state: Any) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_depth=2, learning_rate=0.1, max_iter=100, early_stopping=False,
                                          random_state=random_state)


def _default_regressor(random_state: Any) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_depth=2, learning_rate=0.1, max_iter=100, early_stopping=False,
                                         random_state=random_state)


def _fresh(estimator: Any, default: Any, random_state: Any) -> Any:
    """A clone of ``estimator`` (or the default) with ``random_state`` set when it has one."""
    est = clone(estimator) if estimator is not None else default(random_state)
    if random_state is not None and "random_state" in est.get_params():
        est.set_params(random_state=random_state)
    return est


def _outcome(model: Any, X: Any) -> np.ndarray:
    """P(y = 1) for a classifier, the prediction for a regressor."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return np.asarray(model.predict(X), dtype="float64")


def _fit(est: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Any:
    target = y.astype("int64") if is_classifier(est) else y
    if sample_weight is None:
        return est.fit(X, target)
    return est.fit(X, target, sample_weight=sample_weight)


def _rows(X: Any, mask: np.ndarray) -> Any:
    return X.iloc[mask] if hasattr(X, "iloc") else np.asarray(X)[mask]


def _check_propensity(p: float, where: str) -> float:
    if not 0 < p < 1:
        raise ValueError(f"{where}: propensity must be in (0, 1), got {p!r}; pass the probability of treatment "
                         "or None for the share of treated rows")
    return p


class _UpliftModel(BaseEstimator):
    """What every uplift model shares: the fitted check and the column count of ``X`` in predict."""

    def _check_X(self, X: Any) -> None:
        check_is_fitted(self)
        if np.ndim(X) != 2 or np.shape(X)[1] != self.n_features_in_:
            raise ValueError(f"{type(self).__name__}.predict: X must have {self.n_features_in_} columns like the "
                             f"training X, got shape {np.shape(X)}")


class TwoModels(_UpliftModel):
    """T-learner: one outcome model on the treated, one on the control; uplift = their difference.

    Parameters
    ----------
    estimator : estimator, default None
        Outcome model (a classifier for 0/1 outcomes, whose ``predict_proba`` is used, or a
        regressor for amounts); cloned twice. None: ``HistGradientBoostingClassifier(max_depth=2)``.
    estimator_control : estimator, default None
        A different model for the control group (None: same as ``estimator``).
    random_state : int or None, default 0
        Set on both clones.

    Attributes
    ----------
    model_treated_, model_control_ : estimator
        The fitted outcome models.
    n_features_in_ : int
        Number of columns of the training ``X``.

    Example
    -------
    >>> from sklearn.linear_model import LinearRegression
    >>> X = [[0.0], [1.0], [2.0], [0.0], [1.0], [2.0]]
    >>> y = [1.0, 3.0, 5.0, 1.0, 1.0, 1.0]            # treated: 1 + 2x; control: 1
    >>> t = [1, 1, 1, 0, 0, 0]
    >>> TwoModels(LinearRegression()).fit(X, y, t).predict([[3.0]]).round(6)
    array([6.])
    """

    def __init__(self, estimator: Any = None, estimator_control: Any = None, random_state: int | None = 0):
        self.estimator = estimator
        self.estimator_control = estimator_control
        self.random_state = random_state

    @single_threaded
    def fit(self, X: Any, y: Any, treatment: Any) -> "TwoModels":
        """Fit the two outcome models; returns self."""
        X, y, t = check_fit_inputs(X, y, treatment, "TwoModels.fit")
        self.model_treated_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), _rows(X, t == 1), y[t == 1])
        est_c = self.estimator_control if self.estimator_control is not None else self.estimator
        self.model_control_ = _fit(_fresh(est_c, _default_classifier, self.random_state), _rows(X, t == 0), y[t == 0])
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    @single_threaded
    def predict_outcomes(self, X: Any) -> pd.DataFrame:
        """Predicted outcome with (``treated``) and without (``control``) the treatment."""
        self._check_X(X)
        return pd.DataFrame({"treated": _outcome(self.model_treated_, X), "control": _outcome(self.model_control_, X)})

    def predict(self, X: Any) -> np.ndarray:
        """Uplift = predicted outcome if treated - if not treated."""
        o = self.predict_outcomes(X)
        return (o["treated"] - o["control"]).to_numpy()


class ClassTransformation(_UpliftModel):
    """Class transformation (Jaskowski & Jaroszewicz 2012): one classifier of z = 1 if (treated and y=1) or (control and y=0).

    With treated and control each weighted to half of the data (``balance=True``), P(z=1 | x) =
    (1 + uplift(x)) / 2, so ``predict`` returns ``2 * P(z=1 | x) - 1``. Needs a binary ``y``.

    Parameters
    ----------
    estimator : classifier, default None
        Must accept ``sample_weight`` in ``fit`` when ``balance`` is True. None:
        ``HistGradientBoostingClassifier(max_depth=2)``.
    balance : bool, default True
        Weight rows so that treated and control each carry half of the total weight (the identity
        above needs it; with a 50/50 split the weights are all about 1).
    random_state : int or None, default 0
        Set on the classifier.

    Attributes
    ----------
    model_ : classifier
        The fitted classifier of ``z``.
    treatment_share_ : float
        Share of treated rows in the training data.
    n_features_in_ : int
        Number of columns of the training ``X``.

    Example
    -------
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = [[0.0], [1.0], [0.0], [1.0], [0.0], [1.0], [0.0], [1.0]]
    >>> y = [0, 1, 0, 1, 0, 0, 0, 0]                   # only treated customers with x = 1 respond
    >>> t = [1, 1, 1, 1, 0, 0, 0, 0]
    >>> u = ClassTransformation(LogisticRegression()).fit(X, y, t).predict([[0.0], [1.0]])
    >>> bool(u[1] > u[0])
    True
    """

    def __init__(self, estimator: Any = None, balance: bool = True, random_state: int | None = 0):
        self.estimator = estimator
        self.balance = balance
        self.random_state = random_state

    @single_threaded
    def fit(self, X: Any, y: Any, treatment: Any) -> "ClassTransformation":
        """Fit the classifier on the transformed class; returns self."""
        X, y, t = check_fit_inputs(X, y, treatment, "ClassTransformation.fit")
        check_binary_outcome(y, "ClassTransformation.fit")
        z = (y == t).astype("int64")
        p = float(t.mean())
        w = np.where(t == 1, 0.5 / p, 0.5 / (1 - p)) if self.balance else None
        self.model_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), X, z, w)
        self.treatment_share_ = p
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    @single_threaded
    def predict(self, X: Any) -> np.ndarray:
        """Uplift = 2 * P(z = 1 | x) - 1."""
        self._check_X(X)
        return 2 * self.model_.predict_proba(X)[:, 1] - 1


class TransformedOutcome(_UpliftModel):
    """Transformed outcome (Athey & Imbens 2015): regress z = y * (t - p) / (p * (1 - p)) on X.

    E[z | x] equals the uplift when the treatment was assigned at random with probability ``p``,
    so any regressor of z estimates it. Works for amounts (spend) as well as 0/1 outcomes; z is
    noisy, so prefer shallow, regularized regressors.

    Parameters
    ----------
    estimator : regressor, default None
        None: ``HistGradientBoostingRegressor(max_depth=2)``.
    propensity : float or None, default None
        Probability of treatment; None = the share of treated rows in the training data.
    random_state : int or None, default 0
        Set on the regressor.

    Attributes
    ----------
    model_ : regressor
        The fitted regressor of ``z``.
    propensity_ : float
        The probability of treatment used.
    n_features_in_ : int
        Number of columns of the training ``X``.

    Example
    -------
    >>> from sklearn.dummy import DummyRegressor
    >>> X = [[0.0], [0.0], [0.0], [0.0]]
    >>> model = TransformedOutcome(DummyRegressor()).fit(X, [3.0, 1.0, 1.0, 0.0], [1, 1, 0, 0])
    >>> model.predict([[0.0]]), model.propensity_                 # the difference in means, 2 - 0.5
    (array([1.5]), 0.5)
    """

    def __init__(self, estimator: Any = None, propensity: float | None = None, random_state: int | None = 0):
        self.estimator = estimator
        self.propensity = propensity
        self.random_state = random_state

    @single_threaded
    def fit(self, X: Any, y: Any, treatment: Any) -> "TransformedOutcome":
        """Fit the regressor on the transformed outcome; returns self."""
        X, y, t = check_fit_inputs(X, y, treatment, "TransformedOutcome.fit")
        p = _check_propensity(float(t.mean()) if self.propensity is None else float(self.propensity), "TransformedOutcome.fit")
        z = y * (t - p) / (p * (1 - p))
        self.model_ = _fit(_fresh(self.estimator, _default_regressor, self.random_state), X, z)
        self.propensity_ = p
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    @single_threaded
    def predict(self, X: Any) -> np.ndarray:
        """Uplift = the regression of the transformed outcome."""
        self._check_X(X)
        return np.asarray(self.model_.predict(X), dtype="float64")


class XLearner(_UpliftModel):
    """X-learner (Künzel et al. 2019): impute each unit's effect with the other group's model, then regress it.

    1. Outcome models mu_1 (treated) and mu_0 (control), as in :class:`TwoModels`.
    2. Imputed effects: D = y - mu_0(x) for treated rows, D = mu_1(x) - y for control rows.
    3. Effect models tau_1 (on treated D) and tau_0 (on control D).
    4. uplift(x) = g * tau_0(x) + (1 - g) * tau_1(x), with g the treatment probability: when
       treated rows are few, tau_1 (learnt on few rows) gets the smaller weight.

    Parameters
    ----------
    estimator : estimator, default None
        Outcome model (classifier for 0/1, regressor for amounts); None:
        ``HistGradientBoostingClassifier(max_depth=2)``.
    effect_estimator : regressor, default None
        Model of the imputed effects; None: ``HistGradientBoostingRegressor(max_depth=2)``.
    propensity : float or None, default None
        Weight g; None = share of treated rows in the training data.
    random_state : int or None, default 0
        Set on every inner model.

    Attributes
    ----------
    model_treated_, model_control_ : estimator
        The fitted outcome models mu_1 and mu_0.
    effect_treated_, effect_control_ : regressor
        The fitted effect models tau_1 and tau_0.
    propensity_ : float
        The weight g used.
    n_features_in_ : int
        Number of columns of the training ``X``.

    Example
    -------
    >>> from sklearn.linear_model import LinearRegression
    >>> X = [[0.0], [1.0], [2.0], [0.0], [1.0], [2.0]]
    >>> y = [1.0, 3.0, 5.0, 1.0, 1.0, 1.0]            # the effect is 2x
    >>> t = [1, 1, 1, 0, 0, 0]
    >>> XLearner(LinearRegression(), LinearRegression()).fit(X, y, t).predict([[3.0]]).round(6)
    array([6.])
    """

    def __init__(self, estimator: Any = None, effect_estimator: Any = None, propensity: float | None = None,
                 random_state: int | None = 0):
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.propensity = propensity
        self.random_state = random_state

    @single_threaded
    def fit(self, X: Any, y: Any, treatment: Any) -> "XLearner":
        """Fit the outcome models, impute effects and fit the effect models; returns self."""
        X, y, t = check_fit_inputs(X, y, treatment, "XLearner.fit")
        g = _check_propensity(float(t.mean()) if self.propensity is None else float(self.propensity), "XLearner.fit")
        Xt, Xc = _rows(X, t == 1), _rows(X, t == 0)
        self.model_treated_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), Xt, y[t == 1])
        self.model_control_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), Xc, y[t == 0])
        d_t = y[t == 1] - _outcome(self.model_control_, Xt)
        d_c = _outcome(self.model_treated_, Xc) - y[t == 0]
        self.effect_treated_ = _fit(_fresh(self.effect_estimator, _default_regressor, self.random_state), Xt, d_t)
        self.effect_control_ = _fit(_fresh(self.effect_estimator, _default_regressor, self.random_state), Xc, d_c)
        self.propensity_ = g
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    @single_threaded
    def predict(self, X: Any) -> np.ndarray:
        """Uplift = g * tau_0(x) + (1 - g) * tau_1(x)."""
        self._check_X(X)
        g = self.propensity_
        return g * self.effect_control_.predict(X) + (1 - g) * self.effect_treated_.predict(X)


class ResponseModel(_UpliftModel):
    """Not an uplift model: P(y = 1 | x, treated), the classic "likeliest buyers" score, for comparison.

    Fitted on the treated rows only (who responds when contacted), so it ranks customers by how
    likely they respond — including those who would have responded anyway.

    Parameters
    ----------
    estimator : estimator, default None
        Classifier (``predict_proba``) or regressor; None: ``HistGradientBoostingClassifier(max_depth=2)``.
    random_state : int or None, default 0
        Set on the model.

    Attributes
    ----------
    model_ : estimator
        The fitted outcome model of the treated.
    n_features_in_ : int
        Number of columns of the training ``X``.

    Example
    -------
    >>> from sklearn.linear_model import LinearRegression
    >>> X = [[0.0], [1.0], [0.0], [1.0]]
    >>> ResponseModel(LinearRegression()).fit(X, [1.0, 3.0, 9.0, 9.0], [1, 1, 0, 0]).predict([[2.0]]).round(6)
    array([5.])
    """

    def __init__(self, estimator: Any = None, random_state: int | None = 0):
        self.estimator = estimator
        self.random_state = random_state

    @single_threaded
    def fit(self, X: Any, y: Any, treatment: Any) -> "ResponseModel":
        """Fit the outcome model on the treated rows; returns self."""
        X, y, t = check_fit_inputs(X, y, treatment, "ResponseModel.fit")
        self.model_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), _rows(X, t == 1), y[t == 1])
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    @single_threaded
    def predict(self, X: Any) -> np.ndarray:
        """Predicted response if treated (a probability for a classifier)."""
        self._check_X(X)
        return _outcome(self.model_, X)
