"""Input checks shared by the uplift models, metrics and policies (private to :mod:`profiling.uplift`).

One message per problem, in the package's form ``where: what is wrong; how to fix it``: the 0/1
treatment with both groups, the outcome/score/treatment triple of a metric, the top ``k`` of a
ranking, and the money parameters (margin, cost) of a policy.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def check_treatment(treatment: Any, where: str, *, both: bool = True) -> np.ndarray:
    """``treatment`` as an int64 0/1 array; with ``both``, treated and control rows must both occur."""
    tv = np.asarray(treatment).ravel()
    if not np.isin(tv, [0, 1]).all():
        raise ValueError(f"{where}: treatment must be 0 (control) or 1 (treated), got values "
                         f"{np.unique(tv)[:5].tolist()}; encode the arms as 0/1")
    tv = tv.astype("int64")
    if both and len(tv) and tv.min() == tv.max():
        raise ValueError(f"{where}: treatment holds only {'treated' if tv[0] else 'control'} rows; need both groups "
                         "(an uplift compares treated with control customers)")
    return tv


def check_fit_inputs(X: Any, y: Any, treatment: Any, where: str) -> tuple[Any, np.ndarray, np.ndarray]:
    """``(X, y, t)`` for an uplift model's ``fit``: X 2-D, y a float array without NaN, t 0/1 with both groups."""
    if np.ndim(X) != 2:
        raise ValueError(f"{where}: X must be 2-D (one row per customer, one column per feature), got shape {np.shape(X)}")
    yv = np.asarray(y, dtype="float64").ravel()
    tv = np.asarray(treatment).ravel()
    if len(yv) != len(X) or len(tv) != len(X):
        raise ValueError(f"{where}: X has {len(X)} rows, y {len(yv)} values and treatment {len(tv)}; they must match")
    if len(yv) == 0:
        raise ValueError(f"{where}: no rows to fit on")
    if np.isnan(yv).any():
        raise ValueError(f"{where}: y has missing values; drop or fill those rows")
    return X, yv, check_treatment(tv, where)


def check_binary_outcome(y: np.ndarray, where: str) -> None:
    """Refuse an outcome that is not 0/1 (for the models that need a class, e.g. class transformation)."""
    if not np.isin(y, [0, 1]).all():
        raise ValueError(f"{where}: y must be binary 0/1 for this model (for amounts use TransformedOutcome, "
                         "or TwoModels / XLearner with regressors)")


def check_metric_inputs(y: Any, score: Any, treatment: Any, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(y, score, t)`` for an uplift metric: equal lengths, not empty, no NaN, t 0/1 with both groups."""
    yv = np.asarray(y, dtype="float64").ravel()
    sv = np.asarray(score, dtype="float64").ravel()
    tv = np.asarray(treatment).ravel()
    if not len(yv) == len(sv) == len(tv):
        raise ValueError(f"{where}: y ({len(yv)}), score ({len(sv)}) and treatment ({len(tv)}) must have the same length")
    if len(yv) == 0:
        raise ValueError(f"{where}: no rows")
    if np.isnan(yv).any() or np.isnan(sv).any():
        raise ValueError(f"{where}: y or the score has missing values; score and measure every customer")
    return yv, sv, check_treatment(tv, where)


def top_n(k: float | int, n: int, where: str) -> int:
    """How many of ``n`` ranked rows the top ``k`` holds: a share in (0, 1] (at least 1 row) or a count 1..n."""
    if isinstance(k, bool):
        raise ValueError(f"{where}: k must be a share in (0, 1] or a count, got {k!r}")
    if isinstance(k, (int, np.integer)):
        if not 0 < k <= n:
            raise ValueError(f"{where}: k as a count must be in 1..{n}, got {k}")
        return int(k)
    if not isinstance(k, (float, np.floating)) or not 0 < k <= 1:
        raise ValueError(f"{where}: k as a share must be in (0, 1], got {k!r}")
    return max(1, int(n * float(k) + 1e-9))


def check_money(margin: Any, cost: Any, where: str) -> None:
    """Margin and cost must be numbers >= 0."""
    for name, v in (("margin", margin), ("cost", cost)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or math.isnan(float(v)) or float(v) < 0:
            raise ValueError(f"{where}: {name} must be a number >= 0, got {v!r}")
