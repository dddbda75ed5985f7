"""Data sets of the course and the one canonical transaction schema every step consumes.

Canonical transaction schema
----------------------------
Every loader returns, and every later step (cleaning, features, tags, models...) consumes, a
DataFrame with exactly these columns, in this order:

============  =======================  ==========================================================
column        dtype                    meaning
============  =======================  ==========================================================
customer_id   ``str`` (may be missing)  who bought; missing for guest / unidentified purchases
invoice_id    ``str``                  the order (invoice) a line belongs to; ``C...`` = cancellation
item_id       ``str``                  the product code (stock code); some codes are not products
description   ``str`` (may be missing)  product text as recorded
quantity      ``int64``                units on the line; negative for returns / cancellations
unit_price    ``float64``              price per unit, in the shop's currency (GBP for Online Retail)
timestamp     ``datetime64[us]``       when the invoice was issued (naive, shop-local time)
country       ``str`` (may be missing)  the customer's country as recorded
============  =======================  ==========================================================

The line amount is ``quantity * unit_price`` (see :func:`line_amount`); it is not stored.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

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

#: How the shipped Online Retail II names the canonical columns.
ONLINE_RETAIL_COLUMNS: dict[str, str] = {
    "customer_id": "Customer ID",
    "invoice_id": "Invoice",
    "item_id": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "unit_price": "Price",
    "timestamp": "InvoiceDate",
    "country": "Country",
}


def data_dir() -> Path:
    """The folder holding the shipped data: ``$PROFILING_DATA`` if set, else the repository's ``data/``."""
    env = os.environ.get("PROFILING_DATA")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def line_amount(transactions: pd.DataFrame) -> pd.Series:
    """Amount of each line, ``quantity * unit_price`` (negative for returns)."""
    return transactions["quantity"] * transactions["unit_price"]


def load_online_retail(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped UCI Online Retail II (2009-12-01 to 2010-12-09) in the canonical schema.

    ``path`` defaults to ``data_dir() / "online_retail_ii_2009_2010.parquet"``. All 525,461 lines
    are returned, uncleaned (see :mod:`profiling.cleaning`). The file is only read.

    Example: ``tx = load_online_retail(); tx.shape  # (525461, 8)``
    """
    path = Path(path) if path is not None else data_dir() / "online_retail_ii_2009_2010.parquet"
    raw = pd.read_parquet(path)
    renamed = raw.rename(columns={v: k for k, v in ONLINE_RETAIL_COLUMNS.items()})
    out = pd.DataFrame(
        {
            # Customer ID is stored as a float (13085.0); the canonical id is its integer text.
            "customer_id": renamed["customer_id"].astype("Int64").astype("str").where(renamed["customer_id"].notna()),
            "invoice_id": renamed["invoice_id"].astype("str"),
            "item_id": renamed["item_id"].astype("str"),
            "description": renamed["description"].astype("str"),
            "quantity": renamed["quantity"].astype("int64"),
            "unit_price": renamed["unit_price"].astype("float64"),
            "timestamp": pd.to_datetime(renamed["timestamp"], format="%Y-%m-%d %H:%M:%S").astype("datetime64[us]"),
            "country": renamed["country"].astype("str"),
        },
        columns=COLUMNS,
    )
    return out
