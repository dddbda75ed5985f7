"""The engines of the profile table (profiling.engines): every engine gives the pandas path's table.

"The same table": the same customers in the same order, identical counts, text, tags, scores,
segments and personas, and the same ``attrs``; amounts within 1e-9 relative -- or within one unit of
the sixth decimal, to which :func:`profiling.features.customer_features` rounds every float: an
average of cent amounts can land exactly on a rounding boundary (528.2659375), and then the order of
summation, which DuckDB's threads vary in the pandas path too, rounds it either way.

The data: the shipped Online Retail II, the corpus of shop exports of ``tests/shops.py`` (other
names, encodings, date formats), and lines made to hit every reading and cleaning rule (blanks
around ids, ``13085.0``, pandas' missing-value texts, duplicates, non-product codes, zero prices,
extreme quantities and their returns). Bad values give the pandas loader's message, row included.
The Spark engine is tested in tests/test_engines_spark.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import shops
from frames import THEIR_NAMES
from profiling import datasets, engines, profiles
from profiling.cli import main
from profiling.datasets import ONLINE_RETAIL_COLUMNS, DataError, load_transactions, suggest_columns
from profiling.engines._base import low_price_from_counts
from profiling.engines._input import HEAD_LINES
from profiling.engines._sql import spark_features_sql, strftime_to_java
from profiling.features import FEATURES_SQL

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "data" / "online_retail_ii_2009_2010.parquet"
DAY_FIRST = "%d/%m/%Y %H:%M"


def assert_same_profiles(expected: pd.DataFrame, got: pd.DataFrame) -> None:
    """The same profile table (see the module's text): customers, columns, counts and tags, amounts, attrs."""
    assert list(got.index) == list(expected.index), "not the same customers"
    assert list(got.columns) == list(expected.columns)
    for column in expected.columns:
        a, b = expected[column], got[column]
        if pd.api.types.is_float_dtype(a):
            assert pd.api.types.is_float_dtype(b), column
            x, y = a.to_numpy(dtype="float64"), b.to_numpy(dtype="float64")
            assert np.array_equal(np.isnan(x), np.isnan(y)), f"{column}: missing values differ"
            ok = ~np.isnan(x)
            gap = np.abs(x[ok] - y[ok])
            close = (gap <= 1e-9 * np.abs(x[ok])) | (gap <= 1.0000001e-6)
            assert close.all(), f"{column}: {int((~close).sum())} value(s) differ, e.g. {x[ok][~close][:3]} vs {y[ok][~close][:3]}"
        else:
            assert a.dtype == b.dtype or str(a.dtype) == str(b.dtype), f"{column}: {a.dtype} vs {b.dtype}"
            same = np.array([x == y or (pd.isna(x) and pd.isna(y)) for x, y in zip(a.tolist(), b.tolist())], dtype=bool)
            assert same.all(), f"{column}: {int((~same).sum())} value(s) differ, e.g. {a[~same].head(3).tolist()} vs {b[~same].head(3).tolist()}"
    assert got.attrs == expected.attrs


def pandas_table(path: Path, **options) -> pd.DataFrame:
    """The reference: the pandas loader, then the pipeline of chapter 06 and ``profiling profiles``."""
    k = options.pop("k", None)
    tx = load_transactions(path, **options)
    return profiles.profile_table(tx, k=k)


# --------------------------------------------------------------------------------------------
# the same table
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_duckdb_gives_the_pandas_table_on_the_shipped_data() -> None:
    expected = pandas_table(SHIPPED, columns=ONLINE_RETAIL_COLUMNS)
    got = engines.profile_table(SHIPPED, engine="duckdb", columns=ONLINE_RETAIL_COLUMNS)
    assert len(got) > 4000 and got.attrs["k"] >= 2
    assert_same_profiles(expected, got)


def _shop_file(name: str, folder: Path) -> tuple[Path, dict]:
    path = shops.make_shop(shops.SHOPS[name], folder)
    encoding = "gbk" if name.startswith("zh") else None
    header = list(pd.read_csv(path, nrows=0, encoding=encoding or "utf-8").columns)
    options = {"columns": suggest_columns(header), "encoding": encoding}
    return path, options


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in shops.SHOPS if n != "euro_shop"])
def test_duckdb_gives_the_pandas_table_on_the_corpus(name: str, tmp_path: Path) -> None:
    path, options = _shop_file(name, tmp_path)
    k = None if name == "months7" else 3  # one shop chooses k; the others fix it (the same code, faster)
    expected = pandas_table(path, k=k, **options)
    got = engines.profile_table(path, engine="duckdb", k=k, **options)
    assert_same_profiles(expected, got)


def test_prices_written_with_a_currency_are_refused_with_the_way_out(tmp_path: Path) -> None:
    path, options = _shop_file("euro_shop", tmp_path)
    with pytest.raises(DataError, match=r"Unit Cost.*currency \(EUR\).*--engine pandas"):
        engines.profile_table(path, engine="duckdb", **options)


def tricky_lines() -> pd.DataFrame:
    """A synthetic shop with lines for every reading and cleaning rule, in the canonical columns, as text."""
    tx = datasets.make_transactions(150, n_items=40, start="2021-01-01", end="2021-12-31", random_state=5,
                                    guest_share=0.03)
    tx = tx.astype({"quantity": "object", "unit_price": "object"}).astype({"customer_id": "object"})
    first = tx.iloc[0].copy()
    extra = []

    def line(**values):
        row = first.copy()
        for k, v in values.items():
            row[k] = v
        extra.append(row)

    line(customer_id=" 10003 ", item_id=" 20001 ")              # blanks around ids
    line(customer_id="10004.0", invoice_id="600001.00")         # ids written as floats
    line(description="NA", country="")                          # pandas' missing-value texts
    line(description="  NULL", country="N/A")
    for code in ("POST", "test001", "gift_0001_10", "m", "BANK CHARGES", "DCGSSBOY"):
        line(item_id=code)                                      # non-products (and one product)
    line(unit_price=0.0)
    line(unit_price=-1.5)
    line(item_id="20005", quantity=50000)                       # extreme, and its return
    line(item_id="20005", quantity=-50000, invoice_id="C600002")
    line(item_id="20006", quantity=1200)                        # large but usual for a bulk item? median decides
    line(quantity=" 7 ", unit_price=" 2.50")                    # numbers with blanks
    line(quantity="1e1")                                        # a number pandas reads
    out = pd.concat([tx, pd.DataFrame(extra)], ignore_index=True)
    dup = out.iloc[[5, 6, 7]]
    return pd.concat([out, dup], ignore_index=True)             # exact duplicates


@pytest.mark.parametrize("buckets", [1, 3])
@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_duckdb_applies_every_reading_and_cleaning_rule_as_pandas(kind: str, buckets: int, tmp_path: Path) -> None:
    # in buckets too: the duplicates, the extreme lines and their returns, and the items' medians
    # span buckets of customers only through what is computed over all of them
    frame = tricky_lines()
    path = tmp_path / f"orders.{kind}"
    if kind == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.astype("str").to_parquet(path)  # every column text, as some exports write them
    expected = pandas_table(path, k=3)
    got = engines.profile_table(path, engine="duckdb", k=3, buckets=buckets)
    assert_same_profiles(expected, got)


@pytest.mark.parametrize("copies", [0, 3])
def test_buckets_find_the_low_price_threshold_of_the_distinct_lines(copies: int, tmp_path: Path) -> None:
    # In buckets, the first threshold comes from every copy of the lines; when duplicates move it
    # (here: the cheapest lines written four times), the buckets are aggregated again with the
    # threshold of the distinct lines, which the pandas pipeline uses.
    from profiling.engines.duck import DuckSession

    tx = datasets.make_transactions(120, n_items=40, random_state=6)
    cheap = tx[tx["unit_price"] <= tx["unit_price"].quantile(0.3)]
    tx = pd.concat([tx] + [cheap] * copies, ignore_index=True)
    path = tmp_path / "orders.parquet"
    tx.to_parquet(path)
    expected = pandas_table(path, k=3)
    with DuckSession(buckets=3) as session:
        session.load(path)
        got = session.profile_table(k=3)
        assert session.passes == (2 if copies else 1)
    from profiling import cleaning

    kept, _ = cleaning.clean(load_transactions(path), cleaning.default_rules(keep_returns=True))
    assert session.kept_lines == len(kept)  # the distinct lines, counted bucket by bucket
    assert_same_profiles(expected, got)


@pytest.mark.parametrize("buckets", [1, 3])
def test_a_cutoff_inside_the_data_gives_the_pandas_table(buckets: int, tmp_path: Path) -> None:
    tx = datasets.make_transactions(150, n_items=40, start="2021-01-01", end="2021-12-31", random_state=8)
    path = tmp_path / "orders.parquet"
    tx.to_parquet(path)
    expected = profiles.profile_table(load_transactions(path), cutoff="2021-09-15", k=3)
    got = engines.profile_table(path, "2021-09-15", engine="duckdb", k=3, buckets=buckets)
    assert expected.attrs["cutoff"].startswith("2021-09-15")
    assert_same_profiles(expected, got)


@pytest.mark.slow
def test_duckdb_in_buckets_gives_the_pandas_table_on_the_shipped_data() -> None:
    expected = pandas_table(SHIPPED, columns=ONLINE_RETAIL_COLUMNS)
    got = engines.profile_table(SHIPPED, engine="duckdb", columns=ONLINE_RETAIL_COLUMNS, buckets=4)
    assert_same_profiles(expected, got)


def test_buckets_follow_the_lines_and_are_checked(tmp_path: Path) -> None:
    from profiling.engines.duck import BUCKET_LINES, DuckSession, buckets_for

    assert buckets_for(None) == buckets_for(BUCKET_LINES) == 1
    assert buckets_for(BUCKET_LINES + 1) == 2 and buckets_for(100_000_000) == -(-100_000_000 // BUCKET_LINES)
    path = tmp_path / "orders.parquet"
    datasets.make_transactions(30, n_items=20, random_state=0).to_parquet(path)
    for bad in (0, -2, True):
        with DuckSession(buckets=bad) as session, pytest.raises(ValueError, match="buckets must be"):
            session.load(path)
    with DuckSession() as session:
        session.load(path)
        assert session.buckets == 1


def test_the_pandas_engine_is_the_pipeline_itself(tmp_path: Path) -> None:
    tx = datasets.make_transactions(120, n_items=50, random_state=2)
    path = tmp_path / "orders.parquet"
    tx.to_parquet(path)
    expected = profiles.profile_table(tx, k=3)
    got = engines.profile_table(path, engine="pandas", k=3, persona_sample=None)
    pd.testing.assert_frame_equal(expected, got)
    assert got.attrs == expected.attrs


def test_personas_on_a_sample_are_the_same_in_every_engine(tmp_path: Path) -> None:
    tx = datasets.make_transactions(400, n_items=60, random_state=4)
    path = tmp_path / "orders.parquet"
    tx.to_parquet(path)
    expected = engines.profile_table(path, engine="pandas", persona_sample=150, k_candidates=[2, 3])
    got = engines.profile_table(path, engine="duckdb", persona_sample=150, k_candidates=[2, 3])
    assert expected.attrs["persona_sample"] == 150 and len(expected) > 150
    assert set(expected["persona"]) == set(range(expected.attrs["k"]))
    assert_same_profiles(expected, got)


# --------------------------------------------------------------------------------------------
# bad values: the loader's message, from any row
# --------------------------------------------------------------------------------------------

def _bad_file(folder: Path, row: int, column: str, value: object) -> Path:
    tx = datasets.make_transactions(60, n_items=30, random_state=1)
    tx = tx.loc[np.arange(max(row + 10, 100)) % len(tx)].reset_index(drop=True).astype({"quantity": "object"})
    export = tx.rename(columns=THEIR_NAMES)
    export["Paid At"] = tx["timestamp"].dt.strftime(DAY_FIRST)
    export = export.astype({THEIR_NAMES[column]: "object"})
    export.loc[row, THEIR_NAMES[column]] = value
    path = folder / "export.csv"
    export.to_csv(path, index=False)
    return path


BAD = [("quantity", "lots"), ("quantity", 2.5), ("quantity", None), ("unit_price", "1,50"), ("unit_price", None),
       ("invoice_id", None), ("item_id", "  "), ("timestamp", "31/02/2021 10:00"), ("timestamp", None)]


@pytest.mark.parametrize("row", [3, HEAD_LINES + 250])
@pytest.mark.parametrize(("column", "value"), BAD)
def test_a_bad_value_gives_the_loaders_message(column: str, value: object, row: int, tmp_path: Path) -> None:
    path = _bad_file(tmp_path, row, column, value)
    options = {"columns": THEIR_NAMES, "timestamp_format": DAY_FIRST}
    with pytest.raises(DataError) as expected:
        load_transactions(path, **options)
    with pytest.raises(DataError) as got:
        engines.profile_table(path, engine="duckdb", buckets=2 if row > HEAD_LINES else 1, **options)
    assert str(got.value) == str(expected.value)
    assert f"data row {row + 1} " in str(got.value)


def test_an_excel_workbook_is_left_to_pandas(tmp_path: Path) -> None:
    path = tmp_path / "orders.xlsx"
    datasets.make_transactions(20, random_state=0).head(50).to_excel(path, index=False)
    with pytest.raises(DataError, match="--engine pandas"):
        engines.profile_table(path, engine="duckdb")
    assert engines.choose_engine("auto", path) == "pandas"


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_command_gives_the_same_table_with_duckdb(tmp_path: Path, capsys) -> None:
    tx = datasets.make_transactions(300, n_items=80, start="2021-01-01", end="2021-12-31", random_state=8)
    export = tx.rename(columns=THEIR_NAMES)
    export["Paid At"] = tx["timestamp"].dt.strftime(DAY_FIRST)
    data = tmp_path / "export.csv"
    export.to_csv(data, index=False)
    mapping = ",".join(f'{k}="{v}"' for k, v in THEIR_NAMES.items())
    tables = {}
    for engine in ("pandas", "duckdb", "auto"):
        out = tmp_path / f"{engine}.parquet"
        code = main(["profiles", "--data", str(data), "--columns", mapping, "--timestamp-format", DAY_FIRST,
                     "--cutoff", "2021-12-01", "--k", "3", "--engine", engine, "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 0, err
        assert ("duckdb engine" in err) == (engine == "duckdb"), err  # auto: a small file stays in pandas
        tables[engine] = pd.read_parquet(out)
    assert_same_profiles(tables["pandas"], tables["duckdb"])
    # the checks of the command, in the engine: a cutoff before the data
    code = main(["profiles", "--data", str(data), "--columns", mapping, "--timestamp-format", DAY_FIRST,
                 "--cutoff", "2020-01-01", "--engine", "duckdb", "--out", str(tmp_path / "x.parquet")])
    assert code == 2 and "no purchase is before the cutoff" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------
# the pieces
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_the_low_price_threshold_is_pandas_quantile_exactly(seed: int) -> None:
    rng = np.random.default_rng(seed)
    prices = np.round(rng.lognormal(1, 1, rng.integers(1, 400)), rng.integers(0, 4))
    values, counts = np.unique(prices, return_counts=True)
    assert low_price_from_counts(values, counts) == float(pd.Series(prices).quantile(0.25))


def test_the_spark_query_is_the_duckdb_query_respelled() -> None:
    sql = spark_features_sql(FEATURES_SQL, pd.Timestamp("2021-06-01"), 1.25)
    assert "$" not in sql and "epoch(" not in sql and "TIMESTAMP'2021-06-01 00:00:00.000000'" in sql
    assert "unit_price <= 1.25D" in sql
    with pytest.raises(RuntimeError, match="update the Spark rewrite"):
        spark_features_sql(FEATURES_SQL.replace("quantile_cont", "median"), pd.Timestamp("2021-06-01"), 1.0)
    assert strftime_to_java("%Y-%m-%dT%H:%M:%S.%f") == "yyyy-M-d'T'H:m:s.SSSSSS"


# --------------------------------------------------------------------------------------------
# the rule of engine="auto" and DuckDB's memory limit
# --------------------------------------------------------------------------------------------


def test_auto_follows_the_measured_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tx = datasets.make_transactions(40, n_items=30, random_state=0)
    parquet, csv = tmp_path / "orders.parquet", tmp_path / "orders.csv"
    tx.to_parquet(parquet)
    tx.to_csv(csv, index=False)
    assert engines.estimate_lines(parquet) == len(tx)
    assert engines.estimate_lines(csv) == pytest.approx(len(tx), rel=0.05)
    assert engines.estimate_lines(tmp_path / "missing.csv") is None
    assert engines.choose_engine("auto", parquet) == "pandas"  # below AUTO_LINES
    monkeypatch.setattr(engines, "AUTO_LINES", len(tx) - 100)
    assert engines.choose_engine("auto", parquet) == "duckdb"
    assert engines.choose_engine("auto", csv) == "duckdb"
    with pytest.raises(ValueError, match="engine must be one of"):
        engines.choose_engine("polars", parquet)


def test_the_memory_limit_grows_with_the_lines() -> None:
    from profiling.engines.duck import MEMORY_CEILING, MEMORY_FLOOR, memory_limit_for

    floor = f"{MEMORY_FLOOR // 10**6}MB"
    assert memory_limit_for(None) == floor == memory_limit_for(1000) == memory_limit_for(5_000_000)
    big = int(memory_limit_for(10**9).removesuffix("MB")) * 10**6
    assert MEMORY_FLOOR <= big <= MEMORY_CEILING
