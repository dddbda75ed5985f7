"""Input checks and small helpers shared by the cleaning rules and the fusion (private to :mod:`profiling.cleaning`).

The canonical columns must be there (:func:`check_columns`, through :func:`profiling.validation.check_frame`,
with the fix that names the loaders), with numeric quantities and prices and datetime timestamps
(:func:`check_types`); text columns are compared as pandas ``str`` (:func:`as_text`).
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from profiling.validation import check_frame


def check_columns(frame: pd.DataFrame, needed: Iterable[str], what: str = "transactions") -> None:
    """TypeError / ValueError naming the missing columns (and the ones found) if any is absent."""
    check_frame(frame, needed, "cleaning", what=what,
                fix="Load the data with profiling.datasets.load_online_retail() or load_transactions(), "
                    "which map a file's columns onto the canonical schema.")


def check_types(frame: pd.DataFrame) -> None:
    """Raise ValueError if quantity / unit_price are not numeric or timestamp not a datetime."""
    for col in ("quantity", "unit_price"):
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            raise ValueError(
                f"column {col!r} must be numeric, got dtype {frame[col].dtype}; "
                "convert it with pd.to_numeric before cleaning."
            )
    if not pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
        raise ValueError(
            f"column 'timestamp' must be a datetime, got dtype {frame['timestamp'].dtype}; "
            "convert it with pd.to_datetime before cleaning."
        )


def as_text(series: pd.Series) -> pd.Series:
    """A text column as pandas ``str`` dtype (missing values stay missing)."""
    return series.astype("str") if series.dtype != "str" else series
