"""Engines for the profile table: the same table from pandas, from DuckDB out of core, or from Spark.

The profile table (:func:`profiling.profiles.profile_table`) has two kinds of work. The **line
level** -- reading and checking the file, the cleaning, the aggregation of lines into one row of
features per customer -- grows with the lines; the **customer level** -- tags, RFM scores and
segments, personas -- acts on one row per customer. An engine does the line level where the lines
are, and hands the feature table (one row per customer) to the customer-level code of the pandas
path (:func:`profiling.profiles.profiles_from_features`). Identical features give identical
counts, tags, scores and personas.

``"pandas"``
    :func:`profiling.datasets.load_transactions` and :func:`profiling.profiles.profile_table`: the
    whole file in memory (about 0.5 GB per million lines). What the chapters use.
``"duckdb"``
    :class:`~profiling.engines.duck.DuckSession`: DuckDB SQL over the CSV or Parquet file, with a
    memory limit; what does not fit is spilled to a temporary folder. One machine, any size of
    file its disk holds.
``"spark"``
    :class:`~profiling.engines.spark.SparkEngine`: Spark SQL over the file, on
    ``local[2]`` (this machine's cores) or a cluster (``spark-submit``; needs ``pip install
    'profiling[spark]'`` and Java 17).

All engines give the same table (``tests/test_engines.py``): the same customers, identical counts
and tags, amounts within 1e-9 relative. Above :data:`PERSONA_SAMPLE` customers the scale engines
choose and fit the personas on a seeded sample of customers and assign everyone to the nearest
persona (``persona_sample``); the pandas engine does the same when given ``persona_sample``.

Example
-------
>>> import tempfile
>>> from pathlib import Path
>>> from profiling import datasets, profiles
>>> tx = datasets.make_transactions(120, n_items=60, random_state=0)
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "orders.parquet"
...     tx.to_parquet(path)
...     table = profile_table(path, engine="duckdb", k=3)
>>> expected = profiles.profile_table(tx, k=3)
>>> bool(table.index.equals(expected.index)), bool((table["tags"] == expected["tags"]).all())
(True, True)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd

from profiling import profiles as _profiles
from profiling import tags as _tags

__all__ = ["AUTO_LINES", "ENGINES", "PERSONA_SAMPLE", "choose_engine", "estimate_lines", "open_engine",
           "profile_table"]

#: The engines, by name.
ENGINES: tuple[str, ...] = ("pandas", "duckdb", "spark")

#: ``engine="auto"`` picks DuckDB for CSV and Parquet files of at least this many lines, pandas
#: below. Chosen by measurement (``benchmarks/scale.py --only csv500k,csv1m --pandas`` and
#: ``--only csv5m --pandas``, book/scale.md), on one 2-core machine: DuckDB was faster than pandas
#: at every size measured -- 0.5M, 1M and 5.1M lines -- and needed less memory; sizes below 0.5M
#: lines were not measured, so they stay with pandas, the chapters' path.
AUTO_LINES = 500_000

#: With more customers than this, the scale engines fit the personas on a seeded sample of this
#: many customers and assign everyone to the nearest persona: choosing k fits KMeans 7 x 10 times
#: on every row it is given, seconds on 20,000 customers, far longer on millions.
PERSONA_SAMPLE = 20_000


def estimate_lines(path: str | Path) -> int | None:
    """The lines of a CSV or Parquet file: Parquet's row count, or a CSV's size over the mean length of its
    first lines (1 MB read); ``None`` for other files."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return None
    if suffix in {".parquet", ".pq"}:
        import pyarrow.parquet as pq

        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (OSError, ValueError):  # not a Parquet table (pyarrow's ArrowInvalid): the loader's message later
            return None
    if suffix in {".csv", ".txt", ".tsv"}:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(1 << 20)
        lines = head.count(b"\n")
        return int(size / (len(head) / lines)) if lines else 1
    return None


def choose_engine(engine: str, path: str | Path) -> str:
    """The engine ``"auto"`` stands for on this file, or ``engine`` checked.

    ``"auto"``: DuckDB for CSV and Parquet files of at least :data:`AUTO_LINES` lines
    (:func:`estimate_lines`), pandas for smaller ones and for other files (Excel).
    """
    if engine == "auto":
        lines = estimate_lines(path)
        return "duckdb" if lines is not None and lines >= AUTO_LINES else "pandas"
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {('auto', *ENGINES)}, got {engine!r}")
    return engine


def _build(feats: pd.DataFrame, k: int | None = None, k_candidates: Any = None, random_state: int | None = None,
           persona_sample: int | None = PERSONA_SAMPLE) -> pd.DataFrame:
    """The customer-level steps of :func:`profiling.profiles.profile_table` on an engine's feature table."""
    defaults = _profiles.PIPELINE_DEFAULTS
    return _profiles.profiles_from_features(
        feats, k=k, ks=list(defaults["k_candidates"] if k_candidates is None else k_candidates),
        random_state=defaults["random_state"] if random_state is None else random_state, rules=_tags.TagRules(),
        scale_rules=True, persona_sample=persona_sample,
    )


class PandasSession:
    """The pandas path behind the engines' interface: the file loaded whole, then :func:`profiling.profiles.profile_table`."""

    def __init__(self, **_: Any):
        self.tx: pd.DataFrame | None = None

    def load(self, path: str | Path, **options: Any) -> dict[str, Any]:
        from profiling import datasets

        self.tx = datasets.load_transactions(path, **options)
        tx = self.tx
        known = tx["customer_id"].notna()
        buys = known & (tx["quantity"] > 0) & (tx["unit_price"] > 0)
        return {
            "rows": int(len(tx)), "customers": int(tx.loc[known, "customer_id"].nunique()),
            "invoices": int(tx["invoice_id"].nunique()), "items": int(tx["item_id"].nunique()),
            "lines_without_customer": int((~known).sum()),
            "first": tx["timestamp"].min().isoformat(sep=" "), "last": tx["timestamp"].max().isoformat(sep=" "),
            "has": {c: bool(tx[c].notna().any()) for c in ("description", "country")},
            "known": int(known.sum()), "known_positive": int((known & (tx["quantity"] > 0)).sum()),
            "buyers": int(tx.loc[buys, "customer_id"].nunique()),
            "first_purchase": tx.loc[buys, "timestamp"].min() if buys.any() else None,
        }

    def profile_table(self, cutoff: Any = None, k: int | None = None, k_candidates: Any = None,
                      random_state: int | None = None, persona_sample: int | None = None) -> pd.DataFrame:
        from profiling import cleaning, features

        clean_tx, _ = cleaning.clean(self.tx, cleaning.default_rules(keep_returns=True))
        self.tx = None
        feats = features.customer_features(clean_tx, cutoff=cutoff)
        return _build(feats, k, k_candidates, random_state, persona_sample)

    def close(self) -> None:
        self.tx = None

    def __enter__(self) -> "PandasSession":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_engine(engine: str, *, memory_limit: str | None = None, threads: int = 2, temp_dir: str | Path | None = None,
                master: str | None = None, spark_conf: dict[str, str] | None = None, buckets: int | None = None) -> Any:
    """A session of ``engine`` (``"pandas"``, ``"duckdb"`` or ``"spark"``): ``load(path, ...)``, then ``profile_table(cutoff, ...)``.

    Use it as a context manager; closing it removes its temporary folder (and stops Spark).
    """
    if engine == "duckdb":
        from profiling.engines.duck import DuckSession

        return DuckSession(memory_limit=memory_limit, threads=threads, temp_dir=temp_dir, buckets=buckets)
    if engine == "spark":
        from profiling.engines.spark import SparkEngine

        return SparkEngine(master=master, temp_dir=temp_dir, conf=spark_conf)
    if engine == "pandas":
        return PandasSession()
    raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")


def profile_table(
    data: str | Path,
    cutoff: Any = None,
    *,
    engine: str = "duckdb",
    columns: dict[str, str] | None = None,
    encoding: str | None = None,
    sep: str = ",",
    timestamp_format: str | None = None,
    k: int | None = None,
    k_candidates: Any = None,
    random_state: int | None = None,
    persona_sample: int | None = PERSONA_SAMPLE,
    memory_limit: str | None = None,
    threads: int = 2,
    temp_dir: str | Path | None = None,
    master: str | None = None,
    spark_conf: dict[str, str] | None = None,
    buckets: int | None = None,
    say: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The profile table of a CSV or Parquet file, built by ``engine`` (the table of ``profiling profiles``).

    Parameters
    ----------
    data : path
        The transactions file (CSV or Parquet; the pandas engine also reads Excel).
    cutoff : date-like, optional
        Profile date (exclusive); ``None`` = the day after the last cleaned line.
    engine : {"duckdb", "spark", "pandas", "auto"}
        Where the line-level work runs (see the module's text). ``"auto"``: :func:`choose_engine`.
    columns, encoding, sep, timestamp_format
        How to read the file, as :func:`profiling.datasets.load_transactions` takes them.
    k, k_candidates, random_state
        As :func:`profiling.profiles.profile_table` (``None``: its defaults, :data:`~profiling.profiles.PIPELINE_DEFAULTS`).
    persona_sample : int or None
        Fit the personas on a seeded sample of this many customers when there are more
        (:func:`profiling.profiles.profiles_from_features`); ``None`` fits on all.
    memory_limit, threads, temp_dir
        DuckDB's memory limit (e.g. ``"2GB"``; default: by the file's lines, :func:`profiling.engines.duck.memory_limit_for`; beyond it DuckDB spills to ``temp_dir``), its threads,
        and the folder of its database and spill files (default: the system's temporary folder).
    buckets : int, optional
        DuckDB: work through the customers in this many buckets (one pass writes each bucket's lines
        to a file, then each is de-duplicated, cleaned and aggregated alone); ``None``: by the file's
        lines (:func:`profiling.engines.duck.buckets_for`: one bucket up to 8 million lines).
    master, spark_conf
        Spark's master URL (default ``local[2]``, two local cores; under ``spark-submit`` the master
        it was given) and extra Spark settings.
    say : callable, optional
        Receives progress lines.

    Returns
    -------
    DataFrame
        One row per customer, indexed by ``customer_id``, columns
        :data:`profiling.profiles.PROFILE_COLUMN_NAMES` (``attrs`` as there).

    Raises
    ------
    profiling.datasets.DataError
        The file cannot be read as transactions (the loader's message, naming file, column and row).
    ValueError
        As :func:`profiling.profiles.profile_table` (e.g. a cutoff outside the data).
    """
    engine = choose_engine(engine, data)
    options = {"columns": columns, "encoding": encoding, "sep": sep, "timestamp_format": timestamp_format}
    with open_engine(engine, memory_limit=memory_limit, threads=threads, temp_dir=temp_dir, master=master,
                     spark_conf=spark_conf, buckets=buckets) as session:
        summary = session.load(data, **options)
        if say is not None:
            say(f"{engine}: {summary['rows']:,} lines, {summary['customers']:,} customers checked")
        return session.profile_table(cutoff, k=k, k_candidates=k_candidates, random_state=random_state,
                                     persona_sample=persona_sample)
