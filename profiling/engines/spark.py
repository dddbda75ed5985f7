"""The Spark engine: the same line-level SQL as the DuckDB engine, run by Spark, locally or on a cluster.

The file is read by Spark (CSV as text, Parquet typed), converted and checked by
:func:`profiling.engines._sql.convert_sql` in Spark's dialect, cleaned by
:func:`profiling.engines._sql.clean_sql` and aggregated by :data:`profiling.features.FEATURES_SQL`
respelled for Spark (:func:`profiling.engines._sql.spark_features_sql`). The driver receives one
row per customer and builds the profile table with the pandas path's customer-level code.

Local: ``master="local[2]"`` (two cores of this machine). On a cluster the same code runs under
``spark-submit`` (see the book's appendix "When one machine is not enough"): the file must be at
a path the driver and the executors can read (a shared file system), since the driver checks its
head with the pandas loader before Spark reads it whole.

Needs ``pip install 'profiling[spark]'`` and Java 17.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from profiling import features as _features
from profiling.datasets import COLUMNS
from profiling.engines._base import LINES_SQL, LineEngine, low_price_from_counts
from profiling.engines._input import Plan
from profiling.engines._sql import SPARK, clean_sql, convert_sql, spark_features_sql
from profiling.windows import resolve_cutoff

__all__ = ["SparkEngine", "spark_session"]


def spark_session(master: str | None = None, temp_dir: str | Path | None = None, conf: dict[str, str] | None = None):
    """A Spark session for the engine (the active one if there is one): UTC, no web UI, few shuffle partitions locally.

    ``master`` None: ``local[2]``, or under ``spark-submit`` the master it was given.
    """
    try:
        from pyspark.sql import SparkSession as _Session
    except ImportError:
        raise ImportError("the Spark engine needs PySpark: pip install 'profiling[spark]' (and Java 17)") from None
    active = _Session.getActiveSession()
    if active is not None:
        return active
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started the JVM with its own --master
    if master is None and not submitted:
        master = "local[2]"
    builder = _Session.builder if master is None else _Session.builder.master(master)
    local = master is not None and master.startswith("local")
    builder = (
        builder.appName("profiling")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # DuckDB's semantics: a cast or a division that cannot be done gives NULL, not an error
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8" if local else "200")
    )
    if local:
        builder = builder.config("spark.driver.memory", "2g")
    if temp_dir is not None:
        builder = builder.config("spark.local.dir", str(temp_dir))
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


class SparkEngine(LineEngine):
    """The profile table's line-level work on Spark (see the module's text).

    Parameters
    ----------
    master : str, optional
        Spark master URL: ``local[2]`` (the default), ``spark://host:7077``, ``yarn``... Not given
        under ``spark-submit``: the master it was given.
    temp_dir : path, optional
        Folder for Spark's local files and the engine's own (the head checked by pandas).
    conf : dict, optional
        More Spark settings (e.g. ``{"spark.executor.memory": "8g"}``).
    session : pyspark.sql.SparkSession, optional
        A running session to use (then :meth:`close` leaves it running).
    """

    dialect = SPARK

    def __init__(self, master: str | None = None, temp_dir: str | Path | None = None,
                 conf: dict[str, str] | None = None, session: Any = None):
        parent = Path(temp_dir) if temp_dir is not None else None
        self.folder = Path(tempfile.mkdtemp(prefix="profiling-spark-", dir=parent))
        from pyspark.sql import SparkSession as _Session

        self._owned = session is None and _Session.getActiveSession() is None
        self.spark = session if session is not None else spark_session(master, self.folder, conf)
        self._cached: list[Any] = []

    def close(self) -> None:
        try:
            for frame in self._cached:
                frame.unpersist()
            for view in ("scan", "conv", "lines", "kept", "med", "clean", "tx", "ref"):
                self.spark.catalog.dropTempView(view)
            if self._owned:
                self.spark.stop()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    # ---------------------------------------------------------------------------------------
    # reading
    # ---------------------------------------------------------------------------------------

    def _read(self, p: Plan) -> Any:
        path = str(Path(p.read_path).resolve())
        if p.kind == "parquet":
            return self.spark.read.parquet(path)
        frame = (self.spark.read.option("header", "true").option("sep", p.sep).option("quote", '"')
                 .option("escape", '"').option("inferSchema", "false").option("encoding", "UTF-8")
                 .option("mode", "PERMISSIVE").csv(path))
        return frame.toDF(*[f"c{i}" for i in range(len(frame.columns))])

    def define_source(self, p: Plan) -> None:
        """View ``conv``: the file's lines converted (:func:`profiling.engines._sql.convert_sql`)."""
        frame = self._read(p)
        frame.createOrReplaceTempView("scan")
        types = {}
        if p.kind == "parquet":
            spark_types = dict(frame.dtypes)
            types = {c: spark_types[p.source[c]] for c in COLUMNS if p.source[c] is not None}

        def integral(column: str) -> bool:
            row = self.spark.sql(
                f"SELECT coalesce(bool_and({column} = floor({column})), true) AS ok FROM scan "
                f"WHERE NOT isnan({column}) AND abs({column}) <> double('inf')"
            ).collect()[0]
            return bool(row["ok"])

        self.spark.sql(convert_sql(p, "scan", types, integral, SPARK)).createOrReplaceTempView("conv")

    def materialize(self) -> None:
        """View ``lines``: the distinct lines (:data:`~profiling.engines._base.LINES_SQL`), stored by the executors.

        A checkpoint (in memory and on disk) cuts the plan: the checks, the summary and the
        cleaning read the stored rows, not the file and every conversion again.
        """
        self.spark.sql(LINES_SQL).localCheckpoint(eager=True).createOrReplaceTempView("lines")

    def _query_one(self, sql: str) -> tuple[list[str], tuple]:
        row = self.spark.sql(sql).collect()[0]
        return list(row.asDict().keys()), tuple(row)

    def _frame(self, sql: str) -> pd.DataFrame:
        return self.spark.sql(sql).toArrow().to_pandas()

    def _first_bad(self, condition: str, raw: str) -> tuple[int, Any]:
        """Position (0-based, file order) and raw value of the first line where ``condition`` holds."""
        row = self.spark.sql(
            f"SELECT rn, {raw} AS value FROM (SELECT row_number() OVER (ORDER BY mid_) - 1 AS rn, * FROM "
            f"(SELECT monotonically_increasing_id() AS mid_, * FROM conv)) WHERE {condition} ORDER BY rn LIMIT 1"
        ).collect()[0]
        return int(row["rn"]), row["value"]

    # ---------------------------------------------------------------------------------------
    # cleaning and features
    # ---------------------------------------------------------------------------------------

    def clean(self) -> int:
        """View ``clean`` (kept in memory and on disk): the lines the pipeline's cleaning keeps; their number."""
        kept_sql, medians_sql, clean_sql_text = clean_sql("lines", SPARK)
        # The kept lines are a filter of the stored distinct lines; the medians (one row per item with
        # a large line) and the clean lines are stored in turn, so that the features are planned over
        # stored rows.
        self.spark.sql(kept_sql).createOrReplaceTempView("kept")
        self.spark.sql(medians_sql).localCheckpoint(eager=True).createOrReplaceTempView("med")
        clean = self.spark.sql(clean_sql_text).localCheckpoint(eager=True)
        clean.createOrReplaceTempView("clean")
        self.spark.catalog.dropTempView("kept")
        return int(clean.count())

    def features(self, cutoff: Any = None, countries: pd.DataFrame | None = None) -> pd.DataFrame:
        """:func:`profiling.features.customer_features` of the cleaned lines, in Spark."""
        span = self.spark.sql("SELECT min(timestamp) AS first, max(timestamp) AS last FROM clean").collect()[0]
        if span["first"] is None:
            raise ValueError("customer_features: transactions is empty; the cleaning removed every line")
        cut = resolve_cutoff(pd.DataFrame({"timestamp": pd.to_datetime([span["first"], span["last"]])}), cutoff,
                             "customer_features")
        cut_literal = f"TIMESTAMP'{cut.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
        hist = self._frame(f"SELECT unit_price, count(*) AS n FROM clean WHERE quantity > 0 AND timestamp < "
                           f"{cut_literal} GROUP BY unit_price ORDER BY unit_price")
        low = low_price_from_counts(hist["unit_price"].to_numpy(dtype="float64"), hist["n"].to_numpy(dtype="int64"))
        if countries is None:
            from profiling.cleaning import load_countries

            countries = load_countries()
        ref = countries[["country", "region"]].astype("object").where(countries[["country", "region"]].notna(), None)
        self.spark.createDataFrame([tuple(r) for r in ref.itertuples(index=False)],
                                   "country string, region string").createOrReplaceTempView("ref")
        self.spark.sql("SELECT * FROM clean").createOrReplaceTempView("tx")
        feats = self._frame(spark_features_sql(_features.FEATURES_SQL, cut, low))
        return _features.finish_features(feats, cut, low)
