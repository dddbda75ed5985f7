"""The instructor's guide (tools/make_instructor.py -> book/instructor.md): built from the chapters, up to date."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("make_instructor", ROOT / "tools" / "make_instructor.py")
make_instructor = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_instructor)


def test_every_chapter_is_read_with_its_exercises_pitfalls_and_time() -> None:
    for path in make_instructor.NOTEBOOKS:
        facts = make_instructor.chapter_facts(path)
        nb = json.loads(path.read_text(encoding="utf-8"))
        solutions = sum("solution" in c["metadata"].get("tags", []) for c in nb["cells"])
        assert [n for n, _ in facts["exercises"]] == list(range(1, solutions + 1)), path.name
        assert facts["stated"] and facts["prerequisites"] and facts["words"] > 500, path.name
        assert not facts["title"][0].isdigit(), facts["title"]


def test_sessions_and_schedules_follow_the_stated_rule() -> None:
    facts = {"words": 1200, "exercises": [(1, "a"), (2, "b")]}
    # 1200 / 120 = 10 min reading, 2 x 90 s = 3 min running, 2 x 12 = 24 min exercises: 37 -> 45
    assert make_instructor.session_minutes(facts, 90.0) == 45
    chapters = [{"number": f"{n:02d}", "session": 150} for n in range(1, 6)]
    days = make_instructor.schedule(chapters, days=2)
    assert [[c["number"] for c in d] for d in days] == [["01", "02"], ["03", "04", "05"]]   # the last day takes the rest


def test_the_page_is_up_to_date_with_the_chapters_and_their_measured_times() -> None:
    page, chapters = make_instructor.render()
    assert (ROOT / "book" / "instructor.md").read_text(encoding="utf-8") == page, "run `make instructor`"
    assert len(chapters) == len(make_instructor.NOTEBOOKS)
    assert all(c["seconds"] > 0 for c in chapters), "benchmarks/results/notebook_times.csv lacks a chapter"
