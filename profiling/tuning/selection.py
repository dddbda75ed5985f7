"""Feature ranking, feature combinations and screening new columns under time-aware validation."""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.feature_selection import chi2, mutual_info_classif
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler

from profiling.validation import check_frame
from profiling.tuning._common import ignore_known_warnings as _ignore_known_warnings
from profiling.tuning.pipeline import build_pipeline

__all__ = ["rank_features", "add_combinations", "screen_additions"]

_RANKINGS = ("mutual_info", "chi2", "l1", "permutation")


def _numeric_frame(X: Any, where: str) -> pd.DataFrame:
    check_frame(X, [], where, what="X", allow_empty=False, fix="Pass a DataFrame with named feature columns.")
    bad = [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])]
    if bad:
        raise ValueError(f"{where}: column(s) {bad} are not numeric; drop or encode them first")
    return X


def rank_features(
    X: pd.DataFrame,
    y: Any,
    method: str,
    *,
    random_state: int = 0,
    C: float = 0.05,
    estimator: BaseEstimator | None = None,
    X_valid: pd.DataFrame | None = None,
    y_valid: Any = None,
    n_repeats: int = 5,
    scoring: str = "roc_auc",
) -> pd.DataFrame:
    """Score every feature with one selection method; missing values are median-imputed first.

    Methods
    -------
    - ``"mutual_info"``: mutual information with the label (``mutual_info_classif``, seeded);
    - ``"chi2"``: the chi-squared statistic; refuses negative features (counts/amounts/shares only);
    - ``"l1"``: absolute coefficients of an L1-regularized logistic regression on z-scored
      features (strength ``C``); a zero coefficient means "dropped";
    - ``"permutation"``: drop in ``scoring`` on ``(X_valid, y_valid)`` when the feature is shuffled,
      for ``estimator`` fitted on ``(X, y)`` (default: a median-imputed logistic regression on
      quantile-transformed features). Validation rows must come from outside the training rows.

    Returns
    -------
    DataFrame with columns ``feature``, ``score``, ``rank`` (1 = best; ties broken by column order),
    sorted by rank.

    Example: ``rank_features(X, y, "mutual_info").head(5)``
    """
    X = _numeric_frame(X, "rank_features")
    if method not in _RANKINGS:
        raise ValueError(f"rank_features: unknown method {method!r}; use one of {_RANKINGS}")
    y_arr = np.asarray(y)
    if len(y_arr) != len(X):
        raise ValueError(f"rank_features: y has {len(y_arr)} values but X has {len(X)} rows")
    imp = SimpleImputer(strategy="median", keep_empty_features=True).fit(X)
    Xi = imp.transform(X)
    if method == "mutual_info":
        scores = mutual_info_classif(Xi, y_arr, random_state=random_state)
    elif method == "chi2":
        negative = [c for c, m in zip(X.columns, (Xi < 0).any(axis=0)) if m]
        if negative:
            raise ValueError(
                f"rank_features('chi2'): column(s) {negative} have negative values; chi-squared needs "
                "non-negative features (counts, amounts, shares): drop them or min-max scale first"
            )
        scores = np.nan_to_num(chi2(Xi, y_arr)[0])
    elif method == "l1":
        Z = StandardScaler().fit_transform(Xi)
        lr = LogisticRegression(l1_ratio=1.0, C=C, solver="liblinear", random_state=random_state, max_iter=1000)
        lr.fit(Z, y_arr)
        scores = np.abs(lr.coef_).max(axis=0)
    else:
        if X_valid is None or y_valid is None:
            raise ValueError(
                "rank_features('permutation') needs X_valid and y_valid: importance measured on the "
                "training rows rewards over-fitting; pass a later cutoff's rows (not the test cutoff)"
            )
        if estimator is None:
            estimator = build_pipeline(LogisticRegression(max_iter=1000), scaling="quantile", random_state=random_state)
        model = clone(estimator).fit(X, y_arr)
        r = permutation_importance(
            model, X_valid[list(X.columns)], np.asarray(y_valid), scoring=scoring, n_repeats=n_repeats, random_state=random_state
        )
        scores = r.importances_mean
    out = pd.DataFrame({"feature": list(X.columns), "score": np.asarray(scores, dtype=float), "order": np.arange(X.shape[1])})
    out = out.sort_values(["score", "order"], ascending=[False, True], kind="stable").reset_index(drop=True)
    out["rank"] = np.arange(1, len(out) + 1)
    return out[["feature", "score", "rank"]]


def add_combinations(
    X: pd.DataFrame,
    ratios: Sequence[tuple[str, str]] = (),
    crosses: Sequence[tuple[str, str]] = (),
) -> pd.DataFrame:
    """Add ratio and cross (product) columns.

    A ratio ``(a, b)`` adds ``a_per_b = a / b`` (missing where ``b`` is 0 or missing); a cross
    ``(a, b)`` adds ``a_x_b = a * b``. The input is not modified.

    Example: ``add_combinations(X, ratios=[("monetary", "frequency")], crosses=[("recency_days", "frequency")])``
    adds ``monetary_per_frequency`` (spend per order) and ``recency_days_x_frequency``.
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(f"add_combinations: X must be a pandas DataFrame, got {type(X).__name__}")
    out = X.copy()
    for kind, pairs in (("ratio", ratios), ("cross", crosses)):
        for pair in pairs:
            if len(pair) != 2:
                raise ValueError(f"add_combinations: each {kind} is a pair of column names, got {pair!r}")
            a, b = pair
            missing = [c for c in (a, b) if c not in X.columns]
            if missing:
                raise ValueError(f"add_combinations: {kind} {pair} names column(s) {missing} not in X; columns are {list(X.columns)}")
            num, den = X[a].astype(float), X[b].astype(float)
            if kind == "ratio":
                out[f"{a}_per_{b}"] = num / den.where(den != 0)
            else:
                out[f"{a}_x_{b}"] = num * den
    return out


def screen_additions(
    estimator: BaseEstimator,
    X: pd.DataFrame,
    y: Any,
    candidates: Sequence[str],
    *,
    cv: Any,
    groups: Any = None,
    scoring: str = "roc_auc",
    min_gain: float = 0.002,
) -> pd.DataFrame:
    """Greedy forward screening: keep a new column only if it raises the CV score by ``min_gain``.

    ``X`` holds the base columns *and* the candidate columns; candidates are tried in the given
    order, each against the columns kept so far.

    Returns
    -------
    DataFrame with columns ``candidate``, ``score before``, ``score with``, ``gain``, ``kept``.

    Example: ``screen_additions(pipe, Xc, y, ["monetary_per_frequency"], cv=TimeAwareSplit(2), groups=g)``
    """
    missing = [c for c in candidates if c not in X.columns]
    if missing:
        raise ValueError(f"screen_additions: candidate column(s) {missing} are not in X; add them with add_combinations")
    base = [c for c in X.columns if c not in set(candidates)]

    def score(cols: list[str]) -> float:
        with warnings.catch_warnings():
            _ignore_known_warnings()
            return float(np.mean(cross_val_score(clone(estimator), X[cols], y, cv=cv, scoring=scoring, groups=groups)))

    kept = list(base)
    current = score(kept)
    rows = []
    for c in candidates:
        with_c = score(kept + [c])
        keep = with_c - current >= min_gain
        rows.append({"candidate": c, "score before": current, "score with": with_c, "gain": with_c - current, "kept": keep})
        if keep:
            kept.append(c)
            current = with_c
    return pd.DataFrame(rows, columns=["candidate", "score before", "score with", "gain", "kept"])
