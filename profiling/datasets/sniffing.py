"""How a shop's file is written: its text encoding, separator and timestamp format, and bytes that are no table.

:func:`sniff_csv` tells a CSV's encoding (UTF-8, UTF-16, GBK / GB18030, cp1252, latin-1) and
separator (``, ; tab |``) from its bytes. The private helpers behind it are shared with
:func:`~profiling.datasets.load_transactions` and ``profiling columns``
(:mod:`profiling.cli.columns`): ``_detect_encoding``, ``_decodes``, ``_guess_sep``,
``_text_head``; ``_guess_timestamp_format`` (day/month or month/day dates, Chinese
``2024年3月5日`` dates); ``_sniff_binary`` (an image, a PDF, a zip or UTF-16 text passed as a CSV)
and ``_encoding_error`` (where the text is not valid in the encoding, and which encoding reads it).

Example
-------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "orders.csv"
...     _ = path.write_bytes("Kunde|Rechnung|Preis €\\nK1|A1|1,50\\n".encode("cp1252"))
...     sniff_csv(path)
('cp1252', '|')
>>> _guess_timestamp_format(pd.Series(["13.12.2010 08:26", "01.12.2010 09:01"]))
('%d.%m.%Y %H:%M', None)
"""

from __future__ import annotations

import codecs
import csv
import re
from pathlib import Path

import pandas as pd

from profiling.datasets.schema import DataError, _fail

__all__ = [
    "sniff_csv",
]

_SEPARATORS = (",", ";", "\t", "|")
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _decodes(path: Path, encoding: str) -> bool:
    """Whether the whole file is valid text in ``encoding`` (read in 1 MB pieces)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _reads_as_chinese(head: bytes, encoding: str) -> bool:
    """Whether most non-ASCII characters of ``head`` decoded with ``encoding`` are common Chinese
    characters (GB2312). Western text misread as GBK gives rare characters, or fails to decode."""
    wide = [ch for ch in head.decode(encoding, errors="ignore") if ord(ch) > 127][:20_000]
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return bool(wide) and common >= 0.6 * len(wide)


def _detect_encoding(path: Path) -> str | None:
    """The encoding that reads the whole file: ``None`` for UTF-8 (the loaders' default, with or
    without a byte-order mark), else "utf-16", "gbk", "gb18030", "cp1252" or "latin-1"."""
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
    if head.startswith(_UTF16_BOMS):
        return "utf-16"
    if _decodes(path, "utf-8-sig"):
        return None
    for chinese in ("gbk", "gb18030"):
        if _reads_as_chinese(head, chinese) and _decodes(path, chinese):
            return chinese
    if _decodes(path, "cp1252"):
        # cp1252 and latin-1 read bytes 0xa0-0xff alike; cp1252 differs on 0x80-0x9f (quotes, euro sign)
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                if re.search(rb"[\x80-\x9f]", chunk):
                    return "cp1252"
        return "latin-1"
    return "latin-1"


def _field_count(line: str, sep: str) -> int:
    return len(next(csv.reader([line], delimiter=sep), []))


def _guess_sep(text: str) -> str:
    """The separator of ``, ; tab |`` that splits the first line into the most fields while the next
    lines (up to 50) mostly have as many (or one more: a trailing separator); "," when none splits it.

    >>> _guess_sep("a;b;c\\n1,5;2;3\\n"), _guess_sep("a|b\\n1|2|\\n"), _guess_sep("one column\\n1\\n")
    (';', '|', ',')
    """
    lines = [line for line in text.splitlines()[:51] if line.strip()]
    best, best_n = ",", 1
    for candidate in _SEPARATORS:
        if not lines:
            break
        counts = [len(r) for r in csv.reader(lines, delimiter=candidate)]
        n, data = counts[0], counts[1:]
        if n < 2 or (data and sum(k in (n, n + 1) for k in data) < 0.8 * len(data)):
            continue
        if n > best_n:
            best, best_n = candidate, n
    return best


def sniff_csv(path: str | Path, encoding: str | None = None, sep: str | None = None) -> tuple[str | None, str]:
    """How a CSV file is written: ``(encoding, sep)`` to pass to :func:`load_transactions`.

    The encoding, unless given, is read from the bytes: ``None`` when the file is UTF-8 (with or
    without a byte-order mark: the loaders' default), ``"utf-16"`` when it starts with a UTF-16
    byte-order mark (Excel's "Unicode text"), ``"gbk"`` (or ``"gb18030"``) when it decodes as such
    and its text is mostly common Chinese characters, else ``"cp1252"`` (``"latin-1"`` when the two
    read the file alike). Other encodings (Big5, Shift-JIS...) are not recognized: pass them.
    The separator, unless given, is the one of ``, ; tab |`` that splits the header into the most
    columns while the first data rows have as many; ``","`` when none does.

    Example
    -------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "orders.csv"
    ...     _ = path.write_bytes("用户ID;订单编号;数量\\nu1;A1;2\\n".encode("gbk"))
    ...     sniff_csv(path)
    ('gbk', ';')
    """
    path = Path(path)
    if encoding is None:
        encoding = _detect_encoding(path)
    if sep is None:
        sep = _guess_sep(_text_head(path, encoding))
    return encoding, sep


def _text_head(path: Path, encoding: str | None, size: int = 1 << 16) -> str:
    """The first complete lines of a text file (up to ``size`` bytes), decoded."""
    with path.open("rb") as handle:
        head = handle.read(size)
    text = head.decode(encoding or "utf-8-sig", errors="replace")
    return text.rsplit("\n", 1)[0] if len(head) == size else text  # the last line may be cut


_DATE_NUMERIC = re.compile(
    r"^(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})(?:([ T])(\d{1,2}):(\d{2})(:\d{2})?(\.\d+)?(\s*)([AaPp][Mm])?)?$"
)
_DATE_CJK = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:(\s*)(\d{1,2}):(\d{2})(:\d{2})?)?$")


def _guess_timestamp_format(values: pd.Series) -> tuple[str | None, str | None]:
    """``(format, note)`` for timestamps pandas may misread: day/month/year dates (which of day and
    month comes first, from a value above 12) and Chinese ``2024年3月5日`` dates. ``format`` is
    ``None`` when inference reads the values (ISO dates) or none fits them all; ``note`` says why a
    day/month order cannot be told.

    >>> _guess_timestamp_format(pd.Series(["12/1/2010 8:26", "12/13/2010 9:01"]))
    ('%m/%d/%Y %H:%M', None)
    >>> _guess_timestamp_format(pd.Series(["2024年3月5日 10:01:02"]))
    ('%Y年%m月%d日 %H:%M:%S', None)
    """
    text = values.dropna().astype("str").str.strip()
    text = text[text.str.len() > 0]
    if text.empty:
        return None, None
    first = text.iloc[0]
    cjk = _DATE_CJK.match(first)
    if cjk:
        fmt = "%Y年%m月%d日" + (f"{cjk.group(4)}%H:%M" + (":%S" if cjk.group(7) else "") if cjk.group(5) else "")
    else:
        parts = text.str.extract(_DATE_NUMERIC)
        if parts[0].isna().any():
            return None, None
        a, b = parts[0].astype(int), parts[2].astype(int)
        m = _DATE_NUMERIC.match(first)
        s = m.group(2)
        year = "%Y" if len(m.group(4)) == 4 else "%y"
        if a.max() > 12 and b.max() <= 12:
            date = f"%d{s}%m{s}{year}"
        elif b.max() > 12 and a.max() <= 12:
            date = f"%m{s}%d{s}{year}"
        elif a.max() <= 12 and b.max() <= 12:
            return None, (
                f"dates such as {first!r} could be day/month or month/day (no day above 12 in the values read)"
            )
        else:
            return None, None
        time = ""
        if m.group(6):
            hour = "%I" if m.group(11) else "%H"
            time = f"{m.group(5)}{hour}:%M" + (":%S" if m.group(8) else "") + (".%f" if m.group(9) else "")
            time += f"{m.group(10)}%p" if m.group(11) else ""
        fmt = date + time
    parsed = pd.to_datetime(text, format=fmt, errors="coerce")
    return (fmt, None) if parsed.notna().all() else (None, None)


def _first_undecodable(path: Path, encoding: str) -> str:
    """Where the first line that ``encoding`` cannot decode is, for the error message."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as err:
                snippet = line[max(0, err.start - 20) : err.start + 20].decode("latin-1").strip()
                return f": line {number} holds byte 0x{line[err.start:err.start + 1].hex()} (in {snippet!r})"
    return ""


def _encoding_error(path: Path, encoding: str | None) -> DataError:
    """The file is not valid text in ``encoding`` (``None``: UTF-8): where, and which encoding reads it."""
    enc = encoding or "utf-8-sig"
    name = enc.upper().replace("-SIG", "")
    guess = _detect_encoding(path)
    if guess in ("gbk", "gb18030", "utf-16"):
        what = "Chinese text" if guess != "utf-16" else "UTF-16 text (it starts with a UTF-16 byte-order mark)"
        fix = f"It reads as {what}: pass encoding='{guess}'."
    elif guess == "cp1252":
        fix = ("It reads as Windows cp1252 (Western European Excel exports): pass encoding='cp1252' "
               "(encoding='gbk' for Chinese ones).")
    else:
        fix = ("Pass the file's encoding: encoding='latin-1' (or 'cp1252') for Western European Excel exports, "
               "encoding='gbk' for Chinese ones.")
    return _fail(path, f"the text is not valid {name}{_first_undecodable(path, enc)}.", fix)


_MAGIC = {
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx is one; rename it to .xlsx)",
    b"PAR1": "a Parquet file (rename it to .parquet)",
    b"\x1f\x8b": "a gzip archive (unpack it first)",
    b"\xd0\xcf\x11\xe0": "an old binary Office file (.xls; save it as .xlsx or .csv)",
}


def _sniff_binary(path: Path, head: bytes, encoding: str | None) -> None:
    """Refuse bytes that are clearly not a text table."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise _fail(path, f"this is not a text table: it starts like {what}.", "Export the data as CSV, Parquet or .xlsx.")
    if encoding is not None and encoding.lower().replace("_", "-").startswith(("utf-16", "utf-32")):
        return
    if head.startswith(_UTF16_BOMS):
        raise _fail(path, "this is UTF-16 text (it starts with a UTF-16 byte-order mark).", "Pass encoding='utf-16'.")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13)) + head.count(127)
    if b"\x00" in head or controls > max(2, len(head) // 100):
        raise _fail(
            path,
            f"this is not a text table: its first {len(head)} bytes hold {controls} control/binary bytes.",
            "Export the data as CSV (UTF-8), Parquet or .xlsx; if it is UTF-16 text, pass encoding='utf-16'.",
        )
