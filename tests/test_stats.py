"""The one statistics module: resampling, intervals, AUC under weights, and reading an interval."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from profiling import stats


def test_indices_are_successive_draws_in_any_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    expected = np.stack([rng.integers(0, 50, 50) for _ in range(30)])
    monkeypatch.setattr(stats, "BLOCK_CELLS", 120)          # blocks of 2 replicates
    got = np.vstack(list(stats.bootstrap_indices(50, 30, random_state=7)))
    np.testing.assert_array_equal(got, expected)
    counts = stats.bootstrap_counts(50, 30, random_state=7)
    np.testing.assert_array_equal(counts, np.stack([np.bincount(r, minlength=50) for r in expected]))
    assert (counts.sum(axis=1) == 50).all()
    with pytest.raises(ValueError, match="empty"):
        list(stats.bootstrap_indices(0, 5))


def test_bootstrap_mean_covers_the_mean_and_narrows_with_n() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.normal(1.0, 1.0, 100), rng.normal(1.0, 1.0, 10_000)
    a = stats.bootstrap_mean(small, n_boot=500, random_state=1)
    b = stats.bootstrap_mean(large, n_boot=500, random_state=1)
    assert a.low < a.estimate < a.high and b.low < b.estimate < b.high
    assert a.estimate == pytest.approx(small.mean())
    # the width of a 95 % interval is about 2 * 1.96 * sd / sqrt(n)
    assert (a.high - a.low) == pytest.approx(2 * 1.96 / 10, rel=0.25)
    assert (b.high - b.low) == pytest.approx(2 * 1.96 / 100, rel=0.25)
    assert stats.bootstrap_mean(small, n_boot=500, random_state=1) == a      # seeded
    assert all(np.isnan(stats.bootstrap_mean([], n_boot=10)))
    with pytest.raises(ValueError, match="level"):
        stats.bootstrap_mean(small, level=95)


def test_bootstrap_ratio_is_paired() -> None:
    rng = np.random.default_rng(2)
    base = rng.exponential(1.0, 2000)
    better = base * 1.05                                        # 5 % better for every customer
    r = stats.bootstrap_ratio(better, base, n_boot=300)
    assert r.estimate == pytest.approx(1.05)
    assert r.high - r.low < 1e-9                                # pairing cancels the customer noise
    unpaired = stats.bootstrap_ratio(rng.permutation(better), base, n_boot=300)
    assert unpaired.high - unpaired.low > 0.05
    with pytest.raises(ValueError, match="equal length"):
        stats.bootstrap_ratio(better[:10], base)


def test_weighted_auc_equals_sklearn_on_repeated_rows_with_ties() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 300)
    s = np.round(rng.normal(size=300) + y, 1)                  # many ties
    assert stats.weighted_auc(y, s, np.ones(300)) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    counts = rng.integers(0, 3, 300)
    idx = np.repeat(np.arange(300), counts)
    assert stats.weighted_auc(y, s, counts) == pytest.approx(roc_auc_score(y[idx], s[idx]), abs=1e-12)
    W = stats.bootstrap_counts(300, 4, random_state=0)
    rows = stats.weighted_auc(y, s, W)
    for w, auc in zip(W, rows):
        keep = np.repeat(np.arange(300), w.astype(int))
        assert auc == pytest.approx(roc_auc_score(y[keep], s[keep]), abs=1e-12)
    assert np.isnan(stats.weighted_auc(y, s, (y == 1).astype(float)))     # one class only


def test_bootstrap_auc_and_paired_difference() -> None:
    rng = np.random.default_rng(0)
    n = 800
    y = rng.integers(0, 2, n)
    weak = y + rng.normal(scale=2.0, size=n)
    strong = y + rng.normal(scale=0.7, size=n)
    same = strong + rng.normal(scale=0.01, size=n)
    est = stats.bootstrap_auc(y, strong, n_boot=300, random_state=1)
    assert est.estimate == pytest.approx(roc_auc_score(y, strong))
    assert 0.5 < est.low < est.estimate < est.high < 1
    d = stats.paired_auc_difference(y, weak, strong, n_boot=300, random_state=1)
    assert d.estimate == pytest.approx(roc_auc_score(y, strong) - roc_auc_score(y, weak))
    assert stats.verdict(d.low, d.high) == "a real gain"
    assert stats.verdict(*stats.paired_auc_difference(y, strong, same, n_boot=300)[1:]) == "not distinguishable"
    reps = stats.auc_replicates(y, {"weak": weak, "strong": strong}, n_boot=50, random_state=1)
    assert reps.shape == (50, 2) and (reps["strong"] > reps["weak"]).mean() > 0.9
    with pytest.raises(ValueError, match="two classes"):
        stats.bootstrap_auc(np.ones(10), np.arange(10.0))
    with pytest.raises(ValueError, match="shape"):
        stats.bootstrap_auc(y, strong[:10])
    with pytest.raises(ValueError, match="n_boot"):
        stats.bootstrap_auc(y, strong, n_boot=2)
    with pytest.raises(ValueError, match="no scores"):
        stats.auc_replicates(y, {})
    with pytest.raises(ValueError, match="NaN"):
        stats.auc_replicates(y, {"a": np.full(n, np.nan)})


@pytest.mark.parametrize(
    ("low", "high", "null", "expected"),
    [(0.01, 0.2, 0.0, "a real gain"), (-0.2, -0.01, 0.0, "a real loss"), (-0.1, 0.1, 0.0, "not distinguishable"),
     (0.0, 0.1, 0.0, "not distinguishable"), (1.02, 1.1, 1.0, "a real gain"), (0.9, 0.99, 1.0, "a real loss"),
     (float("nan"), 0.1, 0.0, "not distinguishable")],
)
def test_verdict_reads_only_what_the_interval_supports(low, high, null, expected) -> None:
    assert stats.verdict(low, high, null) == expected


def test_describe_writes_the_sentence() -> None:
    text = stats.describe(0.012, 0.004, 0.020)
    assert text == "+0.012 (95 % interval +0.004 to +0.020): a real gain"
    assert stats.describe(1.0, 0.9, 1.1, null=1.0, fmt="{:.2f}×", neither="no difference shown").endswith(
        "0.90× to 1.10×): no difference shown")


def test_percentile_interval_ignores_undefined_replicates() -> None:
    assert stats.percentile_interval([np.nan, 1.0, 2.0, 3.0], 0.5) == (1.5, 2.5)
    assert all(np.isnan(stats.percentile_interval([np.nan, np.nan])))
    with pytest.raises(ValueError, match="n_boot"):
        stats.bootstrap(lambda idx: 0.0, 5, n_boot=0)
    reps = stats.bootstrap(lambda idx: float(idx.max()), 5, n_boot=20)
    assert reps.shape == (20,) and ((0 <= reps) & (reps <= 4)).all()
