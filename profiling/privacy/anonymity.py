"""k-anonymity: equivalence classes over quasi-identifiers, and generalization until each has k records.

:func:`equivalence_classes`, :func:`k_anonymity`, :func:`anonymity_summary` -- how many records
share each combination of **quasi-identifiers**; the table is *k*-anonymous if every combination
occurs at least *k* times (Sweeney, 2002).

:func:`generalize` -- coarsen quasi-identifiers one hierarchy level at a time (country -> region
-> UK / rest -> ``*``) until the table is *k*-anonymous, optionally suppressing a bounded share of
records, and report what every step costs (:class:`Generalization`). A hierarchy is a list of
levels (:data:`Level`: a name and a function of the original column), built with :func:`bands`,
:func:`mapping` and :func:`suppress` (every value becomes :data:`SUPPRESSED`).

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"country": ["UK", "UK", "FR"], "tier": ["low", "low", "high"]})
>>> k_anonymity(frame, ["country", "tier"])
1
>>> g = generalize(frame, {"country": [("any", suppress)], "tier": [("any", suppress)]}, k=2)
>>> g.achieved_k, g.levels
(3, {'country': 'any', 'tier': 'any'})
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from profiling.validation import check_frame

__all__ = [
    "SUPPRESSED",
    "Level",
    "anonymity_summary",
    "bands",
    "equivalence_classes",
    "Generalization",
    "generalize",
    "k_anonymity",
    "mapping",
    "suppress",
]

#: What a fully generalized (suppressed) value is replaced by.
SUPPRESSED: str = "*"

#: A generalization level: (name, function from the original column to the generalized one).
Level = tuple[str, Callable[[pd.Series], pd.Series]]


# --------------------------------------------------------------------------------------------
# k-anonymity
# --------------------------------------------------------------------------------------------


def _check_qi(frame: Any, quasi_identifiers: Sequence[str], where: str) -> list[str]:
    check_frame(frame, [], where)
    if isinstance(quasi_identifiers, str):
        raise TypeError(f"{where}: quasi_identifiers must be a list of column names, got the string {quasi_identifiers!r}")
    qi = list(quasi_identifiers)
    if not qi:
        raise ValueError(f"{where}: give at least one quasi-identifier column")
    if len(set(qi)) < len(qi):
        raise ValueError(f"{where}: quasi-identifiers repeat a column: {qi}")
    check_frame(frame, qi, where, allow_empty=False)
    return qi


def _class_sizes(frame: pd.DataFrame, qi: list[str]) -> pd.Series:
    """Size of the equivalence class of every row (same index as ``frame``)."""
    keys = frame[qi].astype("str").fillna("<NA>")
    return keys.groupby(qi, dropna=False, observed=True)[qi[0]].transform("size")


def equivalence_classes(frame: pd.DataFrame, quasi_identifiers: Sequence[str]) -> pd.DataFrame:
    """Every combination of quasi-identifier values that occurs, with its number of records.

    Missing values count as a value of their own.

    Parameters
    ----------
    frame : DataFrame
        One row per person (e.g. the profile table).
    quasi_identifiers : list of str
        Columns an attacker could know from elsewhere (country, tenure band, ...).

    Returns
    -------
    DataFrame
        The quasi-identifier columns and ``records`` (the class size), smallest classes first (ties in
        the order of the values), with a fresh index.

    Example
    -------
    >>> equivalence_classes(pd.DataFrame({"c": ["UK", "UK", "FR"]}), ["c"])["records"].tolist()
    [1, 2]
    """
    qi = _check_qi(frame, quasi_identifiers, "equivalence_classes")
    keys = frame[qi].astype("str").fillna("<NA>")
    sizes = keys.groupby(qi, dropna=False, observed=True).size().rename("records").reset_index()
    return sizes.sort_values(["records", *qi], kind="stable").reset_index(drop=True)


def k_anonymity(frame: pd.DataFrame, quasi_identifiers: Sequence[str]) -> int:
    """The *k* of the table: the size of its smallest equivalence class over ``quasi_identifiers``.

    Example
    -------
    >>> k_anonymity(pd.DataFrame({"c": ["UK", "UK", "FR"]}), ["c"])
    1
    """
    return int(equivalence_classes(frame, quasi_identifiers)["records"].min())


def anonymity_summary(frame: pd.DataFrame, quasi_identifiers: Sequence[str], k: int = 5) -> dict[str, Any]:
    """Key numbers of a table's re-identification risk over ``quasi_identifiers``.

    Returns
    -------
    dict
        ``k`` (smallest class), ``classes`` (number of equivalence classes), ``unique`` (records
        alone in their class), ``at_risk`` (records in classes smaller than the target ``k``),
        ``at_risk_share`` (their share of all records), ``records``.

    Example
    -------
    >>> anonymity_summary(pd.DataFrame({"c": ["UK", "UK", "FR"]}), ["c"], k=2)["at_risk"]
    1
    """
    _check_k(k, "anonymity_summary")
    qi = _check_qi(frame, quasi_identifiers, "anonymity_summary")
    sizes = _class_sizes(frame, qi)
    n = len(frame)
    at_risk = int((sizes < k).sum())
    return {
        "k": int(sizes.min()),
        "classes": int(equivalence_classes(frame, qi).shape[0]),
        "unique": int((sizes == 1).sum()),
        "at_risk": at_risk,
        "at_risk_share": at_risk / n,
        "records": n,
    }


def _check_k(k: Any, where: str) -> None:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"{where}: k must be a whole number >= 1, got {k!r}")


# --------------------------------------------------------------------------------------------
# Generalization hierarchies
# --------------------------------------------------------------------------------------------


def bands(edges: Sequence[float], labels: Sequence[str] | None = None, unit: str = "") -> Callable[[pd.Series], pd.Series]:
    """A generalization level that puts numbers into bands ``[edges[i], edges[i+1])``.

    ``labels`` name the bands (``len(edges) - 1`` of them); by default ``"a-b unit"`` and, for an
    infinite upper edge, ``">=a unit"``. Missing values stay missing.

    Example
    -------
    >>> bands([0, 90, float("inf")], unit="days")(pd.Series([10.0, 400.0])).tolist()
    ['0-90 days', '>=90 days']
    """
    e = [float(x) for x in edges]
    if len(e) < 2 or any(b <= a for a, b in zip(e, e[1:])):
        raise ValueError(f"bands: edges must be at least two strictly increasing numbers, got {list(edges)}")
    suffix = f" {unit}" if unit else ""

    def fmt(x: float) -> str:
        return f"{x:g}"

    names = list(labels) if labels is not None else [
        (f">={fmt(a)}{suffix}" if np.isinf(b) else f"{fmt(a)}-{fmt(b)}{suffix}") for a, b in zip(e, e[1:])
    ]
    if len(names) != len(e) - 1:
        raise ValueError(f"bands: {len(e) - 1} bands need {len(e) - 1} labels, got {len(names)}")

    def level(values: pd.Series) -> pd.Series:
        x = pd.to_numeric(values, errors="raise").astype("float64")
        outside = x.notna() & ((x < e[0]) | (x >= e[-1]))
        if outside.any():
            raise ValueError(
                f"bands: column {values.name!r} has values outside [{e[0]}, {e[-1]}), e.g. {x[outside].iloc[0]}; "
                "widen the edges (use float('inf') for an open top band)"
            )
        codes = np.searchsorted(e, x.to_numpy(), side="right") - 1
        out = pd.Series([names[c] if c >= 0 else None for c in np.where(np.isnan(x.to_numpy()), -1, codes)], index=values.index, name=values.name, dtype="str")
        return out

    return level


def mapping(table: Mapping[Any, str], default: str | None = None) -> Callable[[pd.Series], pd.Series]:
    """A generalization level that maps each value through ``table`` (values not in it get ``default``).

    With ``default=None`` a value missing from ``table`` raises, naming it.

    Example
    -------
    >>> mapping({"France": "Europe"}, default="other")(pd.Series(["France", "Japan"])).tolist()
    ['Europe', 'other']
    """
    lookup = dict(table)

    def level(values: pd.Series) -> pd.Series:
        out = values.astype("object").map(lookup)
        unknown = values.notna() & out.isna()
        if unknown.any():
            if default is None:
                raise ValueError(
                    f"mapping: value {values[unknown].iloc[0]!r} of column {values.name!r} is not in the mapping; "
                    "add it or pass default="
                )
            out = out.where(~unknown, default)
        return out.astype("str")

    return level


def suppress(values: pd.Series) -> pd.Series:
    """The top generalization level: every value becomes :data:`SUPPRESSED` (``"*"``)."""
    return pd.Series(SUPPRESSED, index=values.index, name=values.name, dtype="str")


# --------------------------------------------------------------------------------------------
# Generalization until k-anonymous
# --------------------------------------------------------------------------------------------


@dataclass
class Generalization:
    """The result of :func:`generalize`.

    Attributes
    ----------
    table : DataFrame
        The input with the quasi-identifier columns generalized and, if suppression was allowed, the
        records still in too-small classes removed.
    steps : DataFrame
        One row per step (step 0 = the original): ``step``, ``column`` raised, ``level`` reached,
        ``k``, ``classes``, ``at_risk`` (records in classes < target k), ``at_risk_share``,
        ``precision`` (Sweeney's Prec: 1 minus the mean of level / top level over the
        quasi-identifiers; 1 = untouched, 0 = all suppressed), ``discernibility`` (sum over records of
        their class size, divided by the records: the expected number of look-alikes of a record),
        and ``distinct`` (number of distinct values per quasi-identifier, as text).
    levels : dict
        The level name reached by each quasi-identifier.
    suppressed : int
        Records removed at the end.
    k : int
        The target.
    """

    table: pd.DataFrame
    steps: pd.DataFrame
    levels: dict[str, str]
    suppressed: int
    k: int
    level_index: dict[str, int] = field(default_factory=dict)

    @property
    def achieved_k(self) -> int:
        """The k of the released table."""
        return int(self.steps["k"].iloc[-1]) if self.suppressed == 0 else k_anonymity(self.table, list(self.levels))


def _hierarchy_levels(hierarchies: Mapping[str, Sequence[Level]], frame: pd.DataFrame) -> dict[str, list[Level]]:
    out: dict[str, list[Level]] = {}
    for column, levels in hierarchies.items():
        if column not in frame.columns:
            raise ValueError(f"generalize: hierarchy given for column {column!r}, which the frame lacks; it has {list(frame.columns)}")
        lv = list(levels)
        for item in lv:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str) and callable(item[1])):
                raise TypeError(f"generalize: each level of {column!r} must be a (name, function) pair, got {item!r}")
        out[column] = [("original", lambda s: s.astype("str")), *lv]
    if not out:
        raise ValueError("generalize: give at least one hierarchy {column: [(level name, function), ...]}")
    return out


def generalize(
    frame: pd.DataFrame,
    hierarchies: Mapping[str, Sequence[Level]],
    k: int = 5,
    max_suppression: float = 0.0,
) -> Generalization:
    """Generalize quasi-identifiers step by step until every class has at least ``k`` records.

    A greedy full-domain search (in the spirit of Sweeney's Datafly): at each step every
    quasi-identifier not yet at its top level is tried one level up; the step that takes the most
    records out of too-small classes per unit of precision lost is kept (ties: the first column in
    ``hierarchies``). It stops as soon as the records still in too-small classes are at most
    ``max_suppression`` of the table; those records are then removed (suppressed). A column whose
    hierarchy ends with :func:`suppress` can always reach ``"*"``, so with such hierarchies the loop
    always ends k-anonymous.

    Parameters
    ----------
    frame : DataFrame
        One row per person; the quasi-identifiers are the keys of ``hierarchies``.
    hierarchies : dict
        ``{column: [(level name, function), ...]}`` from the least to the most general level (level 0,
        the original values, is implicit). Build levels with :func:`bands`, :func:`mapping` and
        :func:`suppress`; every function receives the *original* column.
    k : int, default 5
        The target.
    max_suppression : float, default 0.0
        Largest share of records that may be removed instead of generalizing further (0 to 1).

    Returns
    -------
    Generalization

    Example
    -------
    >>> frame = pd.DataFrame({"country": ["UK"] * 5 + ["France"] * 3 + ["Germany"] * 2})
    >>> region = mapping({"UK": "Northern Europe", "France": "Western Europe", "Germany": "Western Europe"})
    >>> g = generalize(frame, {"country": [("region", region), ("any", suppress)]}, k=5)
    >>> g.steps[["column", "level", "k", "precision"]]
        column     level  k  precision
    0        -  original  2        1.0
    1  country    region  5        0.5
    """
    _check_k(k, "generalize")
    check_frame(frame, [], "generalize", allow_empty=False)
    if not (isinstance(max_suppression, (int, float)) and 0 <= max_suppression <= 1):
        raise ValueError(f"generalize: max_suppression is a share in [0, 1], got {max_suppression!r}")
    levels = _hierarchy_levels(hierarchies, frame)
    qi = list(levels)
    n = len(frame)
    cache: dict[tuple[str, int], pd.Series] = {}

    def column_at(column: str, i: int) -> pd.Series:
        if (column, i) not in cache:
            values = levels[column][i][1](frame[column])
            if not isinstance(values, pd.Series) or len(values) != n:
                raise ValueError(f"generalize: level {levels[column][i][0]!r} of {column!r} must return a Series of the same length")
            cache[(column, i)] = values.astype("str").fillna("<NA>")
        return cache[(column, i)]

    def table_at(state: dict[str, int]) -> pd.DataFrame:
        return pd.DataFrame({c: column_at(c, state[c]) for c in qi}, index=frame.index)

    def measure(state: dict[str, int]) -> dict[str, Any]:
        t = table_at(state)
        sizes = t.groupby(qi, observed=True)[qi[0]].transform("size")
        return {
            "k": int(sizes.min()),
            "classes": int(t.drop_duplicates().shape[0]),
            "at_risk": int((sizes < k).sum()),
            "precision": 1.0 - float(np.mean([state[c] / (len(levels[c]) - 1) if len(levels[c]) > 1 else 0.0 for c in qi])),
            "discernibility": float((sizes.astype("float64")).mean()),
            "distinct": ", ".join(f"{c}={t[c].nunique()}" for c in qi),
        }

    state = {c: 0 for c in qi}
    current = measure(state)
    rows = [{"step": 0, "column": "-", "level": "original", **current}]
    limit = max_suppression * n
    while current["at_risk"] > limit:
        best: tuple[float, float, int] | None = None
        chosen: tuple[str, dict[str, Any]] | None = None
        for order, c in enumerate(qi):
            if state[c] + 1 >= len(levels[c]):
                continue
            trial = {**state, c: state[c] + 1}
            m = measure(trial)
            gain = current["at_risk"] - m["at_risk"]
            loss = current["precision"] - m["precision"]
            score = (gain / loss if loss > 0 else float(gain) * 1e9, -loss, -order)
            if best is None or score > best:
                best, chosen = score, (c, m)
        if chosen is None:
            break  # every column at its top level
        c, m = chosen
        state[c] += 1
        current = m
        rows.append({"step": len(rows), "column": c, "level": levels[c][state[c]][0], **current})
    steps = pd.DataFrame(rows)
    steps["at_risk_share"] = steps["at_risk"] / n
    steps = steps[["step", "column", "level", "k", "classes", "at_risk", "at_risk_share", "precision", "discernibility", "distinct"]]
    out = frame.copy()
    for c in qi:
        out[c] = column_at(c, state[c]).replace("<NA>", None).astype("str")
    sizes = table_at(state).groupby(qi, observed=True)[qi[0]].transform("size")
    keep = (sizes >= k).to_numpy()
    suppressed = int((~keep).sum())
    if current["at_risk"] > limit:
        raise ValueError(
            f"generalize: every quasi-identifier is at its top level and {current['at_risk']} records are still in "
            f"classes smaller than k={k}; end each hierarchy with privacy.suppress or allow max_suppression"
        )
    out = out.loc[keep]
    return Generalization(
        table=out,
        steps=steps,
        levels={c: levels[c][state[c]][0] for c in qi},
        suppressed=suppressed,
        k=int(k),
        level_index=dict(state),
    )
