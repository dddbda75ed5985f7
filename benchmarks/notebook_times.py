"""Seconds per chapter: execute each chapter notebook from a fresh kernel and print a table.

Each notebook is read from ``notebooks/``, executed in memory by nbclient with a new ``python3``
kernel and ``notebooks/`` as the working directory (as JupyterLab, nbval and papermill run it), and
never written back. The time includes starting the kernel, as a reader's "Run all" does.

Usage (from the repository root; ``make bench`` runs the first form)::

    .venv/bin/python benchmarks/notebook_times.py
    .venv/bin/python benchmarks/notebook_times.py --chapters 01 03
    .venv/bin/python benchmarks/notebook_times.py --repeat 3 --output benchmarks/results/times.csv

With ``--repeat N`` each chapter runs N times and the table shows the fastest and the median run.
"""

from __future__ import annotations

import argparse
import csv
import platform
import statistics
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def chapter_paths(chapters: list[str] | None) -> list[Path]:
    """Chapter notebooks ``NN_*.ipynb`` in reading order, optionally only those whose name starts
    with one of ``chapters`` (``"01"``, ``"03_clean_and_fuse"``, ``"03_clean_and_fuse.ipynb"``)."""
    paths = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        return paths
    wanted = [c.removesuffix(".ipynb") for c in chapters]
    chosen = [p for p in paths if any(p.stem.startswith(w) for w in wanted)]
    unknown = [w for w in wanted if not any(p.stem.startswith(w) for p in paths)]
    if unknown:
        names = ", ".join(p.name for p in paths) or "none"
        raise SystemExit(f"no chapter notebook matches {unknown} in {NOTEBOOKS.relative_to(ROOT)}/ (found: {names})")
    return chosen


def run_once(path: Path, timeout: int) -> float:
    """Execute ``path`` from a fresh kernel (in memory, never saved); return wall-clock seconds."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chapters", nargs="*", metavar="NN", help="chapter prefixes, e.g. 01 03 (default: all)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per chapter (default 1)")
    parser.add_argument("--timeout", type=int, default=180, help="seconds allowed per cell (default 180)")
    parser.add_argument("--output", type=Path, help="also write the table as CSV to this file")
    args = parser.parse_args(argv)

    paths = chapter_paths(args.chapters)
    if not paths:
        print(f"no chapter notebooks in {NOTEBOOKS.relative_to(ROOT)}/")
        return 0
    print(f"python {platform.python_version()}, {platform.machine()}, fresh kernel per run, cwd notebooks/")

    rows = []
    width = max(len(p.name) for p in paths)
    header = f"{'chapter':<{width}}  {'best s':>8}  {'median s':>8}  runs"
    print(header)
    print("-" * len(header))
    for path in paths:
        times = [run_once(path, args.timeout) for _ in range(args.repeat)]
        best, median = min(times), statistics.median(times)
        rows.append({"chapter": path.name, "best_s": round(best, 2), "median_s": round(median, 2), "runs": len(times)})
        print(f"{path.name:<{width}}  {best:8.1f}  {median:8.1f}  {len(times):4d}", flush=True)
    print("-" * len(header))
    total_best = sum(r["best_s"] for r in rows)
    total_median = sum(r["median_s"] for r in rows)
    print(f"{'total':<{width}}  {total_best:8.1f}  {total_median:8.1f}")

    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with args.output.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=["chapter", "best_s", "median_s", "runs"])
            writer.writeheader()
            writer.writerows(rows)
        print(f"written: {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
