"""Feature engineering, tuning and honest evaluation for the course's prediction tasks.

The reusable pieces of chapter 10:

- :class:`TimeAwareSplit` — a scikit-learn CV splitter for customer rows built at successive
  cutoffs: every validation fold is one cutoff, and it trains only on rows of *earlier* cutoffs
  whose label window has closed (``gap``), never on rows at or after its validation cutoff.
  :func:`stack_cutoffs` builds such a panel from per-cutoff ``(X, y)`` tasks.
- :func:`build_pipeline` — impute → transform (min-max, z-score, log, quantile) → select → reduce
  (PCA, LDA) → model, one scikit-learn :class:`~sklearn.pipeline.Pipeline`;
  :func:`tuned_pipeline` searches its hyper-parameters and refits the best one.
- Search spaces (:func:`int_dim`, :func:`float_dim`, :func:`cat_dim`) that translate to a grid,
  random draws, successive halving and an optuna study, and :func:`compare_searches`, which runs
  all four **at the same budget** and reports best score, fits and time.
- :func:`rank_features` (mutual information, chi-squared, L1, permutation importance),
  :func:`add_combinations` (ratios, crosses) and :func:`screen_additions` (keep a new column only
  if it helps under time-aware validation).
- :func:`cost_curve` / :func:`cost_threshold` — the score threshold that minimizes a business
  cost of false "will return" and missed returners.
- :func:`bootstrap_auc_replicates`, :func:`paired_bootstrap` and :func:`before_after` — the
  before/after table with bootstrap intervals on each step and on each step's gain.

Example
-------
>>> from profiling import tuning
>>> cv = tuning.TimeAwareSplit(n_splits=2, gap=pd.Timedelta(days=90))     # doctest: +SKIP
>>> X, y, groups = tuning.stack_cutoffs({c: make_task(tx, c, 90) for c in cutoffs})  # doctest: +SKIP
>>> cross_val_score(model, X, y, cv=cv, groups=groups, scoring="roc_auc")  # doctest: +SKIP
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.feature_selection import chi2, mutual_info_classif
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import BaseCrossValidator, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, QuantileTransformer, StandardScaler

__all__ = [
    "TimeAwareSplit",
    "stack_cutoffs",
    "SCALINGS",
    "signed_log1p",
    "build_pipeline",
    "Dim",
    "int_dim",
    "float_dim",
    "cat_dim",
    "grid_from_space",
    "SearchResult",
    "run_search",
    "tuned_pipeline",
    "compare_searches",
    "rank_features",
    "add_combinations",
    "screen_additions",
    "cost_curve",
    "cost_threshold",
    "CostThreshold",
    "bootstrap_auc_replicates",
    "paired_bootstrap",
    "before_after",
]


def _ignore_known_warnings() -> None:
    """Inside ``warnings.catch_warnings()``: silence the one expected scikit-learn warning, no other.

    The quantile scaling on a small cross-validation fold warns that ``n_quantiles`` exceeds the
    rows and uses the rows instead, which is what the course wants; any other warning shows.
    """
    warnings.filterwarnings("ignore", message=r"n_quantiles \(\d+\) is greater than the total number of samples",
                            category=UserWarning)


# --------------------------------------------------------------------------------------------
# Time-aware cross-validation
# --------------------------------------------------------------------------------------------


def _as_time_array(groups: Any) -> np.ndarray:
    arr = np.asarray(groups)
    if arr.dtype.kind in "OUT":
        # strings such as "2010-06-01" or Timestamps in an object array: parse as dates
        try:
            arr = pd.to_datetime(pd.Series(arr), format="ISO8601").to_numpy()
        except (ValueError, TypeError) as exc:
            raise ValueError(
                "TimeAwareSplit: `groups` must hold orderable times (cutoff dates or numbers); "
                f"could not read {arr[:3].tolist()!r}... as dates. Pass the cutoff of each row, "
                "e.g. the `groups` returned by profiling.tuning.stack_cutoffs"
            ) from exc
    return arr


def _gap_value(gap: Any, times: np.ndarray) -> Any:
    if gap is None:
        return None
    if times.dtype.kind == "M":
        if isinstance(gap, (int, float, np.number)):
            raise ValueError(
                f"TimeAwareSplit: gap={gap!r} is a number but the groups are dates; pass a time difference, "
                "e.g. gap=pd.Timedelta(days=90) (the label horizon)"
            )
        try:
            return np.timedelta64(pd.Timedelta(gap).to_timedelta64(), "us").astype(times.dtype.str.replace("M8", "m8"))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"TimeAwareSplit: gap={gap!r} is not a time difference; the groups are dates, so pass "
                "e.g. gap=pd.Timedelta(days=90) (the label horizon)"
            ) from exc
    if isinstance(gap, (pd.Timedelta, np.timedelta64)) or isinstance(gap, str):
        raise ValueError(
            f"TimeAwareSplit: gap={gap!r} is a time difference but the groups are numbers; pass a number "
            "in the groups' unit"
        )
    return gap


class TimeAwareSplit(BaseCrossValidator):
    """Walk-forward cross-validation over a time-ordered group column (e.g. the cutoff of each row).

    The distinct values of ``groups`` are sorted; each of the last ``n_splits`` values in turn is a
    validation fold (all its rows), and the training rows are those whose group ``t`` satisfies
    ``t < v`` and ``t + gap <= v`` for the validation value ``v``. With customer rows built at
    successive cutoffs and labels from ``[t, t + horizon)``, pass ``gap = horizon``: then no
    training label looks past the validation cutoff, and no training row is from the validation
    cutoff or later. The usual k-fold would mix a customer's later rows — whose features contain
    the purchases that are the label of their earlier rows — into training.

    Parameters
    ----------
    n_splits : int, default 3
        Number of validation folds (the latest ``n_splits`` distinct groups).
    gap : number, pandas.Timedelta or str, optional
        Minimum distance between a training group and the validation group, in the groups' unit
        (``pd.Timedelta(days=90)`` for cutoff dates). ``None`` means only ``t < v``.
    max_train_groups : int, optional
        Keep only the latest this many eligible training groups (a sliding window).

    Example
    -------
    >>> cv = TimeAwareSplit(n_splits=2)
    >>> [(tr.tolist(), va.tolist()) for tr, va in cv.split([[0]] * 4, groups=[1, 1, 2, 3])]
    [([0, 1], [2]), ([0, 1, 2], [3])]
    """

    def __init__(self, n_splits: int = 3, gap: Any = None, max_train_groups: int | None = None) -> None:
        self.n_splits = n_splits
        self.gap = gap
        self.max_train_groups = max_train_groups

    def _check(self) -> None:
        if not isinstance(self.n_splits, (int, np.integer)) or self.n_splits < 1:
            raise ValueError(f"TimeAwareSplit: n_splits must be a positive integer, got {self.n_splits!r}")
        if self.max_train_groups is not None and (
            not isinstance(self.max_train_groups, (int, np.integer)) or self.max_train_groups < 1
        ):
            raise ValueError(
                f"TimeAwareSplit: max_train_groups must be None or a positive integer, got {self.max_train_groups!r}"
            )

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, validation_indices)``, oldest validation fold first."""
        self._check()
        if groups is None:
            raise ValueError(
                "TimeAwareSplit needs `groups`: the time (e.g. cutoff date) of each row. Pass "
                "groups=... to cross_val_score / the search's fit, e.g. from profiling.tuning.stack_cutoffs"
            )
        times = _as_time_array(groups)
        n = len(X) if not hasattr(X, "shape") else X.shape[0]
        if len(times) != n:
            raise ValueError(f"TimeAwareSplit: groups has {len(times)} values but X has {n} rows")
        if pd.isna(pd.Series(times)).any():
            raise ValueError("TimeAwareSplit: groups has missing values; every row needs its time (cutoff)")
        values = np.unique(times)
        if len(values) < self.n_splits + 1:
            raise ValueError(
                f"TimeAwareSplit: {len(values)} distinct groups cannot give {self.n_splits} validation folds "
                "each with earlier training groups; add cutoffs or lower n_splits"
            )
        gap = _gap_value(self.gap, times)
        for v in values[-self.n_splits :]:
            eligible = values[values < v]
            if gap is not None:
                eligible = eligible[eligible + gap <= v]
            if self.max_train_groups is not None:
                eligible = eligible[-self.max_train_groups :]
            if len(eligible) == 0:
                raise ValueError(
                    f"TimeAwareSplit: validation group {v} has no training group at least gap={self.gap!r} "
                    "earlier; add earlier cutoffs, lower n_splits or shorten the gap"
                )
            train = np.flatnonzero(np.isin(times, eligible))
            valid = np.flatnonzero(times == v)
            yield train, valid

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds (``n_splits``)."""
        self._check()
        return int(self.n_splits)

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None) -> Iterator[np.ndarray]:
        for _, valid in self.split(X, y, groups):
            yield valid


def stack_cutoffs(tasks: Mapping[Any, tuple[pd.DataFrame, pd.Series]]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Stack per-cutoff tasks into one panel for :class:`TimeAwareSplit`.

    Parameters
    ----------
    tasks : mapping cutoff -> (X, y)
        ``X`` a feature frame indexed by customer, ``y`` the aligned labels; the same columns
        at every cutoff.

    Returns
    -------
    (X, y, groups)
        ``X`` and ``y`` indexed by ``(cutoff, customer_id)``, sorted by cutoff (then by the original
        order); ``groups`` the cutoff of each row as a datetime Series on the same index.

    Example: ``X, y, g = stack_cutoffs({c: make_task(tx, c, 90)[:2] for c in cutoffs})``
    """
    if not tasks:
        raise ValueError("stack_cutoffs: no tasks given; pass {cutoff: (X, y), ...}")
    keys = sorted(tasks, key=pd.Timestamp)
    columns = None
    xs, ys = [], []
    for key in keys:
        X, y = tasks[key]
        if len(X) != len(y):
            raise ValueError(f"stack_cutoffs: at cutoff {key}, X has {len(X)} rows but y has {len(y)}")
        if columns is None:
            columns = list(X.columns)
        elif list(X.columns) != columns:
            raise ValueError(
                f"stack_cutoffs: the columns at cutoff {key} differ from those at {keys[0]}; build every "
                "task with the same feature function"
            )
        cut = pd.Timestamp(key)
        idx = pd.MultiIndex.from_arrays([np.repeat(np.datetime64(cut, "us"), len(X)), X.index], names=["cutoff", X.index.name or "customer_id"])
        xs.append(X.set_axis(idx))
        ys.append(pd.Series(np.asarray(y), index=idx, name=getattr(y, "name", None) or "y"))
    Xs, ys_ = pd.concat(xs), pd.concat(ys)
    groups = pd.Series(Xs.index.get_level_values("cutoff"), index=Xs.index, name="cutoff")
    return Xs, ys_, groups


# --------------------------------------------------------------------------------------------
# Pipelines
# --------------------------------------------------------------------------------------------

#: Transformations :func:`build_pipeline` knows, by name.
SCALINGS: tuple[str, ...] = ("none", "minmax", "zscore", "log", "log_zscore", "quantile")


def signed_log1p(X: Any) -> Any:
    """``sign(x) * log(1 + |x|)``: a log that keeps zeros and the sign of net amounts."""
    return np.sign(X) * np.log1p(np.abs(X))


def _scaler(name: str, random_state: int | None) -> Any:
    if name == "none":
        return "passthrough"
    if name == "minmax":
        return MinMaxScaler()
    if name == "zscore":
        return StandardScaler()
    if name == "log":
        return FunctionTransformer(signed_log1p, feature_names_out="one-to-one")
    if name == "log_zscore":
        return Pipeline([("log", FunctionTransformer(signed_log1p, feature_names_out="one-to-one")), ("z", StandardScaler())])
    if name == "quantile":
        return QuantileTransformer(n_quantiles=100, output_distribution="normal", random_state=random_state)
    raise ValueError(f"build_pipeline: unknown scaling {name!r}; choose one of {SCALINGS}")


def build_pipeline(
    model: BaseEstimator,
    *,
    scaling: str = "zscore",
    impute: str | None = "median",
    select: Any = None,
    reduce: str | None = None,
    n_components: int | None = None,
    random_state: int | None = 0,
) -> Pipeline:
    """One pipeline: impute → transform → select → reduce → model.

    Parameters
    ----------
    model : estimator
        The final classifier (cloned).
    scaling : str
        One of :data:`SCALINGS`: ``"none"``, ``"minmax"``, ``"zscore"``, ``"log"`` (signed
        ``log1p``), ``"log_zscore"`` (log then z-score), ``"quantile"`` (to a normal shape).
    impute : str or None
        ``SimpleImputer`` strategy for missing values (``None``: no imputer).
    select : transformer, list of column positions, or None
        A feature selector (e.g. ``SelectKBest``) or the positions of the columns to keep.
    reduce : ``"pca"``, ``"lda"`` or None
        A projection after scaling, with ``n_components`` components.
    random_state : int or None
        Seed of the random steps (quantile subsampling, PCA's solver).

    Returns
    -------
    Pipeline with the steps ``impute``, ``scale``, ``select``, ``reduce``, ``model`` (absent
    steps are ``"passthrough"``), so a search can address e.g. ``model__C``.

    Example: ``build_pipeline(KNeighborsClassifier(), scaling="quantile")``
    """
    if impute is not None and impute not in {"median", "mean", "most_frequent", "constant"}:
        raise ValueError(f"build_pipeline: impute={impute!r}; use 'median', 'mean', 'most_frequent', 'constant' or None")
    steps: list[tuple[str, Any]] = [
        ("impute", SimpleImputer(strategy=impute) if impute else "passthrough"),
        ("scale", _scaler(scaling, random_state)),
    ]
    if select is None:
        steps.append(("select", "passthrough"))
    elif hasattr(select, "fit"):
        steps.append(("select", clone(select)))
    else:
        cols = [int(c) for c in select]
        if not cols:
            raise ValueError("build_pipeline: select is an empty list of columns; keep at least one")
        steps.append(("select", FunctionTransformer(_take_columns, kw_args={"columns": cols})))
    if reduce is None:
        steps.append(("reduce", "passthrough"))
    elif reduce == "pca":
        steps.append(("reduce", PCA(n_components=n_components, random_state=random_state)))
    elif reduce == "lda":
        steps.append(("reduce", LinearDiscriminantAnalysis(n_components=n_components)))
    else:
        raise ValueError(f"build_pipeline: reduce={reduce!r}; use 'pca', 'lda' or None")
    steps.append(("model", clone(model)))
    return Pipeline(steps)


def _take_columns(X: Any, columns: Sequence[int]) -> Any:
    if isinstance(X, pd.DataFrame):
        return X.iloc[:, list(columns)]
    return np.asarray(X)[:, list(columns)]


# --------------------------------------------------------------------------------------------
# Search spaces and searches
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dim:
    """One hyper-parameter's range: ``kind`` is ``"int"``, ``"float"`` or ``"cat"``."""

    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple[Any, ...] = ()

    def levels(self, n: int) -> list[Any]:
        """``n`` evenly spaced values (on a log scale if ``log``), deduplicated, for a grid."""
        if self.kind == "cat":
            idx = np.unique(np.round(np.linspace(0, len(self.choices) - 1, max(1, min(n, len(self.choices))))).astype(int))
            return [self.choices[i] for i in idx]
        n = max(1, n)
        if n == 1:
            vals = np.array([math.sqrt(self.low * self.high) if self.log else (self.low + self.high) / 2])
        elif self.log:
            vals = np.geomspace(self.low, self.high, n)
        else:
            vals = np.linspace(self.low, self.high, n)
        if self.kind == "int":
            out = sorted({int(round(v)) for v in vals})
            return out
        return [float(v) for v in vals]

    def size(self) -> float:
        """How many distinct values (``inf`` for a float range)."""
        if self.kind == "cat":
            return len(self.choices)
        if self.kind == "int":
            return int(self.high) - int(self.low) + 1
        return math.inf

    def distribution(self) -> Any:
        """A scipy-style distribution (or list) for ``RandomizedSearchCV``."""
        from scipy import stats

        if self.kind == "cat":
            return list(self.choices)
        if self.kind == "int":
            if self.log:
                return _IntLogUniform(int(self.low), int(self.high))
            return stats.randint(int(self.low), int(self.high) + 1)
        if self.log:
            return stats.loguniform(self.low, self.high)
        return stats.uniform(self.low, self.high - self.low)

    def suggest(self, trial: Any, name: str) -> Any:
        """The optuna suggestion for this range."""
        if self.kind == "cat":
            return trial.suggest_categorical(name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(name, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(name, float(self.low), float(self.high), log=self.log)


class _IntLogUniform:
    """Integers drawn log-uniformly from ``[low, high]`` (``rvs`` like a scipy distribution)."""

    def __init__(self, low: int, high: int) -> None:
        self.low, self.high = low, high

    def rvs(self, size: Any = None, random_state: Any = None) -> Any:
        rng = np.random.default_rng(random_state) if not isinstance(random_state, np.random.RandomState) else random_state
        u = rng.uniform(math.log(self.low), math.log(self.high + 1), size=size)
        v = np.clip(np.floor(np.exp(u)).astype(int), self.low, self.high)
        return int(v) if size is None else v

    def __repr__(self) -> str:
        return f"IntLogUniform({self.low}, {self.high})"


def _check_range(low: float, high: float, log: bool, what: str) -> None:
    if not low < high:
        raise ValueError(f"{what}: low={low} must be below high={high}")
    if log and low <= 0:
        raise ValueError(f"{what}: a log range needs low > 0, got low={low}")


def int_dim(low: int, high: int, log: bool = False) -> Dim:
    """An integer range ``[low, high]`` (both included). Example: ``int_dim(1, 200, log=True)``."""
    _check_range(low, high, log, "int_dim")
    return Dim("int", int(low), int(high), log)


def float_dim(low: float, high: float, log: bool = False) -> Dim:
    """A real range ``[low, high]``. Example: ``float_dim(1e-3, 10, log=True)``."""
    _check_range(low, high, log, "float_dim")
    return Dim("float", float(low), float(high), log)


def cat_dim(*choices: Any) -> Dim:
    """A set of choices. Example: ``cat_dim("gini", "entropy")``."""
    if len(choices) < 1:
        raise ValueError("cat_dim: give at least one choice")
    return Dim("cat", choices=tuple(choices))


def _check_space(space: Mapping[str, Dim]) -> None:
    if not space:
        raise ValueError("the search space is empty; give {parameter: int_dim(...)/float_dim(...)/cat_dim(...)}")
    bad = [k for k, v in space.items() if not isinstance(v, Dim)]
    if bad:
        raise TypeError(f"search space entries {bad} are not Dim; build them with int_dim, float_dim or cat_dim")


def grid_from_space(space: Mapping[str, Dim], budget: int) -> dict[str, list[Any]]:
    """The largest grid over ``space`` with at most ``budget`` points.

    Levels are added one parameter at a time (round robin, in the order given) while the grid
    stays within the budget; each parameter's levels are evenly spaced over its range.

    Example: ``grid_from_space({"max_depth": int_dim(2, 12), "criterion": cat_dim("gini", "entropy")}, 8)``
    → ``{"max_depth": [2, 5, 9, 12], "criterion": ["gini", "entropy"]}``
    """
    _check_space(space)
    if budget < 1:
        raise ValueError(f"grid_from_space: budget must be at least 1, got {budget}")
    names = list(space)
    counts = {k: 1 for k in names}
    grown = True
    while grown:
        grown = False
        for k in names:
            if counts[k] + 1 > space[k].size():
                continue
            trial = dict(counts, **{k: counts[k] + 1})
            if math.prod(trial.values()) <= budget:
                counts = trial
                grown = True
    return {k: space[k].levels(counts[k]) for k in names}


@dataclass
class SearchResult:
    """What one search found: best parameters and CV score, cost, and the refitted estimator."""

    method: str
    best_params: dict[str, Any]
    best_score: float
    n_candidates: int
    n_fits: int
    full_fit_equivalents: float
    seconds: float
    best_estimator: Any = None
    trials: pd.DataFrame = field(default_factory=pd.DataFrame)


def _prefixed(space: Mapping[str, Dim], prefix: str | None) -> dict[str, Dim]:
    if not prefix:
        return dict(space)
    return {k if "__" in k else f"{prefix}__{k}": v for k, v in space.items()}


def run_search(
    estimator: BaseEstimator,
    space: Mapping[str, Dim],
    X: Any,
    y: Any,
    *,
    method: str = "random",
    budget: int = 16,
    cv: Any = 3,
    groups: Any = None,
    scoring: str | Callable = "roc_auc",
    random_state: int = 0,
    factor: int = 3,
    refit: bool = False,
) -> SearchResult:
    """Search ``space`` with one method at a given budget.

    The **budget** is the number of candidate settings one can cross-validate on all rows
    (``budget × n_splits`` fits of the full training folds):

    - ``"grid"``: the largest grid within the budget (:func:`grid_from_space`);
    - ``"random"``: ``budget`` random draws;
    - ``"halving"``: successive halving (``HalvingRandomSearchCV``) that starts with more
      candidates on subsamples and keeps the best ``1/factor`` each round, sized so that its
      total training rows match the budget (``full_fit_equivalents`` reports the actual cost);
    - ``"optuna"``: ``budget`` trials of optuna's seeded TPE sampler (Bayesian-style: each trial
      is proposed from the scores of the previous ones).

    Returns a :class:`SearchResult`; ``best_estimator`` is refitted on all rows if ``refit``.

    Example: ``run_search(tree, {"max_depth": int_dim(2, 12)}, X, y, method="grid", budget=8, cv=cv, groups=g)``
    """
    _check_space(space)
    if budget < 1:
        raise ValueError(f"run_search: budget must be at least 1, got {budget}")
    fit_params = {} if groups is None else {"groups": groups}
    n_splits = cv if isinstance(cv, int) else cv.get_n_splits(X, y, groups)
    t0 = time.perf_counter()
    if method in {"grid", "random", "halving"}:
        from sklearn.experimental import enable_halving_search_cv  # noqa: F401
        from sklearn.model_selection import GridSearchCV, HalvingRandomSearchCV, RandomizedSearchCV

        if method == "grid":
            search: Any = GridSearchCV(estimator, grid_from_space(space, budget), cv=cv, scoring=scoring, refit=refit)
        elif method == "random":
            dists = {k: v.distribution() for k, v in space.items()}
            search = RandomizedSearchCV(
                estimator, dists, n_iter=budget, cv=cv, scoring=scoring, refit=refit, random_state=random_state
            )
        else:
            n_rows = len(X)
            rounds = max(1, min(3, int(math.floor(math.log(max(n_rows / 200, 1), factor))) + 1))
            min_resources = max(1, n_rows // factor ** (rounds - 1))
            n_candidates = _halving_candidates(budget, rounds, factor, min_resources, n_rows)
            dists = {k: v.distribution() for k, v in space.items()}
            search = HalvingRandomSearchCV(
                estimator, dists, n_candidates=n_candidates, factor=factor, min_resources=min_resources,
                cv=cv, scoring=scoring, refit=refit, random_state=random_state, return_train_score=False,
            )
        with warnings.catch_warnings():
            _ignore_known_warnings()  # "n_quantiles is set to n_samples" on small subsamples
            search.fit(X, y, **fit_params)
        res = pd.DataFrame(search.cv_results_)
        n_cand = len(res)
        if method == "halving":
            fractions = res["n_resources"].to_numpy() / len(X)
            equiv = float(fractions.sum())
            n_cand = int((res["iter"] == 0).sum())
            # the final round's best is the search's choice
            best_params, best_score = search.best_params_, float(search.best_score_)
        else:
            equiv = float(n_cand)
            best_params, best_score = search.best_params_, float(search.best_score_)
        trials = res.filter(regex="^(param_|mean_test_score|iter|n_resources)").copy()
        n_fits = len(res) * n_splits
        best = search.best_estimator_ if refit else None
    elif method == "optuna":
        import optuna

        optuna.logging.set_verbosity(optuna.logging.WARNING)

        def objective(trial: Any) -> float:
            params = {k: v.suggest(trial, k) for k, v in space.items()}
            model = clone(estimator).set_params(**params)
            with warnings.catch_warnings():
                _ignore_known_warnings()
                scores = cross_val_score(model, X, y, cv=cv, scoring=scoring, groups=groups)
            return float(np.mean(scores))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(seed=random_state, n_startup_trials=min(budget, max(3, budget // 3)))
            study = optuna.create_study(direction="maximize", sampler=sampler)
            study.optimize(objective, n_trials=budget)
        best_params, best_score = dict(study.best_trial.params), float(study.best_value)
        trials = study.trials_dataframe(attrs=("number", "value", "params"))
        n_cand, n_fits, equiv = budget, budget * n_splits, float(budget)
        best = None
        if refit:
            with warnings.catch_warnings():
                _ignore_known_warnings()
                best = clone(estimator).set_params(**best_params).fit(X, y)
    else:
        raise ValueError(f"run_search: unknown method {method!r}; use 'grid', 'random', 'halving' or 'optuna'")
    seconds = time.perf_counter() - t0
    return SearchResult(
        method=method,
        best_params={k: _plain(v) for k, v in best_params.items()},
        best_score=best_score,
        n_candidates=int(n_cand),
        n_fits=int(n_fits),
        full_fit_equivalents=round(equiv, 2),
        seconds=seconds,
        best_estimator=best,
        trials=trials,
    )


def _halving_cost(n_candidates: int, rounds: int, factor: int, min_resources: int, n_rows: int) -> float:
    """Full-fit equivalents of successive halving as scikit-learn runs it (candidates kept: ceil(c / factor))."""
    rounds = min(rounds, 1 + int(math.floor(math.log(n_candidates, factor) + 1e-9)))
    cost, c = 0.0, n_candidates
    for i in range(rounds):
        cost += c * min(min_resources * factor**i, n_rows) / n_rows
        c = int(math.ceil(c / factor))
    return cost


def _halving_candidates(budget: int, rounds: int, factor: int, min_resources: int, n_rows: int) -> int:
    """The most first-round candidates whose halving schedule stays within ``budget`` full-fit equivalents."""
    c = max(1, budget * factor ** (rounds - 1))
    while c > 1 and _halving_cost(c, rounds, factor, min_resources, n_rows) > budget:
        c -= 1
    return c


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def tuned_pipeline(
    model: BaseEstimator,
    space: Mapping[str, Dim],
    X: Any,
    y: Any,
    *,
    groups: Any = None,
    cv: Any = None,
    budget: int = 16,
    method: str = "optuna",
    scoring: str | Callable = "roc_auc",
    random_state: int = 0,
    **pipeline_options: Any,
) -> tuple[Pipeline, SearchResult]:
    """Build a pipeline around ``model`` (:func:`build_pipeline`), tune it, refit the best on all rows.

    Parameters of ``space`` without a ``step__`` prefix refer to the model (``C`` → ``model__C``);
    use e.g. ``"scale"`` step names for the rest. ``cv`` defaults to ``TimeAwareSplit(3)`` when
    ``groups`` is given, else to 3-fold stratified CV.

    Returns ``(fitted_pipeline, search_result)``.

    Example: ``pipe, res = tuned_pipeline(SVC(), {"C": float_dim(0.01, 10, log=True)}, X, y, groups=g, scaling="quantile")``
    """
    pipe = build_pipeline(model, random_state=random_state, **pipeline_options)
    if cv is None:
        cv = TimeAwareSplit(3) if groups is not None else 3
    result = run_search(
        pipe, _prefixed(space, "model"), X, y, method=method, budget=budget, cv=cv, groups=groups,
        scoring=scoring, random_state=random_state, refit=True,
    )
    return result.best_estimator, result


def compare_searches(
    estimator: BaseEstimator,
    space: Mapping[str, Dim],
    X: Any,
    y: Any,
    *,
    budget: int = 16,
    cv: Any = 3,
    groups: Any = None,
    scoring: str | Callable = "roc_auc",
    methods: Sequence[str] = ("grid", "random", "halving", "optuna"),
    random_state: int = 0,
) -> tuple[pd.DataFrame, dict[str, SearchResult]]:
    """Run several search methods at the same budget (:func:`run_search`) and tabulate them.

    Returns
    -------
    (table, results)
        ``table`` has one row per method with columns ``method``, ``best CV score``,
        ``candidates``, ``fits``, ``full-fit equivalents``, ``seconds`` and ``best parameters``
        (in ``methods`` order); ``results`` maps method → :class:`SearchResult`.

    Example: ``table, res = compare_searches(tree, space, X, y, budget=12, cv=TimeAwareSplit(2), groups=g)``
    """
    results = {
        m: run_search(estimator, space, X, y, method=m, budget=budget, cv=cv, groups=groups, scoring=scoring, random_state=random_state)
        for m in methods
    }
    table = pd.DataFrame(
        {
            "method": list(results),
            "best CV score": [r.best_score for r in results.values()],
            "candidates": [r.n_candidates for r in results.values()],
            "fits": [r.n_fits for r in results.values()],
            "full-fit equivalents": [r.full_fit_equivalents for r in results.values()],
            "seconds": [r.seconds for r in results.values()],
            "best parameters": [_format_params(r.best_params) for r in results.values()],
        }
    )
    return table, results


def _format_params(params: Mapping[str, Any]) -> str:
    parts = []
    for k, v in sorted(params.items()):
        k = k.split("__")[-1]
        parts.append(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}")
    return ", ".join(parts)


# --------------------------------------------------------------------------------------------
# Feature selection and combinations
# --------------------------------------------------------------------------------------------

_RANKINGS = ("mutual_info", "chi2", "l1", "permutation")


def _numeric_frame(X: Any, where: str) -> pd.DataFrame:
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"{where}: X must be a pandas DataFrame with named feature columns, got {type(X).__name__}")
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ValueError(f"{where}: column(s) {bad} are not numeric; drop or encode them first")
    if X.empty:
        raise ValueError(f"{where}: X has no rows")
    return X


def rank_features(
    X: pd.DataFrame,
    y: Any,
    method: str,
    *,
    random_state: int = 0,
    C: float = 0.05,
    estimator: BaseEstimator | None = None,
    X_valid: pd.DataFrame | None = None,
    y_valid: Any = None,
    n_repeats: int = 5,
    scoring: str = "roc_auc",
) -> pd.DataFrame:
    """Score every feature with one selection method; missing values are median-imputed first.

    Methods
    -------
    - ``"mutual_info"``: mutual information with the label (``mutual_info_classif``, seeded);
    - ``"chi2"``: the chi-squared statistic; refuses negative features (counts/amounts/shares only);
    - ``"l1"``: absolute coefficients of an L1-regularized logistic regression on z-scored
      features (strength ``C``); a zero coefficient means "dropped";
    - ``"permutation"``: drop in ``scoring`` on ``(X_valid, y_valid)`` when the feature is shuffled,
      for ``estimator`` fitted on ``(X, y)`` (default: a median-imputed logistic regression on
      quantile-transformed features). Validation rows must come from outside the training rows.

    Returns
    -------
    DataFrame with columns ``feature``, ``score``, ``rank`` (1 = best; ties broken by column order),
    sorted by rank.

    Example: ``rank_features(X, y, "mutual_info").head(5)``
    """
    X = _numeric_frame(X, "rank_features")
    if method not in _RANKINGS:
        raise ValueError(f"rank_features: unknown method {method!r}; use one of {_RANKINGS}")
    y_arr = np.asarray(y)
    if len(y_arr) != len(X):
        raise ValueError(f"rank_features: y has {len(y_arr)} values but X has {len(X)} rows")
    imp = SimpleImputer(strategy="median", keep_empty_features=True).fit(X)
    Xi = imp.transform(X)
    if method == "mutual_info":
        scores = mutual_info_classif(Xi, y_arr, random_state=random_state)
    elif method == "chi2":
        negative = [c for c, m in zip(X.columns, (Xi < 0).any(axis=0)) if m]
        if negative:
            raise ValueError(
                f"rank_features('chi2'): column(s) {negative} have negative values; chi-squared needs "
                "non-negative features (counts, amounts, shares): drop them or min-max scale first"
            )
        scores = np.nan_to_num(chi2(Xi, y_arr)[0])
    elif method == "l1":
        Z = StandardScaler().fit_transform(Xi)
        lr = LogisticRegression(l1_ratio=1.0, C=C, solver="liblinear", random_state=random_state, max_iter=1000)
        lr.fit(Z, y_arr)
        scores = np.abs(lr.coef_).max(axis=0)
    else:
        if X_valid is None or y_valid is None:
            raise ValueError(
                "rank_features('permutation') needs X_valid and y_valid: importance measured on the "
                "training rows rewards over-fitting; pass a later cutoff's rows (not the test cutoff)"
            )
        if estimator is None:
            estimator = build_pipeline(LogisticRegression(max_iter=1000), scaling="quantile", random_state=random_state)
        model = clone(estimator).fit(X, y_arr)
        r = permutation_importance(
            model, X_valid[list(X.columns)], np.asarray(y_valid), scoring=scoring, n_repeats=n_repeats, random_state=random_state
        )
        scores = r.importances_mean
    out = pd.DataFrame({"feature": list(X.columns), "score": np.asarray(scores, dtype=float), "order": np.arange(X.shape[1])})
    out = out.sort_values(["score", "order"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out[["feature", "score", "rank"]]


def add_combinations(
    X: pd.DataFrame,
    ratios: Sequence[tuple[str, str]] = (),
    crosses: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Add ratio and cross (product) columns.

    A ratio ``(a, b)`` adds ``a_per_b = a / b`` (missing where ``b`` is 0 or missing); a cross
    ``(a, b)`` adds ``a_x_b = a * b``. The input is not modified.

    Example: ``add_combinations(X, ratios=[("monetary", "frequency")], crosses=[("recency_days", "frequency")])``
    adds ``monetary_per_frequency`` (spend per order) and ``recency_days_x_frequency``.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"add_combinations: X must be a pandas DataFrame, got {type(X).__name__}")
    out = X.copy()
    for kind, pairs in (("ratio", ratios), ("cross", crosses)):
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"add_combinations: each {kind} is a pair of column names, got {pair!r}")
            a, b = pair
            missing = [c for c in (a, b) if c not in X.columns]
            if missing:
                raise ValueError(f"add_combinations: {kind} {pair} names column(s) {missing} not in X; columns are {list(X.columns)}")
            num, den = X[a].astype(float), X[b].astype(float)
            if kind == "ratio":
                out[f"{a}_per_{b}"] = num / den.where(den != 0)
            else:
                out[f"{a}_x_{b}"] = num * den
    return out


def screen_additions(
    estimator: BaseEstimator,
    X: pd.DataFrame,
    y: Any,
    candidates: Sequence[str],
    *,
    cv: Any,
    groups: Any = None,
    scoring: str = "roc_auc",
    min_gain: float = 0.002,
) -> pd.DataFrame:
    """Greedy forward screening: keep a new column only if it raises the CV score by ``min_gain``.

    ``X`` holds the base columns *and* the candidate columns; candidates are tried in the given
    order, each against the columns kept so far.

    Returns
    -------
    DataFrame with columns ``candidate``, ``score before``, ``score with``, ``gain``, ``kept``.

    Example: ``screen_additions(pipe, Xc, y, ["monetary_per_frequency"], cv=TimeAwareSplit(2), groups=g)``
    """
    missing = [c for c in candidates if c not in X.columns]
    if missing:
        raise ValueError(f"screen_additions: candidate column(s) {missing} are not in X; add them with add_combinations")
    base = [c for c in X.columns if c not in set(candidates)]

    def score(cols: list[str]) -> float:
        with warnings.catch_warnings():
            _ignore_known_warnings()
            return float(np.mean(cross_val_score(clone(estimator), X[cols], y, cv=cv, scoring=scoring, groups=groups)))

    kept = list(base)
    current = score(kept)
    rows = []
    for c in candidates:
        with_c = score(kept + [c])
        keep = with_c - current >= min_gain
        rows.append({"candidate": c, "score before": current, "score with": with_c, "gain": with_c - current, "kept": keep})
        if keep:
            kept.append(c)
            current = with_c
    return pd.DataFrame(rows, columns=["candidate", "score before", "score with", "gain", "kept"])


# --------------------------------------------------------------------------------------------
# Threshold for a business cost
# --------------------------------------------------------------------------------------------


def _binary(y_true: Any, scores: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=float)
    if y.ndim != 1 or s.ndim != 1 or len(y) != len(s):
        raise ValueError(f"{where}: y_true and scores must be 1-D and of the same length, got {y.shape} and {s.shape}")
    if len(y) == 0:
        raise ValueError(f"{where}: no rows")
    if not np.isin(y, [0, 1]).all():
        raise ValueError(f"{where}: y_true must be 0/1 (1 = will return); got values {np.unique(y)[:5].tolist()}")
    if np.isnan(s).any():
        raise ValueError(f"{where}: scores contain NaN; score every row")
    return y.astype(int), s


def cost_curve(y_true: Any, scores: Any, *, cost_fp: float, cost_fn: float) -> pd.DataFrame:
    """Total cost of every threshold: predict "will return" when ``score >= threshold``.

    Parameters
    ----------
    y_true : array of 0/1
        1 = the customer did return.
    scores : array of float
        Higher = more likely to return (probabilities or decision values).
    cost_fp : float
        Cost of one false "will return" (e.g. a wasted retention voucher).
    cost_fn : float
        Cost of one missed returner (e.g. a lost order's margin).

    Returns
    -------
    DataFrame with one row per candidate threshold (every distinct score, plus ``inf`` = nobody
    predicted positive), sorted by decreasing threshold, with columns ``threshold``,
    ``predicted positive``, ``tp``, ``fp``, ``fn``, ``tn``, ``cost``.

    Example: ``cost_curve([0, 1], [0.2, 0.7], cost_fp=1, cost_fn=5)``
    """
    if cost_fp < 0 or cost_fn < 0:
        raise ValueError(f"cost_curve: costs must be non-negative, got cost_fp={cost_fp}, cost_fn={cost_fn}")
    y, s = _binary(y_true, scores, "cost_curve")
    thresholds = np.unique(s)[::-1]
    order = np.argsort(-s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    tp_cum = np.cumsum(y_sorted)
    fp_cum = np.cumsum(1 - y_sorted)
    # rows with score >= t are the first `k` sorted rows, k = last position with s_sorted >= t
    k = np.searchsorted(-s_sorted, -thresholds, side="right")
    tp = np.concatenate([[0], tp_cum[k - 1]])
    fp = np.concatenate([[0], fp_cum[k - 1]])
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    fn, tn = pos - tp, neg - fp
    table = pd.DataFrame(
        {
            "threshold": np.concatenate([[np.inf], thresholds]),
            "predicted positive": tp + fp,
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
        }
    )
    table["cost"] = cost_fp * table["fp"] + cost_fn * table["fn"]
    return table


@dataclass
class CostThreshold:
    """The cost-minimizing threshold and the curve it came from."""

    threshold: float
    cost: float
    curve: pd.DataFrame

    def predict(self, scores: Any) -> np.ndarray:
        """Apply the threshold: 1 where ``score >= threshold``."""
        return (np.asarray(scores, dtype=float) >= self.threshold).astype(int)


def cost_threshold(y_true: Any, scores: Any, *, cost_fp: float, cost_fn: float) -> CostThreshold:
    """The threshold with the lowest total cost on ``(y_true, scores)`` (:func:`cost_curve`).

    Ties go to the highest threshold (fewest customers flagged). Choose it on validation rows
    and apply it, unchanged, to the test rows.

    Example
    -------
    >>> ct = cost_threshold([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], cost_fp=1, cost_fn=5)
    >>> ct.threshold, ct.cost
    (0.35, 1.0)
    """
    curve = cost_curve(y_true, scores, cost_fp=cost_fp, cost_fn=cost_fn)
    best = int(np.argmin(curve["cost"].to_numpy()))  # first minimum = highest threshold
    return CostThreshold(float(curve["threshold"].iloc[best]), float(curve["cost"].iloc[best]), curve)


# --------------------------------------------------------------------------------------------
# Bootstrap: the before/after table
# --------------------------------------------------------------------------------------------


def _bootstrap_counts(n: int, n_boot: int, random_state: int) -> np.ndarray:
    rng = np.random.default_rng(random_state)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)


def _weighted_auc(y: np.ndarray, s: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """ROC AUC for each row of ``weights`` (bootstrap counts), ties counted half."""
    order = np.argsort(s, kind="stable")
    s_sorted, y_sorted = s[order], y[order]
    w = weights[:, order]
    starts = np.flatnonzero(np.concatenate([[True], s_sorted[1:] != s_sorted[:-1]]))
    P = np.add.reduceat(w * y_sorted, starts, axis=1)
    N = np.add.reduceat(w * (1 - y_sorted), starts, axis=1)
    below = np.cumsum(N, axis=1) - N
    num = (P * (below + 0.5 * N)).sum(axis=1)
    den = P.sum(axis=1) * N.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / den, np.nan)


def bootstrap_auc_replicates(
    y_true: Any, scores: Mapping[str, Any], *, n_boot: int = 1000, random_state: int = 0
) -> pd.DataFrame:
    """ROC AUC of several score columns on the **same** bootstrap resamples (paired).

    Returns a DataFrame with ``n_boot`` rows and one column per entry of ``scores``; the
    differences between columns are paired bootstrap replicates of the AUC gains.

    Example: ``bootstrap_auc_replicates(y, {"a": s_a, "b": s_b}, n_boot=500).quantile([0.025, 0.975])``
    """
    if not scores:
        raise ValueError("bootstrap_auc_replicates: no scores given")
    if n_boot < 1:
        raise ValueError(f"bootstrap_auc_replicates: n_boot must be at least 1, got {n_boot}")
    arrays = {k: _binary(y_true, v, "bootstrap_auc_replicates") for k, v in scores.items()}
    y = next(iter(arrays.values()))[0]
    if y.min() == y.max():
        raise ValueError("bootstrap_auc_replicates: y_true has one class only; the AUC is undefined")
    W = _bootstrap_counts(len(y), n_boot, random_state)
    return pd.DataFrame({k: _weighted_auc(y, s, W) for k, (_, s) in arrays.items()})


def paired_bootstrap(
    y_true: Any, scores_a: Any, scores_b: Any, *, n_boot: int = 1000, random_state: int = 0, alpha: float = 0.05
) -> dict[str, float]:
    """AUC of ``b`` minus AUC of ``a`` with a paired percentile bootstrap interval.

    Returns ``{"auc_a", "auc_b", "gain", "low", "high"}``: a gain is "real" at level ``alpha``
    when ``low > 0``.

    Example: ``paired_bootstrap(y, baseline_scores, tuned_scores)["low"] > 0``
    """
    y, a = _binary(y_true, scores_a, "paired_bootstrap")
    _, b = _binary(y_true, scores_b, "paired_bootstrap")
    reps = bootstrap_auc_replicates(y, {"a": a, "b": b}, n_boot=n_boot, random_state=random_state)
    d = (reps["b"] - reps["a"]).dropna()
    auc_a, auc_b = roc_auc_score(y, a), roc_auc_score(y, b)
    return {
        "auc_a": float(auc_a),
        "auc_b": float(auc_b),
        "gain": float(auc_b - auc_a),
        "low": float(d.quantile(alpha / 2)),
        "high": float(d.quantile(1 - alpha / 2)),
    }


def before_after(
    y_true: Any,
    steps: Mapping[str, Any],
    *,
    n_boot: int = 1000,
    random_state: int = 0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """The before/after table: each step's test ROC AUC and its gains, with bootstrap intervals.

    Parameters
    ----------
    y_true : array of 0/1
        Test labels (the untouched test cutoff).
    steps : mapping name -> scores
        In order: the baseline first, then each step, the final model last.

    Returns
    -------
    DataFrame indexed by step with columns ``ROC AUC``, ``AUC low``, ``AUC high``,
    ``gain vs previous``, ``gain low``, ``gain high``, ``real gain`` (interval of the gain over
    the previous step above 0), ``gain vs baseline``, ``vs baseline low``, ``vs baseline high``
    and ``real vs baseline``. All intervals are paired percentile bootstrap intervals at
    ``1 - alpha`` from the same resamples.

    Example: ``before_after(y_test, {"recency rule": -X.recency_days, "tuned tree": p})``
    """
    names = list(steps)
    reps = bootstrap_auc_replicates(y_true, steps, n_boot=n_boot, random_state=random_state)
    y = np.asarray(y_true).astype(int)
    lo, hi = alpha / 2, 1 - alpha / 2
    rows = []
    for i, name in enumerate(names):
        auc = float(roc_auc_score(y, np.asarray(steps[name], dtype=float)))
        row: dict[str, Any] = {"step": name, "ROC AUC": auc, "AUC low": reps[name].quantile(lo), "AUC high": reps[name].quantile(hi)}
        for label, ref in (("previous", names[i - 1] if i else None), ("baseline", names[0] if i else None)):
            if ref is None:
                vals = [np.nan, np.nan, np.nan, pd.NA]
            else:
                d = reps[name] - reps[ref]
                ref_auc = float(roc_auc_score(y, np.asarray(steps[ref], dtype=float)))
                vals = [auc - ref_auc, d.quantile(lo), d.quantile(hi), bool(d.quantile(lo) > 0)]
            prefix = "gain" if label == "previous" else "vs baseline"
            row.update(
                {
                    ("gain vs previous" if label == "previous" else "gain vs baseline"): vals[0],
                    f"{prefix} low": vals[1],
                    f"{prefix} high": vals[2],
                    ("real gain" if label == "previous" else "real vs baseline"): vals[3],
                }
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("step")
