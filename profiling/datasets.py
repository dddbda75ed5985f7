"""Data sets of the course and the one canonical transaction schema every step consumes.

Canonical transaction schema
----------------------------
Every loader returns, and every later step (cleaning, features, tags, models...) consumes, a
DataFrame with exactly these columns, in this order:

============  =========================  ===========================================================
column        dtype                      meaning
============  =========================  ===========================================================
customer_id   ``str`` (may be missing)   who bought; missing for guest / unidentified purchases
invoice_id    ``str``                    the order (invoice) a line belongs to; ``C...`` = cancellation
item_id       ``str``                    the product code (stock code); some codes are not products
description   ``str`` (may be missing)   product text as recorded
quantity      ``int64``                  units on the line; negative for returns / cancellations
unit_price    ``float64``                price per unit, in the shop's currency (GBP for Online Retail)
timestamp     ``datetime64[us]``         when the invoice was issued (naive, shop-local time)
country       ``str`` (may be missing)   the customer's country as recorded
============  =========================  ===========================================================

The line amount is ``quantity * unit_price`` (see :func:`line_amount`); it is not stored.
Loaders never clean: cancellations, missing customers, non-product codes and odd prices are kept
for :mod:`profiling.cleaning` to handle, visibly.

What is here
------------
* :func:`load_online_retail` -- the shipped UCI Online Retail II (2009-2010), canonical schema.
* :func:`load_hillstrom` -- the shipped Hillstrom e-mail experiment (one row per customer; its own
  columns, documented there).
* :func:`load_transactions` -- a user's own CSV / Parquet / Excel file, mapped onto the schema with
  ``columns={canonical: theirs}`` and validated; problems raise :class:`DataError` naming the file,
  the column, the problem and the fix.
* :func:`suggest_columns` -- which of a file's columns is which canonical column, from the names
  shops use (:data:`SYNONYMS`: English and Chinese, e.g. ``InvoiceNo``, ``用户ID``, ``付款时间``);
  :func:`sniff_csv` -- a CSV's text encoding (UTF-8, UTF-16, GBK, cp1252) and separator.
* :func:`sample_customers` -- all lines of ``n`` seeded, randomly chosen customers.
* :func:`make_transactions` -- synthetic transactions in the schema (seasonal, skewed, with
  returns), fast enough for 10M-line benchmarks.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import functools
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from profiling.storage import data_dir

__all__ = [
    "COLUMNS",
    "DTYPES",
    "HILLSTROM_CATEGORIES",
    "HILLSTROM_DTYPES",
    "ONLINE_RETAIL_COLUMNS",
    "OPTIONAL",
    "REQUIRED",
    "SYNONYMS",
    "SYNTHETIC_COUNTRIES",
    "DataError",
    "line_amount",
    "load_hillstrom",
    "load_online_retail",
    "load_transactions",
    "make_transactions",
    "sample_customers",
    "sniff_csv",
    "suggest_columns",
]

#: Canonical column names, in order.
COLUMNS: list[str] = [
    "customer_id",
    "invoice_id",
    "item_id",
    "description",
    "quantity",
    "unit_price",
    "timestamp",
    "country",
]

#: dtype of each canonical column (pandas 3 names).
DTYPES: dict[str, str] = {
    "customer_id": "str",
    "invoice_id": "str",
    "item_id": "str",
    "description": "str",
    "quantity": "int64",
    "unit_price": "float64",
    "timestamp": "datetime64[us]",
    "country": "str",
}

#: Columns a user's file must provide (after mapping); the others are filled with missing values.
REQUIRED: list[str] = ["customer_id", "invoice_id", "item_id", "quantity", "unit_price", "timestamp"]

#: Columns that may be absent from a user's file.
OPTIONAL: list[str] = ["description", "country"]

#: How the shipped Online Retail II names the canonical columns.
ONLINE_RETAIL_COLUMNS: dict[str, str] = {
    "customer_id": "Customer ID",
    "invoice_id": "Invoice",
    "item_id": "StockCode",
    "description": "Description",
    "quantity": "Quantity",
    "unit_price": "Price",
    "timestamp": "InvoiceDate",
    "country": "Country",
}


def line_amount(transactions: pd.DataFrame) -> pd.Series:
    """Amount of each line, ``quantity * unit_price`` (negative for returns)."""
    return transactions["quantity"] * transactions["unit_price"]


def load_online_retail(path: str | Path | None = None) -> pd.DataFrame:
    """The shipped UCI Online Retail II (2009-12-01 to 2010-12-09) in the canonical schema.

    ``path`` defaults to ``data_dir() / "online_retail_ii_2009_2010.parquet"``. All 525,461 lines
    are returned, uncleaned (see :mod:`profiling.cleaning`). The file is only read. A Parquet
    file that already has the canonical columns (e.g. written by ``profiling report``) is read
    with :func:`load_transactions` instead, ids unchanged.

    Example: ``tx = load_online_retail(); tx.shape  # (525461, 8)``
    """
    path = Path(path) if path is not None else data_dir() / "online_retail_ii_2009_2010.parquet"
    import pyarrow.parquet as pq

    if set(COLUMNS) <= set(pq.read_schema(path).names):
        # Already canonical (e.g. the validated copy `profiling report` passes to the chapters):
        # read and validate it as it is, so that ids such as "C-0012" or "007" stay unchanged.
        return load_transactions(path)
    raw = pd.read_parquet(path)
    renamed = raw.rename(columns={v: k for k, v in ONLINE_RETAIL_COLUMNS.items()})
    out = pd.DataFrame(
        {
            # Customer ID is stored as a float (13085.0); the canonical id is its integer text.
            "customer_id": renamed["customer_id"].astype("Int64").astype("str").where(renamed["customer_id"].notna()),
            "invoice_id": renamed["invoice_id"].astype("str"),
            "item_id": renamed["item_id"].astype("str"),
            "description": renamed["description"].astype("str"),
            "quantity": renamed["quantity"].astype("int64"),
            "unit_price": renamed["unit_price"].astype("float64"),
            "timestamp": pd.to_datetime(renamed["timestamp"], format="%Y-%m-%d %H:%M:%S").astype("datetime64[us]"),
            "country": renamed["country"].astype("str"),
        },
        columns=COLUMNS,
    )
    return out


# --------------------------------------------------------------------------------------------
# Hillstrom e-mail experiment
# --------------------------------------------------------------------------------------------

#: Category order of the Hillstrom text columns (the control arm first).
HILLSTROM_CATEGORIES: dict[str, list[str]] = {
    "history_segment": [
        "1) $0 - $100",
        "2) $100 - $200",
        "3) $200 - $350",
        "4) $350 - $500",
        "5) $500 - $750",
        "6) $750 - $1,000",
        "7) $1,000 +",
    ],
    "zip_code": ["Urban", "Surburban", "Rural"],
    "channel": ["Phone", "Web", "Multichannel"],
    "segment": ["No E-Mail", "Mens E-Mail", "Womens E-Mail"],
}

#: dtype of each Hillstrom column, in file order.
HILLSTROM_DTYPES: dict[str, str] = {
    "recency": "int64",
    "history_segment": "category",
    "history": "float64",
    "mens": "int64",
    "womens": "int64",
    "zip_code": "category",
    "newbie": "int64",
    "channel": "category",
    "segment": "category",
    "visit": "int64",
    "conversion": "int64",
    "spend": "float64",
}


class DataError(ValueError):
    """A data file cannot be read as the course expects.

    The message names the file, the column (where one is at fault), the problem and what to do.
    It is a ``ValueError``, so ``except ValueError`` catches it too.
    """


def load_hillstrom(path: str | Path | None = None) -> pd.DataFrame:
    """The Hillstrom (2008) e-mail experiment: 64,000 customers randomly split into three arms.

    Parameters
    ----------
    path : str or Path, optional
        Defaults to ``data_dir() / "hillstrom.csv"``. The file is only read.

    Returns
    -------
    DataFrame, one row per customer, columns in file order:

    ===============  ============  ==============================================================
    column           dtype         meaning
    ===============  ============  ==============================================================
    recency          ``int64``     months since the last purchase (1-12)
    history_segment  ``category``  past-year spend band, ordered ("1) $0 - $100" ... "7) $1,000 +")
    history          ``float64``   spend in the past year, USD
    mens             ``int64``     1 if the customer bought men's merchandise in the past year
    womens           ``int64``     1 if the customer bought women's merchandise in the past year
    zip_code         ``category``  Urban, Surburban [sic], Rural
    newbie           ``int64``     1 if a new customer in the past twelve months
    channel          ``category``  Phone, Web, Multichannel (where they bought in the past year)
    segment          ``category``  the randomized arm: No E-Mail (control), Mens E-Mail, Womens E-Mail
    visit            ``int64``     1 if the customer visited the site in the two weeks after the e-mail
    conversion       ``int64``     1 if the customer bought in those two weeks
    spend            ``float64``   USD spent in those two weeks
    ===============  ============  ==============================================================

    Raises
    ------
    DataError
        If a column is missing or a text column holds a value outside its known categories.

    Example
    -------
    >>> hs = load_hillstrom()
    >>> hs.groupby("segment", observed=True)["visit"].mean().round(3).to_dict()
    {'No E-Mail': 0.106, 'Mens E-Mail': 0.183, 'Womens E-Mail': 0.151}
    """
    path = Path(path) if path is not None else data_dir() / "hillstrom.csv"
    if not path.is_file():
        raise DataError(f"{path}: file not found. Pass the path of hillstrom.csv, or set $PROFILING_DATA.")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in HILLSTROM_DTYPES if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path}: column(s) {missing} missing; found {list(raw.columns)}. "
            "This is not the Hillstrom e-mail file; use the copy shipped in data/."
        )
    out = {}
    for column, dtype in HILLSTROM_DTYPES.items():
        values = raw[column]
        if dtype == "category":
            categories = HILLSTROM_CATEGORIES[column]
            unknown = sorted(set(values.unique()) - set(categories))
            if unknown:
                raise DataError(
                    f"{path}: column '{column}' has unknown value(s) {unknown[:5]}; expected {categories}. "
                    "Use the unmodified Hillstrom file."
                )
            out[column] = pd.Categorical(values, categories=categories, ordered=column == "history_segment")
        else:
            converted = pd.to_numeric(values, errors="coerce")
            if converted.isna().any():
                row = int(np.flatnonzero(converted.isna().to_numpy())[0])
                raise DataError(
                    f"{path}: column '{column}' has a non-numeric value {values.iloc[row]!r} at data row {row + 1}. "
                    "Use the unmodified Hillstrom file."
                )
            out[column] = converted.astype(dtype)
    return pd.DataFrame(out, columns=list(HILLSTROM_DTYPES))


# --------------------------------------------------------------------------------------------
# How shops name the columns and write their CSV files
# --------------------------------------------------------------------------------------------

#: Names under which shops' exports commonly hold each canonical column, English and Chinese.
#: Matching ignores case, spaces, punctuation and full-width forms: "CustomerID", "customer_id",
#: "CUSTOMER-ID" and "用户 ID" are matched like "customer id" and "用户id" (see :func:`suggest_columns`).
SYNONYMS: dict[str, list[str]] = {
    "customer_id": ["customer id", "customer", "customer no", "customer number", "customer code", "cust id",
                    "client id", "client", "client no", "client number", "user", "user id", "user name",
                    "member id", "member", "member no", "buyer id", "buyer", "account id", "account",
                    "shopper id", "shopper", "contact id", "consumer id",
                    "用户ID", "用户id", "会员ID", "客户ID", "买家ID", "顾客ID", "用户编号", "会员编号", "客户编号",
                    "客户编码", "用户名", "会员名", "买家会员名", "买家昵称", "买家账号", "会员账号", "用户", "会员",
                    "客户", "买家", "顾客"],
    "invoice_id": ["invoice", "invoice id", "invoice no", "invoice number", "order", "order id", "order no",
                   "order number", "order ref", "transaction id", "transaction", "receipt id", "receipt",
                   "basket id", "bill no", "document no",
                   "订单编号", "订单号", "订单ID", "订单", "主订单编号", "订单流水号", "交易号", "交易单号", "交易编号",
                   "流水号", "发票号", "单号", "小票号"],
    "item_id": ["stock code", "stockcode", "item", "item id", "item code", "item no", "sku", "sku id", "product id",
                "product code", "product", "article", "article id", "article no", "asin", "ean", "upc", "barcode",
                "商品编码", "商品ID", "商品编号", "商品货号", "商品SKU", "SKU编码", "SKU ID", "货号", "商家编码",
                "产品编码", "产品ID", "产品编号", "宝贝ID", "款号", "条码", "条形码"],
    "description": ["description", "item description", "product description", "product name", "item name",
                    "title", "name", "product title", "item title", "article name", "goods name",
                    "商品名称", "商品标题", "品名", "商品名", "产品名称", "宝贝标题", "宝贝名称", "标题", "名称",
                    "商品描述"],
    "quantity": ["quantity", "qty", "units", "unit count", "pieces", "pcs", "count", "quantity ordered",
                 "order quantity", "item quantity", "quantity sold", "number of items",
                 "购买数量", "数量", "件数", "商品数量", "销售数量", "订购数量", "下单数量", "购买件数"],
    "unit_price": ["price", "unit price", "price per unit", "unit cost", "item price", "sale price", "sales price",
                   "price each", "selling price",
                   "单价", "商品单价", "成交价", "成交单价", "销售单价", "价格", "售价", "商品价格", "销售价"],
    "timestamp": ["timestamp", "invoice date", "date", "datetime", "date time", "time", "order date",
                  "order time", "order datetime", "purchase date", "purchase time", "transaction date",
                  "transaction time", "created at", "paid at", "payment date", "payment time", "event time",
                  "sale date",
                  "付款时间", "下单时间", "订单时间", "支付时间", "创建时间", "订单创建时间", "订单付款时间", "成交时间",
                  "交易时间", "购买时间", "下单日期", "订单日期", "交易日期", "日期", "时间"],
    "country": ["country", "country code", "country name", "nation", "market", "ship country",
                "shipping country", "billing country", "country region", "destination country",
                "国家", "国家/地区", "国家地区", "国别", "收货国家"],
}

# Names of line totals (quantity x price): never taken for a unit price (see _is_line_total).
_TOTAL_NAMES = {"amount", "total", "revenue", "sales", "value", "line total", "subtotal", "turnover", "gmv"}
_TOTAL_TOKENS = {"total", "amount", "subtotal", "revenue", "turnover", "gmv", "sum"}
_TOTAL_CJK = ("金额", "总价", "总额", "总计", "合计", "小计", "实付", "应付", "实收", "货款", "销售额", "营业额")
_COUNT_WORDS = {"quantity", "qty", "units", "count", "pieces", "pcs", "items", "数量", "件数"}
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff]")


@functools.lru_cache(maxsize=4096)
def _words(name: str) -> str:
    """A column name as lower-case words: case, punctuation and full-width forms do not count.

    >>> _words("InvoiceDate"), _words("Customer_ID"), _words("ＣＵＳＴＯＭＥＲ－ＩＤ"), _words("用户　ID")
    ('invoice date', 'customer id', 'customer id', '用户 id')
    """
    text = unicodedata.normalize("NFKC", str(name))  # full-width letters, digits, spaces and punctuation
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)  # camelCase, SKUCode
    text = re.sub(r"(?<=[\u2e80-\u9fff\uf900-\ufaff])(?=[0-9A-Za-z])|(?<=[0-9A-Za-z])(?=[\u2e80-\u9fff\uf900-\ufaff])", " ", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).lower().split())


def _is_line_total(name: str) -> bool:
    """Whether a column name reads as a line total (an amount paid), which is not a unit price.

    >>> [_is_line_total(n) for n in ["实付金额", "Total", "Line Amount", "总价", "Unit Price", "Total Quantity"]]
    [True, True, True, True, False, False]
    """
    words = _words(name)
    tokens = set(words.split())
    compact = words.replace(" ", "")
    if tokens & _COUNT_WORDS or any(w in compact for w in ("数量", "件数")):
        return False
    return words in _TOTAL_NAMES or bool(tokens & _TOTAL_TOKENS) or any(w in compact for w in _TOTAL_CJK)


def _match_score(canonical: str, column: str) -> float:
    words = _words(column)
    compact = words.replace(" ", "")
    if not compact:
        return 0.0
    tokens = set(words.split())
    best = 0.0
    for synonym in [canonical.replace("_", " "), *SYNONYMS.get(canonical, [])]:
        syn_words = _words(synonym)
        syn_compact = syn_words.replace(" ", "")
        if compact == syn_compact:
            return 1.0
        syn_tokens = syn_words.split()
        if set(syn_tokens) <= tokens:  # "Customer ID (hashed)", "单价(元)"
            best = max(best, 0.9 - 0.05 * (len(tokens) - len(syn_tokens)))
        if len(syn_compact) >= 3 and _CJK.search(syn_compact) and syn_compact in compact:  # "订单付款时间"
            best = max(best, 0.9 - 0.025 * (len(compact) - len(syn_compact)))
        best = max(best, difflib.SequenceMatcher(None, compact, syn_compact).ratio() * 0.95)
    return best


def suggest_columns(header: Sequence[str], threshold: float = 0.75) -> dict[str, str]:
    """A suggested mapping canonical name -> file column, from the column names alone.

    Every (canonical, column) pair is scored: 1.0 when the normalized name equals the canonical
    name or a known synonym (:data:`SYNONYMS`; "InvoiceDate", "invoice_date" and "INVOICE DATE"
    are all "invoice date", "用户 ID" is "用户id"), about 0.9 when the column's words contain a
    synonym ("Customer ID (hashed)", "单价(元)", "订单付款时间"), else the string similarity. Pairs
    are assigned best first, each column at most once, and only above ``threshold``. A line total
    ("实付金额", "Total Price") is never suggested as the unit price. Check the result: names can
    mislead.

    Example
    -------
    >>> suggest_columns(["Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID"])["timestamp"]
    'InvoiceDate'
    >>> suggest_columns(["订单编号", "用户 ID", "商品名称", "购买数量", "实付金额", "付款时间"])
    {'customer_id': '用户 ID', 'invoice_id': '订单编号', 'description': '商品名称', 'quantity': '购买数量', 'timestamp': '付款时间'}
    """
    scored = []
    for c in COLUMNS:
        for position, column in enumerate(header):
            if c == "unit_price" and _is_line_total(column):
                continue
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


# --------------------------------------------------------------------------------------------
# A user's own transaction file
# --------------------------------------------------------------------------------------------

_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_EXCEL_SUFFIXES = {".xlsx", ".xlsm"}
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
_ID_COLUMNS = ["customer_id", "invoice_id", "item_id"]
_TEXT_COLUMNS = ["customer_id", "invoice_id", "item_id", "description", "country"]


def _fail(path: Path, problem: str, fix: str, column: str | None = None, source: str | None = None) -> DataError:
    where = ""
    if column is not None:
        where = f" column '{column}'" + (f" (your column '{source}')" if source and source != column else "") + ":"
    return DataError(f"{path}:{where} {problem} {fix}")


def _row_label(i: int, kind: str) -> str:
    """Where data row ``i`` (0-based) is in the user's file."""
    if kind == "parquet":
        return f"row {i} (0-based)"
    return f"data row {i + 1} (line {i + 2} of the file, counting the header)"


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
            out[c] = _to_number(path, kind, values, c, name).astype("float64")
        else:  # timestamp
            out[c] = _to_timestamp(path, kind, values, name, timestamp_format)
    frame = pd.DataFrame(out, columns=COLUMNS)
    return frame.astype(DTYPES)


def sample_customers(transactions: pd.DataFrame, n: int | None, random_state: int | None = 0) -> pd.DataFrame:
    """The lines of ``n`` randomly chosen customers (seeded), in their original order.

    Customers are drawn without replacement from the sorted distinct non-missing ``customer_id``
    values, so the result depends only on the data and ``random_state``. Lines without a customer
    are not returned (they belong to no sampled customer).

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions (at least a ``customer_id`` column).
    n : int or None
        How many customers; ``None`` returns ``transactions`` itself, unchanged.
    random_state : int, optional
        Seed of the draw.

    Returns
    -------
    DataFrame
        The selected lines, with a fresh 0..k-1 index.

    Example
    -------
    >>> small = sample_customers(load_online_retail(), 300, random_state=42)
    >>> small["customer_id"].nunique()
    300
    """
    if n is None:
        return transactions
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"sample_customers: n must be a non-negative whole number or None, got {n!r}.")
    if "customer_id" not in transactions.columns:
        raise ValueError("sample_customers: the frame has no 'customer_id' column; load it with load_transactions first.")
    ids = pd.Series(transactions["customer_id"].dropna().unique()).astype("str").sort_values(kind="stable").to_numpy()
    if n > len(ids):
        raise ValueError(
            f"sample_customers: asked for {n} customers but the data has only {len(ids)} with an id. "
            f"Pass n <= {len(ids)} (or n=None for all)."
        )
    rng = np.random.default_rng(random_state)
    chosen = ids[rng.choice(len(ids), size=int(n), replace=False)]
    keep = transactions["customer_id"].isin(chosen).to_numpy()
    return transactions.loc[keep].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Synthetic transactions
# --------------------------------------------------------------------------------------------

#: Countries of the synthetic shop and each one's share of customers (Online Retail-like).
SYNTHETIC_COUNTRIES: dict[str, float] = {
    "United Kingdom": 0.85,
    "Germany": 0.03,
    "France": 0.03,
    "EIRE": 0.02,
    "Netherlands": 0.02,
    "Spain": 0.015,
    "Belgium": 0.015,
    "Switzerland": 0.01,
    "Portugal": 0.01,
}
# Relative order intensity by month (Jan..Dec), weekday (Mon..Sun) and hour (7..20 h).
_MONTH_WEIGHT = np.array([0.75, 0.75, 0.95, 0.9, 0.95, 0.95, 0.95, 0.95, 1.25, 1.4, 1.8, 1.5])
_WEEKDAY_WEIGHT = np.array([1.0, 1.05, 1.05, 1.15, 0.85, 0.05, 0.6])
_HOURS = np.arange(7, 21)
_HOUR_WEIGHT = np.array([0.2, 0.8, 1.0, 1.25, 1.4, 1.55, 1.45, 1.25, 1.0, 0.6, 0.35, 0.2, 0.2, 0.1])
_PACKS = np.array([1, 2, 3, 4, 6, 8, 12, 24])
_PACK_WEIGHT = np.array([0.28, 0.2, 0.08, 0.1, 0.12, 0.04, 0.14, 0.04])
_ADJECTIVES = [
    "RED", "WHITE", "PINK", "BLUE", "GREEN", "IVORY", "VINTAGE", "RETRO", "HEART", "STAR", "FLORAL",
    "GLASS", "WOODEN", "PAPER", "JUMBO", "SMALL", "LARGE", "REGENCY", "CHRISTMAS", "SPOTTY", "PARTY",
]
_NOUNS = [
    "T-LIGHT HOLDER", "MUG", "SHOPPER BAG", "CANDLE", "CAKE STAND", "NAPKINS", "LANTERN", "CUSHION COVER",
    "DOORMAT", "PHOTO FRAME", "TEACUP AND SAUCER", "BUNTING", "GIFT WRAP", "STORAGE TIN", "ALARM CLOCK",
    "NOTEBOOK", "LUNCH BOX", "HOT WATER BOTTLE", "WALL SIGN", "DECORATION",
]


def _arrow_take(labels: list[str], index: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """``labels[index]`` as a pandas ``str`` Series, fast (Arrow ``take``); ``missing`` → NA."""
    import pyarrow as pa

    taken = pa.array(labels, type=pa.string()).take(pa.array(index, mask=missing))
    return pd.Series(pd.array(taken, dtype="str"))


def make_transactions(
    n_customers: int = 1000,
    n_items: int = 500,
    start: str = "2010-01-01",
    end: str = "2010-12-31",
    random_state: int | None = 0,
    *,
    orders_per_customer: float = 5.0,
    lines_per_order: float = 10.0,
    repeat_share: float = 0.4,
    return_share: float = 0.03,
    guest_share: float = 0.0,
    countries: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Synthetic transactions in the canonical schema, with the shapes of a real shop.

    Shapes built in (all vectorized: about 1M lines per second):

    * skewed activity: orders per customer are ``1 + Poisson(gamma-distributed rate)`` (negative
      binomial), so a few customers place many orders; basket sizes vary by customer
      (lognormal), and about 8 % of customers are wholesalers buying larger quantities;
    * most customers are there from the start, the others join during the period (and order at
      the same rate once there);
    * item popularity is Zipf-like (weight ``1/(rank + 10)``); each customer has eight favourite items,
      and ``repeat_share`` of their lines re-buy one of them;
    * seasonality: more orders in September-December (peak in November), few on Saturdays, and
      order times in business hours (07:00-20:59, peak around noon);
    * returns: ``return_share`` of the orders get a cancellation invoice (id ``"C..."``) up to 30 days
      later that takes back some of their lines with negative quantity (cancellations that would
      fall after ``end`` are left out, as in a real extract);
    * countries drawn per customer from ``countries`` (default :data:`SYNTHETIC_COUNTRIES`);
    * optionally ``guest_share`` of the orders have no customer id (like guest check-outs).

    Invoice numbers increase with time (as in Online Retail); lines are sorted by invoice.

    Parameters
    ----------
    n_customers, n_items : int
        Customers and distinct items (about ``n_customers * orders_per_customer * lines_per_order``
        lines come out: 50 per customer by default).
    start, end : str
        First and last day of the period (inclusive).
    random_state : int, optional
        Seed; the same seed gives the same frame.
    orders_per_customer, lines_per_order : float
        Means of orders per customer (>= 1) and lines per order (>= 1).
    repeat_share, return_share, guest_share : float
        Shares in [0, 1] described above.
    countries : mapping, optional
        Country name → share of customers (normalized).

    Returns
    -------
    DataFrame
        Canonical columns :data:`COLUMNS` and :data:`DTYPES`. Customer ids are ``"10000"``,
        ``"10001"``, ...; item ids ``"20000"``...; invoice ids ``"500000"``... (``"C500123"`` for
        cancellations).

    Example
    -------
    >>> tx = make_transactions(n_customers=200, random_state=1)
    >>> sorted(tx.columns) == sorted(COLUMNS)
    True
    """
    if int(n_customers) < 1 or int(n_items) < 1:
        raise ValueError(f"make_transactions: n_customers and n_items must be >= 1, got {n_customers}, {n_items}.")
    if orders_per_customer < 1 or lines_per_order < 1:
        raise ValueError("make_transactions: orders_per_customer and lines_per_order are means and must be >= 1.")
    for name, share in (("repeat_share", repeat_share), ("return_share", return_share), ("guest_share", guest_share)):
        if not 0 <= share <= 1:
            raise ValueError(f"make_transactions: {name} must be in [0, 1], got {share}.")
    days = pd.date_range(start, end, freq="D")
    if len(days) == 0:
        raise ValueError(f"make_transactions: end ({end}) is before start ({start}).")
    countries = dict(countries or SYNTHETIC_COUNTRIES)
    rng = np.random.default_rng(random_state)
    n_customers, n_items = int(n_customers), int(n_items)

    # Days: seasonal intensity, and its cumulative distribution for inverse-CDF draws.
    weight = _MONTH_WEIGHT[days.month.to_numpy() - 1] * _WEEKDAY_WEIGHT[days.day_of_week.to_numpy()]
    day_cdf = np.cumsum(weight) / weight.sum()

    # Items: Zipf-like popularity over a random ranking, a price and a description each.
    rank = rng.permutation(n_items)
    popularity = 1.0 / (rank + 10.0)  # Zipf-Mandelbrot: a long tail, no single item dominating
    popularity /= popularity.sum()
    item_cdf = np.cumsum(popularity)
    item_cdf[-1] = 1.0
    price = np.round(np.round(np.exp(rng.normal(np.log(2.5), 0.8, n_items)), 1) + 0.05, 2)
    price = np.clip(price, 0.15, 250.0)
    adjectives = rng.integers(0, len(_ADJECTIVES), (n_items, 2))
    nouns = rng.integers(0, len(_NOUNS), n_items)
    descriptions = [
        f"{_ADJECTIVES[a]} {_ADJECTIVES[b]} {_NOUNS[c]}" if a != b else f"{_ADJECTIVES[a]} {_NOUNS[c]}"
        for a, b, c in zip(adjectives[:, 0], adjectives[:, 1], nouns)
    ]
    suffix = np.where(rng.random(n_items) < 0.15, "A", "")
    item_ids = [f"{20000 + i}{s}" for i, s in enumerate(suffix)]

    # Customers: activity, join time, basket size, wholesale flag, country, favourites.
    # 70 % are customers from the start; the others join during the period and order at the same
    # rate per unit of time, so their expected number of orders shrinks with the time left.
    activity = rng.gamma(shape=0.6, scale=1 / 0.6, size=n_customers)
    join_q = np.where(rng.random(n_customers) < 0.7, 0.0, rng.random(n_customers) * 0.9)
    time_left = (1.0 - join_q) / (1.0 - join_q).mean()
    n_orders = 1 + rng.poisson((orders_per_customer - 1) * activity * time_left)
    basket = lines_per_order * rng.lognormal(-0.18, 0.6, n_customers)
    wholesale = rng.random(n_customers) < 0.08
    shares = np.array(list(countries.values()), dtype=float)
    country = rng.choice(len(countries), n_customers, p=shares / shares.sum())
    n_fav = min(8, n_items)
    favourites = np.searchsorted(item_cdf, rng.random((n_customers, n_fav)), side="right").clip(0, n_items - 1)

    # Orders: a customer, a day after the customer joined, a time of day.
    n_order = int(n_orders.sum())
    order_customer = np.repeat(np.arange(n_customers), n_orders)
    q0 = join_q[order_customer]
    quantile = q0 + rng.random(n_order) * (1.0 - q0)
    order_day = np.minimum(np.searchsorted(day_cdf, quantile, side="right"), len(days) - 1)
    minutes = rng.choice(_HOURS, n_order, p=_HOUR_WEIGHT / _HOUR_WEIGHT.sum()) * 60 + rng.integers(0, 60, n_order)
    day_us = days.to_numpy().astype("datetime64[us]")
    order_time = day_us[order_day] + (minutes * 60_000_000).astype("timedelta64[us]")
    guest = rng.random(n_order) < guest_share

    # Lines: basket size per order, favourite or popular item, pack-size quantities.
    n_lines = 1 + rng.poisson(np.maximum(basket[order_customer] - 1.0, 0.0))
    n_line = int(n_lines.sum())
    line_order = np.repeat(np.arange(n_order), n_lines)
    line_customer = order_customer[line_order]
    from_favourites = rng.random(n_line) < repeat_share
    favourite = favourites[line_customer, rng.integers(0, n_fav, n_line)]
    popular = np.searchsorted(item_cdf, rng.random(n_line), side="right").clip(0, n_items - 1)
    item = np.where(from_favourites, favourite, popular)
    quantity = _PACKS[rng.choice(len(_PACKS), n_line, p=_PACK_WEIGHT)]
    bulk = np.array([1, 2, 4, 10])[rng.choice(4, n_line, p=[0.3, 0.3, 0.25, 0.15])]
    quantity = quantity * np.where(wholesale[line_customer], bulk, 1)
    unit_price = np.where(quantity >= 24, np.round(price[item] * 0.85, 2), price[item])

    # Returns: some orders get a later cancellation invoice taking back some of their lines.
    # A cancellation that would fall after the period is not in the data (as in a real extract).
    delay = rng.integers(0, 30, n_order) * 1440 + rng.integers(10, 120, n_order)
    cancel_time = order_time + (delay * 60_000_000).astype("timedelta64[us]")
    last_moment = day_us[-1] + np.timedelta64(24 * 60 - 1, "m").astype("timedelta64[us]")
    returned_order = (rng.random(n_order) < return_share) & (cancel_time <= last_moment)
    returned = returned_order[line_order] & (rng.random(n_line) < 0.6)
    ret_lines = np.flatnonzero(returned)
    ret_orders, ret_pos = np.unique(line_order[ret_lines], return_inverse=True)
    ret_time = cancel_time[ret_orders]
    full = rng.random(len(ret_lines)) < 0.7
    partial = np.ceil(rng.random(len(ret_lines)) * quantity[ret_lines]).astype(np.int64)
    ret_quantity = -np.where(full, quantity[ret_lines], partial)

    # Invoice numbers follow time (orders and cancellations share one sequence).
    inv_time = np.concatenate([order_time, ret_time])
    inv_seq = np.empty(len(inv_time), dtype=np.int64)
    inv_seq[np.lexsort((np.arange(len(inv_time)), inv_time))] = np.arange(len(inv_time))
    inv_cancel = np.concatenate([np.zeros(n_order, bool), np.ones(len(ret_orders), bool)])
    inv_labels = [("C" if c else "") + str(500000 + s) for c, s in zip(inv_cancel.tolist(), inv_seq.tolist())]
    inv_customer = np.concatenate([order_customer, order_customer[ret_orders]])
    inv_guest = np.concatenate([guest, guest[ret_orders]])

    all_inv = np.concatenate([line_order, n_order + ret_pos])
    all_item = np.concatenate([item, item[ret_lines]])
    all_qty = np.concatenate([quantity, ret_quantity]).astype(np.int64)
    all_price = np.concatenate([unit_price, unit_price[ret_lines]]).astype(np.float64)
    order = np.lexsort((np.arange(len(all_inv)), inv_seq[all_inv]))
    all_inv, all_item, all_qty, all_price = all_inv[order], all_item[order], all_qty[order], all_price[order]
    line_cust = inv_customer[all_inv]

    customer_labels = [str(10000 + c) for c in range(n_customers)]
    country_labels = list(countries)
    frame = pd.DataFrame(
        {
            "customer_id": _arrow_take(customer_labels, line_cust, inv_guest[all_inv]),
            "invoice_id": _arrow_take(inv_labels, all_inv),
            "item_id": _arrow_take(item_ids, all_item),
            "description": _arrow_take(descriptions, all_item),
            "quantity": all_qty,
            "unit_price": all_price,
            "timestamp": inv_time[all_inv],
            "country": _arrow_take(country_labels, country[line_cust]),
        },
        columns=COLUMNS,
    )
    return frame.astype(DTYPES)
