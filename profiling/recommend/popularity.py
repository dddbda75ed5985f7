"""Recommenders that count: what sells, what sells in your segment, what you buy again.

- :class:`Popularity`: the same list for everyone (optionally only the last ``window_days``:
  recent popularity).
- :class:`SegmentPopularity`: popularity inside the customer's segment or tag ("by user tag").
- :class:`RepeatPurchase`: the customer's own frequent (optionally recent, trending) items, the
  baseline to beat in retail.

Example
-------
>>> import pandas as pd
>>> lines = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
...                       "item": ["x", "x", "y", "y", "z", "y"], "invoice_id": ["1", "2", "2", "3", "3", "4"],
...                       "timestamp": pd.to_datetime(["2010-01-01", "2010-01-05", "2010-01-05",
...                                                    "2010-01-06", "2010-01-06", "2010-01-09"])})
>>> Popularity().fit(lines).recommend(["a"], k=3)["item"].tolist()          # y: 3 buyers
['y', 'x', 'z']
>>> RepeatPurchase().fit(lines).recommend(["a"], k=3)["item"].tolist()      # a bought x twice
['x', 'y', 'z']
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from profiling.i18n import tr
from profiling.recommend.base import Recommender, _you_bought

__all__ = ["Popularity", "RepeatPurchase", "SegmentPopularity"]


class Popularity(Recommender):
    """The same list for everyone: items with the most distinct buyers.

    Parameters
    ----------
    window_days : float or None, default None
        Count only buyers in the last ``window_days`` before the reference time (recent popularity);
        None: the whole history.

    Example
    -------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "b", "c"], "item": ["x", "x", "y"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01", "2010-01-02", "2010-03-01"])})
    >>> Popularity().fit(lines).recommend(["a"], k=2)["item"].tolist()
    ['x', 'y']
    >>> Popularity(window_days=30).fit(lines).recommend(["a"], k=2)["item"].tolist()   # only y sold lately
    ['y', 'x']
    """

    def __init__(self, window_days: float | None = None) -> None:
        self.window_days = window_days

    def _fit(self) -> None:
        if self.window_days is not None and not float(self.window_days) > 0:
            raise ValueError(f"Popularity.fit: window_days must be positive or None, got {self.window_days!r}.")
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
        self._check_fitted("reason")
        col = self._item_col(item)
        if col < 0:
            return tr("not in the catalogue")
        buyers = int(self.popularity_[col])
        if self.window_days is None:
            return tr("popular: {buyers:,} buyers").format(buyers=buyers)
        return tr("popular: {buyers:,} buyers in the last {days:g} days").format(buyers=buyers, days=self.window_days)


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
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "b", "c", "c"], "item": ["x", "x", "y", "z"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01", "2010-01-02", "2010-01-03", "2010-01-03"])})
    >>> rec = SegmentPopularity(segments=pd.Series({"a": "retail", "c": "wholesale", "d": "wholesale"})).fit(lines)
    >>> rec.recommend(["d"], k=3)["item"].tolist(), rec.reason("d", "y")
    (['y', 'z', 'x'], 'popular in your segment wholesale: 1 buyers')
    """

    def __init__(self, segments: Any = None) -> None:
        self.segments = segments

    def _fit(self) -> None:
        seg = self.segments
        if callable(seg):
            seg = seg(self._training_frame)
        if not isinstance(seg, pd.Series):
            raise TypeError(
                "SegmentPopularity.fit: segments must be a Series customer_id -> segment, or a function of the training "
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
        self._check_fitted("reason")
        col = self._item_col(item)
        seg = self.segment_of_.get(str(customer))
        if col < 0:
            return tr("not in the catalogue")
        if seg is None or seg not in self.segment_names_:
            return super().reason(customer, item)
        n = int(self.segment_counts_[self.segment_names_.get_loc(seg), col])
        return tr("popular in your segment {segment}: {buyers:,} buyers").format(segment=seg, buyers=n)


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
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "b"], "item": ["x", "y", "y"], "invoice_id": ["1", "2", "3"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01", "2010-03-01", "2010-03-02"])})
    >>> rec = RepeatPurchase(boost_power=1.0).fit(lines)     # y sells now (2 recent buyers), x does not
    >>> rec.recommend(["a"], k=2)["item"].tolist(), rec.reason("a", "x")
    (['y', 'x'], 'you bought it: 1 order, last 60 days ago')
    """

    reason_label = "you bought it"

    def __init__(self, half_life_days: float | None = None, boost_window_days: float = 30, boost_power: float = 0.0) -> None:
        self.half_life_days = half_life_days
        self.boost_window_days = boost_window_days
        self.boost_power = boost_power

    def _fit(self) -> None:
        if self.half_life_days is not None and not float(self.half_life_days) > 0:
            raise ValueError(f"RepeatPurchase.fit: half_life_days must be positive or None, got {self.half_life_days!r}.")
        if not float(self.boost_power) >= 0:
            raise ValueError(f"RepeatPurchase.fit: boost_power must be >= 0, got {self.boost_power!r}.")
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
        self._check_fitted("reason")
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        return (_you_bought(self, row, col) if col >= 0 else None) or super().reason(customer, item)
