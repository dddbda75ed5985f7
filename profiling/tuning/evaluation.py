"""The decision threshold for a business cost, and the before/after table with paired bootstrap intervals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from profiling import stats
from profiling.validation import check_binary_scores

__all__ = ["cost_curve", "cost_threshold", "CostThreshold", "before_after"]


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
    y, s = check_binary_scores(y_true, scores, "cost_curve")
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
    reps = stats.auc_replicates(y_true, steps, n_boot=n_boot, random_state=random_state)
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
                vals = [auc - ref_auc, d.quantile(lo), d.quantile(hi),
                        stats.verdict(d.quantile(lo), d.quantile(hi)) == "a real gain"]
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
