"""Tests of profiling.uplift.metrics: curves, areas and uplift@k computed by hand, and the bootstrap interval."""

from __future__ import annotations

import math

import numpy as np
import pytest

from profiling import stats, uplift

Y = [1, 0, 1, 0]
S = [0.9, 0.8, 0.2, 0.1]
T = [1, 1, 0, 0]


def test_uplift_and_qini_curves_by_hand() -> None:
    # top 1: treated 1/1 -> 1; top 2: treated 1/2, control none -> 0.5 * 2 = 1;
    # top 3: treated 1/2, control 1/1 -> (0.5 - 1) * 3 = -1.5; all: (0.5 - 0.5) * 4 = 0
    u = uplift.uplift_curve(Y, S, T)
    assert u["n"].tolist() == [0, 1, 2, 3, 4]
    assert u["uplift"].tolist() == pytest.approx([0, 1, 1, -1.5, 0])
    # Qini: y_t - y_c * n_t / n_c -> 1, 1, 1 - 1 * 2 / 1 = -1, 1 - 1 * 2 / 2 = 0
    assert uplift.qini_curve(Y, S, T)["qini"].tolist() == pytest.approx([0, 1, 1, -1, 0])


def test_curves_cut_only_between_tied_scores() -> None:
    u = uplift.uplift_curve(Y, [0.5, 0.5, 0.1, 0.1], T)
    assert u["n"].tolist() == [0, 2, 4]
    assert u["uplift"].tolist() == pytest.approx([0, 1, 0])


def test_curve_areas_with_random_and_perfect_references_by_hand() -> None:
    # uplift: model area = trapezoids of [0, 1, 1, -1.5, 0] = 0.5 + 1 - 0.25 - 0.75 = 0.5; the
    # random line ends at 0 (area 0); the perfect order (treated responder, control non-responder,
    # treated non-responder, control responder) gives [0, 1, 2, 1.5, 0] -> area 4.5
    a = uplift.curve_areas(Y, S, T, "uplift")
    assert (a["model"], a["random"], a["perfect"]) == pytest.approx((0.5, 0.0, 4.5))
    assert a["normalized"] == pytest.approx(1 / 9)
    assert uplift.uplift_auc_score(Y, S, T) == pytest.approx(1 / 9)
    # Qini: model [0, 1, 1, -1, 0] -> 1.0; perfect: treated responder first, control responder last,
    # the two non-responders tied -> points n = 0, 1, 3, 4 with [0, 1, 1, 0] -> 0.5 + 2 + 0.5 = 3
    q = uplift.curve_areas(Y, S, T, "qini")
    assert (q["model"], q["random"], q["perfect"]) == pytest.approx((1.0, 0.0, 3.0))
    assert uplift.qini_auc_score(Y, S, T) == pytest.approx(1 / 3)


def test_random_reference_is_the_diagonal() -> None:
    # a curve that ends at 2 over 4 customers: random area = 4 * 2 / 2
    y, t = [1, 1, 1, 0], [1, 1, 0, 0]
    a = uplift.curve_areas(y, [0.4, 0.3, 0.2, 0.1], t, "uplift")
    assert a["random"] == pytest.approx(4.0)
    assert uplift.uplift_curve(y, [0.4, 0.3, 0.2, 0.1], t)["uplift"].iloc[-1] == pytest.approx(2.0)
    # the perfect ordering scores 1 after normalization
    assert uplift.curve_areas(y, uplift.perfect_scores(y, t), t)["normalized"] == pytest.approx(1.0)


def test_perfect_scores_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="kind must be"):
        uplift.perfect_scores(Y, T, kind="best")
    with pytest.raises(ValueError, match="perfect_scores: treatment must be 0"):
        uplift.perfect_scores(Y, [1, 2, 0, 0])
    with pytest.raises(ValueError, match="same length"):
        uplift.perfect_scores(Y, T[:3])


def test_uplift_at_k_by_hand() -> None:
    y = [1, 0, 1, 0, 0, 1]
    t = [1, 0, 0, 1, 1, 0]
    s = [6, 5, 4, 3, 2, 1]
    # top 50 % = first 3 rows: treated {1} -> 1.0; control {0, 1} -> 0.5
    assert uplift.uplift_at_k(y, s, t, k=0.5) == pytest.approx(0.5)
    assert uplift.uplift_at_k(y, s, t, k=3) == pytest.approx(0.5)
    # by group: top int(3 * 0.5) = 1 of each: treated row 0 (1), control row 1 (0)
    assert uplift.uplift_at_k(y, s, t, k=0.5, strategy="by_group") == pytest.approx(1.0)
    # everyone: 1/3 - 2/3
    assert uplift.uplift_at_k(y, s, t, k=1.0) == pytest.approx(-1 / 3)
    # top 1 has no control row
    assert math.isnan(uplift.uplift_at_k(y, s, t, k=1))
    for bad in (0, 1.5, -0.1, 7, True):
        with pytest.raises(ValueError, match="k "):
            uplift.uplift_at_k(y, s, t, k=bad)
    with pytest.raises(ValueError, match="strategy"):
        uplift.uplift_at_k(y, s, t, strategy="best")


def test_metrics_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="same length"):
        uplift.uplift_curve([1, 0], [0.1], [1, 0])
    with pytest.raises(ValueError, match="treatment must be 0"):
        uplift.qini_curve([1, 0], [0.1, 0.2], [1, 2])
    with pytest.raises(ValueError, match="need both groups"):
        uplift.uplift_at_k([1, 0], [0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="missing"):
        uplift.curve_areas([1, np.nan], [0.1, 0.2], [1, 0])
    with pytest.raises(ValueError, match="no rows"):
        uplift.uplift_curve([], [], [])
    with pytest.raises(ValueError, match="bins must be"):
        uplift.uplift_by_bin(Y, S, T, bins=5)


def _synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 2, n)
    effect = np.where(rng.normal(size=n) > 0, 0.3, 0.0)
    y = (rng.random(n) < 0.1 + t * effect).astype(int)
    return y, effect, t


def test_bootstrap_interval_and_bins() -> None:
    y, effect, t = _synthetic(3000, seed=5)
    score = effect + np.random.default_rng(0).normal(scale=0.1, size=len(y))
    b1 = uplift.bootstrap_uplift_at_k(y, score, t, k=0.3, n_boot=200, random_state=1)
    b2 = uplift.bootstrap_uplift_at_k(y, score, t, k=0.3, n_boot=200, random_state=1)
    assert b1.equals(b2)
    assert b1["estimate"] == uplift.uplift_at_k(y, score, t, 0.3)
    assert b1["ci_low"] < b1["estimate"] < b1["ci_high"] and b1["n_boot"] == 200
    assert 0.2 < b1["estimate"] < 0.4
    narrow = uplift.bootstrap_uplift_at_k(y, score, t, k=0.3, n_boot=200, level=0.5, random_state=1)
    assert b1["ci_low"] < narrow["ci_low"] < narrow["ci_high"] < b1["ci_high"]
    bins = uplift.uplift_by_bin(y, score, t, bins=5)
    assert bins.index.tolist() == [1, 2, 3, 4, 5]
    assert (bins["n_treated"] + bins["n_control"]).sum() == len(y)
    assert bins["uplift"].iloc[0] > bins["uplift"].iloc[-1]
    with pytest.raises(ValueError, match="bootstrap_uplift_at_k: n_boot must be a whole number >= 10"):
        uplift.bootstrap_uplift_at_k(y, score, t, n_boot=5)
    with pytest.raises(ValueError, match="bootstrap_uplift_at_k: the confidence level"):
        uplift.bootstrap_uplift_at_k(y, score, t, level=95)


def _uplift_at_k_replicates_by_loop(y, score, t, k, n_boot, seed):
    """The resampling contract spelled out: replicate b ranks the rows of rng.integers(0, n, n) by the fixed score."""
    y, score, t = (np.asarray(a, dtype=float) for a in (y, score, t))
    n = len(y)
    m = max(1, int(n * k + 1e-9))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_boot):
        rows = rng.integers(0, n, n)
        top = rows[np.lexsort((rows, -score[rows]))[:m]]    # highest scores first, ties by the original row
        tt, yy = t[top], y[top]
        out.append(yy[tt == 1].mean() - yy[tt == 0].mean() if 0 < tt.sum() < m else np.nan)
    return np.array(out)


@pytest.mark.parametrize("n, k, n_boot, seed, ties", [(60, 0.3, 50, 0, False), (500, 0.1, 120, 42, True),
                                                      (2000, 0.5, 40, 7, True)])
def test_bootstrap_uplift_at_k_uses_the_course_resampling(n, k, n_boot, seed, ties) -> None:
    # replicate b = rng.integers(0, n, n) in sequence from default_rng(random_state), as every interval of
    # the course (profiling.stats); the interval is stats.percentile_interval of the usable replicates
    y, _, t = _synthetic(n, seed + 1)
    score = np.random.default_rng(seed + 2).normal(size=n)
    if ties:
        score = score.round(1)
    reps = _uplift_at_k_replicates_by_loop(y, score, t, k, n_boot, seed)
    reps = reps[~np.isnan(reps)]
    b = uplift.bootstrap_uplift_at_k(y, score, t, k=k, n_boot=n_boot, random_state=seed)
    assert b["n_boot"] == len(reps)
    assert b["se"] == pytest.approx(reps.std(ddof=1), rel=1e-12)
    assert (b["ci_low"], b["ci_high"]) == pytest.approx(stats.percentile_interval(reps, 0.95), rel=1e-12)


def test_paired_uplift_difference_agrees_with_uplift_at_k_and_is_zero_against_itself() -> None:
    rng = np.random.default_rng(3)
    good, noise = rng.random(3000), rng.random(3000)
    t = (rng.random(3000) < 0.5).astype(int)
    y = (rng.random(3000) < 0.1 + 0.2 * t * (good > 0.6)).astype(int)
    d = uplift.paired_uplift_at_k_difference(y, good, noise, t, k=0.3, n_boot=100, random_state=1)
    assert d["difference"] == pytest.approx(uplift.uplift_at_k(y, good, t, 0.3) - uplift.uplift_at_k(y, noise, t, 0.3))
    assert d["ci_low"] <= d["difference"] <= d["ci_high"] and 0 < d["share_positive"] <= 1
    same = uplift.paired_uplift_at_k_difference(y, good, good, t, k=0.3, n_boot=50, random_state=1)
    assert (same["difference"], same["ci_low"], same["ci_high"], same["share_positive"]) == (0, 0, 0, 0)
