"""Feature engineering, tuning and honest evaluation for the course's prediction tasks.

The reusable pieces of chapter 10:

- :class:`TimeAwareSplit` — a scikit-learn CV splitter for customer rows built at successive
  cutoffs: every validation fold is one cutoff, and it trains only on rows of *earlier* cutoffs
  whose label window has closed (``gap``), never on rows at or after its validation cutoff.
  :func:`stack_cutoffs` builds such a panel from per-cutoff ``(X, y)`` tasks.
- :func:`build_pipeline` — impute → transform (min-max, z-score, log, quantile) → select → reduce
  (PCA, LDA) → model, one scikit-learn :class:`~sklearn.pipeline.Pipeline`;
  :func:`tuned_pipeline` searches its hyper-parameters and refits the best one.
- Search spaces (:func:`int_dim`, :func:`float_dim`, :func:`cat_dim`) that translate to a grid,
  random draws, successive halving and an optuna study, and :func:`compare_searches`, which runs
  all four **at the same budget** and reports best score, fits and time.
- :func:`rank_features` (mutual information, chi-squared, L1, permutation importance),
  :func:`add_combinations` (ratios, crosses) and :func:`screen_additions` (keep a new column only
  if it helps under time-aware validation).
- :func:`cost_curve` / :func:`cost_threshold` — the score threshold that minimizes a business
  cost of false "will return" and missed returners.
- :func:`before_after` — the before/after table with paired bootstrap intervals
  (:func:`profiling.stats.auc_replicates`) on each step and on each step's gain.

Modules by role: :mod:`~profiling.tuning.split`, :mod:`~profiling.tuning.pipeline`,
:mod:`~profiling.tuning.search`, :mod:`~profiling.tuning.selection`,
:mod:`~profiling.tuning.evaluation`; every public name is importable from ``profiling.tuning``.

Example
-------
>>> import pandas as pd
>>> from sklearn.model_selection import cross_val_score
>>> from sklearn.tree import DecisionTreeClassifier
>>> from profiling import datasets, models, tuning
>>> tx = datasets.make_transactions(300, random_state=0)
>>> cutoffs = ["2010-03-01", "2010-06-01", "2010-09-01"]
>>> X, y, groups = tuning.stack_cutoffs({c: models.make_task(tx, c, 90) for c in cutoffs})
>>> cv = tuning.TimeAwareSplit(n_splits=2, gap=pd.Timedelta(days=90))
>>> cross_val_score(DecisionTreeClassifier(max_depth=2, random_state=0), X, y, cv=cv, groups=groups,
...                 scoring="roc_auc").shape
(2,)
"""

from profiling.tuning.evaluation import CostThreshold, before_after, cost_curve, cost_threshold
from profiling.tuning.pipeline import SCALINGS, build_pipeline
from profiling.tuning.search import (
    Dim,
    SearchResult,
    cat_dim,
    compare_searches,
    float_dim,
    grid_from_space,
    int_dim,
    run_search,
    tuned_pipeline,
)
from profiling.tuning.selection import add_combinations, rank_features, screen_additions
from profiling.tuning.split import TimeAwareSplit, stack_cutoffs

__all__ = [
    "SCALINGS",
    "CostThreshold",
    "Dim",
    "SearchResult",
    "TimeAwareSplit",
    "add_combinations",
    "before_after",
    "build_pipeline",
    "cat_dim",
    "compare_searches",
    "cost_curve",
    "cost_threshold",
    "float_dim",
    "grid_from_space",
    "int_dim",
    "rank_features",
    "run_search",
    "screen_additions",
    "stack_cutoffs",
    "tuned_pipeline",
]
