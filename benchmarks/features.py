"""Speed and peak memory of the RFM summary and the feature table on large synthetic data.

Engines timed, each from the canonical transaction table to its result:

* ``rfm_summary (duckdb)``      — :func:`profiling.features.rfm_summary`;
* ``rfm pandas groupby``        — :func:`pandas_rfm` below, the straightforward pandas version;
* ``rfm lifetimes``             — ``lifetimes.utils.summary_data_from_transaction_data`` with
  ``freq="D"`` and ``observation_period_end = cutoff - 1 day`` on the purchase lines (known
  customer, positive quantity, before the cutoff) with a ``value`` column (quantity × unit price);
  selecting those lines is part of its timed work, as filtering is part of the others';
* ``customer_features (duckdb)`` — :func:`profiling.features.customer_features` (all 24 features).

Data: :func:`profiling.datasets.make_transactions` (about 50 lines per customer), generated once per
size in the parent process and written to a temporary Parquet file; generation is not timed.

Measurement: every engine runs in its **own fresh process** (``multiprocessing`` with the ``spawn``
start method), which reads the Parquet file (not timed), then times the call with
``time.perf_counter`` (``--repeat N``: the fastest of N calls in that process). *Peak MB* is that child's peak resident set size,
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, read right after the call, with nothing subtracted:
it includes the interpreter, the imported libraries and the loaded transactions (shown separately
as *data MB*, the peak just before the call), i.e. what a machine needs to run that step. The data
are generated in a child process too, so that the parent stays small (see :func:`generate`).

Agreement: the three RFM summaries must have the same customers, and the largest absolute
difference over ``frequency``, ``recency``, ``T`` and ``monetary_value`` (against the DuckDB
version) is printed. For ``customer_features`` the child checks, after the timing,
``recency_days``, ``frequency`` and ``monetary`` against a pandas groupby computation.

Usage (from the repository root)::

    .venv/bin/python benchmarks/features.py                       # 1M and 10M rows
    .venv/bin/python benchmarks/features.py --sizes 1e6 --skip-lifetimes

The issue's target: at 10M rows, ``rfm_summary`` at least 10x faster than lifetimes, peak memory
at most 3 GB. ``lifetimes`` is a development dependency (``pip install -e '.[dev]'``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import platform
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

LINES_PER_CUSTOMER = 50  # make_transactions' default: 5 orders x 10 lines
TOLERANCE = 1e-4         # agreement: largest absolute difference allowed (the package rounds to 6 decimals)
RFM_COLUMNS = ["frequency", "recency", "T", "monetary_value"]
ENGINES = ["rfm_summary (duckdb)", "rfm pandas groupby", "rfm lifetimes", "customer_features (duckdb)"]


def pandas_rfm(transactions: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    """The lifetimes-style RFM summary written as plain pandas groupbys (the reference 'by hand' version).

    Purchase lines (known customer, positive quantity, before ``cutoff``) are summed per customer and
    calendar day; then per customer: ``frequency`` = days - 1, ``recency`` = last day - first day,
    ``T`` = (cutoff - 1 day) - first day, ``monetary_value`` = mean value of the days after the first.
    """
    end = (cutoff - pd.Timedelta(microseconds=1)).normalize()
    tx = transactions
    keep = tx["customer_id"].notna() & (tx["quantity"] > 0) & (tx["timestamp"] < cutoff)
    buys = pd.DataFrame({
        "customer_id": tx.loc[keep, "customer_id"],
        "day": tx.loc[keep, "timestamp"].dt.floor("D"),
        "value": tx.loc[keep, "quantity"] * tx.loc[keep, "unit_price"],
    })
    days = buys.groupby(["customer_id", "day"], sort=True)["value"].sum().reset_index()
    per = days.groupby("customer_id", sort=True)
    n_days = per.size()
    first_day = per["day"].min()
    first_value = per["value"].first()  # days are sorted within each customer
    repeat = n_days - 1
    out = pd.DataFrame({
        "frequency": repeat.astype("float64"),
        "recency": (per["day"].max() - first_day).dt.days.astype("float64"),
        "T": (end - first_day).dt.days.astype("float64"),
        "monetary_value": np.where(repeat > 0, (per["value"].sum() - first_value) / repeat.where(repeat > 0, 1), 0.0),
    })
    return out


def _lifetimes_rfm(transactions: pd.DataFrame, cutoff: pd.Timestamp) -> pd.DataFrame:
    from lifetimes.utils import summary_data_from_transaction_data

    tx = transactions
    keep = tx["customer_id"].notna() & (tx["quantity"] > 0) & (tx["timestamp"] < cutoff)
    buys = tx.loc[keep, ["customer_id", "timestamp"]].assign(value=tx.loc[keep, "quantity"] * tx.loc[keep, "unit_price"])
    return summary_data_from_transaction_data(
        buys, "customer_id", "timestamp", monetary_value_col="value", freq="D",
        observation_period_end=cutoff - pd.Timedelta(days=1),
    )


def _peak_mb() -> float:
    # Linux reports ru_maxrss in kilobytes: the peak resident set size of this (child) process.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(n_customers: int, seed: int, data: str) -> tuple[int, float]:
    """Run in a child process: make the synthetic transactions and write them to ``data`` (Parquet).

    Generating in a child keeps the parent small. This matters for the memory figures: a child is
    started by fork + exec, and Linux carries the forked parent's peak RSS over the exec into the
    child's ``ru_maxrss``; a parent holding 10M rows would inflate every child's peak.
    """
    from profiling.datasets import make_transactions

    start = time.perf_counter()
    tx = make_transactions(n_customers, random_state=seed)
    tx.to_parquet(data)
    return len(tx), time.perf_counter() - start


def run_engine(engine: str, data: str, cutoff: str, result: str, repeat: int = 1) -> dict:
    """Run in a fresh child process: load ``data``, time ``engine`` (best of ``repeat`` calls), write its result."""
    import warnings

    warnings.filterwarnings("ignore")
    from profiling import features

    tx = pd.read_parquet(data)
    cut = pd.Timestamp(cutoff)
    if engine == "rfm lifetimes":
        import lifetimes.utils  # noqa: F401  (import before the clock starts, as for the others)
    functions = {
        "rfm_summary (duckdb)": features.rfm_summary,
        "rfm pandas groupby": pandas_rfm,
        "rfm lifetimes": _lifetimes_rfm,
        "customer_features (duckdb)": features.customer_features,
    }
    if engine not in functions:
        raise ValueError(f"unknown engine {engine!r}; choose from {ENGINES}")
    data_mb = _peak_mb()
    times = []
    for _ in range(repeat):
        out = None  # free the previous result before the next call
        start = time.perf_counter()
        out = functions[engine](tx, cut)
        times.append(time.perf_counter() - start)
    seconds = min(times)
    peak_mb = _peak_mb()  # read before any checking work below
    report = {"engine": engine, "seconds": seconds, "peak_mb": peak_mb, "data_mb": data_mb, "rows_out": len(out)}
    if engine == "customer_features (duckdb)":
        report["max_abs_diff"] = _check_features(tx, cut, out)
        out = out[["recency_days", "frequency", "monetary"]]
    out = out.copy()
    out.index = out.index.astype("str")
    out.index.name = "customer_id"
    out.to_parquet(result)
    return report


def _check_features(tx: pd.DataFrame, cut: pd.Timestamp, feats: pd.DataFrame) -> float:
    """Largest absolute difference of recency_days, frequency, monetary against a pandas groupby."""
    past = tx[tx["customer_id"].notna() & (tx["timestamp"] < cut)]
    buys = past[past["quantity"] > 0]
    orders = buys.groupby(["customer_id", "invoice_id"])["timestamp"].min().reset_index()
    per = orders.groupby("customer_id")
    ref = pd.DataFrame({
        "recency_days": (cut - per["timestamp"].max()).dt.total_seconds() / 86400,
        "frequency": per.size().astype("float64"),
    })
    ref["monetary"] = (past["quantity"] * past["unit_price"]).groupby(past["customer_id"]).sum().reindex(ref.index)
    if not ref.index.sort_values().equals(feats.index.sort_values()):
        return float("inf")
    ref = ref.reindex(feats.index)
    return float(np.nanmax(np.abs(ref.to_numpy() - feats[ref.columns].to_numpy(dtype="float64"))))


def in_child(function, *args):
    """Call ``function(*args)`` in a new process started with 'spawn' (a fresh interpreter) and return its result."""
    with ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def compare(results: dict[str, Path], reference: str) -> dict[str, float]:
    """Largest absolute difference of each RFM result against ``reference`` (inf if the customers differ)."""
    ref = pd.read_parquet(results[reference]).sort_index()
    diffs = {}
    for engine, path in results.items():
        other = pd.read_parquet(path).sort_index()
        if not other.index.equals(ref.index):
            diffs[engine] = float("inf")
            continue
        diffs[engine] = float(np.max(np.abs(other[RFM_COLUMNS].to_numpy() - ref[RFM_COLUMNS].to_numpy())))
    return diffs


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(float(s)) for s in text.split(",") if s.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"--sizes takes numbers separated by commas, e.g. 1e6,1e7; got {text!r}") from exc
    if not sizes or min(sizes) < LINES_PER_CUSTOMER:
        raise argparse.ArgumentTypeError(f"--sizes must be at least {LINES_PER_CUSTOMER} rows each; got {text!r}")
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1e6,1e7"),
                        help="approximate row counts, comma-separated (default 1e6,1e7)")
    parser.add_argument("--skip-lifetimes", action="store_true", help="do not run lifetimes (slow at 10M rows)")
    parser.add_argument("--cutoff", default="2010-12-01", help="profile date; the synthetic data span 2010 (default 2010-12-01)")
    parser.add_argument("--seed", type=int, default=0, help="seed of make_transactions (default 0)")
    parser.add_argument("--repeat", type=int, default=1, help="calls per engine; the fastest is reported (default 1)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")

    engines = [e for e in ENGINES if not (args.skip_lifetimes and e == "rfm lifetimes")]
    print(f"python {platform.python_version()}, pandas {pd.__version__}, {platform.machine()}, "
          f"cutoff {args.cutoff}, best of {args.repeat}; each engine in its own spawned process, "
          "peak = that child's ru_maxrss")
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_features_") as tmp:
        tmpdir = Path(tmp)
        for size in args.sizes:
            n_customers = max(1, round(size / LINES_PER_CUSTOMER))
            data = tmpdir / f"tx_{size}.parquet"
            n_rows, gen_seconds = in_child(generate, n_customers, args.seed, str(data))
            print(f"\n{n_rows:,} rows ({n_customers:,} customers) generated and written in "
                  f"{gen_seconds:.1f} s (not timed)", flush=True)
            results, reports = {}, {}
            for engine in engines:
                result = tmpdir / f"out_{size}_{ENGINES.index(engine)}.parquet"
                reports[engine] = in_child(run_engine, engine, str(data), args.cutoff, str(result), args.repeat)
                print(f"  {engine:<28} {reports[engine]['seconds']:8.2f} s  {reports[engine]['peak_mb']:8.0f} MB peak",
                      flush=True)
                if engine != "customer_features (duckdb)":
                    results[engine] = result
            diffs = compare(results, "rfm_summary (duckdb)")
            diffs["customer_features (duckdb)"] = reports["customer_features (duckdb)"]["max_abs_diff"]
            base = reports.get("rfm lifetimes", {}).get("seconds")
            for engine in engines:
                r = reports[engine]
                rows.append({
                    "rows": n_rows,
                    "engine": engine,
                    "seconds": r["seconds"],
                    "peak MB": r["peak_mb"],
                    "data MB": r["data_mb"],
                    "speed-up vs lifetimes": base / r["seconds"] if base else float("nan"),
                    "max abs diff": diffs[engine],
                    "agree": diffs[engine] <= TOLERANCE,
                })
            data.unlink()

    table = pd.DataFrame(rows)
    print()
    print(table.to_string(
        index=False,
        formatters={
            "rows": "{:,}".format,
            "seconds": "{:.2f}".format,
            "peak MB": "{:,.0f}".format,
            "data MB": "{:,.0f}".format,
            "speed-up vs lifetimes": lambda v: "-" if np.isnan(v) else f"{v:.1f}x",
            "max abs diff": "{:.1e}".format,
        },
    ))
    print("\npeak MB: the child's peak RSS (interpreter + libraries + loaded data + the call); "
          "data MB: its peak before the call. customer_features is compared on recency_days, frequency, monetary "
          "against pandas; its speed-up is relative to lifetimes' RFM summary (it computes 24 features).")
    if not table["agree"].all():
        sys.exit("some engines disagree (see 'max abs diff')")


if __name__ == "__main__":
    main()
