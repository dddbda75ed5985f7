"""A user's own transaction file: read CSV, Parquet or Excel, map onto the canonical schema, validate.

:func:`load_transactions` reads the file by its suffix (``_read_raw``), maps the user's column
names onto the canonical ones (``columns={canonical: theirs}``) and converts each column
(``_id_text``, ``_to_number``, ``_to_timestamp``); every problem raises a
:class:`~profiling.datasets.DataError` naming the file, the column, the problem and the fix --
with a suggested mapping (:func:`~profiling.datasets.suggest_columns`), the encoding or the
timestamp format that reads the file (:mod:`profiling.datasets.sniffing`) where one does.

Example
-------
>>> import tempfile
>>> header = ["Order No", "Client", "SKU", "Qty", "Unit Cost", "Paid At"]
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "orders.csv"
...     _ = path.write_text(",".join(header) + "\\nA1,7,85048,2,1.5,2024-03-05 10:01\\n")
...     try:
...         load_transactions(path)
...     except DataError as err:
...         print(str(err).split("with columns=")[1])
...     tx = load_transactions(path, columns=suggest_columns(header))
{'customer_id': 'Client', 'invoice_id': 'Order No', 'item_id': 'SKU', 'quantity': 'Qty', 'unit_price': 'Unit Cost', 'timestamp': 'Paid At'}.
>>> tx.loc[0, "customer_id"], int(tx.loc[0, "quantity"]), tx.loc[0, "timestamp"]
('7', 2, Timestamp('2024-03-05 10:01:00'))
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from profiling.datasets.headers import _is_line_total, suggest_columns
from profiling.datasets.money import parse_prices
from profiling.datasets.schema import COLUMNS, DTYPES, REQUIRED, DataError, _fail
from profiling.datasets.sniffing import _encoding_error, _guess_timestamp_format, _sniff_binary

__all__ = [
    "load_transactions",
]

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
_ID_COLUMNS = ["customer_id", "invoice_id", "item_id"]
_TEXT_COLUMNS = ["customer_id", "invoice_id", "item_id", "description", "country"]
#: Column names under which a file states the currency of its amounts (matched case-insensitively).
_CURRENCY_COLUMNS = {"currency", "currency code", "currency_code", "币种", "货币", "币别"}


def _row_label(i: int, kind: str) -> str:
    """Where data row ``i`` (0-based) is in the user's file."""
    if kind == "parquet":
        return f"row {i} (0-based)"
    return f"data row {i + 1} (line {i + 2} of the file, counting the header)"


def _by_position(header: list[str], raw: pd.DataFrame) -> pd.DataFrame:
    """``raw`` with the header's names as written: pandas renames a repeated name ``X`` to ``X.1``
    and strips names; the loader looks columns up by the names the user sees."""
    if len(raw.columns) == len(header):
        raw = raw.set_axis(header, axis=1)
    return raw


def _read_raw(path: Path, kind: str, encoding: str | None, sheet_name: str | int, sep: str) -> tuple[list[str], pd.DataFrame]:
    """The file's header exactly as written and its rows (CSV: every value as text); columns
    carry the names as written (a repeated name appears twice, see :func:`_check_duplicates`)."""
    if kind == "csv":
        enc = encoding or "utf-8-sig"
        try:
            header_frame = pd.read_csv(path, header=None, nrows=1, dtype=str, encoding=enc, sep=sep, keep_default_na=False)
            if header_frame.empty:
                raise pd.errors.EmptyDataError
            header = [str(h) for h in header_frame.iloc[0].tolist()]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", pd.errors.ParserWarning)
                # index_col=False: a separator at the end of every row is no extra column (pandas would
                # otherwise take the first column for an index and shift the others)
                raw = pd.read_csv(path, dtype=str, encoding=enc, sep=sep, skipinitialspace=True, index_col=False)
            if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
                raise _fail(
                    path,
                    f"some rows hold more fields than the header's {len(header)}.",
                    f"Put values that contain the separator {sep!r} in double quotes, or export the table again.",
                )
        except UnicodeDecodeError:
            raise _encoding_error(path, encoding) from None
        except pd.errors.EmptyDataError:
            raise _fail(path, "the file holds no data (only blank lines).", "Export the table again with its header and rows.") from None
        except pd.errors.ParserError as err:
            raise _fail(
                path,
                f"this is not a readable CSV table ({str(err).strip()}).",
                f"Check that it is comma-separated text (for ';' or tabs pass sep=';' or sep='\\t'); now sep={sep!r}.",
            ) from None
        if len(header) == 1 and sep == "," and any(s in header[0] for s in (";", "\t", "|")):
            guess = next(s for s in (";", "\t", "|") if s in header[0])
            raise _fail(path, f"the header {header[0]!r} is a single column.", f"The file seems to use {guess!r} between columns: pass sep={guess!r}.")
        return header, _by_position(header, raw)
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            header = list(pq.read_schema(path).names)
        except Exception as err:  # pyarrow raises ArrowInvalid / OSError for non-Parquet bytes
            raise _fail(path, f"this is not a Parquet table ({type(err).__name__}).", "Write the file with DataFrame.to_parquet, or use a .csv.") from None
        header = [h for h in header if not h.startswith("__index_level_")]
        _check_duplicates(path, header, header)  # pandas cannot read a Parquet file with a repeated name
        return header, pd.read_parquet(path)
    # Excel
    try:
        header_frame = pd.read_excel(path, sheet_name=sheet_name, header=None, nrows=1, dtype=str, engine="openpyxl")
    except ValueError as err:
        if "not found" in str(err) or "out of bounds" in str(err).lower() or "index" in str(err).lower():
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True)
            sheets = book.sheetnames
            book.close()
            raise _fail(path, f"sheet {sheet_name!r} not found; the workbook has sheets {sheets}.", "Pass sheet_name= one of these.") from None
        raise _fail(path, f"this is not a readable Excel workbook ({err}).", "Save it as .xlsx from Excel, or export a .csv.") from None
    except Exception as err:  # BadZipFile, InvalidFileException, KeyError for non-xlsx bytes
        raise _fail(path, f"this is not an Excel .xlsx workbook ({type(err).__name__}).", "Save it as .xlsx from Excel, or export a .csv.") from None
    if header_frame.empty:
        raise _fail(path, f"sheet {sheet_name!r} is empty.", "Put the header in the first row and the data below it.")
    header = ["" if pd.isna(h) else str(h) for h in header_frame.iloc[0].tolist()]
    raw = pd.read_excel(path, sheet_name=sheet_name, engine="openpyxl")
    return header, _by_position(header, raw)


def _duplicates(header: Sequence[str]) -> dict[str, list[int]]:
    """Each name the header holds more than once -> its positions (1-based), in header order."""
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header, start=1):
        positions.setdefault(name, []).append(i)
    return {name: where for name, where in positions.items() if len(where) > 1}


def _check_duplicates(path: Path, header: list[str], used: Sequence[str]) -> None:
    """Refuse a repeated column name that the loader has to use (the others are ignored)."""
    dups = {name: where for name, where in _duplicates(header).items() if name in used}
    if dups:
        places = "; ".join(f"{name!r} is columns {', '.join(map(str, where))}" for name, where in dups.items())
        raise _fail(
            path,
            f"duplicate column name(s) {list(dups)} in the header {header} ({places}).",
            "Rename the columns in the file so each name appears once (the loader cannot tell which one you mean).",
        )


def _id_text(values: pd.Series) -> pd.Series:
    """Identifiers as text; integral floats (``13085.0``) become ``"13085"``, blanks become missing."""
    if pd.api.types.is_bool_dtype(values) or not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_string_dtype(values) or values.dtype == object
    ):
        return values.astype("str")
    if pd.api.types.is_float_dtype(values):
        finite = values.dropna()
        if (finite == np.floor(finite)).all():
            return values.astype("Int64").astype("str").where(values.notna())
        return values.astype("str").where(values.notna())
    if pd.api.types.is_integer_dtype(values):
        return values.astype("str")
    text = values.astype("str").str.strip()
    text = text.str.replace(r"^(-?\d+)\.0+$", r"\1", regex=True)
    return text.where(text.str.len() > 0)


def _to_number(path: Path, kind: str, values: pd.Series, column: str, source: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        raise _fail(path, "holds true/false values, not numbers.", "Map the right column.", column, source)
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
    else:
        text = values.astype("str").str.strip()
        numbers = pd.to_numeric(text, errors="coerce")
        bad = numbers.isna() & text.notna() & (text.str.len() > 0)
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(
                path,
                f"{int(bad.sum())} value(s) are not numbers, e.g. {text.iloc[i]!r} at {_row_label(i, kind)}.",
                "Remove currency signs and thousands separators (use '.' for decimals), or map the right column "
                "with columns={...}.",
                column,
                source,
            )
    missing = numbers.isna()
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise _fail(
            path,
            f"{int(missing.sum())} value(s) are missing, the first at {_row_label(i, kind)}.",
            "Fill or drop those rows before loading.",
            column,
            source,
        )
    return numbers


def _prices(path: Path, kind: str, values: pd.Series, source: str) -> tuple[pd.Series, str | None]:
    """Unit prices as numbers, and the currency their text names (``"€12.50"``), if it names one."""
    if not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers, currency = parse_prices(values)
        if numbers is not None:
            return _to_number(path, kind, numbers, "unit_price", source), currency
    return _to_number(path, kind, values, "unit_price", source), None


def _stated_currency(path: Path, kind: str, header: list[str], raw: pd.DataFrame) -> tuple[str | None, str | None]:
    """(currency, column) from a column such as 'Currency' or '币种' holding one value; refused if it holds several."""
    for name in header:
        if str(name).strip().lower() not in _CURRENCY_COLUMNS:
            continue
        values = raw[name].dropna().astype("str").str.strip()
        found = sorted(set(values[values.str.len() > 0]))
        if len(found) > 1:
            shown = ", ".join(found[:5]) + (", ..." if len(found) > 5 else "")
            raise DataError(
                f"{path}: column {name!r} names {len(found)} currencies ({shown}): amounts in different currencies "
                "cannot be added up. Convert the prices to one currency, or export one currency per file."
            )
        if found:
            return found[0], name
    return None, None


def _to_timestamp(path: Path, kind: str, values: pd.Series, source: str, timestamp_format: str | None) -> pd.Series:
    column = "timestamp"
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values
        if getattr(stamps.dt, "tz", None) is not None:
            stamps = stamps.dt.tz_localize(None)  # keep the local wall time, as the schema says
    elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise _fail(
            path,
            f"holds numbers (e.g. {values.iloc[0]}), not dates and times.",
            "Write timestamps as text like '2010-12-01 08:26:00' (or convert epoch seconds with pd.to_datetime(..., unit='s') first).",
            column,
            source,
        )
    else:
        text = values.astype("str").str.strip()
        text = text.where(text.str.len() > 0)
        with warnings.catch_warnings():
            # pandas' "Could not infer format": the unparsed values are reported below instead
            warnings.filterwarnings("ignore", message="Could not infer format", category=UserWarning)
            stamps = pd.to_datetime(text, errors="coerce", format=timestamp_format)
            bad = stamps.isna() & text.notna()
            if bad.any() and timestamp_format is None:
                retry = pd.to_datetime(text, errors="coerce", format="ISO8601")
                if (retry.isna() & text.notna()).sum() < bad.sum():
                    stamps, bad = retry, retry.isna() & text.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            first_ok = text[~bad & text.notna()]
            hint = f" (other values look like {first_ok.iloc[0]!r})" if len(first_ok) else ""
            guess = _guess_timestamp_format(text)[0] if timestamp_format is None else None
            raise _fail(
                path,
                f"{int(bad.sum())} value(s) cannot be read as a date and time, e.g. {text.iloc[i]!r} at "
                f"{_row_label(i, kind)}{hint}.",
                f"Pass timestamp_format='{guess}' (it reads every value)." if guess else
                "Fix those values, or pass timestamp_format= (e.g. timestamp_format='%d/%m/%Y %H:%M').",
                column,
                source,
            )
    if stamps.isna().any():
        i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise _fail(path, f"{int(stamps.isna().sum())} value(s) are missing, the first at {_row_label(i, kind)}.", "Fill or drop those rows before loading.", column, source)
    return stamps.astype("datetime64[us]")


def load_transactions(
    path: str | Path,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    *,
    sep: str = ",",
    timestamp_format: str | None = None,
) -> pd.DataFrame:
    """Load a user's own transaction file into the canonical schema, and validate it.

    The format follows the suffix: ``.csv`` (also ``.txt``, ``.tsv`` with ``sep='\\t'``), ``.parquet``
    (``.pq``), or Excel ``.xlsx`` (``.xlsm``). The file is only read, never written.

    Parameters
    ----------
    path : str or Path
        The file.
    columns : mapping, optional
        Canonical name → your column name, for the columns whose names differ, e.g.
        ``{"customer_id": "Customer ID", "timestamp": "InvoiceDate"}``
        (:data:`ONLINE_RETAIL_COLUMNS` maps the original Online Retail export). Columns not
        mentioned are looked up under their canonical names; other columns of the file are ignored
        (a name the file repeats is refused only when it is used). :func:`suggest_columns` proposes a
        mapping from the names shops use, English and Chinese.
    encoding : str, optional
        Text encoding of a CSV (default UTF-8, with or without a byte-order mark), e.g. ``"latin-1"``,
        ``"gbk"``; :func:`sniff_csv` tells it, and the separator, from the file's bytes.
    sheet_name : str or int, default 0
        Excel sheet (name or 0-based position).
    sep : str, default ","
        CSV column separator.
    timestamp_format : str, optional
        ``strftime`` format of the timestamps (e.g. ``"%d/%m/%Y %H:%M"``); by default it is inferred.

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS` with :data:`DTYPES`, one row per line of the file, in file order.
        Optional columns the file lacks (:data:`OPTIONAL`) are filled with missing values.
        Identifiers are text; numeric ones written as floats (``13085.0``) become ``"13085"``.
        Prices written with one currency ("€12.50", "12.50 EUR": :func:`~profiling.datasets.money.parse_prices`)
        are read as numbers; that currency, or the one value of a column named like "Currency" or
        "币种", is kept in ``attrs["currency"]`` (``{"value": "EUR", "from": <where it was found>}``).

    Raises
    ------
    DataError
        With a message that names the file, the column, the problem and what to do: missing,
        empty or header-only file; bytes that are not a table; unsupported suffix; a required column
        missing (with the columns that look like them, and a line total named as not a unit price);
        a mapping to a column the file lacks or from a name that is not canonical; a repeated column
        name the loader has to use; unreadable timestamps (with the format that reads them, when
        one does); non-numeric or non-whole quantities; non-numeric prices; missing values in
        required columns; text that is not in the encoding (with the encoding that reads it).

    Example
    -------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "my_orders.csv"
    ...     _ = path.write_text("user,invoice_id,item_id,quantity,unit_price,paid_at\\n"
    ...                         "13085,489434,85048,12,6.95,2009-12-01 07:45\\n")
    ...     tx = load_transactions(path, columns={"customer_id": "user", "timestamp": "paid_at"})
    >>> tx.columns.tolist() == COLUMNS, tx.loc[0, "customer_id"], tx.loc[0, "timestamp"]
    (True, '13085', Timestamp('2009-12-01 07:45:00'))
    """
    path = Path(path)
    columns = dict(columns or {})
    if not path.exists():
        raise DataError(f"{path}: file not found (looked in {path.resolve().parent}). Check the path and the file name.")
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file. Pass the path of one .csv, .parquet or .xlsx file.")
    suffix = path.suffix.lower()
    if suffix in _CSV_SUFFIXES:
        kind = "csv"
    elif suffix in _PARQUET_SUFFIXES:
        kind = "parquet"
    elif suffix in _EXCEL_SUFFIXES:
        kind = "excel"
    else:
        hint = " Save old .xls workbooks as .xlsx." if suffix == ".xls" else ""
        raise DataError(
            f"{path}: unsupported file type {suffix or '(no suffix)'!r}. "
            f"Use .csv, .parquet or .xlsx (the suffix decides how the file is read).{hint}"
        )
    if path.stat().st_size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes). Export the table again, with a header row and data rows.")

    # The mapping is checked before reading anything big.
    not_canonical = [k for k in columns if k not in COLUMNS]
    if not_canonical:
        raise DataError(
            f"{path}: the mapping key(s) {not_canonical} are not canonical column names. "
            f"The mapping goes canonical name -> your column name; canonical names are {COLUMNS}, "
            "e.g. columns={'customer_id': 'Customer ID'}."
            + (" Yours looks reversed: swap keys and values." if all(v in COLUMNS for v in columns.values()) else "")
        )
    if kind == "csv":
        with path.open("rb") as handle:
            _sniff_binary(path, handle.read(8192), encoding)

    header, raw = _read_raw(path, kind, encoding, sheet_name, sep)
    _check_duplicates(path, header, [columns.get(c, c) for c in COLUMNS])  # a repeated name nothing uses is ignored

    absent = {k: v for k, v in columns.items() if v not in header}
    if absent:
        raise DataError(
            f"{path}: the mapping names column(s) the file lacks: "
            + ", ".join(f"{k!r} -> {v!r}" for k, v in absent.items())
            + f". Columns found: {header}. Correct the names in columns= (they are case-sensitive)."
        )
    source = {c: columns.get(c, c) for c in COLUMNS}
    missing = [c for c in REQUIRED if source[c] not in header]
    if missing:
        taken = {source[c] for c in COLUMNS if source[c] in header}
        guesses = suggest_columns([h for h in header if h not in taken])
        suggestion = "{" + ", ".join(f"{c!r}: {guesses.get(c, '<your column>')!r}" for c in missing) + "}"
        totals = [h for h in header if _is_line_total(h)] if "unit_price" in missing and "unit_price" not in guesses else []
        note = (f" {totals[0]!r} looks like a line total, not a unit price: add a column total / quantity to the file "
                "and map that one." if totals else "")
        raise DataError(
            f"{path}: required column(s) {missing} not found. Columns found: {header}. "
            f"Map your names onto the canonical ones with columns={suggestion}.{note}"
        )
    if len(raw) == 0:
        raise DataError(f"{path}: the file has a header but no data rows. Export the table again with its rows.")

    n = len(raw)
    out: dict[str, pd.Series] = {}
    for c in COLUMNS:
        name = source[c]
        if name not in header:
            out[c] = pd.Series([None] * n, dtype="str")
            continue
        values = raw[name].reset_index(drop=True)
        if c in _ID_COLUMNS:
            text = _id_text(values)
            if c != "customer_id" and text.isna().any():
                i = int(np.flatnonzero(text.isna().to_numpy())[0])
                raise _fail(path, f"{int(text.isna().sum())} value(s) are missing, the first at {_row_label(i, kind)}.", "Every line needs one; fill or drop those rows.", c, name)
            out[c] = text
        elif c in _TEXT_COLUMNS:
            out[c] = values.astype("str").where(values.notna())
        elif c == "quantity":
            numbers = _to_number(path, kind, values, c, name)
            fractional = numbers != np.round(numbers)
            if fractional.any():
                i = int(np.flatnonzero(fractional.to_numpy())[0])
                raise _fail(
                    path,
                    f"{int(fractional.sum())} value(s) are not whole units, e.g. {float(numbers.iloc[i])!r} at {_row_label(i, kind)}.",
                    "Quantities count units; if yours are weights or amounts, convert them to units (or map the right column).",
                    c,
                    name,
                )
            out[c] = numbers.astype("int64")
        elif c == "unit_price":
            numbers, in_prices = _prices(path, kind, values, name)
            out[c] = numbers.astype("float64")
        else:  # timestamp
            out[c] = _to_timestamp(path, kind, values, name, timestamp_format)
    frame = pd.DataFrame(out, columns=COLUMNS).astype(DTYPES)
    stated, column = _stated_currency(path, kind, header, raw)
    if stated is not None and in_prices is not None and stated != in_prices:
        raise DataError(
            f"{path}: column {column!r} says the amounts are in {stated}, but the prices of column "
            f"{source['unit_price']!r} are written in {in_prices}. Export the prices in the stated currency."
        )
    if stated is not None:
        frame.attrs["currency"] = {"value": stated, "from": f"your column {column!r}"}
    elif in_prices is not None:
        frame.attrs["currency"] = {"value": in_prices, "from": f"the prices of your column {source['unit_price']!r}"}
    return frame
