"""End-to-end tests of the ``profiling`` command line (profiling.cli): profiles, report, bad inputs.

The data: a synthetic shop from ``make_transactions`` written the way another shop would export it
(other column names, day-first dates, customer ids of another type), the shipped Online Retail II,
and every bad input of the foundation issue. Commands run in-process through ``main(argv)`` (exit
code, stderr) and, for the entry point itself, as ``python -m profiling`` in a subprocess.
Arguments and column guessing are tested in tests/test_cli_parsing.py, what the command reads from
the chapters in tests/test_cli_chapters.py.
"""

from __future__ import annotations

import ast
import html
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from frames import THEIR_NAMES
from profiling import cleaning, datasets, features, profiles, segments, tags
from profiling.cli import chapters, main
from profiling.report import read_records

# Every test here runs the command end to end (data validation, chapters through papermill kernels):
# slow, so `make test-fast` leaves them to `make test`. The fast parts are in test_cli_*.py.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "online_retail_ii_2009_2010.parquet"
CHAPTER_06 = ROOT / "notebooks" / "06_tags_and_segments.ipynb"
DAY_FIRST = "%d/%m/%Y %H:%M"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[str]:
    """Hidden temporary files or folders the command may have left next to --out."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def synthetic(n_customers: int, id_kind: str, random_state: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(canonical frame, the same lines as the other shop's export) for a synthetic shop.

    ``id_kind``: "text" = customer ids like "cust-0123" (letters, leading zeros); "float" = ids
    written as 10123.0 (as spreadsheets export numbers). Dates are day-first text.
    """
    tx = datasets.make_transactions(n_customers, n_items=200, start="2021-03-01", end="2022-08-31",
                                    random_state=random_state, guest_share=0.02)
    number = pd.to_numeric(tx["customer_id"])
    if id_kind == "text":
        tx["customer_id"] = ("cust-" + (number - 10000).astype("Int64").astype("str").str.zfill(4)).astype("str")
        theirs_id = tx["customer_id"]
    else:
        theirs_id = number.astype("float64")
    export = pd.DataFrame({
        "Order No": tx["invoice_id"],
        "Client": theirs_id,
        "SKU": tx["item_id"],
        "Product Name": tx["description"],
        "Qty": tx["quantity"],
        "Unit Cost": tx["unit_price"],
        "Paid At": tx["timestamp"].dt.strftime(DAY_FIRST),
        "Market": tx["country"],
    })
    return tx, export


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    """The synthetic shop's CSV export (text customer ids) and its canonical frame."""
    folder = tmp_path_factory.mktemp("shop")
    tx, export = synthetic(250, "text")
    path = folder / "orders.csv"
    export.to_csv(path, index=False)
    return path, tx


def flag(mapping: dict[str, str]) -> str:
    return ",".join(f'{k}="{v}"' for k, v in mapping.items())


# ------------------------------------------------------------------------------- profiles


def test_profiles_on_another_shops_export(shop, tmp_path):
    """Other names, day-first dates, text ids with leading zeros: the table equals chapter 06's steps
    applied to the canonical frame the export was made from."""
    path, tx = shop
    before = sha256(path)
    out = tmp_path / "profiles.parquet"
    result = subprocess.run(
        [sys.executable, "-m", "profiling", "profiles", "--data", str(path), "--columns", flag(THEIR_NAMES),
         "--timestamp-format", DAY_FIRST, "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "valid: " in result.stderr and "wrote " in result.stderr  # progress lines
    assert sha256(path) == before
    assert leftovers(tmp_path) == []
    table = pd.read_parquet(out)
    expected = profiles.profile_table(tx)  # chapter 06's pipeline, applied to the canonical frame
    pd.testing.assert_frame_equal(table, expected)
    assert table.index.str.fullmatch(r"cust-\d{4}").all()  # ids kept as text, zeros and all
    assert table.index.nunique() == len(table) == tx.loc[tx["quantity"] > 0, "customer_id"].nunique()


def test_profiles_quiet_csv_cutoff_and_force(shop, tmp_path, capsys):
    path, tx = shop
    out = tmp_path / "profiles.csv"
    args = ["profiles", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
            "--cutoff", "2022-06-01", "--k", "3", "--out", str(out), "--quiet"]
    assert main(args) == 0
    assert capsys.readouterr().err == ""  # --quiet: nothing on stderr
    table = pd.read_csv(out, index_col="customer_id")
    assert table["persona"].nunique() == 3
    assert set(table.index) == set(tx.loc[(tx["timestamp"] < "2022-06-01") & (tx["quantity"] > 0), "customer_id"].dropna())
    # an existing --out is refused without --force, and left as it was
    out.write_text("mine", encoding="utf-8")
    assert main(args) == 2
    assert "already exists. Pass --force" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "mine"
    assert main([*args, "--force"]) == 0
    assert len(pd.read_csv(out)) == len(table)
    assert leftovers(tmp_path) == []


@pytest.mark.slow
def test_profiles_on_shipped_data_match_chapter_06(tmp_path, capsys):
    """The shipped data through the command give chapter 06's stored results (cutoff 2010-12-01)."""
    out = tmp_path / "profiles.parquet"
    assert main(["profiles", "--data", str(SHIPPED), "--columns", flag(datasets.ONLINE_RETAIL_COLUMNS),
                 "--cutoff", "2010-12-01", "--out", str(out)]) == 0
    table = pd.read_parquet(out)
    rec = read_records(CHAPTER_06)
    assert len(table) == rec["n_profiles"]
    sizes = table["persona"].value_counts().sort_index().tolist()
    assert sizes == rec["persona_sizes"]
    assert table.groupby("persona")["persona_name"].first().tolist() == rec["persona_names"]
    assert {k: v for k, v in table["rfm_segment"].astype(str).value_counts().items()} == {
        k: v for k, v in rec["segment_counts"].items() if v}
    assert table["lifecycle"].astype(str).value_counts().to_dict() == rec["lifecycle_counts"]
    # The whole table, value by value, against chapter 06's own steps computed here with the parameters
    # of its parameters cell (the chapter's profiles.parquet exists only after a run, so it is not used).
    params = {name: ast.literal_eval(text) for name, text in chapters.chapter_info(CHAPTER_06)["params"].items()}
    assert params["data_path"] is None and params["sample_customers"] is None and params["cutoff"] == "2010-12-01"
    raw = datasets.load_online_retail(params["data_path"])                          # the chapter's cells, in order
    clean_tx, _ = cleaning.clean(raw, cleaning.default_rules(keep_returns=params["keep_returns"]))
    f = features.customer_features(clean_tx, cutoff=params["cutoff"])
    assert len(f) == rec["n_customers"]
    k_table = segments.choose_k(segments.cluster_matrix(f), ks=params["k_candidates"], random_state=params["random_state"])
    k = int(params["k"]) if params["k"] is not None else segments.best_k(k_table)
    assert k == rec["k"] == table["persona"].nunique()
    chapter = profiles.build_profiles(clean_tx, cutoff=params["cutoff"], k=k, random_state=params["random_state"],
                                      rules=tags.TagRules())
    # (floats to 1e-5: features are rounded to 6 decimals, and DuckDB's parallel sums may flip the last one)
    pd.testing.assert_frame_equal(table, chapter, check_exact=False, rtol=1e-9, atol=1e-5)


@pytest.mark.parametrize(("args", "code", "message"), [
    (["--cutoff", "2001-01-01"], 2, "starts on 2021-03-01"),
    (["--cutoff", "someday"], 2, "not a date"),
    (["--out", "profiles.txt"], 2, "end the name in .parquet"),
])
def test_profiles_option_errors(shop, tmp_path, capsys, args, code, message):
    path, _ = shop
    base = {"--out": str(tmp_path / "p.parquet")}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1] if args[i] != "--out" else str(tmp_path / args[i + 1])
    argv = ["profiles", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST]
    for k, v in base.items():
        argv += [k, v]
    assert main(argv) == code
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_out_that_is_the_input_is_refused(shop, tmp_path, capsys):
    path, _ = shop
    copy = tmp_path / "orders.csv"
    copy.write_bytes(path.read_bytes())
    before = sha256(copy)
    for command, out in (("profiles", copy), ("report", tmp_path)):
        assert main([command, "--data", str(copy), "--out", str(out), "--force"]) == 2
        assert "the input is never overwritten" in capsys.readouterr().err
    assert sha256(copy) == before


# ------------------------------------------------------------------------------- bad inputs

GOOD_CSV = (
    "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
    "489434,85048,GLASS BALL,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
    "489435,POST,POSTAGE,1,2009-12-01 09:06:00,18.0,,France\n"
)
RETAIL = flag(datasets.ONLINE_RETAIL_COLUMNS)


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, list[str], list[str]]]:
    """name -> (file, extra arguments, fragments the error must contain: file, column, problem)."""
    def write(name: str, data: bytes | str) -> Path:
        path = tmp / name
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return path

    frame = pd.read_csv(pd.io.common.StringIO(GOOD_CSV), dtype=str)
    cases = {
        "missing file": (tmp / "nope.csv", [], ["nope.csv: file not found"]),
        "empty file": (write("empty.csv", b""), [], ["empty.csv: the file is empty"]),
        "header only": (write("header.csv", GOOD_CSV.splitlines()[0] + "\n"), ["--columns", RETAIL],
                        ["header.csv: the file has a header but no data rows"]),
        "binary bytes": (write("random.csv", np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8).tobytes()),
                         [], ["random.csv: this is not a text table"]),
        "required column missing": (write("nodate.csv", frame.drop(columns="InvoiceDate").to_csv(index=False)),
                                    ["--columns", 'customer_id="Customer ID",invoice_id=Invoice,item_id=StockCode'],
                                    ["nodate.csv", "['quantity', 'unit_price', 'timestamp'] not found", "Columns found"]),
        "mapping names an absent column": (write("orders1.csv", GOOD_CSV), ["--columns", RETAIL.replace("Customer ID", "CustomerID")],
                                           ["orders1.csv", "'customer_id' -> 'CustomerID'", "Columns found"]),
        "duplicate column names": (write("dup.csv", GOOD_CSV.replace("Country", "Quantity")), ["--columns", RETAIL],
                                   ["dup.csv: duplicate column name(s) ['Quantity']"]),
        "unparseable timestamp": (write("dates.csv", GOOD_CSV + "489436,85048,GLASS BALL,1,not a date,6.95,13085,United Kingdom\n"),
                                  ["--columns", RETAIL], ["dates.csv: column 'timestamp' (your column 'InvoiceDate')", "'not a date'",
                                                          "--timestamp-format"]),
        "non-numeric quantity": (write("qty.csv", frame.assign(Quantity=["12", "twelve"]).to_csv(index=False)), ["--columns", RETAIL],
                                 ["qty.csv: column 'quantity' (your column 'Quantity')", "'twelve'"]),
        "non-numeric price": (write("price.csv", frame.assign(Price=["6.95", "18,00"]).to_csv(index=False)), ["--columns", RETAIL],
                              ["price.csv: column 'unit_price' (your column 'Price')", "'18,00'"]),
        "non-UTF-8 without encoding": (write("latin.csv", GOOD_CSV.replace("GLASS BALL", "BALL £5").encode("latin-1")),
                                       ["--columns", RETAIL], ["latin.csv: the text is not valid UTF-8", "--encoding"]),
        "no customer ids at all": (write("guests.csv", GOOD_CSV.replace("13085.0", "")), ["--columns", RETAIL],
                                   ["guests.csv: column 'customer_id' (your column 'Customer ID'): every value is missing"]),
        "every line a return": (write("returns.csv", frame.assign(Invoice=["C489434", "C489435"], Quantity=["-12", "-1"],
                                                                 **{"Customer ID": ["13085.0", "13085.0"]}).to_csv(index=False)),
                                ["--columns", RETAIL],
                                ["returns.csv: column 'quantity' (your column 'Quantity'): every one of the 2 lines with a "
                                 "customer has a quantity of zero or less", "no purchase to profile",
                                 "--columns quantity=<your column>"]),
        "one customer": (write("one.csv", GOOD_CSV), ["--columns", RETAIL],
                         ["one.csv: column 'customer_id' (your column 'Customer ID'): only 1 customer(s) with a purchase",
                          "needs at least 10", "Export more customers"]),
        "every price zero": (write("free.csv", frame.assign(Price=["0", "0.0"]).to_csv(index=False)), ["--columns", RETAIL],
                             ["free.csv: column 'unit_price' (your column 'Price'): every purchase line has a zero",
                              "--columns unit_price=<your column>"]),
    }
    return cases


BAD = ["missing file", "empty file", "header only", "binary bytes", "required column missing",
       "mapping names an absent column", "duplicate column names", "unparseable timestamp", "non-numeric quantity",
       "non-numeric price", "non-UTF-8 without encoding", "no customer ids at all", "every line a return",
       "one customer", "every price zero"]


def test_bad_input_list_is_complete(tmp_path):
    assert sorted(_bad_inputs(tmp_path)) == sorted(BAD)


@pytest.mark.parametrize("command", ["profiles", "report"])
@pytest.mark.parametrize("case", BAD)
def test_bad_input_refused_before_anything_runs(tmp_path, capsys, command, case):
    inputs = tmp_path / "in"
    inputs.mkdir()
    path, extra, fragments = _bad_inputs(inputs)[case]
    before = sha256(path) if path.exists() else None
    outdir = tmp_path / "out"
    outdir.mkdir()
    out = outdir / ("profiles.parquet" if command == "profiles" else "report")
    code = main([command, "--data", str(path), *extra, "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert err.startswith("profiling: error: ")
    # on the command line, advice is given as options, not as Python keyword arguments
    assert not re.search(r"(?<![\w-])(encoding|sep|timestamp_format|columns|sheet_name)=", err), err
    if case in ("every line a return", "every price zero"):
        assert err.count("\n") == 1  # one line
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert (sha256(path) if path.exists() else None) == before  # the input is never written
    assert list(outdir.iterdir()) == []  # no output, no temporary leftovers


def test_bad_input_exit_code_through_python_m(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text(GOOD_CSV.replace("2009-12-01 09:06:00", "32/13/2009"), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "profiling", "profiles", "--data", str(path), "--columns", RETAIL,
                             "--out", str(tmp_path / "p.parquet")], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert "dates.csv: column 'timestamp' (your column 'InvoiceDate')" in result.stderr
    assert "'32/13/2009'" in result.stderr
    assert not (tmp_path / "p.parquet").exists() and leftovers(tmp_path) == []


def test_all_returns_shop_stops_the_report_before_any_chapter(tmp_path):
    """A shop whose every line is a return: exit 1 with one line (file, column, problem, fix) through the entry
    point, before the default chapters run (they would fail in chapter 06)."""
    tx = datasets.make_transactions(40, n_items=20, random_state=2)
    tx["quantity"] = -tx["quantity"].abs()
    export = tx.rename(columns=THEIR_NAMES)
    path = tmp_path / "returns_2023.csv"
    export.to_csv(path, index=False)
    out = tmp_path / "report"
    result = subprocess.run([sys.executable, "-m", "profiling", "report", "--data", str(path), "--columns",
                             flag(THEIR_NAMES), "--out", str(out)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("profiling: error:")]
    assert errors == [result.stderr.splitlines()[-1]] and len(errors) == 1
    assert "returns_2023.csv: column 'quantity' (your column 'Qty')" in errors[0] and "no purchase to profile" in errors[0]
    assert "chapter " not in result.stderr  # no chapter started
    assert not out.exists() and leftovers(tmp_path) == []


def test_cutoff_before_the_first_purchase_is_refused(tmp_path, capsys):
    """Returns before the first purchase: a cutoff between them leaves no purchase before it."""
    tx = datasets.make_transactions(30, n_items=10, start="2021-01-01", end="2021-06-30", random_state=4)
    early = tx.head(3).assign(quantity=-1, timestamp=pd.Timestamp("2020-12-01 10:00"))
    path = tmp_path / "shop.csv"
    pd.concat([early, tx]).to_csv(path, index=False)
    code = main(["profiles", "--data", str(path), "--cutoff", "2020-12-15", "--out", str(tmp_path / "p.parquet"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--cutoff 2020-12-15: the first purchase in shop.csv is on 2021-01-0" in err and "are returns" in err


def test_outputs_have_the_usual_permissions(shop, tmp_path, capsys):
    """profiles.parquet and the report folder follow the umask (not the private 0600/0700 of temporary files)."""
    path, _ = shop
    chapters_dir = _tiny_chapters(tmp_path / "nb", fail=False)
    old = os.umask(0o027)
    try:
        table = tmp_path / "profiles.parquet"
        assert main(["profiles", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
                     "--k", "3", "--out", str(table), "-q"]) == 0
        out = tmp_path / "report"
        assert main(["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
                     "--notebooks", str(chapters_dir), "--param", "sample_customers=40", "--out", str(out), "-q"]) == 0
    finally:
        os.umask(old)
    capsys.readouterr()
    assert table.stat().st_mode & 0o777 == 0o640
    assert out.stat().st_mode & 0o777 == 0o750
    for name in ("index.html", "run.json", "profiles.parquet", "transactions.parquet", "chapters/07_standin.ipynb",
                 "chapters/07_standin.html"):
        assert (out / name).stat().st_mode & 0o777 == 0o640, name
    assert (out / "chapters").stat().st_mode & 0o777 == 0o750


# ------------------------------------------------------------------------------- report

@pytest.mark.notebook
@pytest.mark.slow
def test_report_end_to_end(tmp_path):
    """Chapters 03, 04 and 05 on a small export without product descriptions: 05 is skipped with a
    note, 03 and 04 run on the injected data, and the folder holds everything index.html links."""
    _, export = synthetic(200, "text", random_state=11)
    path = tmp_path / "shop.csv"
    export.drop(columns=["Product Name"]).to_csv(path, index=False)
    before = sha256(path)
    mapping = {k: v for k, v in THEIR_NAMES.items() if k != "description"}
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "profiling", "report", "--data", str(path), "--columns", flag(mapping),
         "--timestamp-format", DAY_FIRST, "--chapters", "5,03,04", "--param", "horizon_days=60", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=900,
    )
    assert result.returncode == 0, result.stderr
    assert "chapter 03 (1/2)" in result.stderr and "chapter 04 done in" in result.stderr
    assert "skip chapter 05" in result.stderr
    assert sha256(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report", "shop.csv"]  # no temporary folder left

    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    tx = datasets.load_transactions(path, columns=mapping, timestamp_format=DAY_FIRST)
    assert run["data"]["summary"]["rows"] == len(tx)
    assert run["data"]["summary"]["customers"] == tx["customer_id"].nunique()
    status = {c["chapter"]: c["status"] for c in run["chapters"]}
    assert status == {"03": "ran", "04": "ran", "05": "skipped"}
    # the chapters' dates of the shipped data (2010-09-01 in 03 and 04) keep their distance to the end of the data
    shift = tx["timestamp"].max().normalize() + pd.Timedelta(days=1) - chapters.SHIPPED_END
    assert run["date_shift_days"] == shift.days
    moved = f"{pd.Timestamp('2010-09-01') + shift:%Y-%m-%d}"
    params = {c["chapter"]: c.get("parameters", {}) for c in run["chapters"]}
    assert params["03"]["split_date"] == moved and "cutoff" not in params["03"]  # 03's cutoff default is None
    assert params["04"]["cutoff"] == moved and params["04"]["horizon_days"] == 60

    for name in ["03_clean_and_fuse", "04_features"]:
        assert (out / "chapters" / f"{name}.ipynb").is_file()
        page = (out / "chapters" / f"{name}.html").read_text(encoding="utf-8")
        assert "../transactions.parquet" in page  # the injected parameters are shown
        if (out / "static" / "mathjax" / "tex-mml-chtml.js").is_file():
            assert "cdnjs" not in page and "../static/mathjax/tex-mml-chtml.js" in page
    rec03 = read_records(out / "chapters" / "03_clean_and_fuse.ipynb")
    assert rec03["rows_in"] == len(tx) and rec03["customers_in"] == tx["customer_id"].nunique()
    rec04 = read_records(out / "chapters" / "04_features.ipynb")
    assert rec04["cutoff"] == moved  # a date inside this data, not the shipped default
    assert rec04["n_lines_before_cutoff"] > 0

    table = pd.read_parquet(out / "profiles.parquet")
    pd.testing.assert_frame_equal(table, profiles.profile_table(tx))
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "shop.csv" in index and f"{len(tx):,}" in index
    assert "Chapter 05 was skipped" in index and "description" in index
    assert "chapters/04_features.html" in index and "profiles.parquet" in index
    assert "pandas" in index and "horizon_days=60" in index and f"moved by {shift.days:,} days" in index
    assert "http://" not in index and "https://" not in index


@pytest.mark.notebook
@pytest.mark.slow
def test_a_chinese_report_from_one_command(tmp_path):
    """``--lang zh_CN``: the index page, the chapters' prose (the book's catalogs), their generated sentences and
    table headers (the package's) in Chinese, on another shop's data; the numbers are the English run's."""
    _, export = synthetic(200, "text", random_state=12)
    path = tmp_path / "shop.csv"
    export.to_csv(path, index=False)
    han = re.compile(r"[\u4e00-\u9fff]")
    runs = {}
    for lang in ("zh_CN", "en"):
        out = tmp_path / f"report_{lang}"
        result = subprocess.run(
            [sys.executable, "-m", "profiling", "report", "--data", str(path), "--columns", flag(THEIR_NAMES),
             "--timestamp-format", DAY_FIRST, "--chapters", "03,06", "--lang", lang, "--currency", "EUR",
             "--out", str(out), "-q"],
            capture_output=True, text=True, cwd=tmp_path, timeout=900,
        )
        assert result.returncode == 0, result.stderr
        runs[lang] = out
    out = runs["zh_CN"]
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["lang"] == "zh_CN" and {c["status"] for c in run["chapters"]} == {"ran"}
    assert all(han.search(c["title"]) for c in run["chapters"])
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index and "画像表" in index and "Profile table" not in index
    for name in ("03_clean_and_fuse", "06_tags_and_segments"):
        nb = json.loads((out / "chapters" / f"{name}.ipynb").read_text(encoding="utf-8"))
        prose = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
        assert sum(bool(han.search("".join(c["source"]))) for c in prose) / len(prose) > 0.9, name
        generated = [o["data"]["text/markdown"] for c in nb["cells"] if c["cell_type"] == "code"
                     for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
        generated = ["".join(g) for g in generated]
        assert generated and all(han.search(g) for g in generated), (name, [g[:80] for g in generated if not han.search(g)])
        tables = ["".join(o["data"]["text/html"]) for c in nb["cells"] if c["cell_type"] == "code"
                  for o in c.get("outputs", []) if "text/html" in o.get("data", {})]
        headers = [h for t in tables for h in re.findall(r"<th[^>]*>([^<]+)</th>", t)]
        assert any(han.search(h) for h in headers), name
        assert "GBP" not in "".join(generated) and (name != "03_clean_and_fuse" or "EUR" in "".join(generated))
        assert read_records(out / "chapters" / f"{name}.ipynb") == read_records(runs["en"] / "chapters" / f"{name}.ipynb")
    page = (out / "chapters" / "03_clean_and_fuse.html").read_text(encoding="utf-8")
    assert "数据采集" in page
    pd.testing.assert_frame_equal(pd.read_parquet(out / "profiles.parquet"), pd.read_parquet(runs["en"] / "profiles.parquet"))


@pytest.mark.notebook
@pytest.mark.slow
def test_chapters_02_and_03_talk_about_the_shop_s_own_countries(tmp_path):
    """A German-French shop: the sentences of chapters 02 and 03 name its largest country (and, in
    chapter 03, that country's UN M49 region), never the course data's United Kingdom (about 40 s)."""
    tx = datasets.make_transactions(150, n_items=150, start="2021-03-01", end="2022-08-31", random_state=4,
                                    countries={"Germany": 0.7, "France": 0.2, "Netherlands": 0.1})
    path = tmp_path / "shop.csv"
    tx.to_csv(path, index=False)
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "profiling", "report", "--data", str(path), "--chapters", "02,03", "--currency", "EUR",
         "--out", str(out), "-q"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    sentences = {}
    for name in ("02_user_profiles", "03_clean_and_fuse"):
        nb = json.loads((out / "chapters" / f"{name}.ipynb").read_text(encoding="utf-8"))
        sentences[name] = ["".join(o["data"]["text/markdown"]) for c in nb["cells"] if c["cell_type"] == "code"
                           for o in c.get("outputs", []) if "text/markdown" in o.get("data", {})]
        assert not any("United Kingdom" in s for s in sentences[name]), name
    assert any(s.startswith("**Germany** has the most customers") for s in sentences["02_user_profiles"])
    assert any("**Germany** alone holds" in s and "Western Europe" in s for s in sentences["03_clean_and_fuse"])


@pytest.mark.notebook
@pytest.mark.slow
def test_report_chapters_09_and_11_on_a_small_shop_without_countries(tmp_path):
    """Chapters 09 and 11 on a young 200-customer shop without a country column (about 30 s): a segment
    without history, fewer training rows than chapter 7's KNN k, and no attribute with two groups for
    the fairness audit all degrade with a note instead of stopping the report."""
    _, export = synthetic(200, "float", random_state=5)
    path = tmp_path / "shop.csv"
    export.drop(columns=["Market"]).to_csv(path, index=False)
    mapping = {k: v for k, v in THEIR_NAMES.items() if k != "country"}
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "profiling", "report", "--data", str(path), "--columns", flag(mapping),
         "--timestamp-format", DAY_FIRST, "--chapters", "09,11", "--quiet", "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert {c["chapter"]: c["status"] for c in run["chapters"]} == {"09": "ran", "11": "ran"}
    rec09 = read_records(out / "chapters" / "09_precision_marketing.ipynb")
    assert rec09["plan_customers"] == rec09["n_profiles_now"]          # every customer is in the plan
    assert rec09["plan_segments_without_history"]                      # ... also those of a segment without history
    assert not set(rec09["plan_segments_without_history"]) & set(rec09["plan_profitable_segments"])
    page09 = (out / "chapters" / "09_precision_marketing.html").read_text(encoding="utf-8")
    assert "No history for" in page09
    rec11 = read_records(out / "chapters" / "11_responsible_profiling.ipynb")
    assert rec11["n_test"] < 300 and 0 <= rec11["test_auc"]["knn"] <= 1     # KNN's k (300) capped at the rows
    assert rec11["fairness_attributes"] == [] and rec11["disparity"] == {}   # one country, no wholesale customers
    assert "Not compared" in (out / "chapters" / "11_responsible_profiling.html").read_text(encoding="utf-8")


@pytest.mark.notebook
@pytest.mark.slow
def test_report_mode_on_course_chapters_keeps_chapter_06_when_another_fails(tmp_path):
    """The course's chapters 03 and 06 (copies; 03 given a failing last cell) in report mode on another shop:
    the tagged cells are neither run nor shown, the settings reach the chapters that declare them, 03's
    failure is listed and 06's profile table and page are kept (exit 3)."""
    _, export = synthetic(200, "text", random_state=13)
    path = tmp_path / "orders_2021.csv"
    export.to_csv(path, index=False)
    folder = tmp_path / "nb"
    folder.mkdir()
    for name in ("03_clean_and_fuse.ipynb", "06_tags_and_segments.ipynb"):
        (folder / name).write_bytes((ROOT / "notebooks" / name).read_bytes())
    nb03 = nbformat.read(folder / "03_clean_and_fuse.ipynb", as_version=4)
    nb03.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('a failure after the whole chapter ran')"))
    nbformat.write(nb03, folder / "03_clean_and_fuse.ipynb")
    out = tmp_path / "report"
    result = subprocess.run(
        [sys.executable, "-m", "profiling", "report", "--data", str(path), "--columns", flag(THEIR_NAMES),
         "--timestamp-format", DAY_FIRST, "--notebooks", str(folder), "--chapters", "03,06", "--currency", "EUR",
         "--out", str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=900,
    )
    assert result.returncode == 3, result.stderr
    assert "RuntimeError: a failure after the whole chapter ran" in result.stderr and "written anyway" in result.stderr
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    entries = {c["chapter"]: c for c in run["chapters"]}
    assert entries["03"]["status"] == "failed" and entries["06"]["status"] == "ran"
    assert entries["03"]["error"].startswith(f"failed in cell {len(nb03.cells)} of {len(nb03.cells)}")
    assert run["profiles"]["built_by"] == "chapter 06"
    pd.testing.assert_frame_equal(pd.read_parquet(out / "profiles.parquet"),
                                  profiles.profile_table(datasets.load_transactions(path, columns=THEIR_NAMES,
                                                                                    timestamp_format=DAY_FIRST)))
    for number, name in (("03", "03_clean_and_fuse"), ("06", "06_tags_and_segments")):
        info = chapters.chapter_info(folder / f"{name}.ipynb")
        for setting, value in (("currency", "EUR"), ("shop_name", "orders_2021")):
            assert (entries[number]["parameters"].get(setting) == value) is (setting in info["params"])
        source = nbformat.read(folder / f"{name}.ipynb", as_version=4)
        tagged = [c for c in source.cells if set(chapters.LEFT_OUT_TAGS) & set(c.metadata.get("tags", []))]
        executed = nbformat.read(out / "chapters" / f"{name}.ipynb", as_version=4)
        assert not any(set(chapters.LEFT_OUT_TAGS) & set(c.metadata.get("tags", [])) for c in executed.cells)
        ran = [c for c in executed.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
        assert len(ran) == len(source.cells) - len(tagged) + 1  # + papermill's injected parameters
        assert tagged or number == "06"  # chapter 03 has tagged cells (its Exercises)
        assert (out / "chapters" / f"{name}.html").is_file()
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Chapter 03 failed" in index and "chapters/06_tags_and_segments.html" in index
    assert leftovers(tmp_path) == []


# ------------------------------------------------- failures and --force, on tiny stand-in chapters


def _tiny_chapters(folder: Path, fail: bool) -> Path:
    """A chapters folder with one quick notebook that reads the data (and fails in cell 4 if asked)."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["profiling"] = {"needs": [], "report": True}  # in the default report (as chapters declare it)
    params = nbformat.v4.new_code_cell("data_path = None  # the data\nsample_customers = None")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        nbformat.v4.new_markdown_cell("# 7. A stand-in chapter"),
        params,
        nbformat.v4.new_code_cell("import pandas as pd\ntx = pd.read_parquet(data_path)\nprint(len(tx))"),
        nbformat.v4.new_code_cell("# the failing cell\nraise ValueError('boom: no such segment')" if fail else "print('ok')"),
    ]
    nbformat.write(nb, folder / "07_standin.ipynb")
    return folder


def _standin(folder: Path, name: str, cells: list, params: str = "data_path = None  # the data\nsample_customers = None",
             metadata: dict | None = None) -> Path:
    """One stand-in chapter ``name`` in ``folder``: a title, a parameters cell, then ``cells``.

    Each of ``cells`` is source text (a code cell), or (kind, source, tags) with kind "code"/"markdown".
    """
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["profiling"] = metadata or {"needs": [], "report": True}
    parameters = nbformat.v4.new_code_cell(params)
    parameters.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {int(name[:2])}. A stand-in chapter"), parameters]
    for cell in cells:
        kind, source, tags = ("code", cell, []) if isinstance(cell, str) else cell
        new = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        if tags:
            new.metadata["tags"] = tags
        nb.cells.append(new)
    nbformat.write(nb, folder / name)
    return folder


def test_failing_chapter_keeps_the_finished_ones(shop, tmp_path, capsys):
    """One chapter fails: the others, the profile table and index.html (listing the failure) are written; exit 3."""
    path, _ = shop
    folder = tmp_path / "nb"
    _standin(folder, "05_fine.ipynb", ["import pandas as pd\nprint('rows:', len(pd.read_parquet(data_path)))"])
    _tiny_chapters(folder, fail=True)
    _standin(folder, "08_later.ipynb", ["print('after the failure')"])
    _standin(folder, "09_short.ipynb", ["print('never')"], params='data_path = None\nfit_cutoff = "2009-11-01"')
    out = tmp_path / "report"
    code = main(["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
                 "--notebooks", str(folder), "--out", str(out), "--quiet", "--param", "sample_customers=60",
                 "--param", "fit_cutoff=2001-01-01"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "chapter 07 (07_standin.ipynb" in err and "failed in cell 4 of 4" in err
    assert "ValueError: boom: no such segment" in err and "the failing cell" not in err.split("starting")[0]
    # 09 is skipped: the user's fit_cutoff (2001-01-01) lies outside the data, and a user date is never moved
    assert f"The report was written anyway to {out}/index.html: 2 chapter(s) ran, 1 failed" in err
    assert "leave it out with --chapters 05,08,09" in err and "Nothing was written" not in err
    assert leftovers(tmp_path) == []
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    status = {c["chapter"]: c["status"] for c in run["chapters"]}
    assert status == {"05": "ran", "07": "failed", "08": "ran", "09": "skipped"}
    failed = run["chapters"][1]
    assert failed["error"] == "failed in cell 4 of 4 (`raise ValueError('boom: no such segment')`): ValueError: boom: no such segment"
    assert (out / failed["notebook"]).is_file() and (out / failed["html"]).is_file()  # as far as it ran, with the error
    for entry in run["chapters"]:
        if entry["status"] == "ran":
            assert (out / entry["html"]).is_file() and (out / entry["notebook"]).is_file()
    assert run["profiles"]["rows"] == len(pd.read_parquet(out / "profiles.parquet")) <= 60
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "failed: failed in cell 4 of 4" in index and "ValueError: boom: no such segment" in index
    assert "Chapter 07 failed" in index and "chapters/05_fine.html" in index and "profiles.parquet" in index


def test_a_skipped_chapter_is_listed_with_a_hint_beside_a_failure(shop, tmp_path, capsys):
    path, _ = shop
    no_text = tmp_path / "no_descriptions.csv"
    pd.read_csv(path, dtype=str).drop(columns="Product Name").to_csv(no_text, index=False)
    folder = _tiny_chapters(tmp_path / "nb", fail=True)
    _standin(folder, "08_text.ipynb", ["print('never')"], metadata={"needs": ["description"], "report": True})
    out = tmp_path / "report"
    mapping = {k: v for k, v in THEIR_NAMES.items() if k != "description"}
    code = main(["report", "--data", str(no_text), "--columns", flag(mapping), "--timestamp-format", DAY_FIRST,
                 "--notebooks", str(folder), "--out", str(out), "--quiet", "--param", "sample_customers=40"])
    assert code == 3
    assert "0 chapter(s) ran, 1 failed (listed there with the error), with the profile table." in capsys.readouterr().err
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "Chapter 08 was skipped" in index and "map them with --columns description=&lt;your column&gt;" in index
    assert "Chapter 07 failed: failed in cell 4 of 4" in index
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["profiles"]["rows"] > 0


def test_failing_chapter_with_force_replaces_the_old_report(shop, tmp_path, capsys):
    """--force: the new report, with its failure listed, replaces the old one (it is what was asked for)."""
    path, _ = shop
    chapters_dir = _tiny_chapters(tmp_path / "nb", fail=True)
    out = tmp_path / "report"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier report", encoding="utf-8")
    argv = ["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
            "--notebooks", str(chapters_dir), "--out", str(out), "--quiet", "--param", "sample_customers=40"]
    assert main(argv) == 2 and "already exists" in capsys.readouterr().err  # without --force: untouched
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert main([*argv, "--force"]) == 3
    assert "written anyway" in capsys.readouterr().err
    assert not (out / "keep.txt").exists() and (out / "index.html").is_file()
    assert leftovers(tmp_path) == []


def test_report_mode_leaves_out_book_only_exercise_and_solution_cells(shop, tmp_path, capsys):
    """Cells tagged book-only, exercise or solution are neither run (they would fail) nor shown."""
    path, _ = shop
    folder = _standin(tmp_path / "nb", "04_tagged.ipynb", [
        ("markdown", "A tour of the SHIPPED SHOP, a UK giftware seller.", ["book-only"]),
        ("code", "raise RuntimeError('book-only code ran')", ["book-only", "hide-input"]),
        "import pandas as pd\ntx = pd.read_parquet(data_path)\nprint('KEPT CELL', len(tx))",
        ("markdown", "## Exercises\n\n1. EXERCISE TEXT", ["exercise"]),
        ("code", "raise RuntimeError('solution ran')", ["solution", "hide-input"]),
        ("markdown", "KEPT TEXT after the exercises", []),
    ])
    out = tmp_path / "report"
    assert main(["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
                 "--notebooks", str(folder), "--out", str(out), "--param", "sample_customers=40"]) == 0
    err = capsys.readouterr().err
    assert "3 cell(s) of the book left out: 2 book-only, 1 solution" not in err  # (the exercise heading counts too)
    assert "4 cell(s) of the book left out: 2 book-only, 1 exercise, 1 solution" in err
    executed = nbformat.read(out / "chapters" / "04_tagged.ipynb", as_version=4)
    sources = "\n".join(c.source for c in executed.cells)
    assert "KEPT CELL" in sources and "KEPT TEXT" in sources
    for gone in ("SHIPPED SHOP", "book-only code ran", "EXERCISE TEXT", "solution ran"):
        assert gone not in sources
    assert not any({"book-only", "exercise", "solution"} & set(c.metadata.get("tags", [])) for c in executed.cells)
    assert executed.metadata["papermill"]["input_path"] == str(folder / "04_tagged.ipynb")  # the course's notebook
    page = (out / "chapters" / "04_tagged.html").read_text(encoding="utf-8")
    assert "KEPT TEXT" in page and "SHIPPED SHOP" not in page and "EXERCISE TEXT" not in page
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["chapters"][0]["left_out"] == {"book-only": 2, "exercise": 1, "solution": 1}
    assert run["left_out_tags"] == ["book-only", "exercise", "solution"]
    assert "left out: 2 book-only, 1 exercise, 1 solution cell(s)" in (out / "index.html").read_text(encoding="utf-8")
    # the source notebook is unchanged
    assert len(nbformat.read(folder / "04_tagged.ipynb", as_version=4).cells) == 8


def test_a_failure_after_left_out_cells_names_the_cell_as_the_course_numbers_it(shop, tmp_path, capsys):
    path, _ = shop
    folder = _standin(tmp_path / "nb", "04_tagged.ipynb", [
        ("markdown", "About the shipped data.", ["book-only"]),
        ("code", "x = 1", ["exercise"]),
        "# a comment\nraise KeyError('no such column')",
    ])
    out = tmp_path / "report"
    assert main(["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
                 "--notebooks", str(folder), "--out", str(out), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "failed in cell 5 of 5 (In [" in err and "starting `raise KeyError('no such column')`" in err
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["chapters"][0]["error"].startswith("failed in cell 5 of 5 (`raise KeyError")


def test_force_replaces_a_finished_report(shop, tmp_path, capsys):
    path, _ = shop
    chapters = _tiny_chapters(tmp_path / "nb", fail=False)
    out = tmp_path / "report"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    argv = ["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
            "--notebooks", str(chapters), "--out", str(out), "--param", "sample_customers=50"]
    assert main(argv) == 2  # exists, no --force
    assert "already exists" in capsys.readouterr().err
    assert main([*argv, "--force"]) == 0
    assert "chapter 07 (1/1)" in capsys.readouterr().err
    assert not (out / "old.txt").exists() and (out / "index.html").is_file()
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["chapters"][0]["parameters"] == {"data_path": "../transactions.parquet", "sample_customers": 50}
    assert run["profiles"]["rows"] == len(pd.read_parquet(out / "profiles.parquet")) <= 50  # the sample, as chapter 06
    assert leftovers(tmp_path) == []


SETTINGS_CHAPTER = ["print('SHOP:', shop_name, '| CURRENCY:', currency)"]
SETTINGS_PARAMS = 'data_path = None\nsample_customers = None\ncurrency = "GBP"\nshop_name = "Online Retail II"'


def _settings_run(shop, tmp_path, capsys, *extra: str) -> tuple[int, str, dict]:
    """A report of two stand-in chapters, one declaring currency and shop_name: (exit code, stderr, run.json)."""
    path, _ = shop
    folder = _standin(tmp_path / "nb", "02_money.ipynb", SETTINGS_CHAPTER, params=SETTINGS_PARAMS)
    _tiny_chapters(folder, fail=False)
    out = tmp_path / "report"
    code = main(["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
                 "--notebooks", str(folder), "--out", str(out), "--param", "sample_customers=40", *extra])
    err = capsys.readouterr().err
    run = json.loads((out / "run.json").read_text(encoding="utf-8")) if code == 0 else {}
    return code, err, run


def test_currency_and_shop_name_reach_the_chapters_that_declare_them(shop, tmp_path, capsys):
    code, err, run = _settings_run(shop, tmp_path, capsys, "--currency", "EUR", "--shop-name", "Chez Nous")
    assert code == 0, err
    params = {c["chapter"]: c["parameters"] for c in run["chapters"]}
    assert params["02"]["currency"] == "EUR" and params["02"]["shop_name"] == "Chez Nous"
    assert "currency" not in params["07"] and "shop_name" not in params["07"]  # not declared there
    assert "SHOP: Chez Nous | CURRENCY: EUR" in (tmp_path / "report" / "chapters" / "02_money.html").read_text(encoding="utf-8")
    assert run["settings"] == {"currency": {"value": "EUR", "from": "--currency"},
                               "shop_name": {"value": "Chez Nous", "from": "--shop-name"}}
    assert "--currency sets" not in err
    index = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "<th>Currency</th><td><code>EUR</code> (--currency)" in index and "Chez Nous" in index


def test_without_settings_other_data_get_the_files_name_and_plain_currency(shop, tmp_path, capsys):
    """Never the shipped shop's name or currency on other data: the file's stem, and 'currency' with a note."""
    code, err, run = _settings_run(shop, tmp_path, capsys)
    assert code == 0, err
    params = run["chapters"][0]["parameters"]
    assert params["shop_name"] == "orders" and params["currency"] == "currency"
    assert err.count("--currency sets the currency") == 1
    page = (tmp_path / "report" / "chapters" / "02_money.html").read_text(encoding="utf-8")
    assert "SHOP: orders | CURRENCY: currency" in page and "Online Retail II" not in page.split("parameters")[-1]
    assert run["settings"]["shop_name"]["from"].startswith("the data file's name")


def test_currency_through_param_and_conflicts(shop, tmp_path, capsys):
    code, err, run = _settings_run(shop, tmp_path, capsys, "--param", "currency=USD")
    assert code == 0, err
    assert run["chapters"][0]["parameters"]["currency"] == "USD" and "--currency sets" not in err
    assert run["settings"]["currency"] == {"value": "USD", "from": "--param currency"}
    code, err, _ = _settings_run(shop, tmp_path / "again", capsys, "--currency", "EUR", "--param", "currency=USD")
    assert code == 2
    assert "--currency EUR and --param currency=USD both set currency; give it once, as --currency EUR." in err
    code, err, _ = _settings_run(shop, tmp_path / "third", capsys, "--shop-name", "A", "--param", "shop_name=B")
    assert code == 2 and "give it once, as --shop-name A" in err


def test_the_shipped_data_keep_the_chapters_defaults(shop, tmp_path, capsys, monkeypatch):
    """On the shipped file (the same bytes) no setting is injected unless given: the chapters' own defaults hold."""
    path, _ = shop
    shipped_dir = tmp_path / "data"
    shipped_dir.mkdir()
    (shipped_dir / "online_retail_ii_2009_2010.parquet").write_bytes(path.read_bytes())  # stands in for the shipped file
    (shipped_dir / "countries.csv").write_bytes((ROOT / "data" / "countries.csv").read_bytes())  # the cleaning reads it
    monkeypatch.setenv("PROFILING_DATA", str(shipped_dir))
    from profiling.cli import commands

    assert commands._is_shipped(path) and commands._is_shipped(shipped_dir / "online_retail_ii_2009_2010.parquet")
    code, err, run = _settings_run(shop, tmp_path, capsys)
    assert code == 0, err
    params = run["chapters"][0]["parameters"]
    assert "currency" not in params and "shop_name" not in params and "--currency sets" not in err
    assert "SHOP: Online Retail II | CURRENCY: GBP" in (tmp_path / "report" / "chapters" / "02_money.html").read_text(encoding="utf-8")
    code, err, run = _settings_run(shop, tmp_path / "given", capsys, "--currency", "GBP")
    assert run["chapters"][0]["parameters"]["currency"] == "GBP" and "shop_name" not in run["chapters"][0]["parameters"]
    monkeypatch.setenv("PROFILING_DATA", str(tmp_path / "nowhere"))
    assert not commands._is_shipped(path)


@pytest.mark.parametrize(("extra", "message"), [
    (["--chapters", "99"], "no chapter '99'"),
    (["--param", "no_such_knob=1"], "no chosen chapter (07) has this parameter"),
    (["--param", "data_path=x.csv"], "set by the command (use --data)"),
])
def test_report_option_errors(shop, tmp_path, capsys, extra, message):
    path, _ = shop
    chapters = _tiny_chapters(tmp_path / "nb", fail=False)
    code = main(["report", "--data", str(path), "--notebooks", str(chapters), "--out", str(tmp_path / "r"), *extra])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "r").exists() and leftovers(tmp_path) == []


# ------------------------------------------------------------------------------- many customers


def test_many_customers_run_the_chapters_on_a_sample_and_the_table_on_everyone(shop, tmp_path, capsys):
    """More customers than --max-customers: every chapter that takes sample_customers gets the limit (and says it
    ran on a sample), the profile table covers every customer, index.html says so; --param or 0 turn it off."""
    path, tx = shop
    customers = tx["customer_id"].nunique()
    folder = _standin(tmp_path / "nb", "02_count.ipynb", ["print('SAMPLE:', sample_customers)"])
    out = tmp_path / "report"
    args = ["report", "--data", str(path), "--columns", flag(THEIR_NAMES), "--timestamp-format", DAY_FIRST,
            "--notebooks", str(folder)]
    assert main([*args, "--out", str(out), "--max-customers", "60"]) == 0
    err = capsys.readouterr().err
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["chapters"][0]["parameters"]["sample_customers"] == 60
    assert "SAMPLE: 60" in (out / "chapters" / "02_count.html").read_text(encoding="utf-8")
    assert run["sampled"]["customers"] == customers and run["sampled"]["sample"] == 60
    assert f"{customers:,} customers: the chapters run on a seeded sample of 60" in err
    assert len(pd.read_parquet(out / "profiles.parquet")) == customers    # the table: every customer
    assert html.escape(run["sampled"]["text"]) in (out / "index.html").read_text(encoding="utf-8")
    for extra, expected in ([["--max-customers", "0"], None], [["--max-customers", "60", "--param", "sample_customers=80"], 80],
                            [[], None]):  # the default limit is far above this shop
        again = tmp_path / f"r{len(extra)}{expected}"
        assert main([*args, "--out", str(again), *extra]) == 0
        run = json.loads((again / "run.json").read_text(encoding="utf-8"))
        assert run["sampled"] is None and run["chapters"][0]["parameters"].get("sample_customers") == expected
    capsys.readouterr()
    assert main([*args, "--out", str(tmp_path / "bad"), "--max-customers", "-1"]) == 2
    assert "--max-customers -1: give a number of customers >= 1, or 0 to never sample." in capsys.readouterr().err
