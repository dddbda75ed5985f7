"""The shipped data are the files the datasheet (data/README.md) describes.

Checksums and the Hillstrom arm means are parsed from the datasheet itself, so the datasheet and the
files cannot drift apart unnoticed.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from profiling.datasets import load_hillstrom

DATA = Path(__file__).resolve().parent.parent / "data"
DATASHEET = DATA / "README.md"


def datasheet_sections() -> dict[str, str]:
    """Text of each ``## `file name` `` section of the datasheet, by file name."""
    text = DATASHEET.read_text(encoding="utf-8")
    parts = re.split(r"^## `([^`]+)`\s*$", text, flags=re.MULTILINE)
    return {name: body for name, body in zip(parts[1::2], parts[2::2])}


def datasheet_checksums() -> dict[str, str]:
    found = {}
    for name, body in datasheet_sections().items():
        match = re.search(r"sha256:\s*`?([0-9a-f]{64})`?", body)
        if match:
            found[name] = match.group(1)
    return found


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def test_datasheet_covers_every_data_file():
    sections = datasheet_sections()
    shipped = sorted(p.name for p in DATA.iterdir() if p.suffix in {".csv", ".parquet"})
    assert shipped, "no data files found"
    missing = [name for name in shipped if name not in sections]
    assert not missing, f"data/README.md has no '## `name`' section for {missing}"


def test_the_two_main_sets_have_checksums():
    checksums = datasheet_checksums()
    assert {"online_retail_ii_2009_2010.parquet", "hillstrom.csv"} <= set(checksums)


@pytest.mark.parametrize("name", sorted(datasheet_checksums()))
def test_checksum_matches_datasheet(name):
    path = DATA / name
    assert path.is_file(), f"{name} is in the datasheet but not in data/"
    assert sha256(path) == datasheet_checksums()[name], f"{name} differs from the file described in data/README.md"


def test_hillstrom_has_no_final_newline():
    """The datasheet says so; the checksum depends on it."""
    assert not (DATA / "hillstrom.csv").read_bytes().endswith(b"\n")


def arm_table() -> dict[str, dict[str, str]]:
    """The Hillstrom arm-means table of the datasheet, values kept as printed."""
    body = datasheet_sections()["hillstrom.csv"]
    lines = [line.strip() for line in body.splitlines() if line.strip().startswith("|")]
    start = next(i for i, line in enumerate(lines) if re.match(r"\|\s*arm\s*\|", line))
    header = [c.strip() for c in lines[start].strip("|").split("|")]
    table = {}
    for line in lines[start + 2 :]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) != len(header) or not re.fullmatch(r"[\d.]+", cells[1]):
            break
        table[cells[0]] = dict(zip(header[1:], cells[1:]))
    return table


def test_hillstrom_arm_means_match_datasheet():
    table = arm_table()
    assert set(table) == {"Mens E-Mail", "Womens E-Mail", "No E-Mail"}
    means = load_hillstrom().groupby("segment", observed=True)[["visit", "conversion", "spend"]].mean()
    for arm, row in table.items():
        for column, printed in row.items():
            decimals = len(printed.split(".")[1])
            assert round(float(means.loc[arm, column]), decimals) == pytest.approx(float(printed), abs=1e-12), (arm, column)
