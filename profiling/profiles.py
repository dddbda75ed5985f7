"""The profile table, the course's central product: one row per customer, its card and its pipeline.

- :func:`build_profiles` builds the table from cleaned transactions as of a cutoff: features
  (:mod:`profiling.features`), tags (:mod:`profiling.tags`), RFM scores and the named segment, and
  the KMeans persona (:mod:`profiling.segments`); its columns are documented in
  :data:`PROFILE_COLUMNS` (:func:`profile_dictionary` as a table).
- :func:`profile_table` is the whole profile pipeline (customer sample, cleaning, then
  :func:`build_profiles` with the number of personas chosen by the silhouette), with the defaults of
  chapter 6 (:data:`PIPELINE_DEFAULTS`). Chapter 6 and the ``profiling profiles`` command both call
  it, so the command gives the chapter's table for a shop's own file.
- :func:`profile_card` draws one customer's profile.

Example
-------
>>> from profiling import datasets, profiles
>>> tx = datasets.make_transactions(300, random_state=0)
>>> table = profiles.build_profiles(tx, cutoff="2010-12-01", k=3)
>>> list(table.columns) == profiles.PROFILE_COLUMN_NAMES
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from profiling import cleaning, datasets
from profiling import features as _features
from profiling import segments as _segments
from profiling import tags as _tags
from profiling.i18n import language, tr
from profiling.segments import (
    _item_names,
    best_k,
    choose_k,
    cluster_matrix,
    describe_personas,
    fit_personas,
    rfm_scores,
    rfm_segment,
)
from profiling.validation import check_frame

__all__ = ["PIPELINE_DEFAULTS", "PROFILE_COLUMNS", "PROFILE_COLUMN_NAMES", "build_profiles", "profile_card",
           "profiles_from_features",
           "profile_dictionary", "profile_table"]


# --------------------------------------------------------------------------------------------
# The profile table
# --------------------------------------------------------------------------------------------

#: Every column of :func:`build_profiles`, in order: (name, group, definition).
PROFILE_COLUMNS: list[tuple[str, str, str]] = [
    *[(name, group, f"{definition} [{unit}]") for name, group, definition, unit, _ in _features.FEATURES],
    ("lifecycle", "tag", "Life-cycle stage: churned / new / at_risk / loyal / active (profiling.tags.TagRules)"),
    ("value_tier", "tag", "Spend tier low / mid / high by monetary quantiles of the reference period"),
    ("bulk_buyer", "tag", "Wholesaler-like: avg_basket_items >= TagRules.bulk_items"),
    ("gift_season_buyer", "tag", "gift_season_share >= TagRules.gift_share"),
    ("frequent_returner", "tag", "return_rate >= TagRules.return_rate or cancel_rate >= TagRules.cancel_rate"),
    ("weekend_shopper", "tag", "weekend_share >= TagRules.weekend_share"),
    ("tags", "tag", "All tags as readable text"),
    ("r_score", "RFM", "Recency score 1-5 (5 = most recent), balanced quintiles"),
    ("f_score", "RFM", "Frequency score 1-5 (5 = most orders), balanced quintiles"),
    ("m_score", "RFM", "Monetary score 1-5 (5 = highest net spend), balanced quintiles"),
    ("fm_score", "RFM", "Mean of F and M scores, rounded half up"),
    ("rfm_cell", "RFM", "The three scores as text, e.g. '545'"),
    ("rfm_segment", "RFM", "Named RFM segment from the R x FM grid (rfm_segment_map)"),
    ("persona", "persona", "KMeans persona 0..k-1 (0 = largest)"),
    ("persona_name", "persona", "Generated short name of the persona (from its most distinctive features)"),
]

PROFILE_COLUMN_NAMES: list[str] = [c[0] for c in PROFILE_COLUMNS]


def profile_dictionary() -> pd.DataFrame:
    """The columns of the profile table: column, group, definition."""
    return pd.DataFrame(PROFILE_COLUMNS, columns=["column", "group", "definition"])


def build_profiles(
    transactions: pd.DataFrame,
    cutoff: Any = None,
    countries: pd.DataFrame | None = None,
    k: int | None = None,
    random_state: int = 0,
    rules: _tags.TagRules = _tags.TagRules(),
    tiers: _tags.ValueTiers | None = None,
    ks: Iterable[int] = range(2, 11),
    low_price: float | None = None,
    interests: pd.DataFrame | None = None,
    scale_rules: bool = False,
) -> pd.DataFrame:
    """The profile table: features + tags + RFM scores and segment + persona, one row per customer.

    Parameters
    ----------
    transactions:
        Canonical transactions, usually cleaned (keep return lines for the return features).
    cutoff:
        Profile date (exclusive); ``None`` = the day after the last transaction.
    countries:
        Country reference table (``None``: :func:`profiling.cleaning.load_countries`).
    k:
        Number of personas; ``None`` chooses it with :func:`choose_k` over ``ks`` and :func:`best_k`.
    random_state:
        Seed of KMeans and of the silhouette sample.
    rules, tiers:
        Tag thresholds and fitted value tiers (see :func:`profiling.tags.tag_customers`).
    scale_rules:
        ``True`` applies ``rules.for_history(history)`` (:meth:`profiling.tags.TagRules.for_history`):
        on less than ``new_days + churned_days`` of history before the cutoff the day thresholds of
        the life-cycle stages scale with it, so that life cycle, RFM segment and persona describe
        the same customer alike (:func:`profile_table`, the command and chapter 06 do this).
        ``False`` (default) applies ``rules`` as given, as the chapters that profile the shipped
        shop at an earlier date do.
    low_price:
        Passed to :func:`profiling.features.customer_features`.
    interests:
        Optional per-customer interest columns indexed by ``customer_id`` (e.g. category shares
        and top interest tags from :mod:`profiling.interests`), appended after the standard
        columns by a left join (customers without interests get missing values; customers not in
        the profile are dropped). Column names must not clash with the standard ones. ``None``
        (default) leaves the table exactly as without this argument.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), columns :data:`PROFILE_COLUMN_NAMES` (see
    :func:`profile_dictionary`). Every customer with a purchase before the cutoff has exactly one
    row. ``attrs`` holds ``cutoff``, ``k``, ``value_tier_edges``, ``persona_names``, ``history_days``
    (the longest tenure at the cutoff) and ``tag_rules`` (the thresholds applied, with
    ``scaled``: the ratio, or ``None`` when the rules applied as given).

    Raises
    ------
    ValueError
        Empty input, missing canonical columns, a cutoff outside the data, or fewer customers than k.

    Example
    -------
    >>> tx = datasets.make_transactions(200, random_state=1)
    >>> table = build_profiles(tx, cutoff="2010-12-01", k=3)
    >>> table.index.is_unique, table["persona"].nunique(), table.attrs["k"]
    (True, 3, 3)
    """
    feats = _features.customer_features(transactions, cutoff=cutoff, countries=countries, low_price=low_price)
    out = profiles_from_features(feats, k=k, random_state=random_state, rules=rules, tiers=tiers, ks=ks,
                                 scale_rules=scale_rules)
    if interests is not None:
        if not isinstance(interests, pd.DataFrame):
            raise ValueError(f"build_profiles: interests must be a DataFrame indexed by customer_id, got {type(interests).__name__}")
        clash = sorted(set(map(str, interests.columns)) & set(out.columns))
        if clash:
            raise ValueError(f"build_profiles: interest columns {clash} clash with profile columns; rename them (e.g. add 'interest_')")
        if interests.index.has_duplicates:
            raise ValueError("build_profiles: interests has duplicate customer_id index values; pass one row per customer")
        extra = interests.copy()
        extra.index = extra.index.astype("str")
        attrs = out.attrs
        out = out.join(extra, how="left")
        out.attrs = attrs
    return out


def profiles_from_features(
    feats: pd.DataFrame,
    k: int | None = None,
    random_state: int = 0,
    rules: _tags.TagRules = _tags.TagRules(),
    tiers: _tags.ValueTiers | None = None,
    ks: Iterable[int] = range(2, 11),
    scale_rules: bool = False,
    persona_sample: int | None = None,
) -> pd.DataFrame:
    """The profile table from the feature table: the customer-level steps of :func:`build_profiles`.

    ``feats`` is :func:`profiling.features.customer_features` (one row per customer); the other
    parameters are those of :func:`build_profiles`. The engines of :mod:`profiling.engines` compute
    the features out of core and call this, so every engine shares the tags, RFM scores and
    personas of the pandas path.

    ``persona_sample``: with more customers than this, the personas are chosen (:func:`choose_k`)
    and fitted on a seeded random sample of that many customers, and every customer is then
    assigned to the nearest persona (:meth:`Personas.predict`); persona 0 is the largest in the
    sample. ``None`` (default) fits on every customer, as the chapters do.
    """
    if feats.empty:
        raise ValueError(
            "build_profiles: no customer has a purchase (positive quantity, known customer id) before the cutoff "
            f"{feats.attrs.get('cutoff')}; choose a later cutoff or check the cleaning"
        )
    if persona_sample is not None and (isinstance(persona_sample, bool) or int(persona_sample) < 2):
        raise ValueError(f"build_profiles: persona_sample must be a whole number >= 2 or None, got {persona_sample!r}")
    history = float(feats["tenure_days"].max())
    applied = rules.for_history(history) if scale_rules else rules
    tagged = _tags.tag_customers(feats, rules=applied, tiers=tiers)
    rfm = rfm_scores(feats)
    n = len(feats)
    fit_on = feats
    if persona_sample is not None and n > int(persona_sample):
        ordered = feats.sort_index(kind="stable")
        chosen = np.random.default_rng(random_state).choice(n, size=int(persona_sample), replace=False)
        fit_on = ordered.iloc[np.sort(chosen)]
    m = len(fit_on)
    if k is None:
        candidates = [int(x) for x in ks if 2 <= int(x) < m]
        if not candidates:
            raise ValueError(f"build_profiles: {m} customer(s) are too few to choose k from {list(ks)}; pass k")
        table = choose_k(cluster_matrix(fit_on), candidates, random_state=random_state)
        k = best_k(table)
    personas = fit_personas(fit_on, k, random_state=random_state)
    labels = personas.labels_ if fit_on is feats else personas.predict(feats)
    desc = describe_personas(feats, labels)
    out = feats.join(tagged).join(rfm)
    out["rfm_segment"] = rfm_segment(rfm)
    out["persona"] = labels.astype("int64")
    out["persona_name"] = out["persona"].map(desc["name"]).astype("str")
    out = out[PROFILE_COLUMN_NAMES].sort_index(kind="stable")
    out.attrs = {
        "cutoff": feats.attrs.get("cutoff"),
        "low_price": feats.attrs.get("low_price"),
        "k": int(k),
        "value_tier_edges": tagged.attrs.get("value_tier_edges"),
        "persona_names": {str(p): str(nm) for p, nm in desc["name"].items()},
        "history_days": round(history, 2),
        "tag_rules": {**asdict(applied), "scaled": None if applied == rules else round(history / (rules.new_days + rules.churned_days), 4)},
    }
    if fit_on is not feats:
        out.attrs["persona_sample"] = int(len(fit_on))
    return out


# --------------------------------------------------------------------------------------------
# The profile pipeline
# --------------------------------------------------------------------------------------------

#: The defaults of :func:`profile_table`: the parameters chapter 6 builds its profile table with.
#: Chapter 6's parameters cell holds the same values (``tests/test_chapter_06.py`` checks it), so
#: ``profiling profiles`` and the chapter give the same table. ``random_state`` seeds the customer
#: sample, KMeans and the silhouette sample; ``k`` None chooses the number of personas among
#: ``k_candidates`` by the silhouette (:func:`profiling.segments.best_k`); ``keep_returns`` keeps
#: cancellation and return lines for the return tags; ``sample_customers`` None keeps every customer.
PIPELINE_DEFAULTS: dict[str, Any] = {
    "random_state": 42,
    "k": None,
    "k_candidates": (2, 3, 4, 5, 6, 7, 8),
    "keep_returns": True,
    "sample_customers": None,
}


def profile_table(
    transactions: pd.DataFrame,
    cutoff: Any = None,
    *,
    k: int | None = PIPELINE_DEFAULTS["k"],
    k_candidates: Sequence[int] = PIPELINE_DEFAULTS["k_candidates"],
    random_state: int = PIPELINE_DEFAULTS["random_state"],
    keep_returns: bool = PIPELINE_DEFAULTS["keep_returns"],
    sample_customers: int | None = PIPELINE_DEFAULTS["sample_customers"],
    cleaned: bool = False,
) -> pd.DataFrame:
    """The profile pipeline: sample customers, clean, build the profile table (chapter 6's steps).

    The steps are those of :func:`profiling.chapter.load` on a frame (the seeded customer sample
    :func:`profiling.datasets.sample_customers`, then :func:`profiling.cleaning.clean` with
    :func:`profiling.cleaning.default_rules`), then :func:`build_profiles` with the default tag
    rules as they apply to the data's history (``scale_rules=True``: scaled on less than 270 days,
    :meth:`profiling.tags.TagRules.for_history`) and the number of personas chosen by the
    silhouette over ``k_candidates`` (or ``k``).
    The defaults are chapter 6's (:data:`PIPELINE_DEFAULTS`).

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (:func:`profiling.datasets.load_transactions`), as loaded; or, with
        ``cleaned=True``, already sampled and cleaned (what :func:`profiling.chapter.load` returns).
    cutoff : date-like, optional
        Profile date (exclusive); ``None`` = the day after the last transaction.
    k : int or None
        Number of personas; ``None`` chooses it among ``k_candidates``.
    k_candidates : sequence of int
        The numbers of personas tried when ``k`` is None.
    random_state : int
        Seed of the customer sample, KMeans and the silhouette sample.
    keep_returns : bool
        Keep cancellation and return lines (as negative lines) for the return tags.
    sample_customers : int or None
        Keep the lines of this many randomly chosen customers; None keeps all.
    cleaned : bool, default False
        ``transactions`` are already sampled and cleaned: only the table is built
        (``sample_customers`` must then be None; ``keep_returns`` was the cleaning's choice).

    Returns
    -------
    DataFrame
        One row per customer, indexed by ``customer_id``, columns :data:`PROFILE_COLUMN_NAMES`
        (see :func:`build_profiles`).

    Raises
    ------
    ValueError
        As :func:`build_profiles`; or ``sample_customers`` with ``cleaned=True``.

    Example
    -------
    >>> tx = datasets.make_transactions(200, random_state=1)
    >>> table = profile_table(tx, cutoff="2010-12-01", k_candidates=[2, 3])
    >>> table.attrs["k"] in (2, 3), table.index.is_unique
    (True, True)
    """
    if cleaned:
        if sample_customers is not None:
            raise ValueError(
                f"profile_table: sample_customers={sample_customers!r} with cleaned=True; the sample is drawn "
                "before cleaning: pass the raw lines with cleaned=False, or sample when loading (chapter.load)"
            )
        clean_tx = transactions
    else:
        check_frame(transactions, ["customer_id"], "profile_table", what="transactions",
                    fix="Load data with profiling.datasets.load_transactions(..., columns=...).")
        raw = datasets.sample_customers(transactions, sample_customers, random_state)
        clean_tx, _ = cleaning.clean(raw, cleaning.default_rules(keep_returns=keep_returns))
    return build_profiles(
        clean_tx, cutoff=cutoff, k=k, ks=list(k_candidates), random_state=random_state, rules=_tags.TagRules(),
        scale_rules=True,
    )


# --------------------------------------------------------------------------------------------
# The profile card
# --------------------------------------------------------------------------------------------


def _scaled_note(attrs: dict) -> str:
    """' (rules x0.14: 49 days of data)' when the life-cycle rules were scaled to a short history."""
    rules = attrs.get("tag_rules") or {}
    if not rules.get("scaled"):
        return ""
    return tr(" (rules x{ratio:.2f}: {days:.0f} days of data)").format(ratio=rules["scaled"], days=attrs.get("history_days", 0))


def profile_card(
    profiles: pd.DataFrame,
    customer_id: Any,
    transactions: pd.DataFrame | None = None,
    top_n: int = 5,
):
    """A one-customer profile card: key numbers, tags, segment, persona, top items, monthly spend.

    Parameters
    ----------
    profiles:
        Output of :func:`build_profiles`.
    customer_id:
        The customer (compared as text, so ``13085`` and ``"13085"`` both work).
    transactions:
        Optional canonical transactions for the top items and the timeline; only lines before
        ``profiles.attrs["cutoff"]`` are used.
    top_n:
        Number of top items (by spend) shown.

    Returns
    -------
    matplotlib Figure (left: the profile as text; right: top items and monthly net spend).

    Raises
    ------
    KeyError
        If ``customer_id`` is not in ``profiles``.

    Example
    -------
    >>> import matplotlib.pyplot as plt
    >>> tx = datasets.make_transactions(200, random_state=1)
    >>> table = build_profiles(tx, cutoff="2010-12-01", k=3)
    >>> fig = profile_card(table, table.index[0], tx)
    >>> fig.axes[0].get_title(loc="left") == f"Profile card: customer {table.index[0]}"
    True
    >>> plt.close(fig)
    """
    import matplotlib.pyplot as plt

    from profiling.plots import PALETTE

    needed = ["recency_days", "frequency", "monetary", "avg_order_value", "tenure_days", "lifecycle", "value_tier",
              "tags", "rfm_cell", "rfm_segment", "persona", "persona_name"]
    check_frame(profiles, needed, "profile_card", what="profiles",
                fix="Build them with profiles.build_profiles(...) or profiles.profile_table(...).")
    cid = str(customer_id)
    if cid not in profiles.index:
        examples = ", ".join(map(str, profiles.index[:3]))
        raise KeyError(f"customer {cid!r} is not in the profiles ({len(profiles)} customers, e.g. {examples})")
    row = profiles.loc[cid]
    cutoff = profiles.attrs.get("cutoff")

    fig = plt.figure(figsize=(10, 4.2))
    grid = fig.add_gridspec(2, 2, width_ratios=[1.0, 1.25], hspace=0.75, wspace=0.15)
    ax_text = fig.add_subplot(grid[:, 0])
    ax_text.axis("off")
    where = f"{row['country']} ({row['region']})" if "country" in profiles.columns else ""
    flags = [f for f in _tags.FLAGS if f in profiles.columns and bool(row[f])]
    chinese = language() == "zh_CN"   # tags and segments by the names the outline gives them

    def named(tag: str) -> str:
        return _tags.TAG_NAMES_ZH.get(tag, tag) if chinese else tag

    segment = str(row["rfm_segment"])
    if chinese:
        segment = next((zh for seg, _, zh, *_ in _segments.RFM_SEGMENTS if seg == segment), segment)
    tier = named(str(row["value_tier"])) if chinese else f"{row['value_tier']} spender"
    lines = [
        (tr("Customer"), cid),
        (tr("Country"), where),
        (tr("Profile date"), str(cutoff)[:10] if cutoff else "-"),
        ("", ""),
        (tr("Life cycle"), named(str(row["lifecycle"])) + _scaled_note(profiles.attrs)),
        (tr("Value tier"), tier),
        (tr("Flags"), ", ".join(named(f) for f in flags) if flags else tr("none")),
        ("RFM", f"{row['rfm_cell']} - {segment}"),
        (tr("Persona"), f"{int(row['persona'])}: {_segments.persona_label(row['persona_name'])}"),
        ("", ""),
        (tr("Net spend"), f"{row['monetary']:,.2f}"),
        (tr("Orders"), f"{int(row['frequency'])}"),
        (tr("Avg order"), f"{row['avg_order_value']:,.2f}"),
        (tr("Last order"), tr("{days:.0f} days ago").format(days=row["recency_days"])),
        (tr("Customer for"), tr("{days:.0f} days").format(days=row["tenure_days"])),
    ]
    if "distinct_items" in profiles.columns:
        lines.append((tr("Products"), tr("{n} distinct").format(n=int(row["distinct_items"]))))
    for i, (key, value) in enumerate(lines):
        y = 1.0 - i * 0.064
        ax_text.text(0.0, y, key, fontsize=9, color="#555555", transform=ax_text.transAxes, va="top")
        ax_text.text(0.34, y, value, fontsize=9, fontweight="bold" if i == 0 else "normal",
                     transform=ax_text.transAxes, va="top")
    ax_text.set_title(tr("Profile card: customer {customer}").format(customer=cid), loc="left")

    ax_items = fig.add_subplot(grid[0, 1])
    ax_time = fig.add_subplot(grid[1, 1])
    if transactions is None:
        for ax in (ax_items, ax_time):
            ax.axis("off")
            ax.text(0.5, 0.5, tr("pass transactions= to see items and timeline"), ha="center", va="center",
                    transform=ax.transAxes, fontsize=9, color="#555555")
        return fig
    check_frame(transactions, ["customer_id", "item_id", "quantity", "unit_price", "timestamp"], "profile_card",
                what="transactions", allow_empty=False, fix="Pass canonical transactions (profiling.datasets.COLUMNS).")
    tx = transactions.loc[transactions["customer_id"] == cid]
    if cutoff is not None:
        tx = tx.loc[tx["timestamp"] < pd.Timestamp(cutoff)]
    amount = tx["quantity"] * tx["unit_price"]
    buys = tx.loc[tx["quantity"] > 0].assign(amount=amount)
    per_item = buys.groupby("item_id", as_index=False)["amount"].sum()
    per_item = per_item.sort_values(["amount", "item_id"], ascending=[False, True], kind="stable").head(top_n)
    names = _item_names(buys)
    labels = [str(names.get(i, i))[:40] for i in per_item["item_id"]]
    y = np.arange(len(per_item))
    ax_items.barh(y, per_item["amount"].to_numpy(), color=PALETTE[4], height=0.75)
    for yi, label in zip(y, labels):
        ax_items.text(0, yi, " " + label, va="center", ha="left", fontsize=8)
    ax_items.set_yticks([])
    ax_items.invert_yaxis()
    ax_items.set_title(tr("Top {n} items by spend").format(n=len(per_item)), loc="left")
    ax_items.set_xlabel(tr("spend (currency units)"))

    # Months from the first month of the data to the last month before the cutoff, so that the
    # timeline also shows when the customer did *not* buy.
    first = transactions["timestamp"].min()
    last = pd.Timestamp(cutoff) - pd.Timedelta(microseconds=1) if cutoff is not None else transactions["timestamp"].max()
    monthly = amount.groupby(tx["timestamp"].dt.to_period("M")).sum()
    months = pd.period_range(first.to_period("M"), last.to_period("M"), freq="M")
    monthly = monthly.reindex(months, fill_value=0.0)
    ax_time.bar([p.strftime("%Y-%m") for p in monthly.index], monthly.to_numpy(), color=PALETTE[1])
    ax_time.axhline(0, color=PALETTE[7], linewidth=0.6)
    ax_time.set_title(tr("Net spend per month"), loc="left")
    ax_time.set_xlabel(tr("month"))
    ax_time.set_ylabel(tr("net spend"))
    ax_time.tick_params(axis="x", labelrotation=60, labelsize=7)
    return fig
