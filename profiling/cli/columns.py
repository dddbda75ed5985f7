"""Column guessing: which of a file's columns is which canonical column (``profiling columns``).

:func:`suggest_columns` scores every (canonical column, file column) pair by name;
:func:`peek` reads a file's header and first rows without loading it; :func:`columns_text` is
what ``profiling columns FILE`` prints: the columns as YAML comments, then the suggested mapping
as YAML, so that ``profiling columns orders.csv > map.yml`` gives a mapping file for ``--columns``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from profiling import datasets
from profiling.datasets import COLUMNS, REQUIRED, DataError

__all__ = ["SYNONYMS", "columns_text", "peek", "suggest_columns"]

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


def peek(path: Path, encoding: str | None, sep: str, sheet: str | int, n: int = 5) -> tuple[list[str], pd.DataFrame, str]:
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

    header, rows, kind = peek(path, encoding, sep, sheet)
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
