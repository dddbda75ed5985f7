"""The Spark engine gives the pandas path's profile table (profiling.engines.spark, on local[2]).

Few tests on small data, one Spark session for all of them (starting Spark costs tens of seconds,
and every query seconds, whatever the size): 400 customers of the shipped Online Retail II, a shop's export (other names, day-first dates, ids written as floats)
through the command, and a bad value beyond the head with the loader's message and row. They need
PySpark (the ``spark`` extra, in the lock) and Java 17 (``.ci/run`` installs it where missing): CI
runs them, never skips them. "The same table" is :func:`test_engines.assert_same_profiles`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from frames import THEIR_NAMES
from profiling import datasets, engines
from profiling.cli import main
from profiling.datasets import ONLINE_RETAIL_COLUMNS, DataError, load_transactions
from profiling.engines._input import HEAD_LINES
from test_engines import DAY_FIRST, SHIPPED, assert_same_profiles, pandas_table

pytestmark = [pytest.mark.spark, pytest.mark.slow]


@pytest.fixture(scope="module")
def spark():
    from profiling.engines.spark import spark_session

    session = spark_session("local[2]")
    yield session
    session.stop()


def spark_table(spark, path: Path, **options) -> pd.DataFrame:
    from profiling.engines.spark import SparkEngine

    k = options.pop("k", None)
    with SparkEngine(session=spark) as engine:
        engine.load(path, **options)
        return engine.profile_table(None, k=k)


def test_spark_gives_the_pandas_table_on_the_shipped_data(spark, tmp_path: Path) -> None:
    """On the lines of 400 seeded customers of the shipped file, as it is written (its own column names,
    ids as floats, dates as text): Spark runs each step in seconds on any size, small data keep CI short.
    The whole file is tested against the DuckDB engine in tests/test_engines.py."""
    raw = pd.read_parquet(SHIPPED)
    ids = raw["Customer ID"].dropna().unique()
    chosen = np.random.default_rng(0).choice(np.sort(ids), size=400, replace=False)
    sample = tmp_path / "shipped_sample.parquet"
    raw[raw["Customer ID"].isin(chosen)].reset_index(drop=True).to_parquet(sample)
    expected = pandas_table(sample, columns=ONLINE_RETAIL_COLUMNS)
    got = spark_table(spark, sample, columns=ONLINE_RETAIL_COLUMNS)
    assert len(got) > 300
    assert_same_profiles(expected, got)


def test_the_command_gives_the_same_table_with_spark(spark, tmp_path: Path, capsys) -> None:
    tx = datasets.make_transactions(300, n_items=80, start="2021-01-01", end="2021-12-31", random_state=8,
                                    guest_share=0.02)
    export = tx.rename(columns=THEIR_NAMES)
    export["Client"] = pd.to_numeric(tx["customer_id"]).astype("float64")  # ids as a spreadsheet writes them
    export["Paid At"] = tx["timestamp"].dt.strftime(DAY_FIRST)
    data = tmp_path / "export.csv"
    export.to_csv(data, index=False)
    mapping = ",".join(f'{k}="{v}"' for k, v in THEIR_NAMES.items())
    out = tmp_path / "profiles.parquet"
    code = main(["profiles", "--data", str(data), "--columns", mapping, "--timestamp-format", DAY_FIRST,
                 "--k", "3", "--engine", "spark", "--master", "local[2]", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "spark engine on local[2]" in err
    expected = pandas_table(data, columns=THEIR_NAMES, timestamp_format=DAY_FIRST, k=3)
    assert_same_profiles(expected, pd.read_parquet(out))


def test_a_bad_value_gives_the_loaders_message_in_spark(spark, tmp_path: Path) -> None:
    tx = datasets.make_transactions(60, n_items=30, random_state=1)
    export = tx.rename(columns=THEIR_NAMES).astype({"Qty": "object"})
    export["Paid At"] = tx["timestamp"].dt.strftime(DAY_FIRST)
    row = HEAD_LINES + 250
    export.loc[row, "Qty"] = "lots"
    path = tmp_path / "export.csv"
    export.to_csv(path, index=False)
    options = {"columns": THEIR_NAMES, "timestamp_format": DAY_FIRST}
    with pytest.raises(DataError) as expected:
        load_transactions(path, **options)
    with pytest.raises(DataError) as got:
        spark_table(spark, path, **options)
    assert str(got.value) == str(expected.value)
    assert f"data row {row + 1} " in str(got.value)
    assert engines.ENGINES == ("pandas", "duckdb", "spark")
