"""Check every internal link of the built book: the file exists, and so does the anchor (``id``) it names.

    .venv/bin/python tools/check_links.py [_build/html]      (what `make linkcheck` runs after `make book`)

External links (http, https, mailto) are not followed: the book builds and reads offline. Exit code 1 and
one line per broken link (page, link, what is missing) when any is broken.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlsplit


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.switches: set[str] = set()   # links to the same page in the other language's edition

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and "language-switch" in (a.get("class") or "").split() and a.get("href"):
            self.switches.add(a["href"])
        if tag == "a" and a.get("name"):
            self.ids.add(a["name"])
        for key in ("href", "src"):
            if tag in ("a", "link", "img", "script") and a.get(key):
                self.links.append(a[key])


def _parse(path: Path, cache: dict) -> _Page:
    if path not in cache:
        page = _Page()
        page.feed(path.read_text(encoding="utf-8", errors="replace"))
        cache[path] = page
    return cache[path]


def _edition_root(target: Path, site: Path) -> Path:
    """The index.html of the edition a language-switch link points into (``zh_CN/`` below the English one)."""
    try:
        first = target.resolve().relative_to(site.resolve()).parts[0]
    except (ValueError, IndexError):
        return site / "index.html"
    return site / first / "index.html" if first == "zh_CN" else site / "index.html"


def broken_links(site: Path) -> list[str]:
    cache: dict[Path, _Page] = {}
    problems = []
    for page_path in sorted(site.rglob("*.html")):
        if "_static" in page_path.parts or "_sources" in page_path.parts:
            continue
        page = _parse(page_path, cache)
        for link in page.links:
            if re.match(r"^[a-z][a-z0-9+.-]*:", link, re.I) or link.startswith("//"):
                continue  # external (http, https, mailto, data, javascript)
            url, anchor = urldefrag(link)
            url = urlsplit(url).path  # without ?v=... (cache busting)
            target = page_path if not url else (page_path.parent / unquote(url)).resolve()
            if target.is_dir():
                target = target / "index.html"
            where = page_path.relative_to(site).as_posix()
            if not target.exists():
                if link in page.switches and not _edition_root(target, site).exists():
                    continue  # the other language's edition is not built here (make book LANG=...)
                problems.append(f"{where}: {link}: no such file")
                continue
            if anchor and target.suffix == ".html" and unquote(anchor) not in _parse(target, cache).ids:
                problems.append(f"{where}: {link}: no id {anchor!r} in {target.relative_to(site.resolve()).as_posix()}")
    return problems


def main() -> int:
    site = Path(sys.argv[1] if len(sys.argv) > 1 else "_build/html").resolve()
    if not (site / "index.html").exists():
        print(f"{site}: no built book here; run `make book` first", file=sys.stderr)
        return 2
    problems = broken_links(site)
    pages = sum(1 for p in site.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)
    for p in problems:
        print(p)
    print(f"{pages} pages checked: {len(problems)} broken internal link(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
