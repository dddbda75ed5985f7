"""Differential privacy: segment-level counts and means published with the Laplace mechanism.

:func:`laplace_mechanism` (with its noise scale, :func:`laplace_scale`), :func:`dp_aggregates` and
:func:`dp_error` publish segment-level counts and means with **differential privacy** (Dwork,
McSherry, Nissim & Smith, 2006) and measure what the noise costs.

Differential privacy, as used here
----------------------------------
Two tables are *neighbours* if one is the other with one customer (one row) added or removed. A
randomized release :math:`M` is :math:`\\varepsilon`-differentially private if for all neighbours
:math:`D, D'` and every set of outputs :math:`S`,
:math:`P[M(D) \\in S] \\le e^{\\varepsilon} P[M(D') \\in S]`. The **Laplace mechanism** releases
:math:`f(D) + \\mathrm{Laplace}(0, \\Delta f / \\varepsilon)`, where the *sensitivity*
:math:`\\Delta f` is the most :math:`f` can change between neighbours. Its noise has standard
deviation :math:`\\sqrt{2}\\,\\Delta f / \\varepsilon`, whatever the size of the data: small groups
suffer most.

* A count of customers has sensitivity 1.
* A sum of values clipped to ``[low, high]`` has sensitivity ``max(|low|, |high|)`` (one customer adds
  at most that much); without clipping the sensitivity of a sum of spend is unbounded.
* Segments are disjoint (each customer is in one), so releasing one count per segment costs
  :math:`\\varepsilon` once (parallel composition); releasing counts *and* sums costs the sum of
  the two budgets (sequential composition). :func:`dp_aggregates` splits ``epsilon`` between them.
* The list of segments must be public and fixed in advance (``groups=``); publishing only the
  segments that happen to be non-empty would reveal who is in the data.
* Rounding, clamping a count at 0 and dividing a noisy sum by a noisy count are post-processing and
  do not weaken the guarantee.

Example
-------
>>> import pandas as pd
>>> profiles = pd.DataFrame({"segment": ["a"] * 60 + ["b"] * 40, "monetary": [100.0] * 100})
>>> out = dp_aggregates(profiles, "segment", "monetary", epsilon=1.0, bounds=(0, 500), random_state=0)
>>> out["count_scale"].tolist()   # counts get Laplace noise of scale 1 / (epsilon / 2)
[2.0, 2.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from profiling.validation import check_frame

__all__ = ["dp_aggregates", "dp_error", "laplace_mechanism", "laplace_scale"]


def _check_epsilon(epsilon: Any, where: str) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating, np.integer)) or not np.isfinite(epsilon) or epsilon <= 0:
        raise ValueError(f"{where}: epsilon must be a finite number > 0, got {epsilon!r}")
    return float(epsilon)


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The Laplace noise scale ``b = sensitivity / epsilon`` (noise standard deviation ``sqrt(2) * b``)."""
    eps = _check_epsilon(epsilon, "laplace_scale")
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, (int, float, np.floating, np.integer)) or not np.isfinite(sensitivity) or sensitivity <= 0:
        raise ValueError(f"laplace_scale: sensitivity must be a finite number > 0, got {sensitivity!r}")
    return float(sensitivity) / eps


def laplace_mechanism(
    values: float | Sequence[float] | np.ndarray | pd.Series,
    sensitivity: float,
    epsilon: float,
    random_state: int | np.random.Generator | None = None,
) -> Any:
    """``values + Laplace(0, sensitivity / epsilon)`` noise, independently for each value.

    Releasing the result is ``epsilon``-differentially private for a query whose value changes by at
    most ``sensitivity`` when one person is added to or removed from the data. Smaller ``epsilon`` =
    more privacy = more noise.

    Parameters
    ----------
    values : float, array or Series
        True query answers.
    sensitivity : float
        The query's L1 sensitivity (1 for a count; ``max(|low|, |high|)`` for a sum clipped to
        ``[low, high]``).
    epsilon : float
        The privacy budget spent, > 0.
    random_state : int or numpy Generator, optional
        Seed (for reproducible teaching output). A real release must use fresh randomness.

    Returns
    -------
    float, ndarray or Series
        The noisy values, same shape (a Series keeps its index).

    Example
    -------
    >>> round(laplace_mechanism(100.0, sensitivity=1, epsilon=1.0, random_state=0), 2)
    100.32
    """
    scale = laplace_scale(sensitivity, epsilon)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    if isinstance(values, pd.Series):
        return values.astype("float64") + rng.laplace(0.0, scale, size=len(values))
    arr = np.asarray(values, dtype="float64")
    noisy = arr + rng.laplace(0.0, scale, size=arr.shape)
    return float(noisy) if noisy.ndim == 0 else noisy


def _check_bounds(bounds: Any, where: str) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: bounds must be a pair (low, high) of numbers, got {bounds!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{where}: bounds must be finite with low < high, got {bounds!r}")
    return low, high


def _groups(frame: pd.DataFrame, by: str, groups: Sequence[Any] | None) -> list[Any]:
    if groups is not None:
        g = list(groups)
        if len(set(map(str, g))) < len(g):
            raise ValueError(f"dp_aggregates: groups repeat a value: {g}")
        unknown = sorted(set(frame[by].dropna().astype("str")) - set(map(str, g)))
        if unknown:
            raise ValueError(f"dp_aggregates: column {by!r} has value(s) {unknown[:5]} not in groups=; list every public group")
        return g
    if isinstance(frame[by].dtype, pd.CategoricalDtype):
        return list(frame[by].cat.categories)
    return sorted(frame[by].dropna().unique().tolist(), key=str)


def _truth(
    frame: pd.DataFrame, by: str, value: str, bounds: tuple[float, float], groups: Sequence[Any] | None, where: str
) -> tuple[list[Any], pd.Series, pd.Series]:
    """The public groups, the true customer counts and the true sums of the clipped value per group."""
    check_frame(frame, [by, value], where)
    if not pd.api.types.is_numeric_dtype(frame[value]) or pd.api.types.is_bool_dtype(frame[value]):
        raise ValueError(f"{where}: column {value!r} must be numeric, got {frame[value].dtype}")
    if frame[value].isna().any():
        raise ValueError(f"{where}: column {value!r} has missing values; fill or drop them first")
    g = _groups(frame, by, groups)
    key = frame[by].astype("str")
    labels = pd.Index([str(x) for x in g])
    counts = key.value_counts().reindex(labels, fill_value=0).astype("int64")
    totals = frame[value].astype("float64").clip(*bounds).groupby(key).sum().reindex(labels, fill_value=0.0)
    return g, counts, totals


def dp_aggregates(
    frame: pd.DataFrame,
    by: str,
    value: str,
    epsilon: float,
    bounds: tuple[float, float],
    groups: Sequence[Any] | None = None,
    count_share: float = 0.5,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customers, total and mean of ``value`` per group, true and with Laplace noise (epsilon-DP in all).

    One row of ``frame`` is one person. ``value`` is clipped to ``bounds`` before summing, so one person
    changes a group's sum by at most ``max(|low|, |high|)``. The budget is split: ``count_share *
    epsilon`` for the counts (sensitivity 1) and the rest for the sums; groups are disjoint, so each
    part is spent once across all groups (parallel composition) and the whole release is
    ``epsilon``-DP (sequential composition). The noisy mean is the noisy sum over the noisy count
    (clamped to at least 1), clamped to ``bounds`` — post-processing, which costs no budget.

    Parameters
    ----------
    frame : DataFrame
        One row per person.
    by : str
        The group column (e.g. the RFM segment).
    value : str
        The numeric column to total and average (e.g. net spend).
    epsilon : float
        Total privacy budget of the release, > 0.
    bounds : (low, high)
        Clipping bounds of ``value``, chosen *without looking at the data* (or from public knowledge).
    groups : sequence, optional
        The public list of groups (all are released, even if empty). Default: the categories of a
        categorical ``by``, else the observed values (which is only safe if the group list is public).
    count_share : float, default 0.5
        Share of ``epsilon`` spent on the counts (0 < count_share < 1).
    random_state : int or Generator, optional
        Seed.

    Returns
    -------
    DataFrame
        Index: the groups (named ``by``). Columns ``customers``, ``noisy_customers``, ``total``,
        ``noisy_total``, ``mean``, ``noisy_mean`` (true values use the clipped ``value``),
        ``count_scale`` and ``sum_scale`` (the Laplace scales used).

    Example
    -------
    >>> profiles = pd.DataFrame({"rfm_segment": ["a"] * 60 + ["b"] * 40, "monetary": [100.0] * 100})
    >>> out = dp_aggregates(profiles, "rfm_segment", "monetary", epsilon=1.0, bounds=(0, 500), random_state=0)
    >>> out["customers"].to_dict(), out["noisy_customers"].round(1).to_dict()
    ({'a': 60, 'b': 40}, {'a': 60.6, 'b': 38.8})
    """
    eps = _check_epsilon(epsilon, "dp_aggregates")
    low, high = _check_bounds(bounds, "dp_aggregates")
    if not (0 < count_share < 1):
        raise ValueError(f"dp_aggregates: count_share must be in (0, 1), got {count_share!r}")
    g, counts, totals = _truth(frame, by, value, (low, high), groups, "dp_aggregates")
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    count_eps, sum_eps = count_share * eps, (1 - count_share) * eps
    sens_sum = max(abs(low), abs(high))  # one customer's clipped value moves a sum by at most this
    noisy_counts = laplace_mechanism(counts.to_numpy(dtype="float64"), 1.0, count_eps, rng)
    noisy_totals = laplace_mechanism(totals.to_numpy(dtype="float64"), sens_sum, sum_eps, rng)
    out = pd.DataFrame(
        {
            "customers": counts.to_numpy(),
            "noisy_customers": np.maximum(noisy_counts, 0.0),
            "total": totals.to_numpy(),
            "noisy_total": noisy_totals,
            "mean": np.where(counts.to_numpy() > 0, totals.to_numpy() / np.maximum(counts.to_numpy(), 1), np.nan),
            "noisy_mean": np.clip(noisy_totals / np.maximum(noisy_counts, 1.0), low, high),
            "count_scale": 1.0 / count_eps,
            "sum_scale": sens_sum / sum_eps,
        },
        index=pd.Index(g, name=by),
    )
    return out


def dp_error(
    frame: pd.DataFrame,
    by: str,
    value: str,
    epsilons: Sequence[float],
    bounds: tuple[float, float],
    n_repeats: int = 200,
    groups: Sequence[Any] | None = None,
    count_share: float = 0.5,
    random_state: int | None = None,
) -> pd.DataFrame:
    """How wrong the DP release of :func:`dp_aggregates` is, per epsilon: repeated draws, relative errors.

    The error of a noisy count or mean is ``|noisy - true| / true`` per group (groups with no
    customers are left out), averaged over groups and then summarized over ``n_repeats`` draws.

    Returns
    -------
    DataFrame
        One row per (``epsilon``, ``statistic`` in ``customers`` / ``mean``) with
        ``median_relative_error`` and ``p90_relative_error`` (over the draws, of the mean relative error
        over groups) and ``worst_group_median`` (median over draws of the largest group error).

    Example
    -------
    >>> profiles = pd.DataFrame({"rfm_segment": ["a"] * 60 + ["b"] * 40, "monetary": [100.0] * 100})
    >>> err = dp_error(profiles, "rfm_segment", "monetary", [0.1, 1, 10], bounds=(0, 500), random_state=0)
    >>> err.loc[err["statistic"] == "customers", "median_relative_error"].round(3).tolist()  # 10x budget, 1/10 error
    [0.367, 0.034, 0.004]
    """
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise ValueError(f"dp_error: n_repeats must be a whole number >= 1, got {n_repeats!r}")
    eps_list = [_check_epsilon(e, "dp_error") for e in epsilons]
    if not eps_list:
        raise ValueError("dp_error: give at least one epsilon")
    low, high = _check_bounds(bounds, "dp_error")
    if not (0 < count_share < 1):
        raise ValueError(f"dp_error: count_share must be in (0, 1), got {count_share!r}")
    _, counts, totals = _truth(frame, by, value, (low, high), groups, "dp_error")
    present = (counts > 0).to_numpy()
    n = counts.to_numpy(dtype="float64")[present]
    total = totals.to_numpy(dtype="float64")[present]
    mean = total / n
    sens_sum = max(abs(low), abs(high))
    rng = np.random.default_rng(random_state)
    rows = []
    for eps in eps_list:
        # the same draws as dp_aggregates, all repeats at once: (n_repeats, groups)
        shape = (int(n_repeats), len(n))
        noisy_n = n + rng.laplace(0.0, 1.0 / (count_share * eps), size=shape)
        noisy_total = total + rng.laplace(0.0, sens_sum / ((1 - count_share) * eps), size=shape)
        noisy_mean = np.clip(noisy_total / np.maximum(noisy_n, 1.0), low, high)
        errors = {
            "customers": np.abs(np.maximum(noisy_n, 0.0) - n) / n,
            "mean": np.abs(noisy_mean - mean) / np.maximum(np.abs(mean), 1e-9),
        }
        for stat, m in errors.items():
            per_draw = m.mean(axis=1)
            rows.append(
                {
                    "epsilon": eps,
                    "statistic": stat,
                    "median_relative_error": float(np.median(per_draw)),
                    "p90_relative_error": float(np.quantile(per_draw, 0.9)),
                    "worst_group_median": float(np.median(m.max(axis=1))),
                }
            )
    return pd.DataFrame(rows)
