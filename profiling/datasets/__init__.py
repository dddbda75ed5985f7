"""Data sets of the course and the one canonical transaction schema every step consumes.

Canonical transaction schema
----------------------------
Every loader returns, and every later step (cleaning, features, tags, models...) consumes, a
DataFrame with exactly these columns, in this order:

============  =========================  ===========================================================
column        dtype                      meaning
============  =========================  ===========================================================
customer_id   ``str`` (may be missing)   who bought; missing for guest / unidentified purchases
invoice_id    ``str``                    the order (invoice) a line belongs to; ``C...`` = cancellation
item_id       ``str``                    the product code (stock code); some codes are not products
description   ``str`` (may be missing)   product text as recorded
quantity      ``int64``                  units on the line; negative for returns / cancellations
unit_price    ``float64``                price per unit, in the shop's currency (GBP for Online Retail)
timestamp     ``datetime64[us]``         when the invoice was issued (naive, shop-local time)
country       ``str`` (may be missing)   the customer's country as recorded
============  =========================  ===========================================================

The line amount is ``quantity * unit_price`` (see :func:`line_amount`); it is not stored.
Loaders never clean: cancellations, missing customers, non-product codes and odd prices are kept
for :mod:`profiling.cleaning` to handle, visibly.

What is here
------------
The subpackage is split by role; everything public is importable from here, e.g.
``from profiling import datasets; datasets.load_transactions(path, columns=...)``:

- :mod:`~profiling.datasets.schema`: the schema (:data:`COLUMNS`, :data:`DTYPES`,
  :data:`REQUIRED`, :data:`OPTIONAL`), :class:`DataError` (what every loader raises, naming the
  file, the column, the problem and the fix), :func:`line_amount`, and :func:`sample_customers`
  -- all lines of ``n`` seeded, randomly chosen customers.
- :mod:`~profiling.datasets.shipped`: :func:`load_online_retail` -- the shipped UCI Online Retail
  II (2009-2010), canonical schema (:data:`ONLINE_RETAIL_COLUMNS`: its original names);
  :func:`load_hillstrom` -- the shipped Hillstrom e-mail experiment (one row per customer; its own
  columns, :data:`HILLSTROM_DTYPES`, :data:`HILLSTROM_CATEGORIES`, documented there).
- :mod:`~profiling.datasets.files`: :func:`load_transactions` -- a user's own CSV / Parquet /
  Excel file, mapped onto the schema with ``columns={canonical: theirs}`` and validated; problems
  raise :class:`DataError`.
- :mod:`~profiling.datasets.headers`: :func:`suggest_columns` -- which of a file's columns is which
  canonical column, from the names shops use (:data:`SYNONYMS`: English and Chinese, e.g.
  ``InvoiceNo``, ``用户ID``, ``付款时间``).
- :mod:`~profiling.datasets.sniffing`: :func:`sniff_csv` -- a CSV's text encoding (UTF-8, UTF-16,
  GBK, cp1252) and separator; the timestamp format and binary-file checks the loader and
  ``profiling columns`` share.
- :mod:`~profiling.datasets.synthetic`: :func:`make_transactions` -- synthetic transactions in the
  schema (seasonal, skewed, with returns; :data:`SYNTHETIC_COUNTRIES`), fast enough for 10M-line
  benchmarks.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from profiling import datasets
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "orders.csv"
...     datasets.make_transactions(50, random_state=0).to_csv(path, index=False)
...     tx = datasets.load_transactions(path, columns=datasets.suggest_columns(datasets.COLUMNS))
>>> list(tx.columns) == datasets.COLUMNS, tx["customer_id"].nunique(), bool((datasets.line_amount(tx) < 0).any())
(True, 50, True)
"""

from profiling.datasets.files import load_transactions
from profiling.datasets.headers import SYNONYMS, suggest_columns
from profiling.datasets.schema import COLUMNS, DTYPES, OPTIONAL, REQUIRED, DataError, line_amount, sample_customers
from profiling.datasets.shipped import (
    HILLSTROM_CATEGORIES,
    HILLSTROM_DTYPES,
    ONLINE_RETAIL_COLUMNS,
    load_hillstrom,
    load_online_retail,
)
from profiling.datasets.sniffing import sniff_csv
from profiling.datasets.synthetic import SYNTHETIC_COUNTRIES, make_transactions

__all__ = [
    # schema
    "COLUMNS",
    "DTYPES",
    "OPTIONAL",
    "REQUIRED",
    "DataError",
    "line_amount",
    "sample_customers",
    # shipped
    "HILLSTROM_CATEGORIES",
    "HILLSTROM_DTYPES",
    "ONLINE_RETAIL_COLUMNS",
    "load_hillstrom",
    "load_online_retail",
    # files
    "load_transactions",
    # headers
    "SYNONYMS",
    "suggest_columns",
    # sniffing
    "sniff_csv",
    # synthetic
    "SYNTHETIC_COUNTRIES",
    "make_transactions",
]
