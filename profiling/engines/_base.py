"""What the scale engines share: load a file (plan, convert, check every line), then build the table.

:class:`LineEngine` holds the steps; an engine says how it runs SQL (``_query_one``, ``_frame``,
``_first_bad``), how it makes the view ``conv`` of converted lines (``define_source``), stores
them once as the relation ``lines`` (``materialize``), cleans (``clean``) and computes the features
(``features``). The checks and their messages are those of
:func:`profiling.datasets.load_transactions`, row numbers included.

Each line is converted once, and the duplicate rule is applied in the same pass: :data:`LINES_SQL`
groups the converted lines of ``conv`` by the canonical columns and four flags of the loader's
checks, one row per distinct line with its number of copies ``n``. The counts of bad values and
the summary add up ``n``; the cleaning keeps each row once (the ``duplicates`` rule). Only when a
check fails does an engine go back to ``conv`` (in file order) for the row and value of the first
bad line, as the loader names them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from profiling.datasets import COLUMNS, DataError
from profiling.datasets.schema import _fail
from profiling.engines._input import Plan, plan
from profiling.engines._sql import Dialect

__all__ = ["LINES_SQL", "LINE_COLUMNS", "LINE_NAMES", "LineEngine", "low_price_from_counts"]

_FLAGS = ("bad_quantity", "bad_unit_price", "coalesce(num_quantity <> round(num_quantity), false)",
          "raw_timestamp IS NULL")

#: The converted lines as the engines keep them (from the view ``conv``): one row per distinct line
#: -- the canonical columns and the flags the checks count -- with ``n``, its number of copies in
#: the file. A value that fails a check is missing in its canonical column (NULL), so the flags
#: tell apart why: ``bad_*`` (text that is not a number), ``fractional_quantity`` (not whole
#: units), ``missing_timestamp`` (no text at all; a text that is not read is a bad one). On a file
#: that passes the checks every flag is false, so the rows are the distinct lines of the
#: ``duplicates`` rule (:func:`profiling.cleaning.drop_duplicates` keeps one copy of each).
LINE_COLUMNS = (f"{', '.join(COLUMNS)}, {_FLAGS[0]}, {_FLAGS[1]}, {_FLAGS[2]} AS fractional_quantity, "
                f"{_FLAGS[3]} AS missing_timestamp")
LINES_SQL = f"SELECT {LINE_COLUMNS}, count(*) AS n FROM conv GROUP BY {', '.join(COLUMNS + list(_FLAGS))}"
#: The names of :data:`LINE_COLUMNS`.
LINE_NAMES = (*COLUMNS, "bad_quantity", "bad_unit_price", "fractional_quantity", "missing_timestamp")


def _row_label(i: int, kind: str) -> str:
    if kind == "parquet":
        return f"row {i} (0-based)"
    return f"data row {i + 1} (line {i + 2} of the file, counting the header)"


def low_price_from_counts(prices: np.ndarray, counts: np.ndarray, quantile: float = 0.25) -> float:
    """``Series.quantile(quantile)`` of the prices repeated ``counts`` times (sorted), computed exactly as numpy does."""
    n = int(counts.sum())
    if n == 0:
        return float("nan")
    pos = (n - 1) * quantile
    lo = int(np.floor(pos))
    t = pos - lo
    cum = np.cumsum(counts)
    a = float(prices[np.searchsorted(cum, lo + 1)])
    b = float(prices[np.searchsorted(cum, min(lo + 1, n - 1) + 1)])
    diff = b - a
    return b - diff * (1 - t) if t >= 0.5 else a + diff * t


class LineEngine:
    """The steps of a scale engine (see the module's text)."""

    dialect: Dialect
    folder: Path
    plan: Plan | None = None
    kept_lines: int | None = None  # the lines the cleaning keeps, once known

    # what an engine provides
    def define_source(self, p: Plan) -> None:
        raise NotImplementedError

    def _query_one(self, sql: str) -> tuple[list[str], tuple]:
        raise NotImplementedError

    def _frame(self, sql: str) -> pd.DataFrame:
        raise NotImplementedError

    def _first_bad(self, condition: str, raw: str) -> tuple[int, Any]:
        raise NotImplementedError

    def materialize(self) -> None:
        """Relation ``lines``: :data:`LINES_SQL`, converted once and stored (an engine may keep it a view)."""
        raise NotImplementedError

    def clean(self) -> int | None:
        """Clean the lines; their number, or ``None`` when :meth:`features` counts them (then in ``kept_lines``)."""
        raise NotImplementedError

    def features(self, cutoff: Any = None, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> "LineEngine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def load(self, path: str | Path, **options: Any) -> dict[str, Any]:
        """Plan the file (its head through the pandas loader), convert and check every line; the summary.

        ``options``: ``columns``, ``encoding``, ``sep``, ``timestamp_format`` as
        :func:`profiling.datasets.load_transactions` takes them.
        """
        p = plan(path, temp_dir=self.folder, **options)
        if p.currency is not None and p.source["unit_price"] is not None and not _numeric_prices(p):
            raise DataError(
                f"{p.path}: column 'unit_price' (your column '{p.source['unit_price']}'): prices are written with a "
                f"currency ({p.currency['value']}); the scale engines read plain numbers. Export the prices as numbers "
                "(the currency in a column named 'currency'), or use --engine pandas."
            )
        self.define_source(p)
        self.materialize()
        self.plan = p
        return self.check(p)

    def profile_table(self, cutoff: Any = None, **options: Any) -> pd.DataFrame:
        """The profile table of the loaded file (:func:`profiling.engines.profile_table` has the options)."""
        from profiling.engines import _build

        say = options.pop("say", None) or (lambda message: None)
        kept = self.clean()
        if kept is not None:
            say(f"cleaned: {kept:,} lines kept; aggregating them per customer ...")
        else:  # an engine that cleans and aggregates in one pass counts the kept lines on the way
            say("cleaning the lines and aggregating them per customer, bucket by bucket ...")
        feats = self.features(cutoff)
        if kept is None:
            say(f"cleaned: {self.kept_lines:,} lines kept")
        say(f"features of {len(feats):,} customers; tags, RFM scores and personas (customer level, pandas) ...")
        return _build(feats, **options)


    def check(self, p: Plan) -> dict[str, Any]:
        """Check every line (the loader's rules and messages); return the summary of the lines."""
        has = {c: p.source[c] is not None for c in COLUMNS}
        # the counts from the stored lines (LINES_SQL); a NULL canonical value is a missing one unless
        # a flag says the text was there but bad
        parts = ["coalesce(sum(n), 0) AS rows"]
        for c in ("invoice_id", "item_id"):
            parts.append(f"coalesce(sum(n) FILTER (WHERE {c} IS NULL), 0) AS missing_{c}")
        for c in ("quantity", "unit_price"):
            parts.append(f"coalesce(sum(n) FILTER (WHERE bad_{c}), 0) AS bad_{c}")
        parts.append("coalesce(sum(n) FILTER (WHERE quantity IS NULL AND NOT bad_quantity AND NOT fractional_quantity), 0) "
                     "AS missing_quantity")
        parts.append("coalesce(sum(n) FILTER (WHERE unit_price IS NULL AND NOT bad_unit_price), 0) AS missing_unit_price")
        parts.append("coalesce(sum(n) FILTER (WHERE fractional_quantity), 0) AS fractional_quantity")
        parts.append("coalesce(sum(n) FILTER (WHERE timestamp IS NULL AND NOT missing_timestamp), 0) AS bad_timestamp")
        parts.append("coalesce(sum(n) FILTER (WHERE missing_timestamp), 0) AS missing_timestamp")
        counts = dict(zip(*self._query_one(f"SELECT {', '.join(parts)} FROM lines")))
        if counts["rows"] == 0:
            raise DataError(f"{p.path}: the file has a header but no data rows. Export the table again with its rows.")
        kind, path = p.kind, p.path
        for c in ("invoice_id", "item_id"):
            if counts[f"missing_{c}"]:
                i, _ = self._first_bad(f"{c} IS NULL", f"raw_{c}")
                raise _fail(path, f"{counts[f'missing_{c}']} value(s) are missing, the first at {_row_label(i, kind)}.",
                            "Every line needs one; fill or drop those rows.", c, p.source[c])
        for c in ("quantity", "unit_price"):
            if counts[f"bad_{c}"]:
                i, value = self._first_bad(f"bad_{c}", f"raw_{c}")
                raise _fail(path, f"{counts[f'bad_{c}']} value(s) are not numbers, e.g. {value!r} at {_row_label(i, kind)}.",
                            "Remove currency signs and thousands separators (use '.' for decimals), or map the right "
                            "column with columns={...}.", c, p.source[c])
            if counts[f"missing_{c}"]:
                i, _ = self._first_bad(f"num_{c} IS NULL", f"raw_{c}")
                raise _fail(path, f"{counts[f'missing_{c}']} value(s) are missing, the first at {_row_label(i, kind)}.",
                            "Fill or drop those rows before loading.", c, p.source[c])
            if c == "quantity" and counts["fractional_quantity"]:
                i, value = self._first_bad("num_quantity <> round(num_quantity)", "num_quantity")
                raise _fail(path, f"{counts['fractional_quantity']} value(s) are not whole units, e.g. {float(value)!r} at "
                            f"{_row_label(i, kind)}.", "Quantities count units; if yours are weights or amounts, convert "
                            "them to units (or map the right column).", c, p.source[c])
        if counts["bad_timestamp"] and p.guessed_format and p.timestamp_format is not None:
            # pandas retries ISO 8601 when the inferred format leaves values unread, and keeps the better
            iso = self._query_one(f"SELECT count(*) FILTER (WHERE {self.dialect.try_cast}(raw_timestamp AS TIMESTAMP) "
                                  "IS NULL AND raw_timestamp IS NOT NULL) AS n FROM conv")[1][0]
            if iso < counts["bad_timestamp"]:
                p.timestamp_format = None
                self.define_source(p)
                self.materialize()
                counts["bad_timestamp"] = iso
        if counts["bad_timestamp"]:
            from profiling.datasets.sniffing import _guess_timestamp_format

            i, value = self._first_bad("raw_timestamp IS NOT NULL AND timestamp IS NULL", "raw_timestamp")
            sample = self._frame("SELECT raw_timestamp FROM conv WHERE raw_timestamp IS NOT NULL LIMIT 5000")
            readable = self._query_one("SELECT count(*) AS n FROM conv WHERE timestamp IS NOT NULL")[1][0]
            hint = ""
            if readable:
                _, ok = self._first_bad("timestamp IS NOT NULL", "raw_timestamp")
                hint = f" (other values look like {ok!r})"
            guess = _guess_timestamp_format(sample["raw_timestamp"].astype("str"))[0] if p.guessed_format or \
                p.timestamp_format is None else None
            raise _fail(path, f"{counts['bad_timestamp']} value(s) cannot be read as a date and time, e.g. {value!r} at "
                        f"{_row_label(i, kind)}{hint}.",
                        f"Pass timestamp_format='{guess}' (it reads every value)." if guess else
                        "Fix those values, or pass timestamp_format= (e.g. timestamp_format='%d/%m/%Y %H:%M').",
                        "timestamp", p.source["timestamp"])
        if counts["missing_timestamp"]:
            i, _ = self._first_bad("raw_timestamp IS NULL", "raw_timestamp")
            raise _fail(path, f"{counts['missing_timestamp']} value(s) are missing, the first at {_row_label(i, kind)}.",
                        "Fill or drop those rows before loading.", "timestamp", p.source["timestamp"])
        cols, values = self._query_one(
            """
            SELECT sum(n) AS rows,
                   count(DISTINCT customer_id) AS customers,
                   count(DISTINCT invoice_id) AS invoices,
                   count(DISTINCT item_id) AS items,
                   coalesce(sum(n) FILTER (WHERE customer_id IS NULL), 0) AS lines_without_customer,
                   min(timestamp) AS first, max(timestamp) AS last,
                   count(description) > 0 AS has_description, count(country) > 0 AS has_country,
                   coalesce(sum(n) FILTER (WHERE customer_id IS NOT NULL), 0) AS known,
                   coalesce(sum(n) FILTER (WHERE customer_id IS NOT NULL AND quantity > 0), 0) AS known_positive,
                   count(DISTINCT customer_id) FILTER (WHERE quantity > 0 AND unit_price > 0) AS buyers,
                   min(timestamp) FILTER (WHERE customer_id IS NOT NULL AND quantity > 0 AND unit_price > 0)
                       AS first_purchase
            FROM lines
            """
        )
        s = dict(zip(cols, values))
        first, last = pd.Timestamp(s["first"]), pd.Timestamp(s["last"])
        return {
            "rows": int(s["rows"]), "customers": int(s["customers"]), "invoices": int(s["invoices"]),
            "items": int(s["items"]), "lines_without_customer": int(s["lines_without_customer"]),
            "first": first.isoformat(sep=" "), "last": last.isoformat(sep=" "),
            "has": {"description": bool(s["has_description"]) and has["description"],
                    "country": bool(s["has_country"]) and has["country"]},
            "known": int(s["known"]), "known_positive": int(s["known_positive"]), "buyers": int(s["buyers"]),
            "first_purchase": None if s["first_purchase"] is None else pd.Timestamp(s["first_purchase"]),
        }

def _numeric_prices(p: Plan) -> bool:
    """Whether the price column of the file holds plain numbers (no currency marks)."""
    return "price" not in (p.currency or {}).get("from", "")
