"""The cutoff and the windows around it, in one place.

Everything that predicts the future splits time at a **cutoff**: features, segments and training
data come from lines *before* it; labels and outcomes from the **window** ``[cutoff, cutoff +
horizon_days)`` after it. These helpers turn what a user passes into dates and refuse the windows
that would leak or mislead, with one message per problem:

- :func:`as_date`: a date-like value as a ``Timestamp``, or "is not a date".
- :func:`check_horizon`: the window length, a whole number of days >= 1.
- :func:`resolve_cutoff`: a profile cutoff checked against the data (``None`` = the day after the
  last line; no cutoff on or before the first line, none more than a day after the last).
- :func:`check_inside`: a cutoff strictly after the first line and not after the last (both sides
  have data).
- :func:`check_window`: a label window that ends within the data (else customers would look as if
  they stopped buying only because the data stop).
- :func:`check_no_overlap`: a training window that ends before the test cutoff.

>>> import pandas as pd
>>> ts = pd.Series(pd.to_datetime(["2010-01-04", "2010-03-01", "2010-06-30"]))
>>> check_window(ts, "2010-04-01", 30, "demo")
Timestamp('2010-05-01 00:00:00')
>>> check_window(ts, "2010-06-15", 30, "demo")
Traceback (most recent call last):
...
ValueError: demo: the window [2010-06-15, 2010-07-15) runs past the end of the data (last line on 2010-06-30): customers would look as if they did not buy only because the data stop. Choose a cutoff on or before 2010-06-01 or a shorter horizon.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["as_date", "check_horizon", "check_inside", "check_no_overlap", "check_window", "resolve_cutoff"]


def _timestamps(data: Any) -> pd.Series:
    if isinstance(data, pd.DataFrame):
        return data["timestamp"]
    return pd.Series(data)


def as_date(value: Any, where: str, name: str = "cutoff") -> pd.Timestamp:
    """``value`` as a Timestamp, or ValueError ``where: cutoff ... is not a date``."""
    try:
        out = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {name} {value!r} is not a date; pass e.g. '2010-09-01'") from exc
    if pd.isna(out):
        raise ValueError(f"{where}: {name} {value!r} is not a date; pass e.g. '2010-09-01'")
    return out


def check_horizon(horizon_days: Any, where: str) -> int:
    """The window length as an int: a whole number of days >= 1 (bools refused)."""
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1:
        raise ValueError(f"{where}: horizon_days must be a whole number of days >= 1, got {horizon_days!r}")
    return int(horizon_days)


def resolve_cutoff(data: Any, cutoff: Any, where: str = "resolve_cutoff") -> pd.Timestamp:
    """The profile cutoff as a Timestamp, checked against the data (a frame with ``timestamp`` or the timestamps).

    ``None`` means the day after the last transaction (profiles "as of the end of the data").
    A cutoff on or before the first transaction, or more than one day after the last, is refused:
    the first leaves no history, the second would inflate every recency -- unless the frame says
    it holds the lines before that cutoff (``attrs["cutoff"]`` at or after it, as the training part
    of a time split has): then a stretch without sales before the cutoff is simply what happened.

    Example
    -------
    >>> lines = pd.DataFrame({"timestamp": pd.to_datetime(["2021-01-04", "2021-01-05"])})
    >>> resolve_cutoff(lines, None)
    Timestamp('2021-01-06 00:00:00')
    >>> lines.attrs["cutoff"] = pd.Timestamp("2021-02-01")  # the lines before 1 February: none after 5 January
    >>> resolve_cutoff(lines, "2021-02-01")
    Timestamp('2021-02-01 00:00:00')
    """
    ts = _timestamps(data)
    first, last = ts.min(), ts.max()
    if cutoff is None:
        return (last + pd.Timedelta(days=1)).normalize()
    cut = as_date(cutoff, where)
    if cut <= first:
        raise ValueError(
            f"{where}: cutoff {cut:%Y-%m-%d %H:%M} is on or before the first transaction ({first:%Y-%m-%d %H:%M}): "
            "no history to build features from; choose a later cutoff"
        )
    split_at = data.attrs.get("cutoff") if isinstance(data, pd.DataFrame) else None
    if cut > last + pd.Timedelta(days=1) and not (split_at is not None and pd.Timestamp(split_at) >= cut):
        raise ValueError(
            f"{where}: cutoff {cut:%Y-%m-%d} is after the last transaction ({last:%Y-%m-%d %H:%M}) by more than a day: "
            "recency and tenure would be inflated; use cutoff=None for 'as of the end of the data'"
        )
    return cut


def check_inside(data: Any, cutoff: Any, where: str) -> pd.Timestamp:
    """A cutoff strictly after the first line and not after the last, so that both periods have data."""
    ts = _timestamps(data)
    cut = as_date(cutoff, where)
    first, last = ts.min(), ts.max()
    if cut <= first or cut > last:
        raise ValueError(
            f"{where}: cutoff {cut:%Y-%m-%d} must lie inside the data ({first:%Y-%m-%d} to {last:%Y-%m-%d}) so "
            "that both periods have purchases; choose another cutoff."
        )
    return cut


def check_window(data: Any, cutoff: Any, horizon_days: Any, where: str) -> pd.Timestamp:
    """The window's end (exclusive), if ``[cutoff, cutoff + horizon_days)`` ends within the data.

    The data are taken to cover every day up to and including the day of their last line.
    """
    cut = as_date(cutoff, where)
    days = check_horizon(horizon_days, where)
    end = cut + pd.Timedelta(days=days)
    data_end = _timestamps(data).max().normalize() + pd.Timedelta(days=1)
    if end > data_end:
        raise ValueError(
            f"{where}: the window [{cut:%Y-%m-%d}, {end:%Y-%m-%d}) runs past the end of the data "
            f"(last line on {data_end - pd.Timedelta(days=1):%Y-%m-%d}): customers would look as if they "
            f"did not buy only because the data stop. Choose a cutoff on or before "
            f"{data_end - pd.Timedelta(days=days):%Y-%m-%d} or a shorter horizon."
        )
    return end


def check_no_overlap(train_cutoff: Any, test_cutoff: Any, horizon_days: Any, where: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(train, test)`` cutoffs if the training window ``[train, train + horizon)`` ends by the test cutoff."""
    tr, te = as_date(train_cutoff, where, "train_cutoff"), as_date(test_cutoff, where, "test_cutoff")
    days = check_horizon(horizon_days, where)
    if tr + pd.Timedelta(days=days) > te:
        raise ValueError(
            f"{where}: train_cutoff {tr:%Y-%m-%d} + {days} days = {tr + pd.Timedelta(days=days):%Y-%m-%d} is after "
            f"test_cutoff {te:%Y-%m-%d}: the training labels would overlap the test period. Move the training "
            f"cutoff to {te - pd.Timedelta(days=days):%Y-%m-%d} or earlier."
        )
    return tr, te
