"""Precision marketing: segment campaign plans, experiments, uplift models, uplift metrics and profit.

A marketer's question is *whom to contact, with what, and what it earns*. This module answers it in
two ways, from the weakest evidence to the strongest:

1. **Segment-level plans** from history (:func:`future_outcomes`, :func:`segment_value`,
   :func:`campaign_plan`, :func:`budget_tradeoff`): what each RFM segment or persona bought *after*
   a cutoff, turned into an expected value per contact and a budget table. History says what
   customers do without a campaign; what a campaign *adds* is an assumption there.
2. **A randomized experiment** (the Hillstrom e-mail test): check the randomization
   (:func:`balance_table`, :func:`arm_predictability`), estimate average effects with confidence
   intervals (:func:`arm_means`, :func:`ate_table`), and model who is persuaded, with three uplift
   models written in scikit-learn style (:class:`TwoModels` = T-learner, :class:`ClassTransformation`
   and :class:`TransformedOutcome`, :class:`XLearner`) next to a plain :class:`ResponseModel`.
   Evaluate them with :func:`uplift_curve`, :func:`qini_curve`, :func:`curve_areas` (random and
   perfect references), :func:`uplift_at_k`, :func:`bootstrap_uplift_at_k` and
   :func:`uplift_by_bin`; turn them into decisions with :func:`profit_curve`,
   :func:`expected_profit`, :func:`contact_policy`, :func:`choose_treatment` and
   :func:`policy_value`.

Every uplift model has ``fit(X, y, treatment)`` and ``predict(X)`` (the estimated effect of the
treatment on ``y`` for each row); ``treatment`` is 1 for treated and 0 for control rows.

Example
-------
>>> from profiling import datasets, marketing
>>> hs = datasets.load_hillstrom()
>>> arm = hs["segment"].astype(str)
>>> ab = hs[arm.isin(["Womens E-Mail", "No E-Mail"])]
>>> X = marketing.hillstrom_features(ab)
>>> t = (ab["segment"] == "Womens E-Mail").astype(int).to_numpy()
>>> model = marketing.ClassTransformation(random_state=0).fit(X, ab["visit"], t)   # doctest: +SKIP
>>> marketing.uplift_at_k(ab["visit"], model.predict(X), t, k=0.3)                 # doctest: +SKIP
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "CAMPAIGN_PLAYBOOK",
    "HILLSTROM_FEATURES",
    "future_outcomes",
    "segment_value",
    "campaign_plan",
    "budget_tradeoff",
    "hillstrom_features",
    "balance_table",
    "arm_predictability",
    "arm_means",
    "ate_table",
    "TwoModels",
    "ClassTransformation",
    "TransformedOutcome",
    "XLearner",
    "ResponseModel",
    "uplift_curve",
    "qini_curve",
    "perfect_scores",
    "curve_areas",
    "uplift_auc_score",
    "qini_auc_score",
    "uplift_at_k",
    "bootstrap_uplift_at_k",
    "uplift_by_bin",
    "profit_curve",
    "expected_profit",
    "contact_policy",
    "choose_treatment",
    "policy_value",
]

# --------------------------------------------------------------------------------------------
# Part 1: segment-level campaign plans from history
# --------------------------------------------------------------------------------------------

#: What a team would do with each named RFM segment (:data:`profiling.segments.RFM_SEGMENTS`):
#: segment -> (goal, offer type, channel). These are *choices* (the usual CRM playbook), written
#: down so they can be argued with; the expected value of each comes from data
#: (:func:`campaign_plan`), never from this table.
CAMPAIGN_PLAYBOOK: dict[str, tuple[str, str, str]] = {
    "champions": ("retain and advocate", "early access to new ranges, no discount", "e-mail + account manager"),
    "loyal": ("grow the basket", "cross-sell bundle, volume tier", "e-mail"),
    "potential_loyalist": ("make them regulars", "loyalty programme invitation", "e-mail"),
    "new_customers": ("onboard", "welcome series, free delivery on the 2nd order", "e-mail"),
    "promising": ("build the habit", "small repeat-order voucher", "e-mail"),
    "need_attention": ("re-engage", "limited-time offer on past categories", "e-mail"),
    "about_to_sleep": ("reactivate", "best sellers + modest discount", "e-mail"),
    "at_risk": ("win back", "personalised win-back voucher", "e-mail + phone"),
    "cant_lose": ("win back a big account", "personal call, new products", "phone / account manager"),
    "hibernating": ("cheap reactivation", "seasonal catalogue", "e-mail only"),
    "lost": ("do not spend", "none (cheapest channel at most)", "none"),
}


def _need_frame(frame: Any, columns: Sequence[str], where: str, fix: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{where}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{where}: the frame lacks the column(s) {missing} (it has {list(frame.columns)[:12]}). {fix}")


def future_outcomes(
    transactions: pd.DataFrame,
    customers: Sequence[Any] | pd.Index,
    start: Any,
    horizon_days: int = 90,
) -> pd.DataFrame:
    """What each customer bought in the window ``[start, start + horizon_days)`` — the outcome of a plan.

    Features and segments must be built from lines *before* ``start`` (e.g.
    ``profiles.build_profiles(tx, cutoff=start)``) and outcomes from lines in the window after it:
    never the other way round, or the "expected value" is leakage.

    Parameters
    ----------
    transactions:
        Canonical transactions (cleaned). Lines with ``quantity > 0`` are purchases; negative lines
        (returns, cancellations kept as negative lines) reduce ``revenue``.
    customers:
        The customers to report (e.g. the profile table's index); customers without lines in the
        window get zeros.
    start:
        First day of the window (inclusive), e.g. the profile cutoff.
    horizon_days:
        Length of the window in days (> 0).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (in the order of ``customers``) with ``orders`` (distinct
    purchase invoices in the window, ``int64``), ``repurchased`` (``orders > 0``, ``int64`` 0/1) and
    ``revenue`` (net amount of the window's lines, ``float64``). ``attrs`` holds ``start``, ``end``
    and ``horizon_days``; ``attrs["complete"]`` is False when the data end before the window does.

    Example
    -------
    >>> out = future_outcomes(clean_tx, profiles.index, "2010-09-01", 90)       # doctest: +SKIP
    """
    _need_frame(
        transactions,
        ["customer_id", "invoice_id", "quantity", "unit_price", "timestamp"],
        "future_outcomes",
        "Pass canonical transactions (profiling.datasets.load_online_retail + cleaning.clean).",
    )
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)) or horizon_days <= 0:
        raise ValueError(f"future_outcomes: horizon_days must be a whole number of days > 0, got {horizon_days!r}")
    start = pd.Timestamp(start)
    end = start + pd.Timedelta(days=int(horizon_days))
    idx = pd.Index(pd.Index(customers).astype("str"), name="customer_id")
    if not idx.is_unique:
        raise ValueError("future_outcomes: customers has duplicates; pass one id per customer (e.g. profiles.index)")
    ts = transactions["timestamp"]
    win = transactions.loc[(ts >= start) & (ts < end) & transactions["customer_id"].notna()]
    win = win.loc[win["customer_id"].astype("str").isin(idx)]
    amount = win["quantity"].to_numpy(dtype="float64") * win["unit_price"].to_numpy(dtype="float64")
    cid = win["customer_id"].astype("str").to_numpy()
    revenue = pd.Series(amount, index=cid).groupby(level=0).sum()
    buys = win.loc[win["quantity"] > 0]
    orders = buys.groupby(buys["customer_id"].astype("str"))["invoice_id"].nunique()
    out = pd.DataFrame(index=idx)
    out["orders"] = orders.reindex(idx, fill_value=0).astype("int64").to_numpy()
    out["repurchased"] = (out["orders"] > 0).astype("int64")
    out["revenue"] = revenue.reindex(idx, fill_value=0.0).astype("float64").to_numpy()
    last = transactions["timestamp"].max()
    out.attrs.update({"start": start.isoformat(), "end": end.isoformat(), "horizon_days": int(horizon_days),
                      "complete": bool(pd.notna(last) and last >= end - pd.Timedelta(days=1))})
    return out


def segment_value(profiles: pd.DataFrame, outcomes: pd.DataFrame, by: str = "rfm_segment") -> pd.DataFrame:
    """Historical value of each segment: how often its customers bought again, and for how much.

    Parameters
    ----------
    profiles:
        The profile table (or any frame indexed by customer id) holding the column ``by``, as of
        the window's start.
    outcomes:
        :func:`future_outcomes` for the same customers.
    by:
        Grouping column (``rfm_segment``, ``persona_name``, ``lifecycle``, ...).

    Returns
    -------
    DataFrame indexed by the segment (categories in their order; empty segments dropped) with
    ``customers``, ``repurchase_rate`` (share with an order in the window), ``orders_per_buyer``,
    ``order_value`` (net revenue per order in the window), ``revenue_per_customer`` (mean net
    revenue of *all* the segment's customers in the window = the expected value without a
    campaign) and ``revenue_se`` (its standard error).

    Example
    -------
    >>> segment_value(profiles, future_outcomes(tx, profiles.index, cutoff, 90))   # doctest: +SKIP
    """
    _need_frame(profiles, [by], "segment_value", "Build it with profiling.profiles.build_profiles.")
    _need_frame(outcomes, ["orders", "repurchased", "revenue"], "segment_value(outcomes)", "Build it with future_outcomes().")
    missing = profiles.index.difference(outcomes.index)
    if len(missing):
        raise ValueError(
            f"segment_value: {len(missing)} customers of profiles have no outcome row (e.g. {list(missing[:3])}); "
            "pass future_outcomes(transactions, profiles.index, ...)"
        )
    o = outcomes.reindex(profiles.index)
    g = o.groupby(profiles[by], observed=True, sort=True)
    out = pd.DataFrame({
        "customers": g.size().astype("int64"),
        "repurchase_rate": g["repurchased"].mean(),
        "buyers": g["repurchased"].sum(),
        "orders": g["orders"].sum(),
        "revenue": g["revenue"].sum(),
        "revenue_per_customer": g["revenue"].mean(),
        "revenue_se": g["revenue"].std(ddof=1) / np.sqrt(g.size()),
    })
    out["orders_per_buyer"] = np.where(out["buyers"] > 0, out["orders"] / out["buyers"].clip(lower=1), 0.0)
    out["order_value"] = np.where(out["orders"] > 0, out["revenue"] / out["orders"].clip(lower=1), 0.0)
    out.index.name = by
    cols = ["customers", "repurchase_rate", "orders_per_buyer", "order_value", "revenue_per_customer", "revenue_se"]
    return out[cols].fillna({"revenue_se": 0.0})


def campaign_plan(
    profiles: pd.DataFrame,
    values: pd.DataFrame,
    by: str = "rfm_segment",
    relative_lift: float = 0.1,
    margin: float = 0.3,
    cost_per_contact: float = 1.0,
    playbook: Mapping[str, tuple[str, str, str]] | None = None,
) -> pd.DataFrame:
    """A campaign plan per segment: goal, offer, channel, size and expected value per contact.

    The expected revenue per customer comes from history (``values`` = :func:`segment_value`
    measured on an *earlier* window), applied to today's segment sizes. What the campaign *adds*
    is not in that history: it is the assumption ``relative_lift`` (the campaign raises the
    segment's revenue by this fraction). So the plan also reports the **break-even lift**, the
    lift at which a contact just pays for itself — a number from data that needs no assumption.

    Parameters
    ----------
    profiles:
        Profile table as of the campaign date (column ``by``): gives today's segment sizes.
    values:
        :func:`segment_value` from an earlier period (index = segments).
    by:
        The segment column.
    relative_lift:
        Assumed relative increase of revenue caused by the campaign (0.1 = +10 %), >= 0.
    margin:
        Gross margin on revenue (0..1).
    cost_per_contact:
        Cost of one contact (same currency as revenue), >= 0.
    playbook:
        segment -> (goal, offer, channel); default :data:`CAMPAIGN_PLAYBOOK`. Unknown segments get
        empty texts.

    Returns
    -------
    DataFrame indexed by segment, sorted by ``profit_per_contact`` (descending, ties by name), with
    ``goal``, ``offer``, ``channel``, ``customers`` (today), ``repurchase_rate``, ``order_value``,
    ``revenue_per_customer`` (history), ``break_even_lift`` (= cost / (margin * revenue per
    customer); ``inf`` if the segment earned nothing), ``profit_per_contact`` (= lift * margin *
    revenue per customer - cost), ``expected_profit`` (per contact * customers) and
    ``has_history`` (bool).

    A segment that exists today but had no customer in the history (``values`` has no row for
    it, e.g. a young shop whose earliest window had no *promising* customers) is kept, with
    ``has_history`` False and NaN history, break-even lift and profits: it is listed last and
    :func:`budget_tradeoff` never contacts it (there is no evidence that a contact pays). Its
    names are in ``plan.attrs["no_history"]``.

    Example
    -------
    >>> campaign_plan(profiles_now, segment_value(profiles_then, outcomes_then))   # doctest: +SKIP
    """
    _need_frame(profiles, [by], "campaign_plan", "Build it with profiling.profiles.build_profiles.")
    _need_frame(values, ["repurchase_rate", "order_value", "revenue_per_customer"], "campaign_plan(values)",
                "Build it with segment_value().")
    for name, v, lo, hi in (("relative_lift", relative_lift, 0, np.inf), ("margin", margin, 0, 1),
                            ("cost_per_contact", cost_per_contact, 0, np.inf)):
        if not isinstance(v, (int, float, np.number)) or isinstance(v, bool) or not lo <= float(v) <= hi or math.isnan(float(v)):
            raise ValueError(f"campaign_plan: {name} must be a number in [{lo}, {hi}], got {v!r}")
    book = CAMPAIGN_PLAYBOOK if playbook is None else playbook
    sizes = profiles[by].astype("str").value_counts()
    vals = values.copy()
    vals.index = vals.index.astype("str")
    unknown = sorted(set(sizes.index) - set(vals.index))
    plan = vals.reindex(sizes.index)[["repurchase_rate", "order_value", "revenue_per_customer"]].astype("float64")
    plan.insert(0, "customers", sizes.astype("int64"))
    for i, col in enumerate(["goal", "offer", "channel"]):
        plan.insert(i, col, [book.get(s, ("", "", ""))[i] for s in plan.index])
    rev = plan["revenue_per_customer"].to_numpy(dtype="float64")
    gross = float(margin) * rev
    with np.errstate(divide="ignore", invalid="ignore"):
        plan["break_even_lift"] = np.where(
            np.isnan(gross), np.nan, np.where(gross > 0, float(cost_per_contact) / np.where(gross > 0, gross, 1), np.inf)
        )
    plan["profit_per_contact"] = float(relative_lift) * gross - float(cost_per_contact)
    plan["expected_profit"] = plan["profit_per_contact"] * plan["customers"]
    plan["has_history"] = ~plan.index.isin(unknown)
    plan.index.name = by
    plan["_name"] = plan.index
    plan = plan.sort_values(["profit_per_contact", "_name"], ascending=[False, True], kind="stable",
                            na_position="last").drop(columns="_name")
    plan.attrs.update({"relative_lift": float(relative_lift), "margin": float(margin),
                       "cost_per_contact": float(cost_per_contact), "no_history": unknown})
    return plan


def budget_tradeoff(plan: pd.DataFrame, budgets: Sequence[float], cost_per_contact: float | None = None) -> pd.DataFrame:
    """What each budget buys: contact the best segments first, never a segment that loses money.

    Segments are taken in the order of ``profit_per_contact`` (as sorted by :func:`campaign_plan`);
    only those with a positive expected profit per contact are ever contacted; the last segment a
    budget reaches may be contacted in part (a random subset of it).

    Parameters
    ----------
    plan:
        :func:`campaign_plan` output (``customers``, ``profit_per_contact``).
    budgets:
        Budgets in money (>= 0); ``float("inf")`` means "no limit".
    cost_per_contact:
        Cost of one contact; default ``plan.attrs["cost_per_contact"]``.

    Returns
    -------
    DataFrame, one row per budget: ``budget``, ``contacts``, ``spent``, ``segments`` (the segments
    reached, the partial one marked with its share), ``expected_profit`` (incremental, after the
    contact cost) and ``roi`` (expected profit / spent; NaN when nothing is spent).

    Example
    -------
    >>> budget_tradeoff(plan, [500, 1000, float("inf")])                   # doctest: +SKIP
    """
    _need_frame(plan, ["customers", "profit_per_contact"], "budget_tradeoff", "Pass the output of campaign_plan().")
    cost = plan.attrs.get("cost_per_contact") if cost_per_contact is None else cost_per_contact
    if cost is None or float(cost) <= 0:
        raise ValueError("budget_tradeoff: cost_per_contact must be > 0 (pass it, or use a plan from campaign_plan)")
    cost = float(cost)
    good = plan.loc[plan["profit_per_contact"] > 0]
    rows = []
    for budget in budgets:
        b = float(budget)
        if math.isnan(b) or b < 0:
            raise ValueError(f"budget_tradeoff: budgets must be >= 0, got {budget!r}")
        left = b
        contacts, profit, reached = 0, 0.0, []
        for seg, row in good.iterrows():
            n_seg = int(row["customers"])
            n = n_seg if math.isinf(left) else min(n_seg, int(left // cost))
            if n <= 0:
                break
            contacts += n
            profit += n * float(row["profit_per_contact"])
            left -= n * cost
            reached.append(str(seg) if n == n_seg else f"{seg} ({n / n_seg:.0%})")
            if n < n_seg:
                break
        spent = contacts * cost
        rows.append({
            "budget": b,
            "contacts": contacts,
            "spent": spent,
            "segments": ", ".join(reached) if reached else "(none)",
            "expected_profit": profit,
            "roi": profit / spent if spent > 0 else np.nan,
        })
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Part 2: the experiment
# --------------------------------------------------------------------------------------------

#: Pre-treatment columns of the Hillstrom file used as model features (``history_segment`` is a
#: banding of ``history`` and is left out).
HILLSTROM_FEATURES: list[str] = ["recency", "history", "mens", "womens", "newbie", "zip_code", "channel"]


def hillstrom_features(frame: pd.DataFrame) -> pd.DataFrame:
    """The model matrix of the Hillstrom customers: numeric columns plus one-hot zip code and channel.

    Only pre-treatment columns (:data:`HILLSTROM_FEATURES`) are used: never ``segment``, ``visit``,
    ``conversion`` or ``spend``.

    Returns
    -------
    DataFrame (same index, ``float64``) with ``recency``, ``history``, ``mens``, ``womens``,
    ``newbie``, ``zip_Urban``, ``zip_Surburban``, ``zip_Rural``, ``channel_Phone``,
    ``channel_Web``, ``channel_Multichannel``.

    Example
    -------
    >>> from profiling import datasets
    >>> hillstrom_features(datasets.load_hillstrom()).shape
    (64000, 11)
    """
    _need_frame(frame, HILLSTROM_FEATURES, "hillstrom_features", "Load the data with profiling.datasets.load_hillstrom().")
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
    frame:
        One row per unit, with the arm column and numeric (or 0/1) ``columns``.
    arm:
        Name of the arm column.
    columns:
        Pre-treatment columns to compare.

    Returns
    -------
    DataFrame indexed by column: the mean in each arm (one column per arm, sorted by name) and
    ``max_std_diff``, the largest absolute difference of two arm means divided by the pooled
    standard deviation. Below 0.1 is the usual "balanced" rule of thumb.

    Example
    -------
    >>> balance_table(hs, "segment", ["recency", "history"])               # doctest: +SKIP
    """
    _need_frame(frame, [arm, *columns], "balance_table", "Pass the experiment's frame and its pre-treatment columns.")
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
    classifier predicting the arm; compared with chance.

    Parameters
    ----------
    X:
        Pre-treatment features (e.g. :func:`hillstrom_features`).
    arm:
        Arm of each row (two or more values).
    estimator:
        Classifier with ``predict_proba``; default a small ``HistGradientBoostingClassifier``.
    cv, random_state:
        Folds and seed.

    Returns
    -------
    Series with ``accuracy``, ``chance_accuracy`` (share of the largest arm), ``auc`` (one-vs-rest
    macro AUC; 0.5 = chance), ``log_loss`` and ``chance_log_loss`` (of always predicting the arm
    shares).

    Example
    -------
    >>> arm_predictability(hillstrom_features(hs), hs["segment"])           # doctest: +SKIP
    """
    from sklearn.base import clone
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    labels = pd.Series(np.asarray(arm)).astype("str").to_numpy()
    if len(labels) != len(X):
        raise ValueError(f"arm_predictability: arm has {len(labels)} values but X has {len(X)} rows")
    classes, counts = np.unique(labels, return_counts=True)
    if len(classes) < 2:
        raise ValueError("arm_predictability: arm has a single value; need two or more arms")
    est = clone(estimator) if estimator is not None else HistGradientBoostingClassifier(
        max_depth=3, max_iter=30, early_stopping=False, random_state=random_state)
    folds = StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state)
    with _one_thread():
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

    Example: ``arm_means(hs, "segment", ["visit", "conversion", "spend"])``
    """
    _need_frame(frame, [arm, *outcomes], "arm_means", "Pass the experiment's frame (e.g. load_hillstrom()).")
    g = frame.groupby(arm, observed=True, sort=True)
    out = g[list(outcomes)].mean()
    out.insert(0, "n", g.size().astype("int64"))
    return out


def ate_table(
    frame: pd.DataFrame,
    arm: str,
    outcomes: Sequence[str],
    control: str,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Average treatment effect of every arm against ``control`` on each outcome, with confidence intervals.

    The difference in means of a randomized experiment, with the unpooled (Welch) standard error
    ``sqrt(s_t^2 / n_t + s_c^2 / n_c)`` and a normal ``1 - alpha`` interval (n is in the thousands).

    Returns
    -------
    DataFrame with one row per (treated arm, outcome): ``arm``, ``outcome``, ``n_treated``,
    ``n_control``, ``mean_treated``, ``mean_control``, ``ate``, ``se``, ``ci_low``, ``ci_high``,
    ``relative_lift`` (ate / control mean) and ``p_value`` (two-sided).

    Example
    -------
    >>> ate_table(hs, "segment", ["visit", "spend"], control="No E-Mail")    # doctest: +SKIP
    """
    from scipy.stats import norm

    _need_frame(frame, [arm, *outcomes], "ate_table", "Pass the experiment's frame (e.g. load_hillstrom()).")
    if not 0 < alpha < 1:
        raise ValueError(f"ate_table: alpha must be in (0, 1), got {alpha!r}")
    groups = frame[arm].astype("str")
    if control not in set(groups):
        raise ValueError(f"ate_table: control arm {control!r} not found in column '{arm}' (arms: {sorted(set(groups))})")
    z = float(norm.ppf(1 - alpha / 2))
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


# --------------------------------------------------------------------------------------------
# Uplift models
# --------------------------------------------------------------------------------------------


def _as_arrays(X: Any, y: Any, treatment: Any, where: str) -> tuple[Any, np.ndarray, np.ndarray]:
    yv = np.asarray(y, dtype="float64").ravel()
    tv = np.asarray(treatment).ravel()
    if len(yv) != len(X) or len(tv) != len(X):
        raise ValueError(f"{where}: X has {len(X)} rows, y {len(yv)} values and treatment {len(tv)}; they must match")
    if np.isnan(yv).any():
        raise ValueError(f"{where}: y has missing values")
    if not np.isin(tv, [0, 1]).all():
        raise ValueError(f"{where}: treatment must be 0 (control) or 1 (treated), got values {np.unique(tv)[:5].tolist()}")
    tv = tv.astype("int64")
    if tv.min() == tv.max():
        raise ValueError(f"{where}: treatment holds only {'treated' if tv[0] else 'control'} rows; need both groups")
    return X, yv, tv


def _binary(y: np.ndarray, where: str) -> None:
    if not np.isin(y, [0, 1]).all():
        raise ValueError(f"{where}: y must be binary 0/1 for this model (for amounts use TransformedOutcome, "
                         "or TwoModels / XLearner with regressors)")


def _one_thread():
    """Fit and predict on one thread.

    Gradient boosting on tens of thousands of rows gains little from OpenMP threads, and on a
    shared machine their start-up and spin-waiting cost far more (seconds instead of tenths).
    """
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _default_classifier(random_state: Any) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_depth=2, learning_rate=0.1, max_iter=100, early_stopping=False,
                                          random_state=random_state)


def _default_regressor(random_state: Any) -> Any:
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_depth=2, learning_rate=0.1, max_iter=100, early_stopping=False,
                                         random_state=random_state)


def _fresh(estimator: Any, default: Any, random_state: Any) -> Any:
    """A clone of ``estimator`` (or the default) with ``random_state`` set when it has one."""
    from sklearn.base import clone

    est = clone(estimator) if estimator is not None else default(random_state)
    if random_state is not None and "random_state" in est.get_params():
        est.set_params(random_state=random_state)
    return est


def _outcome(model: Any, X: Any) -> np.ndarray:
    """P(y = 1) for a classifier, the prediction for a regressor."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, 1]
    return np.asarray(model.predict(X), dtype="float64")


def _fit(est: Any, X: Any, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Any:
    from sklearn.base import is_classifier

    target = y.astype("int64") if is_classifier(est) else y
    if sample_weight is None:
        return est.fit(X, target)
    return est.fit(X, target, sample_weight=sample_weight)


def _rows(X: Any, mask: np.ndarray) -> Any:
    return X.iloc[mask] if hasattr(X, "iloc") else np.asarray(X)[mask]


def _single_threaded(method: Any) -> Any:
    import functools

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _one_thread():
            return method(*args, **kwargs)

    return wrapper


class _Uplift:
    """Shared checks of the uplift models; fit and predict run on one thread (see :func:`_one_thread`)."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in ("fit", "predict", "predict_outcomes"):
            if name in cls.__dict__:
                setattr(cls, name, _single_threaded(cls.__dict__[name]))

    def _check_fitted(self) -> None:
        if not hasattr(self, "n_features_in_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(X, y, treatment) first")

    def _check_X(self, X: Any) -> None:
        self._check_fitted()
        if np.ndim(X) != 2 or np.shape(X)[1] != self.n_features_in_:
            raise ValueError(f"{type(self).__name__}.predict: X must have {self.n_features_in_} columns like the training X, "
                             f"got shape {np.shape(X)}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(random_state={getattr(self, 'random_state', None)})"


class TwoModels(_Uplift):
    """T-learner: one outcome model on the treated, one on the control; uplift = their difference.

    Parameters
    ----------
    estimator : estimator, default None
        Outcome model (a classifier for 0/1 outcomes, whose ``predict_proba`` is used, or a
        regressor for amounts); cloned twice. Default: ``HistGradientBoostingClassifier(max_depth=2)``.
    estimator_control : estimator, default None
        A different model for the control group (default: same as ``estimator``).
    random_state : int or None, default 0
        Set on both clones.

    Attributes
    ----------
    model_treated_, model_control_ : the fitted outcome models.

    Example
    -------
    >>> m = TwoModels(random_state=0).fit(X, y, t)     # doctest: +SKIP
    >>> m.predict(X_new)                               # doctest: +SKIP
    """

    def __init__(self, estimator: Any = None, estimator_control: Any = None, random_state: int | None = 0):
        self.estimator = estimator
        self.estimator_control = estimator_control
        self.random_state = random_state

    def fit(self, X: Any, y: Any, treatment: Any) -> "TwoModels":
        """Fit the two outcome models; returns self."""
        X, y, t = _as_arrays(X, y, treatment, "TwoModels.fit")
        self.model_treated_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), _rows(X, t == 1), y[t == 1])
        est_c = self.estimator_control if self.estimator_control is not None else self.estimator
        self.model_control_ = _fit(_fresh(est_c, _default_classifier, self.random_state), _rows(X, t == 0), y[t == 0])
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def predict_outcomes(self, X: Any) -> pd.DataFrame:
        """Predicted outcome with (``treated``) and without (``control``) the treatment."""
        self._check_X(X)
        return pd.DataFrame({"treated": _outcome(self.model_treated_, X), "control": _outcome(self.model_control_, X)})

    def predict(self, X: Any) -> np.ndarray:
        """Uplift = predicted outcome if treated - if not treated."""
        o = self.predict_outcomes(X)
        return (o["treated"] - o["control"]).to_numpy()


class ClassTransformation(_Uplift):
    """Class transformation (Jaskowski & Jaroszewicz 2012): one classifier on z = 1 if (treated and y=1) or (control and y=0).

    With treated and control each weighted to half of the data (``balance=True``), P(z=1 | x) =
    (1 + uplift(x)) / 2, so ``predict`` returns ``2 * P(z=1 | x) - 1``. Needs a binary ``y``.

    Parameters
    ----------
    estimator : classifier, default None
        Must accept ``sample_weight`` in ``fit`` when ``balance`` is True. Default:
        ``HistGradientBoostingClassifier(max_depth=2)``.
    balance : bool, default True
        Weight rows so that treated and control each carry half of the total weight (the identity
        above needs it; with a 50/50 split the weights are all about 1).
    random_state : int or None, default 0

    Attributes
    ----------
    model_ : the fitted classifier; treatment_share_ : share of treated rows in the training data.

    Example
    -------
    >>> ClassTransformation(random_state=0).fit(X, visit, t).predict(X_new)    # doctest: +SKIP
    """

    def __init__(self, estimator: Any = None, balance: bool = True, random_state: int | None = 0):
        self.estimator = estimator
        self.balance = balance
        self.random_state = random_state

    def fit(self, X: Any, y: Any, treatment: Any) -> "ClassTransformation":
        """Fit the classifier on the transformed class; returns self."""
        X, y, t = _as_arrays(X, y, treatment, "ClassTransformation.fit")
        _binary(y, "ClassTransformation.fit")
        z = (y == t).astype("int64")
        p = float(t.mean())
        w = np.where(t == 1, 0.5 / p, 0.5 / (1 - p)) if self.balance else None
        self.model_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), X, z, w)
        self.treatment_share_ = p
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Uplift = 2 * P(z = 1 | x) - 1."""
        self._check_X(X)
        return 2 * self.model_.predict_proba(X)[:, 1] - 1


class TransformedOutcome(_Uplift):
    """Transformed outcome (Athey & Imbens 2015): regress z = y * (t - p) / (p * (1 - p)) on X.

    E[z | x] equals the uplift when the treatment was assigned at random with probability ``p``,
    so any regressor of z estimates it. Works for amounts (spend) as well as 0/1 outcomes; z is
    noisy, so prefer shallow, regularized regressors.

    Parameters
    ----------
    estimator : regressor, default None
        Default ``HistGradientBoostingRegressor(max_depth=2)``.
    propensity : float or None, default None
        Probability of treatment; ``None`` = the share of treated rows in the training data.
    random_state : int or None, default 0

    Attributes
    ----------
    model_, propensity_

    Example
    -------
    >>> TransformedOutcome(random_state=0).fit(X, spend, t).predict(X_new)     # doctest: +SKIP
    """

    def __init__(self, estimator: Any = None, propensity: float | None = None, random_state: int | None = 0):
        self.estimator = estimator
        self.propensity = propensity
        self.random_state = random_state

    def fit(self, X: Any, y: Any, treatment: Any) -> "TransformedOutcome":
        """Fit the regressor on the transformed outcome; returns self."""
        X, y, t = _as_arrays(X, y, treatment, "TransformedOutcome.fit")
        p = float(t.mean()) if self.propensity is None else float(self.propensity)
        if not 0 < p < 1:
            raise ValueError(f"TransformedOutcome: propensity must be in (0, 1), got {p!r}")
        z = y * (t - p) / (p * (1 - p))
        self.model_ = _fit(_fresh(self.estimator, _default_regressor, self.random_state), X, z)
        self.propensity_ = p
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Uplift = the regression of the transformed outcome."""
        self._check_X(X)
        return np.asarray(self.model_.predict(X), dtype="float64")


class XLearner(_Uplift):
    """X-learner (Künzel et al. 2019): impute each unit's effect with the other group's model, then regress it.

    1. Outcome models mu_1 (treated) and mu_0 (control), as in :class:`TwoModels`.
    2. Imputed effects: D = y - mu_0(x) for treated rows, D = mu_1(x) - y for control rows.
    3. Effect models tau_1 (on treated D) and tau_0 (on control D).
    4. uplift(x) = g * tau_0(x) + (1 - g) * tau_1(x), with g the treatment probability: when
       treated rows are few, tau_1 (learnt on few rows) gets the smaller weight.

    Parameters
    ----------
    estimator : estimator, default None
        Outcome model (classifier for 0/1, regressor for amounts); default
        ``HistGradientBoostingClassifier(max_depth=2)``.
    effect_estimator : regressor, default None
        Model of the imputed effects; default ``HistGradientBoostingRegressor(max_depth=2)``.
    propensity : float or None, default None
        Weight g; ``None`` = share of treated rows in the training data.
    random_state : int or None, default 0

    Example
    -------
    >>> XLearner(random_state=0).fit(X, visit, t).predict(X_new)               # doctest: +SKIP
    """

    def __init__(self, estimator: Any = None, effect_estimator: Any = None, propensity: float | None = None,
                 random_state: int | None = 0):
        self.estimator = estimator
        self.effect_estimator = effect_estimator
        self.propensity = propensity
        self.random_state = random_state

    def fit(self, X: Any, y: Any, treatment: Any) -> "XLearner":
        """Fit the outcome models, impute effects and fit the effect models; returns self."""
        X, y, t = _as_arrays(X, y, treatment, "XLearner.fit")
        Xt, Xc = _rows(X, t == 1), _rows(X, t == 0)
        self.model_treated_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), Xt, y[t == 1])
        self.model_control_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), Xc, y[t == 0])
        d_t = y[t == 1] - _outcome(self.model_control_, Xt)
        d_c = _outcome(self.model_treated_, Xc) - y[t == 0]
        self.effect_treated_ = _fit(_fresh(self.effect_estimator, _default_regressor, self.random_state), Xt, d_t)
        self.effect_control_ = _fit(_fresh(self.effect_estimator, _default_regressor, self.random_state), Xc, d_c)
        g = float(t.mean()) if self.propensity is None else float(self.propensity)
        if not 0 < g < 1:
            raise ValueError(f"XLearner: propensity must be in (0, 1), got {g!r}")
        self.propensity_ = g
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Uplift = g * tau_0(x) + (1 - g) * tau_1(x)."""
        self._check_X(X)
        g = self.propensity_
        return g * self.effect_control_.predict(X) + (1 - g) * self.effect_treated_.predict(X)


class ResponseModel(_Uplift):
    """Not an uplift model: P(y = 1 | x, treated), the classic "likeliest buyers" score, for comparison.

    Fitted on the treated rows only (who responds when contacted), so it ranks customers by how
    likely they respond — including those who would have responded anyway.

    Parameters
    ----------
    estimator : estimator, default None
        Classifier (``predict_proba``) or regressor; default ``HistGradientBoostingClassifier(max_depth=2)``.
    random_state : int or None, default 0

    Example
    -------
    >>> ResponseModel(random_state=0).fit(X, visit, t).predict(X_new)         # doctest: +SKIP
    """

    def __init__(self, estimator: Any = None, random_state: int | None = 0):
        self.estimator = estimator
        self.random_state = random_state

    def fit(self, X: Any, y: Any, treatment: Any) -> "ResponseModel":
        """Fit the outcome model on the treated rows; returns self."""
        X, y, t = _as_arrays(X, y, treatment, "ResponseModel.fit")
        self.model_ = _fit(_fresh(self.estimator, _default_classifier, self.random_state), _rows(X, t == 1), y[t == 1])
        self.n_features_in_ = int(np.shape(X)[1])
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predicted response if treated (a probability for a classifier)."""
        self._check_X(X)
        return _outcome(self.model_, X)


# --------------------------------------------------------------------------------------------
# Uplift metrics
# --------------------------------------------------------------------------------------------


def _check_metric(y: Any, score: Any, treatment: Any, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    yv = np.asarray(y, dtype="float64").ravel()
    sv = np.asarray(score, dtype="float64").ravel()
    tv = np.asarray(treatment).ravel()
    if not len(yv) == len(sv) == len(tv):
        raise ValueError(f"{where}: y ({len(yv)}), score ({len(sv)}) and treatment ({len(tv)}) must have the same length")
    if len(yv) == 0:
        raise ValueError(f"{where}: no rows")
    if np.isnan(yv).any() or np.isnan(sv).any():
        raise ValueError(f"{where}: y or the score has missing values")
    if not np.isin(tv, [0, 1]).all():
        raise ValueError(f"{where}: treatment must be 0 (control) or 1 (treated), got values {np.unique(tv)[:5].tolist()}")
    tv = tv.astype("int64")
    if tv.min() == tv.max():
        raise ValueError(f"{where}: treatment holds only {'treated' if tv[0] else 'control'} rows; need both groups")
    return yv, sv, tv


def _order(score: np.ndarray) -> np.ndarray:
    """Row order by descending score; ties keep the row order (stable)."""
    return np.argsort(-score, kind="stable")


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


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
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
    yv, sv, tv = _check_metric(y, score, treatment, "uplift_curve")
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
    yv, sv, tv = _check_metric(y, score, treatment, "qini_curve")
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
    tv = np.asarray(treatment).astype("int64").ravel()
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
    >>> curve_areas([1, 0, 1, 0], [0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])["model"]
    np.float64(0.5)
    """
    if kind not in ("uplift", "qini"):
        raise ValueError(f"curve_areas: kind must be 'uplift' or 'qini', got {kind!r}")
    fn = uplift_curve if kind == "uplift" else qini_curve
    yv, sv, tv = _check_metric(y, score, treatment, "curve_areas")
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
    """Normalized area under the uplift curve: (model - random) / (perfect - random). See :func:`curve_areas`."""
    return float(curve_areas(y, score, treatment, "uplift")["normalized"])


def qini_auc_score(y: Any, score: Any, treatment: Any) -> float:
    """Normalized area under the Qini curve (the Qini coefficient, normalized by the perfect curve)."""
    return float(curve_areas(y, score, treatment, "qini")["normalized"])


def _top_n(k: float | int, n: int, where: str) -> int:
    if isinstance(k, bool):
        raise ValueError(f"{where}: k must be a share in (0, 1] or a count, got {k!r}")
    if isinstance(k, (int, np.integer)):
        if not 0 < k <= n:
            raise ValueError(f"{where}: k as a count must be in 1..{n}, got {k}")
        return int(k)
    if not isinstance(k, (float, np.floating)) or not 0 < k <= 1:
        raise ValueError(f"{where}: k as a share must be in (0, 1], got {k!r}")
    return max(1, int(n * float(k) + 1e-9))


def uplift_at_k(y: Any, score: Any, treatment: Any, k: float | int = 0.3, strategy: str = "overall") -> float:
    """Uplift among the top k of customers: treated response rate minus control response rate there.

    Parameters
    ----------
    y, score, treatment:
        Outcome, model score (higher = target first) and 0/1 treatment, one value per customer.
    k:
        Share of customers (float in (0, 1]; the top ``int(rows * k)``) or a count (int).
    strategy:
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
    yv, sv, tv = _check_metric(y, score, treatment, "uplift_at_k")
    if strategy == "overall":
        top = _order(sv)[: _top_n(k, len(yv), "uplift_at_k")]
        yt, yc = yv[top][tv[top] == 1], yv[top][tv[top] == 0]
    elif strategy == "by_group":
        parts = []
        for g in (1, 0):
            yg, sg = yv[tv == g], sv[tv == g]
            kk = k if isinstance(k, (float, np.floating)) else min(int(k), len(yg))
            parts.append(yg[_order(sg)[: _top_n(kk, len(yg), "uplift_at_k")]])
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
    k: float = 0.3,
    n_boot: int = 500,
    alpha: float = 0.05,
    random_state: int = 0,
) -> pd.Series:
    """uplift@k with a percentile bootstrap interval over the evaluation rows (scores held fixed).

    Each replicate resamples the rows with replacement, keeps the original ranking (ties by row
    order) and recomputes :func:`uplift_at_k` (``strategy="overall"``). The interval reflects the
    noise of the evaluation sample, not that of training (refit on other splits for that).

    Returns
    -------
    Series with ``estimate`` (on the original rows), ``ci_low``, ``ci_high``, ``se`` (standard
    deviation of the replicates) and ``n_boot``.

    Example
    -------
    >>> bootstrap_uplift_at_k(y_test, model.predict(X_test), t_test, k=0.3)   # doctest: +SKIP
    """
    yv, sv, tv = _check_metric(y, score, treatment, "bootstrap_uplift_at_k")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ValueError(f"bootstrap_uplift_at_k: n_boot must be a whole number >= 10, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"bootstrap_uplift_at_k: alpha must be in (0, 1), got {alpha!r}")
    n = len(yv)
    m = _top_n(k, n, "bootstrap_uplift_at_k")
    order = _order(sv)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    y_sorted, t_sorted = yv[order], tv[order]
    rng = np.random.default_rng(random_state)
    stats = np.empty(n_boot)
    for b in range(n_boot):
        pos = np.sort(rank[rng.integers(0, n, n)])[:m]
        tt, yy = t_sorted[pos], y_sorted[pos]
        n_t = tt.sum()
        stats[b] = (yy[tt == 1].mean() - yy[tt == 0].mean()) if 0 < n_t < m else np.nan
    stats = stats[~np.isnan(stats)]
    lo, hi = np.quantile(stats, [alpha / 2, 1 - alpha / 2])
    return pd.Series({
        "estimate": uplift_at_k(yv, sv, tv, k),
        "ci_low": float(lo),
        "ci_high": float(hi),
        "se": float(stats.std(ddof=1)),
        "n_boot": int(len(stats)),
    })


def uplift_by_bin(y: Any, score: Any, treatment: Any, bins: int = 10) -> pd.DataFrame:
    """Response rates of treated and control in equal-size bins of the score (bin 1 = highest scores).

    Returns
    -------
    DataFrame indexed by ``bin`` (1..bins) with ``n_treated``, ``n_control``,
    ``response_treated``, ``response_control`` and ``uplift`` (their difference; NaN for a bin
    without one of the groups), plus ``score_mean``.

    Example
    -------
    >>> uplift_by_bin(y_test, model.predict(X_test), t_test, bins=10)         # doctest: +SKIP
    """
    yv, sv, tv = _check_metric(y, score, treatment, "uplift_by_bin")
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


# --------------------------------------------------------------------------------------------
# Policy and profit
# --------------------------------------------------------------------------------------------


def _check_money(margin: float, cost: float, where: str) -> None:
    for name, v in (("margin", margin), ("cost", cost)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.number)) or math.isnan(float(v)) or float(v) < 0:
            raise ValueError(f"{where}: {name} must be a number >= 0, got {v!r}")


def profit_curve(y: Any, score: Any, treatment: Any, margin: float, cost: float) -> pd.DataFrame:
    """Incremental profit of contacting the top n customers by ``score``, measured on an experiment.

    ``profit(n) = margin * uplift_curve(n) - cost * n``: the extra outcome the contacts caused
    (estimated from treated vs control among the top n, :func:`uplift_curve`), times the margin,
    minus what the contacts cost. ``y`` is in money (spend) or in units worth 1 (then ``margin``
    is the value of one unit). n = 0 is "contact no one" (profit 0), the last row "contact
    everyone" (the same for every score).

    Returns
    -------
    DataFrame with ``n``, ``share``, ``incremental`` (= uplift curve) and ``profit``.

    Example
    -------
    >>> profit_curve(spend_test, uplift_test, t_test, margin=0.3, cost=0.1)    # doctest: +SKIP
    """
    _check_money(margin, cost, "profit_curve")
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
    alpha: float = 0.05,
    random_state: int = 0,
) -> pd.Series:
    """Profit of contacting the top k by ``score`` minus by ``other``, with a paired bootstrap interval.

    The profit of a ranking at k is ``(margin * (ybar_treated - ybar_control) - cost) * m`` over its
    top ``m`` rows (as :func:`profit_curve`, cut exactly at ``m``, ties by row order). Each
    replicate resamples the rows once and values *both* rankings on that same resample, so the
    interval is that of the difference (paired), not of two separate estimates.

    Parameters
    ----------
    y, treatment:
        Outcome in money (or units worth ``margin``) and 0/1 treatment, one per customer.
    score, other:
        The two rankings' scores (higher = contact first).
    k:
        Share (float in (0, 1]) or count (int) of customers contacted.
    margin, cost, n_boot, alpha, random_state:
        Value of one unit of ``y``, cost per contact, bootstrap replicates (>= 10), 1 - interval
        level, seed.

    Returns
    -------
    Series with ``profit`` and ``profit_other`` (on the original rows), ``difference``,
    ``ci_low``, ``ci_high`` (percentile interval of the difference), ``se``, ``share_positive``
    (share of replicates in which ``score`` earns more) and ``n_boot`` (usable replicates).

    Example
    -------
    >>> bootstrap_profit_difference(spend, uplift, response, t, k=0.3, margin=0.3, cost=0.1)   # doctest: +SKIP
    """
    _check_money(margin, cost, "bootstrap_profit_difference")
    yv, sv, tv = _check_metric(y, score, treatment, "bootstrap_profit_difference")
    _, ov, _ = _check_metric(y, other, treatment, "bootstrap_profit_difference")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 10:
        raise ValueError(f"bootstrap_profit_difference: n_boot must be a whole number >= 10, got {n_boot!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"bootstrap_profit_difference: alpha must be in (0, 1), got {alpha!r}")
    n = len(yv)
    m = _top_n(k, n, "bootstrap_profit_difference")

    def ranks(s: np.ndarray) -> np.ndarray:
        r = np.empty(n, dtype=np.int64)
        r[_order(s)] = np.arange(n)
        return r

    def profit(rank: np.ndarray, rows: np.ndarray) -> float:
        top = rows[np.argsort(rank[rows], kind="stable")[:m]]
        tt, yy = tv[top], yv[top]
        if not 0 < tt.sum() < m:
            return float("nan")
        return (float(margin) * (yy[tt == 1].mean() - yy[tt == 0].mean()) - float(cost)) * m

    ra, rb = ranks(sv), ranks(ov)
    everyone = np.arange(n)
    pa, pb = profit(ra, everyone), profit(rb, everyone)
    rng = np.random.default_rng(random_state)
    diffs = np.empty(n_boot)
    for b in range(n_boot):
        rows = rng.integers(0, n, n)
        diffs[b] = profit(ra, rows) - profit(rb, rows)
    diffs = diffs[~np.isnan(diffs)]
    lo, hi = np.quantile(diffs, [alpha / 2, 1 - alpha / 2])
    return pd.Series({
        "profit": pa,
        "profit_other": pb,
        "difference": pa - pb,
        "ci_low": float(lo),
        "ci_high": float(hi),
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
    _check_money(margin, cost, "expected_profit")
    u = np.asarray(uplift, dtype="float64").ravel()
    if np.isnan(u).any():
        raise ValueError("expected_profit: uplift has missing values")
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
    uplifts:
        One column per treatment (its name) with the predicted uplift of each customer.
    margin:
        Value of one unit of the outcome.
    cost:
        Cost per contact, one number or a dict treatment -> cost.
    control:
        Label returned when no treatment has a positive expected profit.

    Returns
    -------
    Series (index of ``uplifts``, ``str``) of chosen treatments; ties go to the leftmost column.

    Example
    -------
    >>> choose_treatment(pd.DataFrame({"A": [1.0, 0.1], "B": [0.5, 0.2]}), 1.0, 0.15).tolist()
    ['A', 'B']
    """
    if not isinstance(uplifts, pd.DataFrame) or uplifts.shape[1] == 0:
        raise ValueError("choose_treatment: uplifts must be a DataFrame with one column per treatment")
    if control in uplifts.columns:
        raise ValueError(f"choose_treatment: {control!r} is both a treatment column and the control label")
    costs = {c: float(cost[c]) if isinstance(cost, Mapping) else float(cost) for c in uplifts.columns}
    profit = pd.DataFrame({c: expected_profit(uplifts[c], margin, costs[c]) for c in uplifts.columns}, index=uplifts.index)
    best = profit.to_numpy().argmax(axis=1)
    best_value = profit.to_numpy().max(axis=1)
    names = np.asarray(list(uplifts.columns), dtype=object)[best]
    return pd.Series(np.where(best_value > 0, names, control), index=uplifts.index, dtype="str", name="treatment")


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
    averaged over customers.

    Parameters
    ----------
    y:
        Outcome of each customer under the arm they got.
    arm:
        Arm each customer got (random assignment).
    chosen:
        Arm the policy picks for each customer (same labels; ``baseline`` = not contacted).
    baseline:
        The arm the policy is compared with.
    margin, cost:
        Value of one unit of ``y``; cost of every contact (chosen != baseline).
    propensity:
        arm -> assignment probability; default the arm shares in the data.

    Returns
    -------
    Series with ``value`` (incremental profit per customer), ``se``, ``ci_low``, ``ci_high`` (95 %)
    and ``contact_share``.

    Example
    -------
    >>> policy_value(spend, arm, choose_treatment(u, 0.3, 0.1, control="No E-Mail"), "No E-Mail", 0.3, 0.1)  # doctest: +SKIP
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
    y, arm, baseline, margin, cost, propensity:
        As in :func:`policy_value`.
    chosen, other:
        Arm picked for each customer by the policy and by the policy it is compared with.

    Returns
    -------
    Series with ``difference`` (chosen minus other, per customer), ``se``, ``ci_low``, ``ci_high``
    (95 %) and ``share_differ`` (share of customers for whom the two policies choose differently).

    Example
    -------
    >>> policy_difference([3.0, 1.0], ["email", "none"], ["email", "email"], ["none", "none"], "none")["difference"]
    np.float64(2.0)
    """
    a, c_a = _policy_terms(y, arm, chosen, baseline, margin, cost, propensity, "policy_difference")
    b, c_b = _policy_terms(y, arm, other, baseline, margin, cost, propensity, "policy_difference")
    d = a - b
    se = float(d.std(ddof=1) / np.sqrt(len(d))) if len(d) > 1 else float("nan")
    v = float(d.mean())
    return pd.Series({"difference": v, "se": se, "ci_low": v - 1.96 * se, "ci_high": v + 1.96 * se,
                      "share_differ": float((c_a != c_b).mean())})


def _policy_terms(
    y: Any, arm: Any, chosen: Any, baseline: str, margin: float, cost: float,
    propensity: Mapping[str, float] | None, where: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-customer inverse-propensity terms of a policy (see :func:`policy_value`) and its choices."""
    _check_money(margin, cost, where)
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
