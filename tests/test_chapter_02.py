"""Chapter 2 runs with other parameters, and what it records is consistent with them."""

from __future__ import annotations

import pandas as pd
import pytest

from profiling import datasets


def expected_sample_facts(n: int, seed: int) -> dict:
    """The counts, dates and line shares of the same seeded customer sample, computed here with the package."""
    tx = datasets.sample_customers(datasets.load_online_retail(), n, random_state=seed)
    cancel = tx["invoice_id"].str.startswith("C")
    return {
        "n_lines": len(tx),
        "n_invoices": tx["invoice_id"].nunique(),
        "n_cancel_invoices": tx.loc[cancel, "invoice_id"].nunique(),
        "n_customers": tx["customer_id"].nunique(),
        "n_items": tx["item_id"].nunique(),
        "n_countries": tx["country"].nunique(),
        "first_date": tx["timestamp"].min().isoformat(),
        "last_date": tx["timestamp"].max().isoformat(),
        "share_cancel_lines": float(cancel.mean()),
    }


def test_chapter_02_with_a_sample_of_customers(run_chapter):
    records = run_chapter("02_user_profiles.ipynb", sample_customers=300, top_n_countries=5, random_state=7)

    assert records["sample_customers"] == 300
    assert records["n_customers"] == 300
    # Only the sampled customers' lines are kept, so none lacks a customer id.
    assert records["share_lines_no_customer"] == 0.0
    assert records["no_id_revenue_share"] == 0.0
    # Counts and dates are those of the same seeded sample taken here (and smaller than the full data's)
    expected = expected_sample_facts(300, 7)
    for name in ["n_lines", "n_invoices", "n_cancel_invoices", "n_customers", "n_items", "n_countries",
                 "first_date", "last_date"]:
        assert records[name] == expected[name], name
    # a mean of 0/1 flags over the same lines: same-code recomputation, so rel=1e-9 is plenty
    assert records["share_cancel_lines"] == pytest.approx(expected["share_cancel_lines"], rel=1e-9)
    assert 300 <= records["n_invoices"] < 28816
    assert records["n_cancel_invoices"] < records["n_invoices"] <= records["n_lines"]
    assert len(records["top_countries"]) == min(5, records["n_countries"])
    # Dates stay inside the data's period.
    first, last = pd.Timestamp(records["first_date"]), pd.Timestamp(records["last_date"])
    assert pd.Timestamp("2009-12-01") <= first <= last <= pd.Timestamp("2010-12-10")
    # Shares are shares; the top 10 % of customers hold at least 10 % of revenue.
    for name in ["share_cancel_lines", "share_one_time_buyers", "cancelled_share_of_sales", "uk_customer_share"]:
        assert 0.0 <= records[name] <= 1.0, name
    assert 0.1 <= records["top10pct_revenue_share"] <= 1.0
    assert -1.0 <= records["gini"] <= 1.0
    assert records["median_orders_per_customer"] >= 1
    assert records["mean_orders_per_customer"] >= 1
    assert records["gross_sales"] >= records["net_revenue"]
    # The Hillstrom part does not depend on the sample.
    assert records["hillstrom_rows"] == 64000


def test_chapter_02_on_your_own_file(run_chapter, tmp_path):
    """``data_path`` + ``data_columns`` take a user's file (here synthetic, with renamed columns)."""
    from profiling.datasets import make_transactions

    tx = make_transactions(n_customers=200, n_items=100, start="2011-01-01", end="2011-06-30", random_state=3)
    path = tmp_path / "shop.csv"
    tx.rename(columns={"customer_id": "user", "timestamp": "paid_at"}).to_csv(path, index=False)

    records = run_chapter(
        "02_user_profiles.ipynb",
        data_path=str(path),
        data_columns={"customer_id": "user", "timestamp": "paid_at"},
        top_n_countries=3,
    )

    assert records["n_customers"] == 200
    assert records["n_lines"] == len(tx)
    assert records["n_invoices"] == tx["invoice_id"].nunique()
    assert records["n_countries"] == tx["country"].nunique()
    assert records["top_countries"][0] == "United Kingdom"
    assert len(records["top_countries"]) == 3
    assert records["first_date"].startswith("2011-01") and records["last_date"] < "2011-07-01"
    assert 0.1 <= records["top10pct_revenue_share"] <= 1.0
