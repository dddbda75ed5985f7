"""A link on every page to the same page in the book's other language (English <-> 简体中文).

The English edition is built into ``_build/html/`` and the Chinese one into ``_build/html/zh_CN/``
(``make book``; ``tools/book_i18n.py``), from the same sources, so every page has a twin at a path
computed from its name: ``notebooks/03_clean_and_fuse.html`` <-> ``zh_CN/notebooks/03_clean_and_fuse.html``.
The link is put at the top of the page's body (no script) and as ``<link rel="alternate" hreflang>``.
"""

from __future__ import annotations

import html

#: language -> (folder of its edition below the English one, the link's text in that language's own words)
EDITIONS = {"en": ("", "English"), "zh_CN": ("zh_CN/", "中文版")}


def add_switch(app, pagename: str, templatename: str, context: dict, doctree) -> None:
    if doctree is None or "body" not in context:
        return
    here = app.config.language or "en"
    if here not in EDITIONS:
        return
    to_own_root = "../" * pagename.count("/")
    to_english_root = to_own_root + "../" * EDITIONS[here][0].count("/")
    links, alternates = [], []
    for lang, (folder, label) in EDITIONS.items():
        if lang == here:
            continue
        href = html.escape(f"{to_english_root}{folder}{pagename}.html")
        hreflang = lang.replace("_", "-")
        links.append(f'<a class="language-switch" href="{href}" hreflang="{hreflang}" lang="{hreflang}">{label}</a>')
        alternates.append(f'<link rel="alternate" hreflang="{hreflang}" href="{href}" />')
    context["body"] = '<p class="language-switch">' + " · ".join(links) + "</p>\n" + context["body"]
    context["metatags"] = context.get("metatags", "") + "\n".join(alternates)


def setup(app):
    app.connect("html-page-context", add_switch)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
