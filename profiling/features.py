"""Customer features as of a cutoff date: value, life cycle, behaviour and attributes.

Everything here looks only at transactions strictly **before** ``cutoff``: a feature must be
computable on the day a decision is made, so nothing after that day may leak into it.

Input is the canonical transaction table (:mod:`profiling.datasets`), normally after
:func:`profiling.cleaning.clean`. Lines with a positive quantity are purchases; lines with a
negative quantity (returns, cancellations) are kept apart and only feed the return features, so
pass the return lines too if you want those features to be non-zero.

:func:`customer_features` gives the profile features (:data:`FEATURES`); :func:`model_matrix` adds
the history features models use (:data:`TASK_FEATURES`) and fills the gaps of one-order
customers, for the prediction tasks of :mod:`profiling.models`. :func:`feature_dictionary` documents
both. The cutoff itself is checked by :func:`profiling.windows.resolve_cutoff`.

The heavy lifting is one DuckDB query over the pandas frame (no copy for Arrow-backed columns);
inputs and outputs are pandas DataFrames.

Example
-------
>>> from profiling import datasets, features
>>> tx = datasets.make_transactions(200, random_state=0)
>>> f = features.customer_features(tx, cutoff="2010-12-01")
>>> list(f.columns) == features.FEATURE_NAMES
True
>>> X = features.model_matrix(tx, cutoff="2010-12-01")
>>> list(X.columns) == features.MODEL_FEATURES, bool(X.notna().all().all())
(True, True)
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from profiling.datasets import COLUMNS
from profiling.validation import check_frame
from profiling.windows import resolve_cutoff

__all__ = [
    "FEATURES",
    "FEATURE_NAMES",
    "MODEL_FEATURES",
    "TASK_FEATURES",
    "customer_features",
    "feature_dictionary",
    "home_country",
    "low_price_threshold",
    "model_matrix",
    "rfm_summary",
]

#: The feature dictionary: every column :func:`customer_features` returns, in order.
#: (name, group, definition, unit, source columns)
FEATURES: list[tuple[str, str, str, str, str]] = [
    ("recency_days", "value", "Days from the last purchase to the cutoff", "days", "timestamp"),
    ("frequency", "value", "Distinct purchase invoices (orders) before the cutoff", "orders", "invoice_id"),
    ("monetary", "value", "Net spend: purchases minus returns before the cutoff", "currency", "quantity, unit_price"),
    ("avg_order_value", "value", "Mean purchase value per order (returns not subtracted)", "currency/order", "invoice_id, quantity, unit_price"),
    ("max_order_value", "value", "Largest single order value", "currency", "invoice_id, quantity, unit_price"),
    ("avg_basket_items", "value", "Mean units per order", "units/order", "invoice_id, quantity"),
    ("avg_basket_lines", "value", "Mean order lines (distinct products) per order", "lines/order", "invoice_id, item_id"),
    ("tenure_days", "life cycle", "Days from the first purchase to the cutoff", "days", "timestamp"),
    ("orders_30d", "life cycle", "Orders in the 30 days before the cutoff", "orders", "invoice_id, timestamp"),
    ("orders_90d", "life cycle", "Orders in the 90 days before the cutoff", "orders", "invoice_id, timestamp"),
    ("orders_180d", "life cycle", "Orders in the 180 days before the cutoff", "orders", "invoice_id, timestamp"),
    ("mean_days_between", "life cycle", "Mean gap between consecutive orders (missing with one order)", "days", "invoice_id, timestamp"),
    ("std_days_between", "life cycle", "Population standard deviation of the gaps between orders (missing with one order)", "days", "invoice_id, timestamp"),
    ("days_since_previous", "life cycle", "Days from the previous-to-last order to the cutoff (missing with one order)", "days", "invoice_id, timestamp"),
    ("return_rate", "behaviour", "Returned value as a share of purchased value, at most 1 (a return of a purchase made before the data start counts up to what was bought)", "share", "quantity, unit_price"),
    ("cancel_rate", "behaviour", "Cancellation/return invoices as a share of all invoices", "share", "invoice_id, quantity"),
    ("low_price_share", "behaviour", "Share of spend on lines whose unit price is at most the low-price threshold", "share", "quantity, unit_price"),
    ("distinct_items", "behaviour", "Distinct products bought", "products", "item_id"),
    ("item_entropy", "behaviour", "Shannon entropy of spend over products (0 = one product)", "bits", "item_id, quantity, unit_price"),
    ("gift_season_share", "behaviour", "Share of spend in November and December", "share", "timestamp, quantity, unit_price"),
    ("weekend_share", "behaviour", "Share of orders placed on Saturday or Sunday", "share", "invoice_id, timestamp"),
    ("typical_hour", "behaviour", "Median hour of day of the orders", "hour (0-23)", "timestamp"),
    ("country", "attribute", "Most frequent country of the customer's purchase lines (ties: alphabetical)", "-", "country"),
    ("region", "attribute", "Region of that country from the countries reference table", "-", "country + data/countries.csv"),
]

FEATURE_NAMES: list[str] = [f[0] for f in FEATURES]


#: History features :func:`model_matrix` adds to the numeric profile features, for the prediction
#: tasks of :mod:`profiling.models`: (name, group, definition, unit, source columns). All use
#: purchase lines strictly before the cutoff.
TASK_FEATURES: list[tuple[str, str, str, str, str]] = [
    ("spend_30d", "history", "Gross purchase value in the 30 days before the cutoff", "currency", "quantity, unit_price, timestamp"),
    ("spend_90d", "history", "Gross purchase value in the 90 days before the cutoff", "currency", "quantity, unit_price, timestamp"),
    ("spend_180d", "history", "Gross purchase value in the 180 days before the cutoff", "currency", "quantity, unit_price, timestamp"),
    ("purchase_days", "history", "Distinct calendar days with a purchase", "days", "timestamp"),
    ("active_months", "history", "Distinct calendar months with a purchase", "months", "timestamp"),
    ("orders_per_month", "history", "Orders per 30 days of tenure (tenure at least 30 days)", "orders/30 days", "invoice_id, timestamp"),
    ("recency_vs_gap", "history", "Recency divided by the mean gap between orders (at least 1 day); tenure-based with one order", "ratio", "invoice_id, timestamp"),
    ("in_home_country", "history", "1 if the customer's main country is the shop's home country (the country of the most customers, home_country)", "0/1", "country"),
]

#: Numeric profile features models use (country and region are text).
_NUMERIC_FEATURES: list[str] = [f for f in FEATURE_NAMES if f not in ("country", "region")]

#: Every column of :func:`model_matrix`, in order.
MODEL_FEATURES: list[str] = _NUMERIC_FEATURES + [f[0] for f in TASK_FEATURES]

#: Gap features that are missing for one-order customers and how :func:`model_matrix` fills them.
_GAP_FILL = {
    "mean_days_between": "tenure_days",  # no second order yet: the gap is at least the tenure
    "days_since_previous": "tenure_days",
    "std_days_between": 0.0,
}


def feature_dictionary(with_model_features: bool = False) -> pd.DataFrame:
    """The feature dictionary as a table: feature, group, definition, unit, source columns.

    ``with_model_features=True`` adds the history features of :func:`model_matrix`.

    >>> len(feature_dictionary(with_model_features=True)) == len(FEATURES) + len(TASK_FEATURES)
    True
    """
    rows = FEATURES + (TASK_FEATURES if with_model_features else [])
    return pd.DataFrame(rows, columns=["feature", "group", "definition", "unit", "source columns"])


def _check(transactions: pd.DataFrame, needed: list[str], where: str) -> None:
    check_frame(transactions, needed, where, what="transactions", allow_empty=False,
                fix="Load data with profiling.datasets.load_transactions(..., columns=...) to map your names.")


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    # Parallel aggregation may sum floats in any order; results are rounded below, and a fixed
    # thread count keeps memory predictable on a laptop.
    con.execute("SET threads TO 2")
    return con


def rfm_summary(transactions: pd.DataFrame, cutoff: Any = None) -> pd.DataFrame:
    """A lifetimes-compatible RFM summary of purchases before ``cutoff``.

    Purchases (positive quantity, known customer) are grouped by customer and calendar day, as
    ``lifetimes.utils.summary_data_from_transaction_data(..., freq="D")`` does, with the
    observation period ending on the last day before the cutoff.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted) with columns

    - ``frequency``: repeat purchase days (distinct purchase days minus one);
    - ``recency``: days from the first to the last purchase day;
    - ``T``: days from the first purchase day to the end of the observation period;
    - ``monetary_value``: mean spend of the repeat purchase days (0 with no repeat).

    Example: ``rfm_summary(tx, "2010-12-01").loc["13085"]``
    """
    _check(transactions, ["customer_id", "quantity", "unit_price", "timestamp"], "rfm_summary")
    cut = resolve_cutoff(transactions, cutoff, "rfm_summary")
    end = (cut - pd.Timedelta(microseconds=1)).normalize()
    tx = transactions[["customer_id", "quantity", "unit_price", "timestamp"]]
    con = _connect()
    con.register("tx", tx)
    out = con.execute(
        """
        WITH days AS (
            SELECT customer_id, CAST(timestamp AS DATE) AS day, sum(quantity * unit_price) AS value
            FROM tx
            WHERE customer_id IS NOT NULL AND quantity > 0 AND timestamp < $cut
            GROUP BY customer_id, day
        )
        SELECT customer_id,
               count(*) - 1 AS frequency,
               datediff('day', min(day), max(day)) AS recency,
               datediff('day', min(day), CAST($end AS DATE)) AS T,
               CASE WHEN count(*) > 1 THEN (sum(value) - arg_min(value, day)) / (count(*) - 1) ELSE 0 END
                   AS monetary_value
        FROM days
        GROUP BY customer_id
        ORDER BY customer_id
        """,
        {"cut": cut.to_pydatetime(), "end": end.to_pydatetime()},
    ).df()
    con.close()
    out = out.set_index("customer_id")
    out[["frequency", "recency", "T"]] = out[["frequency", "recency", "T"]].astype("float64")
    out["monetary_value"] = out["monetary_value"].astype("float64").round(6)
    return out


def low_price_threshold(transactions: pd.DataFrame, cutoff: Any = None, quantile: float = 0.25) -> float:
    """The unit price at ``quantile`` of purchase lines before the cutoff (the default 'low price')."""
    _check(transactions, ["quantity", "unit_price", "timestamp"], "low_price_threshold")
    cut = resolve_cutoff(transactions, cutoff, "low_price_threshold")
    mask = (transactions["quantity"] > 0) & (transactions["timestamp"] < cut)
    return float(transactions.loc[mask, "unit_price"].quantile(quantile))


#: The query behind :func:`customer_features` (DuckDB SQL): one row per customer from the lines of the
#: relation ``tx`` (canonical columns) before ``$cut``, with the country reference ``ref`` and the
#: low-price threshold ``$low``. :mod:`profiling.engines` runs the same text over a file's cleaned
#: lines; :func:`finish_features` turns its result into the feature table.
FEATURES_SQL = """
WITH lines AS (
    SELECT customer_id, invoice_id, item_id, quantity, unit_price, timestamp, country,
           quantity * unit_price AS amount
    FROM tx
    WHERE customer_id IS NOT NULL AND timestamp < $cut
),
buys AS (SELECT * FROM lines WHERE quantity > 0),
orders AS (
    SELECT customer_id, invoice_id, min(timestamp) AS ts, sum(amount) AS value,
           sum(quantity) AS units, count(*) AS n_lines
    FROM buys GROUP BY customer_id, invoice_id
),
gaps AS (
    SELECT customer_id, ts,
           epoch(ts - lag(ts) OVER (PARTITION BY customer_id ORDER BY ts, invoice_id)) / 86400.0 AS gap,
           row_number() OVER (PARTITION BY customer_id ORDER BY ts DESC, invoice_id DESC) AS rev_rank
    FROM orders
),
order_feats AS (
    SELECT customer_id,
           epoch($cut - max(ts)) / 86400.0 AS recency_days,
           count(*) AS frequency,
           avg(value) AS avg_order_value,
           max(value) AS max_order_value,
           avg(units) AS avg_basket_items,
           avg(n_lines) AS avg_basket_lines,
           epoch($cut - min(ts)) / 86400.0 AS tenure_days,
           count(*) FILTER (WHERE ts >= $cut - INTERVAL 30 DAY) AS orders_30d,
           count(*) FILTER (WHERE ts >= $cut - INTERVAL 90 DAY) AS orders_90d,
           count(*) FILTER (WHERE ts >= $cut - INTERVAL 180 DAY) AS orders_180d,
           avg(CASE WHEN dayofweek(ts) IN (0, 6) THEN 1.0 ELSE 0.0 END) AS weekend_share,
           quantile_cont(hour(ts), 0.5) AS typical_hour
    FROM orders GROUP BY customer_id
),
gap_feats AS (
    SELECT customer_id, avg(gap) AS mean_days_between, stddev_pop(gap) AS std_days_between,
           max(CASE WHEN rev_rank = 2 THEN epoch($cut - ts) / 86400.0 END) AS days_since_previous
    FROM gaps GROUP BY customer_id
),
buy_feats AS (
    SELECT customer_id,
           sum(amount) AS bought,
           sum(amount) FILTER (WHERE unit_price <= $low) AS low_spend,
           sum(amount) FILTER (WHERE month(timestamp) IN (11, 12)) AS season_spend,
           count(DISTINCT item_id) AS distinct_items
    FROM buys GROUP BY customer_id
),
item_spend AS (
    SELECT customer_id, item_id, sum(amount) AS s FROM buys GROUP BY customer_id, item_id
),
entropy AS (
    SELECT i.customer_id,
           -sum(CASE WHEN i.s > 0 THEN (i.s / b.bought) * log2(i.s / b.bought) ELSE 0 END) AS item_entropy
    FROM item_spend i JOIN buy_feats b USING (customer_id)
    WHERE b.bought > 0
    GROUP BY i.customer_id
),
ret AS (
    SELECT customer_id, -sum(amount) AS returned, count(DISTINCT invoice_id) AS n_return_invoices
    FROM lines WHERE quantity < 0 GROUP BY customer_id
),
ctry AS (
    SELECT customer_id, country FROM (
        SELECT customer_id, country,
               row_number() OVER (PARTITION BY customer_id ORDER BY count(*) DESC, country) AS r
        FROM buys WHERE country IS NOT NULL GROUP BY customer_id, country
    ) WHERE r = 1
)
SELECT o.customer_id,
       o.recency_days, o.frequency,
       b.bought - coalesce(r.returned, 0) AS monetary,
       o.avg_order_value, o.max_order_value, o.avg_basket_items, o.avg_basket_lines,
       o.tenure_days, o.orders_30d, o.orders_90d, o.orders_180d,
       g.mean_days_between, g.std_days_between, g.days_since_previous,
       CASE WHEN b.bought > 0 THEN least(coalesce(r.returned, 0) / b.bought, 1.0) ELSE 0 END AS return_rate,
       coalesce(r.n_return_invoices, 0) / (o.frequency + coalesce(r.n_return_invoices, 0)) AS cancel_rate,
       CASE WHEN b.bought > 0 THEN coalesce(b.low_spend, 0) / b.bought ELSE 0 END AS low_price_share,
       b.distinct_items,
       coalesce(e.item_entropy, 0) AS item_entropy,
       CASE WHEN b.bought > 0 THEN coalesce(b.season_spend, 0) / b.bought ELSE 0 END AS gift_season_share,
       o.weekend_share, o.typical_hour,
       c.country,
       coalesce(ref.region, 'Unknown') AS region
FROM order_feats o
JOIN buy_feats b USING (customer_id)
LEFT JOIN gap_feats g USING (customer_id)
LEFT JOIN entropy e USING (customer_id)
LEFT JOIN ret r USING (customer_id)
LEFT JOIN ctry c USING (customer_id)
LEFT JOIN ref ON ref.country = c.country
ORDER BY o.customer_id
"""


def customer_features(
    transactions: pd.DataFrame,
    cutoff: Any = None,
    countries: pd.DataFrame | None = None,
    low_price: float | None = None,
) -> pd.DataFrame:
    """One row per customer with the features of :data:`FEATURES`, using only lines before ``cutoff``.

    Parameters
    ----------
    transactions:
        Canonical transactions (see :mod:`profiling.datasets`), usually cleaned; negative-quantity
        lines, if present, feed ``return_rate`` and ``cancel_rate`` and reduce ``monetary``.
    cutoff:
        Date the profile is taken on (exclusive). ``None``: the day after the last transaction.
    countries:
        Country reference table with columns ``country`` and ``region``
        (:func:`profiling.cleaning.load_countries`); ``None`` loads the shipped one.
    low_price:
        Unit price at or below which a line counts as low-price. ``None``: the lower quartile of
        purchase-line prices before the cutoff (:func:`low_price_threshold`).

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), columns in the order of :data:`FEATURE_NAMES`.
    Customers with at least one purchase before the cutoff get exactly one row. Floats are rounded
    to 6 decimals so that results do not depend on summation order.

    Example
    -------
    >>> from profiling import datasets
    >>> f = customer_features(datasets.make_transactions(50, random_state=0), cutoff="2010-09-01")
    >>> bool(f.index.is_unique), f.attrs["cutoff"]
    (True, '2010-09-01T00:00:00')
    """
    _check(transactions, COLUMNS, "customer_features")
    cut = resolve_cutoff(transactions, cutoff, "customer_features")
    if low_price is None:
        low_price = low_price_threshold(transactions, cut)
    if countries is None:
        from profiling.cleaning import load_countries

        countries = load_countries()
    tx = transactions[COLUMNS]
    con = _connect()
    con.register("tx", tx)
    con.register("ref", countries[["country", "region"]])
    params = {"cut": cut.to_pydatetime(), "low": float(low_price)}
    feats = con.execute(FEATURES_SQL, params).df()
    con.close()
    return finish_features(feats, cut, low_price)


def finish_features(feats: pd.DataFrame, cut: pd.Timestamp, low_price: float) -> pd.DataFrame:
    """The result of :data:`FEATURES_SQL` as :func:`customer_features` returns it (indexed, typed, rounded).

    Shared with the engines of :mod:`profiling.engines`, which run the same query over a file.
    """
    feats = feats.set_index("customer_id")
    ints = ["frequency", "orders_30d", "orders_90d", "orders_180d", "distinct_items"]
    feats[ints] = feats[ints].astype("int64")
    floats = [c for c in FEATURE_NAMES if c not in ints and c not in ("country", "region")]
    feats[floats] = feats[floats].astype("float64").round(6)
    # With one order there are no gaps (two orders give one gap, whose spread is 0).
    feats.loc[feats["frequency"] < 2, ["mean_days_between", "std_days_between", "days_since_previous"]] = np.nan
    feats["country"] = feats["country"].astype("str")
    feats["region"] = feats["region"].astype("str")
    feats.attrs["cutoff"] = cut.isoformat()
    feats.attrs["low_price"] = float(low_price)
    return feats[FEATURE_NAMES]


def _history_features(transactions: pd.DataFrame, cut: pd.Timestamp, base: pd.DataFrame) -> pd.DataFrame:
    """The :data:`TASK_FEATURES` for the customers of ``base`` from purchase lines before ``cut``."""
    index = base.index
    mask = (
        transactions["customer_id"].notna().to_numpy()
        & (transactions["quantity"] > 0).to_numpy()
        & (transactions["timestamp"] < cut).to_numpy()
    )
    b = transactions.loc[mask, ["customer_id", "invoice_id", "quantity", "unit_price", "timestamp"]]
    amount = b["quantity"].to_numpy() * b["unit_price"].to_numpy()
    days_ago = ((cut - b["timestamp"]).dt.total_seconds() / 86400.0).to_numpy()
    cust = b["customer_id"].to_numpy()
    out = pd.DataFrame(index=index)
    for w in (30, 90, 180):
        keep = days_ago <= w
        out[f"spend_{w}d"] = pd.Series(amount[keep]).groupby(cust[keep]).sum().reindex(index, fill_value=0.0)
    day = b["timestamp"].dt.normalize()
    out["purchase_days"] = day.groupby(cust).nunique().reindex(index)
    out["active_months"] = b["timestamp"].dt.to_period("M").groupby(cust).nunique().reindex(index)
    out["orders_per_month"] = base["frequency"] / np.maximum(base["tenure_days"], 30.0) * 30.0
    gap = base["mean_days_between"].where(base["frequency"] >= 2, base["tenure_days"])
    out["recency_vs_gap"] = base["recency_days"] / np.maximum(gap, 1.0)
    home = home_country(transactions.loc[transactions["timestamp"] < cut])  # from the past only, like every feature
    out["in_home_country"] = (base["country"] == home).astype("int64") if home is not None else 0
    return out


def home_country(transactions: pd.DataFrame) -> str | None:
    """The shop's home country: the country with the most customers (ties: alphabetical); ``None`` without countries.

    A customer counts once, for every country of their lines (customers who order from two
    countries are rare). The ``in_home_country`` feature compares each customer's main country
    with it: the shipped shop's home is the United Kingdom, another shop's is its own.

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b", "c", "c"], "country": ["France", "Germany", "Germany", "Germany"]})
    >>> home_country(tx), home_country(tx.assign(country=None))
    ('Germany', None)
    """
    _check(transactions, ["customer_id", "country"], "home_country")
    known = transactions.loc[transactions["customer_id"].notna() & transactions["country"].notna(), ["customer_id", "country"]]
    if known.empty:
        return None
    counts = known.drop_duplicates().groupby("country")["customer_id"].size()
    counts = counts.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
    return str(counts.index[0])


def model_matrix(transactions: pd.DataFrame, cutoff: Any = None, countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """The numeric matrix models learn from: :data:`MODEL_FEATURES` per customer as of ``cutoff``.

    The numeric profile features of :func:`customer_features` plus the history features of
    :data:`TASK_FEATURES`, all from lines strictly before ``cutoff``; for one-order customers the gap
    features are filled (mean gap and days since the previous order with the tenure, their spread
    with 0), so there are no missing values. Floats rounded to 6 decimals.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), ``float64`` columns :data:`MODEL_FEATURES`;
    ``attrs`` as :func:`customer_features`.
    """
    base = customer_features(transactions, cutoff=cutoff, countries=countries)
    cut = pd.Timestamp(base.attrs["cutoff"])
    X = base[_NUMERIC_FEATURES].copy()
    for col, fill in _GAP_FILL.items():
        X[col] = X[col].fillna(X[fill] if isinstance(fill, str) else fill)
    X = X.join(_history_features(transactions, cut, base))
    X = X[MODEL_FEATURES].astype("float64").round(6)
    X.attrs = dict(base.attrs)
    return X

