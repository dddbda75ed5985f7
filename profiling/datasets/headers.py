"""How shops name the columns: which of a file's columns is which canonical column.

:data:`SYNONYMS` lists, for each canonical column, the names under which shops' exports commonly
hold it, English and Chinese (``InvoiceNo``, ``用户ID``, ``付款时间``...). :func:`suggest_columns`
scores every (canonical column, file column) pair against them -- case, spaces, punctuation and
full-width forms do not count -- and proposes a mapping for
:func:`~profiling.datasets.load_transactions`. A line total ("实付金额", "Total Price") is never
taken for a unit price (``_is_line_total``, also used in the loader's and ``profiling columns``'
messages).

Example
-------
>>> header = ["Order No", "Client", "SKU", "Qty", "Unit Cost", "Paid At", "Total"]
>>> suggest_columns(header)
{'customer_id': 'Client', 'invoice_id': 'Order No', 'item_id': 'SKU', 'quantity': 'Qty', 'unit_price': 'Unit Cost', 'timestamp': 'Paid At'}
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Sequence

from profiling.datasets.schema import COLUMNS

__all__ = [
    "SYNONYMS",
    "suggest_columns",
]

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
