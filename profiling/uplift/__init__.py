"""Uplift: what a treatment (an e-mail, a voucher) *causes*, measured on a randomized experiment.

A response score says who buys; the money depends on who buys *because* they were contacted. The
subpackage is split by role, as scikit-uplift's ``sklift/models`` and ``sklift/metrics``:

- :mod:`~profiling.uplift.experiment`: the experiment's features, randomization checks and average
  effects (:func:`hillstrom_features`, :func:`balance_table`, :func:`arm_predictability`,
  :func:`arm_means`, :func:`ate_table`);
- :mod:`~profiling.uplift.models`: uplift models in scikit-learn style, ``fit(X, y, treatment)`` /
  ``predict(X)`` (:class:`TwoModels`, :class:`ClassTransformation`, :class:`TransformedOutcome`,
  :class:`XLearner`) and a :class:`ResponseModel` to compare them with;
- :mod:`~profiling.uplift.metrics`: uplift and Qini curves, their normalized areas, uplift@k with a
  bootstrap interval, uplift by score bin;
- :mod:`~profiling.uplift.policy`: profit curves, contact policies, the choice between treatments
  and their value on the experiment.

Segment-level campaign plans from history (no experiment) are in :mod:`profiling.marketing`.

Example
-------
>>> import numpy as np
>>> from profiling import datasets, uplift
>>> hs = datasets.load_hillstrom()
>>> ab = hs[hs["segment"].astype(str).isin(["Womens E-Mail", "No E-Mail"])]
>>> X = uplift.hillstrom_features(ab)
>>> t = (ab["segment"] == "Womens E-Mail").astype(int).to_numpy()
>>> y = ab["visit"].to_numpy()
>>> train, test = np.arange(len(ab)) % 2 == 0, np.arange(len(ab)) % 2 == 1
>>> model = uplift.ClassTransformation(random_state=0).fit(X[train], y[train], t[train])
>>> b = uplift.bootstrap_uplift_at_k(y[test], model.predict(X[test]), t[test], k=0.3, n_boot=100)
>>> bool(b["ci_low"] > 0)        # the top 30 % by predicted uplift visits more when e-mailed
True
"""

from profiling.uplift.experiment import (
    HILLSTROM_FEATURES,
    arm_means,
    arm_predictability,
    ate_table,
    balance_table,
    hillstrom_features,
)
from profiling.uplift.metrics import (
    bootstrap_uplift_at_k,
    curve_areas,
    paired_uplift_at_k_difference,
    perfect_scores,
    qini_auc_score,
    qini_curve,
    uplift_at_k,
    uplift_auc_score,
    uplift_by_bin,
    uplift_curve,
)
from profiling.uplift.models import ClassTransformation, ResponseModel, TransformedOutcome, TwoModels, XLearner
from profiling.uplift.policy import (
    bootstrap_profit_difference,
    choose_treatment,
    contact_policy,
    expected_profit,
    policy_difference,
    policy_value,
    profit_curve,
)

__all__ = [
    # experiment
    "HILLSTROM_FEATURES",
    "arm_means",
    "arm_predictability",
    "ate_table",
    "balance_table",
    "hillstrom_features",
    # models
    "ClassTransformation",
    "ResponseModel",
    "TransformedOutcome",
    "TwoModels",
    "XLearner",
    # metrics
    "bootstrap_uplift_at_k",
    "curve_areas",
    "paired_uplift_at_k_difference",
    "perfect_scores",
    "qini_auc_score",
    "qini_curve",
    "uplift_at_k",
    "uplift_auc_score",
    "uplift_by_bin",
    "uplift_curve",
    # policy
    "bootstrap_profit_difference",
    "choose_treatment",
    "contact_policy",
    "expected_profit",
    "policy_difference",
    "policy_value",
    "profit_curve",
]
