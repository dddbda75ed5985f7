"""Recommenders that score by vectors: text embeddings (:class:`ContentBased`) and matrix factorization (:class:`ALS`).

Both give every customer and every item a vector and score an item by the dot product of the
two: for :class:`ContentBased` the vectors come from the item descriptions (chapter 5's interest
vectors, "by interest"); for :class:`ALS` they are learnt from the purchase matrix alone.

Example
-------
>>> import pandas as pd
>>> lines = pd.DataFrame({"customer_id": ["a", "b", "b"], "item": ["red mug", "red mug", "tea towel"],
...                       "timestamp": pd.to_datetime(["2010-01-01"] * 3)})
>>> vectors = pd.DataFrame([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], index=["red mug", "red cup", "tea towel"])
>>> ContentBased(item_vectors=vectors).fit(lines).scores(["a"]).round(2)
item  red mug  tea towel
a         1.0        0.0
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from profiling.i18n import tr
from profiling.numeric import one_thread, unit_rows
from profiling.recommend.base import Recommender

__all__ = ["ALS", "ContentBased"]


def _dot_scores(customer_vectors: np.ndarray, item_vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Scores = dot products of the customers' vectors (fitted rows ``rows``) with every item's vector;
    0 for customers not seen in training (row -1)."""
    out = np.zeros((len(rows), len(item_vectors)))
    ok = rows >= 0
    if ok.any():
        with one_thread():
            out[ok] = customer_vectors[rows[ok]] @ item_vectors.T
    return out


class ContentBased(Recommender):
    """Similar description: the customer's interest vector (chapter 5) against every item's text vector.

    The interest vector is :func:`profiling.interests.user_interest_vectors`: the spend-weighted
    (optionally recency-discounted) mean of the vectors of the items bought, L2-normalized. The
    score of an item is its cosine similarity to that vector.

    Parameters
    ----------
    item_vectors : DataFrame or callable
        One row per item (index = item, e.g. description), one column per dimension, e.g.
        ``pd.DataFrame(embeddings.make_embedder("minilm").fit_embed(texts), index=texts)``. Catalogue
        items without a vector score 0. A callable is given the training lines at :meth:`fit` and
        returns that frame: vectors that depend on the training period, e.g. of a model
        fine-tuned on purchases before its cutoff (chapter 8 chooses them that way).
    half_life_days : float or None, default None

    Example
    -------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "b", "b", "c"], "item": ["red mug", "blue mug", "tea towel", "red mug"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01"] * 4)})
    >>> vectors = pd.DataFrame([[1.0, 0.2], [0.8, 0.3], [0.0, 1.0]], index=["red mug", "blue mug", "tea towel"])
    >>> rec = ContentBased(item_vectors=vectors).fit(lines)
    >>> rec.recommend(["a"], k=2, exclude="seen")["item"].tolist(), rec.reason("a", "blue mug")
    (['blue mug', 'tea towel'], 'similar description to red mug')
    """

    reason_label = "similar description"

    def __init__(self, item_vectors: pd.DataFrame | None = None, half_life_days: float | None = None) -> None:
        self.item_vectors = item_vectors
        self.half_life_days = half_life_days

    def _fit(self) -> None:
        from profiling import interests

        vec = self.item_vectors
        if callable(vec):
            vec = vec(self._training_frame)
        if not isinstance(vec, pd.DataFrame) or vec.empty:
            raise TypeError("ContentBased.fit: item_vectors must be a non-empty DataFrame indexed by item (one row per "
                            f"item), got {type(vec).__name__}.")
        vec = vec[~vec.index.duplicated()]
        texts = pd.Index(vec.index.astype("str"))
        values = unit_rows(vec.to_numpy())
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
        with one_thread():
            users = interests.user_interest_vectors(frame, self.items_, cat, cutoff, self.half_life_days, item_col="item")
        self.user_vectors_ = np.zeros((len(self.customers_), cat.shape[1]))
        where = self.customers_.get_indexer(users.index)
        self.user_vectors_[where[where >= 0]] = users.to_numpy()[where >= 0]

    def _score(self, rows: np.ndarray) -> np.ndarray:
        return _dot_scores(self.user_vectors_, self.catalogue_vectors_, rows)

    def reason(self, customer: Any, item: Any) -> str:
        self._check_fitted("reason")
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
        return tr("similar description to {item}").format(item=self.items_[bought[best]])


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
    Two groups of customers with disjoint baskets; a newcomer who bought two items of the first
    group is offered its third:

    >>> import pandas as pd
    >>> rows = [(f"g{g}_{i}", item) for g, items in enumerate(["pqr", "stu"]) for i in range(6) for item in items]
    >>> lines = pd.DataFrame(rows + [("new", "p"), ("new", "q")], columns=["customer_id", "item"])
    >>> lines["timestamp"] = pd.Timestamp("2010-01-01")
    >>> als = ALS(factors=4, iterations=20, random_state=0).fit(lines)
    >>> als.recommend(["new"], k=1, exclude="seen")["item"].tolist(), als.item_factors_.shape
    (['r'], (6, 4))
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
            raise ValueError(f"ALS.fit: weighting must be 'count', 'log' or 'binary', got {self.weighting!r}.")
        r = self.baskets_.copy()
        if self.weighting == "log":
            r.data = np.log1p(r.data)
        elif self.weighting == "binary":
            r.data = np.ones_like(r.data)
        with one_thread(), warnings.catch_warnings():
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
        self._check_fitted("reason")
        return tr("matches your purchase pattern (ALS factors)")
