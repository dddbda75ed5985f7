"""From scores to decisions: profit curves, contact policies and their value on an experiment.

A score is not a decision. With a **margin** (the value of one unit of the outcome) and a **cost**
per contact:

- :func:`profit_curve`: the incremental profit of contacting the top n by a score, measured on a
  randomized experiment; :func:`bootstrap_profit_difference` compares two rankings at the top k
  with a paired bootstrap interval (:mod:`profiling.stats`);
- :func:`expected_profit` and :func:`contact_policy`: contact exactly the customers whose
  predicted uplift pays for the contact; :func:`choose_treatment` picks the best of several
  treatments per customer;
- :func:`policy_value` and :func:`policy_difference`: the incremental profit per customer of a
  policy (and the paired difference of two), estimated on the experiment by inverse propensity.

Example
-------
>>> expected_profit([1.0, 0.2, -0.5], margin=0.3, cost=0.1).round(2).tolist()
[0.2, -0.04, -0.25]
>>> contact_policy([1.0, 0.2, -0.5], margin=0.3, cost=0.1).tolist()
[True, False, False]
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from profiling import stats
from profiling.uplift._checks import check_metric_inputs, check_money, top_n
from profiling.uplift.metrics import _paired_top_k, uplift_curve
from profiling.validation import check_frame

__all__ = [
    "bootstrap_profit_difference",
    "choose_treatment",
    "contact_policy",
    "expected_profit",
    "policy_difference",
    "policy_value",
    "profit_curve",
]


def profit_curve(y: Any, score: Any, treatment: Any, margin: float, cost: float) -> pd.DataFrame:
    """Incremental profit of contacting the top n customers by ``score``, measured on an experiment.

    ``profit(n) = margin * uplift_curve(n) - cost * n``: the extra outcome the contacts caused
    (estimated from treated vs control among the top n, :func:`profiling.uplift.uplift_curve`),
    times the margin, minus what the contacts cost. ``y`` is in money (spend) or in units worth 1
    (then ``margin`` is the value of one unit). n = 0 is "contact no one" (profit 0), the last row
    "contact everyone" (the same for every score).

    Returns
    -------
    DataFrame with ``n``, ``share``, ``incremental`` (= uplift curve) and ``profit``.

    Example
    -------
    >>> profit_curve([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0], margin=2.0, cost=0.5)["profit"].tolist()
    [0.0, 1.5, 1.0, -4.5, -2.0]
    """
    check_money(margin, cost, "profit_curve")
    c = uplift_curve(y, score, treatment)
    out = c[["n", "share"]].copy()
    out["incremental"] = c["uplift"]
    out["profit"] = float(margin) * c["uplift"] - float(cost) * c["n"]
    return out


def bootstrap_profit_difference(
    y: Any,
    score: Any,
    other: Any,
    treatment: Any,
    k: float | int,
    margin: float,
    cost: float,
    n_boot: int = 500,
    level: float = 0.95,
    random_state: Any = 0,
) -> pd.Series:
    """Profit of contacting the top k by ``score`` minus by ``other``, with a paired bootstrap interval.

    The profit of a ranking at k is ``(margin * (ybar_treated - ybar_control) - cost) * m`` over its
    top ``m`` rows (as :func:`profit_curve`, cut exactly at ``m``, ties by row order). Each
    replicate (:func:`profiling.stats.bootstrap`) resamples the rows once and values *both*
    rankings on that same resample, so the interval is that of the difference (paired), not of two
    separate estimates. Replicates where a top m lacks treated or control rows are left out.

    Parameters
    ----------
    y, treatment : array-like
        Outcome in money (or units worth ``margin``) and 0/1 treatment, one per customer.
    score, other : array-like
        The two rankings' scores (higher = contact first).
    k : float or int
        Share (float in (0, 1]) or count (int) of customers contacted.
    margin, cost : float
        Value of one unit of ``y``; cost per contact.
    n_boot : int, default 500
        Bootstrap replicates (>= 10).
    level : float, default 0.95
        Confidence level of the percentile interval.
    random_state : int, Generator or None, default 0
        Seed of the resamples.

    Returns
    -------
    Series with ``profit`` and ``profit_other`` (on the original rows), ``difference``,
    ``ci_low``, ``ci_high`` (percentile interval of the difference), ``se``, ``share_positive``
    (share of replicates in which ``score`` earns more) and ``n_boot`` (usable replicates).

    Example
    -------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> t, x = (rng.random(1000) < 0.5).astype(int), rng.random(1000)
    >>> spend = 10.0 * (rng.random(1000) < 0.1 + 0.5 * x * t)      # the effect grows with x
    >>> d = bootstrap_profit_difference(spend, x, -x, t, k=0.25, margin=0.5, cost=0.2, n_boot=200)
    >>> bool(d["ci_low"] > 0), bool(d["difference"] == d["profit"] - d["profit_other"])
    (True, True)
    """
    check_money(margin, cost, "bootstrap_profit_difference")
    yv, sv, tv = check_metric_inputs(y, score, treatment, "bootstrap_profit_difference")
    _, ov, _ = check_metric_inputs(y, other, treatment, "bootstrap_profit_difference")
    n_boot = stats.check_n_boot(n_boot, "bootstrap_profit_difference")
    level = stats.check_level(level, "bootstrap_profit_difference")
    m = top_n(k, len(yv), "bootstrap_profit_difference")
    pa, pb, diffs = _paired_top_k(
        yv, tv, sv, ov, m,
        lambda yy, tt: (float(margin) * (yy[tt == 1].mean() - yy[tt == 0].mean()) - float(cost)) * m,
        n_boot, random_state,
    )
    lo, hi = stats.percentile_interval(diffs, level)
    return pd.Series({
        "profit": pa,
        "profit_other": pb,
        "difference": pa - pb,
        "ci_low": lo,
        "ci_high": hi,
        "se": float(diffs.std(ddof=1)),
        "share_positive": float((diffs > 0).mean()),
        "n_boot": int(len(diffs)),
    })


def expected_profit(uplift: Any, margin: float, cost: float) -> np.ndarray:
    """Expected incremental profit of contacting each customer: ``margin * uplift - cost``.

    ``uplift`` is the predicted effect on the outcome (e.g. extra spend in USD, or extra
    conversions with ``margin`` = profit per conversion).

    Example
    -------
    >>> expected_profit([1.0, 0.2, -0.5], margin=0.3, cost=0.1).round(2).tolist()
    [0.2, -0.04, -0.25]
    """
    check_money(margin, cost, "expected_profit")
    u = np.asarray(uplift, dtype="float64").ravel()
    if np.isnan(u).any():
        raise ValueError("expected_profit: uplift has missing values; predict an uplift for every customer")
    return float(margin) * u - float(cost)


def contact_policy(uplift: Any, margin: float, cost: float) -> np.ndarray:
    """Contact exactly the customers whose expected incremental profit is positive.

    Example
    -------
    >>> contact_policy([1.0, 0.2, -0.5], margin=0.3, cost=0.1).tolist()
    [True, False, False]
    """
    return expected_profit(uplift, margin, cost) > 0


def choose_treatment(uplifts: pd.DataFrame, margin: float, cost: float | Mapping[str, float], control: str = "control") -> pd.Series:
    """For each customer, the treatment with the highest expected profit, or ``control`` if none pays.

    Parameters
    ----------
    uplifts : DataFrame
        One column per treatment (its name) with the predicted uplift of each customer.
    margin : float
        Value of one unit of the outcome.
    cost : float or mapping
        Cost per contact, one number or a dict treatment -> cost.
    control : str, default "control"
        Label returned when no treatment has a positive expected profit.

    Returns
    -------
    Series (index of ``uplifts``, ``str``) of chosen treatments; ties go to the leftmost column.

    Example
    -------
    >>> import pandas as pd
    >>> choose_treatment(pd.DataFrame({"A": [1.0, 0.1], "B": [0.5, 0.2]}), 1.0, 0.15).tolist()
    ['A', 'B']
    """
    check_frame(uplifts, [], "choose_treatment", what="uplifts", fix="Pass one column of predicted uplifts per treatment.")
    if uplifts.shape[1] == 0:
        raise ValueError("choose_treatment: uplifts has no column; pass one column of predicted uplifts per treatment")
    if control in uplifts.columns:
        raise ValueError(f"choose_treatment: {control!r} is both a treatment column and the control label")
    if isinstance(cost, Mapping):
        missing = [c for c in uplifts.columns if c not in cost]
        if missing:
            raise ValueError(f"choose_treatment: cost has no entry for treatment(s) {missing}; give every column a cost")
    costs = {c: float(cost[c]) if isinstance(cost, Mapping) else float(cost) for c in uplifts.columns}
    profit = pd.DataFrame({c: expected_profit(uplifts[c], margin, costs[c]) for c in uplifts.columns}, index=uplifts.index)
    best = profit.to_numpy().argmax(axis=1)
    best_value = profit.to_numpy().max(axis=1)
    names = np.asarray(list(uplifts.columns), dtype=object)[best]
    return pd.Series(np.where(best_value > 0, names, control), index=uplifts.index, dtype="str", name="treatment")


def _policy_terms(
    y: Any, arm: Any, chosen: Any, baseline: str, margin: float, cost: float,
    propensity: Mapping[str, float] | None, where: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer inverse-propensity terms of a policy (see :func:`policy_value`) and its choices."""
    check_money(margin, cost, where)
    yv = np.asarray(y, dtype="float64").ravel()
    a = pd.Series(np.asarray(arm)).astype("str").to_numpy()
    c = pd.Series(np.asarray(chosen)).astype("str").to_numpy()
    if not len(yv) == len(a) == len(c):
        raise ValueError(f"{where}: y ({len(yv)}), arm ({len(a)}) and chosen ({len(c)}) must have the same length")
    arms = set(a)
    if baseline not in arms:
        raise ValueError(f"{where}: baseline arm {baseline!r} not in arm (arms: {sorted(arms)})")
    unknown = sorted(set(c) - arms)
    if unknown:
        raise ValueError(f"{where}: chosen holds arm(s) {unknown} that no customer got; the experiment cannot value them")
    if propensity is None:
        shares = pd.Series(a).value_counts(normalize=True).to_dict()
    else:
        shares = {k: float(v) for k, v in propensity.items()}
        if any(not 0 < shares.get(x, 0) <= 1 for x in arms):
            raise ValueError(f"{where}: propensity needs a probability in (0, 1] for every arm {sorted(arms)}")
    p = np.array([shares[x] for x in a])
    term = margin * (yv * (a == c) / p - yv * (a == baseline) / shares[baseline]) - cost * (c != baseline)
    return term, c


def policy_value(
    y: Any,
    arm: Any,
    chosen: Any,
    baseline: str,
    margin: float = 1.0,
    cost: float = 0.0,
    propensity: Mapping[str, float] | None = None,
) -> pd.Series:
    """Incremental profit per customer of a targeting policy, estimated on a randomized experiment.

    Inverse-propensity estimate: a customer counts for the policy when the arm they were randomly
    given is the arm the policy chooses for them, weighted by 1 / P(arm). The value is compared
    with giving everyone the ``baseline`` arm (e.g. no e-mail):
    ``margin * (y 1[arm = chosen] / p(arm) - y 1[arm = baseline] / p(baseline)) - cost 1[chosen != baseline]``,
    averaged over customers; the interval is the normal one, ``value ± 1.96 se``.

    Parameters
    ----------
    y : array-like
        Outcome of each customer under the arm they got.
    arm : array-like
        Arm each customer got (random assignment).
    chosen : array-like
        Arm the policy picks for each customer (same labels; ``baseline`` = not contacted).
    baseline : str
        The arm the policy is compared with.
    margin, cost : float
        Value of one unit of ``y``; cost of every contact (chosen != baseline).
    propensity : mapping or None
        arm -> assignment probability; default the arm shares in the data.

    Returns
    -------
    Series with ``value`` (incremental profit per customer), ``se``, ``ci_low``, ``ci_high`` (95 %)
    and ``contact_share``.

    Example
    -------
    >>> v = policy_value([3.0, 1.0, 2.0, 0.0], ["email", "none", "email", "none"],
    ...                  ["email", "email", "email", "email"], baseline="none")
    >>> float(v["value"]), float(v["contact_share"])                # e-mailing everyone: the ATE
    (2.0, 1.0)
    """
    term, c = _policy_terms(y, arm, chosen, baseline, margin, cost, propensity, "policy_value")
    se = float(term.std(ddof=1) / np.sqrt(len(term)))
    v = float(term.mean())
    return pd.Series({"value": v, "se": se, "ci_low": v - 1.96 * se, "ci_high": v + 1.96 * se,
                      "contact_share": float((c != baseline).mean())})


def policy_difference(
    y: Any,
    arm: Any,
    chosen: Any,
    other: Any,
    baseline: str,
    margin: float = 1.0,
    cost: float = 0.0,
    propensity: Mapping[str, float] | None = None,
) -> pd.Series:
    """Paired difference of two policies' incremental profit per customer, on the same experiment.

    Both policies are valued on the same customers (:func:`policy_value`); the difference is the
    mean of the per-customer differences of their terms, so customers for whom both policies
    choose the same arm contribute 0 and the interval is that of the *difference*, usually much
    narrower than either policy's own interval.

    Parameters
    ----------
    y, arm, baseline, margin, cost, propensity :
        As in :func:`policy_value`.
    chosen, other : array-like
        Arm picked for each customer by the policy and by the policy it is compared with.

    Returns
    -------
    Series with ``difference`` (chosen minus other, per customer), ``se``, ``ci_low``, ``ci_high``
    (95 %) and ``share_differ`` (share of customers for whom the two policies choose differently).

    Example
    -------
    >>> float(policy_difference([3.0, 1.0], ["email", "none"], ["email", "email"], ["none", "none"], "none")["difference"])
    2.0
    """
    a, c_a = _policy_terms(y, arm, chosen, baseline, margin, cost, propensity, "policy_difference")
    b, c_b = _policy_terms(y, arm, other, baseline, margin, cost, propensity, "policy_difference")
    d = a - b
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    v = float(d.mean())
    return pd.Series({"difference": v, "se": se, "ci_low": v - 1.96 * se, "ci_high": v + 1.96 * se,
                      "share_differ": float((c_a != c_b).mean())})
