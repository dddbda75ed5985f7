"""Chapter 2 runs with other parameters, and what it records is consistent with them."""

from __future__ import annotations

import pandas as pd
import pytest

from profiling import cleaning, datasets

SCREEN_KEYS = {"quantity", "taken back", "burst", "price", "any"}


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


def screened_lines(tx: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lines the chapter's risk screens judge (product lines of identified customers): sold, taken back."""
    known = tx[tx["customer_id"].notna() & ~cleaning.is_non_product(tx["item_id"])]
    return known[(known["quantity"] > 0) & (known["unit_price"] > 0)], known[known["quantity"] < 0]


def counts(lines: pd.DataFrame) -> dict:
    return {"lines": len(lines), "invoices": lines["invoice_id"].nunique(),
            "customers": lines["customer_id"].nunique()}


def screens_by_loop(tx: pd.DataFrame, hours: float = 24, n: int = 5, minutes: float = 10) -> dict:
    """The 'taken back in full' and 'burst' screens written as plain loops, independently of the chapter."""
    sold, back = screened_lines(tx)
    returned: dict[tuple, list] = {}
    for r in back.itertuples():
        returned.setdefault((r.customer_id, r.item_id, -r.quantity), []).append(r.timestamp)
    window, full = pd.Timedelta(hours=hours), []
    for invoice, lines in sold.groupby("invoice_id"):
        if all(any(pd.Timedelta(0) <= t - r.timestamp <= window
                   for t in returned.get((r.customer_id, r.item_id, r.quantity), []))
               for r in lines.itertuples()):
            full.append(invoice)
    in_burst: set = set()
    for _, orders in sold.drop_duplicates("invoice_id").groupby("customer_id"):
        orders = orders.sort_values(["timestamp", "invoice_id"])
        times, ids = orders["timestamp"].tolist(), orders["invoice_id"].tolist()
        for last in range(n - 1, len(times)):
            if times[last] - times[last - n + 1] <= pd.Timedelta(minutes=minutes):
                in_burst.update(ids[last - n + 1:last + 1])
    return {"taken back": counts(sold[sold["invoice_id"].isin(full)]),
            "burst": counts(sold[sold["invoice_id"].isin(in_burst)])}


def check_screen_counts(records: dict) -> dict:
    """What holds for the risk screens' counts on any data; returns them without the shares."""
    screens = records["review_screens"]
    assert set(screens) == SCREEN_KEYS
    for name, row in screens.items():
        assert row["lines"] >= row["invoices"] >= row["customers"] >= 0, name
        assert row["lines"] <= screens["any"]["lines"] and row["customers"] <= screens["any"]["customers"], name
        assert row["customers (%)"] == pytest.approx(100 * row["customers"] / records["n_customers"], rel=1e-9)
    assert screens["any"]["lines"] <= sum(row["lines"] for name, row in screens.items() if name != "any")
    assert records["review_flagged_customers"] == screens["any"]["customers"] <= records["n_customers"]
    assert 0 <= records["review_customers_several_screens"] <= screens["any"]["customers"]
    return {name: {k: v for k, v in row.items() if k != "customers (%)"} for name, row in screens.items()}


def test_chapter_02_with_a_sample_of_customers(run_chapter):
    records = run_chapter("02_user_profiles.ipynb", sample_customers=300, top_n_countries=5, random_state=7,
                          screen_quantity_factor=50)

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
    assert records["country_filled_share"] == 1.0       # the shipped data give every line a country

    # Risk screens: consistent counts; the quantity screen with the other factor, recomputed here
    screens = check_screen_counts(records)
    sample = datasets.sample_customers(datasets.load_online_retail(), 300, random_state=7)
    sold, _ = screened_lines(sample)
    usual = sold.groupby("item_id")["quantity"].transform("median")
    assert screens["quantity"] == counts(sold[sold["quantity"] >= 50 * usual])


def test_chapter_02_on_your_own_file(run_chapter, tmp_path):
    """``data_path`` + ``data_columns`` take a user's file (here synthetic, with renamed columns)."""
    from profiling.datasets import make_transactions

    tx = make_transactions(n_customers=200, n_items=100, start="2011-01-01", end="2011-06-30", random_state=3)
    # Orders the risk screens must find: six invoices of one customer within five minutes, and an
    # order of two lines taken back line for line half an hour later (existing customers and items)
    first = tx.iloc[0]
    at = pd.Timestamp("2011-03-01 10:00")
    planted = [(first["customer_id"], f"9{i:05d}", first["item_id"], 2, at + pd.Timedelta(minutes=i))
               for i in range(6)]
    planted += [("10001", "900010", item, q, at) for item, q in (("20001", 3), ("20002", 4))]
    planted += [("10001", "C900011", item, -q, at + pd.Timedelta(minutes=30)) for item, q in (("20001", 3), ("20002", 4))]
    extra = pd.DataFrame(planted, columns=["customer_id", "invoice_id", "item_id", "quantity", "timestamp"])
    extra = extra.assign(description="PLANTED ITEM", unit_price=1.5, country="United Kingdom")
    tx = pd.concat([tx, extra[tx.columns].astype(tx.dtypes.to_dict())], ignore_index=True)
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
    assert records["country_filled_share"] == pytest.approx(float(tx["country"].notna().mean()), rel=1e-12)

    # Risk screens on the user's file: the chapter's vectorized screens agree with plain loops,
    # and they find the planted burst and the planted order taken back in full
    screens = check_screen_counts(records)
    expected = screens_by_loop(tx)
    assert screens["taken back"] == expected["taken back"] and screens["burst"] == expected["burst"]
    assert screens["burst"]["invoices"] >= 6 and screens["taken back"]["invoices"] >= 1
