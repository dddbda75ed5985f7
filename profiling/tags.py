"""Rule-based customer tags with documented, parameterized thresholds.

A *tag* is a label a marketer can read and act on ("loyal", "high spender", "bulk buyer"). Here
every tag is a plain rule on the features of :func:`profiling.features.customer_features`, and
every threshold lives in one place, :class:`TagRules`, so that a team can discuss and change it.

Three kinds of tags
-------------------
**Life cycle** (exactly one per customer), decided in this order of precedence (the first rule
that holds wins):

==========  ===========  =====================================================================
stage       中文          rule (defaults)
==========  ===========  =====================================================================
churned     已流失用户     no order for ``churned_days`` (180) days or more
new         新用户        first order less than ``new_days`` (90) days before the cutoff
at_risk     流失风险用户    no order for ``active_days`` (90) days or more (but fewer than churned)
loyal       忠诚用户       ordered in the last ``active_days`` days, at least ``loyal_min_orders``
                         (10) orders, first order at least ``loyal_min_tenure_days`` (180) days ago
active      活跃用户       ordered in the last ``active_days`` days (and not new, so at least two
                         orders: the first order is older than the last one)
==========  ===========  =====================================================================

Because ``active_days <= new_days`` (checked), every customer falls in exactly one stage.

**Value tier** (exactly one per customer): low / mid / high spender (低 / 中 / 高消费用户) by
quantiles of ``monetary`` in a *reference* period. :class:`ValueTiers` learns the edges with
``fit`` and applies them with ``transform``, so edges learnt on one period can be applied to
another (fitting them on the period you evaluate on is leakage).

**Behaviour flags** (booleans, any number per customer): ``bulk_buyer`` (wholesaler-like,
批发型买家), ``gift_season_buyer`` (节日礼品买家), ``frequent_returner`` (高退货用户),
``weekend_shopper`` (周末购物者).

Example
-------
>>> from profiling import datasets, features, tags
>>> tx = datasets.make_transactions(50, random_state=0)
>>> features_table = features.customer_features(tx, cutoff="2010-09-01")
>>> tagged = tags.tag_customers(features_table)
>>> tagged[["lifecycle", "value_tier", "tags"]].head(3).reset_index()
  customer_id lifecycle value_tier                  tags
0       10001   at_risk        low  at_risk, low spender
1       10003    active       high  active, high spender
2       10004   churned        low  churned, low spender
>>> tags.tag_rules_table(tags.TagRules()).loc[0, ["tag", "chinese", "threshold"]].tolist()
['churned', '已流失用户', 'churned_days = 180']
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from profiling.i18n import tr
from profiling.validation import check_frame

__all__ = [
    "LIFECYCLE_STAGES",
    "VALUE_TIERS",
    "FLAGS",
    "TAG_NAMES_ZH",
    "TAG_COLUMNS",
    "TagRules",
    "ValueTiers",
    "lifecycle_stage",
    "behaviour_flags",
    "tag_customers",
    "tag_rules_table",
    "tag_summary",
]

#: Life-cycle stages in their order of precedence (also the category order of ``lifecycle``).
LIFECYCLE_STAGES: list[str] = ["churned", "new", "at_risk", "loyal", "active"]

#: Value tiers, lowest first (the category order of ``value_tier``).
VALUE_TIERS: list[str] = ["low", "mid", "high"]

#: Behaviour flag columns.
FLAGS: list[str] = ["bulk_buyer", "gift_season_buyer", "frequent_returner", "weekend_shopper"]

#: Chinese name of every tag (the course outline's vocabulary).
TAG_NAMES_ZH: dict[str, str] = {
    "churned": "已流失用户",
    "new": "新用户",
    "at_risk": "流失风险用户",
    "loyal": "忠诚用户",
    "active": "活跃用户",
    "low": "低消费用户",
    "mid": "中消费用户",
    "high": "高消费用户",
    "bulk_buyer": "批发型大宗买家",
    "gift_season_buyer": "节日礼品买家",
    "frequent_returner": "高退货用户",
    "weekend_shopper": "周末购物者",
}

#: Columns :func:`tag_customers` returns, in order.
TAG_COLUMNS: list[str] = ["lifecycle", "value_tier", *FLAGS, "tags"]

_LIFECYCLE_INPUTS = ["recency_days", "tenure_days", "frequency"]
_FLAG_INPUTS = ["avg_basket_items", "gift_season_share", "return_rate", "cancel_rate", "weekend_share"]


@dataclass(frozen=True)
class TagRules:
    """Thresholds of the rule-based tags (days are counted back from the cutoff).

    Parameters
    ----------
    new_days : float, default 90
        ``new``: first order less than this many days before the cutoff (``tenure_days < new_days``).
    active_days : float, default 90
        A customer is *recent* if the last order is less than this many days old
        (``recency_days < active_days``); recent customers are ``loyal`` or ``active``, others
        (not new, not churned) are ``at_risk``. Must be ``<= new_days`` so that every customer
        gets a stage and every ``active`` customer has at least two orders.
    churned_days : float, default 180
        ``churned``: no order for at least this many days (``recency_days >= churned_days``).
        Must be ``> active_days``.
    loyal_min_orders : int, default 10
        ``loyal``: recent and at least this many orders ...
    loyal_min_tenure_days : float, default 180
        ... and the first order at least this many days ago.
    bulk_items : float, default 500
        ``bulk_buyer``: ``avg_basket_items >= bulk_items`` units per order (wholesaler-like).
    gift_share : float, default 0.5
        ``gift_season_buyer``: ``gift_season_share >= gift_share`` (share of spend in Nov-Dec).
    return_rate : float, default 0.1
        ``frequent_returner``: ``return_rate >= return_rate`` (returned value / purchased value) ...
    cancel_rate : float, default 0.5
        ... or ``cancel_rate >= cancel_rate`` (cancellation invoices / all invoices).
    weekend_share : float, default 0.5
        ``weekend_shopper``: ``weekend_share >= weekend_share`` (share of orders on Sat/Sun).

    The defaults fit the Online Retail II shop (a wholesaler-heavy gift shop, one year of data);
    for another shop, look at the feature distributions and set them with the team.

    Example: ``TagRules(churned_days=120, bulk_items=300)``
    """

    new_days: float = 90
    active_days: float = 90
    churned_days: float = 180
    loyal_min_orders: int = 10
    loyal_min_tenure_days: float = 180
    bulk_items: float = 500
    gift_share: float = 0.5
    return_rate: float = 0.1
    cancel_rate: float = 0.5
    weekend_share: float = 0.5

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
                raise ValueError(f"TagRules.{name} must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"TagRules.{name} must be >= 0, got {value!r}")
        if self.active_days > self.new_days:
            raise ValueError(
                f"TagRules: active_days ({self.active_days}) must be <= new_days ({self.new_days}); otherwise a "
                "customer with one recent order would be neither new nor active. Raise new_days or lower active_days."
            )
        if self.churned_days <= self.active_days:
            raise ValueError(
                f"TagRules: churned_days ({self.churned_days}) must be > active_days ({self.active_days}) "
                "so that 'at_risk' (between the two) can exist."
            )
        for name in ("gift_share", "return_rate", "cancel_rate", "weekend_share"):
            if getattr(self, name) > 1:
                raise ValueError(f"TagRules.{name} is a share and must be in [0, 1], got {getattr(self, name)!r}")

    #: The day thresholds, which :meth:`for_history` scales.
    DAY_FIELDS = ("new_days", "active_days", "churned_days", "loyal_min_tenure_days")

    def for_history(self, history_days: float) -> TagRules:
        """These rules as they apply to ``history_days`` of data before the cutoff.

        A customer goes through the whole life cycle -- new for ``new_days``, then silent for
        ``churned_days`` -- only in ``new_days + churned_days`` of history (270 days by default).
        On a shorter history the stages cannot all occur: on 7 weeks every customer is ``new``,
        while the RFM segments and personas, which rank customers against each other, call some
        of them lapsed, and the three would disagree on every card. So, as the report scales a
        chapter's calendar, the day thresholds (:attr:`DAY_FIELDS`) are scaled by ``r =
        history_days / (new_days + churned_days)`` and ``loyal_min_orders`` by the same ratio (at
        least 2). With a longer history the rules are returned unchanged. ``history_days`` is the
        longest customer tenure at the cutoff (``tenure_days``: the data's first purchase).

        Example
        -------
        >>> TagRules().for_history(400) == TagRules()
        True
        >>> r = TagRules().for_history(49)
        >>> round(r.new_days, 1), round(r.churned_days, 1), r.loyal_min_orders
        (16.3, 32.7, 2)
        """
        full = self.new_days + self.churned_days
        if not np.isfinite(history_days) or history_days >= full or history_days <= 0:
            return self
        ratio = float(history_days) / full
        days = {name: getattr(self, name) * ratio for name in self.DAY_FIELDS}
        return replace(self, **days, loyal_min_orders=max(2, int(round(self.loyal_min_orders * ratio))))


def _check_features(features: pd.DataFrame, needed: Sequence[str], where: str) -> None:
    check_frame(features, needed, where, what="features", allow_empty=False,
                complete=[c for c in needed if c in _LIFECYCLE_INPUTS + ["monetary"]],
                fix="Build them with profiling.features.customer_features(transactions, cutoff).")


class ValueTiers(BaseEstimator):
    """Low / mid / high spender tiers by quantiles of a value column, learnt on a reference period.

    Parameters
    ----------
    q : sequence of float, default (1/3, 2/3)
        Quantiles (strictly increasing, in (0, 1)) of ``column`` that separate the tiers;
        ``len(q) + 1`` tiers. With the default three tiers the labels are ``low, mid, high``.
    column : str, default "monetary"
        The value column of the features table.
    labels : sequence of str, optional
        Tier names, lowest first; default :data:`VALUE_TIERS` (needs ``len(q) == 2``).

    Attributes
    ----------
    edges_ : numpy array
        The learnt cut values (``len(q)`` of them). A customer is in tier ``i`` if its value is
        ``> edges_[i-1]`` and ``<= edges_[i]``.

    A scikit-learn estimator: parameters are stored as given and checked in ``fit``;
    ``sklearn.base.clone`` gives an unfitted copy.

    Example
    -------
    >>> import pandas as pd
    >>> tiers = ValueTiers().fit(pd.DataFrame({"monetary": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]}))
    >>> tiers.transform(pd.DataFrame({"monetary": [5.0, 35.0, 99.0]})).tolist()
    ['low', 'mid', 'high']
    """

    def __init__(self, q: Sequence[float] = (1 / 3, 2 / 3), column: str = "monetary", labels: Sequence[str] | None = None):
        self.q = q
        self.column = column
        self.labels = labels

    def _labels(self) -> list[str]:
        q = tuple(self.q)
        if self.labels is not None:
            labels = list(self.labels)
        elif len(q) == 2:
            labels = list(VALUE_TIERS)
        else:
            labels = [f"tier_{i + 1}" for i in range(len(q) + 1)]
        if len(labels) != len(q) + 1:
            raise ValueError(f"ValueTiers: {len(q)} quantiles make {len(q) + 1} tiers, got {len(labels)} labels")
        return labels

    def fit(self, features: pd.DataFrame) -> "ValueTiers":
        """Learn ``edges_`` = the quantiles ``q`` of ``features[column]``. Returns self."""
        try:
            q = np.asarray([float(x) for x in self.q])
        except (TypeError, ValueError) as exc:
            raise ValueError(f"ValueTiers: q must be a sequence of quantiles in (0, 1), got {self.q!r}") from exc
        if len(q) == 0 or np.any(q <= 0) or np.any(q >= 1) or np.any(np.diff(q) <= 0):
            raise ValueError(f"ValueTiers: q must be strictly increasing values in (0, 1), got {tuple(self.q)}")
        self._labels()
        _check_features(features, [self.column], "ValueTiers.fit")
        values = features[self.column].astype("float64")
        if values.isna().any():
            raise ValueError(f"ValueTiers.fit: column {self.column!r} has missing values")
        self.edges_ = np.quantile(values.to_numpy(), q)
        self.n_fitted_ = int(len(values))
        return self

    def transform(self, features: pd.DataFrame) -> pd.Series:
        """The tier of every row (ordered categorical named ``value_tier``, same index)."""
        check_is_fitted(self, "edges_", msg="ValueTiers is not fitted: call fit(reference_features) first")
        _check_features(features, [self.column], "ValueTiers.transform")
        values = features[self.column].astype("float64").to_numpy()
        if np.isnan(values).any():
            raise ValueError(f"ValueTiers.transform: column {self.column!r} has missing values")
        codes = np.searchsorted(self.edges_, values, side="left")  # value <= edge -> that tier
        labels = self._labels()
        cat = pd.Categorical.from_codes(codes, categories=labels, ordered=True)
        return pd.Series(cat, index=features.index, name="value_tier")

    def fit_transform(self, features: pd.DataFrame) -> pd.Series:
        """``fit(features).transform(features)``."""
        return self.fit(features).transform(features)

    def __repr__(self) -> str:
        return f"ValueTiers(q={tuple(float(x) for x in self.q)}, column={self.column!r})"


def lifecycle_stage(features: pd.DataFrame, rules: TagRules = TagRules()) -> pd.Series:
    """The life-cycle stage of every customer (one of :data:`LIFECYCLE_STAGES`).

    Rules are applied in the order of precedence of the module docstring; returns an ordered
    categorical Series named ``lifecycle`` with the index of ``features``.

    Example: ``lifecycle_stage(f).value_counts()``
    """
    _check_features(features, _LIFECYCLE_INPUTS, "lifecycle_stage")
    r = features["recency_days"].to_numpy(dtype="float64")
    t = features["tenure_days"].to_numpy(dtype="float64")
    n = features["frequency"].to_numpy(dtype="float64")
    conditions = [
        r >= rules.churned_days,
        t < rules.new_days,
        r >= rules.active_days,
        (n >= rules.loyal_min_orders) & (t >= rules.loyal_min_tenure_days),
        np.ones(len(r), dtype=bool),
    ]
    stage = np.select(conditions, list(range(len(LIFECYCLE_STAGES))))
    cat = pd.Categorical.from_codes(stage, categories=LIFECYCLE_STAGES, ordered=True)
    return pd.Series(cat, index=features.index, name="lifecycle")


def behaviour_flags(features: pd.DataFrame, rules: TagRules = TagRules()) -> pd.DataFrame:
    """The boolean behaviour flags (:data:`FLAGS`) of every customer; missing inputs count as False.

    Example: ``behaviour_flags(f).mean()``  # share of customers with each flag
    """
    _check_features(features, _FLAG_INPUTS, "behaviour_flags")

    def at_least(column: str, threshold: float) -> pd.Series:
        return (features[column].astype("float64") >= threshold).fillna(False).astype(bool)

    return pd.DataFrame(
        {
            "bulk_buyer": at_least("avg_basket_items", rules.bulk_items),
            "gift_season_buyer": at_least("gift_season_share", rules.gift_share),
            "frequent_returner": at_least("return_rate", rules.return_rate) | at_least("cancel_rate", rules.cancel_rate),
            "weekend_shopper": at_least("weekend_share", rules.weekend_share),
        },
        index=features.index,
    )


def tag_customers(
    features: pd.DataFrame,
    rules: TagRules = TagRules(),
    tiers: ValueTiers | None = None,
) -> pd.DataFrame:
    """All tags of every customer.

    Parameters
    ----------
    features:
        Output of :func:`profiling.features.customer_features` (at least the columns used by the
        rules: recency_days, tenure_days, frequency, monetary, avg_basket_items, gift_season_share,
        return_rate, cancel_rate, weekend_share).
    rules:
        Thresholds (:class:`TagRules`).
    tiers:
        A **fitted** :class:`ValueTiers` (edges from a reference period). ``None`` fits one on
        ``features`` itself, which is right only when ``features`` *is* the reference period.

    Returns
    -------
    DataFrame with the index of ``features`` and columns :data:`TAG_COLUMNS`:
    ``lifecycle`` and ``value_tier`` (ordered categoricals), the boolean :data:`FLAGS`, and
    ``tags``, a readable text listing them (e.g. ``"loyal, high spender, bulk_buyer"``).
    ``attrs["value_tier_edges"]`` holds the edges used.

    Example
    -------
    >>> f = pd.DataFrame({"recency_days": [10, 150], "tenure_days": [300, 200], "frequency": [12, 2],
    ...                   "monetary": [900.0, 40.0], "avg_basket_items": [600, 20], "gift_season_share": [0.1, 0.7],
    ...                   "return_rate": [0.0, 0.0], "cancel_rate": [0.0, 0.0], "weekend_share": [0.0, 0.6]})
    >>> tag_customers(f, TagRules(churned_days=120))["tags"].tolist()
    ['loyal, high spender, bulk_buyer', 'churned, low spender, gift_season_buyer, weekend_shopper']
    >>> tag_customers(f)["lifecycle"].tolist()  # default churned_days=180: not churned yet
    ['loyal', 'at_risk']
    """
    _check_features(features, [*_LIFECYCLE_INPUTS, "monetary", *_FLAG_INPUTS], "tag_customers")
    if tiers is None:
        tiers = ValueTiers().fit(features)
    out = pd.DataFrame(index=features.index)
    out["lifecycle"] = lifecycle_stage(features, rules)
    out["value_tier"] = tiers.transform(features)
    flags = behaviour_flags(features, rules)
    for col in FLAGS:
        out[col] = flags[col]
    text = out["lifecycle"].astype("str") + ", " + out["value_tier"].astype("str") + " spender"
    for col in FLAGS:
        text = text + np.where(out[col], ", " + col, "")
    out["tags"] = text.astype("str")
    out.attrs["value_tier_edges"] = [float(e) for e in tiers.edges_]
    return out[TAG_COLUMNS]


def tag_rules_table(rules: TagRules = TagRules(), tiers: ValueTiers | None = None) -> pd.DataFrame:
    """The tag rules as a table: ``group``, ``tag``, ``chinese``, ``rule``, ``threshold``.

    With a fitted ``tiers`` the value-tier rows show the learnt edges; otherwise the quantiles.

    Example: ``tag_rules_table(TagRules())``
    """
    r = rules
    if tiers is not None and hasattr(tiers, "edges_"):
        lo, hi = (f"{e:,.2f}" for e in tiers.edges_[:2]) if len(tiers.edges_) >= 2 else ("?", "?")
        tier_thr = [f"monetary <= {lo}", f"{lo} < monetary <= {hi}", f"monetary > {hi}"]
    else:
        q = tiers.q if tiers is not None else (1 / 3, 2 / 3)
        tier_thr = [tr("below the {q:.0%} quantile").format(q=q[0]), tr("{low:.0%}-{high:.0%} quantile").format(low=q[0], high=q[1]),
                    tr("above the {q:.0%} quantile").format(q=q[1])]
    life, value, behaviour = tr("life cycle"), tr("value tier"), tr("behaviour")
    rows = [
        (life, "churned", tr("no order for >= churned_days days"), f"churned_days = {r.churned_days:g}"),
        (life, "new", tr("first order < new_days days ago (if not churned)"), f"new_days = {r.new_days:g}"),
        (life, "at_risk", tr("no order for >= active_days days (if not churned or new)"), f"active_days = {r.active_days:g}"),
        (
            life,
            "loyal",
            tr("recent order, >= loyal_min_orders orders, first order >= loyal_min_tenure_days ago"),
            f"loyal_min_orders = {r.loyal_min_orders:g}; loyal_min_tenure_days = {r.loyal_min_tenure_days:g}",
        ),
        (life, "active", tr("order in the last active_days days, not new (so >= 2 orders)"), f"active_days = {r.active_days:g}"),
        (value, "low", tr("net spend (monetary) in the lowest tier of the reference period"), tier_thr[0]),
        (value, "mid", tr("net spend in the middle tier"), tier_thr[1]),
        (value, "high", tr("net spend in the highest tier"), tier_thr[2]),
        (behaviour, "bulk_buyer", tr("avg_basket_items >= bulk_items (wholesaler-like)"),
         tr("bulk_items = {n:g} units/order").format(n=r.bulk_items)),
        (behaviour, "gift_season_buyer", "gift_season_share >= gift_share", f"gift_share = {r.gift_share:g}"),
        (
            behaviour,
            "frequent_returner",
            tr("return_rate >= return_rate or cancel_rate >= cancel_rate"),
            f"return_rate = {r.return_rate:g}; cancel_rate = {r.cancel_rate:g}",
        ),
        (behaviour, "weekend_shopper", "weekend_share >= weekend_share", f"weekend_share = {r.weekend_share:g}"),
    ]
    table = pd.DataFrame(rows, columns=["group", "tag", "rule", "threshold"])
    table.insert(2, "chinese", table["tag"].map(TAG_NAMES_ZH))
    return table


def tag_summary(tagged: pd.DataFrame, features: pd.DataFrame) -> pd.DataFrame:
    """Customers and revenue per tag: one row per tag (stages, tiers, flags).

    Parameters
    ----------
    tagged:
        Output of :func:`tag_customers`.
    features:
        The features it was built from (for ``monetary``), same index.

    Returns
    -------
    DataFrame with columns ``group``, ``tag``, ``chinese``, ``customers``, ``customer_share``,
    ``revenue`` (sum of ``monetary``) and ``revenue_share`` (of the total over all customers).
    Stages and tiers each partition the customers, so their shares sum to 1 within the group.

    Example: ``tag_summary(tag_customers(f), f)``
    """
    _check_features(tagged, ["lifecycle", "value_tier", *FLAGS], "tag_summary")
    _check_features(features, ["monetary"], "tag_summary")
    if not tagged.index.equals(features.index):
        if not tagged.index.sort_values().equals(features.index.sort_values()):
            raise ValueError("tag_summary: tagged and features must have the same customers (index)")
        features = features.reindex(tagged.index)
    money = features["monetary"].astype("float64")
    total_n, total_m = len(tagged), float(money.sum())
    rows = []
    for group, column, values in (
        ("life cycle", "lifecycle", LIFECYCLE_STAGES),
        ("value tier", "value_tier", list(tagged["value_tier"].cat.categories) if hasattr(tagged["value_tier"], "cat") else VALUE_TIERS),
    ):
        for v in values:
            mask = (tagged[column].astype("str") == v).to_numpy()
            rows.append((group, v, int(mask.sum()), float(money[mask].sum())))
    for flag in FLAGS:
        mask = tagged[flag].to_numpy(dtype=bool)
        rows.append(("behaviour", flag, int(mask.sum()), float(money[mask].sum())))
    out = pd.DataFrame(rows, columns=["group", "tag", "customers", "revenue"])
    out.insert(2, "chinese", out["tag"].map(TAG_NAMES_ZH).fillna(""))
    out.insert(4, "customer_share", out["customers"] / total_n)
    out["revenue_share"] = out["revenue"] / total_m if total_m else np.nan
    return out
