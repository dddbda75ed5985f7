"""The ``profiling`` command's arguments (profiling.cli.parsing); column guessing is tested in tests/test_cli_columns.py.

Fast: no data is profiled and no chapter runs. The end-to-end runs are in tests/test_cli.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from profiling import cli
from profiling.cli import main, parse_columns, parse_param
from profiling.cli.parsing import EXIT_CHAPTER, EXIT_DATA, EXIT_INTERRUPTED, EXIT_USAGE, CliError, build_parser

ROOT = Path(__file__).resolve().parent.parent
def test_entry_point_and_package_exports():
    """pyproject's [project.scripts] and python -m profiling both call profiling.cli:main."""
    import tomllib

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"profiling": "profiling.cli:main"}
    assert cli.main is main and callable(main)
    assert "from profiling.cli import main" in (ROOT / "profiling" / "__main__.py").read_text(encoding="utf-8")
    assert (EXIT_DATA, EXIT_USAGE, EXIT_CHAPTER, EXIT_INTERRUPTED) == (1, 2, 3, 130)
    assert CliError("x").code == EXIT_USAGE and CliError("x", EXIT_DATA).code == 1


def test_parse_columns_flags_and_files(tmp_path):
    assert parse_columns(['customer_id="Customer ID",timestamp=InvoiceDate']) == {
        "customer_id": "Customer ID", "timestamp": "InvoiceDate"}
    assert parse_columns(["customer_id='Kunde, Nr.' , quantity = Menge"]) == {"customer_id": "Kunde, Nr.", "quantity": "Menge"}
    assert parse_columns(["customer_id=A", "customer_id=B,item_id=C"]) == {"customer_id": "B", "item_id": "C"}
    assert parse_columns(None) == {}
    (tmp_path / "map.yml").write_text("# a comment\ncustomer_id: Customer ID\nquantity: 7\n", encoding="utf-8")
    assert parse_columns([str(tmp_path / "map.yml")]) == {"customer_id": "Customer ID", "quantity": "7"}
    (tmp_path / "map.json").write_text(json.dumps({"columns": {"item_id": "SKU"}}), encoding="utf-8")
    assert parse_columns(str(tmp_path / "map.json")) == {"item_id": "SKU"}


@pytest.mark.parametrize(("value", "message"), [
    ("customer_id", "cannot read"),
    ("customer_id=", "empty column name"),
    ("missing.yml", "not found"),
])
def test_parse_columns_errors(tmp_path, monkeypatch, value, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CliError, match=message):
        parse_columns([value])


def test_parse_columns_bad_files(tmp_path):
    (tmp_path / "list.yml").write_text("- a\n- b\n", encoding="utf-8")
    (tmp_path / "bad.yml").write_text("a: [\n", encoding="utf-8")
    (tmp_path / "nested.yml").write_text("customer_id: [a, b]\n", encoding="utf-8")
    with pytest.raises(CliError, match="must hold a mapping"):
        parse_columns([str(tmp_path / "list.yml")])
    with pytest.raises(CliError, match="not valid YAML"):
        parse_columns([str(tmp_path / "bad.yml")])
    with pytest.raises(CliError, match="each entry must be"):
        parse_columns([str(tmp_path / "nested.yml")])


def test_parse_param():
    assert parse_param("sample_customers=500") == ("sample_customers", 500)
    assert parse_param("k_candidates=[2, 3]") == ("k_candidates", [2, 3])
    assert parse_param("cutoff=2011-06-01") == ("cutoff", "2011-06-01")  # a date stays text
    assert parse_param("k=None") == ("k", None)
    assert parse_param("measure_cost=false") == ("measure_cost", False)
    assert parse_param("embedder=tfidf") == ("embedder", "tfidf")
    with pytest.raises(CliError, match="name=value"):
        parse_param("sample_customers")
    with pytest.raises(CliError, match="mappings are not supported"):
        parse_param("k={a: 1}")


def test_parser_defaults_leave_the_pipeline_defaults_to_the_pipeline():
    """--k and --random-state default to None: profiles.profile_table applies chapter 06's values."""
    args = build_parser().parse_args(["profiles", "--data", "x.csv", "--out", "p.parquet"])
    assert args.k is None and args.random_state is None
    args = build_parser().parse_args(["report", "--data", "x.csv", "--out", "r", "--param", "k=3", "--param", "x=1"])
    assert args.param == ["k=3", "x=1"] and args.chapters is None


def test_help_and_version(capsys):
    result = subprocess.run([sys.executable, "-m", "profiling", "--help"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and "profiles" in result.stdout and "Exit codes" in result.stdout
    assert main(["--version"]) == 0
    assert main(["report"]) == 2  # --data and --out are required
    assert "the following arguments are required: --data, --out" in capsys.readouterr().err


@pytest.mark.parametrize(("python", "command_line"), [
    ("pass encoding='gbk' for Chinese ones.", "pass --encoding gbk for Chinese ones."),
    ("for ';' or tabs pass sep=';' or sep='\\t'); now sep=','.", "for ';' or tabs pass --sep ';' or --sep $'\\t'); now --sep ','."),
    ("Fix those values, or pass timestamp_format= (e.g. timestamp_format='%d/%m/%Y %H:%M').",
     "Fix those values, or pass --timestamp-format (e.g. --timestamp-format '%d/%m/%Y %H:%M')."),
    ("Map your names with columns={'customer_id': 'Customer ID', 'timestamp': 'paid_at'}.",
     "Map your names with --columns 'customer_id=\"Customer ID\",timestamp=paid_at'."),
    ("Correct the names in columns= (they are case-sensitive).", "Correct the names in --columns (they are case-sensitive)."),
    ("with columns={...}.", "with --columns canonical=yours."),
    ("Pass sheet_name= one of these.", "Pass --sheet one of these."),
    ("column 'customer_id' (your column 'Kunde'): map it with --columns customer_id=<your column>.",
     "column 'customer_id' (your column 'Kunde'): map it with --columns customer_id=<your column>."),
])
def test_messages_give_the_command_line_form(python, command_line):
    """The package's advice (Python keyword arguments) reads as the command's options on the command line."""
    from profiling.cli.parsing import cli_message

    assert cli_message(python) == command_line


def test_data_error_through_main_shows_options_not_keywords(tmp_path, capsys):
    path = tmp_path / "semi.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    assert main(["profiles", "--data", str(path), "--out", str(tmp_path / "p.parquet")]) == 1
    err = capsys.readouterr().err
    assert "--sep ';'" in err and "sep=" not in err


def test_report_settings_options():
    args = build_parser().parse_args(["report", "--data", "x.csv", "--out", "r", "--currency", "EUR", "--shop-name", "Chez Nous"])
    assert args.currency == "EUR" and args.shop_name == "Chez Nous"
    args = build_parser().parse_args(["report", "--data", "x.csv", "--out", "r"])
    assert args.currency is None and args.shop_name is None
