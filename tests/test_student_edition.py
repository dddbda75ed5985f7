"""The student edition (tools/student_edition.py, `make student`): no solution left, everything else kept, and
nothing after a removed solution needs it (so the edition runs top to bottom from a fresh kernel)."""

from __future__ import annotations

import ast
import importlib.util
import json
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
_spec = importlib.util.spec_from_file_location("student_edition", ROOT / "tools" / "student_edition.py")
student_edition = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_edition)


def _src(cell: dict) -> str:
    return student_edition._source(cell)


def _defined(source: str) -> set[str]:
    """Names a cell binds at top level (assignments, imports, functions, classes, for-loop targets)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:  # IPython magics: no cell of the course has them outside comments
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _used(source: str) -> set[str]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_the_student_notebook_has_no_solution_and_keeps_the_rest(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    student, removed = student_edition.student_notebook(nb)
    solutions = [i for i, c in enumerate(nb["cells"]) if "solution" in c["metadata"].get("tags", [])]
    assert removed == len(solutions) >= 2
    assert len(student["cells"]) == len(nb["cells"])
    for i, (theirs, ours) in enumerate(zip(student["cells"], nb["cells"])):
        if i in solutions:
            assert theirs["outputs"] == [] and theirs["metadata"]["tags"] == ["your-solution"]
            assert _src(theirs).startswith("# Exercise ") and _src(theirs).endswith(": your solution here\n")
        else:
            assert theirs == ours, f"cell {i} changed"
    assert json.loads(path.read_text(encoding="utf-8")) == nb  # the stored notebook is only read


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name[:2])
def test_no_cell_needs_a_name_only_a_solution_defines(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    kept_names: set[str] = set()
    solution_only: set[str] = set()
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        if "solution" in cell["metadata"].get("tags", []):
            solution_only |= _defined(_src(cell)) - kept_names
            continue
        needed = (_used(_src(cell)) & solution_only) - kept_names
        assert not needed, f"{path.name}: cell {i} uses {sorted(needed)}, defined only in a solution"
        kept_names |= _defined(_src(cell))


def test_make_student_writes_the_notebooks_and_a_zip(tmp_path: Path) -> None:
    student_edition.main(tmp_path / "student")
    written = sorted(p.name for p in (tmp_path / "student" / "notebooks").glob("*.ipynb"))
    assert written == [p.name for p in NOTEBOOKS]
    with zipfile.ZipFile(tmp_path / "student" / "profiling-course-student.zip") as zf:
        names = set(zf.namelist())
    assert {f"profiling-course/notebooks/{n}" for n in written} <= names
    assert {"profiling-course/pyproject.toml", "profiling-course/data/online_retail_ii_2009_2010.parquet",
            "profiling-course/profiling/__init__.py"} <= names
    assert not any("__pycache__" in n for n in names)
