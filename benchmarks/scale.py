"""Wall time and peak memory of ``profiling profiles`` on each engine, from 5 to 100 million lines.

The data (generated into a temporary folder, not timed, never in git), all from
:func:`profiling.datasets.make_transactions` (about 50 lines per customer):

* ``5M CSV``: the export of ``benchmarks/report.py`` (another shop's column names, day-first dates);
  ``500k``, ``1M`` and ``2M CSV`` the same export, smaller (with ``--pandas``: where is pandas faster?);
* ``10M``, ``20M``, ``50M`` and ``100M Parquet``: canonical columns, written 5M lines at a time (each block its
  own customers and invoices), so that generating 100M lines needs no more memory than 5M.

Each run is its own process, started the way an analyst runs the command
(``python -m profiling profiles --engine ... --data ... --out ...``). *Wall* is measured around
the process; *peak* is the largest resident memory of the process and its children (Spark's JVM),
sampled every 50 ms with psutil, or the process's own ``ru_maxrss`` if larger. The yardstick, in
the same run on the same file: DuckDB alone, reading the file, parsing its dates and aggregating
lines, orders, spend, first and last date per customer (``bare duckdb``), also in its own process.

Checks in the same run: the Spark engine's table on 10M lines against the DuckDB engine's (same
customers, identical counts and tags, amounts within 1e-9 relative or one unit of the 6th decimal);
``rfm_summary`` against lifetimes at 10M rows (``benchmarks/features.py``: speed-up and largest
difference).

``parts5m``: where the DuckDB engine's time goes on the 5M-line CSV, each part timed alone in one
process (start-up, the duplicate rule alone as ``SELECT DISTINCT *`` of the file, the one pass
that converts, checks and de-duplicates, the cleaning, the features, the customer level), beside
the bare scan: the floor under the engine's time while it does these steps.

Usage (from the repository root; the full run takes about an hour on 2 cores)::

    .venv/bin/python benchmarks/scale.py                  # everything
    .venv/bin/python benchmarks/scale.py --small          # the same steps on 1/100 of the lines
    .venv/bin/python benchmarks/scale.py --only csv5m,pq100m
    .venv/bin/python benchmarks/scale.py --data-dir ../scale-data   # keep the files; a second run reuses them
    .venv/bin/python benchmarks/scale.py --only csv500k,csv1m,csv2m,csv5m --pandas   # the rule of --engine auto
    .venv/bin/python benchmarks/scale.py --only parts5m     # the DuckDB engine's parts on the 5M-line CSV, one by one
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import report as _report  # benchmarks/report.py: the 5M-line CSV export

BLOCK = 5_000_000          # lines generated and written at a time
STEPS = ("csv500k", "csv1m", "csv2m", "csv5m", "pq20m", "pq50m", "pq100m", "spark10m", "rfm10m", "parts5m")
#: The CSV steps: lines of the export of benchmarks/report.py.
CSV_LINES = {"csv500k": 5e5, "csv1m": 1e6, "csv2m": 2e6, "csv5m": 5e6}


# --------------------------------------------------------------------------------------------
# data
# --------------------------------------------------------------------------------------------


def write_parquet(lines: float, path: Path, seed: int = 0) -> tuple[int, int]:
    """Canonical transactions of about ``lines`` lines, written block by block; (lines, customers)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from profiling import datasets

    total, customers, writer = 0, 0, None
    blocks = max(1, round(lines / BLOCK))
    per_block = lines / blocks
    try:
        for b in range(blocks):
            tx = datasets.make_transactions(max(1, int(per_block / _report.LINES_PER_CUSTOMER)), n_items=4000,
                                            start="2021-01-01", end="2022-12-31", random_state=seed + b,
                                            guest_share=0.02)
            tx["customer_id"] = (f"{b:03d}-" + tx["customer_id"]).astype("str")
            tx["invoice_id"] = (tx["invoice_id"] + f"-{b:03d}").astype("str")
            table = pa.Table.from_pandas(tx, preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1_000_000)
            total += len(tx)
            customers += int(tx["customer_id"].nunique())
            del tx, table
    finally:
        if writer is not None:
            writer.close()
    return total, customers


def make_data(step: str, folder: Path, scale: float) -> dict:
    """The file of ``step`` in ``folder``: generated, or found there from an earlier run with ``--data-dir``.

    A file is reused only with its sidecar ``<name>.json`` (lines, customers), written after the file is complete.
    """
    import json

    started = time.perf_counter()
    name = f"{step}{'_small' if scale != 1.0 else ''}"
    sidecar = folder / f"{name}.json"
    options = []
    if step in CSV_LINES:
        options = ["--columns", ",".join(f'{k}="{v}"' for k, v in _report.THEIR_NAMES.items()),
                   "--timestamp-format", _report.DAY_FIRST]
    if sidecar.is_file():
        known = json.loads(sidecar.read_text())
        path, lines, customers = folder / known["file"], known["lines"], known["customers"]
        reused = True
    else:
        reused = False
        if step in CSV_LINES:
            sub = folder / name
            sub.mkdir(exist_ok=True)
            path, lines, customers = _report.export(CSV_LINES[step] * scale, sub, "csv")
        else:
            size = {"pq20m": 20e6, "pq50m": 50e6, "pq100m": 100e6, "spark10m": 10e6}[step] * scale
            path = folder / f"{name}.parquet"
            lines, customers = write_parquet(size, path)
        sidecar.write_text(json.dumps({"file": str(path.relative_to(folder)), "lines": lines, "customers": customers}))
    info = {"path": path, "lines": lines, "customers": customers, "options": options,
            "kind": "csv" if step in CSV_LINES else "parquet", "reused": reused}
    info["seconds"] = time.perf_counter() - started
    info["mb"] = info["path"].stat().st_size / 1e6
    return info


# --------------------------------------------------------------------------------------------
# measuring a process
# --------------------------------------------------------------------------------------------


def load_text() -> str:
    """The machine's load average (1, 5, 15 minutes): other processes share the cores."""
    return "load " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def measure(command: list[str]) -> dict:
    """Run ``command``; its wall seconds and the peak resident MB of its process tree (sampled every 50 ms)."""
    import psutil

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        root = psutil.Process(proc.pid)
        peak = 0
        while proc.poll() is None:
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "peak_mb": peak / 2**20, "returncode": proc.returncode, "load": load_text(),
                "stdout": out.read(), "stderr": err.read()}


BARE = textwrap.dedent("""
    import sys, duckdb
    path, kind = sys.argv[1], sys.argv[2]
    con = duckdb.connect()
    con.execute("SET threads = 2")
    if kind == "csv":
        src = f"read_csv('{path}')"
        cust, inv, qty, price, ts = '"Client"', '"Order No"', '"Qty"', '"Unit Cost"', 'strptime("Paid At", \\'%d/%m/%Y %H:%M\\')'
    else:
        src = f"read_parquet('{path}')"
        cust, inv, qty, price, ts = "customer_id", "invoice_id", "quantity", "unit_price", "timestamp"
    n = con.execute(f'''
        SELECT count(*) FROM (
            SELECT {cust} AS c, count(*) AS lines, count(DISTINCT {inv}) AS orders, sum({qty} * {price}) AS spend,
                   min({ts}) AS first, max({ts}) AS last
            FROM {src} GROUP BY 1)''').fetchone()[0]
    print(n)
""")


def run_profiles(info: dict, engine: str, out: Path, extra: list[str] = ()) -> dict:
    command = [sys.executable, "-m", "profiling", "profiles", "--data", str(info["path"]), *info["options"],
               "--engine", engine, *extra, "--out", str(out), "--force"]
    result = measure(command)
    if result["returncode"] != 0:
        print(result["stderr"][-3000:], file=sys.stderr)
        raise SystemExit(f"profiling profiles --engine {engine} failed on {info['path'].name}")
    return result


def run_bare(info: dict) -> dict:
    result = measure([sys.executable, "-c", BARE, str(info["path"]), info["kind"]])
    if result["returncode"] != 0:
        print(result["stderr"][-3000:], file=sys.stderr)
        raise SystemExit("the bare DuckDB scan failed")
    return result


def compare_tables(a: pd.DataFrame, b: pd.DataFrame) -> str:
    """How two profile tables agree: customers, non-float columns, largest relative difference of the floats."""
    if list(a.index) != list(b.index):
        return f"DIFFERENT customers ({len(a):,} vs {len(b):,})"
    differ = [c for c in a.columns if not pd.api.types.is_float_dtype(a[c])
              and not all(x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(a[c].tolist(), b[c].tolist()))]
    floats = [c for c in a.columns if pd.api.types.is_float_dtype(a[c])]
    x, y = a[floats].to_numpy(dtype="float64"), b[floats].to_numpy(dtype="float64")
    same_nan = bool((np.isnan(x) == np.isnan(y)).all())
    ok = ~np.isnan(x) & ~np.isnan(y)
    gap = np.abs(x[ok] - y[ok])
    beyond = int(((gap > 1e-9 * np.abs(x[ok])) & (gap > 1.0000001e-6)).sum())
    rel = float(np.max(gap / np.maximum(np.abs(x[ok]), 1e-12))) if gap.size else 0.0
    return (f"{len(a):,} customers, {'all' if not differ else 'NOT all'} counts/tags/personas identical"
            + (f" (differ: {differ})" if differ else "")
            + f", missing values {'identical' if same_nan else 'DIFFER'}, floats: {beyond} beyond 1e-9 relative or "
              f"1e-6 (largest relative difference {rel:.1e})")


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="1/100 of the lines (a quick check of the steps)")
    parser.add_argument("--only", default="csv5m,parts5m,pq20m,pq100m,spark10m,rfm10m", help=f"steps, comma-separated, from {','.join(STEPS)}")
    parser.add_argument("--dir", default=None, help="where the temporary folder goes (default: the system's)")
    parser.add_argument("--data-dir", default=None, help="keep the generated files in this folder and reuse them in "
                        "later runs (default: generated in the temporary folder and removed)")
    parser.add_argument("--pandas", action="store_true", help="also run --engine pandas on the CSV files (the rule of "
                        "--engine auto: where pandas is faster)")
    args = parser.parse_args(argv)
    steps = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = sorted(set(steps) - set(STEPS))
    if unknown:
        parser.error(f"unknown step(s) {unknown}; choose from {STEPS}")
    scale = 0.01 if args.small else 1.0
    total_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    print(f"machine: {os.cpu_count()} CPUs, {total_gb:.0f} GB RAM, Python {platform.python_version()}; "
          f"each run its own process; peak = resident memory of the process tree", flush=True)
    rows = []
    holder = tempfile.TemporaryDirectory(prefix="profiling-scale-", dir=args.dir)
    folder = Path(holder.name)
    try:
        for step in steps:
            if step == "rfm10m":
                rows.extend(rfm_step(scale))
                continue
            if step == "parts5m":
                data_folder = Path(args.data_dir) if args.data_dir else folder
                data_folder.mkdir(parents=True, exist_ok=True)
                rows.extend(parts_step(make_data("csv5m", data_folder, scale)))
                continue
            data_folder = Path(args.data_dir) if args.data_dir else folder
            data_folder.mkdir(parents=True, exist_ok=True)
            info = make_data(step, data_folder, scale)
            name = "CSV" if step in CSV_LINES else "Parquet"
            label = f"{info['lines'] / 1e6:.1f}M-line {name}"
            made = "reused from --data-dir" if info["reused"] else f"generated in {info['seconds']:.0f} s, not timed"
            print(f"\n{label}: {info['lines']:,} lines, {info['customers']:,} customers, {info['mb']:,.0f} MB "
                  f"({made})", flush=True)
            bare = run_bare(info)
            rows.append({"data": label, "run": "bare duckdb (yardstick)", "seconds": bare["seconds"],
                         "peak MB": bare["peak_mb"], "x bare": 1.0, "load": bare["load"]})
            print(f"  bare duckdb scan and aggregate: {bare['seconds']:.1f} s, {bare['peak_mb']:,.0f} MB "
                  f"({bare['load']} after it)", flush=True)
            engines = ["duckdb", "spark"] if step == "spark10m" else ["duckdb"]
            if step in CSV_LINES and args.pandas:
                engines.append("pandas")
            tables = {}
            for engine in engines:
                out = folder / f"{step}_{engine}.parquet"
                extra = ["--master", "local[2]"] if engine == "spark" else []
                r = run_profiles(info, engine, out, extra)
                tables[engine] = out
                rows.append({"data": label, "run": f"profiling profiles --engine {engine}", "seconds": r["seconds"],
                             "peak MB": r["peak_mb"], "x bare": r["seconds"] / bare["seconds"],
                             "load": r["load"]})
                stages = [line for line in r["stderr"].splitlines() if line.startswith("[")]
                print(f"  --engine {engine}: {r['seconds']:.1f} s, {r['peak_mb']:,.0f} MB ({r['load']} after it)",
                      flush=True)
                for line in stages:
                    print(f"      {line}", flush=True)
            if step == "spark10m":
                verdict = compare_tables(pd.read_parquet(tables["duckdb"]), pd.read_parquet(tables["spark"]))
                print(f"  spark vs duckdb: {verdict}", flush=True)
            for p in list(folder.iterdir()):  # the outputs (and the data, unless kept in --data-dir)
                if p.is_file():
                    p.unlink()
                else:
                    shutil.rmtree(p)
    finally:
        holder.cleanup()
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False, formatters={"seconds": "{:.1f}".format, "peak MB": "{:,.0f}".format,
                                                   "x bare": "{:.1f}".format}))


PARTS = textwrap.dedent("""
    import json, sys, time
    import duckdb
    path, options = sys.argv[1], json.loads(sys.argv[2])
    out = {}
    started = time.perf_counter()
    from profiling.engines import _build
    from profiling.engines.duck import DuckSession
    out["start: Python, pandas, DuckDB, the package imported"] = time.perf_counter() - started
    con = duckdb.connect()
    con.execute("SET threads = 2")
    t = time.perf_counter()
    con.execute(f"SELECT count(*) FROM (SELECT DISTINCT * FROM read_csv('{path}'))").fetchall()
    out["the duplicate rule alone: SELECT DISTINCT * of the file, typed by DuckDB"] = time.perf_counter() - t
    con.close()
    with DuckSession(buckets=1) as s:
        t = time.perf_counter()
        s.load(path, **options)
        out["read, convert, check and de-duplicate every line (one pass), the summary"] = time.perf_counter() - t
        t = time.perf_counter()
        s.clean()
        out["the cleaning (the distinct lines filtered into a table)"] = time.perf_counter() - t
        t = time.perf_counter()
        feats = s.features(None)
        out["the 24 features (FEATURES_SQL over the clean lines)"] = time.perf_counter() - t
    t = time.perf_counter()
    _build(feats)
    out["the customer level (tags, RFM, personas chosen on 20,000 customers)"] = time.perf_counter() - t
    print("PARTS " + json.dumps(out))
""")


def parts_step(info: dict) -> list[dict]:
    """Where the time of the DuckDB engine goes on the CSV, part by part, in one process, beside the bare scan.

    The bare scan runs first in its own process (as in the table); the parts run in one child
    process, each timed alone: what each would cost even if nothing else were done.
    """
    import json

    bare = run_bare(info)
    options = {"columns": dict(_report.THEIR_NAMES), "timestamp_format": _report.DAY_FIRST}
    result = measure([sys.executable, "-c", PARTS, str(info["path"]), json.dumps(options)])
    if result["returncode"] != 0:
        print(result["stderr"][-3000:], file=sys.stderr)
        raise SystemExit("the parts of the DuckDB engine failed")
    found = [line for line in result["stdout"].splitlines() if line.startswith("PARTS ")]
    if not found:
        print(result["stdout"][-3000:], result["stderr"][-3000:], sep="\n", file=sys.stderr)
        raise SystemExit("the parts of the DuckDB engine printed no PARTS line (its output is above)")
    parts = json.loads(found[-1][6:])
    label = f"{info['lines'] / 1e6:.1f}M-line CSV, parts"
    print(f"\n{label}: bare duckdb scan and aggregate {bare['seconds']:.2f} s (own process); the DuckDB engine's "
          f"parts in one process ({result['load']} after them):", flush=True)
    rows = [{"data": label, "run": "bare duckdb (yardstick)", "seconds": bare["seconds"], "peak MB": bare["peak_mb"],
             "x bare": 1.0, "load": bare["load"]}]
    for name, seconds in parts.items():
        print(f"  {seconds:6.2f} s  {seconds / bare['seconds']:4.1f}x  {name}", flush=True)
        rows.append({"data": label, "run": name, "seconds": seconds, "peak MB": float("nan"),
                     "x bare": seconds / bare["seconds"], "load": result["load"]})
    return rows


#: Calls per engine in the rfm step; the best is reported.
REPEAT = 3


def rfm_step(scale: float) -> list[dict]:
    """rfm_summary against lifetimes at 10M rows, with benchmarks/features.py's own functions.

    Each is timed as the best of ``REPEAT`` calls in its own process, so that one slow call (the
    machine busy for a moment, a page fault storm after the Spark step) does not decide the ratio.
    """
    import features as bench  # benchmarks/features.py

    rows = []
    size = int(10e6 * scale)
    with tempfile.TemporaryDirectory(prefix="profiling-rfm-") as tmp:
        data = Path(tmp) / "tx.parquet"
        n_rows, _ = bench.in_child(bench.generate, max(1, size // bench.LINES_PER_CUSTOMER), 0, str(data))
        print(f"\nrfm_summary vs lifetimes on {n_rows:,} rows (best of {REPEAT} calls each)", flush=True)
        results, reports = {}, {}
        for engine in ("rfm_summary (duckdb)", "rfm lifetimes"):
            result = Path(tmp) / f"{bench.ENGINES.index(engine)}.parquet"
            reports[engine] = bench.in_child(bench.run_engine, engine, str(data), "2010-12-01", str(result), REPEAT)
            results[engine] = result
            print(f"  {engine}: {reports[engine]['seconds']:.2f} s, {reports[engine]['peak_mb']:,.0f} MB", flush=True)
        diffs = bench.compare(results, "rfm_summary (duckdb)")
        speed = reports["rfm lifetimes"]["seconds"] / reports["rfm_summary (duckdb)"]["seconds"]
        print(f"  speed-up {speed:.1f}x; largest difference from lifetimes {diffs['rfm lifetimes']:.1e}", flush=True)
        label = f"{n_rows / 1e6:.1f}M rows (frame)"
        for engine in ("rfm_summary (duckdb)", "rfm lifetimes"):
            rows.append({"data": label, "run": engine, "seconds": reports[engine]["seconds"],
                         "peak MB": reports[engine]["peak_mb"], "x bare": float("nan"), "load": load_text()})
    return rows


if __name__ == "__main__":
    main()
