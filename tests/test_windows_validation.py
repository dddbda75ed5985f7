"""windows (the cutoff and the window after it) and validation (input checks)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profiling import validation, windows

TS = pd.Series(pd.to_datetime(["2010-01-04 10:00", "2010-03-01 00:00", "2010-06-30 18:00"]))


def test_resolve_cutoff() -> None:
    assert windows.resolve_cutoff(TS, None) == pd.Timestamp("2010-07-01")
    assert windows.resolve_cutoff(pd.DataFrame({"timestamp": TS}), "2010-02-01") == pd.Timestamp("2010-02-01")
    with pytest.raises(ValueError, match="demo: cutoff 2010-01-01 00:00 is on or before the first"):
        windows.resolve_cutoff(TS, "2010-01-01", "demo")
    with pytest.raises(ValueError, match="by more than a day"):
        windows.resolve_cutoff(TS, "2010-07-03")
    with pytest.raises(ValueError, match="is not a date"):
        windows.resolve_cutoff(TS, "soon")


def test_check_window_and_overlap() -> None:
    assert windows.check_window(TS, "2010-06-01", 30, "w") == pd.Timestamp("2010-07-01")   # ends with the data
    with pytest.raises(ValueError, match=r"on or before 2010-06-01 or a shorter horizon"):
        windows.check_window(TS, "2010-06-02", 30, "w")
    with pytest.raises(ValueError, match="whole number of days"):
        windows.check_window(TS, "2010-06-01", 0, "w")
    with pytest.raises(ValueError, match="whole number of days"):
        windows.check_horizon(True, "w")
    assert windows.check_no_overlap("2010-01-01", "2010-01-31", 30, "o") == (pd.Timestamp("2010-01-01"), pd.Timestamp("2010-01-31"))
    with pytest.raises(ValueError, match="overlap the test period.*2010-01-01 or earlier"):
        windows.check_no_overlap("2010-01-02", "2010-01-31", 30, "o")


def test_check_inside() -> None:
    assert windows.check_inside(TS, "2010-03-01", "i") == pd.Timestamp("2010-03-01")
    for bad in ("2010-01-04 10:00", "2010-07-01"):
        with pytest.raises(ValueError, match="must lie inside the data"):
            windows.check_inside(TS, bad, "i")


def test_check_frame_messages() -> None:
    frame = pd.DataFrame({"a": [1, None], "b": [1, 2]})
    validation.check_frame(frame, ["a", "b"], "f")
    with pytest.raises(TypeError, match="f: the frame must be a pandas DataFrame, got list"):
        validation.check_frame([1], ["a"], "f")
    with pytest.raises(ValueError, match=r"f: features lacks the column\(s\) \['c'\] \(it has \['a', 'b'\]\). Build them"):
        validation.check_frame(frame, ["c"], "f", what="features", fix="Build them.")
    with pytest.raises(ValueError, match="is empty"):
        validation.check_frame(frame.iloc[:0], ["a"], "f", allow_empty=False)
    with pytest.raises(ValueError, match=r"column\(s\) \['a'\] of the frame have missing values"):
        validation.check_frame(frame, ["a"], "f", complete=["a"])
    wide = pd.DataFrame(columns=[f"c{i}" for i in range(20)])
    with pytest.raises(ValueError, match="and 8 more"):
        validation.check_frame(wide, ["x"], "f")


def test_check_binary_scores_and_positive_int() -> None:
    y, s = validation.check_binary_scores([True, False], [0.3, 0.1], "b")
    assert y.tolist() == [1, 0] and s.dtype == np.float64
    with pytest.raises(ValueError, match="0/1"):
        validation.check_binary_scores([0, 2], [0.1, 0.2], "b")
    with pytest.raises(ValueError, match="same length"):
        validation.check_binary_scores([0, 1], [0.1], "b")
    with pytest.raises(ValueError, match="NaN"):
        validation.check_binary_scores([0, 1], [0.1, np.nan], "b")
    with pytest.raises(ValueError, match="no rows"):
        validation.check_binary_scores([], [], "b")
    assert validation.check_positive_int(3, "p", "k") == 3
    with pytest.raises(ValueError, match="p: k must be a whole number >= 1, got 0"):
        validation.check_positive_int(0, "p", "k")
