"""Choices made on a validation split: hyperparameters (:func:`grid_search`) and blend weights (:func:`tune_blend`).

Both score candidates by mean NDCG@k on a split whose truth period ends before the test period
begins, so that the test is looked at once, after every choice is frozen.

Example
-------
>>> from profiling import datasets
>>> from profiling.recommend import UserKNN, purchases, time_split
>>> lines = purchases(datasets.make_transactions(n_customers=80, n_items=40, random_state=0))
>>> best, table = grid_search(UserKNN(), {"n_neighbors": [5, 20]}, time_split(lines, "2010-09-01"), k=5)
>>> list(table.columns), int(table["chosen"].sum()), best.n_neighbors in (5, 20)
(['n_neighbors', 'ndcg', 'hit', 'recall', 'chosen'], 1, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from profiling.numeric import row_minmax
from profiling.recommend.base import Recommender, _settle_ties, _top_k
from profiling.recommend.data import Split
from profiling.recommend.evaluation import _check_view, _truth_of, evaluate
from profiling.validation import check_positive_int

__all__ = ["grid_search", "tune_blend"]


def _fast_ndcg(scores: np.ndarray, relevant: np.ndarray, n_relevant: np.ndarray, k: int, owned: bool = False) -> float:
    """Mean NDCG@k of dense scores, ranked as ``recommend`` ranks them (settled scores, ties by column).

    ``owned=True``: ``scores`` is a float64 scratch array the caller gives up (settled in place).

    >>> _fast_ndcg(np.array([[0.9, 0.1, 0.5]]), np.array([[False, False, True]]), np.array([1]), k=2)
    0.6309297535714575
    """
    top = _top_k(_settle_ties(scores, inplace=owned), min(k, scores.shape[1]))
    gains = np.take_along_axis(relevant, top, axis=1).astype(np.float64)
    disc = 1.0 / np.log2(np.arange(2, gains.shape[1] + 2))
    full = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.concatenate([[0.0], np.cumsum(full)])[np.minimum(n_relevant, k)]
    return float(np.mean((gains * disc).sum(axis=1) / ideal))


def tune_blend(
    components: Mapping[str, Recommender],
    split: Split,
    k: int = 10,
    grid: Iterable[float] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
    anchor: str | None = None,
    rounds: int = 2,
    view: str = "all",
) -> tuple[dict[str, float], pd.DataFrame]:
    """Blend weights that maximize mean NDCG@k on a (validation) split, by coordinate search.

    The components must already be fitted on ``split.train``. Each one's scores are min-max
    scaled per customer (as :class:`~profiling.recommend.hybrid.Hybrid` does). The ``anchor``
    (default: the component with the best NDCG@k alone) keeps weight 1; the others start at 0 and,
    ``rounds`` times in turn, take the grid value that raises NDCG@k most (ties: the smaller weight).

    Returns
    -------
    (weights, trace)
        ``weights``: name -> weight; ``trace``: one row per step (``round``, ``component``,
        ``weight``, ``ndcg``).

    Example
    -------
    >>> from profiling import datasets
    >>> from profiling.recommend import Popularity, RepeatPurchase, purchases, time_split
    >>> split = time_split(purchases(datasets.make_transactions(n_customers=80, n_items=40, random_state=0)), "2010-09-01")
    >>> parts = {"repeat": RepeatPurchase().fit(split.train), "popular": Popularity().fit(split.train)}
    >>> weights, trace = tune_blend(parts, split, k=5, grid=[0.0, 0.5, 1.0])
    >>> max(weights.values()), bool(trace["ndcg"].is_monotonic_increasing)
    (1.0, True)
    """
    if not components:
        raise ValueError("tune_blend: components must be a non-empty dict name -> fitted Recommender.")
    k = check_positive_int(k, "tune_blend", "k")
    view = _check_view(view, "tune_blend")
    names = list(components)
    first = components[names[0]]
    for name, comp in components.items():
        if not hasattr(comp, "items_") or not comp.items_.equals(first.items_) or not comp.customers_.equals(first.customers_):
            raise ValueError(f"tune_blend: component {name!r} is not fitted on the same interactions; fit all on split.train.")
    truth = _truth_of(split, view)
    customers = pd.Index(np.sort(truth["customer_id"].unique()))
    rows = first.customers_.get_indexer(customers)
    pos = customers.get_indexer(truth["customer_id"])
    col = first.items_.get_indexer(truth["item"])
    relevant = np.zeros((len(customers), len(first.items_)), dtype=bool)
    relevant[pos[col >= 0], col[col >= 0]] = True
    n_relevant = truth.groupby("customer_id").size().reindex(customers).to_numpy()
    scaled = {name: row_minmax(comp._score_block(customers, rows)) for name, comp in components.items()}
    seen = np.zeros_like(relevant)
    if view == "new":  # previous purchases stay out of the ranking whatever the weights
        known = np.flatnonzero(rows >= 0)
        b = first.baskets_[rows[known]].tocoo()
        seen[known[b.row], b.col] = True

    any_seen = bool(seen.any())

    def score(total: np.ndarray, owned: bool = False) -> float:
        # owned: a fresh sum that nothing else reads, settled in place instead of copied
        if not owned or total.dtype != np.float64:
            total = np.array(total, dtype=np.float64, copy=True)
        if any_seen:
            total[seen] = -np.inf
        return _fast_ndcg(total, relevant, n_relevant, k, owned=True)

    single = {n: score(scaled[n]) for n in names}
    anchor = anchor or max(names, key=lambda n: (single[n], -names.index(n)))
    if anchor not in components:
        raise ValueError(f"tune_blend: anchor {anchor!r} is not a component ({names}).")
    weights = {n: (1.0 if n == anchor else 0.0) for n in names}
    total = scaled[anchor].copy()
    best = single[anchor]
    trace = [{"round": 0, "component": anchor, "weight": 1.0, "ndcg": best}]
    grid = sorted(float(g) for g in grid)
    for rnd in range(1, int(rounds) + 1):
        for n in names:
            if n == anchor:
                continue
            rest = total - weights[n] * scaled[n]
            for g in grid:
                if g == weights[n]:
                    continue
                trial = score(rest + g * scaled[n], owned=True)
                if trial > best + 1e-12 or (abs(trial - best) <= 1e-12 and g < weights[n]):
                    best, weights[n] = trial, g
            total = rest + weights[n] * scaled[n]
            trace.append({"round": rnd, "component": n, "weight": weights[n], "ndcg": best})
    return weights, pd.DataFrame(trace)


def grid_search(
    recommender: Recommender,
    param_grid: Mapping[str, Iterable[Any]],
    split: Split,
    k: int = 10,
    view: str = "all",
) -> tuple[Recommender, pd.DataFrame]:
    """Try every parameter combination on a (validation) split; keep the best mean NDCG@k.

    Each combination is a fresh ``sklearn.base.clone`` of ``recommender`` with those parameters,
    fitted on ``split.train`` and scored on ``view`` (``"all"`` or ``"new"``). Ties go to the
    first combination in grid order (``sklearn.model_selection.ParameterGrid``).

    Returns
    -------
    (best, table)
        ``best``: the winning recommender, fitted on ``split.train`` (its parameters:
        ``best.get_params()``); ``table``: one row per combination, the parameters as columns plus
        ``ndcg``, ``hit``, ``recall`` (means over the split's customers) and ``chosen``, in grid order.
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid

    if not dict(param_grid) or any(len(list(v)) == 0 for v in dict(param_grid).values()):
        raise ValueError(f"grid_search: param_grid is empty or has an empty list ({dict(param_grid)}); give values to try.")
    view = _check_view(view, "grid_search")
    grid = list(ParameterGrid(dict(param_grid)))
    rows, best, best_score = [], None, -np.inf
    for params in grid:
        rec = clone(recommender).set_params(**params)
        _, summary = evaluate(rec, split, k=k, views=(view,))
        score = float(summary["ndcg"].iloc[0])
        rows.append({**params, **summary.iloc[0][["ndcg", "hit", "recall"]].to_dict()})
        if score > best_score:
            best, best_score = rec, score
    table = pd.DataFrame(rows)
    table["chosen"] = np.arange(len(table)) == int(np.argmax(table["ndcg"].to_numpy()))
    return best, table
