"""Write the course's CJK font: a subset of Noto Sans CJK SC (SIL Open Font License 1.1).

Chinese in the book's pages and figures (the outline's terms, tag names, a Chinese shop's product
descriptions in a report) needs a font with CJK glyphs, which many machines lack: without one a
browser or matplotlib draws empty boxes. The full font is 16 MB; the subset keeps

- every character of GB 2312 (the 6,763 common simplified hanzi, punctuation, full-width forms),
- printable ASCII, the CJK punctuation block and the half/full-width forms,
- every CJK character that occurs in the project's text (book pages, notebooks, the package and
  its message catalogs), so the course itself never falls back to a box,

and is renamed "Profiling CJK Sans" (a Modified Version under the OFL may not carry the
original's reserved names). ``tests/test_fonts.py`` fails when a text of the project uses a
character the subset lacks: run this tool again then.

Usage (from the repository root)::

    python tools/make_cjk_font.py NotoSansCJKsc-Regular.otf

The source is Noto Sans CJK SC Regular, version 1.004 (SHA-256 in profiling/fonts/SOURCE.txt);
it is in the noto-cjk repository (github.com/notofonts/noto-cjk, Sans/OTF/SimplifiedChinese), in
Debian/Ubuntu's ``fonts-noto-cjk`` package, and in the ``mplfonts`` wheel on PyPI.
"""

from __future__ import annotations

import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FONT_DIR = ROOT / "profiling" / "fonts"
FAMILY = "Profiling CJK Sans"
OUT = FONT_DIR / "ProfilingCJKSans-Regular.otf"
CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef]")


def project_texts() -> list[Path]:
    """The files whose characters the font must cover."""
    files = [ROOT / "README.md", *sorted((ROOT / "book").glob("*.md"))]
    files += sorted((ROOT / "notebooks").glob("*.ipynb"))
    files += sorted((ROOT / "profiling").rglob("*.py"))
    files += sorted((ROOT / "profiling").rglob("*.po"))
    files += sorted((ROOT / "book").rglob("*.po"))
    files += sorted((ROOT / "tools").glob("*.py"))
    return [f for f in files if f.is_file()]


def project_characters() -> set[str]:
    found: set[str] = set()
    for path in project_texts():
        found |= set(CJK.findall(path.read_text(encoding="utf-8")))
    return found


def gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def wanted() -> set[str]:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    chars |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    return chars | gb2312() | project_characters()


def main(source: str) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    data = Path(source).read_bytes()
    font = TTFont(source)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    chars = wanted()
    missing = sorted(c for c in chars if ord(c) not in font.getBestCmap())
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 4, 16, 21):
            names.setName(FAMILY if record.nameID in (1, 16, 21) else f"{FAMILY} Regular",
                          record.nameID, record.platformID, record.platEncID, record.langID)
        elif record.nameID in (3, 6, 20):
            names.setName("ProfilingCJKSans-Regular", record.nameID, record.platformID,
                          record.platEncID, record.langID)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = ["ProfilingCJKSans-Regular"]
        top = cff.topDictIndex[0]
        top.FullName = f"{FAMILY} Regular"
        top.FamilyName = FAMILY
    FONT_DIR.mkdir(parents=True, exist_ok=True)
    font.save(OUT)
    copyright_ = TTFont(source)["name"].getDebugName(0)
    (FONT_DIR / "SOURCE.txt").write_text(
        f"{OUT.name}: a subset of Noto Sans CJK SC Regular, renamed \"{FAMILY}\".\n"
        f"Source file: NotoSansCJKsc-Regular.otf, SHA-256 {hashlib.sha256(data).hexdigest()}\n"
        f"Characters: {len(chars) - len(missing):,} (GB 2312, ASCII, CJK punctuation and "
        "full-width forms, and every CJK character of the project's texts).\n"
        f"Original copyright: {copyright_}\n"
        "License: SIL Open Font License 1.1 (OFL.txt in this folder). Made by "
        "tools/make_cjk_font.py.\n",
        encoding="utf-8",
    )
    print(f"written {OUT.relative_to(ROOT)} ({OUT.stat().st_size / 1e6:.1f} MB, "
          f"{len(chars) - len(missing):,} characters; {len(missing)} not in the source)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/make_cjk_font.py NotoSansCJKsc-Regular.otf")
    main(sys.argv[1])
