"""The randomized experiment: its features, the randomization checks and the average effects.

Before modelling who is persuaded, check that the arms were assigned at random and measure what
the treatment does on average (the Hillstrom e-mail test, :func:`profiling.datasets.load_hillstrom`):

- :func:`hillstrom_features`: the pre-treatment model matrix (never the outcomes or the arm);
- :func:`balance_table` and :func:`arm_predictability`: do the arms look alike before the
  treatment (standardized differences; a classifier that tries to tell the arms apart)?
- :func:`arm_means` and :func:`ate_table`: mean outcomes per arm and the average treatment effect
  of each arm against the control, with a normal confidence interval.

Example
-------
>>> from profiling import datasets
>>> hs = datasets.load_hillstrom()
>>> ate = ate_table(hs, "segment", ["visit"], control="No E-Mail")
>>> ate[["arm", "outcome", "ate", "ci_low", "ci_high"]].round(3)
             arm outcome    ate  ci_low  ci_high
0    Mens E-Mail   visit  0.077   0.070    0.083
1  Womens E-Mail   visit  0.045   0.039    0.052
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd

from profiling.numeric import one_thread
from profiling.stats import check_level
from profiling.validation import check_frame

__all__ = ["HILLSTROM_FEATURES", "arm_means", "arm_predictability", "ate_table", "balance_table", "hillstrom_features"]

#: Pre-treatment columns of the Hillstrom file used as model features (``history_segment`` is a
#: banding of ``history`` and is left out).
HILLSTROM_FEATURES: list[str] = ["recency", "history", "mens", "womens", "newbie", "zip_code", "channel"]

_EXPERIMENT_FIX = "Pass the experiment's frame (e.g. profiling.datasets.load_hillstrom())."


def hillstrom_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model matrix of the Hillstrom customers: numeric columns plus one-hot zip code and channel.

    Only pre-treatment columns (:data:`HILLSTROM_FEATURES`) are used: never ``segment``, ``visit``,
    ``conversion`` or ``spend``.

    Parameters
    ----------
    frame : DataFrame
        The Hillstrom customers (:func:`profiling.datasets.load_hillstrom`), any subset of rows.

    Returns
    -------
    DataFrame (same index, ``float64``) with ``recency``, ``history``, ``mens``, ``womens``,
    ``newbie``, ``zip_Urban``, ``zip_Surburban``, ``zip_Rural``, ``channel_Phone``,
    ``channel_Web``, ``channel_Multichannel``.

    Example
    -------
    >>> from profiling import datasets
    >>> X = hillstrom_features(datasets.load_hillstrom())
    >>> X.shape, X.columns[-3:].tolist()
    ((64000, 11), ['channel_Phone', 'channel_Web', 'channel_Multichannel'])
    """
    check_frame(frame, HILLSTROM_FEATURES, "hillstrom_features", what="the Hillstrom frame",
                fix="Load the data with profiling.datasets.load_hillstrom().")
    out = frame[["recency", "history", "mens", "womens", "newbie"]].astype("float64")
    for col, prefix, levels in (("zip_code", "zip", ["Urban", "Surburban", "Rural"]),
                                ("channel", "channel", ["Phone", "Web", "Multichannel"])):
        values = frame[col].astype("str")
        unknown = sorted(set(values.unique()) - set(levels))
        if unknown:
            raise ValueError(f"hillstrom_features: column '{col}' has unknown value(s) {unknown}; expected {levels}")
        for level in levels:
            out[f"{prefix}_{level}"] = (values == level).astype("float64").to_numpy()
    return out


def balance_table(frame: pd.DataFrame, arm: str, columns: Sequence[str]) -> pd.DataFrame:
    """Means of pre-treatment columns per arm and the largest standardized difference between arms.

    Parameters
    ----------
    frame : DataFrame
        One row per unit, with the arm column and numeric (or 0/1) ``columns``.
    arm : str
        Name of the arm column.
    columns : sequence of str
        Pre-treatment columns to compare.

    Returns
    -------
    DataFrame indexed by column: the mean in each arm (one column per arm, sorted by name) and
    ``max_std_diff``, the largest absolute difference of two arm means divided by the pooled
    standard deviation. Below 0.1 is the usual "balanced" rule of thumb.

    Example
    -------
    >>> from profiling import datasets
    >>> hs = datasets.load_hillstrom()
    >>> table = balance_table(hs, "segment", ["recency", "history"])
    >>> bool(table["max_std_diff"].max() < 0.1)
    True
    """
    check_frame(frame, [arm, *columns], "balance_table", fix="Pass the experiment's frame and its pre-treatment columns.")
    data = frame[list(columns)].astype("float64")
    groups = frame[arm].astype("str")
    if groups.nunique() < 2:
        raise ValueError(f"balance_table: column '{arm}' has fewer than two arms; nothing to compare")
    means = data.groupby(groups.to_numpy()).mean().T
    sd = data.std(ddof=1).replace(0, np.nan)
    spread = (means.max(axis=1) - means.min(axis=1)) / sd
    out = means.copy()
    out["max_std_diff"] = spread.fillna(0.0)
    out.index.name = "feature"
    return out


def arm_predictability(
    X: pd.DataFrame | np.ndarray,
    arm: Sequence[Any],
    estimator: Any = None,
    cv: int = 3,
    random_state: int = 0,
) -> pd.Series:
    """Can a classifier tell the arms apart from pre-treatment features? It should not, if randomized.

    Out-of-fold predictions (stratified ``cv``-fold, shuffled with ``random_state``) of a
    classifier predicting the arm, compared with chance; fitted on one thread.

    Parameters
    ----------
    X : DataFrame or array
        Pre-treatment features (e.g. :func:`hillstrom_features`).
    arm : sequence
        Arm of each row (two or more values).
    estimator : classifier, default None
        Classifier with ``predict_proba``; default a small ``HistGradientBoostingClassifier``.
    cv, random_state : int
        Folds and seed.

    Returns
    -------
    Series with ``accuracy``, ``chance_accuracy`` (share of the largest arm), ``auc`` (one-vs-rest
    macro AUC; 0.5 = chance), ``log_loss`` and ``chance_log_loss`` (of always predicting the arm
    shares).

    Example
    -------
    >>> from profiling import datasets
    >>> hs = datasets.load_hillstrom().iloc[:3000]
    >>> check = arm_predictability(hillstrom_features(hs), hs["segment"], random_state=0)
    >>> bool(abs(check["auc"] - 0.5) < 0.05)
    True
    """
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = pd.Series(np.asarray(arm)).astype("str").to_numpy()
    if len(labels) != len(X):
        raise ValueError(f"arm_predictability: arm has {len(labels)} values but X has {len(X)} rows; pass one arm per row")
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError("arm_predictability: arm has a single value; need two or more arms")
    est = clone(estimator) if estimator is not None else HistGradientBoostingClassifier(
        max_depth=3, max_iter=30, early_stopping=False, random_state=random_state)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    with one_thread():
        proba = cross_val_predict(est, X, labels, cv=folds, method="predict_proba")
    pred = classes[np.argmax(proba, axis=1)]
    shares = counts / counts.sum()
    if len(classes) == 2:
        auc = roc_auc_score(labels == classes[1], proba[:, 1])
    else:
        auc = roc_auc_score(labels, proba, multi_class="ovr", average="macro", labels=classes)
    return pd.Series({
        "accuracy": accuracy_score(labels, pred),
        "chance_accuracy": float(shares.max()),
        "auc": float(auc),
        "log_loss": log_loss(labels, proba, labels=classes),
        "chance_log_loss": log_loss(labels, np.tile(shares, (len(labels), 1)), labels=classes),
    })


def arm_means(frame: pd.DataFrame, arm: str, outcomes: Sequence[str]) -> pd.DataFrame:
    """Mean of each outcome per arm (rows = arms in category order, columns = outcomes) plus ``n``.

    Example
    -------
    >>> from profiling import datasets
    >>> arm_means(datasets.load_hillstrom(), "segment", ["visit", "spend"]).round(3)  # doctest: +NORMALIZE_WHITESPACE
                       n  visit  spend
    segment
    No E-Mail      21306  0.106  0.653
    Mens E-Mail    21307  0.183  1.423
    Womens E-Mail  21387  0.151  1.077
    """
    check_frame(frame, [arm, *outcomes], "arm_means", fix=_EXPERIMENT_FIX)
    g = frame.groupby(arm, observed=True, sort=True)
    out = g[list(outcomes)].mean()
    out.insert(0, "n", g.size().astype("int64"))
    return out


def ate_table(
    frame: pd.DataFrame,
    arm: str,
    outcomes: Sequence[str],
    control: str,
    level: float = 0.95,
) -> pd.DataFrame:
    """Average treatment effect of every arm against ``control`` on each outcome, with confidence intervals.

    The difference in means of a randomized experiment, with the unpooled (Welch) standard error
    ``sqrt(s_t^2 / n_t + s_c^2 / n_c)`` and a normal interval at ``level`` (n is in the thousands).

    Parameters
    ----------
    frame : DataFrame
        One row per unit with the arm column and the outcomes.
    arm, outcomes, control : str, sequence of str, str
        The arm column, the outcome columns and the control arm's label.
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    DataFrame with one row per (treated arm, outcome): ``arm``, ``outcome``, ``n_treated``,
    ``n_control``, ``mean_treated``, ``mean_control``, ``ate``, ``se``, ``ci_low``, ``ci_high``,
    ``relative_lift`` (ate / control mean) and ``p_value`` (two-sided).

    Example
    -------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"arm": ["t", "t", "t", "c", "c", "c"], "y": [1.0, 2.0, 3.0, 0.0, 1.0, 2.0]})
    >>> ate_table(f, "arm", ["y"], control="c")[["arm", "ate", "se"]].round(3)
      arm  ate     se
    0   t  1.0  0.816
    """
    from scipy.stats import norm

    check_frame(frame, [arm, *outcomes], "ate_table", fix=_EXPERIMENT_FIX)
    level = check_level(level, "ate_table")
    groups = frame[arm].astype("str")
    if control not in set(groups):
        raise ValueError(f"ate_table: control arm {control!r} not found in column '{arm}' (arms: {sorted(set(groups))})")
    z = float(norm.ppf((1 + level) / 2))
    ctrl = frame.loc[groups == control]
    arms = [a for a in (frame[arm].cat.categories if isinstance(frame[arm].dtype, pd.CategoricalDtype) else sorted(set(groups)))
            if a != control and (groups == a).any()]
    rows = []
    for a in arms:
        tr = frame.loc[groups == a]
        for out in outcomes:
            yt, yc = tr[out].astype("float64"), ctrl[out].astype("float64")
            ate = yt.mean() - yc.mean()
            se = math.sqrt(yt.var(ddof=1) / len(yt) + yc.var(ddof=1) / len(yc))
            rows.append({
                "arm": a, "outcome": out, "n_treated": len(yt), "n_control": len(yc),
                "mean_treated": yt.mean(), "mean_control": yc.mean(), "ate": ate, "se": se,
                "ci_low": ate - z * se, "ci_high": ate + z * se,
                "relative_lift": ate / yc.mean() if yc.mean() != 0 else np.nan,
                "p_value": float(2 * norm.sf(abs(ate) / se)) if se > 0 else np.nan,
            })
    return pd.DataFrame(rows)
