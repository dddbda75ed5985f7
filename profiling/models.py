"""Honest prediction tasks on customer profiles, the course's baseline models, and their evaluation.

A prediction task asks a question about a customer's **future** from their **past**. The past is
every transaction line strictly before ``cutoff``; the future is the window
``[cutoff, cutoff + horizon_days)``. :func:`make_task` builds the features (X) from the past only
and the label (y) from that window only, so nothing a model sees could not have been known on the
cutoff day. :func:`train_test_tasks` builds a training task at an earlier cutoff and a test task at a
later one whose labels do not overlap, which is how a model is used in practice: fit on what is
known today, predict what happens next.

Two targets:

* ``"repurchase"`` -- ``y`` is 1 if the customer makes at least one purchase (a line with a
  positive quantity) in the horizon, else 0;
* ``"value_tier"`` -- ``y`` is ``"low"``, ``"mid"`` or ``"high"``: the customer's gross spend in the
  horizon (sum of ``quantity * unit_price`` over purchase lines), binned at two **tier edges**.
  The edges are the 1/3 and 2/3 quantiles of that spend among the *buyers* (spend > 0) of the task
  that computes them -- the training task; the test task must reuse them
  (``tier_edges=train.tier_edges``), otherwise the test period would define its own classes.
  ``"low"`` is spend <= first edge and includes the customers who buy nothing.

The population of a task is every customer with at least one purchase before the cutoff (the
rows of :func:`profiling.features.customer_features`).

Models: :func:`make_models` returns the chapter-7 line-up as scikit-learn estimators (the majority
class, a recency-only rule, logistic regression, KNN, a decision tree, an RBF SVM and gradient
boosting); :func:`compare_models` fits and scores them on a train/test pair. Intervals of a test
AUC and of a difference between two models come from :mod:`profiling.stats` (``bootstrap_auc``,
``paired_auc_difference``); the features from :func:`profiling.features.model_matrix`; the
cutoff and window checks from :mod:`profiling.windows`.

Example
-------
>>> from profiling import datasets, models
>>> tx = datasets.make_transactions(400, random_state=0)
>>> train, test = models.train_test_tasks(tx, "2010-06-01", "2010-09-01", horizon_days=90)
>>> table = models.compare_models(models.make_models(random_state=0, names=["majority", "tree"]), train, test)
>>> list(table.index), float(table.loc["majority", "roc_auc"])
(['majority', 'tree'], 0.5)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    average_precision_score,
    balanced_accuracy_score,
    f1_score,
    roc_auc_score,
)
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import label_binarize
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.validation import _num_samples, check_is_fitted

from profiling.datasets import COLUMNS
from profiling.features import MODEL_FEATURES, model_matrix
from profiling.numeric import log_standardizer
from profiling.validation import check_frame
from profiling.windows import check_horizon, check_no_overlap, check_window, resolve_cutoff

__all__ = [
    "MODEL_NAMES",
    "TARGETS",
    "TIERS",
    "CappedKNeighborsClassifier",
    "RecencyRule",
    "Task",
    "compare_models",
    "make_models",
    "make_task",
    "metrics",
    "scores",
    "train_test_tasks",
]

#: Targets :func:`make_task` knows.
TARGETS: tuple[str, ...] = ("repurchase", "value_tier")

#: Class labels of the ``value_tier`` target, in order.
TIERS: list[str] = ["low", "mid", "high"]

@dataclass
class Task:
    """A prediction task: features as of ``cutoff`` and labels from ``[cutoff, cutoff + horizon_days)``.

    Attributes
    ----------
    X : DataFrame
        Indexed by ``customer_id`` (sorted), numeric columns ``features.MODEL_FEATURES`` (or the subset asked
        for), no missing values.
    y : Series
        The label, aligned with ``X``: int 0/1 for ``"repurchase"``, str ``"low"/"mid"/"high"`` for
        ``"value_tier"``.
    cutoff : Timestamp
        First moment of the future; features use lines strictly before it.
    horizon_days : int
        Length of the label window in days.
    target : str
        ``"repurchase"`` or ``"value_tier"``.
    tier_edges : tuple of two floats or None
        Spend edges of the value tiers (None for ``"repurchase"``).
    spend : Series
        Gross purchase value in the label window per customer (the continuous outcome behind
        ``value_tier``; provided for both targets).

    A task unpacks like a pair: ``X, y = task``.
    """

    X: pd.DataFrame
    y: pd.Series
    cutoff: pd.Timestamp
    horizon_days: int
    target: str
    tier_edges: tuple[float, float] | None = None
    spend: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))

    def __iter__(self) -> Iterator[Any]:
        yield self.X
        yield self.y

    def __len__(self) -> int:
        return len(self.X)

    @property
    def horizon_end(self) -> pd.Timestamp:
        """End (exclusive) of the label window."""
        return self.cutoff + pd.Timedelta(days=self.horizon_days)

    def __repr__(self) -> str:
        return (
            f"Task(target={self.target!r}, cutoff={self.cutoff:%Y-%m-%d}, horizon_days={self.horizon_days}, "
            f"customers={len(self.X)}, features={self.X.shape[1]}, tier_edges={self.tier_edges})"
        )


def make_task(
    transactions: pd.DataFrame,
    cutoff: Any,
    horizon_days: int = 90,
    target: str = "repurchase",
    *,
    tier_edges: Sequence[float] | None = None,
    features: Sequence[str] | None = None,
) -> Task:
    """Build a prediction task: features from lines before ``cutoff``, labels from the next ``horizon_days``.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (:mod:`profiling.datasets`), cleaned as in chapters 4 and 6 (return
        lines may stay in as negative quantities: they feed the return features).
    cutoff : date-like
        The decision day. Features use lines with ``timestamp < cutoff``; labels use lines with
        ``cutoff <= timestamp < cutoff + horizon_days``.
    horizon_days : int
        Length of the label window (default 90). The window must end no later than the day after
        the last transaction's day, otherwise its labels would be incomplete (refused).
    target : {"repurchase", "value_tier"}
        What ``y`` is (see the module docstring).
    tier_edges : pair of floats, optional
        Only for ``"value_tier"``: reuse these spend edges (pass ``train_task.tier_edges`` when
        building a test task). ``None`` computes them from this task's own labels.
    features : sequence of str, optional
        Keep only these columns of :data:`profiling.features.MODEL_FEATURES` (in the given order).
        ``None``: all.

    Returns
    -------
    Task
        ``X`` (customers with a purchase before the cutoff, sorted by id; numeric, no missing values
        -- for one-order customers the gap features are filled: mean gap and days since the previous
        order with the tenure, their spread with 0), ``y``, ``spend`` and the task's settings.

    Raises
    ------
    ValueError
        Unknown target, bad horizon, a horizon that runs past the data, ``tier_edges`` with the
        wrong target or shape, unknown feature names, or no customer before the cutoff.

    Example
    -------
    >>> from profiling import datasets
    >>> X, y = make_task(datasets.make_transactions(200, random_state=0), "2010-09-01", 90)
    >>> len(X) == len(y), sorted(y.unique().tolist())
    (True, [0, 1])
    """
    check_frame(transactions, COLUMNS, "make_task", what="transactions", allow_empty=False,
                fix="Load data with profiling.datasets.load_transactions(..., columns=...) to map your names.")
    if target not in TARGETS:
        raise ValueError(f"make_task: target must be one of {TARGETS}, got {target!r}")
    horizon_days = check_horizon(horizon_days, "make_task")
    cut = resolve_cutoff(transactions, cutoff, "make_task")
    end = check_window(transactions, cut, horizon_days, "make_task")
    if tier_edges is not None and target != "value_tier":
        raise ValueError(f"make_task: tier_edges only apply to target='value_tier', not {target!r}; drop the argument")
    if features is not None:
        unknown = [f for f in features if f not in MODEL_FEATURES]
        if unknown or len(features) == 0:
            raise ValueError(f"make_task: unknown feature name(s) {unknown or '(empty list)'}; choose from {MODEL_FEATURES}")

    X = model_matrix(transactions, cut)
    if X.empty:
        raise ValueError(f"make_task: no customer has a purchase before the cutoff {cut:%Y-%m-%d}; choose a later cutoff")
    X.attrs = {}
    if features is not None:
        X = X[list(features)]

    window = (
        transactions["customer_id"].notna().to_numpy()
        & (transactions["quantity"] > 0).to_numpy()
        & (transactions["timestamp"] >= cut).to_numpy()
        & (transactions["timestamp"] < end).to_numpy()
    )
    fut = transactions.loc[window, ["customer_id", "quantity", "unit_price"]]
    spend = (
        (fut["quantity"] * fut["unit_price"]).groupby(fut["customer_id"].to_numpy()).sum().reindex(X.index, fill_value=0.0)
    )
    spend = spend.astype("float64").round(6).rename("spend")
    spend.index.name = X.index.name

    edges: tuple[float, float] | None = None
    if target == "repurchase":
        y = (spend > 0).astype("int64").rename("repurchase")
    else:
        if tier_edges is None:
            buyers = spend[spend > 0]
            if buyers.nunique() < 2:
                raise ValueError(
                    f"make_task: cannot compute value tiers at cutoff {cut:%Y-%m-%d}: fewer than 2 distinct positive spends in "
                    "the label window; use a longer horizon or more customers"
                )
            edges = (float(buyers.quantile(1 / 3)), float(buyers.quantile(2 / 3)))
        else:
            if len(tier_edges) != 2 or not (float(tier_edges[0]) <= float(tier_edges[1])):
                raise ValueError(f"make_task: tier_edges must be two increasing spend values (low/mid, mid/high), got {tier_edges!r}")
            edges = (float(tier_edges[0]), float(tier_edges[1]))
        codes = np.where(spend <= edges[0], 0, np.where(spend <= edges[1], 1, 2))
        y = pd.Series(np.asarray(TIERS, dtype=object)[codes], index=X.index, name="value_tier").astype("str")
    return Task(X=X, y=y, cutoff=cut, horizon_days=horizon_days, target=target, tier_edges=edges, spend=spend)


def train_test_tasks(
    transactions: pd.DataFrame,
    train_cutoff: Any,
    test_cutoff: Any,
    horizon_days: int = 90,
    target: str = "repurchase",
    *,
    features: Sequence[str] | None = None,
) -> tuple[Task, Task]:
    """A training task at ``train_cutoff`` and a test task at ``test_cutoff`` (tier edges from training).

    The training labels come from ``[train_cutoff, train_cutoff + horizon)``; that window must end
    on or before ``test_cutoff``, so that nothing the test period decides is used for training.

    Returns
    -------
    (train, test) : pair of :class:`Task`

    Raises
    ------
    ValueError
        If the training label window overlaps the test period, or anything :func:`make_task` refuses.

    Example
    -------
    >>> from profiling import datasets
    >>> train, test = train_test_tasks(datasets.make_transactions(200, random_state=0), "2010-06-01", "2010-09-01", 90)
    >>> train.cutoff < test.cutoff, list(train.X.columns) == list(test.X.columns)
    (True, True)
    """
    tr, te = check_no_overlap(train_cutoff, test_cutoff, horizon_days, "train_test_tasks")
    train = make_task(transactions, tr, horizon_days, target, features=features)
    test = make_task(transactions, te, horizon_days, target, tier_edges=train.tier_edges, features=features)
    return train, test


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class RecencyRule(ClassifierMixin, BaseEstimator):
    """The recency-only baseline: "customers who bought recently will buy again".

    The score is monotone decreasing in one column (default ``recency_days``): ``fit`` learns the
    repurchase rate as a decreasing step function of it (isotonic regression), so
    ``predict_proba`` is calibrated on the training data; ``predict`` says 1 when that rate is at
    least 0.5. Binary targets only.

    Parameters
    ----------
    feature : str
        The column to use (a DataFrame must be passed to ``fit`` and ``predict``).
    """

    def __init__(self, feature: str = "recency_days") -> None:
        self.feature = feature

    def _column(self, X: Any) -> np.ndarray:
        if not isinstance(X, pd.DataFrame) or self.feature not in X.columns:
            raise ValueError(f"RecencyRule needs a DataFrame with the column {self.feature!r}")
        return X[self.feature].to_numpy(dtype="float64")

    def fit(self, X: pd.DataFrame, y: Any) -> RecencyRule:
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError(f"RecencyRule is for binary targets; got classes {list(self.classes_)}")
        self.iso_ = IsotonicRegression(increasing=False, out_of_bounds="clip").fit(
            self._column(X), (y == self.classes_[1]).astype(float)
        )
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "iso_")
        p = np.clip(self.iso_.predict(self._column(X)), 0.0, 1.0)
        return np.column_stack([1 - p, p])

    def decision_function(self, X: pd.DataFrame) -> np.ndarray:
        """Minus the column: a strictly monotone score (no ties from the step function)."""
        check_is_fitted(self, "iso_")
        return -self._column(X)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


class CappedKNeighborsClassifier(ClassifierMixin, BaseEstimator):
    """``KNeighborsClassifier`` whose k is capped at the number of training rows.

    scikit-learn's KNN refuses to predict when ``n_neighbors`` exceeds the rows it was fitted on.
    A k chosen on a large data set (chapter 7's 300) then fails on a small shop or a sample. This
    estimator takes the same parameters as :class:`~sklearn.neighbors.KNeighborsClassifier`; ``fit``
    fits one with ``n_neighbors_ = min(n_neighbors, n_training_rows)`` (the parameter itself is not
    changed, so ``get_params``, ``set_params`` and ``clone`` behave as usual). With at least
    ``n_neighbors`` training rows it is exactly ``KNeighborsClassifier(**params)``.

    Parameters
    ----------
    n_neighbors, weights, algorithm, leaf_size, p, metric, metric_params, n_jobs
        As :class:`~sklearn.neighbors.KNeighborsClassifier`.

    Attributes
    ----------
    n_neighbors_ : int
        The k used (capped).
    estimator_ : KNeighborsClassifier
        The fitted classifier.
    classes_ : ndarray
        Class labels.

    Example
    -------
    >>> import numpy as np
    >>> knn = CappedKNeighborsClassifier(n_neighbors=300).fit(np.arange(6.0).reshape(-1, 1), [0, 0, 0, 1, 1, 1])
    >>> knn.n_neighbors_, knn.get_params()["n_neighbors"]
    (6, 300)
    """

    def __init__(
        self,
        n_neighbors: int = 5,
        *,
        weights: Any = "uniform",
        algorithm: str = "auto",
        leaf_size: int = 30,
        p: float = 2,
        metric: Any = "minkowski",
        metric_params: dict[str, Any] | None = None,
        n_jobs: int | None = None,
    ) -> None:
        self.n_neighbors = n_neighbors
        self.weights = weights
        self.algorithm = algorithm
        self.leaf_size = leaf_size
        self.p = p
        self.metric = metric
        self.metric_params = metric_params
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True  # as KNeighborsClassifier
        return tags

    def fit(self, X: Any, y: Any) -> CappedKNeighborsClassifier:
        n_rows = _num_samples(X)
        k = self.n_neighbors
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"n_neighbors must be a whole number >= 1, got {k!r}")
        if n_rows < 1:
            raise ValueError("CappedKNeighborsClassifier needs at least one training row")
        self.n_neighbors_ = int(min(k, n_rows))
        self.estimator_ = KNeighborsClassifier(**{**self.get_params(), "n_neighbors": self.n_neighbors_}).fit(X, y)
        self.classes_ = self.estimator_.classes_
        self.n_features_in_ = self.estimator_.n_features_in_
        if hasattr(self.estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.estimator_.feature_names_in_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "estimator_")
        return self.estimator_.predict_proba(X)

    def kneighbors(self, X: Any = None, n_neighbors: int | None = None, return_distance: bool = True) -> Any:
        """As ``KNeighborsClassifier.kneighbors`` (default k: the capped ``n_neighbors_``)."""
        check_is_fitted(self, "estimator_")
        return self.estimator_.kneighbors(X, n_neighbors=n_neighbors, return_distance=return_distance)


#: The names :func:`make_models` returns, in display order.
MODEL_NAMES: list[str] = ["majority", "recency rule", "logistic", "knn", "tree", "svm", "gradient boosting"]


def make_models(
    random_state: int = 0, *, names: Sequence[str] | None = None, knn_neighbors: int = 300
) -> dict[str, Any]:
    """The chapter-7 line-up of classifiers, unfitted.

    The settings were picked on a validation split inside the training period (fit at 2010-03-01,
    validate at 2010-06-01, 90 days): the test period was not looked at. Chapter 7 re-runs the
    search on wider grids and refits its own choice; there the SVM prefers ``C=1, gamma=0.0003``
    over the default below by about 0.003 validation AUC, a difference its paired interval cannot
    tell from noise, so the defaults (which chapters 10 and 11 use) were kept.

    =====================  ======================================================================
    name                   estimator
    =====================  ======================================================================
    ``majority``           ``DummyClassifier(strategy="prior")``: always the majority class
    ``recency rule``       :class:`RecencyRule` on ``recency_days``
    ``logistic``           :func:`profiling.numeric.log_standardizer` + ``LogisticRegression(C=0.1)``
    ``knn``                :func:`profiling.numeric.log_standardizer` + :class:`CappedKNeighborsClassifier` ``(n_neighbors=300,
                           metric="manhattan")`` (k capped at the training rows)
    ``tree``               ``DecisionTreeClassifier(max_depth=3, min_samples_leaf=100)``
    ``svm``                :func:`profiling.numeric.log_standardizer` + ``SVC(kernel="rbf", C=0.1, gamma=0.003)`` (no
                           ``predict_proba``: scores come from ``decision_function``)
    ``gradient boosting``  ``HistGradientBoostingClassifier(max_depth=3, learning_rate=0.05, max_iter=200)``
    =====================  ======================================================================

    Every random component gets ``random_state``; each value is a fresh estimator (a
    :class:`~sklearn.pipeline.Pipeline` where there is preprocessing).

    Parameters
    ----------
    random_state : int
        Seed of the tree, the SVM and gradient boosting.
    names : sequence of str, optional
        Only these models (from :data:`MODEL_NAMES`), in this order.
    knn_neighbors : int
        k of the KNN model (default 300, chosen on the full data). Fitted on fewer rows than k, the
        model uses every training row as a neighbour (:class:`CappedKNeighborsClassifier`); lower
        k for small samples to keep the model local.

    Example
    -------
    >>> sorted(make_models(0))[:2]
    ['gradient boosting', 'knn']
    """
    factories = {
        "majority": lambda: DummyClassifier(strategy="prior"),
        "recency rule": lambda: RecencyRule("recency_days"),
        "logistic": lambda: Pipeline(
            [("scale", log_standardizer()), ("model", LogisticRegression(C=0.1, max_iter=2000, random_state=random_state))]
        ),
        "knn": lambda: Pipeline(
            [("scale", log_standardizer()), ("model", CappedKNeighborsClassifier(n_neighbors=knn_neighbors, metric="manhattan"))]
        ),
        "tree": lambda: DecisionTreeClassifier(max_depth=3, min_samples_leaf=100, random_state=random_state),
        "svm": lambda: Pipeline(
            [("scale", log_standardizer()), ("model", SVC(kernel="rbf", C=0.1, gamma=0.003, random_state=random_state))]
        ),
        "gradient boosting": lambda: HistGradientBoostingClassifier(
            max_depth=3, learning_rate=0.05, max_iter=200, random_state=random_state
        ),
    }
    chosen = MODEL_NAMES if names is None else list(names)
    unknown = [n for n in chosen if n not in factories]
    if unknown:
        raise ValueError(f"unknown model name(s) {unknown}; choose from {MODEL_NAMES}")
    return {n: factories[n]() for n in chosen}


def scores(model: Any, X: pd.DataFrame) -> np.ndarray:
    """Ranking scores of a fitted classifier: ``predict_proba`` where it exists, else ``decision_function``.

    Binary: a 1-D array (higher = more likely the positive class). Multiclass: an
    ``(n, n_classes)`` array of probabilities (a softmax of the decision function when the model
    has no ``predict_proba``), columns in ``model.classes_`` order.
    """
    n_classes = len(model.classes_)
    if hasattr(model, "predict_proba"):
        try:
            p = model.predict_proba(X)
        except AttributeError:  # e.g. SVC(probability=False) inside a Pipeline
            p = None
        if p is not None:
            return p[:, 1] if n_classes == 2 else p
    d = np.asarray(model.decision_function(X), dtype="float64")
    if n_classes == 2:
        return d
    e = np.exp(d - d.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def metrics(y_true: Any, score: np.ndarray, y_pred: Any, classes: Sequence[Any] | None = None) -> dict[str, float]:
    """ROC AUC, PR AUC (average precision), F1 and balanced accuracy of one model's test output.

    Binary: ``score`` is 1-D and the positive class is the larger label. Multiclass: ``score`` is
    ``(n, n_classes)`` in ``classes`` order; AUCs are one-vs-rest macro averages and F1 is macro.
    A score that is constant gives ROC AUC 0.5 (no ranking).
    """
    y_true = np.asarray(y_true)
    score = np.asarray(score)
    if score.ndim == 1:
        roc = roc_auc_score(y_true, score)
        pr = average_precision_score(y_true, score)
        f1 = f1_score(y_true, y_pred, zero_division=0)
    else:
        if classes is None:
            raise ValueError("multiclass scores need the classes (model.classes_) in column order")
        Y = label_binarize(y_true, classes=list(classes))
        roc = roc_auc_score(Y, score, average="macro")
        pr = average_precision_score(Y, score, average="macro")
        f1 = f1_score(y_true, y_pred, average="macro", zero_division=0)
    return {
        "roc_auc": float(roc),
        "pr_auc": float(pr),
        "f1": float(f1),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
    }


def compare_models(
    models: Mapping[str, Any],
    train: Task | tuple[pd.DataFrame, pd.Series],
    test: Task | tuple[pd.DataFrame, pd.Series],
    *,
    timings: bool = False,
) -> pd.DataFrame:
    """Fit each model on ``train`` (a clone: the given estimators are not changed) and score it on ``test``.

    Returns
    -------
    DataFrame indexed by model name (in the given order) with columns ``roc_auc``, ``pr_auc``, ``f1``,
    ``balanced_accuracy`` (see :func:`metrics`), and with ``timings=True`` also ``fit_s`` and
    ``predict_s`` (wall-clock seconds: not reproducible). The fitted clones are in ``.attrs["fitted"]``,
    the test scores in ``.attrs["scores"]`` and the hard test predictions in ``.attrs["predictions"]``
    (by name).

    Example
    -------
    >>> from profiling import datasets
    >>> train, test = train_test_tasks(datasets.make_transactions(300, random_state=0), "2010-06-01", "2010-09-01")
    >>> table = compare_models(make_models(0, names=["logistic", "tree"]), train, test)
    >>> list(table.columns)
    ['roc_auc', 'pr_auc', 'f1', 'balanced_accuracy']
    """
    Xtr, ytr = train
    Xte, yte = test
    if list(Xtr.columns) != list(Xte.columns):
        raise ValueError("compare_models: train and test have different feature columns; build both with the same features=")
    rows, fitted, all_scores, all_preds = {}, {}, {}, {}
    for name, est in models.items():
        model = clone(est)
        t0 = time.perf_counter()
        model.fit(Xtr, ytr)
        t1 = time.perf_counter()
        s = scores(model, Xte)
        pred = model.predict(Xte)
        t2 = time.perf_counter()
        row = metrics(yte, s, pred, classes=list(model.classes_))
        if timings:
            row.update(fit_s=t1 - t0, predict_s=t2 - t1)
        rows[name], fitted[name], all_scores[name], all_preds[name] = row, model, s, pred
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "model"
    out.attrs["fitted"] = fitted
    out.attrs["scores"] = all_scores
    out.attrs["predictions"] = all_preds
    return out
