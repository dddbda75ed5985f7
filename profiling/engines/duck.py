"""The DuckDB engine: a file's lines read, checked, cleaned and aggregated per customer in SQL, out of core.

Nothing here holds the lines in Python. DuckDB scans the CSV or Parquet file, converts and checks
every line as :func:`profiling.datasets.load_transactions` does, applies the cleaning rules of
:func:`profiling.profiles.profile_table` (:func:`profiling.cleaning.default_rules` with
``keep_returns=True``) and runs the query of :func:`profiling.features.customer_features`
(:data:`profiling.features.FEATURES_SQL`, the same text) on the cleaned lines. What comes back is
one row per customer. The database lives in a temporary folder; with more data than
``memory_limit``, DuckDB writes what does not fit there (spilling) instead of failing.

The rules, line by line (identical results to the pandas path, tested in ``tests/test_engines.py``):

* **reading**: the head of the file goes through the pandas loader itself (:mod:`._input`); every
  line is then converted in SQL: identifiers stripped, ``13085.0`` read as ``13085``, blanks and
  pandas' missing-value texts (``NA``, ``NULL``, ``nan``...) as missing; quantities and prices as
  numbers; timestamps with the format given or the one pandas infers from the first value (ISO 8601
  when that fails). The first bad value stops the command with the loader's message and row.
* **duplicates**: ``SELECT DISTINCT`` over the eight canonical columns (one copy kept);
* **missing_customer**, **non_product** (:data:`~profiling.cleaning.NON_PRODUCT_CODES` and
  :data:`~profiling.cleaning.NON_PRODUCT_PATTERNS`), **bad_price**: row filters (a row's fate
  depends on its values only, so filtering before or after ``DISTINCT`` gives the same lines);
* **extreme_quantity**: each item's median purchase quantity from a count per (item, quantity), so
  the median is exact without holding the lines of an item in memory;
* **normalize_description** rewrites descriptions, which no feature reads: not needed.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from profiling import features as _features
from profiling.datasets import COLUMNS, DataError
from profiling.datasets.schema import _fail
from profiling.engines._input import Plan, plan, sql_text
from profiling.engines._sql import DUCKDB, clean_sql, convert_sql
from profiling.windows import resolve_cutoff

__all__ = ["DuckSession", "low_price_from_counts"]

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


@dataclass
class DuckSession:
    """One DuckDB database in a temporary folder (spilling there too), for one file."""

    memory_limit: str = "1GB"
    threads: int = 2
    temp_dir: str | Path | None = None
    folder: Path = field(init=False)

    def __post_init__(self) -> None:
        import duckdb

        parent = Path(self.temp_dir) if self.temp_dir is not None else None
        self.folder = Path(tempfile.mkdtemp(prefix="profiling-duckdb-", dir=parent))
        # An in-memory database whose tables and intermediates spill to the folder beyond memory_limit.
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = {sql_text(self.memory_limit)}")
        self.con.execute(f"SET threads = {int(self.threads)}")
        self.con.execute(f"SET temp_directory = {sql_text(str(self.folder / 'spill'))}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET TimeZone = 'UTC'")

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

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
        self.plan = p
        return self.check(p)

    def profile_table(self, cutoff: Any = None, **options: Any) -> pd.DataFrame:
        """The profile table of the loaded file (:func:`profiling.engines.profile_table` has the options)."""
        from profiling.engines import _build

        self.clean()
        return _build(self.features(cutoff), **options)

    def __enter__(self) -> "DuckSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---------------------------------------------------------------------------------------
    # reading
    # ---------------------------------------------------------------------------------------

    def _scan(self, p: Plan) -> str:
        path = sql_text(str(p.read_path))
        if p.kind == "parquet":
            return f"read_parquet({path})"
        names = "[" + ", ".join(sql_text(f"c{i}") for i in range(len(p.header))) + "]"
        return (f"read_csv({path}, delim={sql_text(p.sep)}, quote='\"', escape='\"', header=true, "
                f"all_varchar=true, names={names}, null_padding=true, auto_detect=false)")

    def _types(self, p: Plan) -> dict[str, str]:
        if p.kind == "csv":
            return {c: "VARCHAR" for c in COLUMNS}
        desc = self.con.execute(f"DESCRIBE SELECT * FROM {self._scan(p)}").fetchall()
        types = {name: typ for name, typ, *_ in desc}
        return {c: types[p.source[c]] for c in COLUMNS if p.source[c] is not None}

    def _integral(self, p: Plan, column: str) -> bool:
        """Whether a float column holds whole numbers only (ids written as 13085.0)."""
        return bool(self.con.execute(
            f"SELECT coalesce(bool_and({column} = floor({column})), true) FROM {self._scan(p)} WHERE isfinite({column})"
        ).fetchone()[0])

    def define_source(self, p: Plan) -> None:
        """View ``conv``: the file's lines converted (:func:`profiling.engines._sql.convert_sql`)."""
        types = self._types(p)
        sql = convert_sql(p, self._scan(p), types, lambda column: self._integral(p, column), DUCKDB)
        self.con.execute(f"CREATE OR REPLACE VIEW conv AS {sql}")

    def _first_bad(self, condition: str, raw: str) -> tuple[int, Any]:
        """Position (0-based, file order) and raw value of the first line where ``condition`` holds."""
        self.con.execute("SET threads = 1")
        self.con.execute("SET preserve_insertion_order = true")
        try:
            row = self.con.execute(
                f"SELECT rn, {raw} FROM (SELECT row_number() OVER () - 1 AS rn, * FROM conv) "
                f"WHERE {condition} ORDER BY rn LIMIT 1"
            ).fetchone()
        finally:
            self.con.execute(f"SET threads = {int(self.threads)}")
            self.con.execute("SET preserve_insertion_order = false")
        return int(row[0]), row[1]

    def check(self, p: Plan) -> dict[str, Any]:
        """Check every line (the loader's rules and messages); return the summary of the lines."""
        has = {c: p.source[c] is not None for c in COLUMNS}
        parts = ["count(*) AS rows"]
        for c in ("invoice_id", "item_id"):
            parts.append(f"count(*) FILTER (WHERE {c} IS NULL) AS missing_{c}")
        for c in ("quantity", "unit_price"):
            parts.append(f"count(*) FILTER (WHERE bad_{c}) AS bad_{c}")
            parts.append(f"count(*) FILTER (WHERE num_{c} IS NULL AND NOT bad_{c}) AS missing_{c}")
        parts.append("count(*) FILTER (WHERE num_quantity <> round(num_quantity)) AS fractional_quantity")
        parts.append("count(*) FILTER (WHERE raw_timestamp IS NOT NULL AND timestamp IS NULL) AS bad_timestamp")
        parts.append("count(*) FILTER (WHERE raw_timestamp IS NULL) AS missing_timestamp")
        counts = dict(zip(*self._query_one(f"SELECT {', '.join(parts)} FROM conv")))
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
            iso = self.con.execute("SELECT count(*) FILTER (WHERE TRY_CAST(raw_timestamp AS TIMESTAMP) IS NULL "
                                   "AND raw_timestamp IS NOT NULL) FROM conv").fetchone()[0]
            if iso < counts["bad_timestamp"]:
                p.timestamp_format = None
                self.define_source(p)
                counts["bad_timestamp"] = iso
        if counts["bad_timestamp"]:
            from profiling.datasets.sniffing import _guess_timestamp_format

            i, value = self._first_bad("raw_timestamp IS NOT NULL AND timestamp IS NULL", "raw_timestamp")
            sample = self.con.execute("SELECT raw_timestamp FROM conv WHERE raw_timestamp IS NOT NULL LIMIT 5000").df()
            ok = self.con.execute("SELECT raw_timestamp FROM conv WHERE timestamp IS NOT NULL LIMIT 1").fetchone()
            hint = f" (other values look like {ok[0]!r})" if ok else ""
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
            SELECT count(*) AS rows,
                   count(DISTINCT customer_id) AS customers,
                   count(DISTINCT invoice_id) AS invoices,
                   count(DISTINCT item_id) AS items,
                   count(*) FILTER (WHERE customer_id IS NULL) AS lines_without_customer,
                   min(timestamp) AS first, max(timestamp) AS last,
                   count(description) > 0 AS has_description, count(country) > 0 AS has_country,
                   count(*) FILTER (WHERE customer_id IS NOT NULL) AS known,
                   count(*) FILTER (WHERE customer_id IS NOT NULL AND quantity > 0) AS known_positive,
                   count(DISTINCT customer_id) FILTER (WHERE quantity > 0 AND unit_price > 0) AS buyers,
                   min(timestamp) FILTER (WHERE customer_id IS NOT NULL AND quantity > 0 AND unit_price > 0)
                       AS first_purchase
            FROM conv
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

    def _query_one(self, sql: str) -> tuple[list[str], tuple]:
        cur = self.con.execute(sql)
        values = cur.fetchone()
        return [d[0] for d in cur.description], values

    # ---------------------------------------------------------------------------------------
    # cleaning and features
    # ---------------------------------------------------------------------------------------

    def clean(self) -> int:
        """Table ``clean``: the lines the pipeline's cleaning keeps; returns their number."""
        kept, clean = clean_sql("conv", DUCKDB)
        self.con.execute(f"CREATE OR REPLACE TABLE kept AS {kept}")
        self.con.execute(f"CREATE OR REPLACE TABLE clean AS {clean}")
        self.con.execute("DROP TABLE kept")
        return int(self.con.execute("SELECT count(*) FROM clean").fetchone()[0])

    def features(self, cutoff: Any = None, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """:func:`profiling.features.customer_features` of the cleaned lines (same query, same rounding)."""
        first, last = self.con.execute("SELECT min(timestamp), max(timestamp) FROM clean").fetchone()
        if first is None:
            raise ValueError("customer_features: transactions is empty; the cleaning removed every line")
        cut = resolve_cutoff(pd.DataFrame({"timestamp": pd.to_datetime([first, last])}), cutoff, "customer_features")
        hist = self.con.execute(
            "SELECT unit_price, count(*) AS n FROM clean WHERE quantity > 0 AND timestamp < $cut "
            "GROUP BY unit_price ORDER BY unit_price", {"cut": cut.to_pydatetime()}
        ).df()
        low = low_price_from_counts(hist["unit_price"].to_numpy(dtype="float64"), hist["n"].to_numpy(dtype="int64"))
        if countries is None:
            from profiling.cleaning import load_countries

            countries = load_countries()
        self.con.register("ref", countries[["country", "region"]])
        self.con.execute("CREATE OR REPLACE VIEW tx AS SELECT * FROM clean")
        feats = self.con.execute(_features.FEATURES_SQL, {"cut": cut.to_pydatetime(), "low": float(low)}).df()
        return _features.finish_features(feats, cut, low)


def _numeric_prices(p: Plan) -> bool:
    """Whether the price column of the file holds plain numbers (no currency marks)."""
    return "price" not in (p.currency or {}).get("from", "")
