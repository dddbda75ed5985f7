"""Notebook hygiene and project wiring: what every stored chapter notebook must look like.

Each chapter in ``notebooks/`` is stored executed from a fresh kernel, without errors, warnings or
machine paths, with a ``parameters`` cell for papermill and the chapter shape of the course
(learning objectives, exercises with hidden solutions, summary). The table of contents lists
exactly the chapters that exist, and the README's and CI's test command is ``make test``.

Run alone with ``make lint``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
TOC = ROOT / "book" / "_toc.yml"
CONFIG = ROOT / "book" / "_config.yml"

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
MAX_BYTES = 3_000_000
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/root/|/home/|/opt/|site-packages)")
SOLUTION_TAG = "hide-cell"  # the book collapses code and output together


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if c.get("cell_type") == "code"]


def _tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _headings(nb: dict) -> list[tuple[int, int, str]]:
    """(cell index, level, text) for every markdown heading; a line-leading **bold** title counts
    as a heading of level 7 (below any real heading)."""
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell.get("cell_type") != "markdown":
            continue
        in_fence = False
        for line in _text(cell.get("source")).splitlines():
            if line.lstrip().startswith(("```", ":::")):
                in_fence = not in_fence
                continue
            if in_fence:
                continue
            m = re.match(r"^(#{1,6})\s+(.*\S)", line)
            if m:
                found.append((i, len(m.group(1)), m.group(2)))
                continue
            m = re.match(r"^\*\*([^*]+)\*\*", line.strip())
            if m:
                found.append((i, 7, m.group(1)))
    return found


def _heading_index(nb: dict, word: str) -> tuple[int, int] | None:
    """(cell index, level) of the first heading whose text contains ``word`` (case-insensitive)."""
    for i, level, text in _headings(nb):
        if word.lower() in text.lower():
            return i, level
    return None


ids = [p.name for p in NOTEBOOKS]
each_notebook = pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)


@each_notebook
def test_valid_notebook_json_and_schema(path: Path) -> None:
    nb = _load(path)  # raises on invalid JSON, naming the position
    nbformat.validate(nbformat.from_dict(nb))


@each_notebook
def test_size_under_3_mb(path: Path) -> None:
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size / 1e6:.1f} MB: keep it under 3 MB (smaller figures, fewer rows)"


@each_notebook
def test_kernelspec_is_python3(path: Path) -> None:
    name = _load(path).get("metadata", {}).get("kernelspec", {}).get("name")
    assert name == "python3", f"{path.name}: kernelspec name is {name!r}; use 'python3'"


@each_notebook
def test_first_cell_is_markdown_title(path: Path) -> None:
    first = _load(path)["cells"][0]
    assert first["cell_type"] == "markdown", f"{path.name}: the first cell must be the markdown title cell"
    assert _text(first["source"]).lstrip().startswith("# "), f"{path.name}: the first cell must start with '# N. Title'"


@each_notebook
def test_has_parameters_cell(path: Path) -> None:
    tagged = [c for c in _code_cells(_load(path)) if "parameters" in _tags(c)]
    assert len(tagged) == 1, f"{path.name}: need exactly one code cell tagged 'parameters' (found {len(tagged)})"


@each_notebook
def test_executed_in_order_from_one(path: Path) -> None:
    counts = [c.get("execution_count") for c in _code_cells(_load(path)) if _text(c["source"]).strip()]
    assert counts, f"{path.name}: no code cells"
    assert None not in counts, f"{path.name}: some code cells were never executed; run the notebook top to bottom"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts[:8]}... are not 1, 2, 3, ...; "
        "re-execute from a fresh kernel (make notebooks NB=notebooks/" + path.name + ")"
    )


@each_notebook
def test_no_error_outputs(path: Path) -> None:
    for i, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", f"{path.name}: code cell {i} stores an error ({out.get('ename')})"


@each_notebook
def test_no_warnings_on_stderr(path: Path) -> None:
    for i, cell in enumerate(_code_cells(_load(path))):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = _text(out.get("text"))
                assert "Warning" not in text, (
                    f"{path.name}: code cell {i} stores a warning on stderr: {text.strip()[:200]!r}; "
                    "fix its cause or filter it in the setup cell"
                )


@each_notebook
def test_no_machine_paths(path: Path) -> None:
    nb = _load(path)
    for i, cell in enumerate(nb["cells"]):
        m = MACHINE_PATH.search(_text(cell.get("source")))
        assert not m, f"{path.name}: cell {i} source contains a machine path ({m.group(0)})"
        for out in cell.get("outputs", []):
            m = MACHINE_PATH.search(json.dumps(out))
            assert not m, f"{path.name}: cell {i} output contains a machine path ({m.group(0)})"


@each_notebook
@pytest.mark.parametrize("word", ["Learning objectives", "Exercises", "Summary"])
def test_has_chapter_sections(path: Path, word: str) -> None:
    assert _heading_index(_load(path), word), f"{path.name}: no markdown heading containing {word!r}"


@each_notebook
def test_every_figure_has_a_caption_a_name_and_alt_text(path: Path) -> None:
    """Figures are captioned (book/_ext/figures.py numbers them) and described for readers who cannot see them."""
    for i, cell in enumerate(_load(path)["cells"]):
        if cell["cell_type"] != "code" or not any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        meta = cell["metadata"].get("mystnb", {})
        caption, alt = meta.get("figure", {}).get("caption", ""), meta.get("image", {}).get("alt", "")
        assert len(caption.split()) >= 4 and caption.endswith("."), f"{path.name}: cell {i}: caption {caption!r}"
        assert len(alt.split()) >= 6 and alt != caption, f"{path.name}: cell {i}: alt text {alt!r}"
        assert "name" not in meta["figure"], f"{path.name}: cell {i}: a figure name would repeat on every output"


@each_notebook
def test_glossary_links_point_at_terms_of_the_glossary(path: Path) -> None:
    """Terms are linked to the glossary at first use (tools/link_glossary.py), each at most once, to a term that exists."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("link_glossary", ROOT / "tools" / "link_glossary.py")
    glossary = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(glossary)
    known = {glossary.anchor(t) for t in glossary.terms()}
    text = "\n".join(_text(c.get("source")) for c in _load(path)["cells"] if c["cell_type"] == "markdown")
    targets = re.findall(r'href="\.\./book/glossary\.html#([^"]+)" class="glossary-term"', text)
    assert len(targets) >= 3, f"{path.name}: only {len(targets)} glossary terms linked; run tools/link_glossary.py"
    assert set(targets) <= known, f"{path.name}: links to terms the glossary lacks: {sorted(set(targets) - known)}"
    assert len(targets) == len(set(targets)), f"{path.name}: a term is linked more than once"


@each_notebook
def test_parameters_and_setup_are_tucked_away(path: Path) -> None:
    """The chapter opens with its content: the parameters cell and the setup cell after it are collapsed."""
    cells = _load(path)["cells"]
    at = [i for i, c in enumerate(cells) if "parameters" in _tags(c)]
    assert len(at) == 1, f"{path.name}: one cell tagged parameters"
    for i in (at[0], at[0] + 1):
        assert "hide-cell" in _tags(cells[i]), f"{path.name}: cell {i} (parameters or setup) is not collapsed"
        assert cells[i]["metadata"].get("mystnb", {}).get("code_prompt_show", "").startswith("Show the ")
    assert "chapter.setup(" in _text(cells[at[0] + 1].get("source"))


@each_notebook
def test_exercise_solutions_are_hidden(path: Path) -> None:
    nb = _load(path)
    start = _heading_index(nb, "Exercises")
    assert start, f"{path.name}: no 'Exercises' heading"
    start_cell, level = start
    # The section ends at the next heading of the same or a higher level (e.g. "## Summary").
    end_cell = len(nb["cells"])
    for i, lvl, _ in _headings(nb):
        if i > start_cell and lvl <= level:
            end_cell = i
            break
    solutions = [
        (i, c) for i, c in enumerate(nb["cells"][start_cell:end_cell], start=start_cell) if c["cell_type"] == "code"
    ]
    assert len(solutions) >= 2, f"{path.name}: the Exercises section needs 2-4 exercises, each with a solution cell"
    for i, cell in solutions:
        assert SOLUTION_TAG in _tags(cell), f"{path.name}: exercise solution cell {i} must be tagged {SOLUTION_TAG!r}"
    # One tagging scheme for the book, the student edition and the report: every cell of the section is
    # tagged `exercise` (markdown) or `solution` (code), and `profiling report` runs neither.
    for i, cell in enumerate(nb["cells"][start_cell:end_cell], start=start_cell):
        wanted = "exercise" if cell["cell_type"] == "markdown" else "solution"
        assert wanted in _tags(cell), f"{path.name}: cell {i} of the Exercises section must be tagged {wanted!r}"
    # Each markdown cell states exercise N (answers and their discussion belong to the hidden solution); each
    # solution is collapsed -- code and output -- in the book and in JupyterLab, under a label naming its exercise.
    numbers = []
    for i, cell in enumerate(nb["cells"][start_cell:end_cell], start=start_cell):
        if cell["cell_type"] == "markdown":
            found = re.findall(r"\*\*Exercise (\d+)\b", _text(cell.get("source")))
            assert found, f"{path.name}: cell {i} of the Exercises section states no '**Exercise N' (discussion goes in the solution)"
            numbers.append(int(found[-1]))
        else:
            prompts = cell["metadata"].get("mystnb", {})
            assert prompts.get("code_prompt_show") == f"Solution to exercise {numbers[-1]} (code and output)", (path.name, i)
            assert prompts.get("code_prompt_hide") == f"Hide the solution to exercise {numbers[-1]}", (path.name, i)
            assert cell["metadata"].get("jupyter") == {"source_hidden": True, "outputs_hidden": True}, (path.name, i)
    assert numbers == list(range(1, len(numbers) + 1)), f"{path.name}: exercises numbered {numbers}"
    outside = [i for i, c in enumerate(nb["cells"]) if not start_cell <= i < end_cell
               and {"exercise", "solution"} & set(_tags(c))]
    assert not outside, f"{path.name}: cells {outside} are tagged exercise/solution outside the Exercises section"


# ---------------------------------------------------------------------------------------------
# Table of contents, book configuration, README and CI


def _toc_files() -> list[str]:
    toc = yaml.safe_load(TOC.read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk({k: v for k, v in toc.items() if k != "root"})
    return files


def test_every_notebook_is_in_the_toc() -> None:
    listed = set(_toc_files())
    missing = [p.name for p in NOTEBOOKS if f"notebooks/{p.stem}" not in listed]
    assert not missing, f"notebooks not listed in book/_toc.yml: {missing}"


def test_every_toc_entry_exists() -> None:
    absent = [
        f for f in _toc_files() if not any((ROOT / f"{f}{ext}").is_file() for ext in (".ipynb", ".md"))
    ]
    assert not absent, f"book/_toc.yml lists files that do not exist (list only written chapters): {absent}"


def test_book_shows_the_stored_outputs_and_fails_on_warnings() -> None:
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    execute = config["execute"]
    # the book renders the stored outputs, which nbval checks against a fresh execution in
    # `make test` and `make test-kernels` (and test_executed_in_order_from_one / test_no_error_outputs
    # check that every notebook is stored executed, in order, without errors)
    assert execute["execute_notebooks"] == "off"
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    book_recipe = makefile[makefile.index("\nbook:"):makefile.index("\ntest:")]
    assert "--all" in book_recipe and "exit 1" in book_recipe, "a Sphinx warning must fail make book"
    assert config["only_build_toc_files"] is True
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.index("\nmake test\n") < ci.index("\nmake book\n"), "CI proves the stored outputs before building from them"


def _requirement_names(lines: list[str]) -> dict[str, str]:
    from packaging.requirements import Requirement

    reqs = [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]
    return {r.name.lower().replace("_", "-"): str(r.specifier) for r in reqs}


def test_lock_pins_every_dependency_within_pyproject_ranges() -> None:
    import tomllib

    from packaging.specifiers import SpecifierSet

    lock_lines = [line for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith((" ", "#", "-"))]
    locked = _requirement_names(lock_lines)
    assert all(spec.startswith("==") for spec in locked.values()), "every lock line is an exact pin"
    assert not [n for n in locked if n.startswith("nvidia-") or n == "triton"], "the lock holds CUDA packages"
    assert locked["torch"] == "==2.13.0", "torch is pinned to the plain version (the local +cpu wheel satisfies it)"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"]) + [r for extra in project["optional-dependencies"].values()
                                             for r in extra if not r.startswith("profiling")]
    for name, spec in _requirement_names(wanted).items():
        assert name in locked, f"{name} is in pyproject.toml but not in requirements.lock: run `make lock`"
        version = locked[name].removeprefix("==")
        assert SpecifierSet(spec).contains(version, prereleases=True), (
            f"requirements.lock pins {name}=={version}, outside pyproject.toml's {spec}: run `make lock`")


def test_environment_yml_installs_the_lock() -> None:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements.lock" in pip and "-e ." in pip
    assert "python=3.11" in env["dependencies"]


def test_math_is_served_locally() -> None:
    sphinx = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))["sphinx"]["config"]
    assert not sphinx["mathjax_path"].startswith(("http:", "https:", "//"))
    static = [ROOT / p for p in sphinx["html_static_path"]]
    assert any((s / sphinx["mathjax_path"]).is_file() for s in static), "vendored MathJax file missing"
    assert any((s / "mathjax/output/chtml/fonts/woff-v2").is_dir() for s in static), "MathJax fonts missing"


def test_ci_runs_make_test() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert "set -euo pipefail" in lines
    assert "make test" in lines, ".ci/run must run the README's test command, `make test`"
    # ... and proves that the stored outputs hold under other BLAS kernels, and that the book builds
    assert "make test-kernels" in lines and "make book" in lines


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make book" in readme and "make test" in readme


def test_package_page_matches_the_code() -> None:
    """book/package.md: every module it names exists and every function it lists is in one of the row's modules."""
    import importlib
    import importlib.util
    import re

    page = (ROOT / "book" / "package.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| ") and "`profiling." in line]
    assert len(rows) >= 15
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        modules = [importlib.import_module(m) for m in re.findall(r"`(profiling(?:\.\w+)*)`", cells[1])]
        assert modules, row
        for name in re.findall(r"`(\w+)`", cells[2]):
            if name.isupper() or name in {"PROFILING_DATA", "PROFILING_NOTEBOOKS", "PROFILING_CACHE"}:
                continue
            found = any(hasattr(m, name) or importlib.util.find_spec(f"{m.__name__}.{name}") is not None
                        for m in modules if hasattr(m, name) or hasattr(m, "__path__"))
            assert found, f"book/package.md: {name} is in none of {cells[1]}"
    # every module of the package appears on the page
    named = set(re.findall(r"`profiling\.(\w+)", page))
    modules = {p.stem if p.suffix == ".py" else p.name for p in (ROOT / "profiling").iterdir()
               if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert modules <= named, f"book/package.md does not mention {sorted(modules - named)}"


def test_docstring_examples_run_in_the_test_targets() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "DOCTEST := profiling --doctest-modules" in makefile
    for target in ("\ntest:", "\ntest-fast:"):
        recipe = makefile[makefile.index(target):].split("\n\n")[0]
        assert "$(DOCTEST)" in recipe, f"make {target.strip(':')} must run the docstring examples"


def test_package_names_in_the_book_exist() -> None:
    """Every `module.name` of the package quoted in the book's pages and the chapters' prose exists."""
    import importlib
    import re

    modules = {p.stem if p.suffix == ".py" else p.name for p in (ROOT / "profiling").iterdir()
               if not p.name.startswith("_") and (p.suffix == ".py" or (p / "__init__.py").exists())}
    pattern = re.compile(r"`(?:profiling\.)?(" + "|".join(sorted(modules)) + r")\.([A-Za-z_]\w*)")
    texts = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")}
    for nb in NOTEBOOKS:
        texts[nb.name] = "\n".join(_text(c["source"]) for c in _load(nb)["cells"] if c["cell_type"] == "markdown")
    missing = []
    for where, text in texts.items():
        for module, name in pattern.findall(text):
            if name in {"py", "md", "ipynb", "npy", "json", "csv", "parquet"}:
                continue
            mod = importlib.import_module(f"profiling.{module}")
            if not hasattr(mod, name):
                missing.append(f"{where}: {module}.{name}")
    assert not missing, f"names the package no longer has: {sorted(set(missing))}"


@each_notebook
def test_amounts_are_labelled_with_the_currency_parameter(path: Path) -> None:
    """No chapter writes the shipped shop's currency into its code: labels and sentences use `currency`."""
    nb = _load(path)
    code = [(i, _text(c["source"])) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]
    params = next((s for i, s in code if "parameters" in _tags(nb["cells"][i])), "")
    literal = [i for i, s in code if re.search(r"\bGBP\b", s) and "parameters" not in _tags(nb["cells"][i])]
    assert not literal, f"{path.name}: code cells {literal} write 'GBP'; use the `currency` parameter"
    if any("{currency}" in s for _, s in code):
        assert re.search(r"^currency = ", params, re.M), f"{path.name}: uses {{currency}} but declares no currency parameter"


@each_notebook
def test_report_mode_leaves_out_what_is_not_about_the_users_data(path: Path) -> None:
    """What a report keeps (cells not tagged book-only/exercise/solution) states no fact of the shipped data."""
    from profiling.cli.chapters import LEFT_OUT_TAGS

    nb = _load(path)
    kept = [(i, _text(c["source"])) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "markdown" and not set(LEFT_OUT_TAGS) & set(_tags(c))]
    if not nb["metadata"].get("profiling", {}).get("report", False):
        return                                   # not a report chapter (chapter 1 shows the shipped catalogue)
    shipped = re.compile(r"Online Retail|giftware|\bGBP\b|£|December 2009|autumn 2010|\b2009-12\b")
    # a reference list may cite the data set: "- Chen, D. (2019). *Online Retail II* [Dataset]. ..."
    found = [(i, m.group(0)) for i, t in kept for line in t.splitlines()
             if "[Dataset]" not in line and (m := shipped.search(line))]
    assert not found, f"{path.name}: markdown kept in reports names the shipped data: {found}"


def test_the_wheel_includes_every_subpackage() -> None:
    import fnmatch
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    patterns = config["packages"]["find"]["include"]
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "profiling").rglob("__init__.py")}
    missed = [p for p in packages if not any(fnmatch.fnmatch(p, pat) for pat in patterns)]
    assert not missed, f"pyproject.toml leaves {missed} out of a built wheel"


def _plain_name(name: str) -> str:
    """'K{\\"u}nzel' or 'Künzel' -> 'kunzel': BibTeX accents and Unicode compared alike."""
    import codecs
    import unicodedata

    import latexcodec  # noqa: F401  (registers the "latex" codec; it comes with pybtex)

    if "\\" in name:
        name = codecs.decode(name.encode("ascii"), "latex")
    name = re.sub(r"[{}]", "", name)
    name = unicodedata.normalize("NFKD", name)
    return "".join(ch for ch in name if not unicodedata.combining(ch)).lower()


def test_chapter_references_are_in_the_bibliography() -> None:
    """Each chapter's reference list names works of book/references.bib (by first author and
    year), and every DOI or arXiv link in the book's prose is an entry's DOI or link there."""
    from pybtex.database import parse_file

    bib_path = ROOT / "book" / "references.bib"
    db = parse_file(str(bib_path))
    works = {(_plain_name(" ".join(e.persons["author"][0].last_names)), e.fields["year"])
             for e in db.entries.values() if e.persons.get("author")}
    bib_text = bib_path.read_text(encoding="utf-8").lower()
    missing = []
    for path in NOTEBOOKS:
        nb = _load(path)
        for cell in nb["cells"]:
            text = _text(cell["source"])
            if cell["cell_type"] != "markdown":
                continue
            for m in re.finditer(r"(?:doi\.org/|arxiv\.org/abs/)([^\s)\]>\"']+)", text):
                if m.group(1).lower().rstrip(".") not in bib_text:
                    missing.append(f"{path.name}: {m.group(0)}")
            if "**References**" not in text:
                continue
            for item in re.findall(r"^- (.+)$", text.split("**References**", 1)[1], re.M):
                item = re.sub(r"<[^>]+>", "", item)
                if m := re.match(r"([^,(]+), [A-Z][^()]*\((\d{4})\)", item):
                    if (_plain_name(m.group(1).strip()), m.group(2)) not in works:
                        missing.append(f"{path.name}: {item[:60]}")
    assert not missing, f"not in book/references.bib: {missing}"


def test_every_citation_key_is_in_the_bibliography() -> None:
    """Each {cite:p}`key` of a chapter names an entry of book/references.bib (the book build
    would warn; report pages would show the bare key)."""
    bib = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    keys = set(re.findall(r"^@\w+\{([^,]+),", bib, re.M))
    unknown = [f"{path.name}: {key.strip()}" for path in NOTEBOOKS
               for cell in _load(path)["cells"] if cell["cell_type"] == "markdown"
               for group in re.findall(r"\{cite(?::\w+)?\}`([^`]+)`", _text(cell["source"]))
               for key in group.split(",") if key.strip() not in keys]
    assert not unknown, f"citation keys missing from book/references.bib: {unknown}"


@each_notebook
def test_code_fits_the_books_column(path: Path) -> None:
    """No code line is wider than the book's code column (88): `make format` wraps them."""
    nb = _load(path)
    wide = [(i, len(line)) for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"
            for line in _text(c["source"]).splitlines() if len(line) > 88]
    assert not wide, f"{path.name}: (cell, columns) over 88: {wide[:10]}; run `make format NB={path}`"


@each_notebook
def test_outline_mentions_link_to_the_outline_page(path: Path) -> None:
    """Every "outline 2.5" in a chapter's prose links to its row of book/outline.md."""
    import sys

    sys.path.insert(0, str(ROOT / "tools"))
    import link_outline

    known = link_outline.anchors()
    nb = _load(path)
    unlinked = [i for i, c in enumerate(nb["cells"]) if c["cell_type"] == "markdown"
                and link_outline.link_text(_text(c["source"]), known) != _text(c["source"])]
    assert not unlinked, f"{path.name}: cells {unlinked} mention the outline without a link; run tools/link_outline.py"
