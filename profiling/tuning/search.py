"""Search spaces and the four searches (grid, random, successive halving, optuna) at one budget."""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline

from profiling import stats
from profiling.tuning._common import ignore_known_warnings as _ignore_known_warnings
from profiling.tuning.pipeline import build_pipeline
from profiling.tuning.split import TimeAwareSplit

__all__ = ["Dim", "int_dim", "float_dim", "cat_dim", "grid_from_space", "SearchResult", "run_search", "tuned_pipeline", "compare_searches"]


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
