"""Unit tests for profiling.datasets: loaders, validation of a user's file, sampling, synthetic data."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from profiling import datasets
from profiling.datasets import (
    COLUMNS,
    DTYPES,
    ONLINE_RETAIL_COLUMNS,
    OPTIONAL,
    REQUIRED,
    DataError,
    load_hillstrom,
    load_online_retail,
    load_transactions,
    make_transactions,
    sample_customers,
)
from profiling.datasets.sniffing import _guess_timestamp_format
from profiling.storage import data_dir

# The user's file in the tests names the columns like the original Online Retail export.
MAPPING = {"customer_id": "Customer ID", "invoice_id": "Invoice", "item_id": "StockCode", "timestamp": "InvoiceDate"}


def canonical_frame() -> pd.DataFrame:
    """Five canonical lines: two customers, one guest line, one cancellation."""
    frame = pd.DataFrame(
        {
            "customer_id": ["13085", "13085", None, "12346", "12346"],
            "invoice_id": ["489434", "489434", "489435", "489436", "C489437"],
            "item_id": ["85048", "79323P", "POST", "21232", "21232"],
            "description": ["15CM CHRISTMAS GLASS BALL 20 LIGHTS", "PINK CHERRY LIGHTS", None, "STRAWBERRY MUG", "STRAWBERRY MUG"],
            "quantity": [12, 12, 1, 6, -2],
            "unit_price": [6.95, 6.75, 18.0, 1.25, 1.25],
            "timestamp": pd.to_datetime(
                ["2009-12-01 07:45", "2009-12-01 07:45", "2009-12-01 09:06", "2009-12-02 10:00", "2009-12-03 11:30"]
            ),
            "country": ["United Kingdom", "United Kingdom", "France", "EIRE", "EIRE"],
        }
    )
    return frame.astype(DTYPES)


def user_frame() -> pd.DataFrame:
    """The canonical frame as a user would have it: some columns named differently, plus an extra column."""
    frame = canonical_frame().rename(columns=MAPPING)
    frame["Note"] = "x"
    return frame


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


GOOD_CSV = (
    "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
    "489435,POST,POSTAGE,1,2009-12-01 09:06:00,18.0,,France\n"
)


def assert_canonical(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == COLUMNS
    assert {c: str(t) for c, t in frame.dtypes.items()} == DTYPES


# ---------------------------------------------------------------------------------------- schema


def test_schema_constants_consistent():
    assert list(DTYPES) == COLUMNS
    assert sorted(REQUIRED + OPTIONAL) == sorted(COLUMNS)
    assert set(ONLINE_RETAIL_COLUMNS) == set(COLUMNS)


def test_data_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("PROFILING_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    monkeypatch.delenv("PROFILING_DATA")
    assert (data_dir() / "online_retail_ii_2009_2010.parquet").is_file()


def test_line_amount():
    assert line_amounts_equal(datasets.line_amount(canonical_frame()), [83.4, 81.0, 18.0, 7.5, -2.5])


def line_amounts_equal(series: pd.Series, expected: list[float]) -> bool:
    return np.allclose(series.to_numpy(), expected)


# ------------------------------------------------------------------------------ shipped data


def test_load_online_retail():
    tx = load_online_retail()
    assert tx.shape == (525461, 8)
    assert_canonical(tx)
    assert tx["customer_id"].isna().sum() == 107927
    assert tx["customer_id"].nunique() == 4383
    assert not tx["customer_id"].dropna().str.contains(r"\.").any()
    assert tx["timestamp"].min() == pd.Timestamp("2009-12-01 07:45")
    assert tx["timestamp"].max() == pd.Timestamp("2010-12-09 20:01")


def test_load_hillstrom():
    hs = load_hillstrom()
    assert hs.shape == (64000, 12)
    assert list(hs.columns) == list(datasets.HILLSTROM_DTYPES)
    for column, dtype in datasets.HILLSTROM_DTYPES.items():
        assert str(hs[column].dtype) == dtype, column
    assert hs["segment"].value_counts().to_dict() == {"Womens E-Mail": 21387, "Mens E-Mail": 21307, "No E-Mail": 21306}
    assert hs["history_segment"].cat.ordered
    assert set(hs["zip_code"].cat.categories) == {"Urban", "Surburban", "Rural"}
    for column in ["mens", "womens", "newbie", "visit", "conversion"]:
        assert set(hs[column].unique()) <= {0, 1}


def test_load_hillstrom_refuses_other_file(tmp_path):
    path = write_csv(tmp_path / "h.csv", "recency,history\n1,2.0\n")
    with pytest.raises(DataError, match=r"h\.csv.*missing"):
        load_hillstrom(path)
    with pytest.raises(DataError, match="not found"):
        load_hillstrom(tmp_path / "absent.csv")


def test_load_hillstrom_refuses_unknown_category(tmp_path):
    text = Path(data_dir() / "hillstrom.csv").read_text().splitlines()
    text[1] = text[1].replace("Womens E-Mail", "SMS")
    path = write_csv(tmp_path / "h.csv", "\n".join(text[:50]))
    with pytest.raises(DataError, match=r"'segment'.*SMS"):
        load_hillstrom(path)


# ------------------------------------------------------------------ load_transactions: good files


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_round_trip_with_mapping(tmp_path, suffix):
    path = tmp_path / f"orders{suffix}"
    frame = user_frame()
    if suffix == ".csv":
        frame.to_csv(path, index=False)
    elif suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    loaded = load_transactions(path, columns=MAPPING)
    assert_canonical(loaded)
    pd.testing.assert_frame_equal(loaded, canonical_frame())


def test_csv_details(tmp_path):
    """Float customer ids become integer text; a blank customer is missing; extra columns are ignored."""
    path = write_csv(tmp_path / "orders.csv", GOOD_CSV)
    tx = load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)
    assert_canonical(tx)
    assert tx["customer_id"].iloc[0] == "13085"
    assert pd.isna(tx["customer_id"].iloc[1])
    assert tx["invoice_id"].tolist() == ["489434", "489435"]
    assert tx["timestamp"].iloc[1] == pd.Timestamp("2009-12-01 09:06")


def test_float_ids_from_parquet(tmp_path):
    frame = user_frame()
    frame["Customer ID"] = [13085.0, 13085.0, np.nan, 12346.0, 12346.0]
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    tx = load_transactions(path, columns=MAPPING)
    assert tx["customer_id"].tolist()[:2] == ["13085", "13085"]
    assert tx["customer_id"].isna().tolist() == [False, False, True, False, False]


def test_optional_columns_filled_with_missing(tmp_path):
    frame = canonical_frame().drop(columns=["description", "country"])
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False)
    tx = load_transactions(path)
    assert_canonical(tx)
    assert tx["description"].isna().all() and tx["country"].isna().all()


def test_csv_with_byte_order_mark_and_latin1(tmp_path):
    path = write_csv(tmp_path / "bom.csv", GOOD_CSV, encoding="utf-8-sig")
    assert load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)["invoice_id"].iloc[0] == "489434"
    latin = write_csv(tmp_path / "latin.csv", GOOD_CSV.replace("GLASS BALL", "BALL £5 CAFÉ"), encoding="latin-1")
    tx = load_transactions(latin, columns=ONLINE_RETAIL_COLUMNS, encoding="latin-1")
    assert tx["description"].iloc[0] == "BALL £5 CAFÉ"


def test_semicolon_csv_and_day_first_format(tmp_path):
    text = "customer_id;invoice_id;item_id;quantity;unit_price;timestamp\n1;A1;X;2;1.5;01/12/2009 07:45\n1;A2;X;1;1.5;13/12/2009 08:00\n"
    path = write_csv(tmp_path / "semi.csv", text)
    with pytest.raises(DataError, match=r"sep=';'"):
        load_transactions(path)
    tx = load_transactions(path, sep=";", timestamp_format="%d/%m/%Y %H:%M")
    assert tx["timestamp"].tolist() == [pd.Timestamp("2009-12-01 07:45"), pd.Timestamp("2009-12-13 08:00")]


def test_excel_sheet_name(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="notes", index=False)
        user_frame().to_excel(writer, sheet_name="orders", index=False)
    pd.testing.assert_frame_equal(load_transactions(path, columns=MAPPING, sheet_name="orders"), canonical_frame())
    with pytest.raises(DataError, match=r"sheet 'sales' not found.*'orders'"):
        load_transactions(path, columns=MAPPING, sheet_name="sales")


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xlsx"])
def test_input_file_is_not_modified(tmp_path, suffix):
    path = tmp_path / f"orders{suffix}"
    frame = user_frame()
    {".csv": lambda: frame.to_csv(path, index=False), ".parquet": lambda: frame.to_parquet(path), ".xlsx": lambda: frame.to_excel(path, index=False)}[suffix]()
    os.utime(path, ns=(1_000_000_000_000_000_000, 1_000_000_000_000_000_000))
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_transactions(path, columns=MAPPING)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


# ------------------------------------------------------------------- load_transactions: bad files


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match=r"nope\.csv: file not found"):
        load_transactions(tmp_path / "nope.csv")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(DataError, match=r"empty\.csv: the file is empty \(0 bytes\)"):
        load_transactions(path)


def test_blank_lines_only(tmp_path):
    path = write_csv(tmp_path / "blank.csv", "\n\n\n")
    with pytest.raises(DataError, match=r"blank\.csv: .*no data"):
        load_transactions(path)


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_header_only(tmp_path, suffix):
    path = tmp_path / f"header{suffix}"
    frame = canonical_frame().iloc[:0]
    {".csv": lambda: frame.to_csv(path, index=False), ".parquet": lambda: frame.to_parquet(path), ".xlsx": lambda: frame.to_excel(path, index=False)}[suffix]()
    with pytest.raises(DataError, match=rf"header{suffix}: the file has a header but no data rows"):
        load_transactions(path)


def test_random_bytes_as_csv(tmp_path):
    path = tmp_path / "random.csv"
    path.write_bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    with pytest.raises(DataError, match=r"random\.csv: this is not a text table.*Export the data as CSV"):
        load_transactions(path)


def test_random_bytes_without_nul(tmp_path):
    data = np.random.default_rng(1).integers(1, 256, 4096, dtype=np.uint8).tobytes()
    assert b"\x00" not in data
    path = tmp_path / "random.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match="not a text table"):
        load_transactions(path)


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_png_renamed(tmp_path, suffix):
    path = tmp_path / f"picture{suffix}"
    path.write_bytes(PNG)
    with pytest.raises(DataError, match=rf"picture{suffix}: this is not a"):
        load_transactions(path)


def test_required_column_missing(tmp_path):
    path = tmp_path / "orders.csv"
    canonical_frame().drop(columns=["timestamp"]).rename(columns={"customer_id": "Customer Id"}).to_csv(path, index=False)
    with pytest.raises(DataError) as info:
        load_transactions(path)
    message = str(info.value)
    assert "orders.csv" in message
    assert "['customer_id', 'timestamp'] not found" in message
    assert "Columns found: ['Customer Id', 'invoice_id'" in message
    assert "columns={'customer_id': 'Customer Id', 'timestamp': '<your column>'}" in message


def test_reversed_mapping_hint(tmp_path):
    path = tmp_path / "orders.csv"
    user_frame().to_csv(path, index=False)
    with pytest.raises(DataError, match=r"not canonical column names.*canonical name -> your column name.*looks reversed: swap keys and values"):
        load_transactions(path, columns={v: k for k, v in MAPPING.items()})


def test_mapping_names_absent_column(tmp_path):
    path = tmp_path / "orders.csv"
    user_frame().to_csv(path, index=False)
    with pytest.raises(DataError, match=r"orders\.csv: the mapping names column\(s\) the file lacks: 'customer_id' -> 'CustomerID'\. Columns found: \['Customer ID'"):
        load_transactions(path, columns={**MAPPING, "customer_id": "CustomerID"})


def test_mapping_key_not_canonical(tmp_path):
    path = tmp_path / "orders.csv"
    user_frame().to_csv(path, index=False)
    with pytest.raises(DataError, match=r"orders\.csv: the mapping key\(s\) \['user'\] are not canonical"):
        load_transactions(path, columns={**MAPPING, "user": "Customer ID"})


def test_duplicate_column_names_csv(tmp_path):
    path = write_csv(tmp_path / "dup.csv", "customer_id,invoice_id,item_id,quantity,quantity,unit_price,timestamp\n1,A,X,1,2,1.0,2010-01-01 10:00\n")
    with pytest.raises(DataError, match=r"dup\.csv: duplicate column name\(s\) \['quantity'\].*Rename"):
        load_transactions(path)


def test_duplicate_column_names_excel(tmp_path):
    path = tmp_path / "dup.xlsx"
    frame = canonical_frame()
    frame.columns = [*COLUMNS[:-1], "quantity"]  # 'country' header replaced by a second 'quantity'
    frame.to_excel(path, index=False)
    with pytest.raises(DataError, match=r"duplicate column name\(s\) \['quantity'\]"):
        load_transactions(path)


def test_unparseable_timestamp(tmp_path):
    text = GOOD_CSV + "489436,85048,GLASS BALL,1,not a date,6.95,13085,United Kingdom\n"
    path = write_csv(tmp_path / "orders.csv", text)
    with pytest.raises(DataError) as info:
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)
    message = str(info.value)
    assert "orders.csv: column 'timestamp' (your column 'InvoiceDate')" in message
    assert "'not a date' at data row 3 (line 4 of the file" in message
    assert "timestamp_format=" in message


def test_numeric_timestamps_refused(tmp_path):
    frame = canonical_frame()
    frame["timestamp"] = frame["timestamp"].astype("int64")
    path = tmp_path / "orders.parquet"
    frame.to_parquet(path)
    with pytest.raises(DataError, match="column 'timestamp': holds numbers"):
        load_transactions(path)


@pytest.mark.parametrize(("column", "bad"), [("Quantity", "twelve"), ("Quantity", "£12"), ("Price", "6,95"), ("Price", "about 6")])
def test_non_numeric_quantity_or_price(tmp_path, column, bad):
    frame = pd.read_csv(pd.io.common.StringIO(GOOD_CSV), dtype=str)
    frame.loc[1, column] = bad
    path = tmp_path / "orders.csv"
    frame.to_csv(path, index=False)
    canonical = {"Quantity": "quantity", "Price": "unit_price"}[column]
    with pytest.raises(DataError) as info:
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)
    message = str(info.value)
    assert f"orders.csv: column '{canonical}' (your column '{column}')" in message
    assert f"not numbers, e.g. {bad!r} at data row 2" in message


def test_non_integer_quantity(tmp_path):
    path = write_csv(tmp_path / "orders.csv", GOOD_CSV.replace(",12,", ",1.5,"))
    with pytest.raises(DataError, match=r"column 'quantity' \(your column 'Quantity'\): 1 value\(s\) are not whole units, e.g. 1.5 at data row 1"):
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)


def test_missing_quantity(tmp_path):
    path = write_csv(tmp_path / "orders.csv", GOOD_CSV.replace(",12,", ",,"))
    with pytest.raises(DataError, match=r"column 'quantity'.*missing, the first at data row 1"):
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)


def test_missing_invoice(tmp_path):
    path = write_csv(tmp_path / "orders.csv", GOOD_CSV.replace("489435,", ","))
    with pytest.raises(DataError, match=r"column 'invoice_id' \(your column 'Invoice'\).*missing"):
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)


def test_non_utf8_without_encoding(tmp_path):
    path = write_csv(tmp_path / "latin.csv", GOOD_CSV.replace("GLASS BALL", "BALL £5"), encoding="latin-1")
    with pytest.raises(DataError, match=r"latin\.csv: the text is not valid UTF-8: line 2 holds byte 0xa3 .*Pass the file.s encoding: encoding=.latin-1."):
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)


@pytest.mark.parametrize("name", ["orders.json", "orders.xls", "orders"])
def test_unsupported_suffix(tmp_path, name):
    path = write_csv(tmp_path / name, GOOD_CSV)
    with pytest.raises(DataError, match=r"unsupported file type.*Use \.csv, \.parquet or \.xlsx"):
        load_transactions(path)


def test_folder_refused(tmp_path):
    with pytest.raises(DataError, match="is a folder"):
        load_transactions(tmp_path)


def test_data_error_is_value_error():
    assert issubclass(DataError, ValueError)


# ------------------------------------------------------------ what shops export: names, encodings, separators

CHINESE_CSV = (
    "订单编号,用户ID,商品编码,商品名称,购买数量,单价,付款时间,国家/地区\n"
    "DD001,U1,SP-01,陶瓷马克杯,2,39.90,2024-03-01 09:15:00,中国\n"
    "DD002,U2,SP-07,帆布袋,1,25.00,2024-03-02 20:41:00,新加坡\n"
)


@pytest.mark.parametrize("encoding, expected", [
    ("utf-8", None), ("utf-8-sig", None), ("gbk", "gbk"), ("utf-16", "utf-16"),
])
def test_sniff_csv_encodings(tmp_path, encoding, expected):
    path = write_csv(tmp_path / "orders.csv", CHINESE_CSV, encoding=encoding)
    assert datasets.sniff_csv(path) == (expected, ",")
    if expected != "utf-16":  # load_transactions reads UTF-16 too, given the encoding
        assert load_transactions(path, columns=datasets.suggest_columns(CHINESE_CSV.split("\n")[0].split(",")),
                                 encoding=expected)["description"].iloc[1] == "帆布袋"


def test_sniff_csv_western_encodings(tmp_path):
    latin = write_csv(tmp_path / "latin.csv", GOOD_CSV.replace("GLASS BALL", "CAFÉ BALL £5"), encoding="latin-1")
    assert datasets.sniff_csv(latin) == ("latin-1", ",")
    windows = write_csv(tmp_path / "windows.csv", GOOD_CSV.replace("GLASS BALL", "“BALL” €5"), encoding="cp1252")
    assert datasets.sniff_csv(windows) == ("cp1252", ",")
    assert load_transactions(windows, columns=ONLINE_RETAIL_COLUMNS, encoding="cp1252")["description"].iloc[0] == "“BALL” €5"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_sniff_csv_separators(tmp_path, sep):
    text = GOOD_CSV.replace(",", sep).replace("GLASS BALL", "BALL, GLASS" if sep != "," else "BALL GLASS")
    path = write_csv(tmp_path / "orders.csv", text)
    assert datasets.sniff_csv(path) == (None, sep)
    assert datasets.sniff_csv(path, encoding="latin-1", sep="|") == ("latin-1", "|")  # given values are kept


def test_gbk_without_encoding_names_gbk(tmp_path):
    path = write_csv(tmp_path / "orders.csv", CHINESE_CSV, encoding="gbk")
    with pytest.raises(DataError, match=r"orders\.csv: the text is not valid UTF-8: line 1 holds byte 0x.*It reads as "
                                        r"Chinese text: pass encoding='gbk'\."):
        load_transactions(path)


def test_utf16_without_encoding_names_utf16(tmp_path):
    path = write_csv(tmp_path / "orders.csv", CHINESE_CSV, encoding="utf-16")
    with pytest.raises(DataError, match=r"orders\.csv: this is UTF-16 text .*Pass encoding='utf-16'\."):
        load_transactions(path)


def test_cp1252_without_encoding_names_cp1252(tmp_path):
    path = write_csv(tmp_path / "orders.csv", GOOD_CSV.replace("GLASS BALL", "BALL €5"), encoding="cp1252")
    with pytest.raises(DataError, match=r"not valid UTF-8: line 2 holds byte 0x80.*pass encoding='cp1252'"):
        load_transactions(path)


def test_missing_columns_hint_uses_the_names_shops_use(tmp_path):
    """Without a mapping, the message proposes one from the Chinese headers; following it loads the file."""
    import ast

    path = write_csv(tmp_path / "orders.csv", CHINESE_CSV, encoding="gbk")
    with pytest.raises(DataError) as info:
        load_transactions(path, encoding="gbk")
    message = str(info.value)
    assert "required column(s) ['customer_id', 'invoice_id', 'item_id', 'quantity', 'unit_price', 'timestamp'] not found" in message
    proposed = ast.literal_eval(message[message.index("columns={") + len("columns="):].split("}")[0] + "}")
    assert proposed == {"customer_id": "用户ID", "invoice_id": "订单编号", "item_id": "商品编码", "quantity": "购买数量",
                        "unit_price": "单价", "timestamp": "付款时间"}
    assert len(load_transactions(path, columns=proposed, encoding="gbk")) == 2


def test_missing_unit_price_hint_names_the_line_total(tmp_path):
    path = write_csv(tmp_path / "paid.csv", CHINESE_CSV.replace("单价", "实付金额"))
    with pytest.raises(DataError, match=r"\['unit_price'\] not found.*'unit_price': '<your column>'.*'实付金额' looks like a "
                                        r"line total, not a unit price: add a column total / quantity to the file and map that one\."):
        load_transactions(path, columns={"customer_id": "用户ID", "invoice_id": "订单编号", "item_id": "商品编码",
                                         "quantity": "购买数量", "timestamp": "付款时间"})


def test_repeated_name_nothing_uses_is_ignored(tmp_path):
    text = GOOD_CSV.replace("Country", "Note,Note", 1).replace("Kingdom\n", "Kingdom,x\n").replace("France\n", "France,y\n")
    path = write_csv(tmp_path / "notes.csv", text)
    tx = load_transactions(path, columns={k: v for k, v in ONLINE_RETAIL_COLUMNS.items() if k != "country"})
    assert tx["invoice_id"].tolist() == ["489434", "489435"] and tx["country"].isna().all()
    excel = tmp_path / "notes.xlsx"
    frame = user_frame()  # its last column is 'Note'; a second one goes first
    frame.insert(0, "Note", "y", allow_duplicates=True)
    frame.to_excel(excel, index=False)
    pd.testing.assert_frame_equal(load_transactions(excel, columns=MAPPING), canonical_frame())


def test_repeated_name_message_gives_the_positions(tmp_path):
    path = write_csv(tmp_path / "dup.csv", "customer_id,invoice_id,item_id,quantity,unit_price,timestamp,quantity\n1,A,X,1,1.0,2010-01-01 10:00,2\n")
    with pytest.raises(DataError, match=r"duplicate column name\(s\) \['quantity'\] in the header .*\('quantity' is columns 4, 7\)"):
        load_transactions(path)


def test_names_with_spaces_around_them_can_be_mapped(tmp_path):
    """The hint for a header written 'a, b' names ' b'; mapping it loads the file."""
    path = write_csv(tmp_path / "spaced.csv", "customer_id, invoice_id,item_id,quantity,unit_price,timestamp\n1, A,X,1,1.0,2010-01-01 10:00\n")
    with pytest.raises(DataError, match=r"columns=\{'invoice_id': ' invoice_id'\}"):
        load_transactions(path)
    assert load_transactions(path, columns={"invoice_id": " invoice_id"})["invoice_id"].tolist() == ["A"]


def test_separator_at_the_end_of_every_row(tmp_path):
    """Some exports end each line with the separator: no extra column, and no column shifted."""
    header, *rows = GOOD_CSV.replace(",", ";").splitlines()
    text = header + "\n" + "".join(line + ";\n" for line in rows)  # the header without one: pandas would shift
    path = write_csv(tmp_path / "trailing.csv", text)
    assert datasets.sniff_csv(path) == (None, ";")
    tx = load_transactions(path, columns=ONLINE_RETAIL_COLUMNS, sep=";")
    assert tx["invoice_id"].tolist() == ["489434", "489435"] and tx["country"].tolist() == ["United Kingdom", "France"]


def test_rows_with_more_fields_than_the_header(tmp_path):
    path = write_csv(tmp_path / "extra.csv", GOOD_CSV.replace("GLASS BALL", "GLASS, BALL"))
    with pytest.raises(DataError, match=r"extra\.csv: some rows hold more fields than the header's 8\. Put values that "
                                        r"contain the separator ',' in double quotes"):
        load_transactions(path, columns=ONLINE_RETAIL_COLUMNS)


def test_unreadable_dates_hint_gives_the_format_that_reads_them(tmp_path):
    text = "customer_id,invoice_id,item_id,quantity,unit_price,timestamp\n1,A1,X,2,1.5,01/12/2009 07:45\n1,A2,X,1,1.5,13/12/2009 08:00\n"
    path = write_csv(tmp_path / "dates.csv", text)
    with pytest.raises(DataError, match=r"column 'timestamp': 1 value\(s\) cannot be read.*'13/12/2009 08:00'.*Pass "
                                        r"timestamp_format='%d/%m/%Y %H:%M' \(it reads every value\)\."):
        load_transactions(path)
    assert load_transactions(path, timestamp_format="%d/%m/%Y %H:%M")["timestamp"].iloc[1] == pd.Timestamp("2009-12-13 08:00")


@pytest.mark.parametrize("values, expected", [
    (["12/1/2010 8:26", "12/13/2010 9:01"], "%m/%d/%Y %H:%M"),
    (["13.12.2010 08:26:00", "01.12.2010 09:01:00"], "%d.%m.%Y %H:%M:%S"),
    (["12/1/2010 8:26:00 AM", "12/13/2010 9:01:00 PM"], "%m/%d/%Y %I:%M:%S %p"),
    (["25-12-10", "01-12-10"], "%d-%m-%y"),
    (["2024年3月5日 10:01", "2024年12月25日 9:00"], "%Y年%m月%d日 %H:%M"),
    (["2024-03-05 10:01"], None),
    (["01/02/2010", "03/04/2010"], None),
])
def test_guess_timestamp_format(values, expected):
    fmt, note = _guess_timestamp_format(pd.Series(values))
    assert fmt == expected
    if fmt:
        assert pd.to_datetime(pd.Series(values), format=fmt).notna().all()
    assert (note is not None) == (values[0] == "01/02/2010")


def test_suggest_columns_is_exported():
    assert {"SYNONYMS", "sniff_csv", "suggest_columns"} <= set(datasets.__all__)
    assert set(datasets.SYNONYMS) == set(COLUMNS)
    from profiling.cli import columns

    assert columns.suggest_columns is datasets.suggest_columns and columns.SYNONYMS is datasets.SYNONYMS


def test_package_reexports_the_names_of_its_modules():
    """profiling.datasets is split by role; its __all__ is exactly the modules' names, each once."""
    from profiling.datasets import files, headers, schema, shipped, sniffing, synthetic

    names = []
    for module in (schema, shipped, files, headers, sniffing, synthetic):
        assert all(getattr(datasets, n) is getattr(module, n) for n in module.__all__), module.__name__
        names += module.__all__
    assert sorted(datasets.__all__) == sorted(names) and len(set(names)) == len(names)
    assert set(names) == {  # the public names of profiling.datasets before the split, all still here
        "COLUMNS", "DTYPES", "HILLSTROM_CATEGORIES", "HILLSTROM_DTYPES", "ONLINE_RETAIL_COLUMNS", "OPTIONAL",
        "REQUIRED", "SYNONYMS", "SYNTHETIC_COUNTRIES", "DataError", "line_amount", "load_hillstrom",
        "load_online_retail", "load_transactions", "make_transactions", "sample_customers", "sniff_csv",
        "suggest_columns",
    }


# ---------------------------------------------------------------------------- sample_customers


def test_sample_customers():
    tx = make_transactions(n_customers=50, random_state=3, guest_share=0.1)
    small = sample_customers(tx, 10, random_state=7)
    assert small["customer_id"].nunique() == 10
    assert small["customer_id"].notna().all()
    chosen = set(small["customer_id"])
    expected = tx[tx["customer_id"].isin(chosen)].reset_index(drop=True)
    pd.testing.assert_frame_equal(small, expected)  # all their lines, in the original order
    pd.testing.assert_frame_equal(sample_customers(tx, 10, random_state=7), small)
    assert set(sample_customers(tx, 10, random_state=8)["customer_id"]) != chosen
    # The draw depends on the set of customers, not on the row order.
    shuffled = tx.sample(frac=1.0, random_state=0)
    assert set(sample_customers(shuffled, 10, random_state=7)["customer_id"]) == chosen


def test_sample_customers_none_and_errors():
    tx = canonical_frame()
    assert sample_customers(tx, None) is tx
    assert len(sample_customers(tx, 0)) == 0
    with pytest.raises(ValueError, match="only 2 with an id"):
        sample_customers(tx, 3)
    with pytest.raises(ValueError, match="non-negative whole number"):
        sample_customers(tx, -1)
    with pytest.raises(ValueError, match="non-negative whole number"):
        sample_customers(tx, 2.5)


# ---------------------------------------------------------------------------- make_transactions


@pytest.fixture(scope="module")
def synthetic() -> pd.DataFrame:
    return make_transactions(n_customers=2000, random_state=0)


def test_make_transactions_schema(synthetic):
    assert_canonical(synthetic)
    assert synthetic.index.equals(pd.RangeIndex(len(synthetic)))
    for column in REQUIRED:
        assert synthetic[column].notna().all(), column
    assert (synthetic["unit_price"] > 0).all()
    assert synthetic["customer_id"].nunique() == 2000
    assert synthetic["timestamp"].between("2010-01-01", "2011-01-01").all()
    assert synthetic["timestamp"].dt.hour.between(7, 23).all()
    # about 50 lines per customer by default
    assert 30 * 2000 < len(synthetic) < 80 * 2000


def test_make_transactions_deterministic(synthetic):
    pd.testing.assert_frame_equal(make_transactions(n_customers=2000, random_state=0), synthetic)
    assert not make_transactions(n_customers=2000, random_state=1).equals(synthetic)


def test_make_transactions_returns(synthetic):
    cancel = synthetic["invoice_id"].str.startswith("C")
    assert 0.005 < cancel.mean() < 0.05
    assert (synthetic.loc[cancel, "quantity"] < 0).all()
    assert (synthetic.loc[~cancel, "quantity"] > 0).all()


def test_make_transactions_shapes(synthetic):
    orders = synthetic.drop_duplicates("invoice_id")
    # seasonality: more orders per day in November-December than in the rest of the year
    per_day = orders.groupby(orders["timestamp"].dt.month.isin([11, 12]))["invoice_id"].count() / pd.Series({True: 61, False: 304})
    assert per_day[True] > 1.3 * per_day[False]
    # skewed activity: the mean number of orders per customer is above the median
    per_customer = orders.groupby("customer_id")["invoice_id"].count()
    assert per_customer.mean() > per_customer.median()
    assert per_customer.max() > 5 * per_customer.median()
    # repeat purchases: a customer buys some items more than once
    assert synthetic.groupby(["customer_id", "item_id"]).size().gt(1).mean() > 0.1
    # popularity is skewed but no item dominates
    share = synthetic["item_id"].value_counts(normalize=True)
    assert 0.01 < share.iloc[0] < 0.1
    assert synthetic["country"].value_counts().index[0] == "United Kingdom"
    assert synthetic["country"].nunique() > 3
    # invoice numbers follow time
    numbers = orders["invoice_id"].str.lstrip("C").astype(int)
    assert numbers.is_monotonic_increasing
    assert orders["timestamp"].is_monotonic_increasing


def test_make_transactions_options():
    tx = make_transactions(n_customers=100, n_items=20, start="2011-03-01", end="2011-03-31", random_state=5, guest_share=0.2, return_share=0.0, countries={"China": 1.0})
    assert_canonical(tx)
    assert tx["timestamp"].dt.month.eq(3).all()
    assert 0.1 < tx["customer_id"].isna().mean() < 0.3
    assert not tx["invoice_id"].str.startswith("C").any()
    assert set(tx["country"]) == {"China"}
    assert tx["item_id"].nunique() <= 20


@pytest.mark.parametrize(
    "kwargs",
    [{"n_customers": 0}, {"n_items": 0}, {"start": "2011-01-02", "end": "2011-01-01"}, {"return_share": 1.5}, {"orders_per_customer": 0.5}],
)
def test_make_transactions_bad_arguments(kwargs):
    with pytest.raises(ValueError):
        make_transactions(**kwargs)


def test_load_online_retail_reads_a_canonical_parquet_with_text_ids(tmp_path):
    """Chapters read `data_path` with load_online_retail; a canonical file keeps its ids as text."""
    from profiling.datasets import load_online_retail, make_transactions

    tx = make_transactions(n_customers=20, random_state=3)
    tx["customer_id"] = "C-" + tx["customer_id"].str.zfill(4)
    path = tmp_path / "canonical.parquet"
    tx.to_parquet(path)
    before = path.read_bytes()
    out = load_online_retail(path)
    assert path.read_bytes() == before
    assert list(out.columns) == list(tx.columns)
    assert set(out["customer_id"].dropna()) == set(tx["customer_id"].dropna())
    assert out["customer_id"].str.startswith("C-").all()
