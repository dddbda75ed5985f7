"""The Chinese edition and reports: the message catalogs, their coverage, and the translation machinery.

* the package's catalogs (profiling/locales): every ``tr("...")`` of the package and the chapters has a
  translation with the same placeholders (tools/package_messages.py);
* the book's catalogs (book/locales): they hold every message of the book's current English text (a
  fresh gettext extraction finds nothing the catalogs lack), all translated, and every translation keeps
  code, roles, math, link targets, tags and numbers verbatim and parses to the same markup
  (tools/book_i18n.py);
* :func:`profiling.i18n.translate_markdown`, which applies the book's catalogs to a report's chapters;
* the report's index page in Chinese.

The Chinese edition's build (no Sphinx warning, no broken link) is part of ``make book``, which CI runs;
a Chinese report from the command is checked in tests/test_cli.py.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from profiling import i18n
from profiling.cli import pages

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


book_i18n = _tool("book_i18n")
package_messages = _tool("package_messages")

HAN = re.compile(r"[\u4e00-\u9fff]")


# --- the package's messages -----------------------------------------------------------------------------


def test_every_message_of_the_package_and_the_chapters_has_a_translation_with_the_same_placeholders() -> None:
    assert package_messages.problems() == []
    assert len(package_messages.messages()) >= 40


def test_the_package_catalog_would_notice_a_missing_translation(tmp_path, monkeypatch) -> None:
    # the control: a new tr() in a module is reported until it is translated
    module = ROOT / "profiling" / "_i18n_probe.py"
    try:
        module.write_text('from profiling.i18n import tr\nX = tr("a message nobody translated")\n', encoding="utf-8")
        found = package_messages.problems()
    finally:
        module.unlink()
    assert any("a message nobody translated" in p for p in found)


def test_tr_answers_in_the_chosen_language_and_keeps_placeholders() -> None:
    try:
        i18n.set_language("zh_CN")
        text = i18n.tr("{customers:,} (plus {lines:,} lines without a customer id)")
        assert HAN.search(text)
        assert text.format(customers=1234, lines=5).count("1,234") == 1
        assert i18n.tr("a sentence without a translation") == "a sentence without a translation"
    finally:
        i18n.set_language("en")
    assert i18n.tr("customers") == "customers"


def test_persona_names_and_recommendation_reasons_are_shown_in_the_chosen_language() -> None:
    """Persona names stay English identifiers; segments.persona_label shows them (each word, a #2 kept,
    a name of other words left alone); the recommenders write their reasons through tr."""
    import pandas as pd

    from profiling import recommend, segments

    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "item": ["x", "y", "x"], "invoice_id": ["1", "1", "2"],
                       "timestamp": pd.to_datetime(["2021-01-01", "2021-01-01", "2021-01-05"])})
    english = recommend.Popularity().fit(tx).reason("a", "x")
    try:
        i18n.set_language("zh_CN")
        assert segments.persona_label("lapsed one-off") == "久未复购、一次性购买"
        assert segments.persona_label("gift-season newly-acquired #2") == "礼品季、新获客 #2"
        assert segments.persona_label("high widgets") == "high widgets"
        chinese = recommend.Popularity().fit(tx).reason("a", "x")
        assert HAN.search(chinese) and "2" in chinese
        assert HAN.search(recommend.Popularity().fit(tx).reason("a", "not sold here"))
    finally:
        i18n.set_language("en")
    assert segments.persona_label("lapsed one-off") == "lapsed one-off"
    assert english == "popular: 2 buyers"


def test_relabel_maps_labels_axis_names_and_chosen_cells_only_outside_english() -> None:
    import pandas as pd

    labels = {"method": "方法", "ndcg": "NDCG", "popularity": "热门", "view": "视图", "all": "全部"}
    table = pd.DataFrame({"method": ["popularity", "other"], "ndcg": [0.1, 0.2]},
                         index=pd.Index(["all", "new"], name="view"))
    assert i18n.relabel(table, labels, values=["method"]) is table  # English: the table itself
    try:
        i18n.set_language("zh_CN")
        shown = i18n.relabel(table, labels, values=["method"])
        assert shown.columns.tolist() == ["方法", "NDCG"] and shown.index.name == "视图"
        assert shown.index.tolist() == ["全部", "new"] and shown["方法"].tolist() == ["热门", "other"]
        assert table.columns.tolist() == ["method", "ndcg"] and table["method"].iloc[0] == "popularity"
        assert i18n.relabel(table, labels, index=False).index.tolist() == ["all", "new"]
        series = i18n.relabel(table["ndcg"], labels)
        assert series.name == "NDCG" and series.index.tolist() == ["全部", "new"] and series.index.name == "视图"
        two = table.set_index("method", append=True)
        assert i18n.relabel(two, labels, level="method").index.tolist() == [("all", "热门"), ("new", "other")]
    finally:
        i18n.set_language("en")


def test_an_unknown_language_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="en, zh_CN"):
        i18n.set_language("fr")
    assert i18n.language() == "en"


def test_placeholders_keep_conversion_and_format() -> None:
    assert i18n.placeholders("{n:,} of {total!r} ({share:.1%})") == {"n:,", "total!r", "share:.1%"}
    assert i18n.placeholders("no {{braces}}") == set()


# --- the book's catalogs --------------------------------------------------------------------------------


def test_every_page_of_the_book_is_translated_and_keeps_code_math_links_and_numbers() -> None:
    coverage = book_i18n.page_coverage("zh_CN")
    assert len(coverage) >= 20
    untranslated = {page: total - done for page, (done, total) in coverage.items() if done < total}
    assert untranslated == {}, f"untranslated messages per page: {untranslated} (python tools/book_i18n.py coverage)"
    assert book_i18n.problems("zh_CN") == []


@pytest.mark.parametrize(("english", "chinese", "kind"), [
    ("Run `make book` now.", "现在运行 `make bok`。", "code"),
    ("See {cite:p}`breiman2001`.", "见 {cite:p}`breiman2002`。", "role"),
    ("The mean is $\\bar x$.", "均值为 $x$。", "math"),
    ("Read [the docs](https://example.org/a).", "阅读[文档](https://example.org/b)。", "target"),
    ('A <a href="../book/glossary.html#term-Tag" class="glossary-term">tag</a>.', "一个标签。", "tag"),
    ("It has 4,043 lines.", "它有 4,034 行。", "number"),
    ("**Always split by time.** Features come first.", "**始终按时间划分。**特征在前。", "markup"),
    ("3. Collect", "3. 采集", "numbered list"),
])
def test_the_catalog_check_catches_each_kind_of_damage(tmp_path, monkeypatch, english, chinese, kind) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    folder = tmp_path / "zh_CN" / "LC_MESSAGES" / "notebooks"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="zh_CN")
    catalog.add(english, chinese)
    with (folder / "probe.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(book_i18n, "LOCALES", tmp_path)
    found = book_i18n.problems("zh_CN")
    assert found and any(kind in f for f in found), found


def test_the_catalog_check_accepts_the_chinese_ways_of_writing_numbers(tmp_path, monkeypatch) -> None:
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    pairs = {
        "The data cover 01 December 2009 to 9 December 2010.": "数据覆盖 2009 年 12 月 1 日至 2010 年 12 月 9 日。",
        "AlexNet learned from 1.2 million images.": "AlexNet 从 120 万张图片中学习。",
        "free delivery on the 2nd order": "第二单免运费",
        "It took 66x the time.": "用时是其 66 倍。",
        "20- and 50-million-line files": "2000 万行和 5000 万行的文件",
        "see {ref}`the list <outline-code>`": "见{ref}`列表 <outline-code>`",
    }
    folder = tmp_path / "zh_CN" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="zh_CN")
    for english, chinese in pairs.items():
        catalog.add(english, chinese)
    with (folder / "probe.po").open("wb") as handle:
        write_po(handle, catalog)
    monkeypatch.setattr(book_i18n, "LOCALES", tmp_path)
    assert book_i18n.problems("zh_CN") == []


@pytest.mark.slow
def test_the_catalogs_hold_every_message_of_the_books_current_english_text(tmp_path) -> None:
    """A fresh gettext extraction of the book (as `make gettext` makes it): a paragraph edited in English
    without `make gettext` would show in English in the Chinese edition."""
    from babel.messages.pofile import read_po

    missing = {}
    for page, pot in book_i18n.templates(tmp_path / "gettext").items():
        with pot.open("rb") as handle:
            wanted = {m.id for m in read_po(handle) if m.id}
        path = book_i18n.catalog_path("zh_CN", page)
        with path.open("rb") as handle:
            have = {m.id for m in read_po(handle) if m.id and m.string}
        if wanted - have:
            missing[page] = sorted(wanted - have)[:3]
    assert missing == {}, f"messages of the book without a translation (run `make gettext`, translate): {missing}"


# --- a report's chapters, translated by the book's catalogs -------------------------------------------


def test_translate_markdown_replaces_paragraphs_headings_items_cells_and_directive_content() -> None:
    md = ("## 3.1 Collect\n\nOne line =\none product.\n\n- a list item\n- kept\n\n| a | b |\n|---|---|\n| x | 1 |\n\n"
          ":::{note}\nInside a note.\n:::\n\n```python\ncode = 1\n```")
    messages = {"3.1 Collect": "3.1 采集", "One line = one product.": "一行 = 一件商品。", "a list item": "列表项",
                "a": "甲", "Inside a note.": "注释之中。", "code = 1": "不应替换"}
    out = i18n.translate_markdown(md, messages)
    assert out.splitlines()[0] == "## 3.1 采集"
    assert "一行 = 一件商品。" in out and "- 列表项" in out and "- kept" in out
    assert "| 甲 | b |" in out and "| x | 1 |" in out
    assert ":::{note}\n注释之中。\n:::" in out
    assert "code = 1" in out   # code is never translated


def test_translate_markdown_leaves_text_without_a_translation_alone() -> None:
    md = "# Title\n\nA paragraph **with bold**.\n"
    assert i18n.translate_markdown(md, {"Other": "别的"}) == md
    assert i18n.translate_markdown(md, {}) == md


def test_a_chapters_markdown_is_translated_by_its_book_catalog() -> None:
    from profiling.cli import chapters

    info = chapters.chapter_info(ROOT / "notebooks" / "03_clean_and_fuse.ipynb")
    messages = chapters.book_catalog(info, "zh_CN")
    assert len(messages) > 50
    nb = chapters.read_notebook(info["path"])
    chapters.translate_cells(nb, messages)
    prose = [c for c in nb["cells"] if c["cell_type"] == "markdown"]
    han = sum(bool(HAN.search(c["source"])) for c in prose)
    assert han / len(prose) > 0.9
    assert chapters.translated_title(info, "zh_CN") != info["title"] and HAN.search(chapters.translated_title(info, "zh_CN"))


# --- the report's index page ------------------------------------------------------------------------------


def _run_record() -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from test_cli_pages import run_record
    finally:
        sys.path.pop(0)
    return run_record()


def test_the_index_page_is_chinese_when_the_report_is() -> None:
    run = {**_run_record(), "lang": "zh_CN", "math_note": pages.MATH_OFFLINE}
    page = pages.index_html(run)
    assert '<html lang="zh-CN">' in page
    visible = re.sub(r"<[^>]+>", " ", page.split("</style>", 1)[1])
    words = re.findall(r"[A-Za-z]{4,}", re.sub(r"<code>.*?</code>|\([^)]*\)", " ", visible))
    assert "数据" in visible and "画像表" in visible and "离线" in visible
    assert "customers" not in visible and "Profile table" not in visible
    assert i18n.language() == "en", "the page leaves the language as it found it"
    english = pages.index_html({**run, "lang": "en"})
    assert '<html lang="en">' in english and "Profile table" in english
    assert words  # names of files, versions and parameters stay as they are
