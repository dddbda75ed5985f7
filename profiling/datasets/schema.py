"""The canonical transaction schema, the error every loader raises, and helpers on canonical frames.

:data:`COLUMNS` (in order) and :data:`DTYPES` are the schema every loader returns and every later
step consumes (the table of columns, dtypes and meanings is in :mod:`profiling.datasets`);
:data:`REQUIRED` columns must be in a user's file, :data:`OPTIONAL` ones may be absent and are then
filled with missing values. :class:`DataError` is what the loaders raise: a ``ValueError`` whose
message names the file, the column, the problem and the fix. :func:`line_amount` is each line's
amount (``quantity * unit_price``, not stored); :func:`sample_customers` keeps all lines of ``n``
seeded, randomly chosen customers.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["1", "1", "2", None], "quantity": [2, -1, 3, 1],
...                    "unit_price": [1.5, 1.5, 2.0, 9.0]})
>>> line_amount(tx).tolist(), sample_customers(tx, 1, random_state=0)["customer_id"].tolist()
([3.0, -1.5, 6.0, 9.0], ['2'])
>>> issubclass(DataError, ValueError), [c for c in COLUMNS if c not in REQUIRED] == OPTIONAL
(True, True)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "COLUMNS",
    "DTYPES",
    "OPTIONAL",
    "REQUIRED",
    "DataError",
    "line_amount",
    "sample_customers",
]

#: Canonical column names, in order.
COLUMNS: list[str] = [
    "customer_id",
    "invoice_id",
    "item_id",
    "description",
    "quantity",
    "unit_price",
    "timestamp",
    "country",
]

#: dtype of each canonical column (pandas 3 names).
DTYPES: dict[str, str] = {
    "customer_id": "str",
    "invoice_id": "str",
    "item_id": "str",
    "description": "str",
    "quantity": "int64",
    "unit_price": "float64",
    "timestamp": "datetime64[us]",
    "country": "str",
}

#: Columns a user's file must provide (after mapping); the others are filled with missing values.
REQUIRED: list[str] = ["customer_id", "invoice_id", "item_id", "quantity", "unit_price", "timestamp"]

#: Columns that may be absent from a user's file.
OPTIONAL: list[str] = ["description", "country"]


class DataError(ValueError):
    """A data file cannot be read as the course expects.

    The message names the file, the column (where one is at fault), the problem and what to do.
    It is a ``ValueError``, so ``except ValueError`` catches it too.
    """


def _fail(path: Path, problem: str, fix: str, column: str | None = None, source: str | None = None) -> DataError:
    where = ""
    if column is not None:
        where = f" column '{column}'" + (f" (your column '{source}')" if source and source != column else "") + ":"
    return DataError(f"{path}:{where} {problem} {fix}")


def line_amount(transactions: pd.DataFrame) -> pd.Series:
    """Amount of each line, ``quantity * unit_price`` (negative for returns)."""
    return transactions["quantity"] * transactions["unit_price"]


def sample_customers(transactions: pd.DataFrame, n: int | None, random_state: int | None = 0) -> pd.DataFrame:
    """The lines of ``n`` randomly chosen customers (seeded), in their original order.

    Customers are drawn without replacement from the sorted distinct non-missing ``customer_id``
    values, so the result depends only on the data and ``random_state``. Lines without a customer
    are not returned (they belong to no sampled customer).

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (at least a ``customer_id`` column).
    n : int or None
        How many customers; ``None`` returns ``transactions`` itself, unchanged.
    random_state : int, optional
        Seed of the draw.

    Returns
    -------
    DataFrame
        The selected lines, with a fresh 0..k-1 index.

    Example
    -------
    >>> from profiling.datasets import load_online_retail
    >>> small = sample_customers(load_online_retail(), 300, random_state=42)
    >>> small["customer_id"].nunique()
    300
    """
    if n is None:
        return transactions
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"sample_customers: n must be a non-negative whole number or None, got {n!r}.")
    if "customer_id" not in transactions.columns:
        raise ValueError("sample_customers: the frame has no 'customer_id' column; load it with load_transactions first.")
    ids = pd.Series(transactions["customer_id"].dropna().unique()).astype("str").sort_values(kind="stable").to_numpy()
    if n > len(ids):
        raise ValueError(
            f"sample_customers: asked for {n} customers but the data has only {len(ids)} with an id. "
            f"Pass n <= {len(ids)} (or n=None for all)."
        )
    rng = np.random.default_rng(random_state)
    chosen = ids[rng.choice(len(ids), size=int(n), replace=False)]
    keep = transactions["customer_id"].isin(chosen).to_numpy()
    return transactions.loc[keep].reset_index(drop=True)
