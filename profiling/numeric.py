"""Small numeric building blocks shared by several steps.

- :func:`one_thread` / :func:`single_threaded`: run BLAS and OpenMP on one thread. On the few
  thousand rows of a course chapter, thread start-up and spin-waiting cost more than the parallel
  work (badly so on a shared machine), and one thread sums in one fixed order, so results are the
  same bit for bit on every machine.
- :func:`signed_log1p` and :func:`log_standardizer`: the preprocessing of skewed amounts and counts
  (a 50,000 wholesaler and a 50 shopper on one scale) for distance-based methods.
- :func:`unit_rows` (dense or sparse) and :func:`row_minmax`: row normalisations.

>>> import numpy as np
>>> unit_rows(np.array([[3.0, 4.0], [0.0, 0.0]]))
array([[0.6, 0.8],
       [0. , 0. ]])
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from scipy import sparse
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

__all__ = ["log_standardizer", "one_thread", "row_minmax", "signed_log1p", "single_threaded", "top_k", "unit_rows"]

F = TypeVar("F", bound=Callable[..., Any])


_controller: tuple[int, Any] | None = None


def _threadpool_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS and OpenMP libraries, found once per set of imports.

    Finding them walks every loaded shared library (several milliseconds); a recommender's
    evaluation enters :func:`one_thread` hundreds of times. Libraries arrive with imports, so the
    scan is repeated only when ``sys.modules`` has grown since the last one.
    """
    global _controller
    import sys

    from threadpoolctl import ThreadpoolController

    n_modules = len(sys.modules)
    if _controller is None or _controller[0] != n_modules:
        _controller = (n_modules, ThreadpoolController())
    return _controller[1]


def one_thread() -> Any:
    """A context manager that limits BLAS and OpenMP to one thread (threadpoolctl).

    >>> with one_thread():
    ...     pass
    """
    return _threadpool_controller().limit(limits=1)


def single_threaded(method: F) -> F:
    """Decorator: run ``method`` inside :func:`one_thread`."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with one_thread():
            return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def signed_log1p(X: Any) -> Any:
    """``sign(x) * log(1 + |x|)``: a log that keeps zeros and the sign of net amounts.

    >>> signed_log1p(np.array([-np.e + 1, 0.0, np.e - 1])).round(6)
    array([-1.,  0.,  1.])
    """
    return np.sign(X) * np.log1p(np.abs(X))


def log_standardizer() -> Pipeline:
    """Signed ``log1p``, then standardization (mean 0, variance 1 per column).

    The preprocessing for distance- and margin-based models (KNN, SVM, KMeans): spend and counts
    are heavily skewed, the log brings large and small customers onto one scale, and the
    standardization gives every feature the same weight in a distance. Input is validated like
    any scikit-learn estimator's: a frame whose columns are named or ordered otherwise than at
    ``fit`` is refused, never silently relabelled.

    >>> import pandas as pd
    >>> X = pd.DataFrame({"spend": [10.0, 200.0, 3000.0], "orders": [1, 2, 9]})
    >>> scaler = log_standardizer().fit(X)
    >>> scaler.transform(X[["orders", "spend"]])
    Traceback (most recent call last):
    ...
    ValueError: The feature names should match those that were passed during fit.
    Feature names must be in the same order as they were in fit.
    <BLANKLINE>
    """
    log = FunctionTransformer(signed_log1p, validate=True, feature_names_out="one-to-one")
    return Pipeline([("log", log), ("std", StandardScaler())])


def unit_rows(m: Any) -> Any:
    """Each row divided by its Euclidean length; all-zero rows stay zero. Dense in, dense out; sparse in, CSR out."""
    if sparse.issparse(m):
        m = sparse.csr_matrix(m, dtype=np.float64)
        norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        return sparse.csr_matrix(sparse.diags(inv) @ m)
    arr = np.asarray(m, dtype=np.float64)
    norms = np.linalg.norm(arr, axis=-1, keepdims=True)
    return np.divide(arr, norms, out=np.zeros_like(arr), where=norms > 1e-12)


def row_minmax(s: Any) -> np.ndarray:
    """Each row scaled to [0, 1] (min -> 0, max -> 1); constant rows -> 0.

    >>> row_minmax(np.array([[1.0, 3.0, 2.0], [5.0, 5.0, 5.0]]))
    array([[0. , 1. , 0.5],
           [0. , 0. , 0. ]])
    """
    s = np.asarray(s, dtype=np.float64)
    lo = s.min(axis=1, keepdims=True)
    span = s.max(axis=1, keepdims=True) - lo
    return np.divide(s - lo, span, out=np.zeros_like(s), where=span > 0)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` best scores per row: higher first, equal scores by lower column.

    The same result as ``np.argsort(-scores, axis=1, kind="stable")[:, :k]``: the tie order is
    defined by that stable sort (NaN last). The one top-k of the package (recommenders, interest
    rankings). Only a few candidates per row are sorted. They are found without a partition of
    the whole row: the row's columns are dealt into ``4 k`` blocks, and the ``k``-th largest block
    maximum is a lower bound of the row's ``k``-th best score (the ``k`` largest block maxima are
    ``k`` scores at least that high), so every column of the top ``k`` scores at least that
    bound. A row where the bound admits fewer than ``k`` or more than ``4 k`` columns (NaN, many
    ties, a short row) goes to :func:`_top_k_partition` (``np.argpartition``, several times
    slower on the recommenders' 512 x 4,000 blocks).

    >>> top_k(np.array([[1.0, 3.0, 3.0, 2.0]]), 2)
    array([[1, 2]])
    """
    s = np.asarray(scores)
    n_rows, n_cols = s.shape
    if k >= n_cols:
        return np.argsort(-s, axis=1, kind="stable")[:, :k].astype(np.int64)
    blocks = 4 * k
    width = n_cols // blocks
    if width < 2 or not n_rows:
        return _top_k_partition(s, k)
    with np.errstate(invalid="ignore"):
        # interleaved blocks (column j in block j mod 4k): catalogues sorted by popularity put the
        # best scores in the first columns, and contiguous blocks would then give a loose bound;
        # the columns past width * 4k are blocks of one
        main = s[:, : width * blocks].reshape(n_rows, width, blocks)   # a view, no copy
        block_max = np.concatenate([main.max(axis=1), s[:, width * blocks:]], axis=1)
        bound = -np.partition(-block_max, k - 1, axis=1)[:, k - 1]    # NaN blocks sort last
        mask = s >= bound[:, None]
    counts = mask.sum(axis=1)
    crowded = np.flatnonzero(counts > 4 * k)
    if len(crowded):
        # many columns tied at the bound (a short history topped up with zeros): the columns
        # above it and then the lowest tied columns, if fewer than k are above it
        sub, at = s[crowded], bound[crowded, None]
        above, ties = sub > at, sub == at
        room = k - above.sum(axis=1)
        take = above | (ties & (np.cumsum(ties, axis=1) <= room[:, None]))
        ok = room > 0
        mask[crowded[ok]] = take[ok]
        counts[crowded[ok]] = k
    fast = (counts >= k) & (counts <= 4 * k)
    out = np.empty((n_rows, k), dtype=np.int64)
    rows = np.flatnonzero(fast)
    if len(rows):
        r, c = np.nonzero(mask[rows])                 # row-major: columns ascending in each row
        v = s[rows[r], c]
        o = np.lexsort((c, -v, r))
        first = np.repeat(np.concatenate([[0], np.cumsum(counts[rows])[:-1]]), counts[rows])
        keep = np.arange(len(r)) - first < k
        out[rows] = c[o][keep].reshape(len(rows), k)
    slow = np.flatnonzero(~fast)
    if len(slow):
        out[slow] = _top_k_partition(s[slow], k)
    return out


def _top_k_partition(scores: np.ndarray, k: int) -> np.ndarray:
    """:func:`top_k` by ``np.argpartition`` of every row (``k`` smaller than the row).

    In a row whose ``k``-th best score is shared by more columns than were picked ("crowded": a
    list topped up with zeros), the pick is replaced by every better column plus the lowest tied
    columns; a row with fewer than ``k`` non-NaN scores is sorted whole.
    """
    neg = -np.asarray(scores)
    n_cols = neg.shape[1]
    if k >= n_cols:
        return np.argsort(neg, axis=1, kind="stable")[:, :k].astype(np.int64)
    part = np.argpartition(neg, k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(neg, part, axis=1)
    kth = vals.max(axis=1, keepdims=True)
    lost = np.isnan(kth[:, 0])                        # fewer than k numbers: sort the row
    if lost.any():
        part[lost] = np.argsort(neg[lost], axis=1, kind="stable")[:, :k]
    # crowded rows: ties at the k-th score were left out of the pick, so the pick may not hold
    # the lowest tied columns; take every better column and the first tied ones
    crowded = np.flatnonzero(((neg == kth).sum(axis=1) > (vals == kth).sum(axis=1)) & ~lost)
    if len(crowded):
        sub = neg[crowded]
        better, ties = sub < kth[crowded], sub == kth[crowded]
        room = k - better.sum(axis=1)
        br, bc = np.nonzero(better)
        tr, tc = np.nonzero(ties)                      # row-major: columns ascending in each row
        first = np.concatenate([[0], np.cumsum(ties.sum(axis=1))[:-1]])
        keep = np.arange(len(tr)) - first[tr] < room[tr]
        r, c = np.concatenate([br, tr[keep]]), np.concatenate([bc, tc[keep]])
        o = np.lexsort((c, sub[r, c], r))
        part[crowded] = c[o].reshape(len(crowded), k)
    redo = np.flatnonzero(lost) if not len(crowded) else np.union1d(np.flatnonzero(lost), crowded)
    if len(redo):
        vals[redo] = np.take_along_axis(neg[redo], part[redo], axis=1)
    order = np.lexsort((part, vals), axis=1)
    return np.take_along_axis(part, order, axis=1).astype(np.int64)
