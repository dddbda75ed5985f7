"""Small canonical transaction frames built by hand, shared by the unit tests."""

from __future__ import annotations

import pandas as pd

from profiling.datasets import COLUMNS


def tx_frame(rows: list[tuple]) -> pd.DataFrame:
    """Canonical transactions from ``rows`` of (customer, invoice, item, quantity, price, timestamp, country).

    The description is ``"ITEM " + item``; dtypes are the canonical ones.
    """
    df = pd.DataFrame(rows, columns=["customer_id", "invoice_id", "item_id", "quantity", "unit_price", "timestamp", "country"])
    df["description"] = "ITEM " + df["item_id"]
    df["timestamp"] = pd.to_datetime(df["timestamp"]).astype("datetime64[us]")
    df["quantity"] = df["quantity"].astype("int64")
    df["unit_price"] = df["unit_price"].astype("float64")
    for c in ["customer_id", "invoice_id", "item_id", "description", "country"]:
        df[c] = df[c].astype("str")
    return df[COLUMNS]
