"""The default report on the corpus's short and sparse shops (tests/shops.py): 7 weeks, 8 weeks with Chinese
headers in GBK, sales in one week of three; and every skip hint on 5 weeks, followed.

Each report runs every chapter (slow: minutes). The corpus is split over two files so that pytest-xdist
(``--dist loadfile``) runs them on both workers; the longer shops are in tests/test_shops_months.py.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from shop_checks import check_default_report
from shops import history_shop, run_report

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


@pytest.mark.parametrize("name", ["weeks7", "zh_weeks8", "sparse_weeks"])
def test_default_report_on_a_short_or_sparse_shop(tmp_path, name):
    run = check_default_report(name, tmp_path)
    if name != "sparse_weeks":  # 7 and 8 weeks: the chapters with long calendars run them scaled, and say so
        assert {"07", "10", "11"} <= {c["chapter"] for c in run["chapters"] if c.get("scaled")}


def test_every_skip_hint_on_a_short_history_leads_to_a_run(tmp_path):
    """On 5 weeks of data the chapters with dates are skipped (below 6 weeks, no scaling); each skip names
    the settings that run it. Following each hint (its --chapters and --param calendar, or a longer export)
    runs the chapter: it is neither skipped again nor refused (exit 2) for the dates it was given."""
    short = history_shop(tmp_path, "weeks5", "2021-08-27", "2021-09-30", 400)
    rc, err, run = run_report(short, tmp_path / "r0", "--chapters", "03,04,05,07,08,09,10,11", "--quiet")
    assert rc == 0, err
    skipped = {c["chapter"]: c["reason"] for c in run["chapters"]}
    assert set(skipped) == {"03", "04", "05", "07", "08", "09", "10", "11"}
    assert all(c["status"] == "skipped" for c in run["chapters"])
    outcomes = {}
    for number, reason in skipped.items():
        assert "needs at least" in reason and "your data cover 35 days" in reason, reason
        if "yourself" in reason:
            hint = reason.split("yourself ", 1)[1].split(": ", 1)[1].split()
            assert hint[:2] == ["--chapters", number], hint
            rc, err, again = run_report(short, tmp_path / f"r{number}", *hint, "--quiet")
        else:  # the hint is a longer export: as many days as it says
            days = int(re.search(r"needs at least (\d+) days", reason).group(1))
            longer = history_shop(tmp_path, f"days{days}", f"{pd.Timestamp('2021-09-30') - pd.Timedelta(days=days - 1):%Y-%m-%d}",
                                   "2021-09-30", 400)
            rc, err, again = run_report(longer, tmp_path / f"r{number}", "--chapters", number, "--quiet")
        assert rc != 2, (number, err)
        entry = again["chapters"][0]
        assert entry["status"] != "skipped", (number, entry)
        outcomes[number] = entry["status"] if entry["status"] == "ran" else entry["error"]
    # the calendar is followed everywhere, and every chapter then runs
    assert all(v == "ran" for v in outcomes.values()), outcomes
