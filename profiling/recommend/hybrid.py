"""A weighted blend of recommenders (:class:`Hybrid`), and which component explains each item.

Each component's scores are scaled per customer to [0, 1] (:func:`profiling.numeric.row_minmax`)
before they are added with the blend weights; :func:`~profiling.recommend.search.tune_blend`
chooses the weights on a validation split.

Example
-------
>>> import pandas as pd
>>> from profiling.recommend.popularity import Popularity, RepeatPurchase
>>> lines = pd.DataFrame({"customer_id": ["a", "b", "c", "c"], "item": ["x", "y", "y", "z"],
...                       "timestamp": pd.to_datetime(["2010-01-01"] * 4)})
>>> blend = Hybrid({"repeat": RepeatPurchase(), "popular": Popularity()}, {"repeat": 1.0, "popular": 0.5}).fit(lines)
>>> blend.explain("a", blend.recommend(["a"], k=2)["item"])
  item   source                                   reason
0    x   repeat  you bought it: 1 order, last 0 days ago
1    y  popular                        popular: 2 buyers
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from profiling.numeric import row_minmax
from profiling.recommend.base import Recommender

__all__ = ["Hybrid"]


class Hybrid(Recommender):
    """A weighted blend of recommenders' scores, each scaled per customer to [0, 1] (min-max).

    Parameters
    ----------
    components : dict name -> Recommender
    weights : dict name -> float
        Non-negative; missing names weigh 0. Choose them on a validation split
        (:func:`~profiling.recommend.search.tune_blend`).
    prefit : bool, default False
        True: the components are already fitted on the same interactions (``fit`` only checks that).

    Example
    -------
    >>> import pandas as pd
    >>> from profiling.recommend.popularity import Popularity, RepeatPurchase
    >>> lines = pd.DataFrame({"customer_id": ["a", "b", "b"], "item": ["x", "y", "x"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01"] * 3)})
    >>> blend = Hybrid({"repeat": RepeatPurchase(), "popular": Popularity()}, {"repeat": 1.0, "popular": 0.5})
    >>> blend.fit(lines).scores(["a"])        # x: 1 + 0.5 (bought, and the best seller); y: 0 + 0.5 * 0
    item    x    y
    a     1.5  0.0
    """

    def __init__(self, components: Mapping[str, Recommender] | None = None, weights: Mapping[str, float] | None = None,
                 prefit: bool = False) -> None:
        self.components = components
        self.weights = weights
        self.prefit = prefit

    def fit(self, interactions: pd.DataFrame) -> "Hybrid":
        if not self.components:
            raise ValueError("Hybrid.fit: components must be a non-empty dict name -> Recommender.")
        weights = dict(self.weights or {})
        unknown = set(weights) - set(self.components)
        if unknown:
            raise ValueError(f"Hybrid.fit: weights name unknown components {sorted(unknown)}; components are "
                             f"{sorted(self.components)}.")
        if any(float(w) < 0 for w in weights.values()):
            raise ValueError(f"Hybrid.fit: weights must be non-negative, got {weights}.")
        super().fit(interactions)
        for name, comp in self.components.items():
            if not self.prefit:
                comp.fit(interactions)
            elif not hasattr(comp, "items_") or not comp.items_.equals(self.items_) or not comp.customers_.equals(self.customers_):
                raise ValueError(f"Hybrid.fit (prefit=True): component {name!r} was not fitted on these interactions; "
                                 "refit it or use prefit=False.")
        self.weights_ = {name: float(weights.get(name, 0.0)) for name in self.components}
        return self

    def _score_block(self, ids: pd.Index, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.items_)))
        for name, comp in self.components.items():
            w = self.weights_[name]
            if w > 0:
                out += w * row_minmax(comp._score_block(ids, rows))
        return out

    def _score(self, rows: np.ndarray) -> np.ndarray:
        ids = self.customers_.to_numpy(dtype=object)
        return self._score_block(pd.Index([ids[r] if r >= 0 else "" for r in rows]), rows)

    def contributions(self, customer: Any, items: Iterable[Any]) -> pd.DataFrame:
        """Weighted normalized score of each component for ``customer`` and ``items`` (rows: items)."""
        self._check_fitted("contributions")
        ids = pd.Index([str(customer)])
        row = self.customers_.get_indexer(ids)
        cols = self.items_.get_indexer([str(i) for i in items])
        data = {}
        for name, comp in self.components.items():
            s = row_minmax(comp._score_block(ids, row))[0]
            data[name] = self.weights_[name] * np.where(cols >= 0, s[np.maximum(cols, 0)], 0.0)
        return pd.DataFrame(data, index=pd.Index([str(i) for i in items], name="item"))

    def explain(self, customer: Any, items: Iterable[Any]) -> pd.DataFrame:
        """For each item: the component that contributed most to its blended score, and that component's reason.

        Returns a frame with columns ``item``, ``source`` (component name, or ``"popularity"`` if no
        component scored it: the tie order) and ``reason``.
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
