"""Link each glossary term at its first use in every chapter (the book's glossary, book/glossary.md).

    .venv/bin/python tools/link_glossary.py            (idempotent: a chapter already linked is left alone)

The link is a plain HTML anchor, ``<a href="../book/glossary.html#term-User-profile" class="glossary-term">user
profile</a>``: the built book follows it to the term's definition, and JupyterLab shows ordinary text with
a link (a MyST ``{term}`` role would show as raw markup there). First use means the first match in the
chapter's prose -- not in a heading, code, math, a link, a callout's title line, a reference list or a cell
about the shipped data only. Acronyms (KNN, SVM, ...) match in capitals only; other terms in any case, also in the plural.
``tests/test_hygiene.py`` checks that every such link points at a term of the glossary.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "book" / "glossary.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LINK = '<a href="../book/glossary.html#{anchor}" class="glossary-term">{text}</a>'
#: Parts of a markdown cell where a term must not be linked.
_PROTECTED = re.compile(
    r"```.*?```"                    # fenced blocks (code, directives' first lines)
    r"|`[^`\n]*`"                   # inline code
    r"|\$\$.*?\$\$|\$[^$\n]*\$"     # math
    r"|\[[^\]\n]*\]\([^)\n]*\)"     # markdown links
    r"|<a\b.*?</a>|<[^>\n]+>"       # HTML links and tags
    r"|^#+ [^\n]*$"                 # headings
    r"|^:[a-z]+:[^\n]*$",           # directive options
    re.S | re.M,
)


def terms() -> list[str]:
    """The glossary's terms, in order (the unindented lines inside its ``{glossary}`` block)."""
    text = GLOSSARY.read_text(encoding="utf-8")
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines() if line.strip() and not line.startswith((" ", "\t"))]


def anchor(term: str) -> str:
    """The id Sphinx gives a glossary term: ``term-`` and the term with every run of other characters as ``-``."""
    return "term-" + re.sub(r"[^A-Za-z0-9]+", "-", term).strip("-")


def _pattern(term: str) -> re.Pattern:
    words = re.escape(term).replace(r"\ ", r"[\s-]+")
    if term.isupper():
        return re.compile(rf"(?<![\w-]){words}s?(?![\w-])")
    return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w-])", re.I)


def _link_first(text: str, pattern: re.Pattern, term: str) -> tuple[str, bool]:
    protected = [(m.start(), m.end()) for m in _PROTECTED.finditer(text)]
    if "**References**" in text:  # a work's title is not a use of the term
        protected.append((text.index("**References**"), len(text)))
    for m in pattern.finditer(text):
        if any(a <= m.start() < b for a, b in protected):
            continue
        return text[: m.start()] + LINK.format(anchor=anchor(term), text=m.group(0)) + text[m.end():], True
    return text, False


def _unlink_references(cell: dict) -> bool:
    """Drop glossary links from a cell's reference list (they were made before lists were skipped)."""
    source = "".join(cell["source"])
    if "**References**" not in source:
        return False
    head, refs = source.split("**References**", 1)
    plain = re.sub(r'<a href="\.\./book/glossary\.html#[^"]*" class="glossary-term">(.*?)</a>', r"\1", refs)
    if plain == refs:
        return False
    lines = (head + "**References**" + plain).split("\n")
    cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return True


def link_chapter(path: Path, glossary: list[str]) -> int:
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [c for c in nb["cells"] if c["cell_type"] == "markdown"
             and "book-only" not in c["metadata"].get("tags", [])]
    linked = sum(_unlink_references(c) for c in cells)
    for term in glossary:
        target = f'#{anchor(term)}"'
        if any(target in "".join(c["source"]) for c in cells):
            continue  # already linked in this chapter
        pattern = _pattern(term)
        for cell in cells:
            source = "".join(cell["source"])
            new, done = _link_first(source, pattern, term)
            if done:
                lines = new.split("\n")
                cell["source"] = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
                linked += 1
                break
    if linked:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return linked


def main() -> None:
    glossary = terms()
    for path in NOTEBOOKS:
        print(f"{path.name}: {link_chapter(path, glossary)} term(s) linked")


if __name__ == "__main__":
    main()
