"""The package's message catalog: every ``tr("...")`` (and ``N_("...")``, a message marked where it is
defined and translated where it is shown) of profiling/ and of the chapters' code.

    python tools/package_messages.py extract    # refresh profiling/locales/<lang>/LC_MESSAGES/**.po
    python tools/package_messages.py extract chapters/03_clean_and_fuse   # only that chapter's catalog
    python tools/package_messages.py check      # untranslated messages, placeholders that differ

A message is the English literal inside ``tr(...)`` (:func:`profiling.i18n.tr`), found with Python's
``ast`` in the package's modules and in the notebooks' code cells. Messages of the package's modules
go to ``profiling.po``; messages only a chapter uses go to ``chapters/<notebook>.po`` beside it.
``extract`` adds new messages
(untranslated), keeps every existing translation and drops messages no code uses any more;
``check`` lists what ``tests/test_i18n.py`` would refuse.
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from profiling.i18n import LANGUAGES, LOCALE_DIR, placeholders  # noqa: E402


def _calls(code: str) -> list[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            arg = node.args[0]
            if name in ("tr", "N_") and isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append(arg.value)
    return found


def messages() -> dict[str, list[str]]:
    """Message -> where it is used (file, or notebook:cell), in a stable order."""
    out: dict[str, list[str]] = {}
    for path in sorted((ROOT / "profiling").rglob("*.py")):
        for msg in _calls(path.read_text(encoding="utf-8")):
            out.setdefault(msg, []).append(path.relative_to(ROOT).as_posix())
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        for i, cell in enumerate(nb["cells"]):
            if cell["cell_type"] == "code":
                lines = [line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!"))]
                for msg in _calls("\n".join(lines)):
                    out.setdefault(msg, []).append(f"{path.relative_to(ROOT).as_posix()}:{i}")
    return out


def catalog_file(lang: str, domain: str = "profiling") -> Path:
    """``profiling.po`` for the package's modules, ``chapters/<notebook>.po`` for a chapter's own messages."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"


def domains() -> dict[str, dict[str, list[str]]]:
    """Catalog -> its messages: a message of a package module goes to ``profiling``, one that several chapters
    use to ``chapters/shared``, one used in a single chapter to ``chapters/<notebook>`` (so that a chapter's
    messages can be translated beside it)."""
    out: dict[str, dict[str, list[str]]] = {"profiling": {}}
    for msg, where in messages().items():
        notebooks = {Path(w.split(":")[0]).stem for w in where if w.startswith("notebooks/")}
        if any(not w.startswith("notebooks/") for w in where):
            domain = "profiling"
        elif len(notebooks) > 1:
            domain = "chapters/shared"   # a label several chapters use ("lines", "customers")
        else:
            domain = "chapters/" + notebooks.pop()
        out.setdefault(domain, {})[msg] = where
    return out


def _read(path: Path, lang: str) -> dict[str, str]:
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle, locale=lang) if m.id}


def extract(only: str | None = None) -> None:
    """Rewrite the catalogs (``only``: just that one, e.g. ``chapters/03_clean_and_fuse``)."""
    by_domain = domains()
    if only is not None and only not in by_domain:
        sys.exit(f"no messages for {only!r}; catalogs with messages: {', '.join(by_domain)}")
    for lang in LANGUAGES:
        if lang == "en":
            continue
        folder = LOCALE_DIR / lang / "LC_MESSAGES"
        old: dict[str, str] = {}
        for path in sorted(folder.rglob("*.po")):  # a message may move between catalogs: keep its translation
            old.update({k: v for k, v in _read(path, lang).items() if v})
        for path in sorted(folder.rglob("*.po")):
            if only is None and path.relative_to(folder).with_suffix("").as_posix() not in by_domain:
                path.unlink()
        for domain, found in by_domain.items():
            if only is not None and domain != only:
                continue
            path = catalog_file(lang, domain)
            catalog = Catalog(locale=lang, project="profiling", version="", copyright_holder="The profiling course authors",
                              msgid_bugs_address="", last_translator="The profiling course authors", fuzzy=False)
            for msg, where in found.items():
                catalog.add(msg, old.get(msg, ""), locations=[(w, None) for w in dict.fromkeys(where)])
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".po.tmp")
            with tmp.open("wb") as handle:
                write_po(handle, catalog, width=0, sort_output=False, include_previous=False, omit_header=False)
            os.replace(tmp, path)
            missing = sum(1 for m in found if not old.get(m))
            print(f"{path.relative_to(ROOT)}: {len(found)} messages, {missing} untranslated")


def problems() -> list[str]:
    out = []
    by_domain = domains()
    for lang in LANGUAGES:
        if lang == "en":
            continue
        for domain, found in by_domain.items():
            cat = _read(catalog_file(lang, domain), lang)
            name = catalog_file(lang, domain).relative_to(ROOT)
            for msg, where in found.items():
                if not cat.get(msg):
                    out.append(f"{name}: no translation of {msg!r} (used in {where[0]}); run "
                               "tools/package_messages.py extract and translate it")
                elif placeholders(cat[msg]) != placeholders(msg):
                    out.append(f"{name}: the translation of {msg!r} has placeholders {sorted(placeholders(cat[msg]))}, "
                               f"the message {sorted(placeholders(msg))}")
            out += [f"{name}: {msg!r} is in the catalog but no code uses it (run extract)" for msg in cat if msg not in found]
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["extract"] and len(sys.argv) <= 3:
        extract(sys.argv[2] if len(sys.argv) == 3 else None)
    elif sys.argv[1:] == ["check"]:
        found = problems()
        print("\n".join(found) or "no problems")
        sys.exit(1 if found else 0)
    else:
        sys.exit(__doc__)
