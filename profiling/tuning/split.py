"""Time-aware cross-validation: :class:`TimeAwareSplit` and :func:`stack_cutoffs`."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

import numpy as np
import pandas as pd
from sklearn.model_selection import BaseCrossValidator

__all__ = ["TimeAwareSplit", "stack_cutoffs"]


def _as_time_array(groups: Any) -> np.ndarray:
    arr = np.asarray(groups)
    if arr.dtype.kind in "OUT":
        # strings such as "2010-06-01" or Timestamps in an object array: parse as dates
        try:
            arr = pd.to_datetime(pd.Series(arr), format="ISO8601").to_numpy()
        except (ValueError, TypeError) as exc:
            raise ValueError(
                "TimeAwareSplit: `groups` must hold orderable times (cutoff dates or numbers); "
                f"could not read {arr[:3].tolist()!r}... as dates. Pass the cutoff of each row, "
                "e.g. the `groups` returned by profiling.tuning.stack_cutoffs"
            ) from exc
    return arr


def _gap_value(gap: Any, times: np.ndarray) -> Any:
    if gap is None:
        return None
    if times.dtype.kind == "M":
        if isinstance(gap, (int, float, np.number)):
            raise ValueError(
                f"TimeAwareSplit: gap={gap!r} is a number but the groups are dates; pass a time difference, "
                "e.g. gap=pd.Timedelta(days=90) (the label horizon)"
            )
        try:
            return np.timedelta64(pd.Timedelta(gap).to_timedelta64(), "us").astype(times.dtype.str.replace("M8", "m8"))
        except (ValueError, TypeError) as exc:
            raise ValueError(
                f"TimeAwareSplit: gap={gap!r} is not a time difference; the groups are dates, so pass "
                "e.g. gap=pd.Timedelta(days=90) (the label horizon)"
            ) from exc
    if isinstance(gap, (pd.Timedelta, np.timedelta64)) or isinstance(gap, str):
        raise ValueError(
            f"TimeAwareSplit: gap={gap!r} is a time difference but the groups are numbers; pass a number "
            "in the groups' unit"
        )
    return gap


class TimeAwareSplit(BaseCrossValidator):
    """Walk-forward cross-validation over a time-ordered group column (e.g. the cutoff of each row).

    The distinct values of ``groups`` are sorted; each of the last ``n_splits`` values in turn is a
    validation fold (all its rows), and the training rows are those whose group ``t`` satisfies
    ``t < v`` and ``t + gap <= v`` for the validation value ``v``. With customer rows built at
    successive cutoffs and labels from ``[t, t + horizon)``, pass ``gap = horizon``: then no
    training label looks past the validation cutoff, and no training row is from the validation
    cutoff or later. The usual k-fold would mix a customer's later rows — whose features contain
    the purchases that are the label of their earlier rows — into training.

    Parameters
    ----------
    n_splits : int, default 3
        Number of validation folds (the latest ``n_splits`` distinct groups).
    gap : number, pandas.Timedelta or str, optional
        Minimum distance between a training group and the validation group, in the groups' unit
        (``pd.Timedelta(days=90)`` for cutoff dates). ``None`` means only ``t < v``.
    max_train_groups : int, optional
        Keep only the latest this many eligible training groups (a sliding window).

    Example
    -------
    >>> cv = TimeAwareSplit(n_splits=2)
    >>> [(tr.tolist(), va.tolist()) for tr, va in cv.split([[0]] * 4, groups=[1, 1, 2, 3])]
    [([0, 1], [2]), ([0, 1, 2], [3])]
    """

    def __init__(self, n_splits: int = 3, gap: Any = None, max_train_groups: int | None = None) -> None:
        self.n_splits = n_splits
        self.gap = gap
        self.max_train_groups = max_train_groups

    def _check(self) -> None:
        if not isinstance(self.n_splits, (int, np.integer)) or self.n_splits < 1:
            raise ValueError(f"TimeAwareSplit: n_splits must be a positive integer, got {self.n_splits!r}")
        if self.max_train_groups is not None and (
            not isinstance(self.max_train_groups, (int, np.integer)) or self.max_train_groups < 1
        ):
            raise ValueError(
                f"TimeAwareSplit: max_train_groups must be None or a positive integer, got {self.max_train_groups!r}"
            )

    def split(self, X: Any, y: Any = None, groups: Any = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield ``(train_indices, validation_indices)``, oldest validation fold first."""
        self._check()
        if groups is None:
            raise ValueError(
                "TimeAwareSplit needs `groups`: the time (e.g. cutoff date) of each row. Pass "
                "groups=... to cross_val_score / the search's fit, e.g. from profiling.tuning.stack_cutoffs"
            )
        times = _as_time_array(groups)
        n = len(X) if not hasattr(X, "shape") else X.shape[0]
        if len(times) != n:
            raise ValueError(f"TimeAwareSplit: groups has {len(times)} values but X has {n} rows")
        if pd.isna(pd.Series(times)).any():
            raise ValueError("TimeAwareSplit: groups has missing values; every row needs its time (cutoff)")
        values = np.unique(times)
        if len(values) < self.n_splits + 1:
            raise ValueError(
                f"TimeAwareSplit: {len(values)} distinct groups cannot give {self.n_splits} validation folds "
                "each with earlier training groups; add cutoffs or lower n_splits"
            )
        gap = _gap_value(self.gap, times)
        for v in values[-self.n_splits :]:
            eligible = values[values < v]
            if gap is not None:
                eligible = eligible[eligible + gap <= v]
            if self.max_train_groups is not None:
                eligible = eligible[-self.max_train_groups :]
            if len(eligible) == 0:
                raise ValueError(
                    f"TimeAwareSplit: validation group {v} has no training group at least gap={self.gap!r} "
                    "earlier; add earlier cutoffs, lower n_splits or shorten the gap"
                )
            train = np.flatnonzero(np.isin(times, eligible))
            valid = np.flatnonzero(times == v)
            yield train, valid

    def get_n_splits(self, X: Any = None, y: Any = None, groups: Any = None) -> int:
        """The number of folds (``n_splits``)."""
        self._check()
        return int(self.n_splits)

    def _iter_test_indices(self, X: Any = None, y: Any = None, groups: Any = None) -> Iterator[np.ndarray]:
        for _, valid in self.split(X, y, groups):
            yield valid


def stack_cutoffs(tasks: Mapping[Any, tuple[pd.DataFrame, pd.Series]]) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    """Stack per-cutoff tasks into one panel for :class:`TimeAwareSplit`.

    Parameters
    ----------
    tasks : mapping cutoff -> (X, y)
        ``X`` a feature frame indexed by customer, ``y`` the aligned labels; the same columns
        at every cutoff.

    Returns
    -------
    (X, y, groups)
        ``X`` and ``y`` indexed by ``(cutoff, customer_id)``, sorted by cutoff (then by the original
        order); ``groups`` the cutoff of each row as a datetime Series on the same index.

    Example: ``X, y, g = stack_cutoffs({c: make_task(tx, c, 90)[:2] for c in cutoffs})``
    """
    if not tasks:
        raise ValueError("stack_cutoffs: no tasks given; pass {cutoff: (X, y), ...}")
    keys = sorted(tasks, key=pd.Timestamp)
    columns = None
    xs, ys = [], []
    for key in keys:
        X, y = tasks[key]
        if len(X) != len(y):
            raise ValueError(f"stack_cutoffs: at cutoff {key}, X has {len(X)} rows but y has {len(y)}")
        if columns is None:
            columns = list(X.columns)
        elif list(X.columns) != columns:
            raise ValueError(
                f"stack_cutoffs: the columns at cutoff {key} differ from those at {keys[0]}; build every "
                "task with the same feature function"
            )
        cut = pd.Timestamp(key)
        idx = pd.MultiIndex.from_arrays([np.repeat(np.datetime64(cut, "us"), len(X)), X.index], names=["cutoff", X.index.name or "customer_id"])
        xs.append(X.set_axis(idx))
        ys.append(pd.Series(np.asarray(y), index=idx, name=getattr(y, "name", None) or "y"))
    Xs, ys_ = pd.concat(xs), pd.concat(ys)
    groups = pd.Series(Xs.index.get_level_values("cutoff"), index=Xs.index, name="cutoff")
    return Xs, ys_, groups
