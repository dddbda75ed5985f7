"""Uncertainty, in one place: the bootstrap, the interval, and the sentence that reads it.

Every interval in the course comes from here. A bootstrap **resamples the evaluation units
(customers, rows) with replacement**; a *paired* comparison applies the **same resamples** to both
methods, so that the customers both see cancel out of the difference. One resampling scheme is
used everywhere: replicate ``b`` takes the indices ``rng.integers(0, n, n)`` drawn after those of
replicates ``0 .. b-1`` from ``numpy.random.default_rng(random_state)``.

- :func:`bootstrap_indices` yields those indices in memory-bounded blocks, :func:`bootstrap_counts`
  gives them as case weights (how often each unit was drawn).
- :func:`bootstrap` turns any statistic of the resampled indices into replicates and a percentile
  :class:`Interval`; :func:`bootstrap_mean` and :func:`bootstrap_ratio` are the two summaries the
  chapters use most (a mean over customers; the ratio of two methods' means on the same customers).
- :func:`weighted_auc` is the ROC AUC under case weights, for every bootstrap resample at once;
  :func:`bootstrap_auc` is a test AUC with its interval, :func:`auc_replicates` the AUCs of several
  score columns on the same resamples, :func:`paired_auc_difference` the gain of one over another.
- :func:`verdict` reads an interval against the value of "no difference" (0 for a difference,
  1 for a ratio), and :func:`describe` writes the sentence a chapter prints.

Example
-------
>>> import numpy as np
>>> gain = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0])
>>> est = bootstrap_mean(gain, n_boot=200, random_state=0)
>>> round(est.estimate, 3), est.low <= est.estimate <= est.high
(0.625, True)
>>> verdict(0.02, 0.05)
'a real gain'
>>> verdict(0.97, 1.04, null=1.0)
'not distinguishable'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

__all__ = [
    "Interval",
    "auc_replicates",
    "bootstrap",
    "bootstrap_auc",
    "bootstrap_counts",
    "bootstrap_indices",
    "bootstrap_mean",
    "bootstrap_ratio",
    "check_level",
    "check_n_boot",
    "describe",
    "paired_auc_difference",
    "percentile_interval",
    "verdict",
    "weighted_auc",
]

#: Index cells drawn per block (indices of several replicates at once); bounds memory to ~16 MB.
BLOCK_CELLS = 2_000_000


class Interval(NamedTuple):
    """A point estimate and its percentile bootstrap interval (unpacks as ``est, low, high``)."""

    estimate: float
    low: float
    high: float


def check_n_boot(n_boot: Any, where: str, minimum: int = 10) -> int:
    """``n_boot`` as an int, or ValueError naming ``where`` if it is not a whole number >= ``minimum``."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < minimum:
        raise ValueError(f"{where}: n_boot must be a whole number >= {minimum}, got {n_boot!r}")
    return int(n_boot)


def check_level(level: Any, where: str) -> float:
    """The confidence level as a float in (0, 1), or ValueError naming ``where``."""
    if isinstance(level, bool) or not isinstance(level, (int, float, np.floating)) or not 0 < level < 1:
        raise ValueError(f"{where}: the confidence level must be between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(level)


def bootstrap_indices(n: int, n_boot: int, random_state: Any = 0) -> Iterator[np.ndarray]:
    """The resampled indices of ``n_boot`` replicates of ``n`` units, in blocks of shape ``(b, n)``.

    The blocks stacked are exactly ``n_boot`` successive ``rng.integers(0, n, n)`` draws, whatever
    the block size: the scheme every interval of the course uses.

    >>> np.vstack(list(bootstrap_indices(4, 3, random_state=0))).shape
    (3, 4)
    """
    n, n_boot = int(n), int(n_boot)
    if n < 1:
        raise ValueError(f"bootstrap: nothing to resample (n = {n}); the evaluation set is empty")
    rng = np.random.default_rng(random_state)
    step = max(1, BLOCK_CELLS // n)
    for start in range(0, n_boot, step):
        yield rng.integers(0, n, size=(min(step, n_boot - start), n))


def bootstrap_counts(n: int, n_boot: int, random_state: Any = 0) -> np.ndarray:
    """How often each of ``n`` units is drawn in each replicate: float array ``(n_boot, n)``.

    The same resamples as :func:`bootstrap_indices`, as case weights (each row sums to ``n``).

    >>> bootstrap_counts(5, 2, random_state=0).sum(axis=1)
    array([5., 5.])
    """
    n = int(n)
    rows = []
    for block in bootstrap_indices(n, n_boot, random_state):
        offset = np.arange(len(block))[:, None] * n      # one bincount for the whole block
        rows.append(np.bincount((block + offset).ravel(), minlength=len(block) * n).reshape(len(block), n))
    return np.vstack(rows).astype(np.float64)


def percentile_interval(replicates: Any, level: float = 0.95) -> tuple[float, float]:
    """The ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles of the finite replicates.

    Replicates that are ``nan`` (a resample where the statistic is undefined, e.g. an AUC on one
    class) are left out; ``(nan, nan)`` when none is finite.
    """
    level = check_level(level, "percentile_interval")
    r = np.asarray(replicates, dtype=np.float64).ravel()
    r = r[np.isfinite(r)]
    if r.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.quantile(r, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def bootstrap(
    statistic: Callable[[np.ndarray], Any],
    n: int,
    *,
    n_boot: int = 1000,
    random_state: Any = 0,
    vectorized: bool = False,
) -> np.ndarray:
    """Replicates of ``statistic`` over ``n_boot`` resamples of ``n`` units.

    ``statistic(idx)`` gets the resampled indices of one replicate (1-D) and returns a number, or,
    with ``vectorized=True``, a block of replicates (2-D, one per row) and returns one number per
    row. To compare methods *paired*, compute both inside the same statistic (the same indices).
    Returns a float array of length ``n_boot`` (``nan`` where the statistic is undefined); read it
    with :func:`percentile_interval`.

    >>> x = np.arange(10.0)
    >>> reps = bootstrap(lambda idx: x[idx].mean(axis=1), len(x), n_boot=50, vectorized=True)
    >>> reps.shape
    (50,)
    """
    n_boot = check_n_boot(n_boot, "bootstrap", minimum=1)
    out = np.empty(n_boot, dtype=np.float64)
    done = 0
    for block in bootstrap_indices(n, n_boot, random_state):
        if vectorized:
            out[done:done + len(block)] = np.asarray(statistic(block), dtype=np.float64).ravel()
        else:
            out[done:done + len(block)] = [float(statistic(idx)) for idx in block]
        done += len(block)
    return out


def bootstrap_mean(values: Any, *, n_boot: int = 1000, level: float = 0.95, random_state: Any = 0) -> Interval:
    """Mean of ``values`` (one per customer) with its percentile bootstrap interval.

    For a paired interval of a difference, pass the per-customer differences of two methods (the
    same customers in the same order). ``Interval(nan, nan, nan)`` for no values.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    level = check_level(level, "bootstrap_mean")
    if x.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"))
    reps = bootstrap(lambda idx: x[idx].mean(axis=1), len(x), n_boot=n_boot, random_state=random_state, vectorized=True)
    return Interval(float(x.mean()), *percentile_interval(reps, level))


def bootstrap_ratio(
    values: Any, baseline: Any, *, n_boot: int = 1000, level: float = 0.95, random_state: Any = 0
) -> Interval:
    """Ratio of means ``mean(values) / mean(baseline)`` on the same customers, paired bootstrap interval.

    ``values[i]`` and ``baseline[i]`` belong to the same customer; each replicate resamples
    customers once for both. A baseline mean of 0 is read as 1e-12 (the ratio is then huge, not
    an error).
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    y = np.asarray(baseline, dtype=np.float64).ravel()
    if x.shape != y.shape:
        raise ValueError(f"bootstrap_ratio: values and baseline must be per-customer and of equal length, got {x.shape} and {y.shape}")
    level = check_level(level, "bootstrap_ratio")
    if x.size == 0:
        return Interval(float("nan"), float("nan"), float("nan"))

    def ratio(idx: np.ndarray) -> np.ndarray:
        return x[idx].mean(axis=1) / np.maximum(y[idx].mean(axis=1), 1e-12)

    reps = bootstrap(ratio, len(x), n_boot=n_boot, random_state=random_state, vectorized=True)
    return Interval(float(x.mean() / max(y.mean(), 1e-12)), *percentile_interval(reps, level))


def weighted_auc(y: Any, score: Any, weights: Any) -> np.ndarray | float:
    """ROC AUC under case weights: the Mann-Whitney rank count, ties counted half.

    ``weights`` is one weight per row (returns a float) or a 2-D array with one weighting per row,
    e.g. :func:`bootstrap_counts` (returns one AUC per weighting, all from a single sort). Equal to
    ``sklearn.metrics.roc_auc_score`` on the data with each row repeated ``weights`` times; ``nan``
    where one class has zero weight. ``y`` is 0/1 or two labels (the larger one is positive).

    >>> float(weighted_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], [1, 1, 1, 1]))
    0.75
    """
    y = np.asarray(y)
    s = np.asarray(score, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or len(y) != len(s):
        raise ValueError(f"weighted_auc: y and score must be 1-D and of equal length, got {y.shape} and {s.shape}")
    classes = np.unique(y)
    pos = (y == classes[-1]).astype(np.float64) if len(classes) == 2 else (y == 1).astype(np.float64)
    w = np.asarray(weights, dtype=np.float64)
    single = w.ndim == 1
    W = w[None, :] if single else w
    if W.shape[1] != len(y):
        raise ValueError(f"weighted_auc: weights have {W.shape[1]} columns for {len(y)} rows")
    order = np.argsort(s, kind="stable")
    s_sorted, p_sorted = s[order], pos[order]
    starts = np.flatnonzero(np.concatenate([[True], s_sorted[1:] != s_sorted[:-1]]))
    Wo = W[:, order]
    P = np.add.reduceat(Wo * p_sorted, starts, axis=1)
    N = np.add.reduceat(Wo * (1.0 - p_sorted), starts, axis=1)
    below = np.cumsum(N, axis=1) - N
    num = (P * (below + 0.5 * N)).sum(axis=1)
    den = P.sum(axis=1) * N.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        auc = np.where(den > 0, num / den, np.nan)
    return float(auc[0]) if single else auc


def _binary_labels(y: Any, where: str) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"{where}: y must be a non-empty 1-D array of labels, got shape {y.shape}")
    classes = np.unique(y)
    if len(classes) != 2:
        raise ValueError(f"{where}: y needs exactly two classes (both present) for a ROC AUC, got {classes[:5].tolist()}")
    return (y == classes[1]).astype(np.int64)


def auc_replicates(y: Any, scores: Mapping[str, Any], *, n_boot: int = 1000, random_state: Any = 0) -> "pd.DataFrame":
    """ROC AUC of several score columns on the **same** bootstrap resamples (paired).

    Returns a DataFrame with ``n_boot`` rows and one column per entry of ``scores`` (``nan`` for a
    resample with one class only); the difference of two columns is a paired replicate of their
    AUC difference.

    >>> reps = auc_replicates([0, 0, 1, 1, 0, 1], {"a": [.1, .3, .7, .9, .2, .4], "b": [.2, .1, .3, .9, .4, .8]}, n_boot=20)
    >>> reps.shape
    (20, 2)
    """
    import pandas as pd

    if not scores:
        raise ValueError("auc_replicates: no scores given")
    labels = _binary_labels(y, "auc_replicates")
    arrays = {}
    for name, s in scores.items():
        s = np.asarray(s, dtype=np.float64)
        if s.shape != labels.shape:
            raise ValueError(f"auc_replicates: scores {name!r} have shape {s.shape}, the labels {labels.shape}")
        if np.isnan(s).any():
            raise ValueError(f"auc_replicates: scores {name!r} contain NaN; score every row")
        arrays[name] = s
    W = bootstrap_counts(len(labels), check_n_boot(n_boot, "auc_replicates", minimum=1), random_state)
    return pd.DataFrame({name: weighted_auc(labels, s, W) for name, s in arrays.items()})


def bootstrap_auc(y: Any, score: Any, *, n_boot: int = 1000, level: float = 0.95, random_state: Any = 0) -> Interval:
    """Test ROC AUC with its percentile bootstrap interval (customers resampled; one-class resamples left out).

    >>> est = bootstrap_auc([0, 0, 1, 1, 0, 1, 0, 1], [.1, .3, .7, .9, .2, .4, .5, .6], n_boot=200)
    >>> round(est.estimate, 4), est.low <= est.estimate <= est.high
    (0.9375, True)
    """
    level = check_level(level, "bootstrap_auc")
    labels = _binary_labels(y, "bootstrap_auc")
    reps = auc_replicates(labels, {"score": score}, n_boot=check_n_boot(n_boot, "bootstrap_auc"), random_state=random_state)
    estimate = float(weighted_auc(labels, np.asarray(score, dtype=np.float64), np.ones(len(labels))))
    return Interval(estimate, *percentile_interval(reps["score"].to_numpy(), level))


def paired_auc_difference(
    y: Any, baseline: Any, other: Any, *, n_boot: int = 1000, level: float = 0.95, random_state: Any = 0
) -> Interval:
    """AUC of ``other`` minus AUC of ``baseline`` on the same customers, with a paired bootstrap interval.

    Read it with :func:`verdict` (``null=0``): "a real gain" when the whole interval is above 0.

    >>> d = paired_auc_difference([0, 0, 1, 1, 0, 1], [.5, .5, .5, .5, .5, .5], [.1, .3, .7, .9, .2, .4], n_boot=50)
    >>> round(d.estimate, 3)
    0.5
    """
    level = check_level(level, "paired_auc_difference")
    labels = _binary_labels(y, "paired_auc_difference")
    reps = auc_replicates(labels, {"a": baseline, "b": other}, n_boot=n_boot, random_state=random_state)
    ones = np.ones(len(labels))
    gain = float(weighted_auc(labels, np.asarray(other, dtype=float), ones) - weighted_auc(labels, np.asarray(baseline, dtype=float), ones))
    return Interval(gain, *percentile_interval((reps["b"] - reps["a"]).to_numpy(), level))


def verdict(
    low: float,
    high: float,
    null: float = 0.0,
    *,
    above: str = "a real gain",
    below: str = "a real loss",
    neither: str = "not distinguishable",
) -> str:
    """Read an interval against the value of no difference (``null``: 0 for differences, 1 for ratios).

    ``above`` when the whole interval lies above ``null``, ``below`` when it lies below, else
    ``neither`` (also for an undefined interval): the only reading an interval supports.
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return neither
    if low > null:
        return above
    if high < null:
        return below
    return neither


def describe(
    estimate: float,
    low: float,
    high: float,
    *,
    null: float = 0.0,
    fmt: str = "{:+.3f}",
    level: float = 0.95,
    above: str | None = None,
    below: str | None = None,
    neither: str | None = None,
) -> str:
    """One sentence for an estimate and its interval, e.g. ``+0.012 (95 % interval +0.004 to +0.020): a real gain``.

    The sentence and the default readings ("a real gain", "a real loss", "not distinguishable") are in
    the current language (:func:`profiling.i18n.tr`); readings passed in are used as given.

    >>> describe(1.10, 1.08, 1.12, null=1.0, fmt="{:.2f}×", above="better than the baseline")
    '1.10× (95 % interval 1.08× to 1.12×): better than the baseline'
    """
    from profiling.i18n import tr

    reading = verdict(low, high, null, above=tr("a real gain") if above is None else above,
                      below=tr("a real loss") if below is None else below,
                      neither=tr("not distinguishable") if neither is None else neither)
    return tr("{estimate} ({level:.0f} % interval {low} to {high}): {reading}").format(
        estimate=fmt.format(estimate), level=level * 100, low=fmt.format(low), high=fmt.format(high), reading=reading)
