"""What the engines learn about a file before they scan it, shared by the DuckDB and Spark engines.

The file's head (its first :data:`HEAD_LINES` data rows) is read by the pandas loader itself,
:func:`profiling.datasets.load_transactions`: every problem of the header, the mapping, the
encoding and the first rows surfaces with the loader's own message, and the head tells how the
rest is written (which columns, the timestamp format the loader infers, prices as numbers or as
text with a currency). The engines then convert and check every line in SQL the same way
(:func:`profiling.engines._sql.convert_sql` and :meth:`profiling.engines._base.LineEngine.check`), so no line is ever loaded into pandas.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from profiling.datasets import COLUMNS, DataError, load_transactions
from profiling.datasets.sniffing import _encoding_error, _sniff_binary

__all__ = ["HEAD_LINES", "Plan", "plan"]

#: Data rows of the head the pandas loader validates (the whole file when it is shorter).
HEAD_LINES = 2000

#: Encodings DuckDB and Spark read as UTF-8 directly; any other is transcoded to a temporary
#: UTF-8 copy first, 1 MB at a time.
_UTF8 = {None, "utf-8", "utf8", "utf-8-sig", "utf_8", "utf_8_sig", "ascii"}


@dataclass
class Plan:
    """How to read a file: its kind, header, the columns of the canonical ones, formats found in its head."""

    path: Path          # the user's file (named in every message)
    read_path: Path     # the file the engine scans (a UTF-8 copy of a CSV in another encoding)
    kind: str           # "csv" or "parquet"
    sep: str
    header: list[str]
    source: dict[str, str | None]  # canonical column -> the file's column (None: absent, optional)
    timestamp_format: str | None   # given, or what pandas infers from the first value; None: ISO 8601
    guessed_format: bool           # the format was inferred (the loader then retries ISO 8601)
    currency: dict[str, str] | None  # attrs["currency"] of the loader on the head
    head: pd.DataFrame              # the loader's result on the head
    temporary: list[Path] = field(default_factory=list)

    def position(self, canonical: str) -> int | None:
        name = self.source.get(canonical)
        return None if name is None else self.header.index(name)

    def cleanup(self) -> None:
        for p in self.temporary:
            p.unlink(missing_ok=True)


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".csv", ".txt", ".tsv"}:
        return "csv"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix in {".xlsx", ".xlsm"}:
        raise DataError(
            f"{path}: an Excel workbook is read whole into memory; the scale engines read CSV and Parquet. "
            "Use --engine pandas for a workbook (they are small), or save the sheet as .csv."
        )
    return "other"  # the loader's own message on the head names the suffixes it reads


def _transcode(path: Path, encoding: str, folder: Path) -> Path:
    """A UTF-8 copy of a text file in ``encoding``, written 1 MB at a time (memory stays flat)."""
    out = Path(tempfile.mkstemp(prefix="profiling-utf8-", suffix=".csv", dir=folder)[1])
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(decoder.decode(chunk).encode("utf-8"))
            dst.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        out.unlink(missing_ok=True)
        raise _encoding_error(path, encoding) from None
    return out


def _head_csv(path: Path, encoding: str | None, folder: Path) -> Path:
    """The header and the first :data:`HEAD_LINES` records of a CSV, as a UTF-8 file."""
    out = Path(tempfile.mkstemp(prefix="profiling-head-", suffix=".csv", dir=folder)[1])
    try:
        with path.open("r", encoding=encoding or "utf-8-sig", newline="") as src:
            text = io.StringIO()
            for i, line in enumerate(src):
                if i > HEAD_LINES:
                    break
                text.write(line)
    except UnicodeDecodeError:
        out.unlink(missing_ok=True)
        raise _encoding_error(path, encoding) from None
    out.write_text(text.getvalue(), encoding="utf-8")
    return out


def _head_parquet(path: Path, folder: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except Exception:  # the loader on the whole file gives the message (not a Parquet table)
        return path
    batch = next(handle.iter_batches(batch_size=HEAD_LINES), None)
    table = pa.Table.from_batches([batch]) if batch is not None else handle.schema_arrow.empty_table()
    table = table.replace_schema_metadata(handle.schema_arrow.metadata)
    out = Path(tempfile.mkstemp(prefix="profiling-head-", suffix=".parquet", dir=folder)[1])
    pq.write_table(table, out)
    return out


def _as_theirs(err: DataError, head: Path, path: Path) -> DataError:
    return DataError(str(err).replace(str(head), str(path)))


def plan(
    path: str | Path,
    columns: dict[str, str] | None = None,
    encoding: str | None = None,
    sep: str = ",",
    timestamp_format: str | None = None,
    temp_dir: str | Path | None = None,
) -> Plan:
    """Validate the file's head with the pandas loader and learn how to read the whole file.

    Raises :class:`~profiling.datasets.DataError` with the loader's message (naming ``path``) for
    any problem of the header, the mapping or the first rows.
    """
    from pandas.tseries.api import guess_datetime_format

    path = Path(path)
    columns = dict(columns or {})
    folder = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())
    if not path.is_file() or path.stat().st_size == 0:
        load_transactions(path, columns, encoding, sep=sep, timestamp_format=timestamp_format)  # its message
    kind = _kind(path)
    if kind == "other":
        load_transactions(path, columns, encoding, sep=sep, timestamp_format=timestamp_format)
    temporary: list[Path] = []
    read_path = path
    if kind == "csv":
        with path.open("rb") as handle:
            _sniff_binary(path, handle.read(8192), encoding)
        head = _head_csv(path, encoding, folder)
        if (encoding or "").lower().replace("_", "-") not in {e for e in _UTF8 if e}:
            if encoding is not None:
                read_path = _transcode(path, encoding, folder)
                temporary.append(read_path)
    else:
        head = _head_parquet(path, folder)
    if head != path:
        temporary.append(head)
    try:
        try:
            tx = load_transactions(head, columns, None if kind == "csv" else encoding, sep=sep,
                                   timestamp_format=timestamp_format)
        except DataError as err:
            raise _as_theirs(err, head, path) from None
        if kind == "csv":
            with head.open(encoding="utf-8", newline="") as handle:
                header = next(csv.reader(handle, delimiter=sep))
        else:
            import pyarrow.parquet as pq

            header = [h for h in pq.read_schema(path).names if not h.startswith("__index_level_")]
        source = {c: columns.get(c, c) for c in COLUMNS}
        source = {c: (name if name in header else None) for c, name in source.items()}
        guessed = False
        fmt = timestamp_format
        if fmt is None:
            first = _first_text(head, kind, header.index(source["timestamp"]), sep)
            if first is not None:
                fmt = guess_datetime_format(first)
                guessed = True
        return Plan(path=path, read_path=read_path, kind=kind, sep=sep, header=header, source=source,
                    timestamp_format=fmt, guessed_format=guessed, currency=tx.attrs.get("currency"), head=tx,
                    temporary=temporary)
    except BaseException:
        for p in temporary:
            p.unlink(missing_ok=True)
        raise


def _first_text(head: Path, kind: str, position: int, sep: str) -> str | None:
    """The first non-blank timestamp text of the head (what pandas infers its format from); None if typed."""
    if kind == "csv":
        raw = pd.read_csv(head, dtype=str, sep=sep, skipinitialspace=True, index_col=False, encoding="utf-8")
    else:
        raw = pd.read_parquet(head)
    values = raw.iloc[:, position]
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return None
    text = values.astype("str").str.strip()
    text = text[text.notna() & (text.str.len() > 0)]
    return None if text.empty else str(text.iloc[0])


def text_na_values() -> list[str]:
    """The texts pandas' CSV reader reads as missing (``NA``, ``NULL``, ``nan``, ...)."""
    from pandas._libs.parsers import STR_NA_VALUES

    return sorted(STR_NA_VALUES)


#: Python's whitespace (what ``str.strip()`` removes), for SQL ``trim(x, chars)``.
WHITESPACE = "".join(chr(c) for c in range(0x3000 + 1) if chr(c).isspace())

#: Text pandas' ``to_numeric`` reads as a number (the engines check this before casting).
NUMBER_PATTERN = r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(?i:inf|infinity)"


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def describe(value: Any) -> str:
    return re.sub(r"\s+", " ", str(value))
