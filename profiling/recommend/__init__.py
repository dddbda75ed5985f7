"""Personalized recommendation behind one small API, and its evaluation on what customers bought next.

The subpackage is organised by role (as microsoft/recommenders separates datasets, models and
``evaluation/python_evaluation.py``); everything public is importable from here, e.g.
``from profiling import recommend; recommend.ALS(...)``.

========================  =======================================================================
module                    what it holds
========================  =======================================================================
:mod:`.data`              :func:`purchases` (transactions -> interactions), :func:`time_split` and
                          its :class:`Split` (train before a cutoff, truth in the next days)
:mod:`.base`              :class:`Recommender`: ``fit`` / ``recommend`` / ``reason``, the
                          catalogue in popularity order and the deterministic tie rule
:mod:`.popularity`        :class:`Popularity` (all-time or recent), :class:`SegmentPopularity`
                          ("by user tag"), :class:`RepeatPurchase` (the customer's own items)
:mod:`.neighbors`         :class:`UserKNN` ("by similar users"), :class:`ItemKNN` (bought together)
:mod:`.vectors`           :class:`ContentBased` ("by interest": chapter 5's text embeddings),
                          :class:`ALS` (implicit-feedback matrix factorization)
:mod:`.sequence`          :class:`TIFUKNN` (time-decayed baskets + neighbours), :class:`SASRec`
                          (a small self-attentive sequence model, weights cached on disk),
                          :func:`basket_sequences`
:mod:`.hybrid`            :class:`Hybrid`: a weighted blend, with the component behind each item
:mod:`.evaluation`        :func:`ranking_metrics`, :func:`coverage`, :func:`novelty`,
                          :func:`repeat_share`, :func:`evaluate` (views: all, new, repeat,
                          explore), :func:`summarize`, :func:`compare`
:mod:`.search`            :func:`grid_search` (hyperparameters), :func:`tune_blend` (blend weights)
========================  =======================================================================

Every recommender is fitted on purchase lines before a cutoff and returns a tidy frame
``customer_id``, ``rank`` (1 = best), ``item``, ``score``; equal scores are ordered by popularity,
then by item name, so the lists are the same on every machine. Intervals come from
:mod:`profiling.stats` (the course's one bootstrap), input checks from :mod:`profiling.validation`,
the cutoff checks from :mod:`profiling.windows`.

Example
-------
>>> from profiling import datasets
>>> lines = purchases(datasets.make_transactions(n_customers=80, n_items=40, random_state=0))
>>> split = time_split(lines, "2010-10-01", horizon_days=30)
>>> recs = RepeatPurchase().fit(split.train).recommend(split.customers, k=5)
>>> list(recs.columns), bool(recs.groupby("customer_id").size().eq(5).all())
(['customer_id', 'rank', 'item', 'score'], True)
>>> m = ranking_metrics(recs, split.truth, k=5)
>>> bool(m["ndcg"].between(0, 1).all()), len(m) == len(split.customers)
(True, True)
"""

from profiling.recommend.base import RECOMMENDATION_COLUMNS, SCORE_DIGITS, Recommender
from profiling.recommend.data import INTERACTION_COLUMNS, Split, purchases, time_split
from profiling.recommend.evaluation import (
    METRICS,
    VIEWS,
    compare,
    coverage,
    evaluate,
    novelty,
    ranking_metrics,
    repeat_share,
    summarize,
)
from profiling.recommend.hybrid import Hybrid
from profiling.recommend.neighbors import ItemKNN, UserKNN
from profiling.recommend.popularity import Popularity, RepeatPurchase, SegmentPopularity
from profiling.recommend.search import grid_search, tune_blend
from profiling.recommend.sequence import TIFUKNN, SASRec, basket_sequences, weights_cache_key
from profiling.recommend.vectors import ALS, ContentBased

__all__ = [
    "ALS",
    "INTERACTION_COLUMNS",
    "METRICS",
    "RECOMMENDATION_COLUMNS",
    "SCORE_DIGITS",
    "VIEWS",
    "ContentBased",
    "Hybrid",
    "ItemKNN",
    "Popularity",
    "Recommender",
    "RepeatPurchase",
    "SASRec",
    "SegmentPopularity",
    "Split",
    "TIFUKNN",
    "UserKNN",
    "basket_sequences",
    "compare",
    "coverage",
    "evaluate",
    "grid_search",
    "novelty",
    "purchases",
    "ranking_metrics",
    "repeat_share",
    "summarize",
    "time_split",
    "tune_blend",
    "weights_cache_key",
]
