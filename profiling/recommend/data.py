"""The data of a recommender: purchase lines as interactions, and the time split that judges them.

- :func:`purchases`: canonical transactions -> interactions (known customer, positive quantity and
  price, an ``item`` column), sorted.
- :func:`time_split`: train before a cutoff, truth in the next ``horizon_days``, customers active
  in both periods, each truth item flagged ``new`` if the customer had not bought it before.

Example
-------
>>> from profiling import datasets
>>> interactions = purchases(datasets.make_transactions(n_customers=60, n_items=40, random_state=0))
>>> split = time_split(interactions, "2010-10-01", horizon_days=30)
>>> bool(split.train["timestamp"].max() < split.cutoff), list(split.truth.columns)
(True, ['customer_id', 'item', 'new'])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from profiling.validation import check_frame
from profiling.windows import as_date, check_horizon, check_inside

__all__ = ["INTERACTION_COLUMNS", "Split", "purchases", "time_split"]

#: Columns every interactions frame needs (``invoice_id`` is optional: without it each line is a basket).
INTERACTION_COLUMNS: tuple[str, ...] = ("customer_id", "item", "timestamp")

_BUILD_THEM = ("Build them with recommend.purchases(transactions) (columns customer_id, item, timestamp, and "
               "optionally invoice_id).")


def purchases(transactions: pd.DataFrame, item_col: str = "description") -> pd.DataFrame:
    """Purchase lines as interactions: known customer, positive quantity and price, known item.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (usually cleaned, :func:`profiling.cleaning.clean`) with
        ``customer_id``, ``invoice_id``, ``quantity``, ``unit_price``, ``timestamp`` and ``item_col``.
    item_col : str, default "description"
        The column that identifies an item. ``"description"`` (the default) matches chapter 5,
        whose text embeddings are keyed by description; ``"item_id"`` uses stock codes.

    Returns
    -------
    DataFrame: the kept lines with every input column plus ``item`` (str, a copy of ``item_col``),
    ``customer_id`` as str; sorted by timestamp, customer, item (stable).

    Example
    -------
    >>> from profiling import datasets
    >>> tx = datasets.make_transactions(n_customers=20, n_items=10, random_state=0)
    >>> lines = purchases(tx, item_col="item_id")
    >>> bool((lines["quantity"] > 0).all()), bool((lines["item"] == lines["item_id"]).all())
    (True, True)
    """
    needed = ["customer_id", "invoice_id", "quantity", "unit_price", "timestamp", item_col]
    check_frame(transactions, needed, "purchases", what="the transactions frame",
                fix="Pass canonical transactions (profiling.datasets.load_transactions maps your column names).")
    tx = transactions
    keep = tx["customer_id"].notna() & tx[item_col].notna() & (tx["quantity"] > 0) & (tx["unit_price"] > 0)
    out = tx.loc[keep].copy()
    out["customer_id"] = out["customer_id"].astype("str")
    out["item"] = out[item_col].astype("str")
    out = out.sort_values(["timestamp", "customer_id", "item"], kind="stable").reset_index(drop=True)
    return out


def _check_interactions(interactions: Any, where: str) -> pd.DataFrame:
    """``interactions`` if it is a non-empty frame of :data:`INTERACTION_COLUMNS`, complete, with datetimes."""
    check_frame(interactions, INTERACTION_COLUMNS, where, what="the interactions frame", fix=_BUILD_THEM,
                allow_empty=False, complete=("customer_id", "item"))
    if not pd.api.types.is_datetime64_any_dtype(interactions["timestamp"]):
        raise ValueError(
            f"{where}: column 'timestamp' of the interactions frame must be datetime64, got "
            f"{interactions['timestamp'].dtype}; convert it with pandas.to_datetime."
        )
    return interactions


@dataclass
class Split:
    """A time split (see :func:`time_split`).

    Attributes
    ----------
    cutoff : Timestamp
        Training uses lines strictly before it; truth lines are in ``[cutoff, cutoff + horizon)``.
    horizon_days : int
    train : DataFrame
        Interactions before the cutoff (all customers); ``attrs["cutoff"]`` is set.
    truth : DataFrame
        ``customer_id``, ``item``, ``new`` (bool: not bought before the cutoff), one row per pair, for
        the evaluated customers only; sorted.
    customers : Index
        The evaluated customers: bought before the cutoff *and* within the horizon (sorted).
    """

    cutoff: pd.Timestamp
    horizon_days: int
    train: pd.DataFrame
    truth: pd.DataFrame
    customers: pd.Index


def time_split(interactions: pd.DataFrame, cutoff: Any, horizon_days: int = 30) -> Split:
    """Train on everything before ``cutoff``; the truth is what each customer bought in the next ``horizon_days``.

    Only customers active in both periods are evaluated (a customer without history is a cold-start
    problem, one without later purchases has nothing to hit).

    Parameters
    ----------
    interactions : DataFrame
        From :func:`purchases`.
    cutoff : date-like
        First moment of the truth period (e.g. ``"2010-09-01"``); it must lie inside the data.
    horizon_days : int, default 30
        Length of the truth period in days.

    Returns
    -------
    Split

    Example
    -------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "b", "a", "c"], "item": ["x", "y", "x", "z", "x"],
    ...                       "timestamp": pd.to_datetime(["2010-01-02", "2010-01-03", "2010-01-04",
    ...                                                    "2010-02-02", "2010-02-03"])})
    >>> split = time_split(lines, "2010-02-01", horizon_days=30)
    >>> list(split.customers), split.truth.to_dict("records")
    (['a'], [{'customer_id': 'a', 'item': 'z', 'new': True}])
    """
    where = "time_split"
    _check_interactions(interactions, where)
    as_date(cutoff, where)
    days = check_horizon(horizon_days, where)
    cut = check_inside(interactions, cutoff, where)
    end = cut + pd.Timedelta(days=days)
    ts = interactions["timestamp"]
    train = interactions.loc[ts < cut].reset_index(drop=True)
    train.attrs = {"cutoff": cut}
    later = interactions.loc[(ts >= cut) & (ts < end), ["customer_id", "item"]]
    customers = pd.Index(np.intersect1d(train["customer_id"].unique(), later["customer_id"].unique()), name="customer_id")
    truth = later[later["customer_id"].isin(customers)].drop_duplicates().sort_values(["customer_id", "item"], kind="stable")
    seen = pd.MultiIndex.from_frame(train[["customer_id", "item"]].drop_duplicates())
    truth = truth.assign(new=~pd.MultiIndex.from_frame(truth[["customer_id", "item"]]).isin(seen)).reset_index(drop=True)
    return Split(cutoff=cut, horizon_days=days, train=train, truth=truth, customers=customers)
