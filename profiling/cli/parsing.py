"""The command's arguments and errors: options, mappings, parameters, exit codes and :func:`main`.

Nothing here reads data or runs a chapter: :func:`main` parses the command line and hands the
options to :mod:`profiling.cli.commands`, then turns errors into one line on stderr and an exit
code (:data:`EXIT_DATA`, :data:`EXIT_USAGE`, :data:`EXIT_CHAPTER`, :data:`EXIT_INTERRUPTED`).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from profiling import __version__
from profiling.datasets import DataError

__all__ = [
    "EXIT_CHAPTER",
    "EXIT_DATA",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CliError",
    "Progress",
    "build_parser",
    "cli_message",
    "main",
    "parse_columns",
    "parse_param",
]

#: Exit codes: the data cannot be used; wrong options; a chapter failed; interrupted (Ctrl-C).
EXIT_DATA, EXIT_USAGE, EXIT_CHAPTER, EXIT_INTERRUPTED = 1, 2, 3, 130


class CliError(Exception):
    """An error the user can fix; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE):
        super().__init__(message)
        self.code = code


class Progress:
    """Progress lines on stderr, prefixed with the elapsed time; silent when ``quiet``."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.started = time.perf_counter()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def __call__(self, message: str) -> None:
        if not self.quiet:
            print(f"[{self.elapsed():7.1f} s] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------
# Column mappings and parameters
# --------------------------------------------------------------------------------------------

_PAIR = re.compile(r"""\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("[^"]*"|'[^']*'|[^,]*?)\s*(,|$)""")


def parse_columns(values: Sequence[str] | str | None) -> dict[str, str]:
    """A column mapping (canonical name -> your column) from ``--columns`` values.

    Each value is either the path of a YAML or JSON file holding the mapping (for example the
    output of ``profiling columns FILE``), or comma-separated pairs
    ``customer_id="Customer ID",timestamp=InvoiceDate`` (quote names that hold commas). Several
    values are merged, later ones winning.

    Raises
    ------
    CliError
        Unreadable file, not a mapping, or a pair without ``=``.

    Example
    -------
    >>> parse_columns(['customer_id="Customer ID",timestamp=InvoiceDate'])
    {'customer_id': 'Customer ID', 'timestamp': 'InvoiceDate'}
    """
    if values is None:
        return {}
    if isinstance(values, str):
        values = [values]
    mapping: dict[str, str] = {}
    for value in values:
        path = Path(value)
        if path.suffix.lower() in {".yml", ".yaml", ".json"} or (path.is_file() and "=" not in value):
            mapping.update(_mapping_file(path))
            continue
        pos = 0
        text = value.strip()
        while pos < len(text):
            match = _PAIR.match(text, pos)
            if not match or match.end() == pos:
                raise CliError(
                    f"--columns: cannot read {text[pos:]!r} in {value!r}. Write canonical=yours pairs separated by "
                    'commas, e.g. --columns customer_id="Customer ID",timestamp=InvoiceDate, or pass a YAML/JSON file.'
                )
            key, theirs = match.group(1), match.group(2)
            if len(theirs) >= 2 and theirs[0] == theirs[-1] and theirs[0] in "\"'":
                theirs = theirs[1:-1]
            if not theirs:
                raise CliError(f"--columns: {key!r} has an empty column name in {value!r}.")
            mapping[key] = theirs
            pos = match.end()
    return mapping


def _mapping_file(path: Path) -> dict[str, str]:
    import yaml

    if not path.is_file():
        raise CliError(f"--columns: mapping file {path} not found. Create it with: profiling columns YOUR_FILE > {path.name}")
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise CliError(f"--columns: {path} is not valid YAML/JSON ({type(err).__name__}: {err}).") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("columns"), dict):
        loaded = loaded["columns"]
    if not isinstance(loaded, dict) or not loaded:
        raise CliError(
            f"--columns: {path} must hold a mapping canonical name -> your column, e.g.\n"
            "customer_id: Customer ID\ntimestamp: InvoiceDate"
        )
    bad = {k: v for k, v in loaded.items() if not isinstance(k, str) or not isinstance(v, (str, int, float)) or isinstance(v, bool)}
    if bad:
        raise CliError(f"--columns: in {path}, each entry must be 'canonical_name: your column name'; these are not: {bad}")
    return {k: str(v) for k, v in loaded.items()}


def parse_param(text: str) -> tuple[str, Any]:
    """One ``--param name=value``: the value is read as YAML (numbers, true/false, null/None,
    lists like ``[2, 3, 4]``), dates stay text.

    Example
    -------
    >>> parse_param("sample_customers=500"), parse_param("cutoff=2011-06-01")
    (('sample_customers', 500), ('cutoff', '2011-06-01'))
    """
    import yaml

    name, sep, raw = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier():
        raise CliError(f"--param {text!r}: write name=value, e.g. --param sample_customers=500")
    raw = raw.strip()
    if raw in {"None", "none"}:
        return name, None
    try:
        value = yaml.safe_load(raw) if raw else ""
    except yaml.YAMLError:
        value = raw
    if isinstance(value, (_dt.date, _dt.datetime)):
        value = raw
    if isinstance(value, dict):
        raise CliError(f"--param {text!r}: mappings are not supported as parameter values.")
    return name, value


# --------------------------------------------------------------------------------------------
# The parser
# --------------------------------------------------------------------------------------------

#: How the keyword arguments that load_transactions' messages suggest are spelled on the command line.
_FLAGS = {"timestamp_format": "--timestamp-format", "encoding": "--encoding", "sep": "--sep",
          "columns": "--columns", "sheet_name": "--sheet"}
_KEYWORD = re.compile(r"(?<![\w.-])(" + "|".join(_FLAGS) + r")=")
_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"")


def _shell_value(text: str) -> str:
    """A value as it is typed in a shell: plain words bare, a tab as $'\\t', anything else in single quotes."""
    if text == "\\t":
        return "$'\\t'"
    if re.fullmatch(r"[\w.-]+", text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def _columns_value(text: str) -> tuple[str, int] | None:
    """``{'customer_id': 'Customer ID', ...}`` at the start of ``text`` as ``customer_id="Customer ID",...``, and its length."""
    import ast

    depth = 0
    for end, char in enumerate(text):
        depth += char == "{"
        depth -= char == "}"
        if depth == 0:
            break
    else:
        return None
    literal = text[: end + 1]
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return "canonical=yours", end + 1  # e.g. columns={...}
    if not isinstance(value, dict) or not value:
        return "canonical=yours", end + 1
    pairs = ",".join(f'{k}="{v}"' if re.search(r"[\s,]", str(v)) else f"{k}={v}" for k, v in value.items())
    return _shell_value(pairs), end + 1


def cli_message(message: str) -> str:
    """A message of the package with its Python keyword arguments written as the command's options.

    The loading functions speak to Python users (``encoding='gbk'``, ``columns={...}``); on the
    command line the same advice reads ``--encoding gbk``, ``--columns ...``.

    Example
    -------
    >>> print(cli_message("pass encoding='gbk'; or sep=';'. Now sep=','. Pass sheet_name= one of these."))
    pass --encoding gbk; or --sep ';'. Now --sep ','. Pass --sheet one of these.
    >>> print(cli_message("map them with columns={'customer_id': 'Customer ID', 'timestamp': 'Paid'}."))
    map them with --columns 'customer_id="Customer ID",timestamp=Paid'.
    """
    out, pos = [], 0
    for match in _KEYWORD.finditer(message):
        if match.start() < pos:
            continue
        out.append(message[pos:match.start()])
        name, rest = match.group(1), message[match.end():]
        flag = _FLAGS[name]
        quoted = _QUOTED.match(rest)
        if quoted:
            value = quoted.group(1) if quoted.group(1) is not None else quoted.group(2)
            out.append(f"{flag} {_shell_value(value)}")
            pos = match.end() + quoted.end()
        elif name == "columns" and rest.startswith("{") and (found := _columns_value(rest)) is not None:
            out.append(f"{flag} {found[0]}")
            pos = match.end() + found[1]
        else:
            out.append(flag if name != "columns" or rest[:1] in ("", " ", ".", ",", ")", ";") else f"{flag} ")
            pos = match.end()
    out.append(message[pos:])
    return "".join(out)


def _sheet(text: str) -> str | int:
    return int(text) if text.isdigit() else text


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, metavar="FILE", help="your transactions: .csv, .parquet or .xlsx (only read, never written)")
    p.add_argument("--columns", action="append", metavar="MAP",
                   help='mapping canonical=yours, e.g. customer_id="Customer ID",timestamp=InvoiceDate, or a YAML/JSON file '
                        "(see: profiling columns FILE); may be repeated")
    p.add_argument("--encoding", help="text encoding of a CSV, e.g. latin-1, cp1252, gbk (default UTF-8)")
    p.add_argument("--sep", default=",", help="CSV column separator (default ','; use ';' or $'\\t')")
    p.add_argument("--sheet", type=_sheet, default=0, help="Excel sheet name or 0-based number (default 0)")
    p.add_argument("--timestamp-format", metavar="FMT", help="strftime format of the timestamps, e.g. '%%d/%%m/%%Y %%H:%%M' (default: inferred)")
    p.add_argument("--cutoff", metavar="DATE", help="profile date (exclusive), YYYY-MM-DD; default: the day after the last transaction")
    p.add_argument("--out", required=True, help="where to write the result")
    p.add_argument("--force", action="store_true", help="replace an existing --out")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines (errors are still printed)")


def build_parser() -> argparse.ArgumentParser:
    """The ``profiling`` command's parser: subcommands ``profiles``, ``report`` and ``columns``."""
    parser = argparse.ArgumentParser(
        prog="profiling",
        description="Run the user-profiling course on your own transactions: the profile table, or the chapters as a report.",
        epilog="Exit codes: 0 done; 1 the data cannot be used; 2 wrong options; 3 a chapter failed; 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"profiling {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{profiles,report,columns}")

    p = sub.add_parser("profiles", help="write the profile table (chapter 06) for your data",
                       description="Validate your file, clean it and build the profile table as chapter 06 does.")
    _data_options(p)
    # the defaults are chapter 06's (profiling.profiles.PIPELINE_DEFAULTS), applied by the pipeline itself
    p.add_argument("--k", type=int, default=None, help="number of personas (default: chosen by the silhouette, as chapter 06)")
    p.add_argument("--random-state", type=int, default=None, help="seed of KMeans and the silhouette sample (default: chapter 06's)")
    p.add_argument("--engine", choices=["auto", "pandas", "duckdb", "spark"], default="auto",
                   help="where the lines are read, cleaned and aggregated: pandas (in memory), duckdb (out of core, "
                        "spills to disk), spark (local cores or a cluster; needs profiling[spark] and Java 17); default "
                        "auto: duckdb for CSV/Parquet files of 500,000 lines or more (measured faster than pandas "
                        "from there on, with less memory), else pandas")
    p.add_argument("--master", default=None, metavar="URL",
                   help="Spark master for --engine spark, e.g. spark://host:7077 (default: local[2], two local cores; "
                        "under spark-submit, the --master given there)")

    r = sub.add_parser("report", help="run chapters on your data and write an HTML report",
                       description="Validate your file, then run the chosen chapters with papermill and write the executed "
                                   "notebooks, their HTML, the profile table and index.html into --out (a folder).")
    _data_options(r)
    r.add_argument("--chapters", help="comma-separated chapter numbers, e.g. 03,04,06, or 'all' (every chapter that "
                                      "takes data_path); default: the chapters checked on other data (marked "
                                      '{"profiling": {"report": true}} in their metadata)')
    r.add_argument("--param", action="append", metavar="NAME=VALUE",
                   help="a chapter parameter, e.g. --param sample_customers=500 --param k=4 (YAML values); may be repeated")
    r.add_argument("--currency", metavar="NAME", help="the currency of the amounts, as the chapters write it (e.g. EUR, "
                                                       "USD, '€'); default: 'currency' (on the shipped data: GBP)")
    r.add_argument("--shop-name", metavar="NAME", help="the shop's name in the chapters' text (default: the data file's "
                                                        "name without its extension)")
    r.add_argument("--lang", choices=["en", "zh_CN"], default="en",
                   help="the report's language: en (default) or zh_CN (简体中文: the chapters' prose from the Chinese edition's "
                        "catalogs, their generated sentences, labels and tables, and the index page)")
    r.add_argument("--max-customers", type=int, default=None, metavar="N",
                   help="with more customers than N, the chapters run on a seeded sample of N of them (the profile table "
                        "still covers everyone); 0: never sample (default: 20000, what every chapter runs in minutes)")
    r.add_argument("--notebooks", metavar="DIR", help="the chapter notebooks (default: $PROFILING_NOTEBOOKS, else notebooks/ "
                                                      "of the course checkout the package runs from)")

    c = sub.add_parser("columns", help="print a file's columns and a suggested mapping (YAML)",
                       description="Print the columns of FILE with example values and a suggested mapping onto the "
                                   "canonical schema. The output is YAML: save it with > columns.yml, check it, pass --columns columns.yml.")
    c.add_argument("file")
    c.add_argument("--encoding", help="text encoding of a CSV (default: detected: UTF-8, UTF-16, GBK, cp1252/latin-1)")
    c.add_argument("--sep", default=None, help="CSV column separator (default: detected among , ; tab |)")
    c.add_argument("--sheet", type=_sheet, default=0)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``profiling`` command; returns the exit code (see :mod:`profiling.cli`)."""
    from profiling.cli import commands

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse printed it)
        return int(exc.code or 0)
    args.argv = argv
    say = Progress(getattr(args, "quiet", False))
    try:
        if args.command == "columns":
            commands.run_columns(args)
        elif args.command == "profiles":
            commands.run_profiles(args, say)
        else:
            commands.run_report(args, say)
    except DataError as err:
        print(f"profiling: error: {cli_message(str(err))}", file=sys.stderr)
        return EXIT_DATA
    except CliError as err:
        print(f"profiling: error: {err}", file=sys.stderr)
        return err.code
    except KeyboardInterrupt:
        print("profiling: interrupted; nothing was written to --out.", file=sys.stderr)
        return EXIT_INTERRUPTED
    return 0
