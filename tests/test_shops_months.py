"""The default report on the corpus's longer shops (tests/shops.py): 7 months, 3 years, a shop in euros with
other column names and US dates, one country, neither countries nor descriptions.

Each report runs every chapter (slow: minutes); the short shops are in tests/test_shops_weeks.py, so that
pytest-xdist (``--dist loadfile``) runs the two files on both workers.
"""

from __future__ import annotations

import pytest

from shop_checks import check_default_report

pytestmark = [pytest.mark.slow, pytest.mark.notebook]


@pytest.mark.parametrize("name", ["months7", "years3", "euro_shop", "one_country", "no_countries"])
def test_default_report_on_a_longer_shop(tmp_path, name):
    run = check_default_report(name, tmp_path)
    scaled = {c["chapter"] for c in run["chapters"] if c.get("scaled")}
    if name == "years3":
        assert not scaled  # three years hold every chapter's calendar as it is
    if name == "euro_shop":
        assert run["settings"]["currency"]["from"] == "found in the data (the prices of your column 'Unit Cost')"
