"""Segments and personas: RFM scores and named segments, KMeans personas.

Three ways to group customers, from the most transparent to the most data-driven:

1. **RFM scores** (:func:`rfm_scores`): recency, frequency and monetary value each cut into
   quintiles (scores 1-5, 5 = best), then the widely used **named RFM segments**
   (:func:`rfm_segment`, :func:`rfm_segment_map`: champions, loyal, ..., lost) from a grid of the
   R score against the mean of the F and M scores.
2. **Personas** (:class:`Personas`): KMeans on log-transformed, standardized features, with the
   number of clusters chosen from inertia and silhouette (:func:`choose_k`, :func:`best_k`), each
   cluster described and given a generated short name (:func:`describe_personas`).
3. Rule-based **tags** (:mod:`profiling.tags`).

The profile table that puts them together, one row per customer, is :mod:`profiling.profiles`.

Example
-------
>>> from profiling import datasets, segments
>>> tx = datasets.make_transactions(300, random_state=0)
>>> from profiling import features
>>> f = features.customer_features(tx, cutoff="2010-12-01")
>>> set(segments.rfm_segment(segments.rfm_scores(f))) <= set(segments.rfm_segment_map()["segment"])
True
"""

from __future__ import annotations

import os

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin

from profiling import tags as _tags
from profiling.i18n import N_, language, tr
from profiling.numeric import one_thread, signed_log1p
from profiling.validation import check_frame, check_is_fitted

__all__ = [
    "RFM_SEGMENTS",
    "PERSONA_FEATURES",
    "LOG_FEATURES",
    "rfm_scores",
    "rfm_segment",
    "rfm_segment_map",
    "rfm_segment_grid",
    "cluster_matrix",
    "choose_k",
    "best_k",
    "Personas",
    "fit_personas",
    "persona_z_medians",
    "describe_personas",
    "persona_label",
]

# --------------------------------------------------------------------------------------------
# RFM
# --------------------------------------------------------------------------------------------

#: The named RFM segments: (segment, display name, 中文, R scores, FM scores, what it means, what to do).
#: Together the (R, FM) ranges tile the 5 x 5 grid exactly once (tested).
RFM_SEGMENTS: list[tuple[str, str, str, tuple[int, ...], tuple[int, ...], str, str]] = [
    ("champions", "Champions", "冠军客户", (5,), (4, 5), N_("bought recently, buy often and spend the most"), N_("reward; early access; ask for reviews")),
    ("loyal", "Loyal", "忠诚客户", (3, 4), (4, 5), N_("buy often and spend well; responsive to promotions"), N_("upsell higher-value products; loyalty programme")),
    ("potential_loyalist", "Potential loyalist", "潜在忠诚客户", (4, 5), (2, 3), N_("recent customers with average frequency and spend"), N_("membership offers; recommend other products")),
    ("new_customers", "New customers", "新客户", (5,), (1,), N_("bought most recently, but not often"), N_("onboarding; build the relationship early")),
    ("promising", "Promising", "有潜力客户", (4,), (1,), N_("recent shoppers who have not spent much yet"), N_("brand awareness; free trials")),
    ("need_attention", "Need attention", "需要关注客户", (3,), (3,), N_("above-average recency, frequency and spend, but slipping"), N_("limited-time offers based on past purchases")),
    ("about_to_sleep", "About to sleep", "即将沉睡客户", (3,), (1, 2), N_("below-average recency and frequency"), N_("share popular products; reactivate before they are lost")),
    ("at_risk", "At risk", "有流失风险客户", (1, 2), (3, 4), N_("spent and bought fairly often, but long ago"), N_("personalised win-back e-mails; renewals")),
    ("cant_lose", "Can't lose them", "不能失去的客户", (1, 2), (5,), N_("made the biggest and most frequent purchases, but long ago"), N_("win them back with new products; talk to them")),
    ("hibernating", "Hibernating", "沉睡客户", (1, 2), (1, 2), N_("last purchase long ago, few orders, low spend"), N_("offer relevant products and special discounts")),
    ("lost", "Lost", "已流失客户", (1,), (1,), N_("lowest recency, frequency and spend"), N_("revive interest with outreach, else ignore")),
]
# "lost" is carved out of the hibernating block: the (1, 1) cell belongs to it, not to hibernating.
_SEGMENT_ORDER = [s[0] for s in RFM_SEGMENTS]


def _grid() -> np.ndarray:
    """5 x 5 array of segment ids indexed by [R - 1, FM - 1]; later rows of RFM_SEGMENTS win."""
    grid = np.full((5, 5), "", dtype=object)
    for seg, _, _, rs, fms, _, _ in RFM_SEGMENTS:
        for r in rs:
            for fm in fms:
                grid[r - 1, fm - 1] = seg
    return grid


#: How to get a right features frame (the end of every message that refuses one).
_FEATURES_FIX = "Build features with profiling.features.customer_features(transactions, cutoff)."


def _balanced_scores(values: pd.Series, bins: int, ascending: bool) -> np.ndarray:
    """Scores 1..bins of equal size: rank on (value, customer id), then cut the ranks in ``bins``."""
    n = len(values)
    key = pd.DataFrame({"v": values.to_numpy(dtype="float64"), "id": values.index.astype("str"), "pos": np.arange(n)})
    key = key.sort_values(["v", "id", "pos"], ascending=[ascending, True, True], kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[key["pos"].to_numpy()] = np.arange(n)  # 0-based rank, i.e. rank(method="first") - 1
    return rank * bins // n + 1


def rfm_scores(features: pd.DataFrame, bins: int = 5) -> pd.DataFrame:
    """Quintile (by default) scores of recency, frequency and monetary value: 1 = worst, ``bins`` = best.

    How ties are broken: customers are ranked on a deterministic order (by the value, then by
    ``customer_id``; ``rank(method="first")`` on that order) and the ranks are cut into ``bins``
    equal groups, which is ``pd.qcut(rank, bins)`` but also defined when there are fewer
    customers than bins. The bins are therefore **balanced** (each score holds ``n / bins``
    customers, give or take one) even when many customers share a value (half the customers have
    one or two orders): equal values may land in adjacent scores. Balanced bins are the goal;
    "equal score means equal value" is not promised.

    Parameters
    ----------
    features:
        Output of :func:`profiling.features.customer_features` (``recency_days``, ``frequency``,
        ``monetary``), indexed by customer id.
    bins:
        Number of scores (5 = quintiles).

    Returns
    -------
    DataFrame, same index, columns ``r_score`` (lower recency = higher score), ``f_score``,
    ``m_score`` (``int64`` in 1..bins), ``fm_score`` (mean of F and M rounded half up:
    ``(f + m + 1) // 2``) and ``rfm_cell`` (text, e.g. ``"545"``).

    Example
    -------
    >>> f = pd.DataFrame({"recency_days": [3.0, 40.0, 200.0], "frequency": [9, 2, 1],
    ...                   "monetary": [900.0, 80.0, 15.0]}, index=["a", "b", "c"])
    >>> rfm_scores(f, bins=3)["rfm_cell"].tolist()
    ['333', '222', '111']
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 9:
        raise ValueError(f"rfm_scores: bins must be a whole number from 2 to 9, got {bins!r}")
    needed = ["recency_days", "frequency", "monetary"]
    check_frame(features, needed, "rfm_scores", what="features", fix=_FEATURES_FIX, allow_empty=False, complete=needed)
    r = _balanced_scores(features["recency_days"], bins, ascending=False)
    f = _balanced_scores(features["frequency"], bins, ascending=True)
    m = _balanced_scores(features["monetary"], bins, ascending=True)
    out = pd.DataFrame({"r_score": r, "f_score": f, "m_score": m}, index=features.index).astype("int64")
    out["fm_score"] = ((out["f_score"] + out["m_score"] + 1) // 2).astype("int64")
    out["rfm_cell"] = (out["r_score"].astype("str") + out["f_score"].astype("str") + out["m_score"].astype("str")).astype("str")
    return out


def rfm_segment(scores: pd.DataFrame) -> pd.Series:
    """The named RFM segment of every customer, from ``r_score`` and ``fm_score`` (5-point scores).

    Uses the grid of :func:`rfm_segment_map` / :func:`rfm_segment_grid`. Returns a categorical
    Series named ``rfm_segment`` (categories in the order of :data:`RFM_SEGMENTS`).

    Example
    -------
    >>> rfm_segment(pd.DataFrame({"r_score": [5, 1], "fm_score": [5, 1]})).tolist()
    ['champions', 'lost']
    """
    needed = ["r_score", "fm_score"]
    check_frame(scores, needed, "rfm_segment", what="scores", fix="Compute them with rfm_scores(features).",
                allow_empty=False, complete=needed)
    r = scores["r_score"].to_numpy()
    fm = scores["fm_score"].to_numpy()
    if (r < 1).any() or (r > 5).any() or (fm < 1).any() or (fm > 5).any():
        raise ValueError("rfm_segment: the segment map needs 5-point scores (1..5): use rfm_scores(features, bins=5)")
    seg = _grid()[r.astype(int) - 1, fm.astype(int) - 1]
    return pd.Series(pd.Categorical(seg, categories=_SEGMENT_ORDER), index=scores.index, name="rfm_segment")


def rfm_segment_map() -> pd.DataFrame:
    """The named RFM segments as a table: segment, name, chinese, R scores, FM scores, meaning, action.

    FM is the mean of the F and M scores rounded half up. The map follows the widely used
    R-against-FM segment grid (10 segments, with "lost" carved out of the bottom-left corner of
    "hibernating").
    """
    rows = []
    grid = _grid()
    for seg, name, zh, rs, fms, meaning, action in RFM_SEGMENTS:
        cells = int((grid == seg).sum())
        r_text = f"{min(rs)}-{max(rs)}" if len(rs) > 1 else str(rs[0])
        fm_text = f"{min(fms)}-{max(fms)}" if len(fms) > 1 else str(fms[0])
        if seg == "hibernating":
            fm_text += " (not R=1 & FM=1)"
        rows.append((seg, name, zh, r_text, fm_text, cells, tr(meaning), tr(action)))
    return pd.DataFrame(rows, columns=["segment", "name", "chinese", "R score", "FM score", "grid cells", "meaning", "action"])


def rfm_segment_grid() -> pd.DataFrame:
    """The 5 x 5 segment grid: rows R score 5..1, columns FM score 1..5, cells the segment id."""
    grid = _grid()
    out = pd.DataFrame(grid[::-1], index=pd.Index([5, 4, 3, 2, 1], name="R score"), columns=pd.Index([1, 2, 3, 4, 5], name="FM score"))
    return out.astype("str")


# --------------------------------------------------------------------------------------------
# Clustering
# --------------------------------------------------------------------------------------------

#: Features KMeans clusters on (numeric, never missing): value, frequency, life cycle, range, season.
PERSONA_FEATURES: list[str] = [
    "recency_days",
    "frequency",
    "monetary",
    "avg_order_value",
    "avg_basket_items",
    "tenure_days",
    "distinct_items",
    "gift_season_share",
]

#: Skewed non-negative features transformed with ``log1p`` before scaling (negative values, e.g. a
#: net spend below zero after returns, are clipped to 0 first).
LOG_FEATURES: list[str] = ["recency_days", "frequency", "monetary", "avg_order_value", "avg_basket_items", "distinct_items"]

#: Words for a persona's name: feature -> (word when its median is high, word when low).
#: The words are the names' identifiers (records, code); :func:`persona_label` shows them in the
#: current language.
_NAME_WORDS: dict[str, tuple[str, str]] = {
    "recency_days": (N_("lapsed"), N_("recent")),
    "frequency": (N_("frequent"), N_("one-off")),
    "monetary": (N_("high-value"), N_("low-value")),
    "avg_order_value": (N_("big-order"), N_("small-order")),
    "avg_basket_items": (N_("bulk"), N_("small-basket")),
    "tenure_days": (N_("long-standing"), N_("newly-acquired")),
    "distinct_items": (N_("broad-range"), N_("narrow-range")),
    "gift_season_share": (N_("gift-season"), N_("off-season")),
}


def persona_label(name: Any) -> Any:
    """A persona name of :func:`describe_personas` as shown in the current language.

    The name stays the persona's identifier (in the profile table, records and code); this is
    only its display: each word through :func:`~profiling.i18n.tr`, joined as the language lists
    words (``"lapsed one-off"`` is ``"久未复购、一次性购买"`` in Chinese), a ``#2`` kept. In English, and
    for a name not made of those words (``"high x"``, a value that is not text), the name itself.

    >>> persona_label("lapsed one-off")
    'lapsed one-off'
    """
    if not isinstance(name, str) or language() == "en":
        return name
    base, hash_, number = name.partition(" #")
    words = base.split(" ")
    known = {w for pair in _NAME_WORDS.values() for w in pair}
    if not all(w in known for w in words):
        return name
    return tr(", ").join(tr(w) for w in words) + (f" #{number}" if hash_ else "")


def _transformed(
    features: pd.DataFrame, columns: Sequence[str], log_columns: Iterable[str], where: str = "cluster_matrix"
) -> pd.DataFrame:
    """``columns`` as float, the ``log_columns`` among them clipped at 0 and then logged.

    Not :func:`profiling.numeric.log_standardizer`: only the skewed columns are logged (tenure and
    the gift-season share stay linear), and a negative value (a net spend below zero after
    returns) counts as 0 rather than as a negative log. On the clipped, non-negative values
    :func:`~profiling.numeric.signed_log1p` is ``log1p`` exactly, so the numbers are those of the
    personas the chapters show.
    """
    columns = list(columns)
    check_frame(features, columns, where, what="features", fix=_FEATURES_FIX, allow_empty=False, complete=columns)
    X = features[columns].astype("float64")
    logged = [c for c in columns if c in set(log_columns)]
    X[logged] = signed_log1p(X[logged].clip(lower=0))
    return X


def cluster_matrix(
    features: pd.DataFrame,
    columns: Sequence[str] = tuple(PERSONA_FEATURES),
    log_columns: Iterable[str] = tuple(LOG_FEATURES),
) -> pd.DataFrame:
    """The matrix KMeans sees: ``columns``, ``log1p`` on ``log_columns``, each standardized (mean 0, sd 1).

    Returns a DataFrame with the index of ``features``. Constant columns become 0.

    Example
    -------
    >>> from profiling import datasets, features
    >>> f = features.customer_features(datasets.make_transactions(200, random_state=1), cutoff="2010-12-01")
    >>> X = cluster_matrix(f)
    >>> list(X.columns) == PERSONA_FEATURES, bool(abs(X.mean()).max() < 1e-9)
    (True, True)
    """
    from sklearn.preprocessing import StandardScaler

    X = _transformed(features, columns, log_columns)
    return pd.DataFrame(StandardScaler().fit_transform(X), index=X.index, columns=X.columns)


def choose_k(
    X: pd.DataFrame | np.ndarray,
    ks: Iterable[int] = range(2, 11),
    random_state: int = 0,
    sample_size: int = 3000,
    n_init: int = 10,
) -> pd.DataFrame:
    """Inertia and silhouette of KMeans for each ``k`` in ``ks``.

    Parameters
    ----------
    X:
        The (already transformed and scaled) matrix, e.g. :func:`cluster_matrix`.
    ks:
        Candidate numbers of clusters (each >= 2 and < number of rows).
    random_state:
        Seed of KMeans and of the silhouette sample.
    sample_size:
        The silhouette is computed on a seeded random sample of at most this many rows (it costs
        O(n^2)); inertia always on all rows.
    n_init:
        KMeans restarts per k.

    Returns
    -------
    DataFrame with columns ``k``, ``inertia`` (within-cluster sum of squares, lower is tighter but
    always falls with k) and ``silhouette`` (-1..1, higher = better separated), one row per k.

    Example
    -------
    >>> from profiling import datasets, features
    >>> f = features.customer_features(datasets.make_transactions(200, random_state=1), cutoff="2010-12-01")
    >>> table = choose_k(cluster_matrix(f), ks=range(2, 5))
    >>> table["k"].tolist(), bool(table["inertia"].is_monotonic_decreasing)
    ([2, 3, 4], True)
    """
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    arr = np.asarray(X, dtype="float64")
    if arr.ndim != 2 or len(arr) == 0:
        raise ValueError(f"choose_k: X must be a non-empty 2-D matrix, got shape {arr.shape}")
    if np.isnan(arr).any():
        raise ValueError("choose_k: X has missing values; build it with cluster_matrix(features)")
    ks = [int(k) for k in ks]
    if not ks:
        raise ValueError("choose_k: ks is empty; pass e.g. range(2, 11)")
    bad = [k for k in ks if k < 2 or k >= len(arr)]
    if bad:
        raise ValueError(f"choose_k: every k must be >= 2 and < the number of rows ({len(arr)}); got {bad}")
    def one_k(k: int) -> tuple[int, float, float]:
        # OpenMP's thread count is a setting of each thread: a worker limits its own (BLAS is limited
        # for the whole process below), so every fit runs on one thread, as the results require.
        with threadpool_limits(limits=1, user_api="openmp"):
            km = KMeans(n_clusters=k, n_init=n_init, random_state=random_state).fit(arr)
            kwargs = {"sample_size": sample_size, "random_state": random_state} if len(arr) > sample_size else {}
            sil = silhouette_score(arr, km.labels_, **kwargs) if len(set(km.labels_)) > 1 else np.nan
        return k, float(km.inertia_), float(sil)

    # The candidates are independent single-threaded fits: run them side by side on the machine's
    # cores (scikit-learn and numpy release the GIL in their loops). Each result is the same as in
    # a plain loop, whatever the number of workers.
    workers = max(1, min(len(ks), os.cpu_count() or 1, 4))
    with one_thread(), ThreadPoolExecutor(max_workers=workers) as pool:
        rows = list(pool.map(one_k, ks))
    return pd.DataFrame(rows, columns=["k", "inertia", "silhouette"])


def best_k(table: pd.DataFrame, decimals: int = 2) -> int:
    """The chosen k: the highest silhouette, rounded to ``decimals``; ties go to the larger k.

    Rounding treats silhouettes that differ by less than the sampling noise as equal; among
    those, more clusters give finer personas at no measurable loss of separation.

    Example
    -------
    >>> best_k(pd.DataFrame({"k": [2, 3, 4], "silhouette": [0.301, 0.304, 0.25]}))   # 0.30 = 0.30: the larger k
    3
    """
    if not isinstance(table, pd.DataFrame) or not {"k", "silhouette"} <= set(table.columns):
        raise ValueError("best_k: pass the table of choose_k (columns 'k' and 'silhouette')")
    t = table.assign(s=table["silhouette"].round(decimals)).dropna(subset=["s"])
    if t.empty:
        raise ValueError("best_k: no k has a silhouette")
    t = t.sort_values(["s", "k"], ascending=[False, False], kind="stable")
    return int(t["k"].iloc[0])


class Personas(ClusterMixin, BaseEstimator):
    """KMeans personas on log-transformed, standardized features, with deterministic labels.

    A scikit-learn estimator: the parameters are stored as given and checked in :meth:`fit`;
    ``get_params``, ``set_params`` and :func:`sklearn.base.clone` work.

    Parameters
    ----------
    k : int, default 4
        Number of personas.
    columns : sequence of str, default :data:`PERSONA_FEATURES`
        Features to cluster on (numeric, no missing values).
    log_columns : sequence of str, default :data:`LOG_FEATURES`
        Which of them get ``log1p`` (after clipping at 0) before standardizing; money and counts
        are heavily skewed, and KMeans on raw money would only separate the few largest buyers.
    random_state : int, default 0
        Seed of KMeans.
    n_init : int, default 10
        KMeans restarts.

    Attributes
    ----------
    labels_ : Series
        Persona of every customer of the fitted frame (same index), ``int64`` in 0..k-1.
        Persona 0 is the largest; ties by higher mean ``monetary``.
    cluster_centers_ : DataFrame
        Centres in the standardized space (rows = personas, columns = ``columns``).
    inertia_ : float
    mapping_ : dict
        KMeans label -> persona.
    scaler_, kmeans_ : the fitted scikit-learn objects (KMeans labels are the original ones).

    The fit sorts the rows by customer id first, so the result does not depend on row order.

    Example
    -------
    >>> from profiling import datasets, features
    >>> f = features.customer_features(datasets.make_transactions(200, random_state=1), cutoff="2010-12-01")
    >>> p = Personas(k=3, random_state=0).fit(f)
    >>> p.labels_.value_counts().sort_index().is_monotonic_decreasing   # persona 0 is the largest
    True
    >>> bool((p.predict(f) == p.labels_).all())
    True
    """

    def __init__(
        self,
        k: int = 4,
        columns: Sequence[str] = tuple(PERSONA_FEATURES),
        log_columns: Sequence[str] = tuple(LOG_FEATURES),
        random_state: int | None = 0,
        n_init: int = 10,
    ):
        self.k = k
        self.columns = columns
        self.log_columns = log_columns
        self.random_state = random_state
        self.n_init = n_init

    def fit(self, features: pd.DataFrame, y: Any = None) -> "Personas":
        """Fit scaler and KMeans on ``features`` (one row per customer); ``y`` is ignored. Returns self."""
        from sklearn.cluster import KMeans
        from sklearn.preprocessing import StandardScaler

        if isinstance(self.k, bool) or not isinstance(self.k, (int, np.integer)) or self.k < 1:
            raise ValueError(f"Personas: k must be a whole number >= 1, got {self.k!r}")
        columns = list(self.columns)
        check_frame(features, [*columns, "monetary"], "Personas.fit", what="features", fix=_FEATURES_FIX,
                    allow_empty=False, complete=[*columns, "monetary"])
        if len(features) < self.k:
            raise ValueError(f"Personas: k={self.k} personas need at least {self.k} customers, got {len(features)}")
        if not features.index.is_unique:
            raise ValueError("Personas: features must have one row per customer (the index has duplicates)")
        k = int(self.k)
        ordered = features.sort_index(kind="stable")
        X = _transformed(ordered, columns, self.log_columns, "Personas.fit")
        self.scaler_ = StandardScaler().fit(X)
        Xs = self.scaler_.transform(X)
        with one_thread():
            self.kmeans_ = KMeans(n_clusters=k, n_init=self.n_init, random_state=self.random_state).fit(Xs)
        raw = self.kmeans_.labels_
        stats = pd.DataFrame({"raw": raw, "m": ordered["monetary"].to_numpy(dtype="float64")}).groupby("raw")["m"].agg(["size", "mean"])
        stats = stats.reindex(range(k), fill_value=0)
        stats["raw_label"] = stats.index
        order = stats.sort_values(["size", "mean", "raw_label"], ascending=[False, False, True], kind="stable").index.to_numpy()
        self.mapping_ = {int(old): new for new, old in enumerate(order)}
        new = np.array([self.mapping_[int(x)] for x in raw], dtype=np.int64)
        self.labels_ = pd.Series(new, index=ordered.index, name="persona").reindex(features.index)
        centers = self.kmeans_.cluster_centers_[order]
        self.cluster_centers_ = pd.DataFrame(centers, index=pd.Index(range(k), name="persona"), columns=columns)
        self.inertia_ = float(self.kmeans_.inertia_)
        return self

    def transform(self, features: pd.DataFrame) -> pd.DataFrame:
        """The standardized matrix of ``features`` with the fitted scaler (same index)."""
        check_is_fitted(self, "scaler_")
        X = _transformed(features, self.columns, self.log_columns, "Personas.transform")
        return pd.DataFrame(self.scaler_.transform(X), index=X.index, columns=X.columns)

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """The persona (relabelled 0..k-1) of each row of ``features``, e.g. of a later period."""
        check_is_fitted(self, "kmeans_")
        Xs = self.transform(features).to_numpy()
        with one_thread():
            raw = self.kmeans_.predict(Xs)
        return pd.Series([self.mapping_[int(x)] for x in raw], index=features.index, name="persona", dtype="int64")


def fit_personas(features: pd.DataFrame, k: int, random_state: int = 0, **kwargs: Any) -> Personas:
    """``Personas(k=k, random_state=random_state, **kwargs).fit(features)``."""
    return Personas(k=k, random_state=random_state, **kwargs).fit(features)


def _labels_series(features: pd.DataFrame, labels: Any) -> pd.Series:
    if isinstance(labels, pd.Series):
        if not labels.index.equals(features.index):
            if set(labels.index) != set(features.index):
                raise ValueError("labels must have the same customers (index) as features")
            labels = labels.reindex(features.index)
        out = labels
    else:
        arr = np.asarray(labels)
        if len(arr) != len(features):
            raise ValueError(f"labels has {len(arr)} values but features has {len(features)} rows")
        out = pd.Series(arr, index=features.index)
    if out.isna().any():
        raise ValueError("labels has missing values")
    return out.astype("int64").rename("persona")


def persona_z_medians(
    features: pd.DataFrame,
    labels: Any,
    columns: Sequence[str] = tuple(PERSONA_FEATURES),
    log_columns: Sequence[str] = tuple(LOG_FEATURES),
) -> pd.DataFrame:
    """Median of every standardized (log-transformed, scaled) feature per persona: the snake-plot data.

    A value of +1 means the persona's typical customer is one standard deviation above the
    average customer on that feature. Rows = personas (sorted), columns = ``columns``.

    Example
    -------
    >>> from profiling import datasets, features
    >>> f = features.customer_features(datasets.make_transactions(200, random_state=1), cutoff="2010-12-01")
    >>> z = persona_z_medians(f, fit_personas(f, 3).labels_)
    >>> z.shape == (3, len(PERSONA_FEATURES))
    True
    """
    lab = _labels_series(features, labels)
    Xs = cluster_matrix(features, columns, log_columns)
    return Xs.groupby(lab.to_numpy()).median().rename_axis("persona")


def _names(z: pd.DataFrame, n_words: int = 2) -> dict[int, str]:
    """Short names from the features whose z-median is furthest from 0; made unique."""
    words: dict[int, list[str]] = {}
    for persona, row in z.iterrows():
        order = row.abs().sort_values(ascending=False, kind="stable").index
        ws = []
        for feat in order:
            hi, lo = _NAME_WORDS.get(feat, (f"high {feat}", f"low {feat}"))
            ws.append(hi if row[feat] >= 0 else lo)
        words[int(persona)] = ws
    names = {p: " ".join(ws[:n_words]) for p, ws in words.items()}
    for extra in range(n_words + 1, len(z.columns) + 1):
        dup = {n for n in names.values() if list(names.values()).count(n) > 1}
        if not dup:
            break
        for p in names:
            if names[p] in dup:
                names[p] = " ".join(words[p][:extra])
    counts: dict[str, int] = {}
    for p in sorted(names):
        n = names[p]
        counts[n] = counts.get(n, 0) + 1
        if list(names.values()).count(n) > 1:
            names[p] = f"{n} #{counts[n]}"
    return names


def describe_personas(
    features: pd.DataFrame,
    labels: Any,
    tags: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    columns: Sequence[str] = tuple(PERSONA_FEATURES),
    top_items: int = 3,
    flag_share: float = 0.3,
) -> pd.DataFrame:
    """One row per persona: who they are, how much they matter, what they buy.

    Parameters
    ----------
    features:
        Features (:func:`profiling.features.customer_features`).
    labels:
        Persona of every customer (``Personas.labels_``, or an array in the row order of features).
    tags:
        Optional output of :func:`profiling.tags.tag_customers` (same customers).
    transactions:
        Optional canonical transactions for the top items; only purchase lines of the described
        customers before ``features.attrs["cutoff"]`` (if set) are used.
    columns:
        Features whose standardized medians name the persona.
    top_items:
        How many top items (by spend) to list.
    flag_share:
        A behaviour flag is listed among the dominant tags if at least this share of the persona has it.

    Returns
    -------
    DataFrame indexed by ``persona`` with ``name`` (generated from the two features whose
    standardized median is furthest from the average customer, e.g. "lapsed one-off"),
    ``customers``, ``customer_share``, ``revenue_share`` (of total ``monetary``), the medians
    ``median_recency_days``, ``median_frequency``, ``median_monetary``, ``median_avg_order_value``,
    ``median_avg_basket_items``, ``median_tenure_days``; with ``tags``: ``dominant_tags`` (most
    common stage and tier with their shares, and frequent flags); with ``transactions``: ``top_items``.

    The names are descriptions of a median, not of every member: read them with the table.

    Example
    -------
    >>> from profiling import datasets, features, tags
    >>> tx = datasets.make_transactions(200, random_state=1)
    >>> f = features.customer_features(tx, cutoff="2010-12-01")
    >>> p = fit_personas(f, 3)
    >>> d = describe_personas(f, p.labels_, tags=tags.tag_customers(f), transactions=tx)
    >>> int(d["customers"].sum()) == len(f), bool(d["name"].is_unique)
    (True, True)
    """
    needed = [*columns, "monetary"]
    check_frame(features, needed, "describe_personas", what="features", fix=_FEATURES_FIX, allow_empty=False,
                complete=needed)
    lab = _labels_series(features, labels)
    z = persona_z_medians(features, lab, columns)
    names = _names(z)
    money = features["monetary"].astype("float64")
    total = float(money.sum())
    g = features.groupby(lab.to_numpy())
    out = pd.DataFrame(index=pd.Index(sorted(lab.unique()), name="persona"))
    out["name"] = [names[int(p)] for p in out.index]
    out["customers"] = g.size().reindex(out.index).astype("int64")
    out["customer_share"] = out["customers"] / len(features)
    out["revenue_share"] = money.groupby(lab.to_numpy()).sum().reindex(out.index) / total if total else np.nan
    for c in ["recency_days", "frequency", "monetary", "avg_order_value", "avg_basket_items", "tenure_days"]:
        if c in features.columns:
            out[f"median_{c}"] = g[c].median().reindex(out.index).astype("float64")
    if tags is not None:
        check_frame(tags, ["lifecycle", "value_tier"], "describe_personas", what="tags",
                    fix="Pass tags.tag_customers(features).", allow_empty=False, complete=["lifecycle", "value_tier"])
        t = tags.reindex(features.index)
        texts = []
        for p in out.index:
            sub = t[lab.to_numpy() == p]
            parts = []
            for col, suffix in (("lifecycle", ""), ("value_tier", " spender")):
                vc = sub[col].astype("str").value_counts()
                vc = vc.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
                parts.append(f"{vc.index[0]}{suffix} ({vc.iloc[0] / len(sub):.0%})")
            for flag in _tags.FLAGS:
                if flag in sub.columns:
                    share = float(sub[flag].astype(bool).mean())
                    if share >= flag_share:
                        parts.append(f"{flag} ({share:.0%})")
            texts.append(", ".join(parts))
        out["dominant_tags"] = texts
    if transactions is not None:
        check_frame(transactions, ["customer_id", "item_id", "quantity", "unit_price", "timestamp"], "describe_personas",
                    what="transactions", allow_empty=False, fix="Pass canonical transactions (profiling.datasets.COLUMNS).")
        tx = transactions.loc[transactions["customer_id"].isin(features.index) & (transactions["quantity"] > 0)]
        cutoff = features.attrs.get("cutoff")
        if cutoff is not None:
            tx = tx.loc[tx["timestamp"] < pd.Timestamp(cutoff)]
        desc = _item_names(tx)
        spend = pd.DataFrame(
            {
                "persona": lab.reindex(tx["customer_id"]).to_numpy(),
                "item_id": tx["item_id"].to_numpy(),
                "spend": (tx["quantity"] * tx["unit_price"]).to_numpy(),
            }
        )
        per = spend.groupby(["persona", "item_id"], as_index=False)["spend"].sum()
        per = per.sort_values(["persona", "spend", "item_id"], ascending=[True, False, True], kind="stable")
        top = per.groupby("persona").head(top_items)
        top = top.assign(name=top["item_id"].map(desc).fillna(top["item_id"]))
        out["top_items"] = top.groupby("persona")["name"].agg("; ".join).reindex(out.index).fillna("")
    return out


def _item_names(tx: pd.DataFrame) -> pd.Series:
    """item_id -> its most frequent description (ties alphabetical); item_id if none."""
    if "description" not in tx.columns or tx.empty:
        return pd.Series(dtype="str")
    d = tx.loc[tx["description"].notna(), ["item_id", "description"]]
    counts = d.groupby(["item_id", "description"]).size().rename("n").reset_index()
    counts = counts.sort_values(["item_id", "n", "description"], ascending=[True, False, True], kind="stable")
    return counts.drop_duplicates("item_id").set_index("item_id")["description"].astype("str")
