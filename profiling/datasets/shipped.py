"""The course's shipped data sets: UCI Online Retail II (canonical transactions) and the Hillstrom e-mail experiment.

Both are read from :func:`profiling.storage.data_dir` (``data/``, or ``$PROFILING_DATA``) and only
read. :func:`load_online_retail` renames the original columns (:data:`ONLINE_RETAIL_COLUMNS`) into
the canonical schema, uncleaned; :func:`load_hillstrom` returns one row per customer with the
file's own columns (:data:`HILLSTROM_DTYPES`, categories in :data:`HILLSTROM_CATEGORIES`).

Example
-------
>>> tx = load_online_retail()
>>> tx.shape, tx["customer_id"].nunique()
((525461, 8), 4383)
>>> load_hillstrom()["segment"].value_counts().sort_index().to_dict()
{'No E-Mail': 21306, 'Mens E-Mail': 21307, 'Womens E-Mail': 21387}
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from profiling.datasets.files import load_transactions
from profiling.datasets.schema import COLUMNS, DataError
from profiling.storage import data_dir

__all__ = [
    "HILLSTROM_CATEGORIES",
    "HILLSTROM_DTYPES",
    "ONLINE_RETAIL_COLUMNS",
    "load_hillstrom",
    "load_online_retail",
]

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


def load_online_retail(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped UCI Online Retail II (2009-12-01 to 2010-12-09) in the canonical schema.

    ``path`` defaults to ``data_dir() / "online_retail_ii_2009_2010.parquet"``. All 525,461 lines
    are returned, uncleaned (see :mod:`profiling.cleaning`). The file is only read. A Parquet
    file that already has the canonical columns (e.g. written by ``profiling report``) is read
    with :func:`load_transactions` instead, ids unchanged.

    Example: ``tx = load_online_retail(); tx.shape  # (525461, 8)``
    """
    path = Path(path) if path is not None else data_dir() / "online_retail_ii_2009_2010.parquet"
    import pyarrow.parquet as pq

    if set(COLUMNS) <= set(pq.read_schema(path).names):
        # Already canonical (e.g. the validated copy `profiling report` passes to the chapters):
        # read and validate it as it is, so that ids such as "C-0012" or "007" stay unchanged.
        return load_transactions(path)
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


# --------------------------------------------------------------------------------------------
# Hillstrom e-mail experiment
# --------------------------------------------------------------------------------------------

#: Category order of the Hillstrom text columns (the control arm first).
HILLSTROM_CATEGORIES: dict[str, list[str]] = {
    "history_segment": [
        "1) $0 - $100",
        "2) $100 - $200",
        "3) $200 - $350",
        "4) $350 - $500",
        "5) $500 - $750",
        "6) $750 - $1,000",
        "7) $1,000 +",
    ],
    "zip_code": ["Urban", "Surburban", "Rural"],
    "channel": ["Phone", "Web", "Multichannel"],
    "segment": ["No E-Mail", "Mens E-Mail", "Womens E-Mail"],
}

#: dtype of each Hillstrom column, in file order.
HILLSTROM_DTYPES: dict[str, str] = {
    "recency": "int64",
    "history_segment": "category",
    "history": "float64",
    "mens": "int64",
    "womens": "int64",
    "zip_code": "category",
    "newbie": "int64",
    "channel": "category",
    "segment": "category",
    "visit": "int64",
    "conversion": "int64",
    "spend": "float64",
}


def load_hillstrom(path: str | Path | None = None) -> pd.DataFrame:
    """The Hillstrom (2008) e-mail experiment: 64,000 customers randomly split into three arms.

    Parameters
    ----------
    path : str or Path, optional
        Defaults to ``data_dir() / "hillstrom.csv"``. The file is only read.

    Returns
    -------
    DataFrame, one row per customer, columns in file order:

    ===============  ============  ==============================================================
    column           dtype         meaning
    ===============  ============  ==============================================================
    recency          ``int64``     months since the last purchase (1-12)
    history_segment  ``category``  past-year spend band, ordered ("1) $0 - $100" ... "7) $1,000 +")
    history          ``float64``   spend in the past year, USD
    mens             ``int64``     1 if the customer bought men's merchandise in the past year
    womens           ``int64``     1 if the customer bought women's merchandise in the past year
    zip_code         ``category``  Urban, Surburban [sic], Rural
    newbie           ``int64``     1 if a new customer in the past twelve months
    channel          ``category``  Phone, Web, Multichannel (where they bought in the past year)
    segment          ``category``  the randomized arm: No E-Mail (control), Mens E-Mail, Womens E-Mail
    visit            ``int64``     1 if the customer visited the site in the two weeks after the e-mail
    conversion       ``int64``     1 if the customer bought in those two weeks
    spend            ``float64``   USD spent in those two weeks
    ===============  ============  ==============================================================

    Raises
    ------
    DataError
        If a column is missing or a text column holds a value outside its known categories.

    Example
    -------
    >>> hs = load_hillstrom()
    >>> hs.groupby("segment", observed=True)["visit"].mean().round(3).to_dict()
    {'No E-Mail': 0.106, 'Mens E-Mail': 0.183, 'Womens E-Mail': 0.151}
    """
    path = Path(path) if path is not None else data_dir() / "hillstrom.csv"
    if not path.is_file():
        raise DataError(f"{path}: file not found. Pass the path of hillstrom.csv, or set $PROFILING_DATA.")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in HILLSTROM_DTYPES if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path}: column(s) {missing} missing; found {list(raw.columns)}. "
            "This is not the Hillstrom e-mail file; use the copy shipped in data/."
        )
    out = {}
    for column, dtype in HILLSTROM_DTYPES.items():
        values = raw[column]
        if dtype == "category":
            categories = HILLSTROM_CATEGORIES[column]
            unknown = sorted(set(values.unique()) - set(categories))
            if unknown:
                raise DataError(
                    f"{path}: column '{column}' has unknown value(s) {unknown[:5]}; expected {categories}. "
                    "Use the unmodified Hillstrom file."
                )
            out[column] = pd.Categorical(values, categories=categories, ordered=column == "history_segment")
        else:
            converted = pd.to_numeric(values, errors="coerce")
            if converted.isna().any():
                row = int(np.flatnonzero(converted.isna().to_numpy())[0])
                raise DataError(
                    f"{path}: column '{column}' has a non-numeric value {values.iloc[row]!r} at data row {row + 1}. "
                    "Use the unmodified Hillstrom file."
                )
            out[column] = converted.astype(dtype)
    return pd.DataFrame(out, columns=list(HILLSTROM_DTYPES))
