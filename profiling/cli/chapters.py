"""The chapters as ``profiling report`` sees them: found, read, given parameters, run.

What the command knows about a chapter it reads from the notebook itself:

* its **parameters** and their defaults: the cell tagged ``parameters`` (:func:`declared`);
* the **optional columns it needs** and whether it is one of the **default report chapters**:
  the notebook's metadata ``{"profiling": {"needs": ["description"], "report": true}}``
  (:func:`chapter_info`). A chapter is in the default report when it was checked to run on data
  other than the shipped set; one that needs a column the data lack is skipped, with a note.

**Dates.** A parameter whose default is a date of the shipped Online Retail II (2009-12-01 to
2010-12-09, give or take a month) is moved by :func:`date_shift` days on other data, so that it
keeps its distance to the end of the data (:func:`chapter_params`). When a chapter's dates (and
the history before them) do not fit in a short history, its whole calendar is scaled to the data,
dates and durations together, keeping every window before the next date (:func:`scale_calendar`),
down to :data:`MIN_HISTORY_DAYS` of data; ``--cutoff`` sets the profile-date parameters and
``--param`` wins over everything (and is never scaled).

**Settings.** ``--currency`` and ``--shop-name`` reach every chapter that declares the parameter
(:data:`SETTINGS`), as the dates do; ``--param`` may set them too, but not both at once.

**Report mode.** A chapter runs as a copy without the cells that are not about the user's data
(:func:`report_notebook`): a code or markdown cell tagged ``book-only`` (text or code about the
shipped Online Retail II / Hillstrom data), ``exercise`` or ``solution`` (:data:`LEFT_OUT_TAGS`) is
neither run nor shown in the report. The book keeps them.

Chapters run with papermill (:func:`run_chapter`); a failure raises :class:`ChapterFailed`, with
one message naming the chapter, the cell (numbered as in the course's notebook) and the error
(:func:`failure_text`), and a one-line summary for the report's index.
"""

from __future__ import annotations

import ast
import json
import math
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from profiling.cli.parsing import EXIT_CHAPTER, CliError
from profiling.datasets import COLUMNS

__all__ = [
    "LEFT_OUT_TAGS",
    "PROFILE_DATE_PARAMS",
    "RESERVED",
    "SETTINGS",
    "SHIPPED_END",
    "SHIPPED_FIRST",
    "ChapterFailed",
    "chapter_info",
    "chapter_params",
    "duration_params",
    "scale_calendar",
    "book_catalog",
    "translate_cells",
    "translated_title",
    "IMPLIED_DATES",
    "MIN_DURATION_DAYS",
    "MIN_HISTORY_DAYS",
    "date_shift",
    "declared",
    "discover_chapters",
    "failure_summary",
    "failure_text",
    "read_notebook",
    "report_notebook",
    "run_chapter",
    "select",
    "shipped_date",
]

#: Parameters the command sets itself; ``--param`` may not override them (name -> the option to use).
RESERVED = {"data_path": "--data", "data_columns": "--columns", "output_path": "--out"}

#: The shipped Online Retail II: first day, and the day after its last transaction (2010-12-09 20:01).
#: A chapter parameter whose default is a date in (or within a month of) this period is a date *of
#: the shipped data*; on other data it is moved by :func:`date_shift` days.
SHIPPED_FIRST, SHIPPED_END = pd.Timestamp("2009-12-01"), pd.Timestamp("2010-12-10")

#: Date parameters that are the profile date, set by ``--cutoff`` when it is given.
PROFILE_DATE_PARAMS = ("cutoff", "profile_cutoff")

#: Settings of the report the chapters read (parameter -> the option that sets it); ``--param``
#: may set them as well (but not together with the option).
SETTINGS = {"currency": "--currency", "shop_name": "--shop-name"}

#: Above this many customers the report runs the chapters on a seeded sample of that many (``--max-customers``):
#: chapter 07's SVM and KNN and chapter 10's searches grow faster than linearly with the customers, so a shop
#: of a million customers would run for hours. The profile table (``profiling profiles``, the report's table)
#: covers every customer.
MAX_CUSTOMERS = 20_000

#: Cell tags of the course whose cells a report leaves out (neither run nor shown): text or code
#: about the shipped data, exercises and their solutions. The one tagging scheme of the course.
LEFT_OUT_TAGS = ("book-only", "exercise", "solution")


def discover_chapters(folder: Path) -> dict[str, Path]:
    """Chapter number ("03") -> notebook ``NN_name.ipynb`` in ``folder``, in order."""
    found = {}
    for path in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        found[path.name[:2]] = path
    return found


def read_notebook(path: Path) -> dict[str, Any]:
    """A notebook as plain JSON, cell sources joined into strings (faster than nbformat for a look)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def _metadata(nb: dict[str, Any], path: Path) -> tuple[tuple[str, ...], bool]:
    """(needs, report) from ``{"profiling": {...}}`` in the notebook's metadata (absent: none, not in the report)."""
    meta = nb.get("metadata", {}).get("profiling", {})
    if not isinstance(meta, dict):
        raise ValueError(f"{path.name}: metadata 'profiling' must be a mapping such as {{\"needs\": [], \"report\": true}}")
    needs = meta.get("needs", ())
    if isinstance(needs, str) or not all(isinstance(c, str) and c in COLUMNS for c in needs):
        raise ValueError(f"{path.name}: metadata profiling.needs must list canonical columns (from {COLUMNS}), got {needs!r}")
    report = meta.get("report", False)
    if not isinstance(report, bool):
        raise ValueError(f"{path.name}: metadata profiling.report must be true or false, got {report!r}")
    return tuple(needs), report


def chapter_info(path: Path) -> dict[str, Any]:
    """What the command needs to know about a chapter notebook.

    Returns a dict: ``path``; ``title`` (of its first ``# N. Title`` heading, without the
    number); ``params`` (the declared parameters, name -> default as source text);
    ``has_parameters``; ``needs`` (optional canonical columns it needs) and ``report`` (in the
    default report), both from the metadata ``{"profiling": {"needs": [...], "report": true}}``.
    """
    nb = read_notebook(path)
    title = path.stem
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            first = cell["source"].strip().splitlines()[0] if cell["source"].strip() else ""
            if first.startswith("# "):
                title = re.sub(r"^\d+\.\s*", "", first[2:].strip())  # "# 3. Collect, clean" -> "Collect, clean"
                break
    params: dict[str, str] = {}
    has_cell = False
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            has_cell = True
            params = declared(cell["source"])
            break
    needs, report = _metadata(nb, path)
    return {"path": path, "title": title, "params": params, "has_parameters": has_cell, "needs": needs, "report": report}


def declared(source: str) -> dict[str, str]:
    """Names assigned at the top level of a parameters cell -> their default, as source text.

    (papermill's own inspection gives up on lines whose comments hold '=' or ';'.)

    Example
    -------
    >>> declared("k = None  # number of personas; None = chosen\\ncutoff = '2010-12-01'")
    {'k': 'None', 'cutoff': "'2010-12-01'"}
    """
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = getattr(node, "value", None)
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                found[target.id] = ast.get_source_segment(source, value) or ""
    return found


def select(spec: str | None, available: dict[str, Path], infos: dict[str, dict[str, Any]]) -> list[str]:
    """The chapters ``--chapters spec`` chooses: the default report chapters, ``all``, or numbers."""
    if spec is None or spec.strip().lower() == "default":
        return [n for n, info in infos.items() if info.get("report") and "data_path" in info["params"]]
    if spec.strip().lower() == "all":
        return [n for n, info in infos.items() if "data_path" in info["params"]]
    chosen = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        number = part.zfill(2) if part.isdigit() else part[:2]
        if number not in available:
            raise CliError(f"--chapters: no chapter {part!r}; the chapters are {', '.join(f'{n} ({p.name})' for n, p in available.items())}.")
        if infos[number].get("unreadable"):
            raise CliError(f"--chapters: chapter {number} ({available[number].name}) cannot be read: {infos[number]['unreadable']}")
        if "data_path" not in infos[number]["params"]:
            raise CliError(f"--chapters: chapter {number} ({available[number].name}) has no data_path parameter, so it cannot run on your data.")
        chosen.append(number)
    return sorted(set(chosen))


# --------------------------------------------------------------------------------------------
# Parameters and dates
# --------------------------------------------------------------------------------------------


def date_shift(tx: pd.DataFrame) -> pd.Timedelta:
    """Days from the end of the shipped data to the end of these data (both: the day after the last line).

    Moving a shipped-data date by this shift keeps its distance to the end of the data, and so the
    distances between a chapter's dates (fit, train and test cutoffs three months apart stay three
    months apart, and each still leaves its outcome window inside the data).

    Example
    -------
    >>> date_shift(pd.DataFrame({"timestamp": pd.to_datetime(["2011-01-05 09:00", "2011-12-09 18:00"])})).days
    365
    """
    return tx["timestamp"].max().normalize() + pd.Timedelta(days=1) - SHIPPED_END


def shipped_date(default: str) -> pd.Timestamp | None:
    """The date a parameter's default (source text, e.g. '"2010-09-01"') holds, if it is one of the shipped data.

    Example
    -------
    >>> shipped_date('"2010-09-01"'), shipped_date('"2019-01-01"'), shipped_date("4")
    (Timestamp('2010-09-01 00:00:00'), None, None)
    """
    try:
        value = ast.literal_eval(default)
    except (ValueError, SyntaxError):
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    stamp = pd.Timestamp(value)
    month = pd.Timedelta(days=31)
    return stamp if SHIPPED_FIRST - month <= stamp <= SHIPPED_END + month else None


#: Scaling a chapter's calendar stops here: below this many days of data a chapter whose dates do
#: not fit is skipped (with the settings that would run it), and no duration is scaled below
#: :data:`MIN_DURATION_DAYS`.
MIN_HISTORY_DAYS = 42
MIN_DURATION_DAYS = 7

#: Dates a chapter derives from two of its parameters, part of its calendar although no parameter
#: holds them: ``(name, base date parameter, duration parameter, only_when_declared_none)``; the
#: date is ``base - duration``. Chapter 08's ``validation_cutoff = None`` means ``test_cutoff -
#: horizon_days`` (its cell 8); chapter 05's ``validation_cutoff = None`` means ``cutoff -
#: horizon_days`` (the window its fine-tuning settings are chosen on); chapter 09 evaluates the
#: profiles of ``campaign_date - horizon_days`` (``history_date``, its cell 6).
IMPLIED_DATES = (
    ("validation_cutoff", "test_cutoff", "horizon_days", True),
    ("validation_cutoff", "cutoff", "horizon_days", True),
    ("history_date", "campaign_date", "horizon_days", False),
)


def duration_params(params_declared: dict[str, str]) -> dict[str, int]:
    """A chapter's durations: top-level int parameters named ``horizon_days`` or ending in ``_days``.

    ``None`` defaults (chapter 05's ``half_life_days``) and lists or dicts (chapter 08's ``grids``)
    are not durations of the calendar and are left alone.

    Example
    -------
    >>> duration_params({"horizon_days": "90", "half_life_days": "None", "grids": "{'a': {'window_days': [7]}}",
    ...                  "n_days": "True", "days": "3"})
    {'horizon_days': 90}
    """
    found = {}
    for name, default in params_declared.items():
        if not (name == "horizon_days" or name.endswith("_days")):
            continue
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            found[name] = value
    return found


def scale_calendar(offsets: dict[str, int], durations: dict[str, int], ratio: float) -> tuple[dict[str, int], dict[str, int]]:
    """Offsets (days before the end of the data) and durations scaled by ``ratio``: ``ceil(o * r)``, ``max(1, floor(h * r))``.

    Rounding offsets up and durations down keeps every relation of the calendar: if a date lies
    at least a duration before another one (or before the end of the data, offset 0), that is
    ``o1 - h >= o2``, i.e. ``o1 >= o2 + h``, then ``ceil(o1 r) >= ceil(o2 r + h r) >= ceil(o2 r) +
    floor(h r)`` (for any real a, b: ``ceil(a + b) >= ceil(a) + floor(b)``), so the scaled date
    still lies at least the scaled duration before the other one: an outcome window that ended
    before the next cutoff (or the end of the data) still does. Order is kept too (``ceil`` is
    monotone), and the earliest date, scaled so that its offset is at most ``span_days - 1``, is
    after the data's first day. A duration is at least one day (``max(1, ...)``), which can only
    break a relation when ``floor(h r)`` is 0, i.e. below :data:`MIN_DURATION_DAYS` (refused).

    Example
    -------
    >>> scale_calendar({"fit_cutoff": 284, "train_cutoff": 192, "test_cutoff": 100}, {"horizon_days": 90}, 0.5)
    ({'fit_cutoff': 142, 'train_cutoff': 96, 'test_cutoff': 50}, {'horizon_days': 45})
    """
    return ({k: math.ceil(o * ratio - 1e-9) for k, o in offsets.items()},
            {k: max(1, math.floor(h * ratio + 1e-9)) for k, h in durations.items()})


def _day(stamp: pd.Timestamp) -> str:
    return f"{stamp:%Y-%m-%d}"


def _refusal(number: str | None, span_days: int, total: int, offsets: dict[str, int], durations: dict[str, int],
             end: pd.Timestamp, first_day: pd.Timestamp, why: str) -> str:
    """Why a chapter is skipped on a short history, and the settings that run it instead."""
    by_durations = math.ceil(total * MIN_DURATION_DAYS / min(durations.values())) + 1 if durations else 0
    needed = min(total + 1, max(MIN_HISTORY_DAYS, by_durations))  # unscaled, the calendar fits in total + 1 days
    ratio = (span_days - 1) / total
    scaled_o, scaled_h = scale_calendar(offsets, durations, ratio)
    leave_out = f"--chapters without {number}" if number else "--chapters"
    if min(scaled_h.values(), default=MIN_DURATION_DAYS) >= MIN_DURATION_DAYS:
        settings = [f"--param {k}={_day(end - pd.Timedelta(days=o))}" for k, o in scaled_o.items()]
        settings += [f"--param {k}={h}" for k, h in scaled_h.items()]
        alone = [f"--chapters {number}"] if number else []
        instead = (f"or, to run it on these {span_days} days anyway, give its calendar scaled by {ratio:.2f} yourself "
                   "(in a run of its own, as other chapters declare the same names): " + " ".join(alone + settings))
    else:
        instead = f"or leave it out ({leave_out})"
    return (f"{why}; it needs at least {needed} days of data (your data cover {span_days} days from "
            f"{_day(first_day)}): export a longer period, {instead}")


def chapter_params(
    info: dict[str, Any], user: dict[str, Any], cutoff: str | None, shift: pd.Timedelta, first_day: pd.Timestamp,
    settings: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], str | None, dict[str, Any] | None]:
    """The parameters injected into one chapter, why it cannot run (``None`` if it can), and how its calendar was scaled.

    Injected: the data (the canonical copy), the profile table's path (chapter 06), ``--cutoff``
    for the profile-date parameters, the chapter's shipped-data dates moved by ``shift`` (see
    :func:`date_shift`), the ``settings`` it declares (``currency``, ``shop_name``: see
    :data:`SETTINGS`), and the user's ``--param`` values (which win, and are never scaled).

    **The scaled calendar.** With ``E0`` the end of the shipped data (:data:`SHIPPED_END`), ``E``
    that of these data (``E0 + shift``) and ``o`` the days a chapter's date lies before ``E0``,
    the moved date is ``E - o``. A chapter's calendar reaches back from ``E0`` to its earliest date
    (``o_max`` days, counting the dates it derives, :data:`IMPLIED_DATES`) and then the history
    before it (``lead``: what the shipped data had before that date, at most the chapter's longest
    duration, or ``o_max`` if it has none; features at a cutoff need a past, and a fit task on one
    day of history has a few dozen customers): ``T = o_max + lead`` days. When ``T > span_days - 1`` (``span_days``: first to last day of the data,
    inclusive), the whole calendar is scaled by ``r = (span_days - 1) / T``, so that the data's first
    day is its start: each date becomes ``E - ceil(o * r)`` and each
    duration (:func:`duration_params`) ``max(1, floor(h * r))``, which keeps every "date + duration
    <= later date" of the shipped calendar (:func:`scale_calendar`). The chapter is skipped only
    when that would need scaling below :data:`MIN_HISTORY_DAYS` of data or a duration below
    :data:`MIN_DURATION_DAYS`; the reason names the settings that run it.

    Returns
    -------
    params, reason, scaling
        ``scaling`` is ``None`` when nothing was scaled, else a record: ``ratio``, ``span_days``,
        ``calendar_days`` (``o_max``), ``durations`` (name -> [default, scaled]), ``dates`` (name ->
        [shipped default, date]), ``implied`` (name -> date) and ``text``, one line saying it.
    """
    params_declared = info["params"]
    number = info["path"].name[:2] if isinstance(info.get("path"), Path) else None
    params: dict[str, Any] = {"data_path": "../transactions.parquet"}
    if "data_columns" in params_declared:
        params["data_columns"] = None  # the canonical copy needs no mapping
    writes_profiles = "output_path" in params_declared
    if writes_profiles:
        params["output_path"] = "../profiles.parquet"
    end = (SHIPPED_END + shift).normalize()
    span_days = int((end - first_day.normalize()).days)
    offsets: dict[str, int] = {}   # the chapter's shipped dates the command moves: days before E0
    shipped: dict[str, pd.Timestamp] = {}
    for name, default in params_declared.items():
        if name in user:
            continue
        if name in PROFILE_DATE_PARAMS and (cutoff is not None or (writes_profiles and name == "cutoff")):
            params[name] = cutoff  # the profile date: --cutoff, or None (= all the data, as `profiling profiles`)
            continue
        stamp = shipped_date(default)
        if stamp is None:
            continue
        shipped[name] = stamp
        offsets[name] = int((SHIPPED_END - stamp).days)
    durations = {k: h for k, h in duration_params(params_declared).items() if k not in user}
    implied: dict[str, tuple[str, str]] = {}
    for name, base, duration, only_none in IMPLIED_DATES:
        if base not in offsets or duration not in params_declared or name in user:
            continue
        if only_none and params_declared.get(name) != "None":
            continue
        implied[name] = (base, duration)
    # the calendar in days before E0: moved dates, and derived dates (with the default duration, or the user's)
    calendar = dict(offsets)
    for name, (base, duration) in implied.items():
        h = durations.get(duration, _literal_int(user.get(duration), params_declared.get(duration)))
        if h is not None:
            calendar[name] = offsets[base] + h
    o_max = max((o for o in calendar.values() if o > 0), default=0)
    # the history before its earliest date is part of a chapter's calendar (features need a past):
    # as much as the shipped data had, at most one window's worth (its longest duration; without
    # durations, as much as its own dates span)
    longest = max(duration_params(params_declared).values(), default=o_max)
    lead = min(o_max, longest, max(0, int((SHIPPED_END - SHIPPED_FIRST).days) - o_max))
    total = o_max + lead
    scaling = None
    reason = None
    if total > span_days - 1:
        ratio = (span_days - 1) / total
        positive = {k: o for k, o in offsets.items() if o > 0}
        scaled_o, scaled_h = scale_calendar(positive, durations, ratio)
        what = f"its {total}-day calendar ({_calendar_text(calendar, o_max, lead)})"
        if span_days < MIN_HISTORY_DAYS:
            reason = _refusal(number, span_days, total, positive, durations, end, first_day,
                              f"{what} does not fit in your {span_days} days, and a chapter is scaled down to no "
                              f"less than {MIN_HISTORY_DAYS} days of data")
        elif any(h * ratio < MIN_DURATION_DAYS for h in durations.values()):
            short = ", ".join(f"{k} {h} -> {math.floor(h * ratio)}" for k, h in durations.items()
                              if h * ratio < MIN_DURATION_DAYS)
            reason = _refusal(number, span_days, total, positive, durations, end, first_day,
                              f"{what} scaled to your {span_days} days would leave durations under "
                              f"{MIN_DURATION_DAYS} days ({short})")
        for name, o in offsets.items():
            params[name] = _day(end - pd.Timedelta(days=scaled_o.get(name, o)))
        params.update(scaled_h)
        scaled_dates = {k: [_day(shipped[k]), params[k]] for k in offsets}
        derived = {}
        for name, (base, duration) in implied.items():
            h = params.get(duration, user.get(duration))
            h = _literal_int(h, params_declared.get(duration))
            if h is not None:
                derived[name] = _day(pd.Timestamp(params[base]) - pd.Timedelta(days=h))
        parts = [f"{k} {h} -> {scaled_h[k]}" for k, h in durations.items()]
        parts += [", ".join(f"{k} {v[1]}" for k, v in scaled_dates.items())]
        parts += [", ".join(f"{k} ({implied[k][0]} - {implied[k][1]}) {v}" for k, v in derived.items())]
        scaling = {
            "ratio": round(ratio, 4), "span_days": span_days, "calendar_days": total, "history_days": lead,
            "durations": {k: [h, scaled_h[k]] for k, h in durations.items()},
            "dates": scaled_dates, "implied": derived,
            "text": (f"your {span_days} days hold its {total}-day calendar scaled by {ratio:.2f}: "
                     + "; ".join(p for p in parts if p)),
        }
    else:
        for name, o in offsets.items():
            params[name] = _day(end - pd.Timedelta(days=o))
    params.update({k: v for k, v in (settings or {}).items() if k in params_declared})
    params.update({k: v for k, v in user.items() if k in params_declared})
    if reason is None:
        reason = _user_dates_before_start(params_declared, user, params, implied, first_day, end)
    if reason is not None:
        scaling = None
    return params, reason, scaling


def _literal_int(value: Any, default: str | None) -> int | None:
    """An int from a --param value (already parsed) or, if it is None, from a declared default (source text)."""
    if value is None and default is not None:
        try:
            value = ast.literal_eval(default)
        except (ValueError, SyntaxError):
            return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _calendar_text(calendar: dict[str, int], o_max: int, lead: int) -> str:
    earliest = [k for k, o in calendar.items() if o == o_max]
    return f"{', '.join(earliest)} {o_max} days before the end of the data, after {lead} days of history"


def _user_dates_before_start(params_declared: dict[str, str], user: dict[str, Any], params: dict[str, Any],
                             implied: dict[str, tuple[str, str]], first_day: pd.Timestamp,
                             end: pd.Timestamp) -> str | None:
    """A date the user set (--param) that is not after the data's first day, or not before their end: the reason to skip."""
    bad = []
    for name, value in user.items():
        if name not in params_declared or shipped_date(params_declared[name]) is None or not isinstance(value, str):
            continue
        try:
            stamp = pd.Timestamp(value)
        except (ValueError, TypeError):
            continue
        if stamp <= first_day or stamp > end:
            bad.append(f"--param {name}={value}")
    if not bad:
        return None
    return (f"{', '.join(bad)}: not inside your data ({_day(first_day)} to {_day(end - pd.Timedelta(days=1))}); "
            "give dates after the first day and before the last, or leave them out and the chapter's dates are "
            "placed in your data")


# --------------------------------------------------------------------------------------------
# Running a chapter
# --------------------------------------------------------------------------------------------


class ChapterFailed(CliError):
    """A chapter failed (exit code 3): the full message, and ``summary``, one line for the report's index."""

    def __init__(self, message: str, summary: str):
        super().__init__(message, EXIT_CHAPTER)
        self.summary = summary


def _tags(cell: dict[str, Any]) -> list[str]:
    tags = cell.get("metadata", {}).get("tags", [])
    return [tags] if isinstance(tags, str) else list(tags)


def report_notebook(nb: Any, tags: tuple[str, ...] = LEFT_OUT_TAGS) -> list[int]:
    """Remove, in place, the cells a report leaves out (tagged with one of ``tags``); return the kept cells' positions.

    ``nb`` is a notebook (nbformat's, or the plain JSON of :func:`read_notebook`). Code and markdown
    cells tagged ``book-only``, ``exercise`` or ``solution`` go; the ``parameters`` cell always
    stays. The positions returned are those of the kept cells in the original notebook, so that
    a failing cell can be named as the course numbers it. How many cells of each tag went is
    recorded in the notebook's metadata ``profiling.report_left_out`` (``{"exercise": 2}``).

    Example
    -------
    >>> nb = {"metadata": {}, "cells": [{"cell_type": "markdown", "metadata": {}, "source": "# 1. T"},
    ...                                 {"cell_type": "code", "metadata": {"tags": ["exercise"]}, "source": "x"},
    ...                                 {"cell_type": "code", "metadata": {}, "source": "y"}]}
    >>> report_notebook(nb), [c["source"] for c in nb["cells"]], nb["metadata"]["profiling"]
    ([0, 2], ['# 1. T', 'y'], {'report_left_out': {'exercise': 1}})
    """
    kept, cells, left_out = [], [], {}
    for i, cell in enumerate(nb["cells"]):
        cell_tags = _tags(cell)
        hit = [t for t in tags if t in cell_tags]
        if hit and "parameters" not in cell_tags:
            left_out[hit[0]] = left_out.get(hit[0], 0) + 1
            continue
        kept.append(i)
        cells.append(cell)
    nb["cells"] = cells
    if left_out:
        meta = nb["metadata"].setdefault("profiling", {})
        meta["report_left_out"] = left_out
    return kept


def book_catalog(info: dict[str, Any], lang: str) -> dict[str, str]:
    """The chapter's page catalog of the book's ``lang`` edition (msgid -> msgstr), next to the notebooks:
    ``<notebooks>/../book/locales/<lang>/LC_MESSAGES/notebooks/<chapter>.po``; empty when there is none."""
    from profiling import i18n

    path = Path(info["path"]).resolve().parent.parent / "book" / "locales" / lang / "LC_MESSAGES" / "notebooks"
    path = path / f"{Path(info['path']).stem}.po"
    return i18n.read_catalog(path, lang) if lang != "en" and path.is_file() else {}


def translated_title(info: dict[str, Any], lang: str) -> str:
    """The chapter's title in ``lang`` (from the book's catalog), else as the notebook has it."""
    title = info["title"]
    heading = f"{info['path'].name[:2].lstrip('0')}. {title}"
    found = book_catalog(info, lang).get(heading)
    return found.split(". ", 1)[-1] if found else title


def translate_cells(nb: Any, messages: dict[str, str]) -> None:
    """The notebook's markdown cells and figure captions and alt texts (``mystnb`` metadata), translated in place
    by a page catalog of the book (:func:`profiling.i18n.translate_markdown`)."""
    from profiling import i18n

    if not messages:
        return
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            cell["source"] = i18n.translate_markdown(source, messages)
        figure = cell.get("metadata", {}).get("mystnb", {})
        for key, field in (("figure", "caption"), ("image", "alt")):
            text = figure.get(key, {}).get(field)
            if isinstance(text, str) and text.strip() in messages:
                figure[key][field] = messages[text.strip()]


def run_chapter(info: dict[str, Any], parameters: dict[str, Any], executed: Path, quiet: bool,
                lang: str = "en") -> dict[str, int]:
    """Execute the chapter of ``info`` in report mode with papermill into ``executed`` (run in its folder).

    The cells tagged :data:`LEFT_OUT_TAGS` are removed from the copy that runs
    (:func:`report_notebook`); the executed notebook records the course's notebook as its input.

    Returns
    -------
    dict
        How many cells of each tag were left out, e.g. ``{"book-only": 3, "exercise": 1}``.

    Raises
    ------
    ChapterFailed
        (exit code 3) the chapter failed; the message is :func:`failure_text`, and the executed
        notebook (with the error) is at ``executed`` if the kernel got to run it.
    """
    import logging

    import nbformat
    import papermill

    # papermill warns about parameter cells it cannot parse and parameters it thinks unknown:
    # the command checked the parameters itself (see declared)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    number = info["path"].name[:2]
    try:
        nb = nbformat.read(info["path"], as_version=4)
    except Exception as err:  # noqa: BLE001 - an unreadable notebook is this chapter's failure
        raise ChapterFailed(f"chapter {number} ({info['path'].name}) could not be read: {type(err).__name__}: {err}",
                            f"could not be read: {type(err).__name__}: {err}") from None
    total = len(nb.cells)
    kept = report_notebook(nb)
    translate_cells(nb, book_catalog(info, lang))
    try:
        papermill.execute_notebook(
            nb, str(executed), parameters=parameters, kernel_name="python3",
            cwd=str(executed.parent), progress_bar=not quiet and sys.stderr.isatty(),
            request_save_on_cell_execute=False,
            # the kernel's own log is noise in the progress lines: ipykernel 7 warns that a local
            # kernel talks over TCP, and logs an error when jupyter_client interrupts it at shutdown
            # (cell errors and a dying kernel are still reported, through papermill)
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except KeyboardInterrupt:
        raise
    except Exception as err:
        _record_input(executed, info["path"])
        raise ChapterFailed(failure_text(number, info, err, kept, total), failure_summary(info, err, kept, total)) from None
    _record_input(executed, info["path"])
    return dict(nb.metadata.get("profiling", {}).get("report_left_out", {}))


def _record_input(executed: Path, source: Path) -> None:
    """Name the course's notebook as the executed one's input (papermill ran an in-memory copy)."""
    import nbformat

    if not executed.is_file():
        return
    nb = nbformat.read(executed, as_version=4)
    nb.metadata.setdefault("papermill", {})["input_path"] = str(source)
    nbformat.write(nb, executed)


def _failed_cell(err: Any, kept: list[int] | None, total: int | None, info: dict[str, Any]) -> tuple[str, str, int, int]:
    """(where, first code line, cell number in the course's notebook (0: the injected parameters), cells in it)."""
    cells = read_notebook(info["path"])["cells"]
    if kept is None:  # not run in report mode: the course's notebook as it is
        kept = list(range(len(cells)))
    total = len(cells) if total is None else total
    params = next((i for i, c in enumerate(cells) if "parameters" in _tags(c)), None)
    params_at = kept.index(params) if params in kept else None
    index = err.cell_index
    injected_at = 0 if params_at is None else params_at + 1  # papermill's injected-parameters cell
    if index == injected_at:
        number = 0
    else:
        position = index - 1 if index > injected_at else index
        number = kept[position] + 1 if 0 <= position < len(kept) else position + 1
    code = [line for line in (err.source or "").splitlines() if line.strip() and not line.lstrip().startswith("#")]
    first = code[0].strip() if code else ""
    where = "the injected parameters" if number == 0 else f"cell {number} of {total}"
    return where, first, number, total


def failure_summary(info: dict[str, Any], err: Exception, kept: list[int] | None = None, total: int | None = None) -> str:
    """One line for the report's index: 'failed in cell 12 of 40 (`tx = ...`): ValueError: ...'."""
    from papermill.exceptions import PapermillExecutionError

    if not isinstance(err, PapermillExecutionError):
        return f"could not run: {type(err).__name__}: {str(err).strip().splitlines()[0] if str(err).strip() else ''}"
    where, first, _, _ = _failed_cell(err, kept, total, info)
    lines = (err.evalue or "").strip().splitlines()
    message = lines[0] if lines else ""
    message = message if len(message) <= 300 else message[:299] + "…"
    return f"failed in {where} (`{first[:60]}`): {err.ename}: {message}"


def failure_text(
    number: str, info: dict[str, Any], err: Exception, kept: list[int] | None = None, total: int | None = None
) -> str:
    """'chapter 04 (04_features.ipynb) failed in cell 12 of 40 ...' with the cell and the error.

    The cell is numbered as in the course's notebook (``kept``: the positions of the cells that
    ran, :func:`report_notebook`; ``total``: the cells of the course's notebook).
    """
    from papermill.exceptions import PapermillExecutionError

    name = info["path"].name
    if not isinstance(err, PapermillExecutionError):
        return f"chapter {number} ({name}) could not run: {type(err).__name__}: {err}"
    where, first, _, _ = _failed_cell(err, kept, total, info)
    frames = [re.sub(r"\x1b\[[0-9;]*m", "", f).strip() for f in (err.traceback or [])]
    in_cell = [f for f in frames if f.startswith("Cell In[")]  # where in the chapter's own code it failed
    at = ("\n  at " + "\n     ".join(in_cell[-1].splitlines()[:8])) if in_cell else ""
    return (
        f"chapter {number} ({name}, \"{info['title']}\") failed in {where} "
        f"(In [{err.exec_count}], starting `{first[:100]}`):\n  {err.ename}: {err.evalue}{at}"
    )
