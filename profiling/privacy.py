"""Privacy for profile tables: pseudonyms, k-anonymity, generalization, differential privacy, minimization.

A profile table (one row per customer, :func:`profiling.profiles.build_profiles`) is personal data:
even without a name, a customer id is a direct identifier, and a rare combination of harmless-looking
columns (country, how long they have been a customer, how much they spend) can single a person out.
This module gives the measured tools chapter 11 uses:

* :func:`pseudonymize` -- replace ids by a **keyed hash** (HMAC-SHA256). The same id and key always
  give the same pseudonym, so tables can still be joined; without the key nobody can recompute the
  pseudonym of a known id (a plain, unkeyed hash of a 5-digit id is reversed by hashing all 100,000
  possible ids). The key is a parameter: it is never stored in any output of this module.
  Pseudonymized data is still personal data (GDPR Recital 26): whoever holds the key can link it back.
* :func:`equivalence_classes`, :func:`k_anonymity`, :func:`anonymity_summary` -- how many records
  share each combination of **quasi-identifiers**; the table is *k*-anonymous if every combination
  occurs at least *k* times (Sweeney, 2002).
* :func:`generalize` -- coarsen quasi-identifiers one hierarchy level at a time (country -> region
  -> UK / rest -> ``*``) until the table is *k*-anonymous, optionally suppressing a bounded share of
  records, and report what every step costs (:class:`Generalization`).
* :func:`laplace_mechanism`, :func:`dp_aggregates`, :func:`dp_error` -- publish segment-level
  counts and means with **differential privacy** (Dwork, McSherry, Nissim & Smith, 2006).
* :func:`minimization_table` -- which profile columns each application really needs.

Differential privacy, as used here
----------------------------------
Two tables are *neighbours* if one is the other with one customer (one row) added or removed. A
randomized release :math:`M` is :math:`\\varepsilon`-differentially private if for all neighbours
:math:`D, D'` and every set of outputs :math:`S`,
:math:`P[M(D) \\in S] \\le e^{\\varepsilon} P[M(D') \\in S]`. The **Laplace mechanism** releases
:math:`f(D) + \\mathrm{Laplace}(0, \\Delta f / \\varepsilon)`, where the *sensitivity*
:math:`\\Delta f` is the most :math:`f` can change between neighbours. Its noise has standard
deviation :math:`\\sqrt{2}\\,\\Delta f / \\varepsilon`, whatever the size of the data: small groups
suffer most.

* A count of customers has sensitivity 1.
* A sum of values clipped to ``[low, high]`` has sensitivity ``max(|low|, |high|)`` (one customer adds
  at most that much); without clipping the sensitivity of a sum of spend is unbounded.
* Segments are disjoint (each customer is in one), so releasing one count per segment costs
  :math:`\\varepsilon` once (parallel composition); releasing counts *and* sums costs the sum of
  the two budgets (sequential composition). :func:`dp_aggregates` splits ``epsilon`` between them.
* The list of segments must be public and fixed in advance (``groups=``); publishing only the
  segments that happen to be non-empty would reveal who is in the data.
* Rounding, clamping a count at 0 and dividing a noisy sum by a noisy count are post-processing and
  do not weaken the guarantee.

Example
-------
>>> import pandas as pd
>>> from profiling import privacy
>>> ids = pd.Series(["12346", "12347"])
>>> privacy.pseudonymize(ids, key="a secret key of 16+ bytes").str.len().tolist()
[16, 16]
>>> frame = pd.DataFrame({"country": ["UK", "UK", "FR"], "tier": ["low", "low", "high"]})
>>> privacy.k_anonymity(frame, ["country", "tier"])
1
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from profiling.validation import check_frame

__all__ = [
    "MIN_KEY_BYTES",
    "SUPPRESSED",
    "anonymity_summary",
    "bands",
    "dp_aggregates",
    "dp_error",
    "equivalence_classes",
    "Generalization",
    "generalize",
    "k_anonymity",
    "laplace_mechanism",
    "laplace_scale",
    "mapping",
    "minimization_table",
    "new_key",
    "pseudonymize",
    "suppress",
]

#: What a fully generalized (suppressed) value is replaced by.
SUPPRESSED: str = "*"

#: Shortest key :func:`pseudonymize` accepts, in bytes (128 bits).
MIN_KEY_BYTES: int = 16

#: A generalization level: (name, function from the original column to the generalized one).
Level = tuple[str, Callable[[pd.Series], pd.Series]]


# --------------------------------------------------------------------------------------------
# Pseudonymization
# --------------------------------------------------------------------------------------------


def new_key(n_bytes: int = 32) -> bytes:
    """A fresh random key for :func:`pseudonymize` (``secrets.token_bytes``; keep it in a secret store).

    Example
    -------
    >>> len(new_key())
    32
    """
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, (int, np.integer)) or n_bytes < MIN_KEY_BYTES:
        raise ValueError(f"new_key: n_bytes must be a whole number >= {MIN_KEY_BYTES}, got {n_bytes!r}")
    return secrets.token_bytes(int(n_bytes))


def _key_bytes(key: Any) -> bytes:
    if key is None:
        raise ValueError(
            "pseudonymize: no key given. Pass key= a secret of at least "
            f"{MIN_KEY_BYTES} bytes read from a secret store (or make one with privacy.new_key())."
        )
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"pseudonymize: key must be bytes or str, got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"pseudonymize: the key is {len(key)} bytes long; use at least {MIN_KEY_BYTES} bytes "
            "(a short key can be guessed, and with it every pseudonym reversed). privacy.new_key() makes one."
        )
    return bytes(key)


def pseudonymize(ids: pd.Series | pd.Index | Sequence[Any], key: bytes | str, length: int = 16, prefix: str = "") -> pd.Series | pd.Index:
    """Replace identifiers by keyed hashes: ``prefix + HMAC-SHA256(key, str(id)).hexdigest()[:length]``.

    Deterministic for a given key (the same id always gets the same pseudonym, so tables pseudonymized
    with the same key still join), and not reversible without the key. Missing ids stay missing.
    The key is used only inside this call and never returned or stored.

    Parameters
    ----------
    ids : Series, Index or sequence
        The identifiers (any values; they are hashed as ``str(value)`` in UTF-8).
    key : bytes or str
        The secret, at least :data:`MIN_KEY_BYTES` bytes (a ``str`` is UTF-8 encoded). Read it from a
        secret store or environment variable; never write it into a notebook's outputs or a table.
    length : int, default 16
        Hex characters kept (8-64). 16 hex characters = 64 bits: collisions are negligible for
        millions of customers; :func:`pseudonymize` raises if two ids collide anyway.
    prefix : str, default ""
        Text put in front of every pseudonym (e.g. ``"c_"``), so they are not mistaken for real ids.

    Returns
    -------
    Series or Index
        Same length, index and name as ``ids`` (a Series for a sequence), dtype ``str``.

    Example
    -------
    >>> pseudonymize(pd.Series(["12346"]), key="course demo key, not secret!", length=8).tolist()
    ['c55278cf']
    """
    raw = _key_bytes(key)
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 8 <= length <= 64:
        raise ValueError(f"pseudonymize: length must be a whole number of hex characters in 8..64, got {length!r}")
    is_index = isinstance(ids, pd.Index)
    series = ids.to_series(index=range(len(ids))) if is_index else (ids if isinstance(ids, pd.Series) else pd.Series(list(ids)))
    missing = series.isna().to_numpy()
    values = series.to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    cache: dict[str, str] = {}
    for i, (value, na) in enumerate(zip(values, missing)):
        if na:
            out[i] = None
            continue
        text = str(value)
        hashed = cache.get(text)
        if hashed is None:
            hashed = prefix + hmac.new(raw, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]
            cache[text] = hashed
        out[i] = hashed
    if len(set(cache.values())) < len(cache):
        raise ValueError(
            f"pseudonymize: two different ids got the same pseudonym with length={length}; use a longer length"
        )
    result = pd.Series(out, index=series.index, name=series.name, dtype="str")
    if is_index:
        return pd.Index(result.to_numpy(), name=ids.name, dtype="str")
    return result


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


# --------------------------------------------------------------------------------------------
# Differential privacy: the Laplace mechanism
# --------------------------------------------------------------------------------------------


def _check_epsilon(epsilon: Any, where: str) -> float:
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating, np.integer)) or not np.isfinite(epsilon) or epsilon <= 0:
        raise ValueError(f"{where}: epsilon must be a finite number > 0, got {epsilon!r}")
    return float(epsilon)


def laplace_scale(sensitivity: float, epsilon: float) -> float:
    """The Laplace noise scale ``b = sensitivity / epsilon`` (noise standard deviation ``sqrt(2) * b``)."""
    eps = _check_epsilon(epsilon, "laplace_scale")
    if isinstance(sensitivity, bool) or not isinstance(sensitivity, (int, float, np.floating, np.integer)) or not np.isfinite(sensitivity) or sensitivity <= 0:
        raise ValueError(f"laplace_scale: sensitivity must be a finite number > 0, got {sensitivity!r}")
    return float(sensitivity) / eps


def laplace_mechanism(
    values: float | Sequence[float] | np.ndarray | pd.Series,
    sensitivity: float,
    epsilon: float,
    random_state: int | np.random.Generator | None = None,
) -> Any:
    """``values + Laplace(0, sensitivity / epsilon)`` noise, independently for each value.

    Releasing the result is ``epsilon``-differentially private for a query whose value changes by at
    most ``sensitivity`` when one person is added to or removed from the data. Smaller ``epsilon`` =
    more privacy = more noise.

    Parameters
    ----------
    values : float, array or Series
        True query answers.
    sensitivity : float
        The query's L1 sensitivity (1 for a count; ``max(|low|, |high|)`` for a sum clipped to
        ``[low, high]``).
    epsilon : float
        The privacy budget spent, > 0.
    random_state : int or numpy Generator, optional
        Seed (for reproducible teaching output). A real release must use fresh randomness.

    Returns
    -------
    float, ndarray or Series
        The noisy values, same shape (a Series keeps its index).

    Example
    -------
    >>> round(laplace_mechanism(100.0, sensitivity=1, epsilon=1.0, random_state=0), 2)
    100.32
    """
    scale = laplace_scale(sensitivity, epsilon)
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    if isinstance(values, pd.Series):
        return values.astype("float64") + rng.laplace(0.0, scale, size=len(values))
    arr = np.asarray(values, dtype="float64")
    noisy = arr + rng.laplace(0.0, scale, size=arr.shape)
    return float(noisy) if noisy.ndim == 0 else noisy


def _check_bounds(bounds: Any, where: str) -> tuple[float, float]:
    try:
        low, high = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: bounds must be a pair (low, high) of numbers, got {bounds!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"{where}: bounds must be finite with low < high, got {bounds!r}")
    return low, high


def _groups(frame: pd.DataFrame, by: str, groups: Sequence[Any] | None) -> list[Any]:
    if groups is not None:
        g = list(groups)
        if len(set(map(str, g))) < len(g):
            raise ValueError(f"dp_aggregates: groups repeat a value: {g}")
        unknown = sorted(set(frame[by].dropna().astype("str")) - set(map(str, g)))
        if unknown:
            raise ValueError(f"dp_aggregates: column {by!r} has value(s) {unknown[:5]} not in groups=; list every public group")
        return g
    if isinstance(frame[by].dtype, pd.CategoricalDtype):
        return list(frame[by].cat.categories)
    return sorted(frame[by].dropna().unique().tolist(), key=str)


def _truth(
    frame: pd.DataFrame, by: str, value: str, bounds: tuple[float, float], groups: Sequence[Any] | None, where: str
) -> tuple[list[Any], pd.Series, pd.Series]:
    """The public groups, the true customer counts and the true sums of the clipped value per group."""
    check_frame(frame, [by, value], where)
    if not pd.api.types.is_numeric_dtype(frame[value]) or pd.api.types.is_bool_dtype(frame[value]):
        raise ValueError(f"{where}: column {value!r} must be numeric, got {frame[value].dtype}")
    if frame[value].isna().any():
        raise ValueError(f"{where}: column {value!r} has missing values; fill or drop them first")
    g = _groups(frame, by, groups)
    key = frame[by].astype("str")
    labels = pd.Index([str(x) for x in g])
    counts = key.value_counts().reindex(labels, fill_value=0).astype("int64")
    totals = frame[value].astype("float64").clip(*bounds).groupby(key).sum().reindex(labels, fill_value=0.0)
    return g, counts, totals


def dp_aggregates(
    frame: pd.DataFrame,
    by: str,
    value: str,
    epsilon: float,
    bounds: tuple[float, float],
    groups: Sequence[Any] | None = None,
    count_share: float = 0.5,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Customers, total and mean of ``value`` per group, true and with Laplace noise (epsilon-DP in all).

    One row of ``frame`` is one person. ``value`` is clipped to ``bounds`` before summing, so one person
    changes a group's sum by at most ``max(|low|, |high|)``. The budget is split: ``count_share *
    epsilon`` for the counts (sensitivity 1) and the rest for the sums; groups are disjoint, so each
    part is spent once across all groups (parallel composition) and the whole release is
    ``epsilon``-DP (sequential composition). The noisy mean is the noisy sum over the noisy count
    (clamped to at least 1), clamped to ``bounds`` — post-processing, which costs no budget.

    Parameters
    ----------
    frame : DataFrame
        One row per person.
    by : str
        The group column (e.g. the RFM segment).
    value : str
        The numeric column to total and average (e.g. net spend).
    epsilon : float
        Total privacy budget of the release, > 0.
    bounds : (low, high)
        Clipping bounds of ``value``, chosen *without looking at the data* (or from public knowledge).
    groups : sequence, optional
        The public list of groups (all are released, even if empty). Default: the categories of a
        categorical ``by``, else the observed values (which is only safe if the group list is public).
    count_share : float, default 0.5
        Share of ``epsilon`` spent on the counts (0 < count_share < 1).
    random_state : int or Generator, optional
        Seed.

    Returns
    -------
    DataFrame
        Index: the groups (named ``by``). Columns ``customers``, ``noisy_customers``, ``total``,
        ``noisy_total``, ``mean``, ``noisy_mean`` (true values use the clipped ``value``),
        ``count_scale`` and ``sum_scale`` (the Laplace scales used).

    Example
    -------
    >>> profiles = pd.DataFrame({"rfm_segment": ["a"] * 60 + ["b"] * 40, "monetary": [100.0] * 100})
    >>> out = dp_aggregates(profiles, "rfm_segment", "monetary", epsilon=1.0, bounds=(0, 500), random_state=0)
    >>> out["customers"].to_dict(), out["noisy_customers"].round(1).to_dict()
    ({'a': 60, 'b': 40}, {'a': 60.6, 'b': 38.8})
    """
    eps = _check_epsilon(epsilon, "dp_aggregates")
    low, high = _check_bounds(bounds, "dp_aggregates")
    if not (0 < count_share < 1):
        raise ValueError(f"dp_aggregates: count_share must be in (0, 1), got {count_share!r}")
    g, counts, totals = _truth(frame, by, value, (low, high), groups, "dp_aggregates")
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    count_eps, sum_eps = count_share * eps, (1 - count_share) * eps
    sens_sum = max(abs(low), abs(high))  # one customer's clipped value moves a sum by at most this
    noisy_counts = laplace_mechanism(counts.to_numpy(dtype="float64"), 1.0, count_eps, rng)
    noisy_totals = laplace_mechanism(totals.to_numpy(dtype="float64"), sens_sum, sum_eps, rng)
    out = pd.DataFrame(
        {
            "customers": counts.to_numpy(),
            "noisy_customers": np.maximum(noisy_counts, 0.0),
            "total": totals.to_numpy(),
            "noisy_total": noisy_totals,
            "mean": np.where(counts.to_numpy() > 0, totals.to_numpy() / np.maximum(counts.to_numpy(), 1), np.nan),
            "noisy_mean": np.clip(noisy_totals / np.maximum(noisy_counts, 1.0), low, high),
            "count_scale": 1.0 / count_eps,
            "sum_scale": sens_sum / sum_eps,
        },
        index=pd.Index(g, name=by),
    )
    return out


def dp_error(
    frame: pd.DataFrame,
    by: str,
    value: str,
    epsilons: Sequence[float],
    bounds: tuple[float, float],
    n_repeats: int = 200,
    groups: Sequence[Any] | None = None,
    count_share: float = 0.5,
    random_state: int | None = None,
) -> pd.DataFrame:
    """How wrong the DP release of :func:`dp_aggregates` is, per epsilon: repeated draws, relative errors.

    The error of a noisy count or mean is ``|noisy - true| / true`` per group (groups with no
    customers are left out), averaged over groups and then summarized over ``n_repeats`` draws.

    Returns
    -------
    DataFrame
        One row per (``epsilon``, ``statistic`` in ``customers`` / ``mean``) with
        ``median_relative_error`` and ``p90_relative_error`` (over the draws, of the mean relative error
        over groups) and ``worst_group_median`` (median over draws of the largest group error).

    Example
    -------
    >>> profiles = pd.DataFrame({"rfm_segment": ["a"] * 60 + ["b"] * 40, "monetary": [100.0] * 100})
    >>> err = dp_error(profiles, "rfm_segment", "monetary", [0.1, 1, 10], bounds=(0, 500), random_state=0)
    >>> err.loc[err["statistic"] == "customers", "median_relative_error"].round(3).tolist()  # 10x budget, 1/10 error
    [0.367, 0.034, 0.004]
    """
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or n_repeats < 1:
        raise ValueError(f"dp_error: n_repeats must be a whole number >= 1, got {n_repeats!r}")
    eps_list = [_check_epsilon(e, "dp_error") for e in epsilons]
    if not eps_list:
        raise ValueError("dp_error: give at least one epsilon")
    low, high = _check_bounds(bounds, "dp_error")
    if not (0 < count_share < 1):
        raise ValueError(f"dp_error: count_share must be in (0, 1), got {count_share!r}")
    _, counts, totals = _truth(frame, by, value, (low, high), groups, "dp_error")
    present = (counts > 0).to_numpy()
    n = counts.to_numpy(dtype="float64")[present]
    total = totals.to_numpy(dtype="float64")[present]
    mean = total / n
    sens_sum = max(abs(low), abs(high))
    rng = np.random.default_rng(random_state)
    rows = []
    for eps in eps_list:
        # the same draws as dp_aggregates, all repeats at once: (n_repeats, groups)
        shape = (int(n_repeats), len(n))
        noisy_n = n + rng.laplace(0.0, 1.0 / (count_share * eps), size=shape)
        noisy_total = total + rng.laplace(0.0, sens_sum / ((1 - count_share) * eps), size=shape)
        noisy_mean = np.clip(noisy_total / np.maximum(noisy_n, 1.0), low, high)
        errors = {
            "customers": np.abs(np.maximum(noisy_n, 0.0) - n) / n,
            "mean": np.abs(noisy_mean - mean) / np.maximum(np.abs(mean), 1e-9),
        }
        for stat, m in errors.items():
            per_draw = m.mean(axis=1)
            rows.append(
                {
                    "epsilon": eps,
                    "statistic": stat,
                    "median_relative_error": float(np.median(per_draw)),
                    "p90_relative_error": float(np.quantile(per_draw, 0.9)),
                    "worst_group_median": float(np.median(m.max(axis=1))),
                }
            )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# Data minimization
# --------------------------------------------------------------------------------------------


def minimization_table(columns: Iterable[str], needs: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """Which columns each application needs, and which columns no application needs.

    Parameters
    ----------
    columns : iterable of str
        The columns of the table being published or kept (e.g. the profile table's columns).
    needs : dict
        ``{application: [columns it reads]}``. Every named column must be in ``columns``.

    Returns
    -------
    DataFrame
        Index: the columns (in the given order). One boolean column per application, ``used_by``
        (how many applications read it) and ``verdict``: ``"keep"`` or ``"drop (no application)"``.

    Example
    -------
    >>> minimization_table(["a", "b"], {"churn model": ["a"]})["verdict"].tolist()
    ['keep', 'drop (no application)']
    """
    cols = list(columns)
    if len(set(cols)) < len(cols):
        raise ValueError("minimization_table: columns repeat a name")
    if not needs:
        raise ValueError("minimization_table: needs is empty; give {application: [columns]}")
    table = pd.DataFrame(index=pd.Index(cols, name="column"))
    for app, used in needs.items():
        if isinstance(used, str):
            raise TypeError(f"minimization_table: the columns of {app!r} must be a list, got the string {used!r}")
        used = list(used)
        unknown = [c for c in used if c not in table.index]
        if unknown:
            raise ValueError(f"minimization_table: application {app!r} names column(s) {unknown} that are not in columns")
        table[app] = table.index.isin(used)
    table["used_by"] = table[list(needs)].sum(axis=1).astype("int64")
    table["verdict"] = np.where(table["used_by"] > 0, "keep", "drop (no application)")
    return table
