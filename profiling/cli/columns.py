"""Column guessing: which of a file's columns is which canonical column (``profiling columns``).

:func:`suggest_columns` scores every (canonical column, file column) pair by name, English and
Chinese (:data:`SYNONYMS`; both live in :mod:`profiling.datasets`, which also uses them in its
error messages); :func:`peek` reads a file's header and first rows without loading it, guessing a
CSV's encoding and separator (:func:`profiling.datasets.sniff_csv`); :func:`columns_text` is what
``profiling columns FILE`` prints: the columns as YAML comments, warnings, the command to run with
the options the file needs (``--encoding``, ``--sep``, ``--timestamp-format``), then the suggested
mapping as YAML, so that ``profiling columns orders.csv > map.yml`` gives a mapping file for
``--columns``.
"""

from __future__ import annotations

import shlex
import unicodedata
import warnings as _warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from profiling.datasets import files, headers, money, sniffing
from profiling.datasets import COLUMNS, OPTIONAL, REQUIRED, SYNONYMS, DataError, suggest_columns

__all__ = ["SYNONYMS", "columns_text", "peek", "suggest_columns"]

#: Rows read from the timestamp column to tell day/month from month/day dates.
_DATE_ROWS = 100_000


@dataclass
class _Head:
    """What :func:`_read_head` found: the header as written, the first rows (columns by position)."""

    header: list[str]
    rows: pd.DataFrame
    kind: str
    suffix: str
    encoding: str | None = None
    sep: str = ","
    warnings: list[str] = field(default_factory=list)


def _width(text: str) -> int:
    """Terminal width of ``text``: wide (CJK) and full-width characters take two cells."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _shell(value: str) -> str:
    """A value as typed in a shell: a tab as $'\\t', a separator always in quotes ('|', ';', ',')."""
    if value == "\t":
        return "$'\\t'"
    return f"'{value}'" if len(value) == 1 and value != "'" and not value.isalnum() else shlex.quote(value)


def _open_errors(path: Path) -> None:
    if not path.exists():
        raise DataError(f"{path}: file not found (looked in {path.resolve().parent}). Check the path and the file name.")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file. Pass the path of one .csv, .parquet or .xlsx file.")
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes). Export the table again, with a header row and data rows.")


def _read_csv_head(path: Path, encoding: str | None, sep: str | None, n: int) -> _Head:
    with path.open("rb") as handle:
        head = handle.read(8192)
    given = encoding
    sniffing._sniff_binary(path, head, encoding if encoding is not None else ("utf-16" if head.startswith(sniffing._UTF16_BOMS) else None))
    if encoding is None:
        encoding = sniffing._detect_encoding(path)
    elif not sniffing._decodes(path, encoding):
        raise sniffing._encoding_error(path, encoding)
    text = sniffing._text_head(path, encoding)
    guessed = sniffing._guess_sep(text)
    problems = []
    enc = encoding or "utf-8-sig"
    if sep is None:
        sep = guessed
    elif guessed != sep:
        first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
        if sniffing._field_count(first_line, sep) <= 1 < sniffing._field_count(first_line, guessed):
            problems.append(f"{path.name}: with --sep {_shell(sep)} the header is a single column; it was read with "
                            f"--sep {_shell(guessed)}, which splits it. Keep --sep {_shell(guessed)} in the commands below.")
            sep = guessed
    try:
        header_frame = pd.read_csv(path, header=None, nrows=1, dtype=str, encoding=enc, sep=sep, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: the file holds no data (only blank lines). Export the table again with its header and rows.") from None
    header = [str(h) for h in header_frame.iloc[0].tolist()]
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore", pd.errors.ParserWarning)  # the loader refuses such rows, by name
        rows = pd.read_csv(path, nrows=n, dtype=str, encoding=enc, sep=sep, keep_default_na=False, index_col=False)
    where = "detected" if given is None else "given"
    kind = f"CSV (encoding {encoding or 'UTF-8'}, {where}; sep {sep!r})"
    return _Head(header, rows, kind, ".csv", encoding, sep, problems)


def _read_head(path: Path, encoding: str | None, sep: str | None, sheet: str | int, n: int) -> _Head:
    """The header as written and the first ``n`` rows (as text, columns numbered 0, 1, ...)."""
    _open_errors(path)
    suffix = path.suffix.lower()
    try:
        if suffix in files._CSV_SUFFIXES:
            found = _read_csv_head(path, encoding, sep, n)
        elif suffix in files._PARQUET_SUFFIXES:
            import pyarrow.parquet as pq

            handle = pq.ParquetFile(path)
            names = handle.schema_arrow.names
            keep = [i for i, h in enumerate(names) if not h.startswith("__index_level_")]
            header = [names[i] for i in keep]
            if handle.num_row_groups and handle.metadata.num_rows:
                table = handle.read_row_group(0).select(keep).slice(0, n)
                rows = pd.DataFrame({i: table.column(i).to_pandas() for i in range(len(keep))}).astype(str)
            else:
                rows = pd.DataFrame(columns=range(len(header)))
            found = _Head(header, rows, "Parquet", suffix)
        elif suffix in files._EXCEL_SUFFIXES:
            first = pd.read_excel(path, sheet_name=sheet, header=None, nrows=1, dtype=str, engine="openpyxl")
            if first.empty:
                raise DataError(f"{path}: sheet {sheet!r} is empty. Put the header in the first row and the data below it.")
            header = ["" if pd.isna(h) else str(h) for h in first.iloc[0].tolist()]
            rows = pd.read_excel(path, sheet_name=sheet, nrows=n, dtype=str, engine="openpyxl")
            found = _Head(header, rows, f"Excel (sheet {sheet!r})", suffix)
        else:
            raise DataError(f"{path}: unsupported file type {suffix or '(no suffix)'!r}. Use .csv, .parquet or .xlsx "
                            "(the suffix decides how the file is read).")
    except DataError:
        raise
    except UnicodeDecodeError:
        raise sniffing._encoding_error(path, encoding) from None
    except pd.errors.ParserError as err:
        raise DataError(f"{path}: this is not a readable CSV table ({str(err).strip()}). Check that every row has as many "
                        "fields as the header, with values that hold the separator in double quotes.") from None
    except Exception as err:  # errors of pyarrow / openpyxl
        raise DataError(f"{path}: cannot read the file as a table ({type(err).__name__}: {str(err).strip()}). "
                        "Export it as CSV, Parquet or .xlsx.") from None
    found.rows = found.rows.set_axis(range(found.rows.shape[1]), axis=1)
    return found


def peek(path: Path, encoding: str | None, sep: str | None, sheet: str | int, n: int = 5) -> tuple[list[str], pd.DataFrame, str]:
    """The header (as written: a repeated name appears twice), the first ``n`` rows as text (columns
    numbered by position) and how the file was read. A CSV's encoding and separator are detected
    when ``None``; errors name the file and the fix.

    Example
    -------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "orders.csv"
    ...     _ = path.write_bytes("用户ID;数量\\n7;2\\n".encode("gbk"))
    ...     header, rows, kind = peek(path, None, None, 0)
    >>> header, rows.iloc[0].tolist(), kind
    (['用户ID', '数量'], ['7', '2'], "CSV (encoding gbk, detected; sep ';')")
    """
    found = _read_head(Path(path), encoding, sep, sheet, n)
    return found.header, found.rows, found.kind


def _timestamp_values(path: Path, found: _Head, position: int, sheet: str | int) -> pd.Series:
    """The timestamp column's first values as text (up to :data:`_DATE_ROWS`)."""
    if found.suffix in files._CSV_SUFFIXES:
        return pd.read_csv(path, usecols=[position], nrows=_DATE_ROWS, dtype=str, encoding=found.encoding or "utf-8-sig",
                           sep=found.sep, keep_default_na=False).iloc[:, 0]
    if found.suffix in files._EXCEL_SUFFIXES:
        values = pd.read_excel(path, sheet_name=sheet, usecols=[position], nrows=_DATE_ROWS, engine="openpyxl").iloc[:, 0]
    else:
        values = pd.read_parquet(path, columns=[found.header[position]]).iloc[:_DATE_ROWS, 0]
    if pd.api.types.is_datetime64_any_dtype(values):
        return pd.Series([], dtype="str")  # real dates: no format to guess
    return values.dropna().astype("str")


def _needed_by() -> dict[str, list[str]]:
    """Optional column -> the default report's chapters that need it (from the notebooks' metadata)."""
    from profiling.cli import chapters
    from profiling.storage import notebooks_dir

    needs: dict[str, list[str]] = {c: [] for c in OPTIONAL}
    try:
        for number, path in chapters.discover_chapters(notebooks_dir()).items():
            info = chapters.chapter_info(path)
            for c in info["needs"]:
                if info["report"] and c in needs:
                    needs[c].append(number)
    except (OSError, ValueError, KeyError):  # no course checkout, or a notebook without readable metadata
        return {}
    return needs


def columns_text(path: Path, encoding: str | None = None, sep: str | None = None, sheet: str | int = 0,
                 *, warn: Callable[[str], None] | None = None) -> str:
    """What ``profiling columns FILE`` prints: the columns as YAML comments, warnings, the commands to
    run (with ``--encoding``, ``--sep``, ``--timestamp-format`` and ``--sheet`` where the file needs
    them), then the suggested mapping as YAML.

    A CSV's encoding and separator are detected unless given (a given separator that leaves the
    header one column is replaced by the detected one, with a warning). Each warning is one line
    naming the file, the column, the problem and the fix: a repeated column name (both places), a
    header without data rows, a required column not found, a line total where a unit price is
    needed, dates whose day/month order cannot be told. ``warn`` is called with each one as well
    (the command prints them on stderr, since stdout is usually redirected to a file).

    Example
    -------
    >>> import tempfile, yaml
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "orders.csv"
    ...     _ = path.write_bytes("订单编号,用户ID,商品编码,购买数量,单价,付款时间\\n"
    ...                          "A1,7,X,2,1.5,2024-03-05 10:00\\n".encode("gbk"))
    ...     text = columns_text(path)
    >>> [line.split("orders.csv ")[1] for line in text.splitlines() if "profiling profiles" in line]
    ['--encoding gbk --columns columns.yml --out profiles.parquet']
    >>> yaml.safe_load(text)["customer_id"]
    '用户ID'
    """
    import yaml

    path = Path(path)
    found = _read_head(path, encoding, sep, sheet, 5)
    header, rows, name = found.header, found.rows, path.name
    mapping = suggest_columns(header)
    warnings = list(found.warnings)

    duplicates = files._duplicates(header)
    for h, where in duplicates.items():
        used = h in mapping.values()
        places = " and ".join(map(str, where)) if len(where) == 2 else ", ".join(map(str, where))
        warnings.append(
            f"{name}: column {h!r} appears {len(where)} times (columns {places}; pandas reads the second as {h + '.1'!r}). "
            + ("Rename one of them in the file: the loader refuses a repeated name it has to use."
               if used else "Neither is used by the mapping, so the loader ignores them; rename one to use it.")
        )
    if rows.empty:
        warnings.append(f"{name}: the file has a header but no data rows. Export the table again with its rows "
                        "(profiling profiles and report refuse a file without rows).")
    totals = [h for h in header if headers._is_line_total(h)]
    if totals and "unit_price" not in mapping:
        warnings.append(f"{name}: column {totals[0]!r} looks like a line total (quantity x price), not a unit price, so it "
                        "is not mapped to unit_price. Add a column total / quantity to the file and map that one.")
    missing = [f"{name}: no column found for the required {c!r}. Add a line '{c}: <your column>' to the mapping, or "
               "the column to the file." for c in REQUIRED if c not in mapping]  # the text says it in its own lines

    timestamp_format = None
    if "timestamp" in mapping and not rows.empty:
        try:
            values = _timestamp_values(path, found, header.index(mapping["timestamp"]), sheet)
        except ValueError:  # rows pandas cannot split: the loader names them; no format is guessed here
            values = pd.Series([], dtype="str")
        timestamp_format, ambiguous = sniffing._guess_timestamp_format(values)
        if ambiguous:
            warnings.append(f"{name}: column {mapping['timestamp']!r} (timestamp): {ambiguous}; they are read month first. "
                            "If the day comes first, pass --timestamp-format '%d/%m/%Y %H:%M' (adapted to your values).")

    currency = None
    if "unit_price" in mapping and not rows.empty:
        _, currency = money.parse_prices(rows[header.index(mapping["unit_price"])])

    options = []
    if found.encoding is not None:
        options += ["--encoding", _shell(found.encoding)]
    if found.sep != ",":
        options += ["--sep", _shell(found.sep)]
    if found.suffix in files._EXCEL_SUFFIXES and sheet != 0:
        options += ["--sheet", _shell(str(sheet))]
    read_options = " ".join(options)
    if timestamp_format:
        options += ["--timestamp-format", _shell(timestamp_format)]
    data = _shell(str(path))

    mapped = {v: k for k, v in mapping.items()}
    labels = [repr(h) for h in header]
    width = max([_width(label) for label in labels] + [8])
    lines = [f"# {name}: {len(header)} column(s), read as {found.kind}", "#",
             f"#   {_pad('column', width)}  {'maps to':<14}  first values"]
    for i, h in enumerate(header):
        examples = ", ".join(repr(str(v)) for v in rows[i].head(3).tolist()) if i in rows.columns else ""
        examples = examples if len(examples) <= 60 else examples[:57] + "..."
        first = duplicates.get(h, [i + 1])[0]
        arrow = (f"(= column {first})" if first != i + 1 else mapped.get(h)
                 or ("(line total)" if headers._is_line_total(h) else "(not used)"))
        lines.append(f"#   {_pad(labels[i], width)}  {arrow:<14}  {examples}")
    lines.append("#")
    if currency:
        lines += [f"# Prices are written in {currency} ({mapping['unit_price']!r}): they are read as numbers, and the report "
                  "labels amounts with it (--currency overrides it).", "#"]
    lines += [f"# Warning: {w}" for w in warnings]
    lines += ["#"] if warnings else []
    lines += ["# Suggested mapping, canonical name: your column. Check every line, then use it with",
              f"#   profiling columns {data}{' ' + read_options if read_options else ''} > columns.yml",
              f"#   profiling profiles --data {data} {' '.join([*options, ''])}--columns columns.yml --out profiles.parquet",
              "#"]
    for c in REQUIRED:
        if c not in mapping:
            why = "; a line total is not a unit price, see the warning above" if c == "unit_price" and totals else ""
            lines.append(f"# REQUIRED but not found: {c}  (add a line '{c}: <your column>'{why})")
    needed_by = _needed_by()
    for c in OPTIONAL:
        if c not in mapping:
            chapters = needed_by.get(c)
            why = (f"  (the report skips chapter(s) {', '.join(chapters)} without it)" if chapters
                   else "  (no chapter of the default report needs it)" if c in needed_by else "")
            lines.append(f"# optional, not found: {c}{why}")
    if mapping:
        flag = ",".join(f'{k}="{v}"' if any(ch in v for ch in " ,'\"\t") else f"{k}={v}" for k, v in mapping.items())
        lines.append(f"# As a flag: --columns {shlex.quote(flag)}")
    for w in [*warnings, *missing]:
        if warn is not None:
            warn(w)
    body = yaml.safe_dump(mapping, sort_keys=False, allow_unicode=True, default_flow_style=False) if mapping else "{}\n"
    return "\n".join(lines) + "\n" + body
