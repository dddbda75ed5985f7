"""Link every mention of a section of the source outline ("outline 2.5") to book/outline.md.

The chapters cite the source article's sections as "outline 2.5", "outline 4.1.2" or "outline 1.x";
book/outline.md maps each section to the chapter that teaches it and has an anchor per section
(``outline-2-5``; a whole part, ``outline-1``). The link is a plain HTML anchor, as the glossary's
are (tools/link_glossary.py), so that it works in the built book and reads as text elsewhere.
Idempotent: a mention already linked is left alone.

    python tools/link_outline.py            # rewrite the notebooks' markdown cells in place
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTLINE = ROOT / "book" / "outline.md"
LINK = '<a href="../book/outline.html#{anchor}" class="outline-ref">{text}</a>'
# "outline 2.5", "outline 4.1.2", "outline 1.x", "outline section 5.1"; not inside a link already
MENTION = re.compile(r'(?<![">])\b(outline(?:\'s)? (?:sections? )?)(\d(?:\.\d+)*(?:\.x)?)\b')


def anchors() -> set[str]:
    """The section anchors book/outline.md defines."""
    text = OUTLINE.read_text(encoding="utf-8")
    return set(re.findall(r'id="(outline-[\d-]+)"', text)) | set(
        re.findall(r"^\((outline-\d+)\)=", text, re.M)
    )


def anchor_for(section: str, known: set[str]) -> str:
    """'4.1.2' -> 'outline-4-1' (the nearest section the page has); '1.x' -> 'outline-1'."""
    parts = [p for p in section.split(".") if p != "x"]
    while parts:
        candidate = "outline-" + "-".join(parts)
        if candidate in known:
            return candidate
        parts = parts[:-1]
    raise ValueError(f"book/outline.md has no section {section}")


def link_text(text: str, known: set[str]) -> str:
    """Every unlinked mention in `text`, linked."""

    def repl(m: re.Match) -> str:
        anchor = anchor_for(m.group(2), known)
        return LINK.format(anchor=anchor, text=m.group(1) + m.group(2))

    out, pos = [], 0
    # leave existing links (<a ...>...</a>) untouched
    for a in re.finditer(r"<a [^>]*>.*?</a>", text, re.S):
        out.append(MENTION.sub(repl, text[pos : a.start()]))
        out.append(a.group(0))
        pos = a.end()
    out.append(MENTION.sub(repl, text[pos:]))
    return "".join(out)


def link_notebook(path: Path, known: set[str]) -> int:
    nb = json.loads(path.read_text(encoding="utf-8"))
    changed = 0
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        new = link_text(text, known)
        if new != text:
            changed += 1
            lines = new.split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + (
                [lines[-1]] if lines[-1] else []
            )
    if changed:
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    known = anchors()
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        n = link_notebook(path, known)
        if n:
            print(f"{path.name}: {n} cell(s) linked")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
