"""The book in another language, from the same notebooks: Sphinx's gettext workflow.

    python tools/book_i18n.py extract            # refresh book/locales/zh_CN/LC_MESSAGES/*.po
    python tools/book_i18n.py coverage           # translated share of every page
    python tools/book_i18n.py check [PAGE]       # translations that changed code, math, links, numbers
    python tools/book_i18n.py build --lang zh_CN # the Chinese edition, in _build/html/zh_CN/

**extract** runs Sphinx's ``gettext`` builder over the book (one message template per page:
``gettext_compact: false`` in book/_config.yml), then merges every template into the page's catalog
``book/locales/<lang>/LC_MESSAGES/<page>.po`` with Babel: a new paragraph arrives untranslated, a
paragraph whose English changed loses its translation (kept as an obsolete ``#~`` entry for the
translator to reuse), finished translations stay. The catalogs are under version control; Sphinx
compiles them to ``.mo`` itself when it builds the edition.

**build** makes the edition in a staging folder that mirrors the repository (``book/``, ``profiling/``
and ``data/`` linked, the notebooks copied): a chapter that declares a ``lang`` parameter is
executed with papermill in that language, two at a time (its generated sentences, figure labels and
table headers come from the package's message catalog, :mod:`profiling.i18n`), and kept in
``_build/<lang>/executed/`` under a digest of the notebook, the package and the data, so that the
next build reuses it; the others keep their stored outputs, whose sentences the page catalogs
translate. Sphinx then builds with ``language: <lang>``, every warning is an error, and the pages go to
``_build/html/<lang>/``, next to the English edition (each page links to its twin).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALES = ROOT / "book" / "locales"
LANGUAGES = {"zh_CN": "用机器学习与大模型构建电商用户画像"}   # language -> the book's title in it
BIN = Path(sys.executable).parent


def catalog_path(lang: str, page: str) -> Path:
    return LOCALES / lang / "LC_MESSAGES" / f"{page}.po"


def _jupyter_book(config: Path, out: Path, *extra: str, source: Path = ROOT, toc: Path | None = None) -> None:
    log = out / "build.log"
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(BIN / "jupyter-book"), "build", str(source), "--all", "--config", str(config),
           "--toc", str(toc or source / "book" / "_toc.yml"), "--path-output", str(out), *extra]
    with log.open("w", encoding="utf-8") as handle:
        code = subprocess.run(cmd, stdout=handle, stderr=subprocess.STDOUT, check=False).returncode
    text = log.read_text(encoding="utf-8")
    warnings = [line for line in text.splitlines() if any(k in line for k in (": WARNING:", ": ERROR:", ": CRITICAL:"))]
    if code or warnings:
        sys.exit(f"book_i18n: the Sphinx build failed ({len(warnings)} warning(s)), see {log.relative_to(ROOT)}:\n"
                 + "\n".join(warnings[:20]))


def _stage(stage: Path) -> None:
    """A source folder that mirrors the repository: book/, profiling/ and data/ linked, notebooks/ a folder."""
    if stage.exists():
        shutil.rmtree(stage)
    (stage / "notebooks").mkdir(parents=True)
    for name in ("book", "profiling", "data"):
        (stage / name).symlink_to(os.path.relpath(ROOT / name, stage))


def _without_text_outputs(notebook: Path, target: Path) -> None:
    """A chapter that declares ``lang`` is run again in each language: its stored (English) sentences,
    tables and printed lines are not messages of the catalogs (timings in them would change the
    messages at every execution); its figures stay, for their captions and alt texts."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [o for o in cell.get("outputs", []) if any(k.startswith("image/") for k in o.get("data", {}))]
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def templates(out: Path) -> dict[str, Path]:
    """Page -> its message template (.pot): Sphinx's gettext builder over the book, where the chapters that
    declare ``lang`` contribute their prose, captions and alt texts but not their text outputs."""
    stage = out / "source"
    _stage(stage)
    for notebook in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        if _declares_lang(notebook):
            _without_text_outputs(notebook, stage / "notebooks" / notebook.name)
        else:
            shutil.copy2(notebook, stage / "notebooks" / notebook.name)
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    config["sphinx"]["local_extensions"] = {name: str(ROOT / "book" / path)
                                            for name, path in config["sphinx"]["local_extensions"].items()}
    config["bibtex_bibfiles"] = [str(stage / f) for f in config["bibtex_bibfiles"]]
    (stage / "_config.yml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _jupyter_book(stage / "_config.yml", out, "--builder", "custom", "--custom-builder", "gettext", source=stage)
    folder = out / "_build" / "gettext"
    return {pot.relative_to(folder).with_suffix("").as_posix(): pot for pot in sorted(folder.rglob("*.pot"))}


def extract(langs: list[str]) -> None:
    out = ROOT / "_build" / "gettext"
    if out.exists():
        shutil.rmtree(out)
    pages = templates(out)
    for lang in langs:
        for page, pot in pages.items():
            with pot.open("rb") as handle:
                template = read_po(handle)
            target = catalog_path(lang, page)
            if target.exists():
                with target.open("rb") as handle:
                    catalog = read_po(handle, locale=lang)
                catalog.update(template, no_fuzzy_matching=True)
            else:
                catalog = Catalog(locale=lang, project="profiling course", version="", copyright_holder="The profiling course authors",
                                  msgid_bugs_address="", last_translator="The profiling course authors", fuzzy=False)
                for message in template:
                    if message.id:
                        catalog.add(message.id, "", context=message.context)
            catalog.revision_date = catalog.creation_date = template.creation_date
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".po.tmp")
            with tmp.open("wb") as handle:
                write_po(handle, catalog, width=0, omit_header=False, sort_output=False, include_previous=False)
            os.replace(tmp, target)
    print(f"{len(pages)} pages -> {', '.join(str(LOCALES / lang) for lang in langs)}")


def page_coverage(lang: str) -> dict[str, tuple[int, int]]:
    """Page -> (translated messages, messages), from the catalogs under version control."""
    result = {}
    for po in sorted((LOCALES / lang / "LC_MESSAGES").rglob("*.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        messages = [m for m in catalog if m.id]
        done = sum(1 for m in messages if m.string and not m.fuzzy)
        result[po.relative_to(LOCALES / lang / "LC_MESSAGES").with_suffix("").as_posix()] = (done, len(messages))
    return result


#: What a translation must carry over verbatim: inline code, MyST roles ({cite:p}`key`), math, link
#: and image targets, HTML tags with their attributes (glossary links), and the numbers.
_VERBATIM = {
    "code": re.compile(r"(?<![{}\w])`[^`]+`"),
    "role": re.compile(r"\{[a-z:-]+\}`[^`]*`"),
    "math": re.compile(r"\$\$?[^$]+\$\$?"),
    "target": re.compile(r"\]\(([^)\s]+)\)"),
    "tag": re.compile(r"<(/?[a-zA-Z][^>]*)>"),
}
_NUMBER = re.compile(r"(?<![A-Za-z0-9_.])(\d[\d,]*(?:\.\d+)?)(?:st|nd|rd|th|x)?(?![A-Za-z0-9_])")
#: Month names of the English text: Chinese writes them as numbers (1 September -> 9 月 1 日) or in words (九月).
_MONTHS = {name: i + 1 for i, names in enumerate(
    ["jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july", "aug august",
     "sep sept september", "oct october", "nov november", "dec december"]) for name in names.split()}
_MONTH = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
#: Numbers that Chinese writes with 万 / 亿 (1.2 million -> 120 万) are not required verbatim.
_SCALED = re.compile(r"\d[\d,.]*(?:-?\s+(?:and|or|to)\s+\d[\d,.]*)?[\s-]*(?:thousand|million|billion|trillion\b|千|万|亿|百万|千万)", re.IGNORECASE)


def _verbatim(text: str) -> dict[str, list[str]]:
    found, stripped = {}, text
    for name, pattern in _VERBATIM.items():  # code, roles and math first: a tag inside them is not a tag
        found[name] = sorted(pattern.findall(stripped))
        stripped = pattern.sub(" ", stripped)
    stripped = _SCALED.sub(" ", stripped)
    found["number"] = sorted(_plain_number(n) for n in _NUMBER.findall(stripped))
    # cross-references keep their target; their text is translated: {ref}`the list <outline-code>`
    found["role"] = sorted(re.sub(r"`[^`<]*<([^>]+)>`", r"`<\1>`", r) for r in found["role"])
    return found


def _plain_number(text: str) -> str:
    """'4,043' -> '4043', '01' -> '1' (dates: 01 December -> 12 月 1 日)."""
    text = text.replace(",", "")
    return text.lstrip("0") or "0" if "." not in text else text


_MARKUP = ("strong_open", "em_open", "link_open", "code_inline", "math_inline", "html_inline")


@functools.cache
def _md():
    from markdown_it.renderer import RendererHTML
    from myst_parser.config.main import MdParserConfig
    from myst_parser.parsers.mdit import create_md_parser

    return create_md_parser(MdParserConfig(enable_extensions={"amsmath", "colon_fence", "dollarmath"}), RendererHTML)


def _markup(text: str) -> dict[str, int]:
    """How many bold, link, code, math and HTML spans MyST parses in ``text``, and how many asterisks it leaves
    as text: in Chinese, ``**`` next to full-width punctuation can stop being bold and show as raw asterisks.
    (Italics are not counted: Chinese may drop them, or write a title in 《》.)"""
    counts = dict.fromkeys(_MARKUP, 0)
    counts["literal *"] = 0
    for block in _md().parse(text):
        for token in block.children or []:
            if token.type in counts:
                counts[token.type] += 1
            elif token.type == "text":
                counts["literal *"] += token.content.count("*")
    counts.pop("em_open")
    return counts


def problems(lang: str, page: str | None = None) -> list[str]:
    """Translations that lost or changed what must stay verbatim (code, roles, math, links, tags, numbers)."""
    found = []
    folder = LOCALES / lang / "LC_MESSAGES"
    for po in sorted(folder.rglob("*.po")):
        name = po.relative_to(folder).with_suffix("").as_posix()
        if page and name != page:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not (message.id and message.string):
                continue
            if re.match(r"^\d+\. ", message.string):
                found.append(f"{name}: {message.string[:40]!r} starts like a numbered list item, which is how MyST "
                             "parses a translation on its own: write the number as '3\\. ' (it shows as '3. ')")
            source, target = _verbatim(message.id), _verbatim(message.string)
            before, after = _markup(message.id), _markup(message.string)
            if before != after:
                diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
                found.append(f"{name}: markup parses differently (English, Chinese) {diff} in: {message.string[:70]!r}"
                             " -- put a space between ** and full-width punctuation")
            # a month named in the English text may appear as its number in the Chinese one
            optional = [str(_MONTHS[m.lower()]) for m in _MONTH.findall(message.id)]
            # an ordinal may be written in words (the 2nd order -> 第二单)
            ordinals = [_plain_number(n) for n in re.findall(r"(?<![A-Za-z0-9_.])(\d+)(?:st|nd|rd|th)\b", message.id)]
            for number in ordinals:
                if number in source["number"] and number not in target["number"]:
                    source["number"].remove(number)
            for month in optional:
                if target["number"].count(month) > source["number"].count(month):
                    target["number"].remove(month)
            for kind in source:
                if source[kind] != target[kind]:
                    missing = sorted(set(source[kind]) - set(target[kind]))
                    extra = sorted(set(target[kind]) - set(source[kind]))
                    found.append(f"{name}: {kind} differs (missing {missing}, added {extra}) in: {message.id[:70]!r}")
    return found


def coverage(lang: str) -> None:
    rows = page_coverage(lang)
    for page, (done, total) in rows.items():
        print(f"{page:45s} {done:5d} / {total:5d}  {100 * done / max(total, 1):5.1f} %")
    done = sum(d for d, _ in rows.values())
    total = sum(t for _, t in rows.values())
    print(f"{'all pages':45s} {done:5d} / {total:5d}  {100 * done / max(total, 1):5.1f} %")


#: The labels of the notebooks' collapsed cells (cell metadata ``mystnb.code_prompt_show`` / ``code_prompt_hide``),
#: which no catalog sees: pattern -> replacement, per language. An unknown label stops the build.
PROMPTS = {"zh_CN": [
    (r"Solution to exercise (\d+) \(code and output\)", r"练习 \1 的参考答案（代码与输出）"),
    (r"Hide the solution to exercise (\d+)", r"隐藏练习 \1 的参考答案"),
    (r"Show the setup \(imports, plot style, one BLAS thread\)", "显示环境设置（导入、绘图样式、单个 BLAS 线程）"),
    (r"Hide the setup", "隐藏环境设置"),
    (r"Show the chapter's parameters \(what a report run may change\)", "显示本章参数（报告运行时可以修改的部分）"),
    (r"Hide the parameters", "隐藏参数"),
    (r"Show the display labels \(tables and figures in the chapter's language\)", "显示展示用标签（本章语言下的表格与图）"),
    (r"Hide the display labels", "隐藏展示用标签"),
]}


def translate_prompts(notebook: Path, lang: str) -> None:
    """The collapsed cells' labels of a staged notebook, in ``lang`` (:data:`PROMPTS`)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:  # papermill's `lang = "zh_CN"`
            cell["metadata"]["tags"] = [*tags, "remove-cell"]
        meta = cell.get("metadata", {}).get("mystnb", {})
        for key in ("code_prompt_show", "code_prompt_hide"):
            if key not in meta:
                continue
            for pattern, replacement in PROMPTS[lang]:
                if re.fullmatch(pattern, meta[key]):
                    meta[key] = re.sub(pattern, replacement, meta[key])
                    break
            else:
                sys.exit(f"book_i18n: {notebook.name}: no {lang} label for {key} {meta[key]!r}; add it to PROMPTS")
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def translated_toc(lang: str, target: Path) -> None:
    """book/_toc.yml with its part captions in ``lang``, from the start page's catalog (Sphinx extracts them
    there but does not apply them: the table of contents is inserted after translation)."""
    toc = yaml.safe_load((ROOT / "book" / "_toc.yml").read_text(encoding="utf-8"))
    with catalog_path(lang, toc["root"]).open("rb") as handle:
        messages = {m.id: m.string for m in read_po(handle, locale=lang) if m.id and m.string}
    for part in toc.get("parts", []):
        if part.get("caption") not in messages:
            sys.exit(f"book_i18n: the part caption {part.get('caption')!r} has no {lang} translation in "
                     f"{catalog_path(lang, toc['root']).relative_to(ROOT)}")
        part["caption"] = messages[part["caption"]]
    target.write_text(yaml.safe_dump(toc, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _declares_lang(notebook: Path) -> bool:
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            return any(line.split("=")[0].strip() == "lang" for line in "".join(cell["source"]).splitlines())
    return False


def _sources_digest(notebook: Path, lang: str) -> str:
    """What an execution in ``lang`` depends on: the notebook, the package's code and catalogs, the data."""
    digest = hashlib.sha256(lang.encode())
    files = [notebook, *sorted((ROOT / "profiling").rglob("*.py")), *sorted((ROOT / "profiling").rglob("*.po")),
             *sorted((ROOT / "data").glob("*.*")), ROOT / "requirements.lock"]
    for path in files:
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def execute_in(notebook: Path, lang: str) -> Path:
    """The chapter executed with ``lang`` (papermill, in notebooks/ as the book's chapters run), kept in
    ``_build/<lang>/executed/`` under a digest of everything it depends on: a second build reuses it."""
    folder = ROOT / "_build" / lang / "executed"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{notebook.stem}-{_sources_digest(notebook, lang)}.ipynb"
    if target.is_file():
        print(f"{notebook.name}: executed with lang={lang} before (same sources)", flush=True)
        return target
    print(f"executing {notebook.name} with lang={lang} ...", flush=True)
    tmp = target.with_suffix(".partial.ipynb")
    result = subprocess.run([str(BIN / "papermill"), str(notebook), str(tmp), "-p", "lang", lang,
                             "--cwd", str(ROOT / "notebooks"), "--kernel", "python3", "--no-progress-bar"],
                            capture_output=True, text=True, check=False)
    if result.returncode:
        sys.exit(f"book_i18n: {notebook.name} failed with lang={lang}:\n{result.stderr[-3000:]}")
    os.replace(tmp, target)
    for old in folder.glob(f"{notebook.stem}-*.ipynb"):
        if old != target:
            old.unlink()
    return target


_HAN = re.compile(r"[\u4e00-\u9fff]")


def untranslated_outputs(executed: Path) -> list[str]:
    """Sentences a chapter executed in Chinese wrote without a Chinese character (text/markdown outputs: the
    generated prose), and data-table headers of several English words."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    found = []
    for i, cell in enumerate(nb["cells"]):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                text = "".join(data["text/markdown"])
                if re.search(r"[A-Za-z]{3,}", text) and not _HAN.search(text):
                    found.append(f"{executed.name} cell {i}: {text[:90]!r}")
            if "text/html" in data and "dataframe" in "".join(data["text/html"]):
                headers = re.findall(r"<th[^>]*>([^<]+)</th>", "".join(data["text/html"]))
                english = [h for h in headers if re.fullmatch(r"[A-Za-z][A-Za-z ()%/-]+ [A-Za-z()%/ -]+", h.strip())]
                found += [f"{executed.name} cell {i}: table header {h.strip()!r}" for h in english[:3]]
    return found


def build(lang: str, execute: bool = True) -> Path:
    if lang not in LANGUAGES:
        sys.exit(f"book_i18n: no edition for language {lang!r}; known: {', '.join(LANGUAGES)}")
    stage = ROOT / "_build" / lang / "source"
    _stage(stage)
    notebooks = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    to_run = [nb for nb in notebooks if execute and _declares_lang(nb)]
    for notebook in notebooks:
        if notebook not in to_run:
            shutil.copy2(notebook, stage / "notebooks" / notebook.name)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(2, os.cpu_count() or 1))) as pool:
        for done in pool.map(lambda nb: execute_in(nb, lang), to_run):
            shutil.copy2(done, stage / "notebooks" / (done.stem.rsplit("-", 1)[0] + ".ipynb"))
            english = untranslated_outputs(done)
            if english:  # a chapter with a `lang` parameter writes everything in it
                print(f"{done.stem.rsplit('-', 1)[0]}: {len(english)} output(s) not in {lang}:\n  " + "\n  ".join(english))
    for notebook in notebooks:
        translate_prompts(stage / "notebooks" / notebook.name, lang)
    translated_toc(lang, stage / "_toc.yml")
    config = yaml.safe_load((ROOT / "book" / "_config.yml").read_text(encoding="utf-8"))
    config["title"] = LANGUAGES[lang]
    config["sphinx"]["config"]["language"] = lang
    config["sphinx"]["local_extensions"] = {name: str(ROOT / "book" / path)
                                            for name, path in config["sphinx"]["local_extensions"].items()}
    config["bibtex_bibfiles"] = [str(stage / f) for f in config["bibtex_bibfiles"]]
    config_file = stage / "_config.yml"
    config_file.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = ROOT / "_build" / lang
    _jupyter_book(config_file, out, source=stage, toc=stage / "_toc.yml")
    html = ROOT / "_build" / "html" / lang
    if html.exists():
        shutil.rmtree(html)
    shutil.copytree(out / "_build" / "html", html)
    print(f"The {lang} edition: {html.relative_to(ROOT)}/index.html")
    return html


class _Prose(HTMLParser):
    """The text of a built page's article, split into prose and the headers of data tables; code, math and
    the text of figures' images are left out (they are not translated)."""

    SKIP = {"pre", "code", "script", "style", "svg", "kbd"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool, bool]] = []   # (tag, skipped, in a data table)
        self.article = False
        self.depth = 0
        self.prose: list[str] = []
        self.table_headers: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag in ("br", "img", "hr", "meta", "link", "input", "wbr"):
            return
        if tag == "article":
            self.article = True
        skipped = bool(self.stack and self.stack[-1][1]) or tag in self.SKIP or "math" in classes \
            or "citation" in classes or "headerlink" in classes or "language-switch" in classes
        table = bool(self.stack and self.stack[-1][2]) or (tag == "table" and "dataframe" in classes)
        self.stack.append((tag, skipped, table))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            top = self.stack.pop()
            if top[0] == tag:
                break
        if tag == "article":
            self.article = False

    def handle_data(self, data: str) -> None:
        if not self.article or not data.strip() or (self.stack and self.stack[-1][1]):
            return
        in_table = bool(self.stack and self.stack[-1][2])
        if in_table:
            if any(t == "th" for t, _, _ in self.stack):
                self.table_headers.append(data.strip())
        else:
            self.prose.append(data.strip())


#: A run of six or more English words: prose left untranslated (names and identifiers are shorter).
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’-]*(?:[ ,;:()]+[A-Za-z][A-Za-z'’-]*){5,}")


def audit(site: Path) -> dict[str, dict[str, list[str]]]:
    """Per built page of an edition: English prose runs, and data-table headers in English."""
    out = {}
    for page in sorted(site.rglob("*.html")):
        if any(part.startswith("_") for part in page.relative_to(site).parts) or page.name in ("search.html", "genindex.html"):
            continue
        parser = _Prose()
        parser.feed(page.read_text(encoding="utf-8"))
        prose = [m.group(0) for text in parser.prose for m in _ENGLISH_RUN.finditer(text)]
        headers = sorted({h for h in parser.table_headers if re.fullmatch(r"[A-Za-z][A-Za-z ()%/_-]{2,}", h)
                          and " " in h})
        out[page.relative_to(site).as_posix()] = {"english prose": prose, "english table headers": headers}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="refresh the catalogs from the book's English text")
    p.add_argument("--lang", action="append", default=None)
    p = sub.add_parser("coverage", help="translated share of every page")
    p.add_argument("--lang", default="zh_CN")
    p = sub.add_parser("check", help="translations that changed code, roles, math, links, tags or numbers")
    p.add_argument("--lang", default="zh_CN")
    p.add_argument("page", nargs="?", help="e.g. notebooks/03_clean_and_fuse (default: all)")
    p = sub.add_parser("audit", help="English left in a built edition's pages (prose, data-table headers)")
    p.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html" / "zh_CN"))
    p.add_argument("--show", type=int, default=3, help="examples per page")
    p = sub.add_parser("build", help="build an edition into _build/html/<lang>/")
    p.add_argument("--lang", default="zh_CN")
    p.add_argument("--no-execute", action="store_true", help="keep every chapter's stored outputs")
    args = parser.parse_args()
    if args.command == "extract":
        extract(args.lang or list(LANGUAGES))
    elif args.command == "coverage":
        coverage(args.lang)
    elif args.command == "audit":
        found = audit(Path(args.site))
        for page, kinds in found.items():
            counts = ", ".join(f"{len(v)} {k}" for k, v in kinds.items())
            print(f"{page:45s} {counts}")
            for kind, examples in kinds.items():
                for example in examples[:args.show]:
                    print(f"    {kind}: {example[:100]!r}")
        total = {k: sum(len(v[k]) for v in found.values()) for k in ("english prose", "english table headers")}
        print(f"{len(found)} pages: " + ", ".join(f"{n} {k}" for k, n in total.items()))
    elif args.command == "check":
        found = problems(args.lang, args.page)
        print("\n".join(found) or "no problems")
        sys.exit(1 if found else 0)
    else:
        build(args.lang, execute=not args.no_execute)


if __name__ == "__main__":
    main()
