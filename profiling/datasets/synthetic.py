"""Synthetic transactions in the canonical schema, with the shapes of a real shop.

:func:`make_transactions` draws customers, orders and lines (all vectorized, about 1M lines per
second, so 10M-line benchmarks are quick): skewed activity, Zipf-like item popularity, favourite
items, seasonality, returns as ``C...`` cancellation invoices, optional guest check-outs, and
countries from :data:`SYNTHETIC_COUNTRIES` (or a given mapping). The same seed gives the same frame.

Example
-------
>>> tx = make_transactions(300, random_state=0, guest_share=0.1)
>>> tx.dtypes.astype(str).to_dict() == DTYPES, bool(tx["invoice_id"].str.startswith("C").any())
(True, True)
>>> tx.equals(make_transactions(300, random_state=0, guest_share=0.1))
True
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from profiling.datasets.schema import COLUMNS, DTYPES

__all__ = [
    "SYNTHETIC_COUNTRIES",
    "make_transactions",
]

#: Countries of the synthetic shop and each one's share of customers (Online Retail-like).
SYNTHETIC_COUNTRIES: dict[str, float] = {
    "United Kingdom": 0.85,
    "Germany": 0.03,
    "France": 0.03,
    "EIRE": 0.02,
    "Netherlands": 0.02,
    "Spain": 0.015,
    "Belgium": 0.015,
    "Switzerland": 0.01,
    "Portugal": 0.01,
}
# Relative order intensity by month (Jan..Dec), weekday (Mon..Sun) and hour (7..20 h).
_MONTH_WEIGHT = np.array([0.75, 0.75, 0.95, 0.9, 0.95, 0.95, 0.95, 0.95, 1.25, 1.4, 1.8, 1.5])
_WEEKDAY_WEIGHT = np.array([1.0, 1.05, 1.05, 1.15, 0.85, 0.05, 0.6])
_HOURS = np.arange(7, 21)
_HOUR_WEIGHT = np.array([0.2, 0.8, 1.0, 1.25, 1.4, 1.55, 1.45, 1.25, 1.0, 0.6, 0.35, 0.2, 0.2, 0.1])
_PACKS = np.array([1, 2, 3, 4, 6, 8, 12, 24])
_PACK_WEIGHT = np.array([0.28, 0.2, 0.08, 0.1, 0.12, 0.04, 0.14, 0.04])
_ADJECTIVES = [
    "RED", "WHITE", "PINK", "BLUE", "GREEN", "IVORY", "VINTAGE", "RETRO", "HEART", "STAR", "FLORAL",
    "GLASS", "WOODEN", "PAPER", "JUMBO", "SMALL", "LARGE", "REGENCY", "CHRISTMAS", "SPOTTY", "PARTY",
]
_NOUNS = [
    "T-LIGHT HOLDER", "MUG", "SHOPPER BAG", "CANDLE", "CAKE STAND", "NAPKINS", "LANTERN", "CUSHION COVER",
    "DOORMAT", "PHOTO FRAME", "TEACUP AND SAUCER", "BUNTING", "GIFT WRAP", "STORAGE TIN", "ALARM CLOCK",
    "NOTEBOOK", "LUNCH BOX", "HOT WATER BOTTLE", "WALL SIGN", "DECORATION",
]


def _arrow_take(labels: list[str], index: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """``labels[index]`` as a pandas ``str`` Series, fast (Arrow ``take``); ``missing`` → NA."""
    import pyarrow as pa

    taken = pa.array(labels, type=pa.string()).take(pa.array(index, mask=missing))
    return pd.Series(pd.array(taken, dtype="str"))


def make_transactions(
    n_customers: int = 1000,
    n_items: int = 500,
    start: str = "2010-01-01",
    end: str = "2010-12-31",
    random_state: int | None = 0,
    *,
    orders_per_customer: float = 5.0,
    lines_per_order: float = 10.0,
    repeat_share: float = 0.4,
    return_share: float = 0.03,
    guest_share: float = 0.0,
    countries: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Synthetic transactions in the canonical schema, with the shapes of a real shop.

    Shapes built in (all vectorized: about 1M lines per second):

    * skewed activity: orders per customer are ``1 + Poisson(gamma-distributed rate)`` (negative
      binomial), so a few customers place many orders; basket sizes vary by customer
      (lognormal), and about 8 % of customers are wholesalers buying larger quantities;
    * most customers are there from the start, the others join during the period (and order at
      the same rate once there);
    * item popularity is Zipf-like (weight ``1/(rank + 10)``); each customer has eight favourite items,
      and ``repeat_share`` of their lines re-buy one of them;
    * seasonality: more orders in September-December (peak in November), few on Saturdays, and
      order times in business hours (07:00-20:59, peak around noon);
    * returns: ``return_share`` of the orders get a cancellation invoice (id ``"C..."``) up to 30 days
      later that takes back some of their lines with negative quantity (cancellations that would
      fall after ``end`` are left out, as in a real extract);
    * countries drawn per customer from ``countries`` (default :data:`SYNTHETIC_COUNTRIES`);
    * optionally ``guest_share`` of the orders have no customer id (like guest check-outs).

    Invoice numbers increase with time (as in Online Retail); lines are sorted by invoice.

    Parameters
    ----------
    n_customers, n_items : int
        Customers and distinct items (about ``n_customers * orders_per_customer * lines_per_order``
        lines come out: 50 per customer by default).
    start, end : str
        First and last day of the period (inclusive).
    random_state : int, optional
        Seed; the same seed gives the same frame.
    orders_per_customer, lines_per_order : float
        Means of orders per customer (>= 1) and lines per order (>= 1).
    repeat_share, return_share, guest_share : float
        Shares in [0, 1] described above.
    countries : mapping, optional
        Country name → share of customers (normalized).

    Returns
    -------
    DataFrame
        Canonical columns :data:`COLUMNS` and :data:`DTYPES`. Customer ids are ``"10000"``,
        ``"10001"``, ...; item ids ``"20000"``...; invoice ids ``"500000"``... (``"C500123"`` for
        cancellations).

    Example
    -------
    >>> tx = make_transactions(n_customers=200, random_state=1)
    >>> sorted(tx.columns) == sorted(COLUMNS)
    True
    """
    if int(n_customers) < 1 or int(n_items) < 1:
        raise ValueError(f"make_transactions: n_customers and n_items must be >= 1, got {n_customers}, {n_items}.")
    if orders_per_customer < 1 or lines_per_order < 1:
        raise ValueError("make_transactions: orders_per_customer and lines_per_order are means and must be >= 1.")
    for name, share in (("repeat_share", repeat_share), ("return_share", return_share), ("guest_share", guest_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"make_transactions: {name} must be in [0, 1], got {share}.")
    days = pd.date_range(start, end, freq="D")
    if len(days) == 0:
        raise ValueError(f"make_transactions: end ({end}) is before start ({start}).")
    countries = dict(countries or SYNTHETIC_COUNTRIES)
    rng = np.random.default_rng(random_state)
    n_customers, n_items = int(n_customers), int(n_items)

    # Days: seasonal intensity, and its cumulative distribution for inverse-CDF draws.
    weight = _MONTH_WEIGHT[days.month.to_numpy() - 1] * _WEEKDAY_WEIGHT[days.day_of_week.to_numpy()]
    day_cdf = np.cumsum(weight) / weight.sum()

    # Items: Zipf-like popularity over a random ranking, a price and a description each.
    rank = rng.permutation(n_items)
    popularity = 1.0 / (rank + 10.0)  # Zipf-Mandelbrot: a long tail, no single item dominating
    popularity /= popularity.sum()
    item_cdf = np.cumsum(popularity)
    item_cdf[-1] = 1.0
    price = np.round(np.round(np.exp(rng.normal(np.log(2.5), 0.8, n_items)), 1) + 0.05, 2)
    price = np.clip(price, 0.15, 250.0)
    adjectives = rng.integers(0, len(_ADJECTIVES), (n_items, 2))
    nouns = rng.integers(0, len(_NOUNS), n_items)
    descriptions = [
        f"{_ADJECTIVES[a]} {_ADJECTIVES[b]} {_NOUNS[c]}" if a != b else f"{_ADJECTIVES[a]} {_NOUNS[c]}"
        for a, b, c in zip(adjectives[:, 0], adjectives[:, 1], nouns)
    ]
    suffix = np.where(rng.random(n_items) < 0.15, "A", "")
    item_ids = [f"{20000 + i}{s}" for i, s in enumerate(suffix)]

    # Customers: activity, join time, basket size, wholesale flag, country, favourites.
    # 70 % are customers from the start; the others join during the period and order at the same
    # rate per unit of time, so their expected number of orders shrinks with the time left.
    activity = rng.gamma(shape=0.6, scale=1 / 0.6, size=n_customers)
    join_q = np.where(rng.random(n_customers) < 0.7, 0.0, rng.random(n_customers) * 0.9)
    time_left = (1.0 - join_q) / (1.0 - join_q).mean()
    n_orders = 1 + rng.poisson((orders_per_customer - 1) * activity * time_left)
    basket = lines_per_order * rng.lognormal(-0.18, 0.6, n_customers)
    wholesale = rng.random(n_customers) < 0.08
    shares = np.array(list(countries.values()), dtype=float)
    country = rng.choice(len(countries), n_customers, p=shares / shares.sum())
    n_fav = min(8, n_items)
    favourites = np.searchsorted(item_cdf, rng.random((n_customers, n_fav)), side="right").clip(0, n_items - 1)

    # Orders: a customer, a day after the customer joined, a time of day.
    n_order = int(n_orders.sum())
    order_customer = np.repeat(np.arange(n_customers), n_orders)
    q0 = join_q[order_customer]
    quantile = q0 + rng.random(n_order) * (1.0 - q0)
    order_day = np.minimum(np.searchsorted(day_cdf, quantile, side="right"), len(days) - 1)
    minutes = rng.choice(_HOURS, n_order, p=_HOUR_WEIGHT / _HOUR_WEIGHT.sum()) * 60 + rng.integers(0, 60, n_order)
    day_us = days.to_numpy().astype("datetime64[us]")
    order_time = day_us[order_day] + (minutes * 60_000_000).astype("timedelta64[us]")
    guest = rng.random(n_order) < guest_share

    # Lines: basket size per order, favourite or popular item, pack-size quantities.
    n_lines = 1 + rng.poisson(np.maximum(basket[order_customer] - 1.0, 0.0))
    n_line = int(n_lines.sum())
    line_order = np.repeat(np.arange(n_order), n_lines)
    line_customer = order_customer[line_order]
    from_favourites = rng.random(n_line) < repeat_share
    favourite = favourites[line_customer, rng.integers(0, n_fav, n_line)]
    popular = np.searchsorted(item_cdf, rng.random(n_line), side="right").clip(0, n_items - 1)
    item = np.where(from_favourites, favourite, popular)
    quantity = _PACKS[rng.choice(len(_PACKS), n_line, p=_PACK_WEIGHT)]
    bulk = np.array([1, 2, 4, 10])[rng.choice(4, n_line, p=[0.3, 0.3, 0.25, 0.15])]
    quantity = quantity * np.where(wholesale[line_customer], bulk, 1)
    unit_price = np.where(quantity >= 24, np.round(price[item] * 0.85, 2), price[item])

    # Returns: some orders get a later cancellation invoice taking back some of their lines.
    # A cancellation that would fall after the period is not in the data (as in a real extract).
    delay = rng.integers(0, 30, n_order) * 1440 + rng.integers(10, 120, n_order)
    cancel_time = order_time + (delay * 60_000_000).astype("timedelta64[us]")
    last_moment = day_us[-1] + np.timedelta64(24 * 60 - 1, "m").astype("timedelta64[us]")
    returned_order = (rng.random(n_order) < return_share) & (cancel_time <= last_moment)
    returned = returned_order[line_order] & (rng.random(n_line) < 0.6)
    ret_lines = np.flatnonzero(returned)
    ret_orders, ret_pos = np.unique(line_order[ret_lines], return_inverse=True)
    ret_time = cancel_time[ret_orders]
    full = rng.random(len(ret_lines)) < 0.7
    partial = np.ceil(rng.random(len(ret_lines)) * quantity[ret_lines]).astype(np.int64)
    ret_quantity = -np.where(full, quantity[ret_lines], partial)

    # Invoice numbers follow time (orders and cancellations share one sequence).
    inv_time = np.concatenate([order_time, ret_time])
    inv_seq = np.empty(len(inv_time), dtype=np.int64)
    inv_seq[np.lexsort((np.arange(len(inv_time)), inv_time))] = np.arange(len(inv_time))
    inv_cancel = np.concatenate([np.zeros(n_order, bool), np.ones(len(ret_orders), bool)])
    inv_labels = [("C" if c else "") + str(500000 + s) for c, s in zip(inv_cancel.tolist(), inv_seq.tolist())]
    inv_customer = np.concatenate([order_customer, order_customer[ret_orders]])
    inv_guest = np.concatenate([guest, guest[ret_orders]])

    all_inv = np.concatenate([line_order, n_order + ret_pos])
    all_item = np.concatenate([item, item[ret_lines]])
    all_qty = np.concatenate([quantity, ret_quantity]).astype(np.int64)
    all_price = np.concatenate([unit_price, unit_price[ret_lines]]).astype(np.float64)
    order = np.lexsort((np.arange(len(all_inv)), inv_seq[all_inv]))
    all_inv, all_item, all_qty, all_price = all_inv[order], all_item[order], all_qty[order], all_price[order]
    line_cust = inv_customer[all_inv]

    customer_labels = [str(10000 + c) for c in range(n_customers)]
    country_labels = list(countries)
    frame = pd.DataFrame(
        {
            "customer_id": _arrow_take(customer_labels, line_cust, inv_guest[all_inv]),
            "invoice_id": _arrow_take(inv_labels, all_inv),
            "item_id": _arrow_take(item_ids, all_item),
            "description": _arrow_take(descriptions, all_item),
            "quantity": all_qty,
            "unit_price": all_price,
            "timestamp": inv_time[all_inv],
            "country": _arrow_take(country_labels, country[line_cust]),
        },
        columns=COLUMNS,
    )
    return frame.astype(DTYPES)
