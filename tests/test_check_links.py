"""tools/check_links.py: a broken file link and a broken anchor are found; external links and ?v= queries are not."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("check_links", ROOT / "tools" / "check_links.py")
check_links = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_links)


def test_broken_files_and_anchors_are_reported(tmp_path: Path) -> None:
    (tmp_path / "book").mkdir()
    (tmp_path / "_static").mkdir()
    (tmp_path / "_static" / "x.js").write_text("")
    (tmp_path / "book" / "glossary.html").write_text('<dl><dt id="term-Churn">Churn</dt></dl>')
    (tmp_path / "index.html").write_text(
        '<a href="book/glossary.html#term-Churn">ok</a> <a href="book/glossary.html#term-Nope">bad anchor</a>'
        ' <a href="book/missing.html">bad file</a> <a href="https://example.org/x#y">external</a>'
        ' <script src="_static/x.js?v=1"></script> <a href="#top">self</a><h1 id="top">t</h1>')
    problems = check_links.broken_links(tmp_path)
    assert problems == ["index.html: book/glossary.html#term-Nope: no id 'term-Nope' in book/glossary.html",
                        "index.html: book/missing.html: no such file"]
