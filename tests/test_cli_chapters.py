"""What ``profiling report`` reads from the chapters (profiling.cli.chapters): parameters, metadata, dates.

Fast: the notebooks are read, not run. Running chapters is tested end to end in tests/test_cli.py.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from profiling import datasets
from profiling.cli import chapters
from profiling.cli.parsing import CliError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def notebook(folder: Path, name: str, params: str = "data_path = None", metadata: dict | None = None) -> Path:
    """A minimal chapter notebook: a title, a parameters cell, optional ``profiling`` metadata."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell(f"# {int(name[:2])}. A stand-in chapter\n\nText."), cell]
    if metadata is not None:
        nb.metadata["profiling"] = metadata
    path = folder / name
    nbformat.write(nb, path)
    return path


def test_course_chapters_and_default_selection():
    available = chapters.discover_chapters(NOTEBOOKS)
    assert list(available) == sorted(available) and "06" in available
    infos = {n: chapters.chapter_info(p) for n, p in available.items()}
    default = chapters.select(None, available, infos)
    assert default == [n for n, info in infos.items() if info["report"] and "data_path" in info["params"]]
    assert {"03", "04", "06", "08", "09", "10", "11"} <= set(default)
    assert "01" not in default and not infos["01"]["report"]   # fixed example products of the shipped shop
    assert "description" in infos["08"]["needs"]                # items are product descriptions
    assert infos["06"]["title"] == "Tags, segments and the profile card"
    assert chapters.select("all", available, infos)[0] == "01"
    assert chapters.select("6, 3,03", available, infos) == ["03", "06"]
    assert chapters.select("default", available, infos) == default


def test_chapter_06_declares_its_needs_and_report_in_metadata():
    """Chapter 06 carries the metadata the command reads (the fallback table is not needed for it)."""
    meta = json.loads((NOTEBOOKS / "06_tags_and_segments.ipynb").read_text(encoding="utf-8"))["metadata"]
    assert meta["profiling"] == {"needs": [], "report": True}


def test_metadata_declares_needs_and_report(tmp_path):
    declared = chapters.chapter_info(notebook(tmp_path, "08_x.ipynb", metadata={"needs": ["country"], "report": False}))
    assert declared["needs"] == ("country",) and declared["report"] is False
    bare = chapters.chapter_info(notebook(tmp_path, "08_y.ipynb"))
    assert bare["needs"] == () and bare["report"] is False          # nothing declared: needs nothing, not in the report
    partial = chapters.chapter_info(notebook(tmp_path, "01_z.ipynb", metadata={"report": True}))
    assert partial["needs"] == () and partial["report"] is True


def test_every_course_chapter_declares_its_needs_and_report():
    from profiling.storage import notebooks_dir

    for number, path in chapters.discover_chapters(notebooks_dir()).items():
        meta = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("profiling", {})
        assert set(meta) >= {"needs", "report"}, f"{path.name} must declare metadata profiling.needs and .report"
        info = chapters.chapter_info(path)
        assert info["needs"] == tuple(meta["needs"]) and info["report"] is meta["report"]
    assert chapters.chapter_info(notebooks_dir() / "01_large_models.ipynb")["report"] is False


@pytest.mark.parametrize(("metadata", "message"), [
    ({"needs": "description"}, "must list canonical columns"),
    ({"needs": ["descripton"]}, "must list canonical columns"),
    ({"report": "yes"}, "must be true or false"),
    (["needs"], "must be a mapping"),
])
def test_bad_metadata_is_refused(tmp_path, metadata, message):
    path = notebook(tmp_path, "05_bad.ipynb", metadata=metadata)
    with pytest.raises(ValueError, match=message):
        chapters.chapter_info(path)


def test_select_errors(tmp_path):
    available = {"03": notebook(tmp_path, "03_a.ipynb"), "04": notebook(tmp_path, "04_b.ipynb", params="k = 3")}
    infos = {n: chapters.chapter_info(p) for n, p in available.items()}
    with pytest.raises(CliError, match="no chapter '99'"):
        chapters.select("99", available, infos)
    with pytest.raises(CliError, match="has no data_path parameter"):
        chapters.select("4", available, infos)
    infos["03"]["unreadable"] = "JSONDecodeError: ..."
    with pytest.raises(CliError, match="cannot be read"):
        chapters.select("3", available, infos)


def test_declared_reads_the_parameters_cell():
    source = ('data_path = None  # a comment with = and ; in it\nk: int = 4\n'
              'k_candidates = [2, 3]  # list\nx, y = 1, 2\nif True:\n    z = 3\n')
    assert chapters.declared(source) == {"data_path": "None", "k": "4", "k_candidates": "[2, 3]"}


def test_shipped_period_constants():
    tx = datasets.load_online_retail()
    assert tx["timestamp"].min().normalize() == chapters.SHIPPED_FIRST
    assert tx["timestamp"].max().normalize() + pd.Timedelta(days=1) == chapters.SHIPPED_END
    assert chapters.date_shift(tx) == pd.Timedelta(0)


def test_chapter_dates_follow_the_data():
    info = {"params": {"data_path": "None", "cutoff": '"2010-09-01"', "fit_cutoff": '"2010-03-01"',
                       "panel_start": "'2010-01-01'", "profile_cutoff": '"2010-12-01"', "k": "4",
                       "label": '"2010-09-01 is a date"', "other": '"2019-01-01"'}}
    first = pd.Timestamp("2021-12-01")  # 396 days: the dates and 31 days of history before them fit
    shift = pd.Timestamp("2023-01-01") - chapters.SHIPPED_END
    params, reason, scaled = chapters.chapter_params(info, {}, None, shift, first)
    assert params == {"data_path": "../transactions.parquet", "cutoff": "2022-09-23", "fit_cutoff": "2022-03-23",
                      "panel_start": "2022-01-23", "profile_cutoff": "2022-12-23"}
    assert reason is None and scaled is None
    # --cutoff sets the profile dates, --param wins over everything
    params, _, _ = chapters.chapter_params(info, {"fit_cutoff": "2022-05-01"}, "2022-10-01", shift, first)
    assert params["cutoff"] == params["profile_cutoff"] == "2022-10-01" and params["fit_cutoff"] == "2022-05-01"
    # data too short for the shifted dates (214 days; panel_start lies 343 days before the end, after 31 days of
    # history in the shipped data): the calendar is scaled
    params, reason, scaled = chapters.chapter_params(info, {}, None, shift, pd.Timestamp("2022-06-01"))
    assert reason is None and scaled["span_days"] == 214 and scaled["calendar_days"] == 374 and scaled["history_days"] == 31
    ratio = 213 / 374
    assert scaled["ratio"] == round(ratio, 4)
    for name, o in {"panel_start": 343, "fit_cutoff": 284}.items():
        assert params[name] == f"{pd.Timestamp('2023-01-01') - pd.Timedelta(days=math.ceil(o * ratio)):%Y-%m-%d}"
    assert params["panel_start"] > "2022-06-01"
    assert "your 214 days hold its 374-day calendar scaled by 0.57" in scaled["text"] and "panel_start 2022-" in scaled["text"]


def test_chapter_05_calendar_counts_its_validation_window():
    """Chapter 05 chooses its fine-tuning settings on ``cutoff - horizon_days`` (its
    ``validation_cutoff = None``): the date is part of its calendar, so short data scale it too."""
    info = chapters.chapter_info(NOTEBOOKS / "05_interests_from_text.ipynb")
    assert info["params"]["validation_cutoff"] == "None"
    shift = pd.Timestamp("2023-01-01") - chapters.SHIPPED_END
    # 250 days of data: the cutoff (100 days before the end) and its test window fit, but the
    # validation date (100 + 90 days before the end) and 90 days of history before it do not
    params, reason, scaled = chapters.chapter_params(info, {}, None, shift, pd.Timestamp("2022-04-26"))
    assert reason is None and scaled is not None
    # 190 days of dates and 90 days of history before the earliest
    assert scaled["calendar_days"] == 280 and scaled["implied"].keys() == {"validation_cutoff"}
    cutoff, horizon = pd.Timestamp(params["cutoff"]), params["horizon_days"]
    assert cutoff - pd.Timedelta(days=horizon) - pd.Timedelta(days=horizon) >= pd.Timestamp("2022-04-26")
    # a user's validation date is theirs: nothing is implied
    _, _, scaled = chapters.chapter_params(info, {"validation_cutoff": "2022-08-01"}, None, shift,
                                           pd.Timestamp("2022-04-26"))
    assert scaled is None or "validation_cutoff" not in scaled.get("implied", {})


def test_chapter_06_gets_the_report_paths_and_profiles_all_the_data():
    info = chapters.chapter_info(NOTEBOOKS / "06_tags_and_segments.ipynb")
    shift = pd.Timedelta(days=400)
    params, reason, scaled = chapters.chapter_params(info, {"k": 4}, None, shift, pd.Timestamp("2010-06-01"))
    assert reason is None and scaled is None
    assert params == {"data_path": "../transactions.parquet", "output_path": "../profiles.parquet", "cutoff": None, "k": 4}


# ------------------------------------------------------------------------------- report mode and settings


def tagged_notebook(folder: Path) -> Path:
    """A stand-in chapter whose cells carry the course's tags (cell 1 title, 2 parameters, ...)."""
    nb = nbformat.v4.new_notebook()
    cells = [
        ("markdown", "# 4. Tagged", []),
        ("code", "data_path = None", ["parameters", "book-only"]),  # the parameters cell always stays
        ("markdown", "About Online Retail II.", ["book-only"]),
        ("code", "shipped_only()", ["book-only", "hide-input"]),
        ("code", "kept_one()", []),
        ("markdown", "## Exercises", ["exercise"]),
        ("code", "answer()", ["solution", "hide-input"]),
        ("code", "kept_two()", ["hide-input"]),
    ]
    for kind, source, tags in cells:
        cell = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    path = folder / "04_tagged.ipynb"
    nbformat.write(nb, path)
    return path


def test_report_notebook_removes_the_tagged_cells(tmp_path):
    path = tagged_notebook(tmp_path)
    nb = nbformat.read(path, as_version=4)
    kept = chapters.report_notebook(nb)
    assert kept == [0, 1, 4, 7]
    assert [c.source for c in nb.cells] == ["# 4. Tagged", "data_path = None", "kept_one()", "kept_two()"]
    assert nb.metadata["profiling"]["report_left_out"] == {"book-only": 2, "exercise": 1, "solution": 1}
    assert chapters.LEFT_OUT_TAGS == ("book-only", "exercise", "solution")
    # the plain JSON of read_notebook works the same, and other tags can be asked for
    plain = chapters.read_notebook(path)
    assert chapters.report_notebook(plain, tags=("solution",)) == [0, 1, 2, 3, 4, 5, 7]
    untagged = {"metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": "x"}]}
    assert chapters.report_notebook(untagged) == [0] and "profiling" not in untagged["metadata"]


def test_failure_names_the_cell_as_in_the_course_notebook(tmp_path):
    """papermill counts the cells of the copy that ran (tagged cells gone, the injected-parameters cell added)."""
    from papermill.exceptions import PapermillExecutionError

    path = tagged_notebook(tmp_path)
    info = chapters.chapter_info(path)
    kept = chapters.report_notebook(nbformat.read(path, as_version=4))

    def failure(index: int, source: str) -> PapermillExecutionError:
        return PapermillExecutionError(index, 7, source, "ValueError", "bad value\nsecond line", ["Cell In[7], line 1"])

    # executed copy: title, parameters, injected, kept_one, kept_two
    text = chapters.failure_text("04", info, failure(4, "kept_two()"), kept, 8)
    assert 'chapter 04 (04_tagged.ipynb, "Tagged") failed in cell 8 of 8 (In [7], starting `kept_two()`)' in text
    assert "ValueError: bad value" in text
    assert chapters.failure_summary(info, failure(3, "# note\nkept_one()"), kept, 8) == (
        "failed in cell 5 of 8 (`kept_one()`): ValueError: bad value")
    assert chapters.failure_summary(info, failure(2, "data_path = 1/0"), kept, 8).startswith("failed in the injected parameters")
    # not in report mode: the course's cells as they are
    assert "failed in cell 5 of 8" in chapters.failure_text("04", info, failure(5, "kept_one()"))
    assert chapters.failure_summary(info, OSError("kernel died")) == "could not run: OSError: kernel died"


def test_chapter_failed_is_an_exit_3_error_with_a_summary():
    err = chapters.ChapterFailed("long\nmessage", "one line")
    assert isinstance(err, CliError) and err.code == 3 and err.summary == "one line" and str(err) == "long\nmessage"


def test_settings_reach_only_the_chapters_that_declare_them():
    assert chapters.SETTINGS == {"currency": "--currency", "shop_name": "--shop-name"}
    declares = {"params": {"data_path": "None", "currency": '"GBP"', "shop_name": '"Online Retail II"'}}
    bare = {"params": {"data_path": "None"}}
    settings = {"currency": "EUR", "shop_name": "orders_2021"}
    shift, first = pd.Timedelta(0), pd.Timestamp("2009-12-01")
    params, _, _ = chapters.chapter_params(declares, {}, None, shift, first, settings)
    assert params == {"data_path": "../transactions.parquet", "currency": "EUR", "shop_name": "orders_2021"}
    assert chapters.chapter_params(bare, {}, None, shift, first, settings)[0] == {"data_path": "../transactions.parquet"}
    # --param wins (the command refuses both at once), and no settings leave the defaults alone
    params, _, _ = chapters.chapter_params(declares, {"currency": "USD"}, None, shift, first, {"shop_name": "x"})
    assert params["currency"] == "USD" and params["shop_name"] == "x"
    assert chapters.chapter_params(declares, {}, None, shift, first)[0] == {"data_path": "../transactions.parquet"}


# ------------------------------------------------------------------------------- the scaled calendar


def course_infos() -> dict[str, dict]:
    available = chapters.discover_chapters(NOTEBOOKS)
    infos = {n: chapters.chapter_info(p) for n, p in available.items()}
    return {n: infos[n] for n in chapters.select(None, available, infos)}


def test_durations_are_the_int_days_parameters_of_each_chapter():
    """Read from the parameters cells: horizon_days everywhere it is declared; 05's half_life_days (None)
    and 08's grids (a dict with window_days) are not durations."""
    durations = {n: chapters.duration_params(info["params"]) for n, info in course_infos().items()}
    assert durations == {"02": {}, "03": {}, "04": {"horizon_days": 90}, "05": {"horizon_days": 90}, "06": {},
                         "07": {"horizon_days": 90}, "08": {"horizon_days": 30}, "09": {"horizon_days": 90},
                         "10": {"horizon_days": 90}, "11": {"horizon_days": 90}}


def _calendar_relations(offsets: dict[str, int], durations: dict[str, int]) -> list[tuple[str, str, str]]:
    """Every "date1 + duration <= date2" (date2 may be the end, offset 0) that holds in a calendar."""
    points = {**offsets, "END": 0}
    return [(a, h, b) for a, oa in points.items() for b, ob in points.items() for h, d in durations.items()
            if a != b and oa - d >= ob]


def _check_scaled(offsets: dict[str, int], durations: dict[str, int], span_days: int) -> None:
    o_max = max(offsets.values())
    ratio = min(1.0, (span_days - 1) / o_max)
    so, sh = chapters.scale_calendar(offsets, durations, ratio)
    assert max(so.values()) <= span_days - 1                      # the earliest date is after the first day
    for a, h, b in _calendar_relations(offsets, durations):
        if durations[h] * ratio >= 1:  # a duration scaled under a day is kept at 1 (and refused under 7)
            assert so[a] - sh[h] >= ({**so, "END": 0})[b], (offsets, durations, span_days, a, h, b)
    for a in offsets:                                             # order is kept
        for b in offsets:
            if offsets[a] >= offsets[b]:
                assert so[a] >= so[b]


def test_scaling_keeps_every_relation_of_many_random_calendars():
    """ceil for offsets, floor for durations: ceil(a + b) >= ceil(a) + floor(b), so "date1 + duration <= date2" holds."""
    rng = random.Random(16)
    for _ in range(3000):
        n = rng.randint(1, 5)
        offsets = {f"d{i}": rng.randint(1, 1500) for i in range(n)}
        durations = {f"h{i}": rng.randint(1, 400) for i in range(rng.randint(1, 3))}
        _check_scaled(offsets, durations, rng.randint(2, 1600))


def test_scaling_keeps_every_relation_hypothesis():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.dictionaries(st.sampled_from("abcde"), st.integers(1, 2000), min_size=1),
           st.dictionaries(st.sampled_from(["horizon_days", "window_days"]), st.integers(1, 500), min_size=1),
           st.integers(2, 2500))
    def check(offsets, durations, span_days):
        _check_scaled(offsets, durations, span_days)

    check()


@pytest.mark.parametrize("span_days", [42, 49, 60, 90, 150, 210, 300, 373])
def test_course_chapters_fit_every_history_from_six_weeks(span_days):
    """Every default chapter gets dates inside the data (its derived ones too: 05's and 08's validation
    cutoffs, 09's history date), windows that end before the next date and the end of the data, and durations of 7+ days."""
    end = pd.Timestamp("2021-10-01")
    first = end - pd.Timedelta(days=span_days)
    shift = end - chapters.SHIPPED_END
    for n, info in course_infos().items():
        params, reason, scaled = chapters.chapter_params(info, {}, None, shift, first, {})
        assert reason is None, (n, reason)
        dates = {k: pd.Timestamp(v) for k, v in params.items() if k in info["params"]
                 and chapters.shipped_date(info["params"][k]) is not None and v is not None}
        horizon = params.get("horizon_days", chapters.duration_params(info["params"]).get("horizon_days"))
        if n == "08":
            dates["validation_cutoff"] = dates["test_cutoff"] - pd.Timedelta(days=horizon)
        if n == "05":
            dates["validation_cutoff"] = dates["cutoff"] - pd.Timedelta(days=horizon)
        if n == "09":
            dates["history_date"] = dates["campaign_date"] - pd.Timedelta(days=horizon)
        assert all(first < d <= end for d in dates.values()), (n, dates)
        if scaled is not None and scaled["history_days"]:                # some history before the earliest date
            assert min(dates.values()) - first >= pd.Timedelta(days=math.floor(scaled["history_days"] * scaled["ratio"]))
        if horizon is not None:
            assert horizon >= chapters.MIN_DURATION_DAYS
            windows = {"07": ["fit_cutoff", "train_cutoff", "test_cutoff"], "10": ["fit_cutoff", "train_cutoff", "test_cutoff"],
                       "11": ["train_cutoff", "test_cutoff"], "08": ["validation_cutoff", "test_cutoff"],
                       "09": ["history_date", "campaign_date"], "04": ["cutoff"], "05": ["validation_cutoff", "cutoff"]}.get(n, [])
            chain = [dates[k] for k in windows] + [end]
            assert all(a + pd.Timedelta(days=horizon) <= b for a, b in zip(chain, chain[1:])), (n, chain, horizon)
        # scaled when the dates and the history before them (at most one horizon) do not fit
        assert (scaled is not None) == (span_days < {"03": 201, "04": 191, "05": 281, "07": 375, "08": 161, "09": 281,
                                                     "10": 375, "11": 375}.get(n, 0)), (n, span_days)


def test_below_six_weeks_a_chapter_is_skipped_with_the_settings_that_run_it():
    info = chapters.chapter_info(NOTEBOOKS / "07_knn_tree_svm.ipynb")
    end = pd.Timestamp("2021-10-01")
    first = end - pd.Timedelta(days=35)
    params, reason, scaled = chapters.chapter_params(info, {}, None, end - chapters.SHIPPED_END, first, {})
    assert scaled is None and "needs at least 42 days of data (your data cover 35 days from 2021-08-27)" in reason
    hint = reason.split("yourself ")[1].split(": ", 1)[1]
    assert hint.startswith("--chapters 07 --param fit_cutoff=2021-09-05 ") and "--param horizon_days=8" in hint
    # following it: the user's values are taken as they are, nothing scaled, nothing skipped
    user = dict(p.split("=") for p in hint.split(" --param ")[1:])
    user = {k: int(v) if v.isdigit() else v for k, v in user.items()}
    params, reason, scaled = chapters.chapter_params(info, user, None, end - chapters.SHIPPED_END, first, {})
    assert reason is None and scaled is None and params["horizon_days"] == 8 and params["fit_cutoff"] == "2021-09-05"


def test_a_duration_under_a_week_is_refused_with_the_days_it_needs():
    info = {"params": {"data_path": "None", "test_cutoff": '"2010-09-01"', "horizon_days": "14"}}
    end = pd.Timestamp("2021-10-01")
    params, reason, scaled = chapters.chapter_params(info, {}, None, end - chapters.SHIPPED_END,
                                                     end - pd.Timedelta(days=45), {})
    # its calendar: 100 days and 14 of history; 45 days scale it by 44/114
    assert "would leave durations under 7 days (horizon_days 14 -> 5)" in reason and "at least 58 days" in reason
    assert "leave it out (--chapters" in reason


def test_user_values_are_never_scaled_and_dates_outside_the_data_are_refused():
    info = chapters.chapter_info(NOTEBOOKS / "07_knn_tree_svm.ipynb")
    end = pd.Timestamp("2021-10-01")
    first = end - pd.Timedelta(days=210)
    shift = end - chapters.SHIPPED_END
    params, reason, scaled = chapters.chapter_params(info, {"horizon_days": 30}, None, shift, first, {})
    assert reason is None and params["horizon_days"] == 30 and "horizon_days" not in scaled["durations"]
    params, reason, _ = chapters.chapter_params(info, {"fit_cutoff": "2021-01-01"}, None, shift, first, {})
    assert "--param fit_cutoff=2021-01-01: not inside your data (2021-03-05 to 2021-09-30)" in reason
