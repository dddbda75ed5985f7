"""Chapter 4 (features as of a cutoff) run by papermill with non-default parameters."""

from __future__ import annotations

import pandas as pd
import pytest

from profiling import cleaning, datasets
from profiling.features import FEATURE_NAMES

N = 300
SEED = 42
CUTOFF = "2010-06-01"
HORIZON = 90  # the chapter's default horizon_days


def rank_auc(y: pd.Series, score: pd.Series) -> float:
    """ROC AUC from average ranks (Mann-Whitney), ties counted half: no scikit-learn needed."""
    ranks = score.rank(method="average")
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def expected_values() -> dict:
    """From the same seeded sample after the chapter's cleaning (the default rules without ``cancellations``
    and ``returns``): the customers with a purchase before the cutoff, their share with one order, the share
    that buys in the next HORIZON days, and the ROC AUC of the number of orders as a score for that label."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    rules = [r for r in cleaning.default_rules() if r.name not in ("cancellations", "returns")]
    clean_tx, _ = cleaning.clean(raw, rules)
    cut = pd.Timestamp(CUTOFF)
    purchases = clean_tx[clean_tx["quantity"] > 0]
    orders = purchases[purchases["timestamp"] < cut].groupby("customer_id")["invoice_id"].nunique()
    later = purchases[(purchases["timestamp"] >= cut) & (purchases["timestamp"] < cut + pd.Timedelta(days=HORIZON))]
    label = pd.Series(orders.index.isin(later["customer_id"].unique()), index=orders.index)
    # the pitfall of section 4.9: the outline's average on the table of a seeded half of the customers
    buys = purchases[purchases["timestamp"] < cut]
    half_ids = pd.Series(buys.groupby("customer_id")["quantity"].sum().index).sample(frac=0.5, random_state=SEED)
    half_lines = int(buys["customer_id"].isin(half_ids).sum())
    return {
        "half_table_factor": round(len(buys) / half_lines, 6),
        "n_customers": len(orders),
        "one_order_share": round(float((orders == 1).mean()), 6),
        "label_share": round(float(label.mean()), 6),
        "honest_auc": round(rank_auc(label, orders), 6),
    }


def test_chapter_04_with_sample_and_earlier_cutoff(run_chapter) -> None:
    rec = run_chapter("04_features.ipynb", sample_customers=N, random_state=SEED, cutoff=CUTOFF)
    n = rec["n_customers"]
    expected = expected_values()
    assert 0 < n <= N
    assert n == expected["n_customers"]
    assert rec["n_features"] == len(FEATURE_NAMES)
    assert rec["cutoff"] == CUTOFF
    # the lifetimes-style summary has one row per customer (the package's RFM is checked against
    # lifetimes in tests/test_features.py, not through a flag the notebook sets on itself)
    assert rec["rfm_rows"] == n
    # recorded to 6 decimals; recomputed here with pandas (abs=1e-6: a last-bit difference may flip that digit)
    assert rec["one_order_share"] == pytest.approx(expected["one_order_share"], abs=1e-6)
    # lifetimes counts repeat days: a one-order customer has frequency 0, and so has a same-day re-orderer
    assert rec["one_order_share"] <= rec["rfm_zero_frequency_share"] <= 1
    # the leakage example: the label and the honest frequency's AUC as computed here; the leaky one flatters it
    assert rec["label_share"] == pytest.approx(expected["label_share"], abs=1e-6)
    assert rec["honest_auc"] == pytest.approx(expected["honest_auc"], abs=1e-6)
    assert 0.5 < rec["honest_auc"] < rec["leaky_auc"] <= 1
    assert set(rec["auc_table"]) == {"recency_days", "frequency", "monetary"}
    # the outline's "average" (a customer's total over the rows of the whole table) is a rescaled total:
    # the same ranks as the total, and a scale that moves with the table (here: half of the customers)
    assert rec["outline_average_spearman_with_total"] == pytest.approx(1, abs=1e-6)
    assert rec["outline_average_half_table_factor"] == pytest.approx(expected["half_table_factor"], abs=1e-6)
    assert rec["outline_average_half_table_factor"] > 1
    # the fix (units per own order) is not a rescaled total
    assert rec["per_order_fixed_spearman_with_total"] < 0.99
