"""The interface every recommender shares, and how a ranking is made from scores.

Every recommender has the same two steps (scikit-learn style: parameters in ``__init__``, stored
as given; validation in ``fit``; fitted state with a trailing underscore):

- ``fit(interactions)`` learns from purchase lines (:func:`~profiling.recommend.data.purchases`),
  all of them *before* a cutoff;
- ``recommend(customers, k, exclude=None)`` returns a tidy frame ``customer_id``, ``rank``
  (1 = best), ``item``, ``score``.

The catalogue is the items seen in ``fit``, numbered by **popularity** (distinct buyers, most first;
ties by item name). Scores are settled to :data:`SCORE_DIGITS` significant digits
(:func:`_settle_ties`) and ranked by :func:`_top_k`, which orders equal scores by that popularity
and then by name: deterministic on every machine, and a sensible fallback (a customer with no
signal gets the best sellers). Customers unknown at ``fit`` get popularity order too.

Every recommender also gives a short ``reason(customer, item)`` for an item of its list.

Example
-------
A recommender only has to score; the base class does the rest:

>>> import numpy as np, pandas as pd
>>> class NoSignal(Recommender):
...     def _score(self, rows):
...         return np.zeros((len(rows), len(self.items_)))
>>> lines = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "item": ["y", "x", "y", "z"],
...                       "timestamp": pd.to_datetime(["2010-01-01", "2010-01-02", "2010-01-02", "2010-01-03"])})
>>> NoSignal().fit(lines).recommend(["a"], k=3)["item"].tolist()     # y has two buyers, x and z one
['y', 'x', 'z']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator

from profiling.i18n import tr
from profiling.numeric import top_k as _top_k
from profiling.recommend.data import _check_interactions
from profiling.validation import check_is_fitted, check_positive_int

__all__ = ["RECOMMENDATION_COLUMNS", "SCORE_DIGITS", "Recommender"]

#: Columns of every ``recommend`` result.
RECOMMENDATION_COLUMNS: tuple[str, ...] = ("customer_id", "rank", "item", "score")

#: Significant digits a score keeps before ranking (see :func:`_settle_ties`).
SCORE_DIGITS = 9


class Recommender(BaseEstimator):
    """Base class: fit on interactions, recommend top-k items per customer.

    Subclasses implement ``_fit()`` (after the shared state below is built) and
    ``_score(rows)`` returning a dense ``(len(rows), n_items)`` float64 array (row ``-1`` = a
    customer unknown at fit; higher = better; column order = :attr:`items_`).

    Fitted attributes (shared)
    --------------------------
    items_ : Index
        The catalogue: items seen in ``fit``, most buyers first, ties by name.
    customers_ : Index
        Customers seen in ``fit``, sorted.
    baskets_ : csr_matrix (n_customers, n_items)
        Number of distinct baskets (invoices) in which the customer bought the item.
    buyers_ : ndarray (n_items,)
        Distinct buyers per item (in :attr:`items_` order).
    now_ : Timestamp
        The reference time (``interactions.attrs["cutoff"]`` if set, else the last timestamp).
    """

    #: Short label used in explanations.
    reason_label = "recommended"

    # -- fitting ---------------------------------------------------------------------------------
    def fit(self, interactions: pd.DataFrame) -> "Recommender":
        """Learn from ``interactions`` (see :func:`~profiling.recommend.data.purchases`); returns self."""
        data = _check_interactions(interactions, f"{type(self).__name__}.fit")
        cutoff = data.attrs.get("cutoff") if hasattr(data, "attrs") else None
        last = data["timestamp"].max()
        self.now_ = pd.Timestamp(cutoff) if cutoff is not None else last
        if self.now_ < last:
            raise ValueError(
                f"{type(self).__name__}.fit: interactions run until {last} but attrs['cutoff'] is {self.now_}; "
                "lines at or after the cutoff would leak the future. Use recommend.time_split."
            )
        cust_codes, cust_names = pd.factorize(data["customer_id"].astype("str"), sort=True)
        item_codes, item_names = pd.factorize(data["item"].astype("str"), sort=True)
        if "invoice_id" in data.columns:
            basket_codes = pd.factorize(data["invoice_id"].astype("str"))[0].astype(np.int64)
        else:
            basket_codes = np.arange(len(data), dtype=np.int64)
        ts = data["timestamp"].to_numpy().astype("datetime64[us]").astype(np.int64)
        # One row per (customer, item, basket), with the moment of that basket (latest line).
        key = (cust_codes.astype(np.int64) * len(item_names) + item_codes) * (basket_codes.max() + 1) + basket_codes
        order = np.lexsort((ts, key))
        key, ts = key[order], ts[order]
        last = np.r_[key[1:] != key[:-1], True]
        key, ts = key[last], ts[last]
        pair = key // (basket_codes.max() + 1)
        cust, item = pair // len(item_names), pair % len(item_names)
        first_of_pair = np.r_[True, pair[1:] != pair[:-1]]
        buyers = np.bincount(item[first_of_pair], minlength=len(item_names))
        names = np.asarray(item_names, dtype=object)
        rank = np.lexsort((np.arange(len(names)), -buyers))  # most buyers first, ties by name (codes are sorted)
        self.items_ = pd.Index(names[rank], name="item", dtype="str")
        self.buyers_ = buyers[rank].astype(np.int64)
        position = np.empty(len(rank), dtype=np.int64)
        position[rank] = np.arange(len(rank))
        self.customers_ = pd.Index(np.asarray(cust_names, dtype=object), name="customer_id", dtype="str")
        self._rows = cust.astype(np.int64)
        self._cols = position[item]
        now_us = np.datetime64(self.now_.to_datetime64(), "us").astype(np.int64)
        self._age_days = (now_us - ts) / 86_400e6
        self.baskets_ = self._matrix(np.ones(len(key)))
        self.n_interactions_ = int(len(data))
        # the checked frame, for a subclass's _fit that needs more than the matrices (segments,
        # item texts, basket order); never kept after fit
        self._training_frame = data
        try:
            self._fit()
        finally:
            del self._training_frame
        return self

    def _matrix(self, values: np.ndarray) -> sparse.csr_matrix:
        m = sparse.csr_matrix((np.asarray(values, dtype=np.float64), (self._rows, self._cols)),
                              shape=(len(self.customers_), len(self.items_)))
        m.sum_duplicates()
        m.sort_indices()
        return m

    def _weights(self, half_life_days: float | None) -> sparse.csr_matrix:
        """Baskets per (customer, item), each weighted ``0.5 ** (age_days / half_life_days)`` (None: 1)."""
        if half_life_days is None:
            return self.baskets_
        return self._matrix(np.power(0.5, self._age_days / float(half_life_days)))

    def _fit(self) -> None:  # pragma: no cover - overridden
        pass

    def _score(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def _score_block(self, ids: pd.Index, rows: np.ndarray) -> np.ndarray:
        """Scores of customers ``ids`` (their fitted rows: ``rows``, -1 if unknown)."""
        return self._score(rows)

    def _check_fitted(self, method: str = "recommend") -> None:
        check_is_fitted(self, "items_", msg=f"{type(self).__name__}.{method}: this recommender is not fitted yet; "
                                            "call fit(interactions) first.")

    # -- scoring and ranking ---------------------------------------------------------------------
    def _customer_rows(self, customers: Any) -> tuple[pd.Index, np.ndarray]:
        where = f"{type(self).__name__}.recommend"
        if isinstance(customers, (str, bytes)):
            raise TypeError(f"{where}: customers must be a list of customer ids, not a single string; wrap it: [customer].")
        index = pd.Index([str(c) for c in customers], dtype="str")
        if index.has_duplicates:
            raise ValueError(f"{where}: customers contain duplicates (e.g. {index[index.duplicated()][0]!r}); pass each once.")
        return index, self.customers_.get_indexer(index)

    def scores(self, customers: Any) -> pd.DataFrame:
        """All raw scores: a frame indexed by customer, one column per catalogue item (:attr:`items_` order)."""
        self._check_fitted("scores")
        index, rows = self._customer_rows(customers)
        return pd.DataFrame(self._score_block(index, rows), index=index, columns=self.items_)

    def _exclusions(self, index: pd.Index, rows: np.ndarray, exclude: Any) -> list[np.ndarray]:
        where = f"{type(self).__name__}.recommend"
        n = len(index)
        if exclude is None or (isinstance(exclude, str) and exclude == "none"):
            return [np.empty(0, dtype=np.int64)] * n
        if isinstance(exclude, str):
            if exclude != "seen":
                raise ValueError(f"{where}: exclude must be None, 'none', 'seen' or a DataFrame of (customer_id, item) "
                                 f"pairs; got {exclude!r}.")
            indptr, indices = self.baskets_.indptr, self.baskets_.indices
            return [indices[indptr[r]:indptr[r + 1]] if r >= 0 else np.empty(0, dtype=np.int64) for r in rows]
        if isinstance(exclude, pd.DataFrame):
            if not {"customer_id", "item"} <= set(exclude.columns):
                raise ValueError(f"{where}: an exclude frame needs columns customer_id and item, got {list(exclude.columns)}.")
            pos = index.get_indexer(exclude["customer_id"].astype("str"))
            col = self.items_.get_indexer(exclude["item"].astype("str"))
            ok = (pos >= 0) & (col >= 0)
            out: list[list[int]] = [[] for _ in range(n)]
            for p, c in zip(pos[ok], col[ok]):
                out[p].append(int(c))
            return [np.asarray(x, dtype=np.int64) for x in out]
        raise TypeError(f"{where}: exclude must be None, 'seen' or a DataFrame, got {type(exclude).__name__}.")

    def recommend(self, customers: Any, k: int = 10, exclude: Any = None, chunk: int = 512) -> pd.DataFrame:
        """Top-``k`` items per customer.

        Parameters
        ----------
        customers : sequence
            Customer ids (compared as text); unknown customers get the popularity order.
        k : int, default 10
            Items per customer (fewer if the catalogue minus the exclusions is smaller).
        exclude : None, "seen" or DataFrame
            ``"seen"`` drops what the customer bought in the fitted interactions (discovery view);
            a frame of ``customer_id``, ``item`` pairs drops those pairs.
        chunk : int
            Customers scored at a time (memory only).

        Returns
        -------
        DataFrame with columns ``customer_id`` (str), ``rank`` (int64, 1 = best), ``item`` (str),
        ``score`` (float64, to :data:`SCORE_DIGITS` significant digits of the customer's best
        score), in the order of ``customers`` then rank. Equal scores are ordered by popularity
        (the order of :attr:`items_`).
        """
        self._check_fitted("recommend")
        k = check_positive_int(k, f"{type(self).__name__}.recommend", "k")
        index, rows = self._customer_rows(customers)
        drops = self._exclusions(index, rows, exclude)
        return self._ranked(index, rows, k, {None: (None, drops)}, chunk)[None]

    def _ranked(self, index: pd.Index, rows: np.ndarray, k: int,
                lists: dict[Any, tuple[np.ndarray | None, list[np.ndarray]]], chunk: int = 512) -> dict[Any, pd.DataFrame]:
        """Several top-``k`` lists from one scoring pass: what :meth:`recommend` returns for each.

        ``lists`` maps a key to ``(member, drops)``: ``member`` a boolean mask over ``index`` (the
        customers that get this list; None: all) and ``drops`` the columns to exclude per customer
        of ``index`` (see :meth:`_exclusions`). Each customer's scores are computed and settled
        once and shared by the lists (scores do not depend on the other customers of a chunk),
        so e.g. :func:`~profiling.recommend.evaluate` gets the full and the discovery lists for
        the price of one.
        """
        k = int(min(k, len(self.items_)))
        parts: dict[Any, list[pd.DataFrame]] = {key: [] for key in lists}
        ids = index.to_numpy(dtype=object)
        names = self.items_.to_numpy(dtype=object)
        for start in range(0, len(index), chunk):
            stop = start + chunk
            block_rows = rows[start:stop]
            s = np.array(self._score_block(index[start:stop], block_rows), dtype=np.float64, copy=True)
            _settle_ties(s, inplace=True)
            s[np.isnan(s)] = -np.inf
            for key, (member, drops) in lists.items():
                sel = np.arange(len(block_rows)) if member is None else np.flatnonzero(member[start:stop])
                if not len(sel):
                    continue
                block_drops = [drops[start + i] for i in sel]
                shared = member is None and not (len(lists) > 1 and any(len(d) for d in block_drops))
                b = s if shared else s[sel]
                for offset, d in enumerate(block_drops):
                    if len(d):
                        b[offset, d] = -np.inf
                order = _top_k(b, k)
                top = np.take_along_axis(b, order, axis=1)
                part = pd.DataFrame({
                    "customer_id": np.repeat(ids[start + sel], k),
                    "rank": np.tile(np.arange(1, k + 1, dtype=np.int64), len(sel)),
                    "item": names[order.ravel()],
                    "score": top.ravel(),
                })
                parts[key].append(part[np.isfinite(part["score"].to_numpy())])
        out = {}
        for key, frames in parts.items():
            if not frames:
                out[key] = pd.DataFrame({"customer_id": pd.Series([], dtype="str"), "rank": pd.Series([], dtype="int64"),
                                         "item": pd.Series([], dtype="str"), "score": pd.Series([], dtype="float64")})
                continue
            frame = pd.concat(frames, ignore_index=True)
            frame["customer_id"] = frame["customer_id"].astype("str")
            frame["item"] = frame["item"].astype("str")
            out[key] = frame
        return out

    # -- explanations ----------------------------------------------------------------------------
    def _item_col(self, item: str) -> int:
        col = self.items_.get_loc(str(item)) if str(item) in self.items_ else -1
        return int(col)

    def reason(self, customer: Any, item: Any) -> str:
        """A short human-readable reason why ``item`` is recommended to ``customer``."""
        self._check_fitted("reason")
        col = self._item_col(item)
        if col < 0:
            return tr("not in the catalogue")
        return tr("popular: {buyers:,} buyers").format(buyers=int(self.buyers_[col]))


def _settle_ties(scores: np.ndarray, digits: int = SCORE_DIGITS, inplace: bool = False) -> np.ndarray:
    """Scores rounded to ``digits`` significant digits of each row's largest absolute score.

    Two items with the same true score (the same counts, the same vectors) can come out of a
    matrix product one unit in the last place apart, and which one is larger depends on the CPU
    and BLAS kernel that summed the terms. Rounding far below any meaningful difference (1e-9 of
    the row's scale) but far above that noise (about 1e-15) turns them back into exact ties,
    which :func:`_top_k` breaks by popularity: the same recommendations on every machine.
    Non-finite scores are left as they are (``round(inf / unit) * unit`` is ``inf``, and NaN stays
    NaN). ``inplace=True`` overwrites ``scores`` (a float64 array the caller owns) instead of
    allocating a new array: the same values, without a second copy of a large matrix.

    >>> bool(_settle_ties(np.array([[0.1 + 0.2, 0.3]]))[0, 0] == _settle_ties(np.array([[0.3, 0.3]]))[0, 0])
    True
    """
    s = np.asarray(scores, dtype=np.float64)
    if not s.size:
        return s if inplace else s.copy()
    finite = np.isfinite(s)
    if finite.all():
        scale = np.maximum(s.max(axis=1, keepdims=True), -s.min(axis=1, keepdims=True))
    else:
        scale = np.where(finite, np.abs(s), 0.0).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    unit = 10.0 ** (np.floor(np.log10(scale)) - (digits - 1))
    out = np.divide(s, unit, out=s if inplace else None)
    np.round(out, out=out)
    out *= unit
    return out


def _top_k_reference(scores: np.ndarray, k: int) -> np.ndarray:
    """:func:`_top_k` by the definition: a stable sort of every row (for tests and crowded ties)."""
    return np.argsort(-np.asarray(scores), axis=1, kind="stable")[:, :k].astype(np.int64)


def _you_bought(rec: Recommender, row: int, col: int) -> str | None:
    """The reason "you bought it: n orders, last d days ago", or None if customer ``row`` never bought ``col``."""
    if row < 0:
        return None
    n = rec.baskets_[row, col]
    if n <= 0:
        return None
    mask = (rec._rows == row) & (rec._cols == col)
    last = float(rec._age_days[mask].min())
    if n == 1:
        return tr("you bought it: {orders} order, last {days:.0f} days ago").format(orders=1, days=last)
    return tr("you bought it: {orders} orders, last {days:.0f} days ago").format(orders=int(n), days=last)
