"""Uplift metrics: how well a score ranks customers by the effect of the treatment, on an experiment.

A score ranks customers (higher = treat first); an experiment's treated and control customers
among the top of that ranking show what treating them caused. All metrics take ``y`` (outcome),
``score`` and ``treatment`` (0/1), one value per customer; ties in the score are broken by row
order where a cut must fall inside a group of tied scores.

- :func:`uplift_curve` and :func:`qini_curve`: the effect among the top n, for every n;
- :func:`perfect_scores` and :func:`curve_areas`: their areas against the random and perfect
  orderings; :func:`uplift_auc_score` and :func:`qini_auc_score` the normalized areas;
- :func:`uplift_at_k`: the effect among the top k, and :func:`bootstrap_uplift_at_k` with a
  percentile bootstrap interval (:mod:`profiling.stats`);
- :func:`uplift_by_bin`: response rates of treated and control per score bin.

Example
-------
>>> y, score, t = [1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]
>>> uplift_curve(y, score, t)["uplift"].tolist()
[0.0, 1.0, 1.0, -1.5, 0.0]
>>> round(uplift_auc_score(y, score, t), 4)
0.1111
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from profiling import stats
from profiling.uplift._checks import check_metric_inputs, check_treatment, top_n

__all__ = [
    "bootstrap_uplift_at_k",
    "paired_uplift_at_k_difference",
    "curve_areas",
    "perfect_scores",
    "qini_auc_score",
    "qini_curve",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_by_bin",
    "uplift_curve",
]


def _order(score: np.ndarray) -> np.ndarray:
    """Row order by descending score; ties keep the row order (stable)."""
    return np.argsort(-score, kind="stable")


def _ranks(score: np.ndarray) -> np.ndarray:
    """Each row's position in :func:`_order` (0 = first)."""
    rank = np.empty(len(score), dtype=np.int64)
    rank[_order(score)] = np.arange(len(score))
    return rank


def _cumulative(y: np.ndarray, score: np.ndarray, t: np.ndarray) -> pd.DataFrame:
    """Cumulative counts and outcome sums down the ranking, at the end of every group of tied scores."""
    o = _order(score)
    ys, ts, ss = y[o], t[o], score[o]
    last = np.r_[np.flatnonzero(np.diff(ss) != 0), len(ss) - 1]  # end of each tie group
    n_t = np.cumsum(ts)[last]
    n_c = np.cumsum(1 - ts)[last]
    y_t = np.cumsum(ys * ts)[last]
    y_c = np.cumsum(ys * (1 - ts))[last]
    frame = pd.DataFrame({"n": last + 1, "n_treated": n_t, "n_control": n_c, "y_treated": y_t, "y_control": y_c})
    top = pd.DataFrame({"n": [0], "n_treated": [0], "n_control": [0], "y_treated": [0.0], "y_control": [0.0]})
    return pd.concat([top, frame], ignore_index=True)


def _ratio(a: Any, b: Any) -> np.ndarray:
    a = np.asarray(a, dtype="float64")
    b = np.asarray(b, dtype="float64")
    return np.divide(a, b, out=np.zeros_like(a), where=b != 0)


def uplift_curve(y: Any, score: Any, treatment: Any) -> pd.DataFrame:
    """Cumulative uplift curve: extra responses if the top n customers by ``score`` are treated.

    At each cut (the end of every group of tied scores) the curve is
    ``(y_t / n_t - y_c / n_c) * n``: the response rate of the treated minus that of the control
    among the top n, times n (a rate with no rows counts 0). It starts at (0, 0); its end is the
    average effect times the number of rows.

    Returns
    -------
    DataFrame with ``n``, ``share`` (= n / rows), ``n_treated``, ``n_control``, ``y_treated``,
    ``y_control`` (cumulative) and ``uplift``.

    Example
    -------
    >>> uplift_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])["uplift"].tolist()
    [0.0, 1.0, 1.0, -1.5, 0.0]
    """
    yv, sv, tv = check_metric_inputs(y, score, treatment, "uplift_curve")
    c = _cumulative(yv, sv, tv)
    c["share"] = c["n"] / len(yv)
    c["uplift"] = (_ratio(c["y_treated"], c["n_treated"]) - _ratio(c["y_control"], c["n_control"])) * c["n"]
    return c[["n", "share", "n_treated", "n_control", "y_treated", "y_control", "uplift"]]


def qini_curve(y: Any, score: Any, treatment: Any) -> pd.DataFrame:
    """Qini curve: treated responses in the top n minus control responses scaled to the treated count.

    ``qini(n) = y_t - y_c * n_t / n_c`` (0 control rows: ``y_t``), at the end of every group of
    tied scores, starting at (0, 0).

    Returns
    -------
    DataFrame with ``n``, ``share``, the cumulative counts and sums, and ``qini``.

    Example
    -------
    >>> qini_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])["qini"].tolist()
    [0.0, 1.0, 1.0, -1.0, 0.0]
    """
    yv, sv, tv = check_metric_inputs(y, score, treatment, "qini_curve")
    c = _cumulative(yv, sv, tv)
    c["share"] = c["n"] / len(yv)
    c["qini"] = c["y_treated"] - c["y_control"] * _ratio(c["n_treated"], c["n_control"])
    return c[["n", "share", "n_treated", "n_control", "y_treated", "y_control", "qini"]]


def perfect_scores(y: Any, treatment: Any, kind: str = "uplift") -> np.ndarray:
    """Scores that order the rows as an oracle would: the "perfect" reference curve.

    * ``kind="qini"``: treated responders first, control responders last (score ``y * (2t - 1)``).
    * ``kind="uplift"`` (0/1 ``y``): rows where ``y == t`` (treated responders, control
      non-responders) first, then — whichever group helps the curve more — the rest; the ordering
      used by Gutierrez & Gérardy (2017) and scikit-uplift. For amounts, as for ``"qini"``.

    Example
    -------
    >>> perfect_scores([1, 0, 1, 0], [1, 1, 0, 0], kind="qini").tolist()
    [1.0, 0.0, -1.0, 0.0]
    """
    yv = np.asarray(y, dtype="float64").ravel()
    tv = check_treatment(treatment, "perfect_scores", both=False)
    if len(yv) != len(tv):
        raise ValueError(f"perfect_scores: y ({len(yv)}) and treatment ({len(tv)}) must have the same length")
    if kind not in ("uplift", "qini"):
        raise ValueError(f"perfect_scores: kind must be 'uplift' or 'qini', got {kind!r}")
    if kind == "qini" or not np.isin(yv, [0, 1]).all():
        return yv * (2 * tv - 1) + 0.0  # + 0.0 turns -0.0 into 0.0
    control_responders = int(((yv == 1) & (tv == 0)).sum())
    treated_responders = int(((yv == 1) & (tv == 1)).sum())
    summand = yv if control_responders > treated_responders else tv.astype("float64")
    return 2.0 * (yv == tv) + summand


def curve_areas(y: Any, score: Any, treatment: Any, kind: str = "uplift") -> pd.Series:
    """Areas under the uplift or Qini curve of a score, of a random ordering and of the perfect one.

    Areas are trapezoids over the number of customers ``n`` (0..rows). The random ordering's curve
    is the straight line from (0, 0) to the curve's end; the perfect one uses
    :func:`perfect_scores`.

    Returns
    -------
    Series with ``model``, ``random``, ``perfect`` (areas), ``model_minus_random`` and
    ``normalized`` = (model - random) / (perfect - random): 0 = no better than random, 1 = perfect.

    Example
    -------
    >>> curve_areas([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]).tolist()
    [0.5, 0.0, 4.5, 0.5, 0.1111111111111111]
    """
    if kind not in ("uplift", "qini"):
        raise ValueError(f"curve_areas: kind must be 'uplift' or 'qini', got {kind!r}")
    fn = uplift_curve if kind == "uplift" else qini_curve
    yv, sv, tv = check_metric_inputs(y, score, treatment, "curve_areas")
    model = fn(yv, sv, tv)
    perfect = fn(yv, perfect_scores(yv, tv, kind), tv)
    end = float(model[kind].iloc[-1])
    n = float(len(yv))
    a_model = float(np.trapezoid(model[kind], model["n"]))
    a_perfect = float(np.trapezoid(perfect[kind], perfect["n"]))
    a_random = end * n / 2
    denom = a_perfect - a_random
    return pd.Series({
        "model": a_model,
        "random": a_random,
        "perfect": a_perfect,
        "model_minus_random": a_model - a_random,
        "normalized": (a_model - a_random) / denom if denom != 0 else np.nan,
    })


def uplift_auc_score(y: Any, score: Any, treatment: Any) -> float:
    """Normalized area under the uplift curve: (model - random) / (perfect - random). See :func:`curve_areas`.

    Example
    -------
    >>> round(uplift_auc_score([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]), 4)
    0.1111
    """
    return float(curve_areas(y, score, treatment, "uplift")["normalized"])


def qini_auc_score(y: Any, score: Any, treatment: Any) -> float:
    """Normalized area under the Qini curve (the Qini coefficient, normalized by the perfect curve).

    Example
    -------
    >>> round(qini_auc_score([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0]), 4)
    0.3333
    """
    return float(curve_areas(y, score, treatment, "qini")["normalized"])


def uplift_at_k(y: Any, score: Any, treatment: Any, k: float | int = 0.3, strategy: str = "overall") -> float:
    """Uplift among the top k of customers: treated response rate minus control response rate there.

    Parameters
    ----------
    y, score, treatment : array-like
        Outcome, model score (higher = target first) and 0/1 treatment, one value per customer.
    k : float or int, default 0.3
        Share of customers (float in (0, 1]; the top ``int(rows * k)``) or a count (int).
    strategy : {"overall", "by_group"}, default "overall"
        ``"overall"``: rank all customers together and take the top k (the published Hillstrom
        figures use this); ``"by_group"``: take the top k of the treated and of the control
        separately.

    Ties are broken by row order (the cut may fall inside a group of tied scores).

    Returns
    -------
    float; NaN if the top k holds no treated or no control customer.

    Example
    -------
    >>> uplift_at_k([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 0, 1, 0], k=0.5)
    1.0
    """
    yv, sv, tv = check_metric_inputs(y, score, treatment, "uplift_at_k")
    if strategy == "overall":
        top = _order(sv)[: top_n(k, len(yv), "uplift_at_k")]
        yt, yc = yv[top][tv[top] == 1], yv[top][tv[top] == 0]
    elif strategy == "by_group":
        parts = []
        for g in (1, 0):
            yg, sg = yv[tv == g], sv[tv == g]
            kk = k if isinstance(k, (float, np.floating)) else min(int(k), len(yg))
            parts.append(yg[_order(sg)[: top_n(kk, len(yg), "uplift_at_k")]])
        yt, yc = parts
    else:
        raise ValueError(f"uplift_at_k: strategy must be 'overall' or 'by_group', got {strategy!r}")
    if len(yt) == 0 or len(yc) == 0:
        return float("nan")
    return float(yt.mean() - yc.mean())


def bootstrap_uplift_at_k(
    y: Any,
    score: Any,
    treatment: Any,
    k: float | int = 0.3,
    n_boot: int = 500,
    level: float = 0.95,
    random_state: Any = 0,
) -> pd.Series:
    """uplift@k with a percentile bootstrap interval over the evaluation rows (scores held fixed).

    Each replicate resamples the rows with replacement (:func:`profiling.stats.bootstrap`), keeps
    the original ranking (ties by row order) and recomputes :func:`uplift_at_k`
    (``strategy="overall"``) on its top k; a replicate whose top k lacks treated or control rows is
    left out. The interval reflects the noise of the evaluation sample, not that of training
    (refit on other splits for that).

    Parameters
    ----------
    y, score, treatment : array-like
        As in :func:`uplift_at_k`.
    k : float or int, default 0.3
        Share or count of customers at the top of the ranking.
    n_boot : int, default 500
        Bootstrap replicates (>= 10).
    level : float, default 0.95
        Confidence level of the percentile interval.
    random_state : int, Generator or None, default 0
        Seed of the resamples.

    Returns
    -------
    Series with ``estimate`` (on the original rows), ``ci_low``, ``ci_high``, ``se`` (standard
    deviation of the replicates) and ``n_boot`` (usable replicates).

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> score = rng.random(2000)
    >>> t = (rng.random(2000) < 0.5).astype(int)            # random assignment
    >>> y = (rng.random(2000) < 0.1 + 0.3 * t * (score > 0.7)).astype(int)  # the top 30 % is persuaded
    >>> b = bootstrap_uplift_at_k(y, score, t, k=0.3, n_boot=200, random_state=0)
    >>> bool(b["ci_low"] < 0.3 < b["ci_high"]), int(b["n_boot"])
    (True, 200)
    """
    yv, sv, tv = check_metric_inputs(y, score, treatment, "bootstrap_uplift_at_k")
    n_boot = stats.check_n_boot(n_boot, "bootstrap_uplift_at_k")
    level = stats.check_level(level, "bootstrap_uplift_at_k")
    n = len(yv)
    m = top_n(k, n, "bootstrap_uplift_at_k")
    rank = _ranks(sv)
    order = _order(sv)
    y_sorted, t_sorted = yv[order], tv[order]

    def top_k_uplift(rows: np.ndarray) -> float:
        pos = np.sort(rank[rows])[:m]            # the resample's top m, in the original ranking
        tt, yy = t_sorted[pos], y_sorted[pos]
        n_t = tt.sum()
        return (yy[tt == 1].mean() - yy[tt == 0].mean()) if 0 < n_t < m else np.nan

    reps = stats.bootstrap(top_k_uplift, n, n_boot=n_boot, random_state=random_state)
    reps = reps[~np.isnan(reps)]
    lo, hi = stats.percentile_interval(reps, level)
    return pd.Series({
        "estimate": uplift_at_k(yv, sv, tv, k),
        "ci_low": lo,
        "ci_high": hi,
        "se": float(reps.std(ddof=1)),
        "n_boot": int(len(reps)),
    })


def paired_uplift_at_k_difference(
    y: Any,
    score_a: Any,
    score_b: Any,
    treatment: Any,
    k: float | int = 0.3,
    n_boot: int = 500,
    level: float = 0.95,
    random_state: Any = 0,
) -> pd.Series:
    """uplift@k of ranking ``a`` minus that of ranking ``b``, with a paired percentile bootstrap interval.

    Both rankings are valued on the **same** resampled rows in every replicate, so the noise the
    two share (which customers happen to be in the evaluation sample) cancels in the difference;
    two overlapping marginal intervals (:func:`bootstrap_uplift_at_k`) do not say that the models
    are indistinguishable. Replicates where either top k lacks treated or control rows are left out.

    Returns
    -------
    Series with ``difference`` (on the original rows), ``ci_low``, ``ci_high``,
    ``share_positive`` (share of replicates where ``a`` is ahead) and ``n_boot`` (usable replicates).

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> good, noise = rng.random(4000), rng.random(4000)
    >>> t = (rng.random(4000) < 0.5).astype(int)
    >>> y = (rng.random(4000) < 0.1 + 0.3 * t * (good > 0.7)).astype(int)   # the top 30 % of `good` is persuaded
    >>> d = paired_uplift_at_k_difference(y, good, noise, t, k=0.3, n_boot=200, random_state=0)
    >>> bool(d["ci_low"] > 0), int(d["n_boot"])
    (True, 200)
    """
    yv, av, tv = check_metric_inputs(y, score_a, treatment, "paired_uplift_at_k_difference")
    _, bv, _ = check_metric_inputs(y, score_b, treatment, "paired_uplift_at_k_difference")
    n_boot = stats.check_n_boot(n_boot, "paired_uplift_at_k_difference")
    level = stats.check_level(level, "paired_uplift_at_k_difference")
    m = top_n(k, len(yv), "paired_uplift_at_k_difference")
    pa, pb, diffs = _paired_top_k(yv, tv, av, bv, m, lambda yy, tt: yy[tt == 1].mean() - yy[tt == 0].mean(),
                                  n_boot, random_state)
    lo, hi = stats.percentile_interval(diffs, level)
    return pd.Series({
        "difference": pa - pb,
        "ci_low": lo,
        "ci_high": hi,
        "share_positive": float((diffs > 0).mean()),
        "n_boot": int(len(diffs)),
    })


def _paired_top_k(
    yv: np.ndarray, tv: np.ndarray, score_a: np.ndarray, score_b: np.ndarray, m: int, value: Any, n_boot: int,
    random_state: Any,
) -> tuple[float, float, np.ndarray]:
    """``value(y, t)`` of the top ``m`` of two rankings, on all rows and paired on the same bootstrap resamples.

    The top ``m`` of a resample keeps the original ranking (ties by row order, :func:`_ranks`); a top
    group without treated or control rows has no value (NaN) and its replicate is left out. Returns
    (value of ranking a, value of ranking b, the replicates' differences a - b). Shared by
    :func:`paired_uplift_at_k_difference` and :func:`profiling.uplift.policy.bootstrap_profit_difference`.
    """
    def top_value(rank: np.ndarray, rows: np.ndarray) -> float:
        top = rows[np.argsort(rank[rows], kind="stable")[:m]]
        tt, yy = tv[top], yv[top]
        return float(value(yy, tt)) if 0 < tt.sum() < m else float("nan")

    ra, rb = _ranks(score_a), _ranks(score_b)
    everyone = np.arange(len(yv))
    diffs = stats.bootstrap(lambda rows: top_value(ra, rows) - top_value(rb, rows), len(yv), n_boot=n_boot,
                            random_state=random_state)
    return top_value(ra, everyone), top_value(rb, everyone), diffs[~np.isnan(diffs)]


def uplift_by_bin(y: Any, score: Any, treatment: Any, bins: int = 10) -> pd.DataFrame:
    """Response rates of treated and control in equal-size bins of the score (bin 1 = highest scores).

    Returns
    -------
    DataFrame indexed by ``bin`` (1..bins) with ``n_treated``, ``n_control``,
    ``response_treated``, ``response_control`` and ``uplift`` (their difference; NaN for a bin
    without one of the groups), plus ``score_mean``.

    Example
    -------
    >>> table = uplift_by_bin([1, 0, 0, 1, 0, 0], [6, 5, 4, 3, 2, 1], [1, 0, 1, 0, 1, 0], bins=2)
    >>> table[["n_treated", "n_control", "uplift"]].to_dict("index")
    {1: {'n_treated': 2, 'n_control': 1, 'uplift': 0.5}, 2: {'n_treated': 1, 'n_control': 2, 'uplift': -0.5}}
    """
    yv, sv, tv = check_metric_inputs(y, score, treatment, "uplift_by_bin")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 1 <= bins <= len(yv):
        raise ValueError(f"uplift_by_bin: bins must be a whole number in 1..{len(yv)}, got {bins!r}")
    o = _order(sv)
    b = np.empty(len(yv), dtype=np.int64)
    b[o] = np.arange(len(yv)) * bins // len(yv) + 1
    frame = pd.DataFrame({"bin": b, "y": yv, "t": tv, "s": sv})
    g = frame.groupby("bin")
    out = pd.DataFrame({
        "n_treated": g["t"].sum().astype("int64"),
        "n_control": (g.size() - g["t"].sum()).astype("int64"),
        "response_treated": frame[frame["t"] == 1].groupby("bin")["y"].mean(),
        "response_control": frame[frame["t"] == 0].groupby("bin")["y"].mean(),
        "score_mean": g["s"].mean(),
    })
    out["uplift"] = out["response_treated"] - out["response_control"]
    return out[["n_treated", "n_control", "response_treated", "response_control", "uplift", "score_mean"]]
