"""The course in more than one language: the package's messages, and the chapters' prose for reports.

Two kinds of text are translated, from one source:

* **What the code writes** — generated sentences, axis labels, table headers, the report's index
  page — goes through :func:`tr`: ``tr("{n:,} customers").format(n=n)``. The English text is the
  message id; the translations are in the package's catalog,
  ``profiling/locales/<lang>/LC_MESSAGES/profiling.po`` for the package's modules and
  ``chapters/<notebook>.po`` for each chapter's own messages (every ``tr("...")`` is listed:
  ``python tools/package_messages.py extract``, and a test checks that each one has a translation
  with the same ``{placeholders}``). A chapter chooses its language with
  its ``lang`` parameter (``chapter.setup(lang=lang)`` calls :func:`set_language`).
* **What the chapters say in markdown** is translated by the book's own catalogs, one per page
  (``book/locales/<lang>/LC_MESSAGES/notebooks/<chapter>.po``, Sphinx's gettext workflow): the
  Chinese edition of the book is built from them, and ``profiling report --lang zh_CN`` applies the
  same catalogs to the chapters' markdown cells (:func:`translate_markdown`).

English (``"en"``) needs no catalog: the message ids are the English text.

Example
-------
>>> set_language("zh_CN")
>>> tr("customers")
'客户数'
>>> set_language("en")
>>> tr("customers")
'customers'
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

__all__ = ["LANGUAGES", "N_", "catalog", "language", "placeholders", "read_catalog", "relabel", "set_language", "tr",
           "translate_markdown"]

#: The languages of the course: code -> name in that language.
LANGUAGES = {"en": "English", "zh_CN": "简体中文"}

#: The package's catalogs: ``LOCALE_DIR/<lang>/LC_MESSAGES/profiling.po``.
LOCALE_DIR = Path(__file__).resolve().parent / "locales"

_current = "en"


def _check(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of the course's languages: {', '.join(LANGUAGES)} "
                         "(set the chapter's `lang` parameter or `profiling report --lang` to one of them)")
    return lang


def read_catalog(path: str | Path, lang: str) -> dict[str, str]:
    """A ``.po`` file's translated messages (msgid -> msgstr); untranslated and fuzzy ones are left out."""
    try:
        from babel.messages.pofile import read_po
    except ImportError as exc:  # pragma: no cover - babel comes with the notebooks extra
        raise ImportError("translations need Babel: pip install 'profiling[notebooks]'") from exc
    with open(path, "rb") as handle:
        messages = read_po(handle, locale=lang)
    return {m.id: m.string for m in messages if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


@functools.cache
def catalog(lang: str) -> Mapping[str, str]:
    """The package's messages in ``lang`` (empty for English, whose message ids are the text)."""
    if _check(lang) == "en":
        return {}
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    if not (folder / "profiling.po").is_file():
        raise FileNotFoundError(f"{folder / 'profiling.po'}: the package's {lang} catalog is missing (reinstall the package)")
    messages: dict[str, str] = {}
    for path in sorted(folder.rglob("*.po")):  # profiling.po, and chapters/<notebook>.po of each chapter
        messages.update(read_catalog(path, lang))
    return messages


def set_language(lang: str) -> None:
    """Make :func:`tr` answer in ``lang`` (``"en"`` or ``"zh_CN"``) from now on."""
    global _current
    catalog(_check(lang))
    _current = lang


def language() -> str:
    """The language :func:`tr` answers in."""
    return _current


def tr(message: str) -> str:
    """``message`` (English, the message id) in the current language; itself where no translation exists.

    Placeholders are kept for ``.format`` afterwards: ``tr("{n:,} customers").format(n=12345)``.
    """
    return catalog(_current).get(message, message) if _current != "en" else message


def N_(message: str) -> str:  # noqa: N802 - gettext's name for it
    """Mark a message for the catalog without translating it now (a constant translated where it is shown,
    with :func:`tr`): ``MEANINGS = [N_("bought recently")]`` ... ``tr(MEANINGS[0])``."""
    return message


def placeholders(message: str) -> set[str]:
    """The ``{fields}`` of a message (what a translation must keep): ``{n:,}`` -> ``'n:,'``."""
    out = set()
    for _, field, spec, conversion in string.Formatter().parse(message):
        if field is not None:
            out.add(field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else ""))
    return out


# --- the chapters' markdown, translated by the book's catalogs ---------------------------------------------

_DIRECTIVE = re.compile(r"^\{[\w:-]+\}")


@functools.cache
def _parser():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    config = MdParserConfig(enable_extensions={"amsmath", "colon_fence", "deflist", "dollarmath", "substitution"})
    return create_md_parser(config, RendererHTML)


def relabel(table: Any, labels: Mapping[Any, Any], values: Iterable[Any] = (), index: bool = True,
            level: Any = None) -> Any:
    """A table as shown in the current language: its labels mapped through ``labels``.

    The code keeps the English names (columns, methods, rows); only the display changes. The
    column labels, the axis names and, with ``index``, the row labels (of one ``level`` only, if
    given) are mapped, and so are the cells of the columns ``values`` (named as in ``table``); a
    name without an entry in ``labels`` stays as it is. A Series gets its row labels, axis name
    and name mapped. In English, ``table`` itself. Each chapter builds ``labels`` from its
    messages (``{"customers": tr("customers"), ...}``) in its hidden "display labels" cell.

    >>> import pandas as pd
    >>> table = pd.DataFrame({"method": ["popularity"], "ndcg": [0.1]})
    >>> relabel(table, {"method": "方法", "popularity": "热门"}, values=["method"]) is table
    True
    >>> set_language("zh_CN")
    >>> relabel(table, {"method": "方法", "popularity": "热门"}, values=["method"]).columns.tolist()
    ['方法', 'ndcg']
    >>> set_language("en")
    """
    if language() == "en":
        return table

    def shown(name: Any) -> Any:
        try:
            return labels.get(name, name)
        except TypeError:  # an unhashable label
            return name

    import pandas as pd

    if isinstance(table, pd.Series):
        out = table.rename(index=shown, level=level) if index else table.copy()
        out.name = shown(out.name)
        return out.rename_axis(index=shown)
    values = list(values)
    out = table.copy() if values else table
    for column in values:
        out[column] = out[column].map(shown)
    if index:
        out = out.rename(index=shown, level=level)
    out = out.rename(columns=shown)
    return out.rename_axis(index=shown, columns=shown)


def translate_markdown(source: str, messages: Mapping[str, str]) -> str:
    """A markdown cell with every paragraph, heading, list item and table cell found in ``messages``
    (the page's catalog: msgid -> msgstr, as Sphinx extracts them) replaced by its translation.

    Blocks not in the catalog stay as they are; code, math blocks and the markup around the text
    (list markers, heading hashes, table pipes, directive fences) are kept. Paragraphs inside
    directives (``{note}``, ``{admonition}``) are translated too.

    Example
    -------
    >>> md = "## 3.1 Collect\\n\\nOne line =\\none product.\\n\\n- a list item\\n\\n| a | b |\\n|---|---|\\n| x | 1 |"
    >>> cat = {"3.1 Collect": "3.1 采集", "One line = one product.": "一行 = 一件商品。", "a list item": "列表项", "a": "甲"}
    >>> print(translate_markdown(md, cat))
    ## 3.1 采集
    <BLANKLINE>
    一行 = 一件商品。
    <BLANKLINE>
    - 列表项
    <BLANKLINE>
    | 甲 | b |
    |---|---|
    | x | 1 |
    """
    if not messages or not source.strip():
        return source
    lines = source.split("\n")
    tokens = _parser().parse(source)
    # Replacements as (first line, last line + 1, new lines), applied bottom-up.
    edits: list[tuple[int, int, list[str]]] = []
    for token in tokens:
        if token.type in ("fence", "colon_fence") and _DIRECTIVE.match(token.info or "") and token.map:
            start, end = token.map
            body = lines[start + 1:end - 1] if end - start >= 2 else []
            options = 0
            while options < len(body) and re.match(r"^:[\w-]+:", body[options]):
                options += 1
            inner = "\n".join(body[options:])
            translated = translate_markdown(inner, messages)
            if translated != inner:
                edits.append((start + 1 + options, start + 1 + len(body), translated.split("\n")))
            continue
        if token.type != "inline" or not token.map:
            continue
        text = token.content
        key = text.replace("\n", " ").strip()
        new = messages.get(key)
        if not new:
            continue
        start, end = token.map
        if "\n" not in text.strip():  # one line: changed in place (a table row may hold several cells)
            for i in range(start, end):
                if lines[i].lstrip().startswith("|"):
                    cells = lines[i].split("|")
                    hit = next((j for j, c in enumerate(cells) if c.strip() == text.strip()), None)
                    if hit is not None:
                        cells[hit] = cells[hit].replace(text.strip(), new, 1)
                        lines[i] = "|".join(cells)
                        break
                elif text.strip() in lines[i]:
                    lines[i] = lines[i].replace(text.strip(), new, 1)
                    break
            continue
        first = text.strip().split("\n")[0].strip()
        at = lines[start].find(first)
        if at < 0:
            continue
        edits.append((start, end, [lines[start][:at] + new]))
    for start, end, new_lines in sorted(edits, key=lambda e: e[0], reverse=True):
        lines[start:end] = new_lines
    return "\n".join(lines)
