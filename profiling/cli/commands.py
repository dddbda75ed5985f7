"""The three commands: ``profiling columns``, ``profiling profiles`` and ``profiling report``.

Each loads and validates the user's file first (:func:`load`, every data problem surfaces before
anything is written), then hands the work to the package: the profile table is
:func:`profiling.profiles.profile_table` (the pipeline chapter 06 calls too), chapters run through
:mod:`profiling.cli.chapters` and are rendered by :mod:`profiling.cli.pages`. What is here is the
command's own business: where the output goes, and that it only appears when complete.

* ``profiles`` writes one file with :func:`profiling.storage.atomic_write`.
* ``report`` builds its folder next to ``--out`` in a hidden ``.partial`` folder and renames it into
  place when complete. A chapter that fails does not stop the others: the finished chapters, the
  profile table and ``index.html`` (listing the failure) are moved into place, and the exit code is
  3. An interrupted run, or an error of the command itself, removes the folder.
* Files and folders are written with the usual permissions (0644 / 0755 under the usual umask 022),
  not the private ones of temporary files.
* An existing ``--out`` is replaced only with ``--force``, and never when it is (or holds) the input.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from profiling import datasets, i18n, storage
from profiling.cli import chapters, pages
from profiling.cli.columns import columns_text
from profiling.cli.parsing import EXIT_CHAPTER, EXIT_DATA, CliError, Progress, parse_columns, parse_param
from profiling.datasets import DataError
from profiling.i18n import tr

__all__ = ["load", "run_columns", "run_profiles", "run_report"]


# --------------------------------------------------------------------------------------------
# The data
# --------------------------------------------------------------------------------------------


def load(args: argparse.Namespace, say: Progress) -> pd.DataFrame:
    """Load and validate the user's file (:class:`~profiling.datasets.DataError` on any problem)."""
    path = Path(args.data)
    mapping = parse_columns(args.columns)
    say(f"reading {path.name}" + (f" ({len(mapping)} column(s) mapped)" if mapping else ""))
    try:
        tx = datasets.load_transactions(
            path, columns=mapping, encoding=args.encoding, sheet_name=args.sheet, sep=args.sep,
            timestamp_format=args.timestamp_format,
        )
    except PermissionError as err:
        raise DataError(f"{path}: cannot read the file ({err.strerror}). Check its permissions.") from None
    known = tx["customer_id"].notna()
    _check_counts(path, mapping, known=int(known.sum()), known_positive=int((known & (tx["quantity"] > 0)).sum()),
                  buyers=int(tx.loc[_purchases(tx), "customer_id"].nunique()))
    return tx


def _check_counts(path: Path, mapping: dict[str, str], known: int, known_positive: int, buyers: int) -> None:
    """The data can be profiled: some lines with a customer, some purchases, enough customers who bought.

    ``known``: lines with a customer id; ``known_positive``: those with a positive quantity;
    ``buyers``: customers with a purchase (positive quantity and price). Every engine counts them.
    """
    if known == 0:
        source = mapping.get("customer_id", "customer_id")
        raise DataError(
            f"{path}: column 'customer_id' (your column '{source}'): every value is missing, so there is no customer "
            "to profile. Map the column that identifies the customer with --columns customer_id=<your column>."
        )
    _check_purchases_counts(path, mapping, known, known_positive, buyers)
    _check_customers_count(path, mapping, buyers)


#: Fewer customers with a purchase than this cannot be profiled: RFM bands are quintiles, personas need at
#: least two clusters smaller than the customers, value tiers are terciles.
MIN_CUSTOMERS = 10


def _check_customers_count(path: Path, mapping: dict[str, str], n: int) -> None:
    """A shop of a handful of customers: profiles compare customers with each other, so say it now."""
    if n < MIN_CUSTOMERS:
        raise DataError(
            f"{path}: {_yours(mapping, 'customer_id')}: only {n} customer(s) with a purchase; a profile places each "
            f"customer among the others (quintiles, tiers, clusters), which needs at least {MIN_CUSTOMERS}. Export "
            "more customers (a longer period), or check that the mapped column identifies customers, not orders or shops."
        )


def _yours(mapping: dict[str, str], column: str) -> str:
    return f"column '{column}'" + (f" (your column '{mapping[column]}')" if column in mapping else "")


def _purchases(tx: pd.DataFrame) -> pd.Series:
    """The lines that are purchases: a known customer, a positive quantity and a positive price (as cleaning keeps)."""
    return tx["customer_id"].notna() & (tx["quantity"] > 0) & (tx["unit_price"] > 0)


def _check_purchases_counts(path: Path, mapping: dict[str, str], known: int, known_positive: int, buyers: int) -> None:
    """A shop without one purchase (every line a return or cancellation, or free) cannot be profiled: say so now."""
    if buyers:
        return
    if not known_positive:
        raise DataError(
            f"{path}: {_yours(mapping, 'quantity')}: every one of the {known:,} lines with a customer has a "
            "quantity of zero or less (returns or cancellations), so there is no purchase to profile. Export the orders "
            "together with the returns, or map the column of ordered quantities with --columns quantity=<your column>."
        )
    raise DataError(
        f"{path}: {_yours(mapping, 'unit_price')}: every purchase line has a zero, negative or missing price, so there "
        "is no purchase to profile. Map the column of unit prices with --columns unit_price=<your column> "
        "(a line total is not a unit price)."
    )


def _summary(tx: pd.DataFrame) -> dict[str, Any]:
    known = tx["customer_id"].notna()
    return {
        "rows": int(len(tx)),
        "customers": int(tx.loc[known, "customer_id"].nunique()),
        "invoices": int(tx["invoice_id"].nunique()),
        "items": int(tx["item_id"].nunique()),
        "lines_without_customer": int((~known).sum()),
        "first": tx["timestamp"].min().isoformat(sep=" "),
        "last": tx["timestamp"].max().isoformat(sep=" "),
        "has": {c: bool(tx[c].notna().any()) for c in ("description", "country")},
    }


def _valid(say: Progress, summary: dict[str, Any]) -> None:
    say(f"valid: {summary['rows']:,} rows, {summary['customers']:,} customers, {summary['first'][:10]} to {summary['last'][:10]}")


def _cutoff(text: str | None, tx: pd.DataFrame, path: Path) -> pd.Timestamp | None:
    """Parse ``--cutoff`` and check that it leaves some data before it."""
    if text is None:
        return None
    try:
        cut = pd.Timestamp(text)
    except (ValueError, TypeError):
        raise CliError(f"--cutoff {text!r}: not a date; write it as YYYY-MM-DD, e.g. --cutoff 2011-06-01.") from None
    first_purchase = tx.loc[_purchases(tx), "timestamp"].min()
    return _cutoff_checked(text, cut, tx["timestamp"].min(), tx["timestamp"].max(), first_purchase, path)


def _cutoff_checked(text: str, cut: pd.Timestamp, first: pd.Timestamp, last: pd.Timestamp,
                    first_purchase: pd.Timestamp, path: Path) -> pd.Timestamp:
    """``--cutoff`` after the first line and after the first purchase (every engine gives the dates)."""
    if cut <= first:
        raise CliError(
            f"--cutoff {text}: {path.name} starts on {first:%Y-%m-%d %H:%M}, so no purchase is before the cutoff. "
            f"Pick a date after it (the data run to {last:%Y-%m-%d}), or leave --cutoff out to use all the data."
        )
    if cut <= first_purchase:
        raise CliError(
            f"--cutoff {text}: the first purchase in {path.name} is on {first_purchase:%Y-%m-%d %H:%M} (the lines before it "
            f"are returns), so no purchase is before the cutoff. Pick a date after it (the data run to {last:%Y-%m-%d}), "
            "or leave --cutoff out to use all the data."
        )
    return cut


# --------------------------------------------------------------------------------------------
# Output placement
# --------------------------------------------------------------------------------------------


def _check_out(out: Path, data: Path, force: bool, kind: str) -> None:
    """Refuse an --out that exists (without --force), whose folder is missing, or that holds the input."""
    if not out.parent.is_dir():
        raise CliError(f"--out {out}: the folder {out.parent} does not exist; create it first.")
    data_res = data.resolve() if data.exists() else None
    out_res = out.resolve()
    if data_res is not None and (out_res == data_res or out_res in data_res.parents):
        raise CliError(f"--out {out}: that is (or contains) the input file {data}; the input is never overwritten. Choose another --out.")
    if out.exists() or out.is_symlink():
        if kind == "file" and out.is_dir():
            raise CliError(f"--out {out}: is a folder; the profile table is one file (e.g. --out profiles.parquet).")
        if kind == "dir" and not out.is_dir():
            raise CliError(f"--out {out}: exists and is a file; the report is a folder. Choose another --out.")
        if not force:
            raise CliError(f"--out {out}: already exists. Pass --force to replace it, or choose another --out.")


def _replace_dir(tmp: Path, out: Path, force: bool) -> None:
    """Move the finished folder ``tmp`` to ``out`` (replacing an existing ``out`` only with ``force``)."""
    if out.exists():
        if not force:
            raise CliError(f"--out {out}: appeared while the report was running; the report is left in {tmp}.")
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.rmdir(old)
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)


def _usual_mode(folder: bool) -> int:
    """The mode a new file (0666) or folder (0777) gets under the process's umask (0644 / 0755 with umask 022).

    Temporary files and folders (``mkstemp``, ``mkdtemp``) are private (0600 / 0700); what the
    command leaves as its output is not.
    """
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if folder else 0o666) & ~mask


# --------------------------------------------------------------------------------------------
# profiling columns / profiling profiles
# --------------------------------------------------------------------------------------------


def run_columns(args: argparse.Namespace) -> None:
    """``profiling columns FILE``: print the columns and the suggested mapping (YAML); warnings also on stderr."""
    text = columns_text(Path(args.file), args.encoding, args.sep, args.sheet,
                        warn=lambda w: print(f"profiling: warning: {w}", file=sys.stderr))
    sys.stdout.write(text)


def run_profiles(args: argparse.Namespace, say: Progress) -> pd.DataFrame:
    """``profiling profiles``: validate, build the chapter 06 profile table, write it atomically."""
    from profiling import profiles as _profiles

    data, out = Path(args.data), Path(args.out)
    if out.suffix.lower() not in {".parquet", ".pq", ".csv"}:
        raise CliError(f"--out {out}: end the name in .parquet (or .csv), e.g. --out profiles.parquet.")
    _check_out(out, data, args.force, "file")
    options = {"k": args.k} if args.random_state is None else {"k": args.k, "random_state": args.random_state}
    from profiling import engines

    engine = engines.choose_engine(getattr(args, "engine", "pandas"), data)
    if engine == "pandas":
        tx = load(args, say)
        cutoff = _cutoff(args.cutoff, tx, data)
        _valid(say, _summary(tx))
        say("cleaning and building the profile table (as chapter 06 does) ...")
        try:
            profiles = _profiles.profile_table(tx, cutoff, **options)
        except ValueError as err:
            raise CliError(f"{data}: cannot build profiles: {err}", EXIT_DATA) from None
        del tx
    else:
        profiles = _engine_profiles(args, engine, options, say)

    def write(stream: Any) -> None:
        if hasattr(os, "fchmod"):
            os.fchmod(stream.fileno(), _usual_mode(folder=False))  # the temporary file is 0600
        if out.suffix.lower() == ".csv":
            profiles.to_csv(stream)
        else:
            profiles.to_parquet(stream)
        if out.exists() and not args.force:
            raise CliError(f"--out {out}: appeared while profiles were built; not replaced (pass --force).")

    storage.atomic_write(out, write)
    k = profiles["persona"].nunique()
    cut = pd.Timestamp(profiles.attrs["cutoff"]) if profiles.attrs.get("cutoff") else None
    cut_text = "-" if cut is None else f"{cut:%Y-%m-%d}" if cut == cut.normalize() else f"{cut}"
    say(f"wrote {len(profiles):,} profiles x {profiles.shape[1]} columns to {out} (profile date {cut_text}, {k} personas)")
    return profiles


def _engine_profiles(args: argparse.Namespace, engine: str, options: dict[str, Any], say: Progress) -> pd.DataFrame:
    """The profile table built by a scale engine (:mod:`profiling.engines`): the same checks and messages as
    :func:`load`, every line checked in the engine, the lines never loaded into Python."""
    from profiling import engines

    data = Path(args.data)
    mapping = parse_columns(args.columns)
    where = f" on {args.master or 'local[2]'}" if engine == "spark" else ""
    say(f"reading {data.name} with the {engine} engine{where}" + (f" ({len(mapping)} column(s) mapped)" if mapping else ""))
    try:
        session = engines.open_engine(engine, master=getattr(args, "master", None))
    except ImportError as err:
        raise CliError(f"--engine {engine}: {err}") from None
    with session:
        try:
            summary = session.load(data, columns=mapping, encoding=args.encoding, sep=args.sep,
                                   timestamp_format=args.timestamp_format)
        except PermissionError as err:
            raise DataError(f"{data}: cannot read the file ({err.strerror}). Check its permissions.") from None
        _check_counts(data, mapping, summary["known"], summary["known_positive"], summary["buyers"])
        cutoff = None
        if args.cutoff is not None:
            try:
                cut = pd.Timestamp(args.cutoff)
            except (ValueError, TypeError):
                raise CliError(f"--cutoff {args.cutoff!r}: not a date; write it as YYYY-MM-DD, e.g. --cutoff 2011-06-01.") from None
            cutoff = _cutoff_checked(args.cutoff, cut, pd.Timestamp(summary["first"]), pd.Timestamp(summary["last"]),
                                     summary["first_purchase"], data)
        _valid(say, summary)
        say(f"cleaning and building the profile table (as chapter 06 does) with the {engine} engine ...")
        try:
            return session.profile_table(cutoff, say=say, **options)
        except ValueError as err:
            raise CliError(f"{data}: cannot build profiles: {err}", EXIT_DATA) from None


# --------------------------------------------------------------------------------------------
# profiling report
# --------------------------------------------------------------------------------------------


def _chapter_infos(folder_option: str | None) -> tuple[dict[str, Path], dict[str, dict[str, Any]]]:
    """The chapters of ``--notebooks`` (or :func:`profiling.storage.notebooks_dir`) and what each declares."""
    if folder_option:
        folder = Path(folder_option)
    else:
        try:
            folder = storage.notebooks_dir()
        except FileNotFoundError as err:
            raise CliError(f"no chapter notebooks: {err}; or pass --notebooks.") from None
    available = chapters.discover_chapters(folder) if folder.is_dir() else {}
    if not available:
        raise CliError(f"no chapter notebooks (NN_name.ipynb) in {folder}; run from a clone of the course or pass --notebooks.")
    infos = {}
    for n, p in available.items():
        try:
            infos[n] = chapters.chapter_info(p)
        except (ValueError, SyntaxError, KeyError, OSError) as err:  # e.g. a notebook being edited
            infos[n] = {"path": p, "title": p.stem, "params": {}, "has_parameters": False, "needs": (), "report": False,
                        "unreadable": f"{type(err).__name__}: {err}"}
    return available, infos


def _user_params(values: list[str] | None, chosen: list[str], infos: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The ``--param`` values, each checked to be a parameter of a chosen chapter that the command does not set."""
    user = dict(parse_param(p) for p in values or [])
    for name in user:
        if name in chapters.RESERVED:
            raise CliError(f"--param {name}: set by the command (use {chapters.RESERVED[name]}).")
        if not any(name in infos[n]["params"] for n in chosen):
            declared = sorted({p for n in chosen for p in infos[n]["params"]} - set(chapters.RESERVED))
            raise CliError(f"--param {name}: no chosen chapter ({', '.join(chosen)}) has this parameter; they have {declared}.")
    return user


#: The shipped Online Retail II, as :func:`profiling.datasets.load_online_retail` reads it.
_SHIPPED_FILE = "online_retail_ii_2009_2010.parquet"


def _is_shipped(data: Path) -> bool:
    """Whether the data file is the shipped Online Retail II (the same file, or the same bytes)."""
    try:
        shipped = storage.data_dir() / _SHIPPED_FILE
    except FileNotFoundError:
        return False
    if not shipped.is_file() or not data.is_file():
        return False
    if data.resolve() == shipped.resolve():
        return True
    return data.stat().st_size == shipped.stat().st_size and storage.file_sha256(data) == storage.file_sha256(shipped)


def _settings(args: argparse.Namespace, user: dict[str, Any], chosen: list[str], infos: dict[str, dict[str, Any]],
              shipped: bool, say: Progress, detected: dict[str, str] | None = None,
              ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The settings injected into the chapters that declare them (:data:`profiling.cli.chapters.SETTINGS`), and their record.

    ``--currency`` and ``--shop-name``, or the same names in ``--param`` (not both). Not given, on the
    shipped data the chapters keep their own defaults; on any other data the shop is named after the
    file (``orders_2021.csv`` -> ``orders_2021``) and amounts are in "currency", so that a report never
    carries the shipped shop's name or currency -- unless the data state their currency
    (``detected``: ``attrs["currency"]`` of :func:`~profiling.datasets.load_transactions`).
    """
    defaults = {"shop_name": (Path(args.data).stem, tr("the data file's name; set it with --shop-name")),
                "currency": ("currency", tr("not given; set it with --currency, e.g. --currency EUR"))}
    injected: dict[str, Any] = {}
    record: dict[str, dict[str, Any]] = {}
    for name, option in chapters.SETTINGS.items():
        given = getattr(args, name, None)
        if given is not None and name in user:
            raise CliError(f"{option} {given} and --param {name}={user[name]} both set {name}; give it once, "
                           f"as {option} {shlex.quote(str(given))}.")
        if name in user:
            record[name] = {"value": user[name], "from": f"--param {name}"}
        elif given is not None:
            injected[name] = given
            record[name] = {"value": given, "from": option}
        elif shipped:
            record[name] = {"value": None, "from": tr("the chapters' default (the shipped data)")}
        elif name == "currency" and detected:
            injected[name] = detected["value"]
            record[name] = {"value": detected["value"], "from": tr("found in the data ({where})").format(where=detected["from"])}
            say(f"amounts are in {detected['value']}, found in {detected['from']}; --currency overrides it")
        else:
            injected[name], why = defaults[name]
            record[name] = {"value": injected[name], "from": why}
    if "currency" in injected and getattr(args, "currency", None) is None and any(
            "currency" in infos[n]["params"] for n in chosen):
        say("amounts are labelled 'currency': --currency sets the currency of your data (e.g. --currency EUR)")
    return injected, record


def _plan(chosen: list[str], infos: dict[str, dict[str, Any]], user: dict[str, Any], cutoff_text: str | None,
          tx: pd.DataFrame, summary: dict[str, Any], say: Progress,
          settings: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One entry per chosen chapter: its parameters (and its scaled calendar), or why it is skipped (a column or days it lacks)."""
    shift = chapters.date_shift(tx)
    first_day = tx["timestamp"].min().normalize()
    entries = []
    for n in chosen:
        info = infos[n]
        lacking = [c for c in info["needs"] if not summary["has"].get(c, True)]
        entry: dict[str, Any] = {"chapter": n, "title": info["title"], "file": info["path"].name}
        params, too_short, scaled = chapters.chapter_params(info, user, cutoff_text, shift, first_day, settings)
        if lacking:
            entry.update(status="skipped", reason=tr("needs the column(s) {columns}, which the data do not have "
                                                     "(map them with --columns {column}=<your column>)").format(
                columns=lacking, column=lacking[0]))
        elif too_short:
            entry.update(status="skipped", reason=too_short)
        else:
            entry["parameters"] = params
            if scaled is not None:  # its calendar did not fit in the data: scaled (chapters.chapter_params)
                entry["scaled"] = scaled
                say(f"chapter {n}: {scaled['text']}")
        if entry.get("status") == "skipped":
            say(f"skip chapter {n} ({info['title']}): {entry['reason']}")
        entries.append(entry)
    return entries


def _sample_plan(args: argparse.Namespace, user: dict[str, Any], summary: dict[str, Any], chosen: list[str],
                 infos: dict[str, dict[str, Any]], say: Progress) -> dict[str, Any] | None:
    """The customer sample the chapters run on (``--max-customers``), or ``None`` when they run on every customer.

    Only when the data have more customers than the limit, the user set no ``sample_customers``
    and a chosen chapter takes one; the sample is each chapter's own seeded one (``random_state``).
    """
    cap = chapters.MAX_CUSTOMERS if args.max_customers is None else args.max_customers
    if cap < 0:
        raise CliError(f"--max-customers {cap}: give a number of customers >= 1, or 0 to never sample.")
    n = summary["customers"]
    takes = [c for c in chosen if "sample_customers" in infos[c]["params"]]
    if cap == 0 or n <= cap or "sample_customers" in user or not takes:
        return None
    say(f"{n:,} customers: the chapters run on a seeded sample of {cap:,} of them (--max-customers; 0 runs them on all, "
        "for hours); the profile table covers every customer")
    return {"customers": n, "sample": cap, "chapters": takes,
            "text": tr("{customers:,} customers: chapters {chapters} ran on a seeded sample of {sample:,} customers "
                       "(--max-customers); the profile table covers all of them.").format(
                customers=n, chapters=", ".join(takes), sample=cap)}


def _report_profiles(folder: Path, to_run: list[dict[str, Any]], user: dict[str, Any], cutoff_text: str | None,
                     say: Progress, whole: bool = False) -> tuple[pd.DataFrame, str, str | None]:
    """The report's profile table: chapter 06's if it ran (on every customer), else built by the pipeline (as chapter 06 would).

    ``whole``: the chapters ran on a sample of the customers, so chapter 06's table is replaced by one
    of every customer. Raises ``ValueError`` (from the pipeline) when the table cannot be built.
    """
    path = folder / "profiles.parquet"
    writer = next((e for e in to_run if "output_path" in e.get("parameters", {})), None)
    if writer is not None and writer.get("status") == "ran" and path.is_file() and not whole:
        return pd.read_parquet(path), tr("chapter 06"), writer["parameters"].get("cutoff", cutoff_text)
    if path.exists():  # left by a chapter 06 that failed afterwards: not trusted
        path.unlink()
    from profiling import profiles as _profiles

    say("building the profile table (as chapter 06 does) ...")
    options = {k: user[k] for k in _profiles.PIPELINE_DEFAULTS if k in user}
    table = _profiles.profile_table(pd.read_parquet(folder / "transactions.parquet"), cutoff_text, **options)
    table.to_parquet(path)
    return table, tr("the command (chapter 06's steps{options})").format(options=f", {options}" if options else ""), cutoff_text


def _run_one(entry: dict[str, Any], info: dict[str, Any], folder: Path, mathjax: bool, say: Progress,
             lang: str = "en") -> str | None:
    """Run one chapter into ``folder/chapters`` and render it; record the outcome in ``entry``.

    Returns the full failure message (``None`` if the chapter ran): a failing chapter does not
    stop the report, its executed notebook (with the error) is kept and rendered where possible.
    """
    executed = folder / "chapters" / info["path"].name
    html_url = "../static/mathjax/tex-mml-chtml.js" if mathjax else None
    started = say.elapsed()
    try:
        left_out = chapters.run_chapter(info, entry["parameters"], executed, say.quiet, lang)
    except chapters.ChapterFailed as err:
        entry.update(status="failed", error=err.summary, seconds=round(say.elapsed() - started, 1))
        say(f"chapter {entry['chapter']} FAILED ({entry['seconds']:.1f} s): {err.summary}")
        if executed.is_file():
            entry["notebook"] = f"chapters/{executed.name}"
            try:
                pages.render_chapter(executed, folder / "chapters" / f"{executed.stem}.html", html_url)
                entry["html"] = f"chapters/{executed.stem}.html"
            except Exception:  # noqa: BLE001 - the error of the chapter is the one to report
                pass
        return str(err)
    entry.update(status="ran", seconds=round(say.elapsed() - started, 1), notebook=f"chapters/{executed.name}",
                 html=f"chapters/{executed.stem}.html", left_out=left_out)
    say(f"chapter {entry['chapter']} done in {entry['seconds']:.1f} s"
        + (f" ({sum(left_out.values())} cell(s) of the book left out: {_counts(left_out)})" if left_out else ""))
    try:
        pages.render_chapter(executed, folder / entry["html"], html_url)
    except Exception as err:  # noqa: BLE001 - an HTML page that cannot be made fails this chapter only
        summary = f"ran, but its HTML page could not be made: {type(err).__name__}: {err}".splitlines()[0]
        entry.update(status="failed", error=summary)
        del entry["html"]
        return f"chapter {entry['chapter']} ({info['path'].name}) {summary}"
    return None


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{v} {k}" for k, v in counts.items())


def run_report(args: argparse.Namespace, say: Progress) -> dict[str, Any]:
    """``profiling report``: validate, run the chapters in a temporary folder beside ``--out``, move it into place.

    A failing chapter does not stop the others; the report is written with it listed as failed,
    and :class:`~profiling.cli.parsing.CliError` (exit code 3) is raised afterwards.
    """
    import importlib.util

    missing = [m for m in ("papermill", "nbconvert") if importlib.util.find_spec(m) is None]
    if missing:
        raise CliError(f"profiling report needs {' and '.join(missing)}: pip install 'profiling[notebooks]'.")

    data, out = Path(args.data), Path(args.out)
    _check_out(out, data, args.force, "dir")
    # what the report writes (its records, the index page) is in its language; progress lines stay English
    previous = i18n.language()
    i18n.set_language(getattr(args, "lang", "en"))
    try:
        return _run_report(args, say, data, out)
    finally:
        i18n.set_language(previous)


def _run_report(args: argparse.Namespace, say: Progress, data: Path, out: Path) -> dict[str, Any]:
    available, infos = _chapter_infos(args.notebooks)
    chosen = chapters.select(args.chapters, available, infos)
    user = _user_params(args.param, chosen, infos)
    tx = load(args, say)  # all data problems surface here, before any notebook runs
    settings, settings_record = _settings(args, user, chosen, infos, _is_shipped(data), say, tx.attrs.get("currency"))
    cutoff = _cutoff(args.cutoff, tx, data)
    cutoff_text = None if cutoff is None else (f"{cutoff:%Y-%m-%d}" if cutoff == cutoff.normalize() else cutoff.isoformat())
    summary = _summary(tx)
    _valid(say, summary)
    sampled = _sample_plan(args, user, summary, chosen, infos, say)
    shift = chapters.date_shift(tx)
    sha256 = storage.file_sha256(data)

    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent))
    os.chmod(tmp, _usual_mode(folder=True))  # mkdtemp's folder is private (0700)
    moved = False
    try:
        (tmp / "chapters").mkdir()
        tx.to_parquet(tmp / "transactions.parquet")
        mathjax = pages.mathjax_source()
        if mathjax is not None:
            shutil.copytree(mathjax, tmp / "static" / "mathjax")
        lang = getattr(args, "lang", "en")
        run_chapters = _plan(chosen, infos, user, cutoff_text, tx, summary, say,
                             {**settings, **({"sample_customers": sampled["sample"]} if sampled else {}),
                              **({"lang": lang} if lang != "en" and "lang" not in user else {})})
        if lang != "en":
            for entry in run_chapters:
                entry["title"] = chapters.translated_title(infos[entry["chapter"]], lang)
        del tx
        to_run = [e for e in run_chapters if "parameters" in e]
        failures = []
        for i, entry in enumerate(to_run, start=1):
            n, info = entry["chapter"], infos[entry["chapter"]]
            say(f"chapter {n} ({i}/{len(to_run)}): {info['title']} ...")
            failure = _run_one(entry, info, tmp, mathjax is not None, say, lang)
            if failure is not None:
                failures.append(failure)

        try:
            profiles, built_by, profile_cutoff = _report_profiles(tmp, to_run, user, cutoff_text, say, whole=bool(sampled))
        except ValueError as err:
            profiles_record: dict[str, Any] = {"error": f"{err}".splitlines()[0]}
            failures.append(f"the profile table could not be built: {err}")
            say(f"the profile table could not be built: {err}")
        else:
            if profile_cutoff is None:
                profile_cutoff = tr("{date:%Y-%m-%d} (the day after the last transaction)").format(
                    date=pd.Timestamp(summary["last"]).normalize() + pd.Timedelta(days=1))
            profiles_record = {**pages.profile_summary(profiles), "built_by": built_by, "cutoff": profile_cutoff}
        run = {
            "command": "profiling " + shlex.join(args.argv),
            "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "data": {"file": data.name, "bytes": data.stat().st_size, "sha256": sha256,
                     "columns": parse_columns(args.columns), "summary": summary},
            "cutoff": cutoff_text,
            "date_shift_days": int(shift.days),
            "parameters": user,
            "settings": settings_record,
            "sampled": sampled,
            "left_out_tags": list(chapters.LEFT_OUT_TAGS),
            "chapters": run_chapters,
            "profiles": profiles_record,
            "lang": lang,
            "versions": pages.versions(),
            "math_note": pages.MATH_OFFLINE if mathjax else pages.MATH_CDN,
        }
        run["seconds"] = round(say.elapsed(), 1)
        (tmp / "run.json").write_text(json.dumps(run, indent=2, default=str), encoding="utf-8")
        (tmp / "index.html").write_text(pages.index_html(run), encoding="utf-8")
        try:
            _replace_dir(tmp, out, args.force)
        except CliError:
            moved = True  # --out appeared meanwhile: the report stays where the message says
            raise
        moved = True
    finally:
        if not moved and tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    counts = {s: sum(e["status"] == s for e in run_chapters) for s in ("ran", "failed", "skipped")}
    say(f"report written to {out}/index.html ({counts['ran']} chapter(s) ran, {counts['skipped']} skipped"
        + (f", {counts['failed']} failed" if counts["failed"] else "") + ")")
    if failures:
        failed = [e["chapter"] for e in run_chapters if e["status"] == "failed"]
        others = [n for n in chosen if n not in failed]
        leave_out = f"--chapters {','.join(others)}" if failed and others else "--chapters"
        raise CliError(
            "\n".join(failures) + f"\nThe report was written anyway to {out}/index.html: {counts['ran']} chapter(s) ran"
            + (f", {counts['failed']} failed (listed there with the error)" if counts["failed"] else "")
            + (", with the profile table." if "error" not in profiles_record else ", without the profile table.")
            + (f" Run a failed chapter in Jupyter on the same data to investigate, or leave it out with {leave_out}."
               if failed else ""),
            EXIT_CHAPTER,
        )
    return run
