"""storage (locations, atomic writes) and chapter (setup and the cached load)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from profiling import chapter, cleaning, datasets, storage

ROOT = Path(__file__).resolve().parent.parent


def test_locations_follow_their_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(storage.DATA_ENV, raising=False)
    assert storage.data_dir() == ROOT / "data"
    monkeypatch.setenv(storage.DATA_ENV, str(tmp_path))
    assert storage.data_dir() == tmp_path
    monkeypatch.setenv(storage.NOTEBOOKS_ENV, str(tmp_path / "nb"))
    assert storage.notebooks_dir() == tmp_path / "nb"
    # installed away from a checkout (a wheel): a clear error that names the setting
    monkeypatch.delenv(storage.DATA_ENV)
    monkeypatch.setattr(storage, "_CHECKOUT", tmp_path / "site-packages")
    with pytest.raises(FileNotFoundError, match="set PROFILING_DATA"):
        storage.data_dir()


def test_atomic_write_keeps_the_old_file_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    storage.atomic_write(target, lambda s: s.write(b"first"))

    def broken(stream) -> None:
        stream.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        storage.atomic_write(target, broken)
    assert target.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["out.bin"]                     # no temporary file left behind
    assert storage.file_sha256(target) == "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e"


def test_load_equals_the_steps_it_replaces_and_is_served_from_the_cache(tmp_path: Path) -> None:
    tx, report = chapter.load(sample_customers=200, random_state=3, keep_returns=False, with_report=True,
                              cache_dir=tmp_path)
    raw = datasets.sample_customers(datasets.load_online_retail(), 200, 3)
    expected, expected_report = cleaning.clean(raw, cleaning.default_rules(keep_returns=False))
    pd.testing.assert_frame_equal(tx, expected)
    pd.testing.assert_frame_equal(report, expected_report)
    files = sorted(p.name for p in (tmp_path / "cleaned").iterdir())
    assert len(files) == 2
    # the second call reads the cache (poison it to prove it), other arguments get other entries
    cached = tmp_path / "cleaned" / [f for f in files if not f.endswith(".report.parquet")][0]
    expected.head(3).to_parquet(cached)
    assert len(chapter.load(sample_customers=200, random_state=3, keep_returns=False, cache_dir=tmp_path)) == 3
    assert len(chapter.load(sample_customers=200, random_state=3, keep_returns=True, cache_dir=tmp_path)) > 3
    assert len(list((tmp_path / "cleaned").iterdir())) == 4


def test_load_rebuilds_a_damaged_cache_and_never_writes_the_input(tmp_path: Path) -> None:
    data = tmp_path / "shop.parquet"
    datasets.make_transactions(80, random_state=0).to_parquet(data)
    before = data.read_bytes()
    first = chapter.load(data, cache_dir=tmp_path / "c")
    for f in (tmp_path / "c" / "cleaned").iterdir():
        f.write_bytes(b"not parquet")
    pd.testing.assert_frame_equal(chapter.load(data, cache_dir=tmp_path / "c"), first)
    assert data.read_bytes() == before
    # a changed file is a new key, never a stale answer
    datasets.make_transactions(60, random_state=1).to_parquet(data)
    assert chapter.load(data, cache_dir=tmp_path / "c")["customer_id"].nunique() != first["customer_id"].nunique()


def test_load_raw_and_argument_errors() -> None:
    raw = chapter.load(sample_customers=50, random_state=0, clean=False)
    assert raw["customer_id"].nunique() == 50
    with pytest.raises(ValueError, match="with_report needs clean=True"):
        chapter.load(clean=False, with_report=True)
    with pytest.raises(ValueError, match="pass data_path too"):
        chapter.load(columns={"customer_id": "user"})


def test_setup_sets_display_options_and_threads() -> None:
    chapter.setup(threads=1, max_colwidth=44)
    assert pd.get_option("display.max_colwidth") == 44
    from threadpoolctl import threadpool_info

    assert all(i["num_threads"] == 1 for i in threadpool_info())
    chapter._limits.restore_original_limits()


def test_atomic_write_gives_normal_permissions(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        storage.atomic_write(tmp_path / "f.bin", lambda s: s.write(b"x"))
    finally:
        os.umask(old)
    assert (tmp_path / "f.bin").stat().st_mode & 0o777 == 0o640
