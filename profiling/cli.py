"""The ``profiling`` command line: the course's profile table and report, run on your own data.

Analysts do not edit notebooks. They point the course at their transactions and get results back::

    profiling columns  orders.csv                                   # their columns + a suggested mapping
    profiling profiles --data orders.csv --columns map.yml --out profiles.parquet
    profiling report   --data orders.csv --columns map.yml --chapters 03,04,06 --out report/

Subcommands
-----------
``columns FILE``
    Prints the file's columns (with example values) and a suggested mapping onto the canonical
    schema (:data:`profiling.datasets.COLUMNS`), found by matching names such as "Customer ID",
    "user", "InvoiceDate". The output is valid YAML (the notes are comments), so
    ``profiling columns orders.csv > map.yml`` gives a mapping file to check and pass to ``--columns``.
``profiles``
    Loads and validates the file, cleans it and builds the profile table exactly as chapter 06
    does (:func:`build_profile_table`), and writes it (Parquet, or CSV if ``--out`` ends in .csv).
``report``
    Validates the data first, writes a canonical copy, then runs the chosen chapter notebooks with
    papermill (the data and the parameters injected), and writes the executed notebooks, an HTML
    rendering of each, the profile table and an ``index.html`` summary (:func:`run_report`).

Chapters on other data
----------------------
* Each chapter gets ``data_path`` = the validated canonical copy (``transactions.parquet`` in the
  report folder), chapter 06 also ``output_path`` = the report's ``profiles.parquet``.
* Parameters whose default is a date of the shipped data (2009-12-01 to 2010-12-09) are moved by
  the number of days between the end of the shipped data and the end of the user's data, so they
  keep their distance to the end of the data (:func:`_chapter_params`); ``--cutoff`` sets the
  profile-date parameters; ``--param name=value`` sets anything and wins.
* A chapter is skipped, with a note in ``index.html``, when it needs a column the data lack
  (:data:`CHAPTER_NEEDS`, or ``{"profiling": {"needs": [...]}}`` in the notebook's metadata) or
  when its moved dates fall before the data begin.

Safety
------
* The input file is only read. The data are validated (:func:`profiling.datasets.load_transactions`)
  before any notebook runs.
* Output is built next to ``--out`` in a hidden temporary file or folder and moved into place only
  when complete; a failed or interrupted run removes it. An existing ``--out`` is never replaced
  unless ``--force`` is given, and never when it is (or contains) the input file.
* Exit codes: 0 success; 1 the data cannot be used (message names file, column, problem, fix);
  2 wrong options (bad mapping syntax, unknown chapter or parameter, ``--out`` exists, ...);
  3 a chapter failed (message names the chapter and the cell); 130 interrupted.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import difflib
import hashlib
import html
import json
import logging
import os
import platform
import re
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from profiling import __version__, datasets
from profiling.datasets import COLUMNS, REQUIRED, DataError

__all__ = [
    "CliError",
    "CHAPTER_DEFAULTS",
    "CHAPTER_NEEDS",
    "DEFAULT_CHAPTERS",
    "parse_columns",
    "parse_param",
    "suggest_columns",
    "build_profile_table",
    "discover_chapters",
    "run_report",
    "main",
]

EXIT_DATA, EXIT_USAGE, EXIT_CHAPTER, EXIT_INTERRUPTED = 1, 2, 3, 130

#: Optional canonical columns each chapter needs (a chapter whose column the data lack is skipped,
#: with a note). A notebook may also declare them itself in its metadata:
#: ``{"profiling": {"needs": ["description"]}}``.
CHAPTER_NEEDS: dict[str, tuple[str, ...]] = {
    "01": ("description",),
    "02": ("description", "country"),
    "05": ("description",),
    "08": ("description",),  # an item is a product description (as in chapter 05)
    "11": ("description",),  # 11.6 compares the recommenders of chapter 08 and the text models of chapter 05
}

#: Chapters ``profiling report`` runs when ``--chapters`` is not given: those checked to run on data
#: other than the shipped set (synthetic shops with other names, date format and ids: two years of
#: 600 customers, one year of 3,000; chapters 08-11 also without countries). Chapter 01 runs with
#: ``--chapters``: it shows fixed example products of the shipped shop (pass ``--param query_items=[...]``).
DEFAULT_CHAPTERS: tuple[str, ...] = ("02", "03", "04", "05", "06", "07", "08", "09", "10", "11")

#: The parameters chapter 06 builds the profile table with; :func:`build_profile_table` uses the
#: same defaults so that ``profiling profiles`` and the chapter give the same table.
CHAPTER_DEFAULTS: dict[str, Any] = {
    "random_state": 42,
    "k": None,
    "k_candidates": [2, 3, 4, 5, 6, 7, 8],
    "keep_returns": True,
    "sample_customers": None,
}

#: Parameters the command sets itself; ``--param`` may not override them.
_RESERVED = {"data_path": "--data", "data_columns": "--columns", "output_path": "--out"}

#: The shipped Online Retail II: first day, and the day after its last transaction (2010-12-09 20:01).
#: A chapter parameter whose default is a date in (or within a month of) this period is a date *of
#: the shipped data*; on other data it is moved by :func:`_date_shift` days.
SHIPPED_FIRST, SHIPPED_END = pd.Timestamp("2009-12-01"), pd.Timestamp("2010-12-10")

#: Date parameters that are the profile date, set by ``--cutoff`` when it is given.
_PROFILE_DATE_PARAMS = ("cutoff", "profile_cutoff")


class CliError(Exception):
    """An error the user can fix; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


# --------------------------------------------------------------------------------------------
# Progress
# --------------------------------------------------------------------------------------------


class _Progress:
    """Progress lines on stderr, prefixed with the elapsed time; silent when ``quiet``."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{self.elapsed():7.1f} s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Column mappings and parameters
# --------------------------------------------------------------------------------------------

_PAIR = re.compile(r"""\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("[^"]*"|'[^']*'|[^,]*?)\s*(,|$)""")


def parse_columns(values: Sequence[str] | str | None) -> dict[str, str]:
    """A column mapping (canonical name -> your column) from ``--columns`` values.

    Each value is either the path of a YAML or JSON file holding the mapping (for example the
    output of ``profiling columns FILE``), or comma-separated pairs
    ``customer_id="Customer ID",timestamp=InvoiceDate`` (quote names that hold commas). Several
    values are merged, later ones winning.

    Raises
    ------
    CliError
        Unreadable file, not a mapping, or a pair without ``=``.

    Example
    -------
    >>> parse_columns(['customer_id="Customer ID",timestamp=InvoiceDate'])
    {'customer_id': 'Customer ID', 'timestamp': 'InvoiceDate'}
    """
    if values is None:
        return {}
    if isinstance(values, str):
        values = [values]
    mapping: dict[str, str] = {}
    for value in values:
        path = Path(value)
        if path.suffix.lower() in {".yml", ".yaml", ".json"} or (path.is_file() and "=" not in value):
            mapping.update(_mapping_file(path))
            continue
        pos = 0
        text = value.strip()
        while pos < len(text):
            match = _PAIR.match(text, pos)
            if not match or match.end() == pos:
                raise CliError(
                    f"--columns: cannot read {text[pos:]!r} in {value!r}. Write canonical=yours pairs separated by "
                    'commas, e.g. --columns customer_id="Customer ID",timestamp=InvoiceDate, or pass a YAML/JSON file.'
                )
            key, theirs = match.group(1), match.group(2)
            if len(theirs) >= 2 and theirs[0] == theirs[-1] and theirs[0] in "\"'":
                theirs = theirs[1:-1]
            if not theirs:
                raise CliError(f"--columns: {key!r} has an empty column name in {value!r}.")
            mapping[key] = theirs
            pos = match.end()
    return mapping


def _mapping_file(path: Path) -> dict[str, str]:
    import yaml

    if not path.is_file():
        raise CliError(f"--columns: mapping file {path} not found. Create it with: profiling columns YOUR_FILE > {path.name}")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise CliError(f"--columns: {path} is not valid YAML/JSON ({type(err).__name__}: {err}).") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("columns"), dict):
        loaded = loaded["columns"]
    if not isinstance(loaded, dict) or not loaded:
        raise CliError(
            f"--columns: {path} must hold a mapping canonical name -> your column, e.g.\n"
            "customer_id: Customer ID\ntimestamp: InvoiceDate"
        )
    bad = {k: v for k, v in loaded.items() if not isinstance(k, str) or not isinstance(v, (str, int, float)) or isinstance(v, bool)}
    if bad:
        raise CliError(f"--columns: in {path}, each entry must be 'canonical_name: your column name'; these are not: {bad}")
    return {k: str(v) for k, v in loaded.items()}


def parse_param(text: str) -> tuple[str, Any]:
    """One ``--param name=value``: the value is read as YAML (numbers, true/false, null/None,
    lists like ``[2, 3, 4]``), dates stay text.

    Example
    -------
    >>> parse_param("sample_customers=500"), parse_param("cutoff=2011-06-01")
    (('sample_customers', 500), ('cutoff', '2011-06-01'))
    """
    import yaml

    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise CliError(f"--param {text!r}: write name=value, e.g. --param sample_customers=500")
    raw = raw.strip()
    if raw in {"None", "none"}:
        return name, None
    try:
        value = yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = raw
    if isinstance(value, dict):
        raise CliError(f"--param {text!r}: mappings are not supported as parameter values.")
    return name, value


# --------------------------------------------------------------------------------------------
# Suggested mapping
# --------------------------------------------------------------------------------------------

#: Names (normalized: lower case, words) under which files commonly hold each canonical column.
SYNONYMS: dict[str, list[str]] = {
    "customer_id": ["customer id", "customer", "customer no", "customer number", "customer code", "cust id",
                    "client id", "client", "user", "user id", "member id", "member", "buyer id", "buyer",
                    "account id", "account", "shopper id", "shopper", "contact id"],
    "invoice_id": ["invoice", "invoice id", "invoice no", "invoice number", "order", "order id", "order no",
                   "order number", "order ref", "transaction id", "transaction", "receipt id", "receipt",
                   "basket id", "bill no", "document no"],
    "item_id": ["stock code", "stockcode", "item", "item id", "item code", "sku", "product id", "product code",
                "product", "article", "article id", "article no", "asin", "ean", "upc", "barcode"],
    "description": ["description", "item description", "product description", "product name", "item name",
                    "title", "name", "product title", "article name"],
    "quantity": ["quantity", "qty", "units", "unit count", "pieces", "pcs", "count", "quantity ordered"],
    "unit_price": ["price", "unit price", "price per unit", "unit cost", "item price", "sale price", "price each",
                   "selling price"],
    "timestamp": ["timestamp", "invoice date", "date", "datetime", "date time", "time", "order date",
                  "order time", "order datetime", "purchase date", "transaction date", "created at", "paid at",
                  "event time", "sale date"],
    "country": ["country", "country code", "country name", "nation", "market", "ship country",
                "shipping country", "billing country"],
}
_TOTAL_WORDS = {"amount", "total", "revenue", "sales", "value", "line total", "subtotal", "turnover"}


def _words(name: str) -> str:
    """'InvoiceDate' -> 'invoice date', 'Customer_ID' -> 'customer id', 'qty.' -> 'qty'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", str(name))
    return " ".join(re.sub(r"[^0-9a-zA-Z]+", " ", spaced).lower().split())


def _match_score(canonical: str, column: str) -> float:
    words = _words(column)
    compact = words.replace(" ", "")
    tokens = set(words.split())
    best = 0.0
    for synonym in [canonical.replace("_", " "), *SYNONYMS.get(canonical, [])]:
        syn_compact = synonym.replace(" ", "")
        if compact == syn_compact:
            return 1.0
        if set(synonym.split()) <= tokens:
            best = max(best, 0.9 - 0.05 * (len(tokens) - len(synonym.split())))
        best = max(best, difflib.SequenceMatcher(None, compact, syn_compact).ratio() * 0.95)
    return best


def suggest_columns(header: Sequence[str], threshold: float = 0.75) -> dict[str, str]:
    """A suggested mapping canonical name -> file column, from the column names alone.

    Every (canonical, column) pair is scored: 1.0 when the normalized name equals the canonical
    name or a known synonym (:data:`SYNONYMS`; "InvoiceDate" and "invoice_date" are both
    "invoice date"), about 0.9 when the column's words contain a synonym ("Customer ID (hashed)"),
    else the string similarity. Pairs are assigned best first, each column at most once, and only
    above ``threshold``. Check the result: names can mislead.

    Example
    -------
    >>> suggest_columns(["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"])["timestamp"]
    'InvoiceDate'
    """
    scored = []
    for c in COLUMNS:
        for position, column in enumerate(header):
            score = _match_score(c, column)
            if score >= threshold:
                scored.append((-score, COLUMNS.index(c), position, c, column))
    scored.sort()
    mapping: dict[str, str] = {}
    used: set[int] = set()
    for _, _, position, c, column in scored:
        if c in mapping or position in used:
            continue
        mapping[c] = column
        used.add(position)
    return {c: mapping[c] for c in COLUMNS if c in mapping}


def _peek(path: Path, encoding: str | None, sep: str, sheet: str | int, n: int = 5) -> tuple[list[str], pd.DataFrame, str]:
    """The header and the first rows of a file, as text; errors name the file and the fix."""
    if not path.exists():
        raise DataError(f"{path}: file not found (looked in {path.resolve().parent}). Check the path and the file name.")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file. Pass the path of one .csv, .parquet or .xlsx file.")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes). Export the table again, with a header row and data rows.")
    suffix = path.suffix.lower()
    try:
        if suffix in {".csv", ".txt", ".tsv"}:
            enc = encoding or "utf-8-sig"
            with path.open("rb") as handle:
                datasets._sniff_binary(path, handle.read(8192), encoding)
            rows = pd.read_csv(path, nrows=n, dtype=str, encoding=enc, sep=sep, keep_default_na=False)
            return [str(c) for c in rows.columns], rows, f"CSV ({enc}, sep={sep!r})"
        if suffix in {".parquet", ".pq"}:
            import pyarrow.parquet as pq

            handle = pq.ParquetFile(path)
            header = [h for h in handle.schema_arrow.names if not h.startswith("__index_level_")]
            rows = handle.read_row_group(0).slice(0, n).to_pandas() if handle.num_row_groups else pd.DataFrame(columns=header)
            return header, rows.astype(str), "Parquet"
        if suffix in {".xlsx", ".xlsm"}:
            rows = pd.read_excel(path, sheet_name=sheet, nrows=n, dtype=str, engine="openpyxl")
            return [str(c) for c in rows.columns], rows, f"Excel (sheet {sheet!r})"
    except DataError:
        raise
    except UnicodeDecodeError:
        raise DataError(
            f"{path}: the text is not valid {(encoding or 'UTF-8').upper()}. Pass the file's encoding: "
            "--encoding latin-1 (or cp1252) for Western European Excel exports, --encoding gbk for Chinese ones."
        ) from None
    except Exception as err:  # parser errors of pandas / pyarrow / openpyxl
        raise DataError(f"{path}: cannot read the file as a table ({type(err).__name__}: {err}). Export it as CSV, Parquet or .xlsx.") from None
    raise DataError(f"{path}: unsupported file type {suffix or '(no suffix)'!r}. Use .csv, .parquet or .xlsx (the suffix decides how the file is read).")


def columns_text(path: Path, encoding: str | None = None, sep: str = ",", sheet: str | int = 0) -> str:
    """What ``profiling columns FILE`` prints: the columns as YAML comments, then the suggested mapping."""
    import yaml

    header, rows, kind = _peek(path, encoding, sep, sheet)
    mapping = suggest_columns(header)
    mapped = {v: k for k, v in mapping.items()}
    width = max([len(repr(h)) for h in header] + [8])
    lines = [f"# {path.name}: {len(header)} column(s), read as {kind}", "#",
             f"#   {'column':<{width}}  {'maps to':<14}  first values"]
    for h in header:
        values = rows[h].head(3).tolist() if h in rows.columns else []
        examples = ", ".join(repr(str(v)) for v in values)
        examples = examples if len(examples) <= 60 else examples[:57] + "..."
        arrow = mapped.get(h, "(not used)")
        lines.append(f"#   {repr(h):<{width}}  {arrow:<14}  {examples}")
    lines += ["#", "# Suggested mapping, canonical name: your column. Check every line, then use it with", "#   profiling columns "
              f"{path.name} > columns.yml", f"#   profiling profiles --data {path.name} --columns columns.yml --out profiles.parquet", "#"]
    for h in header:
        if _words(h) in _TOTAL_WORDS and "unit_price" not in mapping:
            lines.append(f"# Note: {h!r} looks like a line total; the course needs a unit price (total / quantity).")
    missing = [c for c in REQUIRED if c not in mapping]
    for c in missing:
        lines.append(f"# REQUIRED but not found: {c}  (add a line '{c}: <your column>')")
    for c in ("description", "country"):
        if c not in mapping:
            lines.append(f"# optional, not found: {c}" + ("  (chapter 05 needs product descriptions)" if c == "description" else ""))
    flag = ",".join(f'{k}="{v}"' if re.search(r"[\s,'\"]", v) else f"{k}={v}" for k, v in mapping.items())
    if mapping:
        lines.append(f"# As a flag: --columns '{flag}'")
    body = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, default_flow_style=False) if mapping else "{}\n"
    return "\n".join(lines) + "\n" + body


# --------------------------------------------------------------------------------------------
# Data and the profile table
# --------------------------------------------------------------------------------------------


def _load(args: argparse.Namespace, say: _Progress) -> pd.DataFrame:
    """Load and validate the user's file (DataError on any problem)."""
    path = Path(args.data)
    mapping = parse_columns(args.columns)
    say(f"reading {path.name}" + (f" ({len(mapping)} column(s) mapped)" if mapping else ""))
    try:
        tx = datasets.load_transactions(
            path, columns=mapping, encoding=args.encoding, sheet_name=args.sheet, sep=args.sep,
            timestamp_format=args.timestamp_format,
        )
    except PermissionError as err:
        raise DataError(f"{path}: cannot read the file ({err.strerror}). Check its permissions.") from None
    if tx["customer_id"].notna().sum() == 0:
        source = mapping.get("customer_id", "customer_id")
        raise DataError(
            f"{path}: column 'customer_id' (your column '{source}'): every value is missing, so there is no customer "
            "to profile. Map the column that identifies the customer with --columns customer_id=<your column>."
        )
    return tx


def _summary(tx: pd.DataFrame) -> dict[str, Any]:
    known = tx["customer_id"].notna()
    return {
        "rows": int(len(tx)),
        "customers": int(tx.loc[known, "customer_id"].nunique()),
        "invoices": int(tx["invoice_id"].nunique()),
        "items": int(tx["item_id"].nunique()),
        "lines_without_customer": int((~known).sum()),
        "first": tx["timestamp"].min().isoformat(sep=" "),
        "last": tx["timestamp"].max().isoformat(sep=" "),
        "has": {c: bool(tx[c].notna().any()) for c in ("description", "country")},
    }


def _cutoff(text: str | None, tx: pd.DataFrame, path: Path) -> pd.Timestamp | None:
    """Parse ``--cutoff`` and check that it leaves some data before it."""
    if text is None:
        return None
    try:
        cut = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise CliError(f"--cutoff {text!r}: not a date; write it as YYYY-MM-DD, e.g. --cutoff 2011-06-01.") from None
    first, last = tx["timestamp"].min(), tx["timestamp"].max()
    if cut <= first:
        raise CliError(
            f"--cutoff {text}: {path.name} starts on {first:%Y-%m-%d %H:%M}, so no purchase is before the cutoff. "
            f"Pick a date after it (the data run to {last:%Y-%m-%d}), or leave --cutoff out to use all the data."
        )
    return cut


def _date_shift(tx: pd.DataFrame) -> pd.Timedelta:
    """Days from the end of the shipped data to the end of these data (both: the day after the last line).

    Moving a shipped-data date by this shift keeps its distance to the end of the data, and so the
    distances between a chapter's dates (fit, train and test cutoffs three months apart stay three
    months apart, and each still leaves its outcome window inside the data).
    """
    return tx["timestamp"].max().normalize() + pd.Timedelta(days=1) - SHIPPED_END


def _shipped_date(default: str) -> pd.Timestamp | None:
    """The date a parameter's default (source text, e.g. '"2010-09-01"') holds, if it is one of the shipped data."""
    import ast

    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    stamp = pd.Timestamp(value)
    month = pd.Timedelta(days=31)
    return stamp if SHIPPED_FIRST - month <= stamp <= SHIPPED_END + month else None


def build_profile_table(
    transactions: pd.DataFrame,
    cutoff: Any = None,
    *,
    k: int | None = CHAPTER_DEFAULTS["k"],
    k_candidates: Sequence[int] = tuple(CHAPTER_DEFAULTS["k_candidates"]),
    random_state: int = CHAPTER_DEFAULTS["random_state"],
    keep_returns: bool = CHAPTER_DEFAULTS["keep_returns"],
    sample_customers: int | None = CHAPTER_DEFAULTS["sample_customers"],
) -> pd.DataFrame:
    """The profile table of chapter 06 for canonical transactions, built the way the chapter builds it.

    Steps: the seeded customer sample (if ``sample_customers``), the default cleaning rules (without
    ``cancellations`` and ``returns`` when ``keep_returns``, so that return tags can be computed),
    then :func:`profiling.profiles.build_profiles` with the number of personas chosen by the
    silhouette over ``k_candidates`` (or ``k``). Defaults are chapter 06's (:data:`CHAPTER_DEFAULTS`).

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (:func:`profiling.datasets.load_transactions`), uncleaned.
    cutoff : date-like, optional
        Profile date (exclusive); ``None`` = the day after the last transaction.
    k, k_candidates, random_state, keep_returns, sample_customers
        As the parameters of chapter 06.

    Returns
    -------
    DataFrame
        One row per customer, indexed by ``customer_id``, columns
        :data:`profiling.profiles.PROFILE_COLUMN_NAMES`.

    Example
    -------
    >>> profiles = build_profile_table(datasets.make_transactions(300, random_state=0))  # doctest: +SKIP
    """
    from profiling import cleaning, profiles, tags

    raw = datasets.sample_customers(transactions, sample_customers, random_state)
    rules = cleaning.default_rules(keep_returns=keep_returns)
    clean_tx, _ = cleaning.clean(raw, rules)
    return profiles.build_profiles(
        clean_tx, cutoff=cutoff, k=k, ks=list(k_candidates), random_state=random_state, rules=tags.TagRules()
    )


def _write_table(profiles: pd.DataFrame, path: Path, suffix: str) -> None:
    if suffix.lower() == ".csv":
        profiles.to_csv(path)
    else:
        profiles.to_parquet(path)


# --------------------------------------------------------------------------------------------
# Output placement
# --------------------------------------------------------------------------------------------


def _check_out(out: Path, data: Path, force: bool, kind: str) -> None:
    """Refuse an --out that exists (without --force), whose folder is missing, or that holds the input."""
    if not out.parent.is_dir():
        raise CliError(f"--out {out}: the folder {out.parent} does not exist; create it first.")
    data_res = data.resolve() if data.exists() else None
    out_res = out.resolve()
    if data_res is not None and (out_res == data_res or out_res in data_res.parents):
        raise CliError(f"--out {out}: that is (or contains) the input file {data}; the input is never overwritten. Choose another --out.")
    if out.exists() or out.is_symlink():
        if kind == "file" and out.is_dir():
            raise CliError(f"--out {out}: is a folder; the profile table is one file (e.g. --out profiles.parquet).")
        if kind == "dir" and not out.is_dir():
            raise CliError(f"--out {out}: exists and is a file; the report is a folder. Choose another --out.")
        if not force:
            raise CliError(f"--out {out}: already exists. Pass --force to replace it, or choose another --out.")


def _replace_dir(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished folder ``tmp`` to ``out`` (replacing an existing ``out`` only with ``force``)."""
    if out.exists():
        if not force:
            raise CliError(f"--out {out}: appeared while the report was running; the report is left in {tmp}.")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)


# --------------------------------------------------------------------------------------------
# Chapters
# --------------------------------------------------------------------------------------------


def notebooks_dir() -> Path:
    """The course's chapter notebooks: ``$PROFILING_NOTEBOOKS`` or the repository's ``notebooks/``."""
    env = os.environ.get("PROFILING_NOTEBOOKS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "notebooks"


def discover_chapters(folder: Path) -> dict[str, Path]:
    """Chapter number ("03") -> notebook ``NN_name.ipynb`` in ``folder``, in order."""
    found = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        found[path.name[:2]] = path
    return found


def _read_nb(path: Path) -> dict[str, Any]:
    """A notebook as plain JSON, cell sources joined into strings (faster than nbformat for a look)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def _chapter_info(path: Path) -> dict[str, Any]:
    """Title, declared parameters (name -> default text) and needed columns of a chapter notebook."""
    nb = _read_nb(path)
    title = path.stem
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            first = cell["source"].strip().splitlines()[0] if cell["source"].strip() else ""
            if first.startswith("# "):
                title = re.sub(r"^\d+\.\s*", "", first[2:].strip())  # "# 3. Collect, clean" -> "Collect, clean"
                break
    params: dict[str, str] = {}
    has_cell = False
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            has_cell = True
            params = _declared(cell["source"])
            break
    needs = tuple(nb.get("metadata", {}).get("profiling", {}).get("needs", CHAPTER_NEEDS.get(path.name[:2], ())))
    return {"path": path, "title": title, "params": params, "has_parameters": has_cell, "needs": needs}


def _declared(source: str) -> dict[str, str]:
    """Names assigned at the top level of a parameters cell -> their default, as source text.

    (papermill's own inspection gives up on lines whose comments hold '=' or ';'.)
    """
    import ast

    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                found[target.id] = ast.get_source_segment(source, value) or ""
    return found


def _select(spec: str | None, available: dict[str, Path], infos: dict[str, dict[str, Any]]) -> list[str]:
    if spec is None or spec.strip().lower() == "default":
        return [n for n in DEFAULT_CHAPTERS if n in infos and "data_path" in infos[n]["params"]]
    if spec.strip().lower() == "all":
        return [n for n, info in infos.items() if "data_path" in info["params"]]
    chosen = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        number = part.zfill(2) if part.isdigit() else part[:2]
        if number not in available:
            raise CliError(f"--chapters: no chapter {part!r}; the chapters are {', '.join(f'{n} ({p.name})' for n, p in available.items())}.")
        if infos[number].get("unreadable"):
            raise CliError(f"--chapters: chapter {number} ({available[number].name}) cannot be read: {infos[number]['unreadable']}")
        if "data_path" not in infos[number]["params"]:
            raise CliError(f"--chapters: chapter {number} ({available[number].name}) has no data_path parameter, so it cannot run on your data.")
        chosen.append(number)
    return sorted(set(chosen))


def _chapter_params(
    info: dict[str, Any], user: dict[str, Any], cutoff: str | None, shift: pd.Timedelta, first_day: pd.Timestamp
) -> tuple[dict[str, Any], str | None]:
    """The parameters injected into one chapter, and why it cannot run (``None`` if it can).

    Injected: the data (the canonical copy), the profile table's path (chapter 06), ``--cutoff``
    for the profile-date parameters, the chapter's shipped-data dates moved by ``shift`` (see
    :func:`_date_shift`), and the user's ``--param`` values (which win).
    """
    declared = info["params"]
    params: dict[str, Any] = {"data_path": "../transactions.parquet"}
    if "data_columns" in declared:
        params["data_columns"] = None  # the canonical copy needs no mapping
    writes_profiles = "output_path" in declared
    if writes_profiles:
        params["output_path"] = "../profiles.parquet"
    too_early = []
    for name, default in declared.items():
        if name in user:
            continue
        if name in _PROFILE_DATE_PARAMS and (cutoff is not None or (writes_profiles and name == "cutoff")):
            params[name] = cutoff  # the profile date: --cutoff, or None (= all the data, as `profiling profiles`)
            continue
        stamp = _shipped_date(default)
        if stamp is None:
            continue
        moved = (stamp + shift).normalize()
        params[name] = f"{moved:%Y-%m-%d}"
        if moved <= first_day:
            too_early.append(f"{name} {stamp:%Y-%m-%d} -> {moved:%Y-%m-%d}")
    params.update({k: v for k, v in user.items() if k in declared})
    reason = None
    if too_early:
        days = int((SHIPPED_END - min(_shipped_date(declared[t.split()[0]]) for t in too_early)).days)
        reason = (f"its dates ({', '.join(too_early)}) fall before your data start ({first_day:%Y-%m-%d}): it needs "
                  f"about {days} days of data; set them with --param (e.g. --param {too_early[0].split()[0]}=YYYY-MM-DD)")
    return params, reason


def _error_text(number: str, info: dict[str, Any], err: Exception) -> str:
    """'chapter 04 (04_features.ipynb) failed in cell 12 of 40 ...' with the cell and the error."""
    from papermill.exceptions import PapermillExecutionError

    name = info["path"].name
    if not isinstance(err, PapermillExecutionError):
        return f"chapter {number} ({name}) could not run: {type(err).__name__}: {err}"
    cells = _read_nb(info["path"])["cells"]
    index = err.cell_index
    params_at = next((i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if params_at is not None and index > params_at:
        index -= 1  # papermill inserted the injected-parameters cell after the parameters cell
    code = [line for line in (err.source or "").splitlines() if line.strip() and not line.lstrip().startswith("#")]
    first = code[0].strip() if code else ""
    frames = [re.sub(r"\x1b\[[0-9;]*m", "", f).strip() for f in (err.traceback or [])]
    in_cell = [f for f in frames if f.startswith("Cell In[")]  # where in the chapter's own code it failed
    where = ("\n  at " + "\n     ".join(in_cell[-1].splitlines()[:8])) if in_cell else ""
    return (
        f"chapter {number} ({name}, \"{info['title']}\") failed in cell {index + 1} of {len(cells)} "
        f"(In [{err.exec_count}], starting `{first[:100]}`):\n  {err.ename}: {err.evalue}{where}\n"
        "Nothing was written to --out. Run the chapter in Jupyter on the same data to investigate, or leave it out with --chapters."
    )


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<script>
window.MathJax = {tex: {inlineMath: [['$', '$'], ['\\\\(', '\\\\)']], displayMath: [['$$', '$$'], ['\\\\[', '\\\\]']],
                        processEscapes: true, processEnvironments: true}};
</script>
<script src="{{ resources.mathjax_url }}"></script>
{%- endblock html_head_js_mathjax -%}
"""


def _mathjax_source() -> Path | None:
    """The MathJax 3 the book vendors (``book/static/mathjax``), if this is a source checkout."""
    folder = Path(__file__).resolve().parent.parent / "book" / "static" / "mathjax"
    return folder if (folder / "tex-mml-chtml.js").is_file() else None


def _render_html(executed: Path, target: Path, mathjax_url: str | None) -> None:
    """Executed notebook -> standalone HTML (CSS and figures inlined; math from ``mathjax_url``)."""
    import jinja2
    import nbformat
    from nbconvert import HTMLExporter

    from profiling.report import MIME_TYPE

    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:  # recorded values are invisible in the book; drop them (no renderer for the MIME type)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if MIME_TYPE not in o.get("data", {})]
    if mathjax_url is None:
        exporter = HTMLExporter(template_name="lab")
    else:
        exporter = HTMLExporter(
            template_name="lab",
            extra_loaders=[jinja2.DictLoader({"profiling_offline.html.j2": _OFFLINE_TEMPLATE})],
            template_file="profiling_offline.html.j2",
            mathjax_url=mathjax_url,
        )
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": executed.stem}})
    target.write_text(body, encoding="utf-8")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "profiling": __version__}
    for name in ["pandas", "numpy", "scikit-learn", "duckdb", "pyarrow", "papermill", "nbconvert"]:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _profile_summary(profiles: pd.DataFrame) -> dict[str, Any]:
    personas = profiles.groupby(["persona", "persona_name"], observed=True).size().reset_index(name="customers")
    segments_count = profiles["rfm_segment"].astype("str").value_counts().sort_index()
    return {
        "rows": int(len(profiles)),
        "columns": int(profiles.shape[1]),
        "personas": [[int(p), str(nm), int(c)] for p, nm, c in personas.itertuples(index=False)],
        "segments": {str(k): int(v) for k, v in segments_count.items()},
    }


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{background:#f5f5f5;padding:0 .2em}.skipped{color:#a0522d}.num{text-align:right}
.note{background:#fff8e1;border-left:4px solid #E69F00;padding:.5em 1em}
"""


def _index_html(run: dict[str, Any]) -> str:
    e = html.escape
    d, s = run["data"], run["data"]["summary"]
    rows = [
        ("Data file", f"<code>{e(d['file'])}</code> ({d['bytes']:,} bytes, sha256 <code>{e(d['sha256'][:16])}…</code>)"),
        ("Column mapping", e(", ".join(f"{k} ← {v!r}" for k, v in d["columns"].items()) or "none (canonical names)")),
        ("Rows", f"{s['rows']:,}"),
        ("Customers", f"{s['customers']:,} (plus {s['lines_without_customer']:,} lines without a customer id)"),
        ("Invoices / items", f"{s['invoices']:,} / {s['items']:,}"),
        ("Period", f"{e(s['first'])} to {e(s['last'])}"),
        ("Optional columns", e(", ".join(f"{c}: {'yes' if v else 'no'}" for c, v in s["has"].items()))),
    ]
    out = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Profiling report: {e(d['file'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>User profiles report: <code>{e(d['file'])}</code></h1>",
        f"<p>Created {e(run['created'])} in {run['seconds']:.1f} s by <code>{e(run['command'])}</code>.</p>",
        "<h2>Data</h2><table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows) + "</table>",
        "<h2>Chapters</h2><table><tr><th>chapter</th><th>result</th><th class='num'>time (s)</th>"
        "<th>parameters injected</th></tr>",
    ]
    for ch in run["chapters"]:
        if ch["status"] == "ran":
            result = f"<a href='{e(ch['html'])}'>HTML</a> · <a href='{e(ch['notebook'])}'>notebook</a>"
            seconds = f"{ch['seconds']:.1f}"
        else:
            result = f"<span class='skipped'>skipped: {e(ch['reason'])}</span>"
            seconds = "–"
        params = "<br>".join(f"<code>{e(k)} = {e(repr(v))}</code>" for k, v in ch.get("parameters", {}).items())
        out.append(f"<tr><td>{e(ch['chapter'])}. {e(ch['title'])}</td><td>{result}</td><td class='num'>{seconds}</td><td>{params}</td></tr>")
    out.append("</table>")
    skipped = [ch for ch in run["chapters"] if ch["status"] != "ran"]
    if skipped:
        out.append("<p class='note'>" + "<br>".join(
            f"Chapter {e(ch['chapter'])} was skipped: {e(ch['reason'])}." for ch in skipped) + "</p>")
    p = run["profiles"]
    out.append(
        f"<h2>Profile table</h2><p><a href='profiles.parquet'>profiles.parquet</a>: {p['rows']:,} customers × "
        f"{p['columns']} columns, built by {e(p['built_by'])}; cutoff {e(str(p['cutoff']))}.</p>"
    )
    out.append("<table><tr><th>persona</th><th>name</th><th class='num'>customers</th></tr>" + "".join(
        f"<tr><td>{i}</td><td>{e(nm)}</td><td class='num'>{c:,}</td></tr>" for i, nm, c in p["personas"]) + "</table>")
    out.append("<table><tr><th>RFM segment</th><th class='num'>customers</th></tr>" + "".join(
        f"<tr><td>{e(k)}</td><td class='num'>{v:,}</td></tr>" for k, v in p["segments"].items()) + "</table>")
    out.append("<h2>Parameters</h2><p>--param: " + (e(", ".join(f"{k}={v!r}" for k, v in run["parameters"].items())) or "none")
               + "; --cutoff: " + (e(str(run["cutoff"])) if run["cutoff"] else "not given (profile date: the day after the last transaction)")
               + ". Dates of the shipped data in the chapters' defaults were moved by "
               f"{run['date_shift_days']:,} days, so that they sit as far before the end of your data as they sat before the end "
               "of the shipped data (see the parameters injected into each chapter).</p>")
    out.append("<h2>Versions</h2><p>" + e(", ".join(f"{k} {v}" for k, v in run["versions"].items())) + "</p>")
    out.append(f"<p>{e(run['math_note'])} Machine-readable: <a href='run.json'>run.json</a>.</p></body></html>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


def run_report(args: argparse.Namespace, say: _Progress) -> dict[str, Any]:
    """Validate, run the chapters in a temporary folder beside ``--out``, move it into place."""
    import importlib.util

    missing = [m for m in ("papermill", "nbconvert") if importlib.util.find_spec(m) is None]
    if missing:
        raise CliError(f"profiling report needs {' and '.join(missing)}: pip install 'profiling[notebooks]'.")

    data, out = Path(args.data), Path(args.out)
    _check_out(out, data, args.force, "dir")
    folder = Path(args.notebooks) if args.notebooks else notebooks_dir()
    available = discover_chapters(folder) if folder.is_dir() else {}
    if not available:
        raise CliError(f"no chapter notebooks (NN_name.ipynb) in {folder}; run from a clone of the course or pass --notebooks.")
    infos = {}
    for n, p in available.items():
        try:
            infos[n] = _chapter_info(p)
        except (ValueError, SyntaxError, KeyError, OSError) as err:  # e.g. a notebook being edited
            infos[n] = {"path": p, "title": p.stem, "params": {}, "has_parameters": False, "needs": (),
                        "unreadable": f"{type(err).__name__}: {err}"}
    chosen = _select(args.chapters, available, infos)
    user = dict(parse_param(p) for p in args.param or [])
    for name in user:
        if name in _RESERVED:
            raise CliError(f"--param {name}: set by the command (use {_RESERVED[name]}).")
        if not any(name in infos[n]["params"] for n in chosen):
            declared = sorted({p for n in chosen for p in infos[n]["params"]} - set(_RESERVED))
            raise CliError(f"--param {name}: no chosen chapter ({', '.join(chosen)}) has this parameter; they have {declared}.")

    tx = _load(args, say)  # all data problems surface here, before any notebook runs
    cutoff = _cutoff(args.cutoff, tx, data)
    cutoff_text = None if cutoff is None else (f"{cutoff:%Y-%m-%d}" if cutoff == cutoff.normalize() else cutoff.isoformat())
    summary = _summary(tx)
    say(f"valid: {summary['rows']:,} rows, {summary['customers']:,} customers, {summary['first'][:10]} to {summary['last'][:10]}")
    shift = _date_shift(tx)
    first_day = tx["timestamp"].min().normalize()

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    moved = False
    try:
        (tmp / "chapters").mkdir()
        tx.to_parquet(tmp / "transactions.parquet")
        del tx
        mathjax = _mathjax_source()
        if mathjax is not None:
            shutil.copytree(mathjax, tmp / "static" / "mathjax")
        run_chapters: list[dict[str, Any]] = []
        to_run = []
        for n in chosen:
            info = infos[n]
            lacking = [c for c in info["needs"] if not summary["has"].get(c, True)]
            entry = {"chapter": n, "title": info["title"], "file": info["path"].name}
            params, too_short = _chapter_params(info, user, cutoff_text, shift, first_day)
            if lacking:
                entry.update(status="skipped", reason=f"needs the column(s) {lacking}, which the data do not have "
                             f"(map them with --columns {lacking[0]}=<your column>)")
            elif too_short:
                entry.update(status="skipped", reason=too_short)
            else:
                entry["parameters"] = params
                to_run.append(entry)
            if entry.get("status") == "skipped":
                say(f"skip chapter {n} ({info['title']}): {entry['reason']}")
            run_chapters.append(entry)
        import papermill

        # papermill warns about parameter cells it cannot parse and parameters it thinks unknown:
        # the command checked the parameters itself (see _declared)
        logging.getLogger("papermill").setLevel(logging.ERROR)
        for i, entry in enumerate(to_run, start=1):
            n, info = entry["chapter"], infos[entry["chapter"]]
            say(f"chapter {n} ({i}/{len(to_run)}): {info['title']} ...")
            executed = tmp / "chapters" / info["path"].name
            started = time.perf_counter()
            try:
                papermill.execute_notebook(
                    str(info["path"]), str(executed), parameters=entry["parameters"], kernel_name="python3",
                    cwd=str(tmp / "chapters"), progress_bar=not say.quiet and sys.stderr.isatty(),
                    request_save_on_cell_execute=False,
                    # the kernel's own log is noise in the progress lines: ipykernel 7 warns that a local
                    # kernel talks over TCP, and logs an error when jupyter_client interrupts it at shutdown
                    # (cell errors and a dying kernel are still reported, through papermill)
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                )
            except KeyboardInterrupt:
                raise
            except Exception as err:
                raise CliError(_error_text(n, info, err), EXIT_CHAPTER) from None
            entry.update(status="ran", seconds=round(time.perf_counter() - started, 1),
                         notebook=f"chapters/{executed.name}", html=f"chapters/{executed.stem}.html")
            say(f"chapter {n} done in {entry['seconds']:.1f} s")
            _render_html(executed, tmp / entry["html"], "../static/mathjax/tex-mml-chtml.js" if mathjax else None)

        profiles_path = tmp / "profiles.parquet"
        if profiles_path.is_file():
            profiles = pd.read_parquet(profiles_path)
            built_by = "chapter 06"
            p06 = next((e["parameters"] for e in to_run if "output_path" in e.get("parameters", {})), {})
            profile_cutoff = p06.get("cutoff", cutoff_text)
        else:
            say("building the profile table (as chapter 06 does) ...")
            options = {k: user[k] for k in CHAPTER_DEFAULTS if k in user}
            profiles = build_profile_table(pd.read_parquet(tmp / "transactions.parquet"), cutoff_text, **options)
            profiles.to_parquet(profiles_path)
            built_by = "the command (chapter 06's steps" + (f", {options}" if options else "") + ")"
            profile_cutoff = cutoff_text
        if profile_cutoff is None:
            profile_cutoff = f"{pd.Timestamp(summary['last']).normalize() + pd.Timedelta(days=1):%Y-%m-%d} (the day after the last transaction)"
        run = {
            "command": "profiling " + shlex.join(args.argv),
            "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "data": {"file": data.name, "bytes": data.stat().st_size, "sha256": _sha256(data),
                     "columns": parse_columns(args.columns), "summary": summary},
            "cutoff": cutoff_text,
            "date_shift_days": int(shift.days),
            "parameters": user,
            "chapters": run_chapters,
            "profiles": {**_profile_summary(profiles), "built_by": built_by, "cutoff": profile_cutoff},
            "versions": _versions(),
            "math_note": ("Math in the chapter pages renders offline (MathJax 3 copied into static/)." if mathjax else
                          "Math in the chapter pages loads MathJax from a CDN (needs the network); text, tables and figures do not."),
        }
        run["seconds"] = round(say.elapsed(), 1)
        (tmp / "run.json").write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
        (tmp / "index.html").write_text(_index_html(run), encoding="utf-8")
        _replace_dir(tmp, out, args.force)
        moved = True
        say(f"report written to {out}/index.html ({sum(e['status'] == 'ran' for e in run_chapters)} chapter(s) ran, "
            f"{sum(e['status'] != 'ran' for e in run_chapters)} skipped)")
        return run
    finally:
        if not moved and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def run_profiles(args: argparse.Namespace, say: _Progress) -> pd.DataFrame:
    """``profiling profiles``: validate, build the chapter 06 profile table, write it atomically."""
    data, out = Path(args.data), Path(args.out)
    if out.suffix.lower() not in {".parquet", ".pq", ".csv"}:
        raise CliError(f"--out {out}: end the name in .parquet (or .csv), e.g. --out profiles.parquet.")
    _check_out(out, data, args.force, "file")
    tx = _load(args, say)
    cutoff = _cutoff(args.cutoff, tx, data)
    summary = _summary(tx)
    say(f"valid: {summary['rows']:,} rows, {summary['customers']:,} customers, {summary['first'][:10]} to {summary['last'][:10]}")
    say("cleaning and building the profile table (as chapter 06 does) ...")
    try:
        profiles = build_profile_table(tx, cutoff, k=args.k, random_state=args.random_state)
    except ValueError as err:
        raise CliError(f"{data}: cannot build profiles: {err}", EXIT_DATA) from None
    del tx
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write_table(profiles, tmp, out.suffix)
        if out.exists() and not args.force:
            raise CliError(f"--out {out}: appeared while profiles were built; not replaced (pass --force).")
        os.replace(tmp, out)
    finally:
        if tmp.exists():
            tmp.unlink()
    k = profiles["persona"].nunique()
    cut = pd.Timestamp(profiles.attrs["cutoff"]) if profiles.attrs.get("cutoff") else None
    cut_text = "-" if cut is None else f"{cut:%Y-%m-%d}" if cut == cut.normalize() else f"{cut}"
    say(f"wrote {len(profiles):,} profiles x {profiles.shape[1]} columns to {out} (profile date {cut_text}, {k} personas)")
    return profiles


# --------------------------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------------------------


#: How the keyword arguments that load_transactions' messages suggest are spelled on the command line.
_FLAGS = {"timestamp_format=": "--timestamp-format", "encoding=": "--encoding", "sep=": "--sep",
          "columns=": "--columns canonical=yours (or a YAML file)", "sheet_name=": "--sheet"}


def _flag_hint(message: str) -> str:
    used = [f"{k} is {v}" for k, v in _FLAGS.items() if re.search(r"(?<![a-z_])" + re.escape(k), message)]
    return f"\n(On the command line: {'; '.join(used)}.)" if used else ""


def _sheet(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="FILE", help="your transactions: .csv, .parquet or .xlsx (only read, never written)")
    p.add_argument("--columns", action="append", metavar="MAP",
                   help='mapping canonical=yours, e.g. customer_id="Customer ID",timestamp=InvoiceDate, or a YAML/JSON file '
                        "(see: profiling columns FILE); may be repeated")
    p.add_argument("--encoding", help="text encoding of a CSV, e.g. latin-1, cp1252, gbk (default UTF-8)")
    p.add_argument("--sep", default=",", help="CSV column separator (default ','; use ';' or $'\\t')")
    p.add_argument("--sheet", type=_sheet, default=0, help="Excel sheet name or 0-based number (default 0)")
    p.add_argument("--timestamp-format", metavar="FMT", help="strftime format of the timestamps, e.g. '%%d/%%m/%%Y %%H:%%M' (default: inferred)")
    p.add_argument("--cutoff", metavar="DATE", help="profile date (exclusive), YYYY-MM-DD; default: the day after the last transaction")
    p.add_argument("--out", required=True, help="where to write the result")
    p.add_argument("--force", action="store_true", help="replace an existing --out")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines (errors are still printed)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="profiling",
        description="Run the user-profiling course on your own transactions: the profile table, or the chapters as a report.",
        epilog="Exit codes: 0 done; 1 the data cannot be used; 2 wrong options; 3 a chapter failed; 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"profiling {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{profiles,report,columns}")

    p = sub.add_parser("profiles", help="write the profile table (chapter 06) for your data",
                       description="Validate your file, clean it and build the profile table as chapter 06 does.")
    _data_options(p)
    p.add_argument("--k", type=int, default=None, help="number of personas (default: chosen by the silhouette over 2-8)")
    p.add_argument("--random-state", type=int, default=CHAPTER_DEFAULTS["random_state"], help="seed of KMeans (default 42, as chapter 06)")

    r = sub.add_parser("report", help="run chapters on your data and write an HTML report",
                       description="Validate your file, then run the chosen chapters with papermill and write the executed "
                                   "notebooks, their HTML, the profile table and index.html into --out (a folder).")
    _data_options(r)
    r.add_argument("--chapters", help="comma-separated chapter numbers, e.g. 03,04,06, or 'all' (every chapter that "
                                      f"takes data_path); default: {','.join(DEFAULT_CHAPTERS)}")
    r.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a chapter parameter, e.g. --param sample_customers=500 --param k=4 (YAML values); may be repeated")
    r.add_argument("--notebooks", metavar="DIR", help="the chapter notebooks (default: notebooks/ of the course checkout the package runs from)")

    c = sub.add_parser("columns", help="print a file's columns and a suggested mapping (YAML)",
                       description="Print the columns of FILE with example values and a suggested mapping onto the "
                                   "canonical schema. The output is YAML: save it with > columns.yml, check it, pass --columns columns.yml.")
    c.add_argument("file")
    c.add_argument("--encoding")
    c.add_argument("--sep", default=",")
    c.add_argument("--sheet", type=_sheet, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``profiling`` command; returns the exit code (see the module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return int(exc.code or 0)
    args.argv = argv
    say = _Progress(getattr(args, "quiet", False))
    try:
        if args.command == "columns":
            sys.stdout.write(columns_text(Path(args.file), args.encoding, args.sep, args.sheet))
        elif args.command == "profiles":
            run_profiles(args, say)
        else:
            run_report(args, say)
    except DataError as err:
        print(f"profiling: error: {err}{_flag_hint(str(err))}", file=sys.stderr)
        return EXIT_DATA
    except CliError as err:
        print(f"profiling: error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("profiling: interrupted; nothing was written to --out.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
