"""Time and peak memory of ``profiling profiles`` on a large synthetic file (5M rows by default).

The file: :func:`profiling.datasets.make_transactions` (about 50 lines per customer), exported the way
another shop would (other column names, day-first dates, customer ids as text) to CSV (default) or
Parquet in a temporary folder; generating and writing it is not timed.

The measurement: the command runs as its own process, exactly as an analyst runs it::

    python -m profiling profiles --data FILE --columns ... --timestamp-format ... --out profiles.parquet

*Wall time* is measured around that process; *peak memory* is its peak resident set size
(``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` after it exits; the parent, which generated
the data, is not counted). The command's own progress lines (time stamps per stage) are printed
too, so the cost of reading/validating, cleaning and building the profiles can be told apart.

Usage (from the repository root)::

    .venv/bin/python benchmarks/report.py                  # 5M rows, CSV
    .venv/bin/python benchmarks/report.py --rows 1e6 --format parquet
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from profiling import datasets

LINES_PER_CUSTOMER = 50  # make_transactions' default: 5 orders x 10 lines
THEIR_NAMES = {"invoice_id": "Order No", "customer_id": "Client", "item_id": "SKU", "description": "Product Name",
               "quantity": "Qty", "unit_price": "Unit Cost", "timestamp": "Paid At", "country": "Market"}
DAY_FIRST = "%d/%m/%Y %H:%M"


def export(rows: float, folder: Path, fmt: str, random_state: int = 0) -> tuple[Path, int, int]:
    """Write the synthetic export; return (path, lines, customers)."""
    n_customers = max(1, int(rows / LINES_PER_CUSTOMER))
    tx = datasets.make_transactions(n_customers, n_items=4000, start="2021-01-01", end="2022-12-31",
                                    random_state=random_state, guest_share=0.02)
    frame = pd.DataFrame({
        "Order No": tx["invoice_id"],
        "Client": "C" + tx["customer_id"],
        "SKU": tx["item_id"],
        "Product Name": tx["description"],
        "Qty": tx["quantity"],
        "Unit Cost": tx["unit_price"],
        "Paid At": tx["timestamp"].dt.strftime(DAY_FIRST),
        "Market": tx["country"],
    })
    path = folder / f"orders.{fmt}"
    if fmt == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path)
    return path, len(frame), int(tx["customer_id"].nunique())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=float, default=5e6, help="about this many lines (default 5e6)")
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="profiling-bench-"))
    started = time.perf_counter()
    path, lines, customers = export(args.rows, folder, args.format)
    print(f"data: {lines:,} lines, {customers:,} customers, {path.stat().st_size / 1e6:,.0f} MB {args.format.upper()} "
          f"(generated and written in {time.perf_counter() - started:.0f} s, not timed)", flush=True)

    out = folder / "profiles.parquet"
    mapping = ",".join(f'{k}="{v}"' for k, v in THEIR_NAMES.items())
    command = [sys.executable, "-m", "profiling", "profiles", "--data", str(path), "--columns", mapping,
               "--timestamp-format", DAY_FIRST, "--out", str(out)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # Linux: KiB
    print(result.stderr.rstrip())
    if result.returncode != 0:
        sys.exit(f"the command failed with exit code {result.returncode}")
    profiles = pd.read_parquet(out, columns=["persona"])
    total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
    print()
    print(f"profiling profiles on {lines:,} lines ({args.format}): {seconds:.1f} s wall, peak memory {peak_mb:,.0f} MB "
          f"(machine: {total_mb / 1024:.0f} GB RAM, {os.cpu_count()} CPUs, Python {platform.python_version()})")
    print(f"result: {len(profiles):,} profiles, {profiles['persona'].nunique()} personas")
    if args.keep:
        print(f"files kept in {folder}")
    else:
        for p in folder.iterdir():
            p.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
