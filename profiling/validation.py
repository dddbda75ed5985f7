"""Input checks, in one place (as scikit-learn's ``sklearn/utils/validation.py``).

Every public function of the package checks what it is given with these helpers, so that bad
input gets one kind of message everywhere: ``where: what is wrong; how to fix it``. Each raises
``TypeError`` for the wrong kind of object and ``ValueError`` for the wrong content.

- :func:`check_frame`: a DataFrame with the columns a step needs (optionally non-empty and
  without missing values in some of them).
- :func:`check_binary_scores`: 0/1 labels and real scores of equal length.
- :func:`check_positive_int`: a whole number >= some minimum (days, k, n_boot, ...).
- :func:`check_is_fitted`: a fitted estimator (re-exported from scikit-learn, which every estimator
  of the package follows: fitted state in attributes with a trailing underscore).

Example
-------
>>> import pandas as pd
>>> check_frame(pd.DataFrame({"customer_id": ["1"]}), ["customer_id"], "demo")
>>> check_frame(pd.DataFrame({"a": [1]}), ["customer_id"], "demo")
Traceback (most recent call last):
...
ValueError: demo: the frame lacks the column(s) ['customer_id'] (it has ['a']).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

__all__ = ["check_binary_scores", "check_frame", "check_is_fitted", "check_positive_int"]


def check_frame(
    frame: Any,
    columns: Iterable[str],
    where: str,
    *,
    what: str = "the frame",
    fix: str = "",
    allow_empty: bool = True,
    complete: Iterable[str] = (),
) -> None:
    """Check that ``frame`` is a DataFrame holding ``columns``.

    Parameters
    ----------
    frame : object
        What the caller was given.
    columns : iterable of str
        The columns the step needs.
    where : str
        The function (or step) that checks, first in every message.
    what : str, default "the frame"
        How the message names the frame ("transactions", "features", ...).
    fix : str, default ""
        A sentence on how to get a right frame, appended to the message.
    allow_empty : bool, default True
        When False, a frame without rows is refused too.
    complete : iterable of str, default ()
        Columns that may not hold missing values.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame.
    ValueError
        A column is missing, the frame is empty (``allow_empty=False``) or a ``complete`` column has
        missing values; the message names the columns.
    """
    tail = f" {fix}" if fix else ""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{where}: {what} must be a pandas DataFrame, got {type(frame).__name__}.{tail}")
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = list(frame.columns)
        shown = f"{found[:12]} and {len(found) - 12} more" if len(found) > 12 else f"{found}"
        raise ValueError(f"{where}: {what} lacks the column(s) {missing} (it has {shown}).{tail}")
    if not allow_empty and frame.empty:
        raise ValueError(f"{where}: {what} is empty (no rows), so there is nothing to compute.{tail}")
    gaps = [c for c in complete if frame[c].isna().any()]
    if gaps:
        raise ValueError(f"{where}: column(s) {gaps} of {what} have missing values; every row needs them.{tail}")


def check_positive_int(value: Any, where: str, name: str, minimum: int = 1, unit: str = "") -> int:
    """``value`` as an int if it is a whole number >= ``minimum`` (bools refused), else ValueError.

    >>> check_positive_int(30, "time_split", "horizon_days", unit="days")
    30
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        unit = f" of {unit}" if unit else ""
        raise ValueError(f"{where}: {name} must be a whole number{unit} >= {minimum}, got {value!r}")
    return int(value)


def check_binary_scores(y_true: Any, scores: Any, where: str) -> tuple[np.ndarray, np.ndarray]:
    """``(y, s)``: 0/1 labels as int and scores as float, 1-D, of equal length, not empty, no NaN.

    Labels may be bool or 0/1 numbers; anything else is refused, as are missing scores.
    """
    y = np.asarray(y_true)
    s = np.asarray(scores, dtype=np.float64)
    if y.ndim != 1 or s.ndim != 1 or len(y) != len(s):
        raise ValueError(f"{where}: y_true and scores must be 1-D and of the same length, got {y.shape} and {s.shape}")
    if len(y) == 0:
        raise ValueError(f"{where}: no rows")
    if y.dtype == bool:
        y = y.astype(np.int64)
    if not np.isin(y, [0, 1]).all():
        raise ValueError(f"{where}: y_true must hold 0/1 labels, got values {np.unique(y)[:5].tolist()}")
    if np.isnan(s).any():
        raise ValueError(f"{where}: scores contain NaN; score every row")
    return y.astype(np.int64), s

