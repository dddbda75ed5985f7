"""``profiling columns``: column names shops really export, and a suggestion that leads to a command that works.

Each file is written here, small, the way a shop's export comes: Chinese headers in GBK, a
semicolon-separated UTF-8 file with a byte-order mark, UCI-style names with US dates, a header
without rows, repeated names, a line total instead of a unit price. For each one the printed
command is followed: its options are parsed by the command's own parser and passed, with the
printed mapping, to :func:`profiling.datasets.load_transactions`, which must load the file, or
refuse it with the message the warning announced.

Fast: nothing is profiled and no chapter runs.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pandas as pd
import pytest
import yaml

from frames import THEIR_NAMES
from profiling import datasets
from profiling.cli import main, parse_columns, suggest_columns
from profiling.cli.columns import columns_text, peek
from profiling.cli.parsing import build_parser
from profiling.datasets import COLUMNS, DataError, load_transactions

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "online_retail_ii_2009_2010.parquet"
#: A Chinese shop's export: canonical -> its header.
CHINESE = {
    "invoice_id": "订单编号",
    "customer_id": "用户ID",
    "item_id": "商品编码",
    "description": "商品名称",
    "quantity": "购买数量",
    "unit_price": "单价",
    "timestamp": "付款时间",
    "country": "国家/地区",
}
CHINESE_ROWS = [
    ["DD20240301001", "U1001", "SP-01", "陶瓷马克杯", "2", "39.90", "2024-03-01 09:15:00", "中国"],
    ["DD20240301001", "U1001", "SP-07", "帆布袋", "1", "25.00", "2024-03-01 09:15:00", "中国"],
    ["DD20240302002", "U1002", "SP-01", "陶瓷马克杯", "1", "39.90", "2024-03-02 20:41:00", "新加坡"],
]
UCI_HEADER = ["InvoiceNo", "StockCode", "Description", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID", "Country"]
UCI_ROWS = [
    ["536365", "85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "6", "12/1/2010 8:26", "2.55", "17850", "United Kingdom"],
    ["536366", "22633", "HAND WARMER UNION JACK", "6", "12/1/2010 8:28", "1.85", "17850", "United Kingdom"],
    ["536367", "84879", "ASSORTED COLOUR BIRD ORNAMENT", "32", "12/13/2010 8:34", "1.69", "13047", "United Kingdom"],
]
UCI_MAPPING = {"customer_id": "CustomerID", "invoice_id": "InvoiceNo", "item_id": "StockCode", "description": "Description",
               "quantity": "Quantity", "unit_price": "UnitPrice", "timestamp": "InvoiceDate", "country": "Country"}


def write(path: Path, header: list[str], rows: list[list[str]], sep: str = ",", encoding: str = "utf-8") -> Path:
    lines = [sep.join(header), *(sep.join(r) for r in rows)]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def command(text: str, program: str = "profiles") -> str:
    """The suggested ``profiling <program> ...`` line of the output, without the comment marker."""
    found = [line[1:].strip() for line in text.splitlines() if line.startswith(f"#   profiling {program} ")]
    assert len(found) == 1, text
    return found[0]


def follow(text: str, folder: Path, monkeypatch: pytest.MonkeyPatch) -> pd.DataFrame:
    """Do what the output says: save it as columns.yml, run the suggested command's loading step."""
    (folder / "columns.yml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(folder)
    argv = [a.replace("$\\t", "\t") for a in shlex.split(command(text).replace("$'\\t'", "$\\\\t"))]
    assert argv[:2] == ["profiling", "profiles"]
    args = build_parser().parse_args(argv[1:])
    return load_transactions(args.data, columns=parse_columns(args.columns), encoding=args.encoding, sep=args.sep,
                             sheet_name=args.sheet, timestamp_format=args.timestamp_format)


# ------------------------------------------------------------------------------ matching names


def test_suggest_columns_on_known_exports():
    header = pd.read_parquet(SHIPPED).columns.tolist()
    assert suggest_columns(header) == datasets.ONLINE_RETAIL_COLUMNS
    assert suggest_columns(list(THEIR_NAMES.values())) == THEIR_NAMES
    other = ["user", "order_id", "product_id", "title", "units", "price_each", "created_at", "ship_country"]
    assert suggest_columns(other) == dict(zip(datasets.COLUMNS, other))
    camel = suggest_columns(["CustomerID", "InvoiceNo", "StockCode", "UnitPrice", "InvoiceDate", "Quantity"])
    assert camel == {"customer_id": "CustomerID", "invoice_id": "InvoiceNo", "item_id": "StockCode",
                     "quantity": "Quantity", "unit_price": "UnitPrice", "timestamp": "InvoiceDate"}
    # each column used once, nothing forced: unrelated names stay unmapped
    assert suggest_columns(["foo", "bar", "Customer ID (hashed)"]) == {"customer_id": "Customer ID (hashed)"}
    assert suggest_columns(UCI_HEADER) == UCI_MAPPING


CHINESE_NAMES = {
    "customer_id": ["用户ID", "会员ID", "客户ID", "买家ID"],
    "invoice_id": ["订单编号", "订单号", "订单ID"],
    "item_id": ["商品编码", "商品ID", "SKU"],
    "description": ["商品名称", "商品标题", "品名"],
    "quantity": ["购买数量", "数量", "件数"],
    "unit_price": ["单价", "商品单价", "成交价"],
    "timestamp": ["付款时间", "下单时间", "订单时间", "支付时间", "创建时间"],
    "country": ["国家", "国家/地区"],
}


@pytest.mark.parametrize("canonical, name", [(c, n) for c, names in CHINESE_NAMES.items() for n in names])
def test_chinese_headers(canonical, name):
    assert suggest_columns([name]) == {canonical: name}
    # among the other columns of a Chinese export, too
    header = [name if c == canonical else CHINESE[c] for c in COLUMNS]
    assert suggest_columns(header) == {c: h for c, h in zip(COLUMNS, header)}


@pytest.mark.parametrize("name", ["用户 ID", "用户　ID", "用户ＩＤ", "Customer-ID", "CUSTOMER ID", "customer_id", "CustomerID",
                                  "ＣＵＳＴＯＭＥＲ－ＩＤ", " Customer  Id ", "customer.id", "用户ID（加密）", "Customer ID (hashed)"])
def test_matching_ignores_case_spaces_and_full_width_forms(name):
    assert suggest_columns([name, "订单号", "数量"]) == {"customer_id": name, "invoice_id": "订单号", "quantity": "数量"}


@pytest.mark.parametrize("total", ["实付金额", "金额", "总价", "总金额", "商品总价", "Total", "Total Price", "Line Amount", "amount"])
def test_line_totals_are_never_the_unit_price(total):
    header = ["订单号", "用户ID", "商品ID", "数量", total, "付款时间"]
    assert "unit_price" not in suggest_columns(header)
    assert suggest_columns([*header, "单价"])["unit_price"] == "单价"


def test_prefixed_chinese_names_and_taobao_style_headers():
    header = ["订单编号", "买家会员名", "商家编码", "宝贝标题", "购买数量", "价格", "买家实际支付金额", "订单创建时间", "订单付款时间"]
    assert suggest_columns(header) == {"customer_id": "买家会员名", "invoice_id": "订单编号", "item_id": "商家编码",
                                       "description": "宝贝标题", "quantity": "购买数量", "unit_price": "价格",
                                       "timestamp": "订单创建时间"}


# ------------------------------------------------------------------- files shops really export


def test_gbk_file_with_chinese_headers(tmp_path, monkeypatch):
    path = write(tmp_path / "订单导出.csv", list(CHINESE.values()), CHINESE_ROWS, encoding="gbk")
    text = columns_text(path)
    assert yaml.safe_load(text) == CHINESE  # every column mapped
    assert "read as CSV (encoding gbk, detected" in text
    assert "--encoding gbk" in command(text) and "--sep" not in command(text)
    assert "--encoding gbk" in command(text, "columns")
    assert "'陶瓷马克杯'" in text and "Warning" not in text
    tx = follow(text, tmp_path, monkeypatch)
    assert tx["customer_id"].tolist() == ["U1001", "U1001", "U1002"]
    assert tx["description"].iloc[0] == "陶瓷马克杯" and tx["country"].iloc[2] == "新加坡"
    assert tx["timestamp"].iloc[2] == pd.Timestamp("2024-03-02 20:41")


def test_gbk_file_through_the_command(tmp_path, capsys):
    path = write(tmp_path / "orders.csv", list(CHINESE.values()), CHINESE_ROWS, encoding="gbk")
    assert main(["columns", str(path)]) == 0
    out = capsys.readouterr().out
    assert yaml.safe_load(out) == CHINESE and "--encoding gbk" in command(out)


def test_semicolon_utf8_bom_file(tmp_path, monkeypatch):
    rows = [["A1", "c1", "X", "Cup", "2", "1,50".replace(",", "."), "2024-03-01 10:00", "DE"],
            ["A2", "c2", "Y", "Bag; large", "1", "3.00", "2024-03-02 11:00", "FR"]]
    header = ["Order ID", "Customer ID", "SKU", "Product Name", "Qty", "Unit Price", "Order Date", "Country"]
    path = write(tmp_path / "export.csv", header, [[f'"{v}"' if ";" in v else v for v in r] for r in rows], sep=";",
                 encoding="utf-8-sig")
    text = columns_text(path)
    assert yaml.safe_load(text) == dict(zip(COLUMNS, [header[1], header[0], *header[2:]]))
    assert "--sep ';'" in command(text) and "--encoding" not in command(text)  # UTF-8 with a BOM is the default
    tx = follow(text, tmp_path, monkeypatch)
    assert tx["description"].tolist() == ["Cup", "Bag; large"] and tx["unit_price"].tolist() == [1.5, 3.0]


def test_the_command_default_separator_gives_way_to_the_detected_one(tmp_path, capsys, monkeypatch):
    """`profiling columns` passes --sep ',' by default: a file it leaves as one column is read with the detected ';'."""
    path = write(tmp_path / "export.csv", list(CHINESE.values()), CHINESE_ROWS, sep=";")
    warned = []
    text = columns_text(path, sep=",", warn=warned.append)
    assert yaml.safe_load(text) == CHINESE and "--sep ';'" in command(text)
    assert warned == [f"export.csv: with --sep ',' the header is a single column; it was read with --sep ';', which splits "
                      "it. Keep --sep ';' in the commands below."]
    assert len(follow(text, tmp_path, monkeypatch)) == 3
    assert main(["columns", str(path)]) == 0
    assert yaml.safe_load(capsys.readouterr().out) == CHINESE


def test_separator_at_the_end_of_every_row(tmp_path, monkeypatch):
    path = tmp_path / "trailing.csv"
    lines = [";".join(CHINESE.values()) + "\n", *(";".join(r) + ";\n" for r in CHINESE_ROWS)]  # no ';' after the header
    path.write_bytes("".join(lines).encode("gbk"))
    text = columns_text(path)
    assert yaml.safe_load(text) == CHINESE and "--encoding gbk --sep ';'" in command(text)
    assert "'U1001', 'U1001', 'U1002'" in text  # the values under their own column
    assert follow(text, tmp_path, monkeypatch)["country"].tolist() == ["中国", "中国", "新加坡"]


def test_uci_style_headers_with_us_dates(tmp_path, monkeypatch):
    path = write(tmp_path / "Online Retail.csv", UCI_HEADER, UCI_ROWS)
    text = columns_text(path)
    assert yaml.safe_load(text) == UCI_MAPPING
    assert "--timestamp-format '%m/%d/%Y %H:%M'" in command(text)
    assert command(text).startswith(f"profiling profiles --data {shlex.quote(str(path))} ")
    tx = follow(text, tmp_path, monkeypatch)
    assert tx["timestamp"].tolist() == [pd.Timestamp("2010-12-01 08:26"), pd.Timestamp("2010-12-01 08:28"),
                                        pd.Timestamp("2010-12-13 08:34")]


def test_day_first_and_ambiguous_dates(tmp_path, monkeypatch):
    rows = [[*r[:4], d, *r[5:]] for r, d in zip(UCI_ROWS, ["01/12/2010 08:26", "01/12/2010 08:28", "13/12/2010 08:34"])]
    text = columns_text(write(tmp_path / "eu.csv", UCI_HEADER, rows))
    assert "--timestamp-format '%d/%m/%Y %H:%M'" in command(text)
    assert follow(text, tmp_path, monkeypatch)["timestamp"].iloc[2] == pd.Timestamp("2010-12-13 08:34")
    rows = [[*r[:4], "01/12/2010 08:26", *r[5:]] for r in UCI_ROWS]
    warned = []
    text = columns_text(write(tmp_path / "ambiguous.csv", UCI_HEADER, rows), warn=warned.append)
    assert "--timestamp-format" not in command(text)
    assert warned == ["ambiguous.csv: column 'InvoiceDate' (timestamp): dates such as '01/12/2010 08:26' could be day/month "
                      "or month/day (no day above 12 in the values read); they are read month first. If the day comes "
                      "first, pass --timestamp-format '%d/%m/%Y %H:%M' (adapted to your values)."]


def test_chinese_dates(tmp_path, monkeypatch):
    rows = [[*r[:6], d, r[7]] for r, d in zip(CHINESE_ROWS, ["2024年3月1日 09:15", "2024年3月1日 09:15", "2024年3月2日 20:41"])]
    text = columns_text(write(tmp_path / "orders.csv", list(CHINESE.values()), rows))
    assert "--timestamp-format '%Y年%m月%d日 %H:%M'" in command(text)
    assert follow(text, tmp_path, monkeypatch)["timestamp"].iloc[2] == pd.Timestamp("2024-03-02 20:41")


def test_header_only_file(tmp_path, monkeypatch):
    path = write(tmp_path / "header.csv", UCI_HEADER, [])
    warned = []
    text = columns_text(path, warn=warned.append)
    assert yaml.safe_load(text) == UCI_MAPPING
    warning = ("header.csv: the file has a header but no data rows. Export the table again with its rows "
               "(profiling profiles and report refuse a file without rows).")
    assert warned == [warning] and f"# Warning: {warning}" in text
    with pytest.raises(DataError, match=r"header\.csv: the file has a header but no data rows"):
        follow(text, tmp_path, monkeypatch)


def test_repeated_column_that_the_mapping_uses(tmp_path, monkeypatch):
    header = [*UCI_HEADER, "CustomerID"]
    path = write(tmp_path / "dup.csv", header, [[*r, "99999"] for r in UCI_ROWS])
    warned = []
    text = columns_text(path, warn=warned.append)
    assert warned[0] == ("dup.csv: column 'CustomerID' appears 2 times (columns 7 and 9; pandas reads the second as "
                         "'CustomerID.1'). Rename one of them in the file: the loader refuses a repeated name it has to use.")
    assert "CustomerID.1" not in text.split("# Warning")[0]  # the listing shows the names as written
    assert re.search(r"#   'CustomerID' +\(= column 7\) +'99999'", text)
    with pytest.raises(DataError, match=r"dup\.csv: duplicate column name\(s\) \['CustomerID'\].*columns 7, 9.*Rename"):
        follow(text, tmp_path, monkeypatch)


def test_repeated_column_that_nothing_uses(tmp_path, monkeypatch):
    header = [*UCI_HEADER[:4], "备注", *UCI_HEADER[4:], "备注"]
    path = write(tmp_path / "notes.csv", header, [[*r[:4], "a", *r[4:], "b"] for r in UCI_ROWS])
    warned = []
    text = columns_text(path, warn=warned.append)
    assert warned == ["notes.csv: column '备注' appears 2 times (columns 5 and 10; pandas reads the second as '备注.1'). "
                      "Neither is used by the mapping, so the loader ignores them; rename one to use it."]
    assert len(follow(text, tmp_path, monkeypatch)) == 3


def test_line_total_without_unit_price(tmp_path, monkeypatch):
    header = [CHINESE[c] for c in COLUMNS if c != "unit_price"] + ["实付金额"]
    rows = [[*r[:5], *r[6:], "79.80"] for r in CHINESE_ROWS]
    path = write(tmp_path / "paid.csv", header, rows, encoding="gbk")
    warned = []
    text = columns_text(path, warn=warned.append)
    mapping = yaml.safe_load(text)
    assert "unit_price" not in mapping and "实付金额" not in mapping.values()
    assert warned == [
        "paid.csv: column '实付金额' looks like a line total (quantity x price), not a unit price, so it is not mapped to "
        "unit_price. Add a column total / quantity to the file and map that one.",
        "paid.csv: no column found for the required 'unit_price'. Add a line 'unit_price: <your column>' to the mapping, "
        "or the column to the file.",
    ]
    assert "'实付金额'" in text and "(line total)" in text
    assert "# REQUIRED but not found: unit_price  (add a line 'unit_price: <your column>'; a line total is not a unit " \
           "price, see the warning above)" in text
    with pytest.raises(DataError, match=r"paid\.csv: required column\(s\) \['unit_price'\] not found.*'实付金额' looks like a "
                                        r"line total, not a unit price: add a column total / quantity"):
        follow(text, tmp_path, monkeypatch)


def test_utf16_tab_separated_excel_text(tmp_path, monkeypatch):
    """Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated."""
    path = write(tmp_path / "unicode.txt", list(CHINESE.values()), CHINESE_ROWS, sep="\t", encoding="utf-16")
    text = columns_text(path)
    assert "--encoding utf-16 --sep $'\\t'" in command(text)
    assert yaml.safe_load(text) == CHINESE
    assert follow(text, tmp_path, monkeypatch)["description"].iloc[1] == "帆布袋"


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet"])
def test_excel_and_parquet_with_chinese_headers(tmp_path, monkeypatch, suffix):
    frame = pd.DataFrame(CHINESE_ROWS, columns=list(CHINESE.values()))
    path = tmp_path / f"orders{suffix}"
    frame.to_excel(path, index=False) if suffix == ".xlsx" else frame.to_parquet(path)
    text = columns_text(path)
    assert yaml.safe_load(text) == CHINESE and "--encoding" not in command(text)
    assert follow(text, tmp_path, monkeypatch)["customer_id"].tolist() == ["U1001", "U1001", "U1002"]


def test_excel_sheet_in_the_command(tmp_path, monkeypatch):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": [1]}).to_excel(writer, sheet_name="说明", index=False)
        pd.DataFrame(UCI_ROWS, columns=UCI_HEADER).to_excel(writer, sheet_name="订单", index=False)
    text = columns_text(path, sheet="订单")
    assert "--sheet 订单" in command(text) or "--sheet '订单'" in command(text)
    assert len(follow(text, tmp_path, monkeypatch)) == 3


def test_latin1_file_is_read_and_its_encoding_carried(tmp_path, monkeypatch):
    rows = [[*r[:2], "CAFÉ MUG £5", *r[3:]] for r in UCI_ROWS]
    text = columns_text(write(tmp_path / "latin.csv", UCI_HEADER, rows, encoding="latin-1"))
    assert "--encoding latin-1" in command(text)
    assert follow(text, tmp_path, monkeypatch)["description"].iloc[0] == "CAFÉ MUG £5"


def test_wrong_encoding_given(tmp_path):
    path = write(tmp_path / "orders.csv", list(CHINESE.values()), CHINESE_ROWS, encoding="gbk")
    with pytest.raises(DataError, match=r"orders\.csv: the text is not valid UTF-8: line 1 holds byte 0x.*It reads as Chinese "
                                        r"text: pass encoding='gbk'\."):
        columns_text(path, encoding="utf-8")


def test_peek_names_repeated_columns_as_written(tmp_path):
    path = write(tmp_path / "dup.csv", ["a", "b", "a"], [["1", "2", "3"]])
    header, rows, kind = peek(path, None, None, 0)
    assert header == ["a", "b", "a"] and rows.iloc[0].tolist() == ["1", "2", "3"] and kind.startswith("CSV")


# ------------------------------------------------------------------- the command's text and errors


def test_columns_command_prints_usable_yaml(tmp_path, capsys):
    tx = datasets.make_transactions(20, n_items=10, random_state=0)
    path = tmp_path / "orders.csv"
    tx.rename(columns=THEIR_NAMES).to_csv(path, index=False)
    assert main(["columns", str(path)]) == 0
    out = capsys.readouterr().out
    assert "'Paid At'" in out and "timestamp" in out
    assert yaml.safe_load(out) == THEIR_NAMES  # the notes are comments: the output is the mapping
    (tmp_path / "columns.yml").write_text(out, encoding="utf-8")
    assert parse_columns([str(tmp_path / "columns.yml")]) == THEIR_NAMES
    assert "--encoding" not in command(out) and "--sep" not in command(out) and "--timestamp-format" not in command(out)


def test_columns_command_reports_missing_required(tmp_path, capsys):
    path = tmp_path / "sales.csv"
    path.write_text("who,when,Total\na,2021-01-01,3.5\n", encoding="utf-8")
    assert main(["columns", str(path)]) == 0
    out = capsys.readouterr().out
    assert "REQUIRED but not found: invoice_id" in out
    assert "'Total' looks like a line total" in out


def test_optional_columns_name_the_chapters_that_need_them(tmp_path):
    from profiling.cli import chapters
    from profiling.storage import notebooks_dir

    infos = [chapters.chapter_info(p) for p in chapters.discover_chapters(notebooks_dir()).values()]
    needing = sorted(i["path"].name[:2] for i in infos if i["report"] and "description" in i["needs"])
    text = columns_text(write(tmp_path / "bare.csv", ["customer_id", "invoice_id", "item_id", "quantity", "unit_price",
                                                      "timestamp"], [["1", "A", "X", "1", "1.0", "2024-01-01"]]))
    assert f"# optional, not found: description  (the report skips chapter(s) {', '.join(needing)} without it)" in text


def test_columns_command_bad_file(tmp_path, capsys):
    assert main(["columns", str(tmp_path / "nope.csv")]) == 1
    assert "nope.csv: file not found" in capsys.readouterr().err
    (tmp_path / "table.json").write_text("{}", encoding="utf-8")
    assert main(["columns", str(tmp_path / "table.json")]) == 1
    assert "unsupported file type '.json'" in capsys.readouterr().err
    (tmp_path / "blank.csv").write_text("\n\n", encoding="utf-8")
    assert main(["columns", str(tmp_path / "blank.csv")]) == 1
    assert "blank.csv: the file holds no data (only blank lines)" in capsys.readouterr().err
    (tmp_path / "ragged.csv").write_text("a,b\n1,2\n1,2,3,4\n", encoding="utf-8")
    assert main(["columns", str(tmp_path / "ragged.csv")]) == 1
    assert capsys.readouterr().err == (
        "profiling: error: " + str(tmp_path / "ragged.csv") + ": this is not a readable CSV table (Error tokenizing data. C "
        "error: Expected 2 fields in line 3, saw 4). Check that every row has as many fields as the header, with values "
        "that hold the separator in double quotes.\n")
