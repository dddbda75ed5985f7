"""The corpus of shop shapes that the default report is run on (tests/test_shops_*.py).

Each shop is an export as another shop would write it: a synthetic shop from ``make_transactions``
(other dates, customers, currencies, column names, encodings) or changed by hand (sparse weeks,
one country, neither countries nor descriptions). :func:`run_report` runs ``profiling report`` on it
as a subprocess, the way an analyst does (column mapping from ``profiling columns`` where the names are not canonical),
and :func:`shipped_facts` finds what the report must not say: facts of the shipped Online Retail II
shop (its name, its currency, its dates).
"""

from __future__ import annotations

import html
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pandas as pd

from frames import THEIR_NAMES
from profiling import datasets

#: Chinese headers as Chinese shops export them (matched by ``profiling columns``).
CHINESE_NAMES = {"customer_id": "会员ID", "invoice_id": "订单编号", "item_id": "商品编号", "description": "商品名称",
                 "quantity": "购买数量", "unit_price": "单价", "timestamp": "付款时间", "country": "国家"}

#: Every chapter of the default report.
DEFAULT_CHAPTERS = {"02", "03", "04", "05", "06", "07", "08", "09", "10", "11"}


@dataclass
class Shop:
    """One shop of the corpus: how its file is made, and what its report should show."""

    name: str
    start: str
    end: str
    customers: int
    write: Callable[[pd.DataFrame, Path], Path] = None  # canonical frame -> the export's path
    change: Callable[[pd.DataFrame], pd.DataFrame] = lambda tx: tx  # applied to the canonical frame first
    currency: str | None = None        # the currency the report should label amounts with (None: "currency")
    skipped: set[str] = field(default_factory=set)   # chapters skipped for a column the shop lacks
    extra: tuple[str, ...] = ()        # more options of `profiling report`


def _canonical_csv(tx: pd.DataFrame, folder: Path, name: str) -> Path:
    path = folder / f"{name}.csv"
    tx.to_csv(path, index=False)
    return path


def _euro_export(tx: pd.DataFrame, folder: Path, name: str) -> Path:
    """Other column names, US dates (month first), prices written as "€1,234.50"."""
    export = tx.rename(columns=THEIR_NAMES)
    export["Unit Cost"] = "€" + tx["unit_price"].map("{:,.2f}".format)
    export["Paid At"] = tx["timestamp"].dt.strftime("%m/%d/%Y %H:%M")
    path = folder / f"{name}.csv"
    export.to_csv(path, index=False)
    return path


def _chinese_export(tx: pd.DataFrame, folder: Path, name: str) -> Path:
    """Chinese headers, GBK bytes, dates as 2021/08/13 09:52, a 币种 column saying CNY."""
    export = tx.rename(columns=CHINESE_NAMES)
    export["付款时间"] = tx["timestamp"].dt.strftime("%Y/%m/%d %H:%M")
    export["币种"] = "CNY"
    path = folder / f"{name}.csv"
    export.to_csv(path, index=False, encoding="gbk")
    return path


def _sparse_weeks(tx: pd.DataFrame) -> pd.DataFrame:
    """Sales in one week of every three (a shop open for fairs, or an export with gaps)."""
    week = (tx["timestamp"] - tx["timestamp"].min()).dt.days // 7
    return tx[week % 3 == 0].reset_index(drop=True)


def _one_country(tx: pd.DataFrame) -> pd.DataFrame:
    return tx.assign(country="Germany")


def _required_only(tx: pd.DataFrame) -> pd.DataFrame:
    """Only the required columns: no countries, no product descriptions."""
    return tx.drop(columns=["country", "description"])


def _named(writer: Callable[[pd.DataFrame, Path, str], Path], name: str) -> Callable[[pd.DataFrame, Path], Path]:
    return lambda tx, folder: writer(tx, folder, name)


def _shop(name: str, start: str, end: str, customers: int, writer=_canonical_csv, **kw) -> Shop:
    return Shop(name, start, end, customers, write=_named(writer, name), **kw)


#: The corpus (the all-returns shop is in tests/test_cli.py: it stops before any chapter).
SHOPS = {s.name: s for s in [
    _shop("weeks7", "2021-08-13", "2021-09-30", 600),
    _shop("months7", "2021-03-01", "2021-09-26", 800),
    _shop("years3", "2019-01-01", "2021-12-31", 1000),
    _shop("euro_shop", "2022-01-01", "2022-07-31", 600, writer=_euro_export, currency="EUR"),
    _shop("zh_weeks8", "2023-03-01", "2023-04-26", 600, writer=_chinese_export, currency="CNY"),
    _shop("sparse_weeks", "2021-01-01", "2021-09-30", 600, change=_sparse_weeks),
    _shop("one_country", "2021-01-01", "2021-08-31", 600, change=_one_country),
    _shop("no_countries", "2021-01-01", "2021-08-31", 600, change=_required_only, skipped={"02", "05", "08", "11"}),
]}


def make_shop(shop: Shop, folder: Path) -> Path:
    tx = datasets.make_transactions(shop.customers, n_items=300, start=shop.start, end=shop.end, random_state=7)
    return shop.write(shop.change(tx), folder)


def history_shop(folder: Path, name: str, start: str, end: str, customers: int) -> Path:
    """A synthetic shop of ``customers`` from ``start`` to ``end`` in the canonical columns, written as ``name.csv``."""
    return make_shop(_shop(name, start, end, customers), folder)


def suggested_options(path: Path) -> list[str]:
    """The options ``profiling columns`` suggests for ``profiling profiles`` (encoding, format), with the mapping as a flag."""
    result = subprocess.run([sys.executable, "-m", "profiling", "columns", str(path)], capture_output=True,
                            text=True, cwd=path.parent, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    command = next(line for line in lines if line.startswith("#   profiling profiles"))
    words = shlex.split(command.split("--data ", 1)[1].split(" --columns ")[0])[1:]  # after the file name
    options = list(words)
    flag = next(line for line in lines if line.startswith("# As a flag: --columns "))
    return options + ["--columns", flag.split("--columns ", 1)[1].strip("'")]


def run_report(path: Path, out: Path, *extra: str) -> tuple[int, str, dict]:
    """``profiling report`` as a subprocess: (exit code, stderr, run.json or {})."""
    result = subprocess.run([sys.executable, "-m", "profiling", "report", "--data", str(path), "--out", str(out), *extra],
                            capture_output=True, text=True, cwd=path.parent, timeout=1800)
    run = json.loads((out / "run.json").read_text(encoding="utf-8")) if (out / "run.json").is_file() else {}
    return result.returncode, result.stderr, run


def visible_text(page: Path, table_cells: bool = True) -> str:
    """The text a reader sees on an HTML page: no tags, scripts, styles or embedded images (``table_cells=False``:
    nor the bodies of tables -- their values and row labels --, only their column headers)."""
    text = page.read_text(encoding="utf-8")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    if not table_cells:
        text = re.sub(r"(?is)<tbody\b.*?</tbody>", " ", text)
    text = re.sub(r"(?s)<[^>]+>", " ", text)
    return html.unescape(text)


def shipped_facts(report: Path, first: pd.Timestamp, last: pd.Timestamp, currency: str | None) -> list[str]:
    """Facts of the shipped shop on the report's pages: its name, GBP (unless that is the currency), dates before the data.

    GBP is looked for outside the bodies of tables: a country table may rightly say that the
    United Kingdom pays in GBP, but no label, header or sentence may call the amounts GBP. Dates
    more than 400 days before the data are the shipped shop's (2009-2010; the corpus is 2019-2023);
    later dates (the report's creation date) are not facts of it."""
    found = []
    for page in sorted(report.rglob("*.html")):
        text = visible_text(page)
        where = page.relative_to(report).as_posix()
        for fact in ("Online Retail", "UCI", "giftware"):
            if fact in text:
                found.append(f"{where}: {fact!r}")
        if currency != "GBP" and re.search(r"\bGBP\b|£", visible_text(page, table_cells=False)):
            found.append(f"{where}: 'GBP'")
        for m in re.finditer(r"\b((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?\b", text):
            year, month = int(m.group(1)), int(m.group(2))
            if not 1 <= month <= 12:
                continue
            stamp = pd.Timestamp(year=year, month=month, day=int(m.group(3) or 1))
            if stamp < first - pd.Timedelta(days=400):
                found.append(f"{where}: date {m.group(0)!r}")
        for m in re.finditer(r"\b(?:January|February|March|April|May|June|July|August|September|October|November|"
                             r"December)\s+((?:19|20)\d\d)\b", text):
            if int(m.group(1)) < first.year - 1:
                found.append(f"{where}: date {m.group(0)!r}")
    return sorted(set(found))
