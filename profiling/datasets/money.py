"""Prices written as text with a currency: "€12.50", "$1,234.00", "12.50 EUR", "¥8.00", "8.00元".

Shops export prices the way their back office shows them. :func:`parse_prices` reads such a
column when **one** currency marks every value that has one (a sign or a three-letter code before
or after the number) and thousands are separated by commas in the usual groups of three; it
returns the numbers and the currency, which the report then writes on its amounts (``--currency``
overrides it). A decimal comma ("12,50") stays refused: "1,250" is one thousand two hundred and
fifty in one shop and one and a quarter in another, and guessing would be silently wrong.

Example
-------
>>> numbers, currency = parse_prices(pd.Series(["€12.50", "€1,234.00", "-€3.10", "0"]))
>>> numbers.tolist(), currency
([12.5, 1234.0, -3.1, 0.0], 'EUR')
>>> parse_prices(pd.Series(["12.50 USD", "3 USD"]))[1], parse_prices(pd.Series(["￥8.00", "9元"]))[1]
('USD', 'CNY')
>>> parse_prices(pd.Series(["€12.50", "$3.00"]))   # two currencies: not read (the caller says why)
(None, None)
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["CURRENCY_SIGNS", "parse_prices"]

#: Currency signs and the code a report writes for them. "$" and "¥" name several currencies
#: (USD, CAD, AUD...; JPY and CNY), so they are kept as written; the full-width "￥" and "元" are
#: the renminbi as Chinese shops write it.
CURRENCY_SIGNS = {"€": "EUR", "£": "GBP", "₹": "INR", "₩": "KRW", "₽": "RUB", "₺": "TRY", "￥": "CNY",
                  "元": "CNY", "$": "$", "US$": "USD", "¥": "¥", "RMB": "CNY", "CHF": "CHF", "R$": "BRL"}

_SIGN = "|".join(re.escape(s) for s in sorted(CURRENCY_SIGNS, key=len, reverse=True))
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_PRICE = re.compile(
    rf"^(?P<sign1>[-+]?)\s*(?P<pre>{_SIGN}|[A-Z]{{3}})?\s*(?P<sign2>[-+]?)\s*(?P<number>{_NUMBER})\s*(?P<post>{_SIGN}|[A-Z]{{3}})?$"
)


def parse_prices(values: pd.Series) -> tuple[pd.Series | None, str | None]:
    """(numbers, currency) of price text marked with one currency, or ``(None, None)`` if it is not such text.

    Blank values stay missing. Every non-blank value must be a number with at most one sign; the
    values that carry a currency must all carry the same one (as a sign or code, ISO 4217 codes
    for the signs of :data:`CURRENCY_SIGNS`), and at least one must carry it. Commas are read as
    thousands separators only in groups of three ("1,234.5"); any other comma refuses the column.
    """
    text = values.astype("str").str.strip()
    blank = values.isna() | (text.str.len() == 0)
    parts = text[~blank].str.extract(_PRICE)
    if parts["number"].isna().any():
        return None, None
    marks = parts["pre"].fillna(parts["post"])
    if (parts["pre"].notna() & parts["post"].notna()).any():
        return None, None
    found = {CURRENCY_SIGNS.get(m, m) for m in marks.dropna()}
    if len(found) != 1:
        return None, None
    negative = (parts["sign1"] == "-") | (parts["sign2"] == "-")
    if ((parts["sign1"] != "") & (parts["sign2"] != "")).any():
        return None, None
    numbers = pd.to_numeric(parts["number"].str.replace(",", "", regex=False)).astype("float64")
    numbers = numbers.where(~negative, -numbers)
    out = pd.Series(float("nan"), index=values.index, dtype="float64")
    out[~blank] = numbers.to_numpy()
    return out, found.pop()
