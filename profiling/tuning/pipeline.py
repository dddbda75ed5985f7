"""One scikit-learn pipeline for every variant chapter 10 compares: impute, scale, select, reduce, model."""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, QuantileTransformer, StandardScaler

from profiling.numeric import log_standardizer, signed_log1p

__all__ = ["SCALINGS", "build_pipeline"]

#: Transformations :func:`build_pipeline` knows, by name.
SCALINGS: tuple[str, ...] = ("none", "minmax", "zscore", "log", "log_zscore", "quantile")


def _scaler(name: str, random_state: int | None) -> Any:
    if name == "none":
        return "passthrough"
    if name == "minmax":
        return MinMaxScaler()
    if name == "zscore":
        return StandardScaler()
    if name == "log":
        return FunctionTransformer(signed_log1p, feature_names_out="one-to-one")
    if name == "log_zscore":
        return log_standardizer()
    if name == "quantile":
        return QuantileTransformer(n_quantiles=100, output_distribution="normal", random_state=random_state)
    raise ValueError(f"build_pipeline: unknown scaling {name!r}; choose one of {SCALINGS}")


def build_pipeline(
    model: BaseEstimator,
    *,
    scaling: str = "zscore",
    impute: str | None = "median",
    select: Any = None,
    reduce: str | None = None,
    n_components: int | None = None,
    random_state: int | None = 0,
) -> Pipeline:
    """One pipeline: impute → transform → select → reduce → model.

    Parameters
    ----------
    model : estimator
        The final classifier (cloned).
    scaling : str
        One of :data:`SCALINGS`: ``"none"``, ``"minmax"``, ``"zscore"``, ``"log"`` (signed
        ``log1p``), ``"log_zscore"`` (log then z-score), ``"quantile"`` (to a normal shape).
    impute : str or None
        ``SimpleImputer`` strategy for missing values (``None``: no imputer).
    select : transformer, list of column positions, or None
        A feature selector (e.g. ``SelectKBest``) or the positions of the columns to keep.
    reduce : ``"pca"``, ``"lda"`` or None
        A projection after scaling, with ``n_components`` components.
    random_state : int or None
        Seed of the random steps (quantile subsampling, PCA's solver).

    Returns
    -------
    Pipeline with the steps ``impute``, ``scale``, ``select``, ``reduce``, ``model`` (absent
    steps are ``"passthrough"``), so a search can address e.g. ``model__C``.

    Example: ``build_pipeline(KNeighborsClassifier(), scaling="quantile")``
    """
    if impute is not None and impute not in {"median", "mean", "most_frequent", "constant"}:
        raise ValueError(f"build_pipeline: impute={impute!r}; use 'median', 'mean', 'most_frequent', 'constant' or None")
    steps: list[tuple[str, Any]] = [
        ("impute", SimpleImputer(strategy=impute) if impute else "passthrough"),
        ("scale", _scaler(scaling, random_state)),
    ]
    if select is None:
        steps.append(("select", "passthrough"))
    elif hasattr(select, "fit"):
        steps.append(("select", clone(select)))
    else:
        cols = [int(c) for c in select]
        if not cols:
            raise ValueError("build_pipeline: select is an empty list of columns; keep at least one")
        steps.append(("select", FunctionTransformer(_take_columns, kw_args={"columns": cols})))
    if reduce is None:
        steps.append(("reduce", "passthrough"))
    elif reduce == "pca":
        steps.append(("reduce", PCA(n_components=n_components, random_state=random_state)))
    elif reduce == "lda":
        steps.append(("reduce", LinearDiscriminantAnalysis(n_components=n_components)))
    else:
        raise ValueError(f"build_pipeline: reduce={reduce!r}; use 'pca', 'lda' or None")
    steps.append(("model", clone(model)))
    return Pipeline(steps)


def _take_columns(X: Any, columns: Sequence[int]) -> Any:
    if isinstance(X, pd.DataFrame):
        return X.iloc[:, list(columns)]
    return np.asarray(X)[:, list(columns)]
