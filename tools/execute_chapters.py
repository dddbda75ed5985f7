"""Execute every chapter of the book in parallel, from fresh kernels, into the book's execution cache.

``make book`` runs this first, then ``jupyter-book build`` with ``execute_notebooks: cache``
(book/_config.yml), which takes each chapter's outputs from the cache instead of executing the
chapters one after the other. The result is the same book (every chapter is executed from a fresh
``python3`` kernel in ``notebooks/``, as JupyterLab, nbval and papermill run it), in less time on a
machine with more than one core. The cache is emptied first, so a book always shows the outputs of
this run, and the stored notebooks are never written.

Chapters start longest first (their durations are read from the execution timestamps stored in the
notebooks), so that the longest chapter does not start last.

Usage (from the repository root)::

    .venv/bin/python tools/execute_chapters.py                      # all chapters in book/_toc.yml
    .venv/bin/python tools/execute_chapters.py --jobs 1             # one at a time
    .venv/bin/python tools/execute_chapters.py --cache _build/.jupyter_cache --timeout 180

Exit status 1 (with the chapter, the cell and the error) if a chapter raises.
"""

from __future__ import annotations

import argparse
import copy
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def toc_notebooks(toc: Path = ROOT / "book" / "_toc.yml") -> list[Path]:
    """The chapter notebooks listed in the table of contents, in reading order."""
    import yaml

    found: list[Path] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "file" and isinstance(value, str):
                    path = ROOT / value
                    path = path if path.suffix else path.with_suffix(".ipynb")
                    if path.suffix == ".ipynb" and path.exists():
                        found.append(path)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(toc.read_text(encoding="utf-8")))
    return found


def stored_seconds(path: Path) -> float:
    """Seconds the stored notebook took, from its cells' execution timestamps (0 if it has none)."""
    nb = nbformat.read(path, as_version=4)
    total = 0.0
    for cell in nb.cells:
        timing = cell.get("metadata", {}).get("execution", {})
        start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
        if start and end:
            total += (datetime.fromisoformat(end.replace("Z", "+00:00"))
                      - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds()
    return total


def execute(path: str, timeout: int) -> tuple[str, float, nbformat.NotebookNode | None, str]:
    """Run one notebook from a fresh kernel in notebooks/; (path, seconds, executed notebook, error)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    # jupyter-cache identifies a notebook by its code cells' source and metadata: keep the stored
    # metadata (nbclient rewrites the execution timestamps in it) so that the book finds the outputs
    stored_metadata = [copy.deepcopy(cell.metadata) for cell in nb.cells]
    started = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    except CellExecutionError as error:
        return path, time.perf_counter() - started, None, str(error).strip().splitlines()[-1]
    for cell, metadata in zip(nb.cells, stored_metadata):
        cell.metadata = metadata
    return path, time.perf_counter() - started, nb, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", default=str(ROOT / "_build" / ".jupyter_cache"),
                        help="jupyter-cache folder that book/_config.yml reads (default: _build/.jupyter_cache)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="chapters executed at once (default: cores)")
    parser.add_argument("--timeout", type=int, default=180, help="seconds per cell (default 180)")
    args = parser.parse_args(argv)

    from jupyter_cache import get_cache

    paths = sorted(toc_notebooks(), key=stored_seconds, reverse=True)
    cache = get_cache(args.cache)
    cache.clear_cache()
    cache = get_cache(args.cache)
    started = time.perf_counter()
    failed: list[str] = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(execute, str(p), args.timeout) for p in paths]
        for future in as_completed(futures):
            path, seconds, nb, error = future.result()
            name = Path(path).relative_to(ROOT)
            if nb is None:
                failed.append(f"{name}: {error}")
                print(f"FAILED  {name} after {seconds:.1f} s: {error}", flush=True)
                continue
            from jupyter_cache.base import CacheBundleIn

            cache.cache_notebook_bundle(CacheBundleIn(nb, uri=path), check_validity=False, overwrite=True)
            print(f"executed {name} in {seconds:.1f} s", flush=True)
    print(f"{len(paths) - len(failed)} of {len(paths)} chapters executed in {time.perf_counter() - started:.1f} s "
          f"with {args.jobs} job(s)", flush=True)
    if failed:
        print("Chapters that raised:\n  " + "\n  ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
