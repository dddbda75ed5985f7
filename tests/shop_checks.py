"""The checks every corpus shop's default report must pass (used by tests/test_shops_*.py)."""

from __future__ import annotations

import hashlib
import html
from pathlib import Path

import pandas as pd

from shops import DEFAULT_CHAPTERS, SHOPS, make_shop, run_report, shipped_facts, suggested_options


def check_default_report(name: str, folder: Path) -> dict:
    """Run the default report on shop ``name`` as an analyst would, and check it; returns run.json.

    The options come from ``profiling columns`` (mapping, encoding, date format); no currency is
    given, so a shop that writes its currency gets it from its data. Checked: exit 0; every chapter
    whose columns exist ran (the others are skipped naming the column); nothing is skipped for its
    dates (a scaled calendar is said on the index page); the currency; no fact of the shipped shop
    on any page; the input file unchanged.
    """
    shop = SHOPS[name]
    path = make_shop(shop, folder)
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    out = folder / "report"
    rc, err, run = run_report(path, out, *suggested_options(path), *shop.extra)
    assert rc == 0, err
    status = {c["chapter"]: c for c in run["chapters"]}
    assert set(status) == DEFAULT_CHAPTERS, err
    skipped = {n for n, c in status.items() if c["status"] == "skipped"}
    assert skipped == shop.skipped, {n: status[n].get("reason") for n in skipped}
    for n in skipped:  # for a column the shop lacks, named
        assert status[n]["reason"].startswith("needs the column(s) ['"), status[n]
    assert all(status[n]["status"] == "ran" for n in DEFAULT_CHAPTERS - skipped), err
    index = (out / "index.html").read_text(encoding="utf-8")
    for c in run["chapters"]:
        if c.get("scaled"):
            assert html.escape(c["scaled"]["text"]) in index, c["chapter"]
    currency = run["settings"]["currency"]["value"]
    assert currency == (shop.currency or "currency"), run["settings"]
    first, last = (pd.Timestamp(run["data"]["summary"][k]) for k in ("first", "last"))
    assert shipped_facts(out, first, last, currency) == []
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    return run
