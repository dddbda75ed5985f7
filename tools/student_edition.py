"""Write the student edition: the chapters without the exercises' solutions, and a zip of them.

    .venv/bin/python tools/student_edition.py [OUT]        (what `make student` runs; OUT: _build/student)

Every cell tagged ``solution`` (code and output) becomes an empty code cell that says which exercise
it belongs to; every other cell, its stored outputs included, is kept, so a learner reads the chapter
as the book shows it and works the exercises in the empty cells. The notebooks go to
``OUT/notebooks/`` and, with the ``data/`` folder and the package they need, into
``OUT/profiling-course-student.zip`` (unzipped, ``pip install -e .`` and JupyterLab run them). The
stored notebooks are only read. No later cell uses a name that only a solution defines (checked by
``tests/test_hygiene.py``), so the edition runs top to bottom from a fresh kernel.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: What the zip carries besides the notebooks: enough to install the package and run the chapters.
SHIPPED = ["pyproject.toml", "requirements.lock", "Makefile", "README.md", "LICENSE", "data", "profiling"]


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def student_notebook(nb: dict) -> tuple[dict, int]:
    """(the notebook without its solutions, the number of solutions removed)."""
    out = copy.deepcopy(nb)
    exercise = None
    removed = 0
    for i, cell in enumerate(out["cells"]):
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown" and "exercise" in tags:
            found = re.findall(r"\*\*Exercise (\d+)\b", _source(cell))
            exercise = int(found[-1]) if found else exercise
        if cell["cell_type"] == "code" and "solution" in tags:
            out["cells"][i] = {
                "cell_type": "code",
                "execution_count": None,
                "id": cell.get("id", f"solution{i}"),
                "metadata": {"tags": ["your-solution"]},
                "outputs": [],
                "source": f"# Exercise {exercise}: your solution here\n",
            }
            removed += 1
    return out, removed


def main(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    folder = out / "notebooks"
    folder.mkdir(parents=True)
    total = 0
    for path in NOTEBOOKS:
        nb, removed = student_notebook(json.loads(path.read_text(encoding="utf-8")))
        (folder / path.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        total += removed
    archive = out / "profiling-course-student.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.glob("*.ipynb")):
            zf.write(path, f"profiling-course/notebooks/{path.name}")
        for name in SHIPPED:
            item = ROOT / name
            files = [item] if item.is_file() else sorted(p for p in item.rglob("*") if p.is_file()
                                                          and "__pycache__" not in p.parts)
            for f in files:
                zf.write(f, f"profiling-course/{f.relative_to(ROOT).as_posix()}")
    print(f"{len(NOTEBOOKS)} notebooks, {total} solutions removed: {_shown(folder)}/ and {_shown(archive)} "
          f"({archive.stat().st_size / 1e6:.1f} MB)")


def _shown(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


if __name__ == "__main__":
    main((Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "student").resolve())
