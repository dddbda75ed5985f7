"""Neighbourhood recommenders: customers like you (:class:`UserKNN`) and items bought together (:class:`ItemKNN`).

Both measure cosine similarity on the customer-item matrix of ``fit``: between customers' item sets
(user-KNN, "by similar users") or between items' buyer sets (item-KNN).

Example
-------
>>> import pandas as pd
>>> lines = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "b", "c"], "item": ["x", "y", "x", "y", "z", "w"],
...                       "timestamp": pd.to_datetime(["2010-01-01"] * 6)})
>>> UserKNN(n_neighbors=1).fit(lines).recommend(["a"], k=1, exclude="seen")["item"].tolist()   # from b
['z']
>>> ItemKNN().fit(lines).recommend(["a"], k=1, exclude="seen")["item"].tolist()   # bought with x and y
['z']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import sparse

from profiling.i18n import tr
from profiling.numeric import one_thread, unit_rows
from profiling.recommend.base import Recommender
from profiling.validation import check_positive_int

__all__ = ["ItemKNN", "UserKNN"]


def _keep_top(matrix: np.ndarray, n: int) -> np.ndarray:
    """Zero every entry below the ``n``-th largest of its row (ties with it are kept); in place."""
    if n >= matrix.shape[1]:
        return matrix
    kth = -np.partition(-matrix, n - 1, axis=1)[:, n - 1:n]
    matrix[matrix < kth] = 0.0
    return matrix


def _prune_rows(m: sparse.csr_matrix, n: int) -> sparse.csr_matrix:
    """Drop the diagonal and keep, per row, the entries at or above the row's ``n``-th largest value."""
    m = m.tocsr(copy=True)
    rows = np.repeat(np.arange(m.shape[0], dtype=m.indices.dtype), np.diff(m.indptr))
    data = m.data
    data[m.indices == rows] = 0
    indptr = m.indptr
    for r in np.flatnonzero(np.diff(indptr) > n):
        seg = data[indptr[r]:indptr[r + 1]]
        kth = np.partition(seg, len(seg) - n)[len(seg) - n]
        seg[seg < kth] = 0.0
    m.data = data
    m.eliminate_zeros()
    return m


def _indicator(m: sparse.csr_matrix) -> sparse.csr_matrix:
    """The 0/1 pattern of a sparse matrix: 1 wherever ``m`` stores an entry (bought or not)."""
    out = m.copy()
    out.data = np.ones_like(out.data)
    return out


class UserKNN(Recommender):
    """Customers like you: cosine similarity of customers' item sets, neighbours' items weighted by similarity.

    Score(u, i) = sum over the ``n_neighbors`` most similar customers v of ``cos(u, v) * [v bought i]``.
    The customer-item matrix is binary (bought or not); the customer is not their own neighbour.

    Parameters
    ----------
    n_neighbors : int, default 50

    Example
    -------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "b", "c", "c"],
    ...                       "item": ["x", "y", "x", "y", "z", "x", "w"], "timestamp": pd.to_datetime(["2010-01-01"] * 7)})
    >>> rec = UserKNN(n_neighbors=1).fit(lines)          # a's nearest customer is b (2 items in common)
    >>> rec.recommend(["a"], k=4)["item"].tolist(), rec.reason("a", "z")
    (['x', 'y', 'z', 'w'], 'customers like you: 1 of your 1 nearest bought it')
    """

    reason_label = "customers like you"

    def __init__(self, n_neighbors: int = 50) -> None:
        self.n_neighbors = n_neighbors

    def _fit(self) -> None:
        check_positive_int(self.n_neighbors, "UserKNN.fit", "n_neighbors")
        self.binary_ = _indicator(self.baskets_)
        self.unit_ = unit_rows(self.binary_)

    def _similarities(self, rows: np.ndarray) -> np.ndarray:
        sims = np.zeros((len(rows), len(self.customers_)))
        ok = rows >= 0
        if ok.any():
            with one_thread():
                sims[ok] = (self.unit_[rows[ok]] @ self.unit_.T).toarray()
            sims[np.flatnonzero(ok), rows[ok]] = 0.0  # not your own neighbour
        return _keep_top(sims, int(self.n_neighbors))

    def _score(self, rows: np.ndarray) -> np.ndarray:
        sims = self._similarities(rows)
        with one_thread():
            return np.asarray((sparse.csr_matrix(sims) @ self.binary_).toarray(), dtype=np.float64)

    def reason(self, customer: Any, item: Any) -> str:
        self._check_fitted("reason")
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        if col < 0 or row < 0:
            return super().reason(customer, item)
        sims = self._similarities(np.array([row]))[0]
        neighbours = np.flatnonzero(sims > 0)
        n = int(self.binary_[neighbours][:, col].sum())
        return tr("customers like you: {n} of your {near} nearest bought it").format(n=n, near=len(neighbours))


class ItemKNN(Recommender):
    """Bought together: item-item cosine similarity of their buyer sets.

    Score(u, i) = sum over the items j the customer bought of ``w(u, j) * sim(j, i)``, where each
    item keeps only its ``n_neighbors`` most similar items and ``w`` is 1 (or the recency weight
    with ``half_life_days``).

    Parameters
    ----------
    n_neighbors : int, default 100
    half_life_days : float or None, default None

    Example
    -------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"], "item": ["x", "y", "x", "z", "x"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01"] * 5)})
    >>> rec = ItemKNN().fit(lines)             # c bought x; y and z were each bought with x
    >>> rec.recommend(["c"], k=3, exclude="seen")["item"].tolist(), rec.reason("c", "y")
    (['y', 'z'], 'bought by the buyers of x')
    """

    reason_label = "bought together"

    def __init__(self, n_neighbors: int = 100, half_life_days: float | None = None) -> None:
        self.n_neighbors = n_neighbors
        self.half_life_days = half_life_days

    def _fit(self) -> None:
        check_positive_int(self.n_neighbors, "ItemKNN.fit", "n_neighbors")
        binary = _indicator(self.baskets_)
        unit_cols = unit_rows(binary.T.tocsr()).astype(np.float32)  # items x customers, unit rows
        with one_thread():
            sim = (unit_cols @ unit_cols.T).tocsr()
        self.similarity_ = _prune_rows(sim, int(self.n_neighbors)).astype(np.float64)
        # The customer's profile: 1 per item bought, or the recency-weighted basket count.
        self.profile_ = (binary if self.half_life_days is None else self._weights(self.half_life_days)).tocsr()

    def _score(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.items_)))
        ok = rows >= 0
        if ok.any():
            with one_thread():
                out[ok] = (self.profile_[rows[ok]] @ self.similarity_).toarray()
        return out

    def reason(self, customer: Any, item: Any) -> str:
        self._check_fitted("reason")
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        if col < 0 or row < 0:
            return super().reason(customer, item)
        bought = self.profile_[row].indices
        if not len(bought):
            return super().reason(customer, item)
        contrib = self.similarity_[bought][:, col].toarray().ravel()
        if not (contrib > 0).any():
            return super().reason(customer, item)
        best = bought[int(np.argmax(contrib))]
        return tr("bought by the buyers of {item}").format(item=self.items_[best])
