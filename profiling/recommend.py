"""Personalized recommendation behind one small API, and its evaluation on what customers bought next.

Every recommender has the same two steps (scikit-learn style: parameters in ``__init__``, fitted
state with a trailing underscore):

- ``fit(interactions)`` learns from purchase lines (:func:`purchases`: ``customer_id``, ``item``,
  ``invoice_id``, ``timestamp``, ...), all of them *before* a cutoff;
- ``recommend(customers, k, exclude=None)`` returns a tidy frame ``customer_id``, ``rank`` (1 = best),
  ``item``, ``score``.

The catalogue is the items seen in ``fit``, numbered by **popularity** (distinct buyers, most first;
ties by item name). Rankings sort scores with a *stable* sort, so equal scores are always ordered
by that popularity and then by name: deterministic, and a sensible fallback (a customer with no
signal gets the best sellers). Customers unknown at ``fit`` get popularity order too.

Recommenders
------------
:class:`Popularity` (optionally only the last ``window_days``: recent popularity),
:class:`SegmentPopularity` (popularity inside the customer's segment or tag),
:class:`RepeatPurchase` (the customer's own frequent, optionally recent, items),
:class:`UserKNN` (cosine on the customer-item matrix, neighbours' items weighted by similarity),
:class:`ItemKNN` (item-item cosine of co-purchases), :class:`ContentBased` (item text embeddings:
the customer's spend-weighted interest vector of chapter 5 against every item),
:class:`ALS` (matrix factorization for implicit feedback with the ``implicit`` library) and
:class:`Hybrid` (a weighted blend of per-customer min-max normalized scores; :func:`tune_blend`
chooses the weights on a validation split).

Every recommender also gives a short ``reason(customer, item)`` ("you bought it: 3 orders, ...",
"customers like you: ...", "similar description to ..."); :meth:`Hybrid.explain` names the
component behind each item of a blended list.

Evaluation
----------
:func:`time_split` (train before a cutoff, truth in the next ``horizon_days``, customers active
in both periods, each truth item flagged ``new`` if the customer had not bought it before),
:func:`ranking_metrics` (per customer: precision, recall, NDCG, average precision and hit @k),
:func:`coverage`, :func:`novelty`, :func:`bootstrap_ci` and :func:`evaluate` (all of it for one
recommender and both views: all items, and only items new to the customer). On a validation
split, :func:`grid_search` chooses hyperparameters and :func:`tune_blend` the hybrid's weights;
:func:`summarize` and :func:`compare` report means and ratios with bootstrap intervals.

Example
-------
>>> split = time_split(purchases(clean_tx), "2010-09-01", horizon_days=30)      # doctest: +SKIP
>>> recs = RepeatPurchase().fit(split.train).recommend(split.customers, k=10)   # doctest: +SKIP
>>> ranking_metrics(recs, split.truth, k=10)[["ndcg", "hit"]].mean()            # doctest: +SKIP
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator

#: Columns every interactions frame needs (``invoice_id`` is optional: without it each line is a basket).
INTERACTION_COLUMNS: tuple[str, ...] = ("customer_id", "item", "timestamp")

#: Columns of every ``recommend`` result.
RECOMMENDATION_COLUMNS: tuple[str, ...] = ("customer_id", "rank", "item", "score")

#: Per-customer metric columns of :func:`ranking_metrics` (all "@k").
METRICS: tuple[str, ...] = ("precision", "recall", "ndcg", "map", "hit")


def _one_thread():
    """BLAS / OpenMP limited to one thread: reproducible sums and no oversubscription."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


# ------------------------------------------------------------------------------------------------
# Data: purchases and the time split
# ------------------------------------------------------------------------------------------------


def purchases(transactions: pd.DataFrame, item_col: str = "description") -> pd.DataFrame:
    """Purchase lines as interactions: known customer, positive quantity and price, known item.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (usually cleaned, :func:`profiling.cleaning.clean`) with
        ``customer_id``, ``invoice_id``, ``quantity``, ``unit_price``, ``timestamp`` and ``item_col``.
    item_col : str, default "description"
        The column that identifies an item. ``"description"`` (the default) matches chapter 5,
        whose text embeddings are keyed by description; ``"item_id"`` uses stock codes.

    Returns
    -------
    DataFrame: the kept lines with every input column plus ``item`` (str, a copy of ``item_col``),
    ``customer_id`` as str; sorted by timestamp, customer, item (stable).

    Example
    -------
    >>> interactions = purchases(clean_tx)                    # doctest: +SKIP
    """
    if not isinstance(transactions, pd.DataFrame):
        raise TypeError(f"purchases: transactions must be a DataFrame, got {type(transactions).__name__}.")
    needed = ["customer_id", "invoice_id", "quantity", "unit_price", "timestamp", item_col]
    missing = [c for c in needed if c not in transactions.columns]
    if missing:
        raise ValueError(
            f"purchases: transactions lack column(s) {missing}; pass canonical transactions "
            "(profiling.datasets.load_transactions maps your column names)."
        )
    tx = transactions
    keep = tx["customer_id"].notna() & tx[item_col].notna() & (tx["quantity"] > 0) & (tx["unit_price"] > 0)
    out = tx.loc[keep].copy()
    out["customer_id"] = out["customer_id"].astype("str")
    out["item"] = out[item_col].astype("str")
    out = out.sort_values(["timestamp", "customer_id", "item"], kind="stable").reset_index(drop=True)
    return out


def _check_interactions(interactions: Any, where: str) -> pd.DataFrame:
    if not isinstance(interactions, pd.DataFrame):
        raise TypeError(f"{where}: interactions must be a DataFrame (see recommend.purchases), got {type(interactions).__name__}.")
    missing = [c for c in INTERACTION_COLUMNS if c not in interactions.columns]
    if missing:
        raise ValueError(
            f"{where}: interactions lack column(s) {missing}; build them with recommend.purchases(transactions) "
            "(columns customer_id, item, timestamp, and optionally invoice_id)."
        )
    if interactions.empty:
        raise ValueError(f"{where}: interactions are empty; there is nothing to learn from (check the cutoff).")
    if interactions["customer_id"].isna().any() or interactions["item"].isna().any():
        raise ValueError(f"{where}: interactions have missing customer_id or item values; drop them first (recommend.purchases does).")
    if not pd.api.types.is_datetime64_any_dtype(interactions["timestamp"]):
        raise ValueError(f"{where}: column 'timestamp' must be datetime64, got {interactions['timestamp'].dtype}.")
    return interactions


@dataclass
class Split:
    """A time split (see :func:`time_split`).

    Attributes
    ----------
    cutoff : Timestamp
        Training uses lines strictly before it; truth lines are in ``[cutoff, cutoff + horizon)``.
    horizon_days : int
    train : DataFrame
        Interactions before the cutoff (all customers); ``attrs["cutoff"]`` is set.
    truth : DataFrame
        ``customer_id``, ``item``, ``new`` (bool: not bought before the cutoff), one row per pair, for
        the evaluated customers only; sorted.
    customers : Index
        The evaluated customers: bought before the cutoff *and* within the horizon (sorted).
    """

    cutoff: pd.Timestamp
    horizon_days: int
    train: pd.DataFrame
    truth: pd.DataFrame
    customers: pd.Index


def time_split(interactions: pd.DataFrame, cutoff: Any, horizon_days: int = 30) -> Split:
    """Train on everything before ``cutoff``; the truth is what each customer bought in the next ``horizon_days``.

    Only customers active in both periods are evaluated (a customer without history is a cold-start
    problem, one without later purchases has nothing to hit).

    Parameters
    ----------
    interactions : DataFrame
        From :func:`purchases`.
    cutoff : date-like
        First moment of the truth period (e.g. ``"2010-09-01"``).
    horizon_days : int, default 30
        Length of the truth period in days.

    Returns
    -------
    Split

    Example
    -------
    >>> split = time_split(purchases(clean_tx), "2010-09-01", horizon_days=30)   # doctest: +SKIP
    """
    _check_interactions(interactions, "time_split")
    try:
        cut = pd.Timestamp(cutoff)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"time_split: cutoff {cutoff!r} is not a date; pass e.g. '2010-09-01'.") from exc
    if isinstance(horizon_days, bool) or not isinstance(horizon_days, (int, np.integer)) or horizon_days < 1:
        raise ValueError(f"time_split: horizon_days must be a positive integer, got {horizon_days!r}.")
    first, last = interactions["timestamp"].min(), interactions["timestamp"].max()
    if cut <= first or cut > last:
        raise ValueError(
            f"time_split: cutoff {cut:%Y-%m-%d} must lie inside the data ({first:%Y-%m-%d} to {last:%Y-%m-%d}) so "
            "that both periods have purchases; choose another cutoff."
        )
    end = cut + pd.Timedelta(days=int(horizon_days))
    ts = interactions["timestamp"]
    train = interactions.loc[ts < cut].reset_index(drop=True)
    train.attrs = {"cutoff": cut}
    later = interactions.loc[(ts >= cut) & (ts < end), ["customer_id", "item"]]
    customers = pd.Index(np.intersect1d(train["customer_id"].unique(), later["customer_id"].unique()), name="customer_id")
    truth = later[later["customer_id"].isin(customers)].drop_duplicates().sort_values(["customer_id", "item"], kind="stable")
    seen = pd.MultiIndex.from_frame(train[["customer_id", "item"]].drop_duplicates())
    truth = truth.assign(new=~pd.MultiIndex.from_frame(truth[["customer_id", "item"]]).isin(seen)).reset_index(drop=True)
    return Split(cutoff=cut, horizon_days=int(horizon_days), train=train, truth=truth, customers=customers)


# ------------------------------------------------------------------------------------------------
# The common interface
# ------------------------------------------------------------------------------------------------


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
        """Learn from ``interactions`` (see :func:`purchases`); returns self."""
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
        self._fit()
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

    def _check_fitted(self) -> None:
        if not hasattr(self, "items_"):
            raise RuntimeError(f"{type(self).__name__}: call fit(interactions) before recommend().")

    # -- scoring and ranking ---------------------------------------------------------------------
    def _customer_rows(self, customers: Any) -> tuple[pd.Index, np.ndarray]:
        if isinstance(customers, (str, bytes)):
            raise TypeError("recommend: customers must be a list of customer ids, not a single string; wrap it: [customer].")
        index = pd.Index([str(c) for c in customers], dtype="str")
        if index.has_duplicates:
            raise ValueError(f"recommend: customers contain duplicates (e.g. {index[index.duplicated()][0]!r}); pass each once.")
        return index, self.customers_.get_indexer(index)

    def scores(self, customers: Any) -> pd.DataFrame:
        """All raw scores: a frame indexed by customer, one column per catalogue item (:attr:`items_` order)."""
        self._check_fitted()
        index, rows = self._customer_rows(customers)
        return pd.DataFrame(self._score_block(index, rows), index=index, columns=self.items_)

    def _exclusions(self, index: pd.Index, rows: np.ndarray, exclude: Any) -> list[np.ndarray]:
        n = len(index)
        if exclude is None or (isinstance(exclude, str) and exclude == "none"):
            return [np.empty(0, dtype=np.int64)] * n
        if isinstance(exclude, str):
            if exclude != "seen":
                raise ValueError(f"recommend: exclude must be None, 'none', 'seen' or a DataFrame of (customer_id, item) pairs; got {exclude!r}.")
            indptr, indices = self.baskets_.indptr, self.baskets_.indices
            return [indices[indptr[r]:indptr[r + 1]] if r >= 0 else np.empty(0, dtype=np.int64) for r in rows]
        if isinstance(exclude, pd.DataFrame):
            if not {"customer_id", "item"} <= set(exclude.columns):
                raise ValueError(f"recommend: an exclude frame needs columns customer_id and item, got {list(exclude.columns)}.")
            pos = index.get_indexer(exclude["customer_id"].astype("str"))
            col = self.items_.get_indexer(exclude["item"].astype("str"))
            ok = (pos >= 0) & (col >= 0)
            out: list[list[int]] = [[] for _ in range(n)]
            for p, c in zip(pos[ok], col[ok]):
                out[p].append(int(c))
            return [np.asarray(x, dtype=np.int64) for x in out]
        raise TypeError(f"recommend: exclude must be None, 'seen' or a DataFrame, got {type(exclude).__name__}.")

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

        Example
        -------
        >>> Popularity().fit(interactions).recommend(["12346"], k=3)     # doctest: +SKIP
        """
        self._check_fitted()
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"recommend: k must be a positive integer, got {k!r}.")
        index, rows = self._customer_rows(customers)
        drops = self._exclusions(index, rows, exclude)
        k = int(min(k, len(self.items_)))
        parts = []
        for start in range(0, len(index), chunk):
            block_rows = rows[start:start + chunk]
            s = _settle_ties(np.array(self._score_block(index[start:start + chunk], block_rows), dtype=np.float64, copy=True))
            s[np.isnan(s)] = -np.inf
            for offset in range(len(block_rows)):
                d = drops[start + offset]
                if len(d):
                    s[offset, d] = -np.inf
            order = _top_k(s, k)
            top = np.take_along_axis(s, order, axis=1)
            n_block = len(block_rows)
            part = pd.DataFrame({
                "customer_id": np.repeat(index[start:start + chunk].to_numpy(dtype=object), k),
                "rank": np.tile(np.arange(1, k + 1, dtype=np.int64), n_block),
                "item": self.items_.to_numpy(dtype=object)[order.ravel()],
                "score": top.ravel(),
            })
            parts.append(part[np.isfinite(part["score"].to_numpy())])
        if not parts:
            return pd.DataFrame({"customer_id": pd.Series([], dtype="str"), "rank": pd.Series([], dtype="int64"),
                                 "item": pd.Series([], dtype="str"), "score": pd.Series([], dtype="float64")})
        out = pd.concat(parts, ignore_index=True)
        out["customer_id"] = out["customer_id"].astype("str")
        out["item"] = out["item"].astype("str")
        return out

    # -- explanations ----------------------------------------------------------------------------
    def _item_col(self, item: str) -> int:
        col = self.items_.get_loc(str(item)) if str(item) in self.items_ else -1
        return int(col)

    def reason(self, customer: Any, item: Any) -> str:
        """A short human-readable reason why ``item`` is recommended to ``customer``."""
        self._check_fitted()
        col = self._item_col(item)
        if col < 0:
            return "not in the catalogue"
        return f"popular: {int(self.buyers_[col]):,} buyers"


#: Significant digits a score keeps before ranking (see :func:`_settle_ties`).
SCORE_DIGITS = 9


def _settle_ties(scores: np.ndarray, digits: int = SCORE_DIGITS) -> np.ndarray:
    """Scores rounded to ``digits`` significant digits of each row's largest absolute score.

    Two items with the same true score (the same counts, the same vectors) can come out of a
    matrix product one unit in the last place apart, and which one is larger depends on the CPU
    and BLAS kernel that summed the terms. Rounding far below any meaningful difference (1e-9 of
    the row's scale) but far above that noise (about 1e-15) turns them back into exact ties,
    which :func:`_top_k` breaks by popularity: the same recommendations on every machine.
    Non-finite scores are left as they are.
    """
    s = np.asarray(scores, dtype=np.float64)
    finite = np.isfinite(s)
    scale = np.where(finite, np.abs(s), 0.0).max(axis=1, keepdims=True) if s.size else np.ones((len(s), 1))
    scale[scale == 0] = 1.0
    unit = 10.0 ** (np.floor(np.log10(scale)) - (digits - 1))
    return np.where(finite, np.round(s / unit) * unit, s)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` best scores per row: higher first, equal scores by lower column.

    The same result as ``np.argsort(-scores, axis=1, kind="stable")[:, :k]``, but only the
    candidates at or above each row's k-th best score are sorted.
    """
    neg = -scores
    n_rows, n_cols = scores.shape
    if k >= n_cols:
        return np.argsort(neg, axis=1, kind="stable")[:, :k]
    kth = np.partition(neg, k - 1, axis=1)[:, k - 1:k]
    better = neg < kth
    ties = neg == kth
    room = k - better.sum(axis=1)
    take = better | ties
    crowded = ties.sum(axis=1) > room
    if crowded.any():
        # among the ties at the k-th score, the lowest columns fill the remaining places
        t = ties[crowded]
        take[crowded] = better[crowded] | (t & (np.cumsum(t, axis=1, dtype=np.int32) <= room[crowded, None]))
    r, c = np.nonzero(take)
    o = np.lexsort((c, neg[r, c], r))
    return c[o].reshape(n_rows, k).astype(np.int64)


def _row_minmax(s: np.ndarray) -> np.ndarray:
    """Each row scaled to [0, 1] (min -> 0, max -> 1); constant rows -> 0."""
    lo = s.min(axis=1, keepdims=True)
    span = s.max(axis=1, keepdims=True) - lo
    return np.divide(s - lo, span, out=np.zeros_like(s, dtype=np.float64), where=span > 0)


def _you_bought(rec: Recommender, row: int, col: int) -> str | None:
    if row < 0:
        return None
    n = rec.baskets_[row, col]
    if n <= 0:
        return None
    mask = (rec._rows == row) & (rec._cols == col)
    last = float(rec._age_days[mask].min())
    return f"you bought it: {int(n)} order{'s' if n != 1 else ''}, last {last:.0f} days ago"


# ------------------------------------------------------------------------------------------------
# Popularity family
# ------------------------------------------------------------------------------------------------


class Popularity(Recommender):
    """The same list for everyone: items with the most distinct buyers.

    Parameters
    ----------
    window_days : float or None, default None
        Count only buyers in the last ``window_days`` before the reference time (recent popularity);
        None: the whole history.

    Example
    -------
    >>> Popularity(window_days=30).fit(split.train).recommend(split.customers, k=10)   # doctest: +SKIP
    """

    def __init__(self, window_days: float | None = None) -> None:
        self.window_days = window_days

    def _fit(self) -> None:
        if self.window_days is not None and not float(self.window_days) > 0:
            raise ValueError(f"Popularity: window_days must be positive or None, got {self.window_days!r}.")
        if self.window_days is None:
            counts = self.buyers_.astype(np.float64)
        else:
            recent = self._age_days <= float(self.window_days)
            pairs = sparse.csr_matrix((np.ones(int(recent.sum())), (self._rows[recent], self._cols[recent])),
                                      shape=self.baskets_.shape)
            counts = np.asarray((pairs > 0).sum(axis=0)).ravel().astype(np.float64)
        self.popularity_ = counts

    def _score(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self.popularity_, (len(rows), 1))

    def reason(self, customer: Any, item: Any) -> str:
        col = self._item_col(item)
        if col < 0:
            return "not in the catalogue"
        when = f" in the last {self.window_days:g} days" if self.window_days is not None else ""
        return f"popular: {int(self.popularity_[col]):,} buyers{when}"


class SegmentPopularity(Recommender):
    """Popularity inside the customer's segment or tag (e.g. RFM segment, persona, country).

    Parameters
    ----------
    segments : Series or callable
        ``customer_id -> segment``; or a function ``segments(interactions) -> Series`` called in
        ``fit`` on the training interactions only (so a segment cannot use the future). Customers
        without a segment get global popularity.

    Example
    -------
    >>> SegmentPopularity(segments=profiles["rfm_segment"]).fit(split.train)    # doctest: +SKIP
    """

    def __init__(self, segments: Any = None) -> None:
        self.segments = segments

    def _fit(self) -> None:
        seg = self.segments
        if callable(seg):
            seg = seg(self._training_frame)
        if not isinstance(seg, pd.Series):
            raise TypeError(
                "SegmentPopularity: segments must be a Series customer_id -> segment, or a function of the training "
                f"interactions returning one; got {type(seg).__name__}."
            )
        seg = seg.dropna()
        seg.index = seg.index.astype("str")
        self.segment_of_ = seg.astype("str")
        labels = self.segment_of_.reindex(self.customers_)
        known = labels.notna().to_numpy()
        self.segment_names_ = pd.Index(np.sort(labels[known].unique()), dtype="str")
        code = np.full(len(self.customers_), -1, dtype=np.int64)
        code[known] = self.segment_names_.get_indexer(labels[known])
        buyer = (self.baskets_ > 0).astype(np.float64).tocoo()
        member = code[buyer.row]
        ok = member >= 0
        counts = sparse.csr_matrix((buyer.data[ok], (member[ok], buyer.col[ok])),
                                   shape=(len(self.segment_names_), len(self.items_)))
        self.segment_counts_ = counts.toarray()

    def fit(self, interactions: pd.DataFrame) -> "SegmentPopularity":
        self._training_frame = interactions
        try:
            return super().fit(interactions)
        finally:
            del self._training_frame

    def _segment_codes(self, ids: Iterable[str]) -> np.ndarray:
        get = self.segment_of_.get
        return np.array([self.segment_names_.get_loc(n) if (n := get(c)) is not None and n in self.segment_names_ else -1
                         for c in ids], dtype=np.int64)

    def _score_block(self, ids: pd.Index, rows: np.ndarray) -> np.ndarray:
        segs = self._segment_codes(ids)
        out = np.tile(self.buyers_.astype(np.float64), (len(segs), 1))
        ok = segs >= 0
        out[ok] = self.segment_counts_[segs[ok]]
        return out

    def _score(self, rows: np.ndarray) -> np.ndarray:
        ids = self.customers_.to_numpy(dtype=object)
        return self._score_block(pd.Index([ids[r] if r >= 0 else "" for r in rows]), rows)

    def reason(self, customer: Any, item: Any) -> str:
        col = self._item_col(item)
        seg = self.segment_of_.get(str(customer))
        if col < 0:
            return "not in the catalogue"
        if seg is None or seg not in self.segment_names_:
            return super().reason(customer, item)
        n = int(self.segment_counts_[self.segment_names_.get_loc(seg), col])
        return f"popular in your segment {seg}: {n:,} buyers"


class RepeatPurchase(Recommender):
    """The customer's own items: how often (and, optionally, how recently) they bought each.

    Score = number of baskets containing the item, each weighted ``0.5 ** (age_days /
    half_life_days)`` (``half_life_days=None``: plain basket counts). Items never bought score 0,
    so they follow in popularity order — the usual "top up with best sellers". With the defaults
    this is the classic repeat-purchase baseline.

    ``boost_power > 0`` multiplies the score by ``(b + 1) ** boost_power`` with ``b`` the item's
    distinct buyers in the last ``boost_window_days``: of two items a customer bought equally often,
    the one the shop is still selling now (in season, not discontinued) comes first.

    Parameters
    ----------
    half_life_days : float or None, default None
    boost_window_days : float, default 30
    boost_power : float, default 0.0

    Example
    -------
    >>> RepeatPurchase().fit(split.train).recommend(["12346"], k=5)     # doctest: +SKIP
    """

    reason_label = "you bought it"

    def __init__(self, half_life_days: float | None = None, boost_window_days: float = 30, boost_power: float = 0.0) -> None:
        self.half_life_days = half_life_days
        self.boost_window_days = boost_window_days
        self.boost_power = boost_power

    def _fit(self) -> None:
        if self.half_life_days is not None and not float(self.half_life_days) > 0:
            raise ValueError(f"RepeatPurchase: half_life_days must be positive or None, got {self.half_life_days!r}.")
        if not float(self.boost_power) >= 0:
            raise ValueError(f"RepeatPurchase: boost_power must be >= 0, got {self.boost_power!r}.")
        weights = self._weights(self.half_life_days)
        if float(self.boost_power) > 0:
            recent = Popularity(window_days=self.boost_window_days)
            recent.__dict__.update({k: v for k, v in self.__dict__.items() if k.endswith("_") or k.startswith("_")})
            recent._fit()
            self.boost_ = np.power(recent.popularity_ + 1.0, float(self.boost_power))
            weights = (weights @ sparse.diags(self.boost_)).tocsr()
        else:
            self.boost_ = np.ones(len(self.items_))
        self.weights_ = weights

    def _score(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.items_)))
        ok = rows >= 0
        if ok.any():
            out[ok] = self.weights_[rows[ok]].toarray()
        return out

    def reason(self, customer: Any, item: Any) -> str:
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        return (_you_bought(self, row, col) if col >= 0 else None) or super().reason(customer, item)


# ------------------------------------------------------------------------------------------------
# Neighbourhood methods
# ------------------------------------------------------------------------------------------------


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


def _binary(m: sparse.csr_matrix) -> sparse.csr_matrix:
    out = m.copy()
    out.data = np.ones_like(out.data)
    return out


def _l2_rows(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    return sparse.diags(inv) @ m


class UserKNN(Recommender):
    """Customers like you: cosine similarity of customers' item sets, neighbours' items weighted by similarity.

    Score(u, i) = sum over the ``n_neighbors`` most similar customers v of ``cos(u, v) * [v bought i]``.
    The customer-item matrix is binary (bought or not); the customer is not their own neighbour.

    Parameters
    ----------
    n_neighbors : int, default 50

    Example
    -------
    >>> UserKNN(n_neighbors=50).fit(split.train).recommend(split.customers)    # doctest: +SKIP
    """

    reason_label = "customers like you"

    def __init__(self, n_neighbors: int = 50) -> None:
        self.n_neighbors = n_neighbors

    def _fit(self) -> None:
        if isinstance(self.n_neighbors, bool) or not isinstance(self.n_neighbors, (int, np.integer)) or self.n_neighbors < 1:
            raise ValueError(f"UserKNN: n_neighbors must be a positive integer, got {self.n_neighbors!r}.")
        self.binary_ = _binary(self.baskets_)
        self.unit_ = _l2_rows(self.binary_).tocsr()

    def _similarities(self, rows: np.ndarray) -> np.ndarray:
        sims = np.zeros((len(rows), len(self.customers_)))
        ok = rows >= 0
        if ok.any():
            with _one_thread():
                sims[ok] = (self.unit_[rows[ok]] @ self.unit_.T).toarray()
            sims[np.flatnonzero(ok), rows[ok]] = 0.0  # not your own neighbour
        return _keep_top(sims, int(self.n_neighbors))

    def _score(self, rows: np.ndarray) -> np.ndarray:
        sims = self._similarities(rows)
        with _one_thread():
            return np.asarray((sparse.csr_matrix(sims) @ self.binary_).toarray(), dtype=np.float64)

    def reason(self, customer: Any, item: Any) -> str:
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        if col < 0 or row < 0:
            return super().reason(customer, item)
        sims = self._similarities(np.array([row]))[0]
        neighbours = np.flatnonzero(sims > 0)
        n = int(self.binary_[neighbours][:, col].sum())
        return f"customers like you: {n} of your {len(neighbours)} nearest bought it"


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
    >>> ItemKNN(n_neighbors=100).fit(split.train).recommend(split.customers)   # doctest: +SKIP
    """

    reason_label = "bought together"

    def __init__(self, n_neighbors: int = 100, half_life_days: float | None = None) -> None:
        self.n_neighbors = n_neighbors
        self.half_life_days = half_life_days

    def _fit(self) -> None:
        if isinstance(self.n_neighbors, bool) or not isinstance(self.n_neighbors, (int, np.integer)) or self.n_neighbors < 1:
            raise ValueError(f"ItemKNN: n_neighbors must be a positive integer, got {self.n_neighbors!r}.")
        binary = _binary(self.baskets_)
        unit_cols = _l2_rows(binary.T.tocsr()).tocsr().astype(np.float32)  # items x customers, unit rows
        with _one_thread():
            sim = (unit_cols @ unit_cols.T).tocsr()
        self.similarity_ = _prune_rows(sim, int(self.n_neighbors)).astype(np.float64)
        # The customer's profile: 1 per item bought, or the recency-weighted basket count.
        self.profile_ = (binary if self.half_life_days is None else self._weights(self.half_life_days)).tocsr()

    def _score(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.items_)))
        ok = rows >= 0
        if ok.any():
            with _one_thread():
                out[ok] = (self.profile_[rows[ok]] @ self.similarity_).toarray()
        return out

    def reason(self, customer: Any, item: Any) -> str:
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
        return f"bought by the buyers of {self.items_[best]}"


# ------------------------------------------------------------------------------------------------
# Content (text embeddings) and matrix factorization
# ------------------------------------------------------------------------------------------------


def _dot_scores(customer_vectors: np.ndarray, item_vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Scores = dot products of the customers' vectors (fitted rows ``rows``) with every item's vector;
    0 for customers not seen in training (row -1)."""
    out = np.zeros((len(rows), len(item_vectors)))
    ok = rows >= 0
    if ok.any():
        with _one_thread():
            out[ok] = customer_vectors[rows[ok]] @ item_vectors.T
    return out


class ContentBased(Recommender):
    """Similar description: the customer's interest vector (chapter 5) against every item's text vector.

    The interest vector is :func:`profiling.interests.user_interest_vectors`: the spend-weighted
    (optionally recency-discounted) mean of the vectors of the items bought, L2-normalized. The
    score of an item is its cosine similarity to that vector.

    Parameters
    ----------
    item_vectors : DataFrame
        One row per item (index = item, e.g. description), one column per dimension, e.g.
        ``pd.DataFrame(embeddings.make_embedder("minilm").fit_embed(texts), index=texts)``. Catalogue
        items without a vector score 0.
    half_life_days : float or None, default None

    Example
    -------
    >>> ContentBased(item_vectors=pd.DataFrame(vectors, index=texts)).fit(split.train)   # doctest: +SKIP
    """

    reason_label = "similar description"

    def __init__(self, item_vectors: pd.DataFrame | None = None, half_life_days: float | None = None) -> None:
        self.item_vectors = item_vectors
        self.half_life_days = half_life_days

    def _fit(self) -> None:
        from profiling import interests

        vec = self.item_vectors
        if not isinstance(vec, pd.DataFrame) or vec.empty:
            raise TypeError("ContentBased: item_vectors must be a non-empty DataFrame indexed by item (one row per item).")
        vec = vec[~vec.index.duplicated()]
        texts = pd.Index(vec.index.astype("str"))
        values = np.asarray(vec.to_numpy(), dtype=np.float64)
        norms = np.linalg.norm(values, axis=1, keepdims=True)
        values = np.divide(values, norms, out=np.zeros_like(values), where=norms > 1e-12)
        # Catalogue-aligned item vectors (zeros where missing).
        pos = texts.get_indexer(self.items_)
        self.n_missing_vectors_ = int((pos < 0).sum())
        cat = np.zeros((len(self.items_), values.shape[1]))
        cat[pos >= 0] = values[pos[pos >= 0]]
        self.catalogue_vectors_ = cat
        frame = self._training_frame
        if not {"quantity", "unit_price"} <= set(frame.columns):
            frame = frame.assign(quantity=1, unit_price=1.0)
        # Just after the last line: every line counts. (A later reference time would only scale all of a
        # customer's half-life weights by one factor, which the normalized mean ignores.)
        cutoff = frame["timestamp"].max() + pd.Timedelta(microseconds=1)
        with _one_thread():
            users = interests.user_interest_vectors(frame, self.items_, cat, cutoff, self.half_life_days, item_col="item")
        self.user_vectors_ = np.zeros((len(self.customers_), cat.shape[1]))
        where = self.customers_.get_indexer(users.index)
        self.user_vectors_[where[where >= 0]] = users.to_numpy()[where >= 0]

    def fit(self, interactions: pd.DataFrame) -> "ContentBased":
        self._training_frame = interactions
        try:
            return super().fit(interactions)
        finally:
            del self._training_frame

    def _score(self, rows: np.ndarray) -> np.ndarray:
        return _dot_scores(self.user_vectors_, self.catalogue_vectors_, rows)

    def reason(self, customer: Any, item: Any) -> str:
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        if col < 0 or row < 0:
            return super().reason(customer, item)
        bought = self.baskets_[row].indices
        bought = bought[bought != col]
        if not len(bought):
            return super().reason(customer, item)
        sims = self.catalogue_vectors_[bought] @ self.catalogue_vectors_[col]
        best = int(np.argmax(sims))
        return f"similar description to {self.items_[bought[best]]}"


class ALS(Recommender):
    """Matrix factorization for implicit feedback (Hu, Koren, Volinsky 2008) with ``implicit``.

    A purchase is not a rating: it says "probably likes it", with a *confidence* that grows with
    the evidence. ALS fits ``factors``-dimensional customer and item vectors so that their dot
    product approaches 1 for bought pairs and 0 for all others, weighting each pair's squared error
    by its confidence: ``alpha * r`` for bought pairs (``r`` from ``weighting``) and 1 for the
    (many) unbought ones; ``regularization`` shrinks the vectors. Scores are the dot products.

    Parameters
    ----------
    factors, regularization, alpha, iterations :
        As in ``implicit.als.AlternatingLeastSquares``; the defaults are implicit's.
    weighting : {"count", "log", "binary"}, default "count"
        ``r`` = baskets with the item, ``log1p`` of it, or 1.
    random_state : int, default 0
        Seed of the initial factors. The fit runs on one thread and in float64 (``implicit``
        defaults to all cores and float32), so it is reproducible on one machine. Across CPUs and
        BLAS kernels the results agree to rounding when the regularization is as tuned in chapter 8
        (0.1: identical recommendations under the default, Sandybridge and Prescott OpenBLAS
        kernels). At implicit's default of 0.01 the conjugate-gradient steps amplify rounding:
        metrics then differ between kernels by about 1e-3 relative (measured; an exact solve
        removes that but is 5 times slower).

    Example
    -------
    >>> ALS(factors=64, regularization=0.05).fit(split.train).recommend(split.customers)  # doctest: +SKIP
    """

    reason_label = "matches your purchase pattern"

    def __init__(self, factors: int = 100, regularization: float = 0.01, alpha: float = 1.0, iterations: int = 15,
                 weighting: str = "count", random_state: int = 0) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.weighting = weighting
        self.random_state = random_state

    def _fit(self) -> None:
        from implicit.cpu.als import AlternatingLeastSquares

        if self.weighting not in ("count", "log", "binary"):
            raise ValueError(f"ALS: weighting must be 'count', 'log' or 'binary', got {self.weighting!r}.")
        r = self.baskets_.copy()
        if self.weighting == "log":
            r.data = np.log1p(r.data)
        elif self.weighting == "binary":
            r.data = np.ones_like(r.data)
        with _one_thread(), warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*(OpenBLAS|threadpool|MKL).*")
            model = AlternatingLeastSquares(factors=int(self.factors), regularization=float(self.regularization),
                                            alpha=float(self.alpha), iterations=int(self.iterations),
                                            dtype=np.float64, num_threads=1, random_state=int(self.random_state))
            model.fit(r.astype(np.float64).tocsr(), show_progress=False)
        self.user_factors_ = np.asarray(model.user_factors, dtype=np.float64)
        self.item_factors_ = np.asarray(model.item_factors, dtype=np.float64)

    def _score(self, rows: np.ndarray) -> np.ndarray:
        return _dot_scores(self.user_factors_, self.item_factors_, rows)

    def reason(self, customer: Any, item: Any) -> str:
        return "matches your purchase pattern (ALS factors)"


# ------------------------------------------------------------------------------------------------
# Hybrid
# ------------------------------------------------------------------------------------------------


class Hybrid(Recommender):
    """A weighted blend of recommenders' scores, each scaled per customer to [0, 1] (min-max).

    Parameters
    ----------
    components : dict name -> Recommender
    weights : dict name -> float
        Non-negative; missing names weigh 0. Choose them on a validation split (:func:`tune_blend`).
    prefit : bool, default False
        True: the components are already fitted on the same interactions (``fit`` only checks that).

    Example
    -------
    >>> Hybrid({"repeat": RepeatPurchase(), "item_knn": ItemKNN()}, {"repeat": 1, "item_knn": 0.3})  # doctest: +SKIP
    """

    def __init__(self, components: Mapping[str, Recommender] | None = None, weights: Mapping[str, float] | None = None,
                 prefit: bool = False) -> None:
        self.components = components
        self.weights = weights
        self.prefit = prefit

    def fit(self, interactions: pd.DataFrame) -> "Hybrid":
        if not self.components:
            raise ValueError("Hybrid: components must be a non-empty dict name -> Recommender.")
        weights = dict(self.weights or {})
        unknown = set(weights) - set(self.components)
        if unknown:
            raise ValueError(f"Hybrid: weights name unknown components {sorted(unknown)}; components are {sorted(self.components)}.")
        if any(float(w) < 0 for w in weights.values()):
            raise ValueError(f"Hybrid: weights must be non-negative, got {weights}.")
        super().fit(interactions)
        for name, comp in self.components.items():
            if not self.prefit:
                comp.fit(interactions)
            elif not hasattr(comp, "items_") or not comp.items_.equals(self.items_) or not comp.customers_.equals(self.customers_):
                raise ValueError(f"Hybrid(prefit=True): component {name!r} was not fitted on these interactions; refit it or use prefit=False.")
        self.weights_ = {name: float(weights.get(name, 0.0)) for name in self.components}
        return self

    def _score_block(self, ids: pd.Index, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.items_)))
        for name, comp in self.components.items():
            w = self.weights_[name]
            if w > 0:
                out += w * _row_minmax(comp._score_block(ids, rows))
        return out

    def _score(self, rows: np.ndarray) -> np.ndarray:
        ids = self.customers_.to_numpy(dtype=object)
        return self._score_block(pd.Index([ids[r] if r >= 0 else "" for r in rows]), rows)

    def contributions(self, customer: Any, items: Iterable[Any]) -> pd.DataFrame:
        """Weighted normalized score of each component for ``customer`` and ``items`` (rows: items)."""
        self._check_fitted()
        ids = pd.Index([str(customer)])
        row = self.customers_.get_indexer(ids)
        cols = self.items_.get_indexer([str(i) for i in items])
        data = {}
        for name, comp in self.components.items():
            s = _row_minmax(comp._score_block(ids, row))[0]
            data[name] = self.weights_[name] * np.where(cols >= 0, s[np.maximum(cols, 0)], 0.0)
        return pd.DataFrame(data, index=pd.Index([str(i) for i in items], name="item"))

    def explain(self, customer: Any, items: Iterable[Any]) -> pd.DataFrame:
        """For each item: the component that contributed most to its blended score, and that component's reason.

        Returns a frame with columns ``item``, ``source`` (component name, or ``"popularity"`` if no
        component scored it: the tie order) and ``reason``.

        Example
        -------
        >>> hybrid.explain("12346", hybrid.recommend(["12346"], k=5)["item"])    # doctest: +SKIP
        """
        items = [str(i) for i in items]
        parts = self.contributions(customer, items)
        rows = []
        for item in items:
            row = parts.loc[item]
            if (row > 0).any():
                source = str(row.idxmax())
                rows.append((item, source, self.components[source].reason(customer, item)))
            else:
                rows.append((item, "popularity", Recommender.reason(self, customer, item)))
        return pd.DataFrame(rows, columns=["item", "source", "reason"])

    def reason(self, customer: Any, item: Any) -> str:
        return str(self.explain(customer, [item])["reason"].iloc[0])


# ------------------------------------------------------------------------------------------------
# Metrics
# ------------------------------------------------------------------------------------------------


def _check_recs(recs: pd.DataFrame, where: str) -> None:
    if not isinstance(recs, pd.DataFrame):
        raise TypeError(f"{where}: recommendations must be a DataFrame, got {type(recs).__name__}.")
    missing = [c for c in ("customer_id", "rank", "item") if c not in recs.columns]
    if missing:
        raise ValueError(f"{where}: recommendations lack column(s) {missing}; pass the output of recommend().")


def ranking_metrics(recommendations: pd.DataFrame, truth: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """Per-customer ranking metrics @k against what each customer bought (binary relevance).

    For a customer with relevant set T (``|T| > 0``) and ranked list r_1..r_k (rank <= k):

    - ``precision`` = hits / k (k fixed, also when fewer items were recommended);
    - ``recall`` = hits / |T|;
    - ``ndcg`` = DCG / IDCG with DCG = sum of 1 / log2(rank + 1) over hits and IDCG the same for
      min(|T|, k) hits at the top (as :func:`profiling.interests.ranking_metrics`);
    - ``map`` = average precision @k = (1 / min(|T|, k)) * sum over hits of precision@rank;
    - ``hit`` = 1 if hits > 0.

    Parameters
    ----------
    recommendations : DataFrame
        ``customer_id``, ``rank``, ``item`` (e.g. from ``recommend``); ranks above k are ignored.
    truth : DataFrame
        ``customer_id``, ``item``: the relevant pairs (e.g. ``split.truth``, or only its ``new`` rows).
    k : int

    Returns
    -------
    DataFrame, one row per customer in ``truth`` (sorted): ``customer_id``, ``n_relevant``,
    ``hits`` and the columns of :data:`METRICS`. Customers in truth without recommendations score 0.

    Example
    -------
    >>> recs = pd.DataFrame({"customer_id": ["a", "a"], "rank": [1, 2], "item": ["x", "y"]})
    >>> ranking_metrics(recs, pd.DataFrame({"customer_id": ["a"], "item": ["y"]}), k=2)["ndcg"].round(4).tolist()
    [0.6309]
    """
    _check_recs(recommendations, "ranking_metrics")
    if not isinstance(truth, pd.DataFrame) or not {"customer_id", "item"} <= set(truth.columns):
        raise ValueError("ranking_metrics: truth must be a DataFrame with columns customer_id and item (e.g. split.truth).")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"ranking_metrics: k must be a positive integer, got {k!r}.")
    t = truth[["customer_id", "item"]].astype({"customer_id": "str", "item": "str"}).drop_duplicates()
    n_rel = t.groupby("customer_id").size()
    customers = pd.Index(np.sort(n_rel.index.to_numpy(dtype=object)).astype(str), name="customer_id")
    r = recommendations.loc[recommendations["rank"] <= k, ["customer_id", "rank", "item"]]
    r = r.astype({"customer_id": "str", "item": "str"})
    r = r[r["customer_id"].isin(customers)]
    hit_pairs = pd.MultiIndex.from_frame(t)
    rel = pd.MultiIndex.from_frame(r[["customer_id", "item"]]).isin(hit_pairs)
    r = r.assign(rel=rel.astype(np.float64))
    r = r.sort_values(["customer_id", "rank"], kind="stable")
    r["cum_hits"] = r.groupby("customer_id")["rel"].cumsum()
    r["gain"] = r["rel"] / np.log2(r["rank"].to_numpy(dtype=np.float64) + 1.0)
    r["prec_at"] = r["rel"] * r["cum_hits"] / r["rank"].to_numpy(dtype=np.float64)
    agg = r.groupby("customer_id").agg(hits=("rel", "sum"), dcg=("gain", "sum"), ap=("prec_at", "sum"))
    agg = agg.reindex(customers, fill_value=0.0)
    nr = n_rel.reindex(customers).to_numpy(dtype=np.int64)
    discounts = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = discounts[np.minimum(nr, k)]
    hits = agg["hits"].to_numpy()
    out = pd.DataFrame({
        "customer_id": customers.astype("str"),
        "n_relevant": nr,
        "hits": hits.astype(np.int64),
        "precision": hits / k,
        "recall": hits / nr,
        "ndcg": agg["dcg"].to_numpy() / ideal,
        "map": agg["ap"].to_numpy() / np.minimum(nr, k),
        "hit": (hits > 0).astype(np.float64),
    })
    return out.reset_index(drop=True)


def coverage(recommendations: pd.DataFrame, catalogue: Iterable[Any] | int) -> float:
    """Catalogue coverage: distinct recommended items / catalogue size.

    ``catalogue`` is the list of items (or its size). Example: 3 distinct items out of 10 -> 0.3.

    >>> coverage(pd.DataFrame({"customer_id": ["a", "b"], "rank": [1, 1], "item": ["x", "y"]}), 4)
    0.5
    """
    _check_recs(recommendations, "coverage")
    size = catalogue if isinstance(catalogue, (int, np.integer)) else len(pd.Index(list(catalogue)).unique())
    if size < 1:
        raise ValueError("coverage: the catalogue is empty.")
    return float(recommendations["item"].nunique() / size)


def novelty(recommendations: pd.DataFrame, buyers: Mapping[Any, int] | pd.Series, n_customers: int) -> float:
    """Mean self-information of the recommended items, in bits: mean of ``-log2(buyers(i) / n_customers)``.

    ``buyers`` counts the distinct training customers of each item; an item with no (or unknown)
    buyers counts as bought by one customer. Higher = less obvious recommendations.

    >>> novelty(pd.DataFrame({"customer_id": ["a", "a"], "rank": [1, 2], "item": ["x", "y"]}), {"x": 4, "y": 1}, 4)
    1.0
    """
    _check_recs(recommendations, "novelty")
    if n_customers < 1:
        raise ValueError(f"novelty: n_customers must be positive, got {n_customers!r}.")
    if recommendations.empty:
        return float("nan")
    counts = pd.Series(buyers, dtype="float64") if not isinstance(buyers, pd.Series) else buyers.astype("float64")
    counts.index = counts.index.astype("str")
    b = counts.reindex(recommendations["item"].astype("str")).fillna(1.0).clip(lower=1.0).to_numpy()
    return float(np.mean(-np.log2(np.minimum(b / n_customers, 1.0))))


def bootstrap_ci(values: Any, n_boot: int = 1000, ci: float = 0.95, random_state: int = 0) -> tuple[float, float, float]:
    """Mean of ``values`` and its percentile bootstrap interval (customers resampled with replacement).

    Returns ``(mean, low, high)``. Pass the difference of two recommenders' per-customer values
    (same customers, same order) for a paired interval of the difference.

    >>> m, lo, hi = bootstrap_ci([0.0, 1.0, 1.0, 0.0], n_boot=200, random_state=0)
    >>> m, lo <= m <= hi
    (0.5, True)
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    if len(x) == 0:
        return (float("nan"), float("nan"), float("nan"))
    if not 0 < ci < 1:
        raise ValueError(f"bootstrap_ci: ci must be between 0 and 1, got {ci!r}.")
    rng = np.random.default_rng(random_state)
    means = np.empty(int(n_boot))
    step = max(1, 2_000_000 // len(x))
    for start in range(0, int(n_boot), step):
        n = min(step, int(n_boot) - start)
        means[start:start + n] = x[rng.integers(0, len(x), size=(n, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    return float(x.mean()), float(lo), float(hi)


#: The two evaluation views: name -> (what is excluded from the ranking, which truth rows count).
VIEWS: dict[str, str] = {
    "all": "all later purchases; nothing excluded",
    "new": "items new to the customer; previous purchases excluded from the ranking and the truth",
}


def evaluate(
    recommender: Recommender,
    split: Split,
    k: int = 10,
    views: Iterable[str] = ("all", "new"),
    fit: bool = True,
    name: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on ``split.train`` (unless ``fit=False``), recommend for ``split.customers`` and score each view.

    Returns
    -------
    (per_customer, summary)
        ``per_customer``: the columns of :func:`ranking_metrics` plus ``method`` and ``view``.
        ``summary``: one row per view with ``method``, ``view``, ``customers``, the mean of each
        metric, ``coverage`` and ``novelty`` (bits).

    Example
    -------
    >>> per_customer, summary = evaluate(RepeatPurchase(), split, k=10)     # doctest: +SKIP
    """
    name = name or type(recommender).__name__
    if fit:
        recommender.fit(split.train)
    per, rows = [], []
    buyers = pd.Series(recommender.buyers_, index=recommender.items_)
    for view in views:
        if view not in VIEWS:
            raise ValueError(f"evaluate: unknown view {view!r}; use {list(VIEWS)}.")
        truth = split.truth if view == "all" else split.truth[split.truth["new"]]
        customers = pd.Index(np.sort(truth["customer_id"].unique()))
        recs = recommender.recommend(customers, k=k, exclude=None if view == "all" else "seen")
        m = ranking_metrics(recs, truth, k=k).assign(method=name, view=view)
        per.append(m)
        row = {"method": name, "view": view, "customers": len(m)}
        row.update({c: float(m[c].mean()) for c in METRICS})
        row["coverage"] = coverage(recs, len(recommender.items_))
        row["novelty"] = novelty(recs, buyers, len(recommender.customers_))
        rows.append(row)
    return pd.concat(per, ignore_index=True), pd.DataFrame(rows)


# ------------------------------------------------------------------------------------------------
# Choosing blend weights on a validation split
# ------------------------------------------------------------------------------------------------


def _fast_ndcg(scores: np.ndarray, relevant: np.ndarray, n_relevant: np.ndarray, k: int) -> float:
    """Mean NDCG@k of dense scores (ties broken by column order, as in recommend)."""
    # the same ranking as recommend: scores settled to SCORE_DIGITS, equal scores by column
    top = _top_k(_settle_ties(scores), min(k, scores.shape[1]))
    gains = np.take_along_axis(relevant, top, axis=1).astype(np.float64)
    disc = 1.0 / np.log2(np.arange(2, gains.shape[1] + 2))
    full = 1.0 / np.log2(np.arange(2, k + 2))
    ideal = np.concatenate([[0.0], np.cumsum(full)])[np.minimum(n_relevant, k)]
    return float(np.mean((gains * disc).sum(axis=1) / ideal))


def tune_blend(
    components: Mapping[str, Recommender],
    split: Split,
    k: int = 10,
    grid: Iterable[float] = (0.0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0),
    anchor: str | None = None,
    rounds: int = 2,
    view: str = "all",
) -> tuple[dict[str, float], pd.DataFrame]:
    """Blend weights that maximize mean NDCG@k on a (validation) split, by coordinate search.

    The components must already be fitted on ``split.train``. Each one's scores are min-max
    scaled per customer (as :class:`Hybrid` does). The ``anchor`` (default: the component with the
    best NDCG@k alone) keeps weight 1; the others start at 0 and, ``rounds`` times in turn, take the
    grid value that raises NDCG@k most (ties: the smaller weight).

    Returns
    -------
    (weights, trace)
        ``weights``: name -> weight; ``trace``: one row per step (``round``, ``component``,
        ``weight``, ``ndcg``).

    Example
    -------
    >>> weights, trace = tune_blend({"repeat": rp, "item_knn": ik}, validation_split)     # doctest: +SKIP
    """
    if not components:
        raise ValueError("tune_blend: components must be a non-empty dict name -> fitted Recommender.")
    names = list(components)
    first = components[names[0]]
    for name, comp in components.items():
        if not hasattr(comp, "items_") or not comp.items_.equals(first.items_) or not comp.customers_.equals(first.customers_):
            raise ValueError(f"tune_blend: component {name!r} is not fitted on the same interactions (fit all on split.train).")
    truth = split.truth if view == "all" else split.truth[split.truth["new"]]
    customers = pd.Index(np.sort(truth["customer_id"].unique()))
    rows = first.customers_.get_indexer(customers)
    pos = customers.get_indexer(truth["customer_id"])
    col = first.items_.get_indexer(truth["item"])
    relevant = np.zeros((len(customers), len(first.items_)), dtype=bool)
    relevant[pos[col >= 0], col[col >= 0]] = True
    n_relevant = truth.groupby("customer_id").size().reindex(customers).to_numpy()
    scaled = {name: _row_minmax(comp._score_block(customers, rows)) for name, comp in components.items()}
    seen = np.zeros_like(relevant)
    if view == "new":  # previous purchases stay out of the ranking whatever the weights
        known = np.flatnonzero(rows >= 0)
        b = first.baskets_[rows[known]].tocoo()
        seen[known[b.row], b.col] = True

    def score(total: np.ndarray) -> float:
        total = total.copy()
        total[seen] = -np.inf
        return _fast_ndcg(total, relevant, n_relevant, k)

    single = {n: score(scaled[n]) for n in names}
    anchor = anchor or max(names, key=lambda n: (single[n], -names.index(n)))
    if anchor not in components:
        raise ValueError(f"tune_blend: anchor {anchor!r} is not a component ({names}).")
    weights = {n: (1.0 if n == anchor else 0.0) for n in names}
    total = scaled[anchor].copy()
    best = single[anchor]
    trace = [{"round": 0, "component": anchor, "weight": 1.0, "ndcg": best}]
    grid = sorted(float(g) for g in grid)
    for rnd in range(1, int(rounds) + 1):
        for n in names:
            if n == anchor:
                continue
            rest = total - weights[n] * scaled[n]
            for g in grid:
                if g == weights[n]:
                    continue
                trial = score(rest + g * scaled[n])
                if trial > best + 1e-12 or (abs(trial - best) <= 1e-12 and g < weights[n]):
                    best, weights[n] = trial, g
            total = rest + weights[n] * scaled[n]
            trace.append({"round": rnd, "component": n, "weight": weights[n], "ndcg": best})
    return weights, pd.DataFrame(trace)


# ------------------------------------------------------------------------------------------------
# Hyperparameters on a validation split; summaries with bootstrap intervals
# ------------------------------------------------------------------------------------------------


def grid_search(
    recommender: Recommender,
    param_grid: Mapping[str, Iterable[Any]],
    split: Split,
    k: int = 10,
    view: str = "all",
) -> tuple[Recommender, pd.DataFrame]:
    """Try every parameter combination on a (validation) split; keep the best mean NDCG@k.

    Each combination is a fresh ``sklearn.base.clone`` of ``recommender`` with those parameters,
    fitted on ``split.train`` and scored on ``view`` (``"all"`` or ``"new"``). Ties go to the
    first combination in grid order (``sklearn.model_selection.ParameterGrid``).

    Returns
    -------
    (best, table)
        ``best``: the winning recommender, fitted on ``split.train`` (its parameters:
        ``best.get_params()``); ``table``: one row per combination, the parameters as columns plus
        ``ndcg``, ``hit``, ``recall`` (means over the split's customers) and ``chosen``, in grid order.

    Example
    -------
    >>> best, table = grid_search(UserKNN(), {"n_neighbors": [20, 50, 100]}, validation)   # doctest: +SKIP
    """
    from sklearn.base import clone
    from sklearn.model_selection import ParameterGrid

    if not dict(param_grid) or any(len(list(v)) == 0 for v in dict(param_grid).values()):
        raise ValueError(f"grid_search: param_grid is empty or has an empty list ({dict(param_grid)}); give values to try.")
    grid = list(ParameterGrid(dict(param_grid)))
    rows, best, best_score = [], None, -np.inf
    for params in grid:
        rec = clone(recommender).set_params(**params)
        _, summary = evaluate(rec, split, k=k, views=(view,))
        score = float(summary["ndcg"].iloc[0])
        rows.append({**params, **summary.iloc[0][["ndcg", "hit", "recall"]].to_dict()})
        if score > best_score:
            best, best_score = rec, score
    table = pd.DataFrame(rows)
    table["chosen"] = np.arange(len(table)) == int(np.argmax(table["ndcg"].to_numpy()))
    return best, table


def summarize(per_customer: pd.DataFrame, metrics: Iterable[str] = METRICS, n_boot: int = 1000, ci: float = 0.95,
              random_state: int = 0) -> pd.DataFrame:
    """Mean of each metric per (method, view) with a percentile bootstrap interval over customers.

    Parameters
    ----------
    per_customer : DataFrame
        Rows of :func:`evaluate` (``method``, ``view`` and metric columns), several methods stacked.

    Returns
    -------
    DataFrame with ``method``, ``view``, ``customers`` and for each metric ``m``: ``m``,
    ``m_low``, ``m_high``; in the order methods and views first appear.

    Example
    -------
    >>> table = summarize(pd.concat([per_repeat, per_hybrid]), n_boot=1000)    # doctest: +SKIP
    """
    needed = {"method", "view", *metrics}
    if not isinstance(per_customer, pd.DataFrame) or not needed <= set(per_customer.columns):
        raise ValueError(f"summarize: per_customer needs columns {sorted(needed)} (the output of evaluate).")
    rows = []
    groups = per_customer.groupby(["method", "view"], sort=False)
    for (method, view), group in groups:
        row = {"method": method, "view": view, "customers": len(group)}
        for j, m in enumerate(metrics):
            mean, lo, hi = bootstrap_ci(group[m].to_numpy(), n_boot=n_boot, ci=ci, random_state=random_state + j)
            row.update({m: mean, f"{m}_low": lo, f"{m}_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def compare(per_customer: pd.DataFrame, method: str, baseline: str, view: str = "all", metric: str = "ndcg",
            n_boot: int = 1000, ci: float = 0.95, random_state: int = 0) -> dict[str, float]:
    """Ratio of mean ``metric`` (method / baseline) on the same customers, with a paired bootstrap interval.

    Returns a dict with ``ratio``, ``low``, ``high`` (``ratio - 1`` is the relative lift) and
    ``customers``.

    Example
    -------
    >>> compare(per_customer, "hybrid", "repeat purchase")["ratio"]     # doctest: +SKIP
    """
    part = per_customer[per_customer["view"] == view]
    a = part[part["method"] == method].set_index("customer_id")[metric]
    b = part[part["method"] == baseline].set_index("customer_id")[metric]
    if a.empty or b.empty:
        raise ValueError(f"compare: no rows for method {method!r} or baseline {baseline!r} in view {view!r}.")
    common = a.index.intersection(b.index).sort_values()
    x, y = a.loc[common].to_numpy(), b.loc[common].to_numpy()
    rng = np.random.default_rng(random_state)
    idx = rng.integers(0, len(common), size=(int(n_boot), len(common)))
    ratios = x[idx].mean(axis=1) / np.maximum(y[idx].mean(axis=1), 1e-12)
    lo, hi = np.quantile(ratios, [(1 - ci) / 2, 1 - (1 - ci) / 2])
    return {"ratio": float(x.mean() / max(y.mean(), 1e-12)), "low": float(lo), "high": float(hi), "customers": int(len(common))}
