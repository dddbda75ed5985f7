"""Campaign planning on the profile table: what each segment is worth, and what a budget buys.

A marketer's question is *whom to contact, with what, and what it earns*. This module answers it
from history, per segment of the profile table (:func:`profiling.profiles.build_profiles`):

- :func:`future_outcomes`: what each customer bought in the window after a cutoff (the outcome a
  plan is judged by; the window is checked by :mod:`profiling.windows`);
- :func:`segment_value`: per segment, how often its customers bought again and for how much;
- :func:`campaign_plan`: goal, offer, channel (:data:`CAMPAIGN_PLAYBOOK`), size and expected value
  per contact, with the break-even lift a contact needs to pay for itself;
- :func:`budget_tradeoff`: what each budget buys when the best segments are contacted first.

History says what customers do *without* a campaign; what a campaign adds is an assumption here.
A randomized experiment measures it: see :mod:`profiling.uplift` (experiment checks, uplift
models, uplift metrics and contact policies).

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({
...     "customer_id": ["a", "a", "b", "c"], "invoice_id": ["1", "2", "3", "4"],
...     "quantity": [2, 1, 1, 4], "unit_price": [5.0, 30.0, 7.0, 2.5],
...     "timestamp": pd.to_datetime(["2010-01-05", "2010-02-03", "2010-01-10", "2010-02-01"])})
>>> table = pd.DataFrame({"rfm_segment": ["champions", "lost", "lost"]}, index=pd.Index(["a", "b", "c"], name="customer_id"))
>>> values = segment_value(table, future_outcomes(tx, table.index, "2010-02-01", horizon_days=28))
>>> values["revenue_per_customer"].tolist()
[30.0, 5.0]
>>> plan = campaign_plan(table, values, relative_lift=0.5, margin=0.5, cost_per_contact=1.0)
>>> plan["profit_per_contact"].tolist()
[6.5, 0.25]
>>> budget_tradeoff(plan, [1.0])[["contacts", "expected_profit"]].to_dict("records")
[{'contacts': 1, 'expected_profit': 6.5}]
"""

from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from profiling.i18n import N_, tr
from profiling.validation import check_frame
from profiling.windows import as_date, check_horizon

__all__ = ["CAMPAIGN_PLAYBOOK", "budget_tradeoff", "campaign_plan", "future_outcomes", "segment_value"]

#: What a team would do with each named RFM segment (:data:`profiling.segments.RFM_SEGMENTS`):
#: segment -> (goal, offer type, channel). These are *choices* (the usual CRM playbook), written
#: down so they can be argued with; the expected value of each comes from data
#: (:func:`campaign_plan`), never from this table. The texts are messages of the package's catalog
#: (:func:`profiling.i18n.N_`): a plan shows them in the current language.
CAMPAIGN_PLAYBOOK: dict[str, tuple[str, str, str]] = {
    "champions": (N_("retain and advocate"), N_("early access to new ranges, no discount"), N_("e-mail + account manager")),
    "loyal": (N_("grow the basket"), N_("cross-sell bundle, volume tier"), N_("e-mail")),
    "potential_loyalist": (N_("make them regulars"), N_("loyalty programme invitation"), N_("e-mail")),
    "new_customers": (N_("onboard"), N_("welcome series, free delivery on the 2nd order"), N_("e-mail")),
    "promising": (N_("build the habit"), N_("small repeat-order voucher"), N_("e-mail")),
    "need_attention": (N_("re-engage"), N_("limited-time offer on past categories"), N_("e-mail")),
    "about_to_sleep": (N_("reactivate"), N_("best sellers + modest discount"), N_("e-mail")),
    "at_risk": (N_("win back"), N_("personalised win-back voucher"), N_("e-mail + phone")),
    "cant_lose": (N_("win back a big account"), N_("personal call, new products"), N_("phone / account manager")),
    "hibernating": (N_("cheap reactivation"), N_("seasonal catalogue"), N_("e-mail only")),
    "lost": (N_("do not spend"), N_("none (cheapest channel at most)"), N_("none")),
}



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
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "invoice_id": ["1", "2", "C3"],
    ...                    "quantity": [2, 1, -1], "unit_price": [5.0, 30.0, 30.0],
    ...                    "timestamp": pd.to_datetime(["2010-01-05", "2010-02-03", "2010-02-04"])})
    >>> future_outcomes(tx, ["a", "b"], "2010-02-01", horizon_days=28)  # doctest: +NORMALIZE_WHITESPACE
                 orders  repurchased  revenue
    customer_id
    a                 1            1      0.0
    b                 0            0      0.0
    """
    check_frame(
        transactions,
        ["customer_id", "invoice_id", "quantity", "unit_price", "timestamp"],
        "future_outcomes",
        what="transactions",
        fix="Pass canonical transactions (profiling.chapter.load, or datasets.load_online_retail + cleaning.clean).",
    )
    days = check_horizon(horizon_days, "future_outcomes")
    start = as_date(start, "future_outcomes", "start")
    end = start + pd.Timedelta(days=days)
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
    out.attrs.update({"start": start.isoformat(), "end": end.isoformat(), "horizon_days": days,
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
    >>> import pandas as pd
    >>> ids = pd.Index(["a", "b", "c"], name="customer_id")
    >>> table = pd.DataFrame({"rfm_segment": ["champions", "champions", "lost"]}, index=ids)
    >>> outcomes = pd.DataFrame({"orders": [2, 0, 1], "repurchased": [1, 0, 1], "revenue": [80.0, 0.0, 5.0]}, index=ids)
    >>> segment_value(table, outcomes)[["customers", "repurchase_rate", "order_value", "revenue_per_customer"]]  # doctest: +NORMALIZE_WHITESPACE
                 customers  repurchase_rate  order_value  revenue_per_customer
    rfm_segment
    champions            2              0.5         40.0                  40.0
    lost                 1              1.0          5.0                   5.0
    """
    check_frame(profiles, [by], "segment_value", what="profiles",
                fix="Build it with profiling.profiles.build_profiles.")
    check_frame(outcomes, ["orders", "repurchased", "revenue"], "segment_value", what="outcomes",
                fix="Build it with future_outcomes().")
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
    >>> import pandas as pd
    >>> values = pd.DataFrame({"repurchase_rate": [0.5, 0.1], "order_value": [40.0, 5.0],
    ...                        "revenue_per_customer": [40.0, 0.5]}, index=["champions", "lost"])
    >>> today = pd.DataFrame({"rfm_segment": ["champions", "lost", "lost"]})
    >>> plan = campaign_plan(today, values, relative_lift=0.1, margin=0.5, cost_per_contact=1.0)
    >>> plan[["customers", "break_even_lift", "profit_per_contact"]]  # doctest: +NORMALIZE_WHITESPACE
                 customers  break_even_lift  profit_per_contact
    rfm_segment
    champions            1              0.05               1.000
    lost                 2              4.00              -0.975
    """
    check_frame(profiles, [by], "campaign_plan", what="profiles",
                fix="Build it with profiling.profiles.build_profiles.")
    check_frame(values, ["repurchase_rate", "order_value", "revenue_per_customer"], "campaign_plan", what="values",
                fix="Build it with segment_value().")
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
        plan.insert(i, col, [tr(book.get(s, ("", "", ""))[i]) if book.get(s, ("", "", ""))[i] else "" for s in plan.index])
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
    >>> import pandas as pd
    >>> plan = pd.DataFrame({"customers": [10, 40, 5], "profit_per_contact": [3.0, 0.5, -1.0]},
    ...                     index=["champions", "loyal", "lost"])
    >>> table = budget_tradeoff(plan, [5, 30, float("inf")], cost_per_contact=1.0)
    >>> table[["budget", "contacts", "expected_profit", "segments"]]
       budget  contacts  expected_profit                segments
    0     5.0         5             15.0         champions (50%)
    1    30.0        30             40.0  champions, loyal (50%)
    2     inf        50             50.0        champions, loyal
    """
    check_frame(plan, ["customers", "profit_per_contact"], "budget_tradeoff", what="the plan",
                fix="Pass the output of campaign_plan().")
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
