"""Judging recommendation lists against what customers bought next (anchor: recommenders' ``python_evaluation.py``).

- :func:`ranking_metrics`: per customer, precision, recall, NDCG, average precision and hit @k.
- :func:`coverage` and :func:`novelty`: how much of the catalogue the lists use, and how obvious
  their items are.
- :func:`evaluate`: all of it for one recommender on a :class:`~profiling.recommend.data.Split`,
  in up to four views (see :data:`VIEWS`): all items; discovery lists of items new to the
  customer; and, after Li et al.'s next-basket "reality check" (ACM TOIS 2023), the same full
  lists scored on the repeat items and on the explore items of the truth separately.
- :func:`summarize` and :func:`compare`: means with bootstrap intervals over customers, and the
  paired ratio of two methods (both from :mod:`profiling.stats`).

Example
-------
>>> import pandas as pd
>>> recs = pd.DataFrame({"customer_id": ["a", "a", "b", "b"], "rank": [1, 2, 1, 2], "item": ["x", "y", "x", "z"]})
>>> truth = pd.DataFrame({"customer_id": ["a", "b"], "item": ["y", "w"]})
>>> ranking_metrics(recs, truth, k=2)[["customer_id", "hits", "recall", "hit"]]
  customer_id  hits  recall  hit
0           a     1     1.0  1.0
1           b     0     0.0  0.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from profiling.recommend.base import Recommender
from profiling.recommend.data import Split
from profiling.stats import bootstrap_mean, bootstrap_ratio
from profiling.validation import check_frame, check_positive_int

__all__ = ["METRICS", "VIEWS", "compare", "coverage", "evaluate", "novelty", "ranking_metrics", "repeat_share",
           "summarize"]

#: Per-customer metric columns of :func:`ranking_metrics` (all "@k").
METRICS: tuple[str, ...] = ("precision", "recall", "ndcg", "map", "hit")

#: The evaluation views: name -> what is excluded from the ranking, which truth rows count.
#: "repeat" and "explore" split the "all" view's truth, with the "all" view's lists, into the items
#: the customer had bought before and the items new to them (Li et al., 2023); "new" is the
#: discovery list: previous purchases are also removed from the ranking.
VIEWS: dict[str, str] = {
    "all": "all later purchases; nothing excluded",
    "new": "items new to the customer; previous purchases excluded from the ranking and the truth",
    "repeat": "the full lists, scored only on later purchases of items the customer had bought before",
    "explore": "the full lists, scored only on later purchases of items new to the customer",
}

#: Views whose lists exclude the customer's previous purchases (the others rank every item).
_EXCLUDE_SEEN = ("new",)


def _check_recs(recs: Any, where: str) -> None:
    check_frame(recs, ["customer_id", "rank", "item"], where, what="the recommendations frame",
                fix="Pass the output of recommend().")


def _check_view(view: Any, where: str) -> str:
    if view not in VIEWS:
        raise ValueError(f"{where}: unknown view {view!r}; use one of {list(VIEWS)}.")
    return view


def _truth_of(split: Split, view: str) -> pd.DataFrame:
    """The truth rows that count in ``view``: all of them, the items new to the customer, or the repeat items."""
    if view == "all":
        return split.truth
    if view == "repeat":
        return split.truth[~split.truth["new"]]
    return split.truth[split.truth["new"]]          # "new" and "explore"


def repeat_share(recommendations: pd.DataFrame, history: pd.DataFrame, k: int = 10) -> pd.Series:
    """Per customer, the share of the top-``k`` list that the customer bought before (Li et al.'s repetition ratio).

    ``history`` holds the ``customer_id``, ``item`` pairs bought before the cutoff (e.g.
    ``split.train``). The share is over ``k`` places (a shorter list counts its missing places as
    not repeated). Returns a Series indexed by customer (sorted).

    >>> recs = pd.DataFrame({"customer_id": ["a", "a", "b"], "rank": [1, 2, 1], "item": ["x", "y", "x"]})
    >>> repeat_share(recs, pd.DataFrame({"customer_id": ["a"], "item": ["y"]}), k=2).tolist()
    [0.5, 0.0]
    """
    _check_recs(recommendations, "repeat_share")
    check_frame(history, ["customer_id", "item"], "repeat_share", what="the history frame",
                fix="Pass the purchases before the cutoff, e.g. split.train.")
    k = check_positive_int(k, "repeat_share", "k")
    return _repeat_share(recommendations, _pairs(history), k)


def _pairs(history: pd.DataFrame) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(history[["customer_id", "item"]].drop_duplicates().astype("str"))


def _seen_pairs(split: Split) -> pd.MultiIndex:
    """The (customer, item) pairs the split's customers bought before the cutoff, kept on the split.

    Every :func:`evaluate` of a split needs them; they are computed once and stored on the split
    object, valid while its ``train`` and ``customers`` are the same objects (a split whose frames
    are replaced computes them again).
    """
    key = (id(split.train), id(split.customers), len(split.train), len(split.customers))
    cached = split.__dict__.get("_seen_pairs")
    if cached is not None and cached[0] == key:
        return cached[1]
    seen = _pairs(split.train[split.train["customer_id"].isin(split.customers)])
    split.__dict__["_seen_pairs"] = (key, seen)
    return seen


def _repeat_share(recommendations: pd.DataFrame, seen: pd.MultiIndex, k: int) -> pd.Series:
    r = recommendations.loc[recommendations["rank"] <= k, ["customer_id", "item"]].astype("str")
    hit = pd.MultiIndex.from_frame(r).isin(seen)
    out = pd.Series(hit.astype(np.float64), index=r["customer_id"].to_numpy()).groupby(level=0).sum() / k
    return out.sort_index().rename_axis("customer_id").rename("repeat_share")


def ranking_metrics(recommendations: pd.DataFrame, truth: pd.DataFrame, k: int = 10) -> pd.DataFrame:
    """Per-customer ranking metrics @k against what each customer bought (binary relevance).

    For a customer with relevant set T (``|T| > 0``) and ranked list r_1..r_k (rank <= k):

    - ``precision`` = hits / k (k fixed, also when fewer items were recommended);
    - ``recall`` = hits / |T|;
    - ``ndcg`` = DCG / IDCG with DCG = sum of 1 / log2(rank + 1) over hits and IDCG the same for
      min(|T|, k) hits at the top (chapter 5's :func:`profiling.interests.next_purchase_metrics` uses it);
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
    check_frame(truth, ["customer_id", "item"], "ranking_metrics", what="the truth frame",
                fix="Pass the relevant (customer_id, item) pairs, e.g. split.truth.")
    k = check_positive_int(k, "ranking_metrics", "k")
    # Strings become integer codes once; the sums run over each list in rank order with pandas'
    # grouped sum (_group_sums), as they always did: the same numbers to the last bit.
    t_cust = truth["customer_id"].astype("str").to_numpy(dtype=object)
    t_item = truth["item"].astype("str").to_numpy(dtype=object)
    customers = pd.Index(np.sort(pd.unique(t_cust)).astype(str), name="customer_id")
    r = recommendations.loc[recommendations["rank"] <= k, ["customer_id", "rank", "item"]]
    r_cust = customers.get_indexer(r["customer_id"].astype("str").to_numpy(dtype=object))
    inside = r_cust >= 0
    r_item = r["item"].astype("str").to_numpy(dtype=object)[inside]
    item_codes, item_names = pd.factorize(np.concatenate([t_item, r_item]))
    n_items = max(len(item_names), 1)
    t_key = np.unique(customers.get_indexer(t_cust).astype(np.int64) * n_items + item_codes[:len(t_item)])
    nr = np.bincount(t_key // n_items, minlength=len(customers)).astype(np.int64)
    r_key = r_cust[inside].astype(np.int64) * n_items + item_codes[len(t_item):]
    rank = r["rank"].to_numpy()[inside]
    order = np.lexsort((rank, r_cust[inside]))               # by customer, then rank; ties keep row order
    cust, rank = r_cust[inside][order], rank[order].astype(np.float64)
    rel = np.isin(r_key[order], t_key).astype(np.float64)
    hits, dcg, ap = _group_sums(cust, rank, rel, len(customers))
    discounts = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = discounts[np.minimum(nr, k)]
    out = pd.DataFrame({
        "customer_id": customers.astype("str"),
        "n_relevant": nr,
        "hits": hits.astype(np.int64),
        "precision": hits / k,
        "recall": hits / nr,
        "ndcg": dcg / ideal,
        "map": ap / np.minimum(nr, k),
        "hit": (hits > 0).astype(np.float64),
    })
    return out.reset_index(drop=True)


def _group_sums(cust: np.ndarray, rank: np.ndarray, rel: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per customer code (0..n-1): hits, DCG and the sum of precision at each hit, of lists sorted by (customer, rank).

    The sums are pandas' grouped sums over each list in rank order (compensated summation): the
    numbers :func:`ranking_metrics` has always given, to the last bit.
    """
    start = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]]) if len(cust) else np.zeros(0, dtype=np.int64)
    length = np.diff(np.r_[start, len(cust)])
    cum_hits = np.cumsum(rel) - np.repeat(np.r_[0.0, np.cumsum(rel)][start], length)   # counts: exact
    parts = pd.DataFrame({"rel": rel, "gain": rel / np.log2(rank + 1.0), "prec_at": rel * cum_hits / rank})
    sums = parts.groupby(cust, sort=True).sum()
    out = np.zeros((3, n))
    out[:, sums.index.to_numpy(dtype=np.int64)] = sums.to_numpy().T
    return out[0], out[1], out[2]

def coverage(recommendations: pd.DataFrame, catalogue: Iterable[Any] | int) -> float:
    """Catalogue coverage: distinct recommended items / catalogue size.

    ``catalogue`` is the list of items (or its size). Example: 3 distinct items out of 10 -> 0.3.

    >>> coverage(pd.DataFrame({"customer_id": ["a", "b"], "rank": [1, 1], "item": ["x", "y"]}), 4)
    0.5
    """
    _check_recs(recommendations, "coverage")
    size = catalogue if isinstance(catalogue, (int, np.integer)) else len(pd.Index(list(catalogue)).unique())
    if size < 1:
        raise ValueError("coverage: the catalogue is empty; pass the items (or the number of items) that could be recommended.")
    return float(recommendations["item"].nunique() / size)


def novelty(recommendations: pd.DataFrame, buyers: Mapping[Any, int] | pd.Series, n_customers: int) -> float:
    """Mean self-information of the recommended items, in bits: mean of ``-log2(buyers(i) / n_customers)``.

    ``buyers`` counts the distinct training customers of each item; an item with no (or unknown)
    buyers counts as bought by one customer. Higher = less obvious recommendations.

    >>> novelty(pd.DataFrame({"customer_id": ["a", "a"], "rank": [1, 2], "item": ["x", "y"]}), {"x": 4, "y": 1}, 4)
    1.0
    """
    _check_recs(recommendations, "novelty")
    n_customers = check_positive_int(n_customers, "novelty", "n_customers")
    if recommendations.empty:
        return float("nan")
    counts = pd.Series(buyers, dtype="float64") if not isinstance(buyers, pd.Series) else buyers.astype("float64")
    counts.index = counts.index.astype("str")
    b = counts.reindex(recommendations["item"].astype("str")).fillna(1.0).clip(lower=1.0).to_numpy()
    return float(np.mean(-np.log2(np.minimum(b / n_customers, 1.0))))


def evaluate(
    recommender: Recommender,
    split: Split,
    k: int = 10,
    views: Iterable[str] = ("all", "new"),
    fit: bool = True,
    name: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on ``split.train`` (unless ``fit=False``), recommend for the split's customers and score each view.

    In the ``"new"`` view, the customer's previous purchases are excluded from the lists
    (``exclude="seen"``) and only new items count as truth. The ``"repeat"`` and ``"explore"``
    views score the ``"all"`` view's lists (nothing excluded) on the previously bought and on the
    new items of the truth, each over the customers that have some (see :data:`VIEWS`). The lists
    are computed once per exclusion and shared by the views that use it.

    Returns
    -------
    (per_customer, summary)
        ``per_customer``: the columns of :func:`ranking_metrics` plus ``method`` and ``view``.
        ``summary``: one row per view with ``method``, ``view``, ``customers``, the mean of each
        metric, ``coverage``, ``novelty`` (bits) and ``repeat_share`` (mean share of the top-k
        that the customer bought before: :func:`repeat_share`).

    Example
    -------
    >>> from profiling import datasets
    >>> from profiling.recommend import RepeatPurchase, purchases, time_split
    >>> lines = purchases(datasets.make_transactions(n_customers=80, n_items=40, random_state=0))
    >>> per_customer, summary = evaluate(RepeatPurchase(), time_split(lines, "2010-10-01"), k=5)
    >>> summary["view"].tolist(), bool(summary["ndcg"].between(0, 1).all()), len(per_customer) == int(summary["customers"].sum())
    (['all', 'new'], True, True)
    """
    views = [_check_view(view, "evaluate") for view in views]
    name = name or type(recommender).__name__
    if fit:
        recommender.fit(split.train)
    truths = {view: _truth_of(split, view) for view in views}
    lists = _lists(recommender, truths, k)
    per, rows = [], []
    buyers = pd.Series(recommender.buyers_, index=recommender.items_)
    seen = _seen_pairs(split)
    shares = {exclude: _repeat_share(recs, seen, k) for exclude, recs in lists.items()}
    for view in views:
        truth = truths[view]
        customers = pd.Index(np.sort(truth["customer_id"].unique()))
        exclude = "seen" if view in _EXCLUDE_SEEN else None
        recs = lists[exclude]
        listed = recs["customer_id"].unique()
        if len(listed) != len(customers) or not (np.asarray(listed, dtype=object) == customers.to_numpy(dtype=object)).all():
            recs = recs[recs["customer_id"].isin(customers)]     # a view on part of the list's customers
        m = ranking_metrics(recs, truth, k=k).assign(method=name, view=view)
        per.append(m)
        row = {"method": name, "view": view, "customers": len(m)}
        row.update({c: float(m[c].mean()) for c in METRICS})
        row["coverage"] = coverage(recs, len(recommender.items_))
        row["novelty"] = novelty(recs, buyers, len(recommender.customers_))
        row["repeat_share"] = float(shares[exclude].reindex(customers, fill_value=0.0).mean())
        rows.append(row)
    return pd.concat(per, ignore_index=True), pd.DataFrame(rows)


def _lists(recommender: Recommender, truths: dict[str, pd.DataFrame], k: int) -> dict[Any, pd.DataFrame]:
    """The lists each exclusion needs (``None``: full lists; ``"seen"``: discovery lists), from one scoring pass.

    The same frames as ``recommender.recommend(customers, k, exclude)`` for the sorted customers
    of the views that use each exclusion; every customer is scored once (:meth:`Recommender._ranked`).
    """
    recommender._check_fitted("recommend")
    k = check_positive_int(k, f"{type(recommender).__name__}.recommend", "k")
    wanted = {}
    for exclude in (None, "seen"):
        users = [t["customer_id"] for v, t in truths.items() if (v in _EXCLUDE_SEEN) == (exclude == "seen")]
        if users:
            wanted[exclude] = pd.Index(np.sort(pd.concat(users).unique()))
    if not wanted:
        return {}
    union = pd.Index(np.sort(pd.concat([c.to_series() for c in wanted.values()]).unique()))
    index, rows = recommender._customer_rows(union)
    spec = {}
    for exclude, customers in wanted.items():
        member = index.isin(recommender._customer_rows(customers)[0])
        drops = recommender._exclusions(index, rows, exclude)
        spec[exclude] = (None if member.all() else member, drops)
    return recommender._ranked(index, rows, k, spec)


def summarize(per_customer: pd.DataFrame, metrics: Iterable[str] = METRICS, n_boot: int = 1000, level: float = 0.95,
              random_state: int = 0) -> pd.DataFrame:
    """Mean of each metric per (method, view) with a percentile bootstrap interval over customers.

    Each interval is :func:`profiling.stats.bootstrap_mean` of the group's per-customer values, the
    ``j``-th metric seeded with ``random_state + j``.

    Parameters
    ----------
    per_customer : DataFrame
        Rows of :func:`evaluate` (``method``, ``view`` and metric columns), several methods stacked.
    metrics : iterable of str, default :data:`METRICS`
    n_boot : int, default 1000
        Bootstrap resamples.
    level : float, default 0.95
        Confidence level of the intervals.
    random_state : int, default 0

    Returns
    -------
    DataFrame with ``method``, ``view``, ``customers`` and for each metric ``m``: ``m``,
    ``m_low``, ``m_high``; in the order methods and views first appear.

    Example
    -------
    >>> per = pd.DataFrame({"method": "repeat", "view": "all", "ndcg": [0.0, 0.5, 1.0, 0.5]})
    >>> summarize(per, metrics=["ndcg"], n_boot=200)[["method", "customers", "ndcg"]]
       method  customers  ndcg
    0  repeat          4   0.5
    """
    metrics = list(metrics)
    check_frame(per_customer, ["method", "view", *metrics], "summarize", what="per_customer",
                fix="Pass the per-customer output of evaluate (several methods stacked with pandas.concat).")
    rows = []
    groups = per_customer.groupby(["method", "view"], sort=False)
    for (method, view), group in groups:
        row = {"method": method, "view": view, "customers": len(group)}
        for j, m in enumerate(metrics):
            mean, lo, hi = bootstrap_mean(group[m].to_numpy(), n_boot=n_boot, level=level, random_state=random_state + j)
            row.update({m: mean, f"{m}_low": lo, f"{m}_high": hi})
        rows.append(row)
    return pd.DataFrame(rows)


def compare(per_customer: pd.DataFrame, method: str, baseline: str, view: str = "all", metric: str = "ndcg",
            n_boot: int = 1000, level: float = 0.95, random_state: int = 0) -> dict[str, float]:
    """Ratio of mean ``metric`` (method / baseline) on the same customers, with a paired bootstrap interval.

    The customers both methods were scored on, sorted, are resampled once for both
    (:func:`profiling.stats.bootstrap_ratio`); read the result with :func:`profiling.stats.verdict`
    against ``null=1.0``.

    Returns
    -------
    dict with ``ratio``, ``low``, ``high`` (``ratio - 1`` is the relative lift) and ``customers``.

    Example
    -------
    >>> per = pd.DataFrame({"method": ["new"] * 4 + ["old"] * 4, "view": "all", "customer_id": list("abcd") * 2,
    ...                     "ndcg": [0.6, 0.4, 0.8, 0.2, 0.3, 0.2, 0.4, 0.1]})
    >>> compare(per, "new", "old", n_boot=200)["ratio"]
    2.0
    """
    check_frame(per_customer, ["method", "view", "customer_id", metric], "compare", what="per_customer",
                fix="Pass the per-customer output of evaluate (several methods stacked with pandas.concat).")
    part = per_customer[per_customer["view"] == view]
    a = part[part["method"] == method].set_index("customer_id")[metric]
    b = part[part["method"] == baseline].set_index("customer_id")[metric]
    if a.empty or b.empty:
        raise ValueError(f"compare: no rows for method {method!r} or baseline {baseline!r} in view {view!r}; "
                         f"per_customer has methods {sorted(per_customer['method'].unique())}.")
    common = a.index.intersection(b.index).sort_values()
    ratio, low, high = bootstrap_ratio(a.loc[common].to_numpy(), b.loc[common].to_numpy(), n_boot=n_boot, level=level,
                                       random_state=random_state)
    return {"ratio": ratio, "low": low, "high": high, "customers": int(len(common))}
