"""The DuckDB engine: a file's lines read, checked, cleaned and aggregated per customer in SQL, out of core.

Nothing here holds the lines in Python. DuckDB scans the CSV or Parquet file, converts and checks
every line as :func:`profiling.datasets.load_transactions` does, applies the cleaning rules of
:func:`profiling.profiles.profile_table` (:func:`profiling.cleaning.default_rules` with
``keep_returns=True``) and runs the query of :func:`profiling.features.customer_features`
(:data:`profiling.features.FEATURES_SQL`, the same text) on the cleaned lines. What comes back is
one row per customer. One pass over the file converts every line and groups the lines into
distinct ones with their number of copies (the table ``lines``, :data:`~profiling.engines._base.LINES_SQL`):
the checks and the summary add up those numbers, the cleaning filters the distinct lines into the
table ``clean``, and ``lines`` is dropped. Both are tables of an in-memory database: with more
data than ``memory_limit`` (by default :func:`memory_limit_for` the file's lines), DuckDB writes
what does not fit to the session's temporary folder (spilling) instead of failing.

Past :data:`BUCKET_LINES` lines the distinct lines no longer fit in memory, and grouping them
spills to disk at length (the 100M-line file of ``benchmarks/scale.py`` wrote over 40 GB). The
engine then works through the customers in buckets (:func:`buckets_for`): one pass writes each
converted line to a Parquet file of its bucket (``lines`` is a view of them, each line counted
once), and each bucket is de-duplicated, cleaned and aggregated alone; what spans customers (the
product codes, the medians, the first and last clean line, the low-price threshold) is computed
over all buckets (:meth:`DuckSession.features`).

The rules, line by line (identical results to the pandas path, tested in ``tests/test_engines.py``):

* **reading**: the head of the file goes through the pandas loader itself (:mod:`._input`); every
  line is then converted in SQL: identifiers stripped, ``13085.0`` read as ``13085``, blanks and
  pandas' missing-value texts (``NA``, ``NULL``, ``nan``...) as missing; quantities and prices as
  numbers; timestamps with the format given or the one pandas infers from the first value (ISO 8601
  when that fails). The first bad value stops the command with the loader's message and row.
* **duplicates**: the grouping of the pass over the file, by the eight canonical columns (one copy kept);
* **missing_customer**, **non_product** (:data:`~profiling.cleaning.NON_PRODUCT_CODES` and
  :data:`~profiling.cleaning.NON_PRODUCT_PATTERNS`), **bad_price**: row filters (a row's fate
  depends on its values only, so filtering before or after ``DISTINCT`` gives the same lines);
* **extreme_quantity**: the median purchase quantity of each item that has a line of at least
  ``min_quantity`` units (no other item can lose a line), from a count per (item, quantity), so
  the median is exact without holding the lines of an item in memory;
* **normalize_description** rewrites descriptions, which no feature reads: not needed.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from profiling import features as _features
from profiling.datasets import COLUMNS
from profiling.engines._base import LINE_COLUMNS, LINE_NAMES, LINES_SQL, LineEngine, low_price_from_counts
from profiling.engines._input import Plan, sql_text
from profiling.engines._sql import DUCKDB, EXTREME_MIN_QUANTITY, clean_sql, convert_sql, products_sql
from profiling.windows import resolve_cutoff

__all__ = ["BUCKET_LINES", "MEMORY_CEILING", "MEMORY_FLOOR", "MEMORY_PER_LINE", "DuckSession", "buckets_for",
           "memory_limit_for"]

#: DuckDB's memory limit when none is given: :data:`MEMORY_PER_LINE` bytes per line of the file
#: (estimated from Parquet's row count or a CSV's size), at least :data:`MEMORY_FLOOR` and at most
#: :data:`MEMORY_CEILING` or half the memory available. The floor keeps the process of
#: ``profiling profiles`` within 1 GB on 5M lines (Python, pandas and the customer level take about
#: 0.4 GB besides); above it the limit grows with the lines, so that the duplicate rule's
#: ``DISTINCT`` and the features' windows do not spill to disk when memory is there (with 1 GB they
#: spilled from 10M lines on, and the features then took nineteen times longer for four times the
#: lines); the ceiling keeps 100M lines within 4 GB. ``benchmarks/scale.py`` measures it.
MEMORY_PER_LINE = 100
MEMORY_FLOOR = 600 * 10**6
MEMORY_CEILING = 3 * 10**9


#: Files of more lines than this are worked through in buckets of customers (``hash(customer_id)``),
#: about this many lines each: one pass writes the converted lines to a Parquet file per bucket,
#: then each bucket is de-duplicated, cleaned and aggregated on its own. Every customer's lines are
#: in one bucket, so the per-customer results are those of the whole file; the few things that
#: span customers (the items' medians, the cutoff, the low-price threshold, the summary) are
#: computed over all buckets. Without buckets, the grouping and the features of a file past
#: memory spill to disk (the 100M-line file wrote over 40 GB of spill files there).
BUCKET_LINES = 8_000_000


def buckets_for(lines: int | None) -> int:
    """How many buckets of customers a file of ``lines`` lines is worked through in (1: all at once).

    >>> buckets_for(5_000_000), buckets_for(20_000_000), buckets_for(None)
    (1, 3, 1)
    """
    return 1 if lines is None else max(1, -(-int(lines) // BUCKET_LINES))


def memory_limit_for(lines: int | None) -> str:
    """DuckDB's memory limit for a file of ``lines`` lines (the rule above), e.g. ``'600MB'``.

    >>> memory_limit_for(5_000_000), memory_limit_for(None)
    ('600MB', '600MB')
    """
    import psutil

    ceiling = min(MEMORY_CEILING, psutil.virtual_memory().available // 2)
    want = MEMORY_FLOOR if lines is None else lines * MEMORY_PER_LINE
    return f"{max(MEMORY_FLOOR, min(want, ceiling)) // 10**6}MB"


@dataclass
class DuckSession(LineEngine):
    """One DuckDB database in a temporary folder (spilling there too), for one file."""

    memory_limit: str | None = None  # None: memory_limit_for(the file's lines), set by load()
    threads: int = 2
    temp_dir: str | Path | None = None
    buckets: int | None = None  # None: buckets_for(the file's lines), set by load()
    folder: Path = field(init=False)
    passes: int = field(default=0, init=False)  # in buckets: 2 when duplicates moved the low-price threshold

    dialect = DUCKDB

    def __post_init__(self) -> None:
        import duckdb

        parent = Path(self.temp_dir) if self.temp_dir is not None else None
        self.folder = Path(tempfile.mkdtemp(prefix="profiling-duckdb-", dir=parent))
        # An in-memory database whose tables and intermediates spill to the folder beyond memory_limit.
        self.con = duckdb.connect(":memory:")
        self.con.execute(f"SET memory_limit = {sql_text(self.memory_limit or memory_limit_for(None))}")
        self.con.execute(f"SET threads = {int(self.threads)}")
        self.con.execute(f"SET temp_directory = {sql_text(str(self.folder / 'spill'))}")
        self.con.execute("SET preserve_insertion_order = false")
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute("SET enable_progress_bar = false")

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---------------------------------------------------------------------------------------
    # reading
    # ---------------------------------------------------------------------------------------

    def load(self, path: str | Path, **options: Any) -> dict[str, Any]:
        from profiling.engines import estimate_lines

        lines = estimate_lines(path) if self.memory_limit is None or self.buckets is None else None
        if self.memory_limit is None:
            self.con.execute(f"SET memory_limit = {sql_text(memory_limit_for(lines))}")
        if self.buckets is None:
            self.buckets = buckets_for(lines)
        if isinstance(self.buckets, bool) or int(self.buckets) < 1:
            raise ValueError(f"buckets must be a whole number >= 1 or None, got {self.buckets!r}")
        return super().load(path, **options)

    def _scan(self, p: Plan) -> str:
        path = sql_text(str(p.read_path))
        if p.kind == "parquet":
            return f"read_parquet({path})"
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(p.header))) + "}"
        return (f"read_csv({path}, delim={sql_text(p.sep)}, quote='\"', escape='\"', header=true, "
                f"columns={columns}, null_padding=true, auto_detect=false)")

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

    def materialize(self) -> None:
        """Relation ``lines``: every line converted once, for the checks and the summary.

        One bucket: the table of distinct lines (:data:`~profiling.engines._base.LINES_SQL`), a table
        of the database that DuckDB keeps within ``memory_limit`` (spilling beyond it); one pass over
        the file converts, checks and de-duplicates. Several: one pass writes the converted lines to
        a Parquet file per bucket of customers, and ``lines`` is a view of them, each line counted
        once (``n = 1``); the de-duplication is done bucket by bucket in :meth:`clean`.
        """
        if int(self.buckets or 1) == 1:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE lines AS {LINES_SQL}")
            return
        parts = self.folder / "parts"
        shutil.rmtree(parts, ignore_errors=True)
        self.con.execute(
            f"COPY (SELECT {LINE_COLUMNS}, hash(customer_id) % {int(self.buckets)} AS bucket FROM conv) "
            f"TO {sql_text(str(parts))} (FORMAT parquet, PARTITION_BY (bucket), COMPRESSION snappy)"
        )
        self.con.execute(f"CREATE OR REPLACE VIEW lines AS SELECT * EXCLUDE (bucket), 1 AS n FROM "
                         f"read_parquet({sql_text(str(parts / '*' / '*.parquet'))}, hive_partitioning = true)")

    def _bucket_files(self, name: str) -> list[Path]:
        """The buckets' folders (``parts``) or files (``kept``) that exist: an empty bucket has none."""
        folder = self.folder / name
        return sorted(folder.glob("bucket=*")) if name == "parts" else sorted(folder.glob("*.parquet"))

    def _frame(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def _query_one(self, sql: str) -> tuple[list[str], tuple]:
        cur = self.con.execute(sql)
        values = cur.fetchone()
        return [d[0] for d in cur.description], values

    # ---------------------------------------------------------------------------------------
    # cleaning and features
    # ---------------------------------------------------------------------------------------

    def clean(self) -> int | None:
        """Relation ``clean``: the lines the pipeline's cleaning keeps; their number.

        One bucket: a table (the distinct lines are freed). Several: the parts of the cleaning that
        span customers only -- the product codes, the medians of the items with a large line (from
        those items' distinct lines) -- and ``None``: :meth:`features` de-duplicates and cleans each
        bucket as it aggregates it, and counts the kept lines (``kept_lines``).
        """
        if int(self.buckets or 1) > 1:
            return self._clean_buckets()
        kept, medians, clean = clean_sql("lines", DUCKDB)
        self.con.execute(f"CREATE OR REPLACE VIEW kept AS {kept}")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE med AS {medians}")  # one row per item with a large line
        # A table, not a view: the features read the clean lines in several places, and a view would
        # filter the distinct lines again for each (measured: slower than writing them once).
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE clean AS {clean}")
        self.con.execute("DROP VIEW kept")
        self.con.execute("DROP TABLE lines")
        self.kept_lines = int(self.con.execute("SELECT count(*) FROM clean").fetchall()[0][0])
        return self.kept_lines

    def _clean_buckets(self) -> None:
        # The product codes, each code tested once (a lookup per line after).
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE products AS {products_sql('lines', DUCKDB)}")
        # The medians of the items with a large line, from those items' distinct kept lines; the
        # scans read two columns, and the usual file has few such items or none.
        _, medians, _ = clean_sql("kept", DUCKDB)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE large AS SELECT DISTINCT item_id FROM lines "
                         f"WHERE abs(quantity) >= {EXTREME_MIN_QUANTITY}")
        columns = ", ".join(LINE_NAMES)
        kept_large = clean_sql(f"(SELECT DISTINCT {columns} FROM lines WHERE item_id IN (SELECT item_id FROM large)) "
                               "AS large_lines", DUCKDB, products="products")[0]
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE kept_large AS {kept_large}")
        self.con.execute("CREATE OR REPLACE VIEW kept AS SELECT * FROM kept_large")
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE med AS {medians}")
        self.con.execute("DROP VIEW kept")
        self.con.execute("DROP TABLE kept_large")
        return None

    def _bucket_clean(self, part: Path | None) -> str:
        """SQL: the clean lines of one bucket (its lines de-duplicated), or of every copy of every line (``None``)."""
        columns = ", ".join(LINE_NAMES)
        if part is None:
            source = "lines"
        else:
            source = (f"(SELECT DISTINCT {columns} FROM read_parquet({sql_text(str(part / '*.parquet'))}, "
                      "hive_partitioning = false)) AS distinct_lines")
        kept = clean_sql(source, DUCKDB, products="products")[0]
        clean = clean_sql("kept", DUCKDB)[2]
        return f"WITH kept AS ({kept}) {clean}"

    def _bucket_files(self) -> list[Path]:
        """The buckets' folders that exist (a bucket without lines has none)."""
        return sorted((self.folder / "parts").glob("bucket=*"))

    def _low_price(self, relation: str, cut: pd.Timestamp) -> tuple[float, pd.DataFrame]:
        hist = self.con.execute(
            f"SELECT unit_price, count(*) AS n FROM {relation} WHERE quantity > 0 AND timestamp < $cut "
            "GROUP BY unit_price ORDER BY unit_price", {"cut": cut.to_pydatetime()}
        ).df()
        low = low_price_from_counts(hist["unit_price"].to_numpy(dtype="float64"), hist["n"].to_numpy(dtype="int64"))
        return low, hist

    def features(self, cutoff: Any = None, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """:func:`profiling.features.customer_features` of the cleaned lines (same query, same rounding).

        In buckets: the first and last clean line and a first low-price threshold come from every
        copy of the lines (one scan); each bucket is then de-duplicated, cleaned and aggregated
        with that threshold, and its price counts kept. The counts of all buckets give the
        threshold of the distinct lines; in the rare file where duplicates move it, the buckets
        are aggregated again with it, so the table is always that of the distinct lines.
        """
        if countries is None:
            from profiling.cleaning import load_countries

            countries = load_countries()
        self.con.register("ref", countries[["country", "region"]])
        bucketed = int(self.buckets or 1) > 1
        everything = f"({self._bucket_clean(None)}) AS every_copy" if bucketed else "clean"
        # one scan: the first and last clean line and the price counts of the purchases (all before
        # the default cutoff, the day after the last line; a cutoff given needs a second scan)
        hist = self.con.execute(
            f"SELECT unit_price, count(*) FILTER (WHERE quantity > 0) AS n, min(timestamp) AS first, "
            f"max(timestamp) AS last FROM {everything} GROUP BY unit_price ORDER BY unit_price"
        ).df()
        if hist.empty:
            raise ValueError("customer_features: transactions is empty; the cleaning removed every line")
        span = pd.DataFrame({"timestamp": pd.to_datetime([hist["first"].min(), hist["last"].max()])})
        cut = resolve_cutoff(span, cutoff, "customer_features")
        if cutoff is None:
            hist = hist[hist["n"] > 0]
            low = low_price_from_counts(hist["unit_price"].to_numpy(dtype="float64"), hist["n"].to_numpy(dtype="int64"))
        else:
            low, _ = self._low_price(everything, cut)
        if not bucketed:
            self.con.execute("CREATE OR REPLACE VIEW tx AS SELECT * FROM clean")
            feats = self.con.execute(_features.FEATURES_SQL, {"cut": cut.to_pydatetime(), "low": float(low)}).df()
            return _features.finish_features(feats, cut, low)
        # every customer's lines are in one bucket: the features of each bucket are final
        parts, hists, kept = self._aggregate_buckets(cut, low)
        hist = pd.concat(hists).groupby("unit_price", sort=True)["n"].sum()
        exact = low_price_from_counts(hist.index.to_numpy(dtype="float64"), hist.to_numpy(dtype="int64"))
        self.passes = 1
        if exact != low:
            parts, _, _ = self._aggregate_buckets(cut, exact)
            self.passes = 2
        self.kept_lines = kept
        feats = pd.concat(parts, ignore_index=True).sort_values("customer_id", kind="stable").reset_index(drop=True)
        return _features.finish_features(feats, cut, exact)

    def _aggregate_buckets(self, cut: pd.Timestamp, low: float) -> tuple[list[pd.DataFrame], list[pd.DataFrame], int]:
        """Each bucket's features (with ``low``), price counts and number of clean lines."""
        parts, hists, kept = [], [], 0
        for part in self._bucket_files():
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE tx AS {self._bucket_clean(part)}")
            parts.append(self.con.execute(_features.FEATURES_SQL, {"cut": cut.to_pydatetime(), "low": float(low)}).df())
            hists.append(self._low_price("tx", cut)[1])
            kept += int(self.con.execute("SELECT count(*) FROM tx").fetchall()[0][0])
            self.con.execute("DROP TABLE tx")
        return parts, hists, kept
