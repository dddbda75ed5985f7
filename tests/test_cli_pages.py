"""The report's HTML (profiling.cli.pages): the summary page, the profile summary, MathJax.

Fast: a made-up run record, no chapter runs. The pages of a real report are checked in tests/test_cli.py.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from profiling.cli import pages

ROOT = Path(__file__).resolve().parent.parent


def run_record() -> dict:
    return {
        "command": "profiling report --data <shop>.csv --out report",
        "created": "2026-01-01 00:00 UTC",
        "seconds": 12.34,
        "data": {"file": "<shop>.csv", "bytes": 12345, "sha256": "ab" * 32, "columns": {"customer_id": "Client"},
                 "summary": {"rows": 1234, "customers": 56, "lines_without_customer": 7, "invoices": 89, "items": 10,
                             "first": "2021-03-01 10:00:00", "last": "2022-08-31 18:00:00",
                             "has": {"description": False, "country": True}}},
        "cutoff": None,
        "date_shift_days": 4000,
        "parameters": {"horizon_days": 60},
        "chapters": [
            {"chapter": "03", "title": "Collect, clean & fuse", "status": "ran", "seconds": 4.5,
             "html": "chapters/03_clean_and_fuse.html", "notebook": "chapters/03_clean_and_fuse.ipynb",
             "parameters": {"data_path": "../transactions.parquet"}},
            {"chapter": "05", "title": "Interests", "status": "skipped", "reason": "needs the column(s) ['description']"},
        ],
        "profiles": {"rows": 50, "columns": 39, "personas": [[0, "recent frequent", 30], [1, "lapsed one-off", 20]],
                     "segments": {"champions": 10, "lost": 40}, "built_by": "chapter 06", "cutoff": "2022-09-01"},
        "versions": {"python": "3.11", "pandas": "3.1"},
        "math_note": "Math renders offline.",
    }


def test_index_html_links_escapes_and_explains() -> None:
    page = pages.index_html(run_record())
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</body></html>")
    assert "&lt;shop&gt;.csv" in page and "<shop>" not in page            # every value is escaped
    assert "Collect, clean &amp; fuse" in page
    assert "<a href='chapters/03_clean_and_fuse.html'>HTML</a>" in page
    assert "Chapter 05 was skipped: needs the column(s) [&#x27;description&#x27;]." in page
    assert "1,234" in page and "moved by 4,000 days" in page and "horizon_days=60" in page
    assert "recent frequent" in page and "champions" in page and "built by chapter 06" in page
    assert "http://" not in page and "https://" not in page


def test_profile_summary() -> None:
    table = pd.DataFrame({"persona": [1, 0, 0], "persona_name": ["b", "a", "a"],
                          "rfm_segment": pd.Categorical(["lost", "champions", "lost"])})
    assert pages.profile_summary(table) == {"rows": 3, "columns": 3, "personas": [[0, "a", 2], [1, "b", 1]],
                                            "segments": {"champions": 1, "lost": 2}}


def test_mathjax_is_the_checkouts_whatever_the_notebooks_folder(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PROFILING_NOTEBOOKS", str(tmp_path))
    found = pages.mathjax_source()
    vendored = ROOT / "book" / "static" / "mathjax"
    assert found == (vendored if (vendored / "tex-mml-chtml.js").is_file() else None)


def test_versions_name_the_main_packages() -> None:
    v = pages.versions()
    assert {"python", "profiling", "pandas", "numpy", "scikit-learn", "papermill", "nbconvert"} <= set(v)


def test_index_lists_a_failed_chapter_the_settings_and_left_out_cells() -> None:
    run = run_record()
    run["chapters"][0]["left_out"] = {"book-only": 2, "solution": 3}
    run["chapters"].append({"chapter": "07", "title": "Models", "status": "failed", "seconds": 3.2,
                            "error": "failed in cell 4 of 40 (`fit(x)`): ValueError: features is <empty>",
                            "notebook": "chapters/07_models.ipynb", "html": "chapters/07_models.html",
                            "parameters": {"data_path": "../transactions.parquet"}})
    run["settings"] = {"shop_name": {"value": "orders_2021", "from": "the data file's name; set it with --shop-name"},
                       "currency": {"value": None, "from": "the chapters' default (the shipped data)"}}
    run["left_out_tags"] = ["book-only", "exercise", "solution"]
    page = pages.index_html(run)
    assert "<span class='failed'>failed: failed in cell 4 of 40 (`fit(x)`): ValueError: features is &lt;empty&gt;</span>" in page
    assert "<a href='chapters/07_models.html'>HTML</a> · <a href='chapters/07_models.ipynb'>notebook</a> (as far as it ran)" in page
    assert "Chapter 07 failed: failed in cell 4" in page and "leave it out with --chapters" in page
    assert "Chapter 05 was skipped" in page and "3.2" in page
    assert "<th>Shop name</th><td><code>orders_2021</code> (the data file&#x27;s name; set it with --shop-name)" in page
    assert "<th>Currency</th><td>— (the chapters&#x27; default (the shipped data))" in page
    assert "left out: 2 book-only, 3 solution cell(s)" in page
    assert "tagged book-only, exercise, solution" in page


def test_index_without_a_profile_table() -> None:
    run = run_record()
    run["profiles"] = {"error": "build_profiles: no customer has a purchase"}
    page = pages.index_html(run)
    assert "The profile table could not be built: build_profiles: no customer has a purchase" in page
    assert "href='profiles.parquet'" not in page


def test_index_reports_a_scaled_calendar() -> None:
    run = run_record()
    run["chapters"][0]["scaled"] = {"ratio": 0.61, "text": "your 210 days hold its 343-day calendar scaled by 0.61: "
                                    "horizon_days 90 -> 54; test_cutoff 2021-08-01"}
    page = pages.index_html(run)
    assert "<small>calendar scaled: your 210 days hold its 343-day calendar scaled by 0.61: horizon_days 90 -&gt; 54" in page
    assert "Chapter 03: your 210 days hold its 343-day calendar" in page and "--param values are never scaled" in page


def test_report_pages_show_citations_as_author_year_text(tmp_path) -> None:
    """A chapter's MyST citation becomes "(Breiman 2001)" on a report page, never a raw role."""
    import nbformat

    from profiling.cli.pages import bibliography, render_chapter

    assert bibliography()["breiman2001"] == ("Breiman", "2001")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Forests {cite:p}`breiman2001`; {cite:t}`cohen1960`.")]
    executed = tmp_path / "07_x.ipynb"
    nbformat.write(nb, executed)
    render_chapter(executed, tmp_path / "07_x.html", mathjax_url=None)
    page = (tmp_path / "07_x.html").read_text(encoding="utf-8")
    assert "(Breiman 2001)" in page and "Cohen (1960)" in page
    assert "{cite" not in page
