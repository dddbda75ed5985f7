"""Prices written with a currency (profiling.datasets.money) and the currency a file states (load_transactions)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profiling.datasets import DataError, load_transactions
from profiling.datasets.money import parse_prices


@pytest.mark.parametrize(("values", "numbers", "currency"), [
    (["€12.50", "€ 1,234.00", "-€3.10", "0", ""], [12.5, 1234.0, -3.1, 0.0, np.nan], "EUR"),
    (["12.50 EUR", "3 EUR", "-4.5 EUR"], [12.5, 3.0, -4.5], "EUR"),
    (["£6.95", "£0.85"], [6.95, 0.85], "GBP"),
    (["$1,000,000.5", "$.5"], [1000000.5, 0.5], "$"),
    (["US$2.00", "US$3"], [2.0, 3.0], "USD"),
    (["￥8.00", "9元", "RMB 10"], [8.0, 9.0, 10.0], "CNY"),
    (["CHF 4.20", "5"], [4.2, 5.0], "CHF"),
])
def test_prices_with_one_currency_are_read(values, numbers, currency):
    got, found = parse_prices(pd.Series(values, dtype="object"))
    np.testing.assert_allclose(got.to_numpy(), numbers)
    assert found == currency


@pytest.mark.parametrize("values", [
    ["€12.50", "$3.00"],          # two currencies
    ["12.50", "3"],               # no currency at all: plain numbers are not this function's business
    ["12,50 €", "3 €"],           # a decimal comma is ambiguous
    ["€1,23.0"],                  # a comma outside groups of three
    ["€12.50 EUR"],               # a sign and a code on one value
    ["€12.50", "twelve"],         # text that is no number
    ["--€3"], ["-€-3"],           # two signs
])
def test_anything_else_is_not_read(values):
    assert parse_prices(pd.Series(values, dtype="object")) == (None, None)


HEADER = "customer_id,invoice_id,item_id,quantity,unit_price,timestamp"


def _file(tmp_path, text: str, name: str = "orders.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_a_file_with_prices_in_euros_loads_and_says_so(tmp_path):
    path = _file(tmp_path, HEADER + '\n1,A,x,2,€6.95,2024-03-05\n2,B,y,-1,"€1,250.00",2024-03-06\n')
    before = path.read_bytes()
    tx = load_transactions(path)
    assert tx["unit_price"].tolist() == [6.95, 1250.0]
    assert tx.attrs["currency"] == {"value": "EUR", "from": "the prices of your column 'unit_price'"}
    assert path.read_bytes() == before


def test_a_currency_column_states_the_currency(tmp_path):
    path = _file(tmp_path, HEADER + ",币种\n1,A,x,2,6.95,2024-03-05,CNY\n2,B,y,1,3,2024-03-06,CNY\n", encoding="gbk")
    tx = load_transactions(path, encoding="gbk")
    assert tx.attrs["currency"] == {"value": "CNY", "from": "your column '币种'"}


def test_plain_numbers_state_no_currency(tmp_path):
    tx = load_transactions(_file(tmp_path, HEADER + "\n1,A,x,2,6.95,2024-03-05\n"))
    assert "currency" not in tx.attrs


def test_several_currencies_are_refused_with_the_file_column_and_fix(tmp_path):
    path = _file(tmp_path, HEADER + ",Currency\n1,A,x,2,6.95,2024-03-05,EUR\n2,B,y,1,3,2024-03-06,USD\n")
    with pytest.raises(DataError) as err:
        load_transactions(path)
    message = str(err.value)
    assert str(path) in message and "'Currency'" in message and "EUR, USD" in message
    assert "Convert the prices to one currency" in message and "\n" not in message


def test_a_currency_column_that_contradicts_the_prices_is_refused(tmp_path):
    path = _file(tmp_path, HEADER + ",currency\n1,A,x,2,£6.95,2024-03-05,EUR\n")
    with pytest.raises(DataError, match=r"says the amounts are in EUR, but the prices of column 'unit_price' are written in GBP"):
        load_transactions(path)


def test_prices_with_mixed_signs_keep_the_old_message(tmp_path):
    path = _file(tmp_path, HEADER + "\n1,A,x,2,€6.95,2024-03-05\n2,B,y,1,$3,2024-03-06\n")
    with pytest.raises(DataError, match=r"Remove currency signs and thousands separators"):
        load_transactions(path)


def test_profiling_columns_says_which_currency_the_prices_are_written_in(tmp_path):
    from profiling.cli.columns import columns_text

    euros = columns_text(_file(tmp_path, HEADER + "\n1,A,x,2,€6.95,2024-03-05\n"))
    assert "# Prices are written in EUR ('unit_price')" in euros
    plain = columns_text(_file(tmp_path, HEADER + "\n1,A,x,2,6.95,2024-03-05\n", name="plain.csv"))
    assert "Prices are written in" not in plain
