"""Small canonical transaction frames built by hand, shared by the unit tests."""

from __future__ import annotations

import pandas as pd

from profiling.datasets import COLUMNS

#: How another shop names its columns (canonical -> theirs): the command's tests export the synthetic
#: shop under these names.
THEIR_NAMES = {
    "invoice_id": "Order No",
    "customer_id": "Client",
    "item_id": "SKU",
    "description": "Product Name",
    "quantity": "Qty",
    "unit_price": "Unit Cost",
    "timestamp": "Paid At",
    "country": "Market",
}


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
