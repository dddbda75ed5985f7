"""The SQL the engines share: reading and checking lines, the cleaning, the features in Spark's dialect.

One text per step, written once; :class:`Dialect` holds the few functions DuckDB and Spark spell
differently. The features are :data:`profiling.features.FEATURES_SQL` itself, for DuckDB as it
is and for Spark through :func:`spark_features_sql` (a fixed list of rewrites, each checked to
apply, so that an edit of the query that the rewrite does not know fails loudly instead of giving
Spark another query).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Callable

import pandas as pd

from profiling.cleaning import NON_PRODUCT_CODES, NON_PRODUCT_PATTERNS, default_rules
from profiling.datasets import COLUMNS
from profiling.engines._input import NUMBER_PATTERN, WHITESPACE, Plan, sql_text, text_na_values

__all__ = ["DUCKDB", "SPARK", "Dialect", "clean_sql", "convert_sql", "products_sql", "spark_features_sql",
           "strftime_to_java"]

_ID_COLUMNS = ("customer_id", "invoice_id", "item_id")
_NUMERIC = ("TINYINT", "SMALLINT", "INT", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "FLOAT",
            "DOUBLE", "DECIMAL", "LONG", "SHORT", "BYTE", "REAL")
_FLOATING = ("FLOAT", "DOUBLE", "DECIMAL", "REAL")


@dataclass(frozen=True)
class Dialect:
    """What DuckDB and Spark SQL spell differently."""

    name: str
    text: str                      # the string type
    last_char: Callable[[str], str]
    bytes_len: str                 # function: length in bytes
    lead_trim: Callable[[str], str]  # remove leading blanks (' ')
    replace_all: Callable[[str, str, str], str]
    full_match: Callable[[str, str], str]
    backref: str                   # how a replacement names group 1
    try_cast: str
    strptime: Callable[[str, str], str]
    int_div: str
    lit: Callable[[str], str]       # a string literal (Spark reads backslashes in literals as escapes)


DUCKDB = Dialect(
    name="duckdb", text="VARCHAR", last_char=lambda x: f"{x}[-1]", bytes_len="strlen",
    lead_trim=lambda x: f"ltrim({x}, ' ')",
    replace_all=lambda x, p, r: f"regexp_replace({x}, {sql_text(p)}, {sql_text(r)}, 'g')",
    full_match=lambda x, p: f"regexp_full_match({x}, {sql_text(p)})", backref="\\1", try_cast="TRY_CAST",
    strptime=lambda x, f: f"CAST(try_strptime({x}, {sql_text(f)}) AS TIMESTAMP)", int_div="//", lit=sql_text,
)


def _spark_text(value: str) -> str:
    return sql_text(value.replace("\\", "\\\\"))



SPARK = Dialect(
    name="spark", text="STRING", last_char=lambda x: f"substring({x}, -1)", bytes_len="octet_length",
    lead_trim=lambda x: f"TRIM(LEADING ' ' FROM {x})",
    replace_all=lambda x, p, r: f"regexp_replace({x}, {_spark_text(p)}, {_spark_text(r)})",
    full_match=lambda x, p: f"({x} RLIKE {_spark_text('^(?:' + p + ')$')})", backref="$1", try_cast="try_cast",
    strptime=lambda x, f: f"try_to_timestamp({x}, {_spark_text(strftime_to_java(f))})", int_div="div",
    lit=_spark_text,
)

_JAVA = {"%Y": "yyyy", "%m": "M", "%d": "d", "%H": "H", "%M": "m", "%S": "s", "%f": "SSSSSS", "%y": "yy",
         "%I": "h", "%p": "a", "%b": "MMM", "%B": "MMMM", "%%": "%"}


def strftime_to_java(fmt: str) -> str:
    """A ``strftime`` format as a Java ``DateTimeFormatter`` pattern (Spark); literal text quoted.

    Single pattern letters read one or two digits, as Python's ``strptime`` does.

    >>> strftime_to_java("%d/%m/%Y %H:%M")
    'd/M/yyyy H:m'
    """
    out, i = [], 0
    while i < len(fmt):
        code = fmt[i:i + 2]
        if code in _JAVA:
            out.append(_JAVA[code])
            i += 2
        elif fmt[i] == "%":
            raise ValueError(f"the Spark engine cannot read timestamps with the format code {code!r} ({fmt!r})")
        elif fmt[i].isalpha() or fmt[i] == "'":
            out.append("''" if fmt[i] == "'" else f"'{fmt[i]}'")
            i += 1
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


def _strip(x: str, d: Dialect) -> str:
    """Python's ``str.strip()`` of ``x``: a cheap test first, the regular expression only where it may change something."""
    ws = "[" + "".join("\\x{%x}" % ord(c) for c in WHITESPACE) + "]"
    return (f"(CASE WHEN {x} < '!' OR {d.last_char(x)} < '!' OR length({x}) <> {d.bytes_len}({x}) "
            f"THEN {d.replace_all(x, f'^{ws}+|{ws}+$', '')} ELSE {x} END)")


def convert_sql(p: Plan, scan: str, types: dict[str, str], integral: Callable[[str], bool], d: Dialect) -> str:
    """SELECT of the lines of ``scan`` converted as :func:`profiling.datasets.load_transactions` does.

    Columns: the eight canonical ones, and for the checks ``raw_<column>`` (the text as read),
    ``num_quantity`` / ``num_unit_price`` (the numbers before the whole-unit check) and
    ``bad_quantity`` / ``bad_unit_price`` (text that is not a number). ``scan`` names the file's
    columns ``c0, c1, ...`` (CSV, every value text) or by their names (Parquet, typed:
    ``types``); ``integral(column)`` says whether a float column holds whole numbers only.

    Three layers, so that each value is converted once: the text as pandas reads it (CSV: leading
    blanks skipped, pandas' missing-value texts such as ``NA`` missing), stripped, converted.
    """
    na = ", ".join(d.lit(v) for v in text_na_values())
    longest_na = max(len(v) for v in text_na_values())
    layer1, layer2, final, extra = [], [], [], []
    time_expr = None
    for c in COLUMNS:
        if p.source[c] is None:
            final.append(f"CAST(NULL AS {d.text}) AS {c}")
            continue
        if p.kind == "csv":
            r, typ = f"c{p.position(c)}", "TEXT"
        else:
            r, typ = "`" + p.source[c].replace("`", "``") + "`" if d is SPARK else \
                '"' + p.source[c].replace('"', '""') + '"', types[c].upper()
        numeric = typ.startswith(_NUMERIC)
        floating = typ.startswith(_FLOATING)
        typed_time = typ.startswith(("TIMESTAMP", "DATE"))
        t = f"t_{c}"
        if p.kind == "csv":
            lead = f"(CASE WHEN {r} LIKE ' %' THEN {d.lead_trim(r)} ELSE {r} END)"
            layer1.append(f"(CASE WHEN {d.bytes_len}({lead}) <= {longest_na} AND {lead} IN ({na}) THEN NULL "
                          f"ELSE {lead} END) AS {t}")
        elif numeric or typed_time:
            layer1.append(f"{r} AS {t}")
        else:
            layer1.append(f"CAST({r} AS {d.text}) AS {t}")
        if c in _ID_COLUMNS:
            layer2.append(t)
            extra.append(f"{t} AS raw_{c}")
            if floating:
                layer2.append(f"CAST(CAST({t} AS BIGINT) AS {d.text}) AS s_{c}" if integral(r) else
                              f"CAST({t} AS {d.text}) AS s_{c}")
                final.append(f"s_{c} AS {c}")
            elif numeric:
                layer2.append(f"CAST({t} AS {d.text}) AS s_{c}")
                final.append(f"s_{c} AS {c}")
            else:
                layer2.append(f"{_strip(t, d)} AS s_{c}")
                dotzero = d.replace_all(f"s_{c}", r"^(-?\d+)\.0+$", d.backref)
                final.append(f"nullif(CASE WHEN s_{c} LIKE '%.%0' THEN {dotzero} ELSE s_{c} END, '') AS {c}")
        elif c in ("description", "country"):
            layer2.append(t)
            final.append(f"{t} AS {c}")
        elif c in ("quantity", "unit_price"):
            if numeric:
                layer2.append(f"CAST({t} AS DOUBLE) AS num_{c}")
                layer2.append(f"CAST({t} AS {d.text}) AS raw_{c}")
                extra.append(f"false AS bad_{c}")
            else:
                s = _strip(t, d)
                layer2.append(f"{s} AS raw_{c}")
                layer2.append(f"(CASE WHEN {d.full_match(s, NUMBER_PATTERN)} THEN {d.try_cast}({s} AS DOUBLE) END) "
                              f"AS num_{c}")
                extra.append(f"(raw_{c} IS NOT NULL AND raw_{c} <> '' AND num_{c} IS NULL) AS bad_{c}")
            if c == "quantity":
                final.append("CAST(CASE WHEN num_quantity = round(num_quantity) THEN num_quantity END AS BIGINT) "
                             "AS quantity")
            else:
                final.append("num_unit_price AS unit_price")
            extra.extend([f"raw_{c}", f"num_{c}"])
        else:  # timestamp
            if typed_time:
                layer2.append(f"CAST({t} AS TIMESTAMP) AS ts")
                layer2.append(f"CAST({t} AS {d.text}) AS raw_timestamp")
                time_expr = "ts"
            else:
                layer2.append(f"nullif({_strip(t, d)}, '') AS raw_timestamp")
                time_expr = (f"{d.try_cast}(raw_timestamp AS TIMESTAMP)" if p.timestamp_format is None else
                             d.strptime("raw_timestamp", p.timestamp_format))
            final.append(f"{time_expr} AS timestamp")
            extra.append("raw_timestamp")
    return (f"SELECT {', '.join(final + extra)} FROM (SELECT {', '.join(layer2)} FROM "
            f"(SELECT {', '.join(layer1)} FROM {scan} AS scan_) AS layer1_) AS layer2_")


def _non_product(code: str, d: Dialect) -> str:
    """SQL: the item code is not a product, as :func:`profiling.cleaning.is_non_product`.

    The codes were stripped when read (as the loader strips identifiers), so only upper-casing is left.
    """
    codes = ", ".join(d.lit(c) for c in sorted(NON_PRODUCT_CODES))
    pattern = "|".join(f"(?:{p.rstrip('$')})" for p in NON_PRODUCT_PATTERNS)
    upper = f"upper({code})"
    return f"({upper} IN ({codes}) OR {d.full_match(upper, pattern)})"


#: The extreme-quantity rule's knobs: the defaults of :func:`profiling.cleaning.default_rules`.
EXTREME_FACTOR: float = inspect.signature(default_rules).parameters["extreme_factor"].default
EXTREME_MIN_QUANTITY: int = inspect.signature(default_rules).parameters["extreme_min_quantity"].default


def clean_sql(source: str, d: Dialect, extreme_factor: float = EXTREME_FACTOR,
              extreme_min_quantity: int = EXTREME_MIN_QUANTITY, products: str | None = None) -> tuple[str, str, str]:
    """The cleaning of :func:`profiling.profiles.profile_table` in three statements: kept lines, medians, clean lines.

    ``kept`` selects from ``source``, the distinct lines of :data:`~profiling.engines._base.LINES_SQL`
    (one row per distinct line: the ``duplicates`` rule is already applied), those that have a
    customer (``missing_customer``), are a product (``non_product``) and have a positive price
    (``bad_price``) -- each a test on the row's own values, so filtering before or after
    de-duplicating keeps the same lines. ``medians`` selects from a relation named ``kept`` the
    median purchase quantity ``m`` of each item that has a line of ``|quantity| >=
    extreme_min_quantity`` (only those items can lose a line), each exact, from a count per (item,
    quantity) -- no item's lines held in memory, and for the usual file (few or no lines that
    large) next to no work. ``clean`` selects from ``kept`` and those medians (a relation named
    ``med``) and drops the ``extreme_quantity`` lines (:func:`profiling.cleaning.extreme_quantity_mask`):
    at least ``extreme_min_quantity`` units and more than ``extreme_factor`` times the item's median.

    ``products``: a relation of the file's product codes (column ``item_id``, from
    :func:`products_sql`); the ``non_product`` rule is then a lookup in it instead of the pattern
    test on every line.
    """
    cols = ", ".join(COLUMNS)
    product = (f"NOT {_non_product('item_id', d)}" if products is None else
               f"item_id IN (SELECT item_id FROM {products})")
    kept = f"SELECT {cols} FROM {source} WHERE customer_id IS NOT NULL AND {product} AND unit_price > 0"
    div = d.int_div
    big = int(extreme_min_quantity)
    medians = f"""
        WITH large AS (
            SELECT DISTINCT item_id FROM kept WHERE abs(quantity) >= {big}
        ),
        qc AS (
            SELECT k.item_id, k.quantity AS q, count(*) AS n
            FROM kept k JOIN large ON k.item_id = large.item_id
            WHERE k.quantity > 0 GROUP BY k.item_id, k.quantity
        ),
        cum AS (
            SELECT item_id, q,
                   sum(n) OVER (PARTITION BY item_id ORDER BY q ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS upto,
                   sum(n) OVER (PARTITION BY item_id) AS total
            FROM qc
        )
        SELECT item_id,
               (CAST(min(q) FILTER (WHERE upto >= (total + 1) {div} 2) AS DOUBLE)
                + CAST(min(q) FILTER (WHERE upto >= total {div} 2 + 1) AS DOUBLE)) / CAST(2 AS DOUBLE) AS m
        FROM cum GROUP BY item_id
    """
    clean = f"""
        SELECT {", ".join("k." + c for c in COLUMNS)}
        FROM kept k LEFT JOIN med ON k.item_id = med.item_id
        WHERE NOT coalesce(abs(k.quantity) >= {big}
                           AND CAST(abs(k.quantity) AS DOUBLE) > CAST({float(extreme_factor)!r} AS DOUBLE) * med.m, false)
    """
    return kept, medians, clean


def products_sql(source: str, d: Dialect) -> str:
    """The distinct item codes of ``source`` that are products (the ``non_product`` rule once per code)."""
    return (f"SELECT item_id FROM (SELECT DISTINCT item_id FROM {source} WHERE item_id IS NOT NULL) AS codes "
            f"WHERE NOT {_non_product('item_id', d)}")


def _timestamp_literal(ts: pd.Timestamp) -> str:
    return f"TIMESTAMP'{ts.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def spark_features_sql(sql: str, cut: pd.Timestamp, low: float) -> str:
    """:data:`profiling.features.FEATURES_SQL` in Spark SQL: the same query, DuckDB's few functions respelled.

    Durations: DuckDB's ``epoch(a - b)`` (seconds as a double) is ``(unix_micros(a) - unix_micros(b)) /
    1e6``; weekdays: DuckDB numbers Sunday 0 and Saturday 6, Spark 1 and 7; the median is
    ``percentile`` (exact, interpolated as ``quantile_cont``); decimal literals become doubles (Spark
    would average decimals in decimal arithmetic); parameters become literals.
    """
    rewrites = [
        ("epoch(ts - lag(ts) OVER (PARTITION BY customer_id ORDER BY ts, invoice_id)) / 86400.0",
         "(unix_micros(ts) - unix_micros(lag(ts) OVER (PARTITION BY customer_id ORDER BY ts, invoice_id)))"
         " / 1000000.0D / 86400.0D"),
        ("epoch($cut - max(ts)) / 86400.0", "(unix_micros($cut) - unix_micros(max(ts))) / 1000000.0D / 86400.0D"),
        ("epoch($cut - min(ts)) / 86400.0", "(unix_micros($cut) - unix_micros(min(ts))) / 1000000.0D / 86400.0D"),
        ("epoch($cut - ts) / 86400.0", "(unix_micros($cut) - unix_micros(ts)) / 1000000.0D / 86400.0D"),
        ("dayofweek(ts) IN (0, 6) THEN 1.0 ELSE 0.0", "dayofweek(ts) IN (1, 7) THEN 1.0D ELSE 0.0D"),
        ("quantile_cont(hour(ts), 0.5)", "percentile(hour(ts), 0.5)"),
        ("least(coalesce(r.returned, 0) / b.bought, 1.0)", "least(coalesce(r.returned, 0) / b.bought, 1.0D)"),
    ]
    for old, new in rewrites:
        if old not in sql:
            raise RuntimeError(f"spark_features_sql: {old!r} is no longer in FEATURES_SQL; update the Spark rewrite")
        sql = sql.replace(old, new)
    sql = re.sub(r"INTERVAL (\d+) DAY\b", r"INTERVAL \1 DAYS", sql)
    sql = sql.replace("$cut", _timestamp_literal(cut)).replace("$low", f"{float(low)!r}D")
    if "$" in sql or "epoch(" in sql:
        raise RuntimeError("spark_features_sql: FEATURES_SQL holds DuckDB syntax the Spark rewrite does not know")
    return sql
