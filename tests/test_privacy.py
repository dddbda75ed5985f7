"""Tests for profiling.privacy: keyed pseudonyms, k-anonymity, generalization, Laplace noise, minimization."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from profiling import privacy

KEY = "a test key that is long enough"
OTHER_KEY = "another test key, also long enough"


# --------------------------------------------------------------------------------------------
# Pseudonymization
# --------------------------------------------------------------------------------------------


def test_pseudonyms_are_stable_and_keyed() -> None:
    ids = pd.Series(["12346", "12347", "12346", None], name="customer_id", index=[10, 11, 12, 13])
    a = privacy.pseudonymize(ids, KEY)
    b = privacy.pseudonymize(ids.copy(), KEY)
    assert a.tolist()[:3] == b.tolist()[:3]                 # same id + key -> same pseudonym (joins work)
    assert a.iloc[0] == a.iloc[2] and a.iloc[0] != a.iloc[1]
    assert pd.isna(a.iloc[3])                                # missing stays missing
    assert a.index.tolist() == [10, 11, 12, 13] and a.name == "customer_id" and a.dtype == "str"
    c = privacy.pseudonymize(ids, OTHER_KEY)
    assert set(a.dropna()).isdisjoint(set(c.dropna()))       # another key -> unrelated pseudonyms
    # it is exactly HMAC-SHA256, truncated
    expected = hmac.new(KEY.encode(), b"12346", hashlib.sha256).hexdigest()[:16]
    assert a.iloc[0] == expected


def test_pseudonyms_do_not_reveal_ids_and_cannot_be_recomputed_without_key() -> None:
    ids = pd.Series([f"{i:05d}" for i in range(12000, 12100)])
    pseud = privacy.pseudonymize(ids, KEY)
    # an attacker who knows the id space hashes every candidate without the key: no match
    unkeyed = {hashlib.sha256(i.encode()).hexdigest()[:16] for i in ids}
    md5 = {hashlib.md5(i.encode()).hexdigest()[:16] for i in ids}
    assert unkeyed.isdisjoint(set(pseud)) and md5.isdisjoint(set(pseud))
    # ... nor with a guessed wrong key
    guessed = set(privacy.pseudonymize(ids, "0" * 32))
    assert guessed.isdisjoint(set(pseud))
    # the id never appears inside its pseudonym, and the key never appears in the output
    assert not any(i in p for i, p in zip(ids, pseud))
    assert all(KEY not in p for p in pseud)
    # pseudonyms look uniformly random: all 16 hex digits, about equally often (chi-squared, 1,600 digits)
    digits = pd.Series(list("".join(pseud))).value_counts()
    assert len(digits) == 16
    assert stats.chisquare(digits.to_numpy()).pvalue > 0.001


def test_pseudonymize_index_prefix_and_length() -> None:
    idx = pd.Index(["a", "b"], name="customer_id")
    out = privacy.pseudonymize(idx, KEY.encode(), length=8, prefix="c_")
    assert isinstance(out, pd.Index) and out.name == "customer_id"
    assert all(p.startswith("c_") and len(p) == 10 for p in out)
    assert privacy.pseudonymize(["x", "y"], KEY).tolist() == privacy.pseudonymize(pd.Series(["x", "y"]), KEY).tolist()


@pytest.mark.parametrize(
    "key, length, err, match",
    [
        (None, 16, ValueError, "no key"),
        ("short", 16, ValueError, "at least 16 bytes"),
        (b"", 16, ValueError, "at least 16 bytes"),
        (12345678901234567890, 16, TypeError, "bytes or str"),
        (KEY, 4, ValueError, "8..64"),
        (KEY, 65, ValueError, "8..64"),
    ],
)
def test_pseudonymize_refuses_bad_keys_and_lengths(key, length, err, match) -> None:
    with pytest.raises(err, match=match):
        privacy.pseudonymize(pd.Series(["1"]), key, length=length)


def test_new_key() -> None:
    a, b = privacy.new_key(), privacy.new_key()
    assert len(a) == 32 and a != b
    with pytest.raises(ValueError, match=">= 16"):
        privacy.new_key(8)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=30))
def test_pseudonymize_is_a_function_of_the_value(values: list[str]) -> None:
    out = privacy.pseudonymize(pd.Series(values), KEY)
    seen: dict[str, str] = {}
    for v, p in zip(values, out):
        assert seen.setdefault(v, p) == p
    assert len(set(out)) == len(set(values))


# --------------------------------------------------------------------------------------------
# k-anonymity
# --------------------------------------------------------------------------------------------


def people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "country": ["UK", "UK", "UK", "UK", "FR", "FR", "DE", None],
            "tier": ["low", "low", "high", "high", "low", "low", "high", "low"],
            "spend": [10.0, 20.0, 300.0, 400.0, 15.0, 25.0, 500.0, 5.0],
        }
    )


def test_equivalence_classes_and_k_by_hand() -> None:
    f = people()
    classes = privacy.equivalence_classes(f, ["country", "tier"])
    assert classes["records"].sum() == len(f)
    assert classes["records"].tolist() == [1, 1, 2, 2, 2]   # DE/high and <NA>/low alone, smallest first
    assert privacy.k_anonymity(f, ["country", "tier"]) == 1
    assert privacy.k_anonymity(f, ["tier"]) == 3   # 5 low, 3 high
    s = privacy.anonymity_summary(f, ["country", "tier"], k=2)
    assert s == {"k": 1, "classes": 5, "unique": 2, "at_risk": 2, "at_risk_share": 0.25, "records": 8}
    assert privacy.anonymity_summary(f, ["country", "tier"], k=3)["at_risk"] == 8


@pytest.mark.parametrize(
    "qi, match",
    [(["nope"], "lacks the column"), ([], "at least one"), ("country", "list of column names"), (["tier", "tier"], "repeat")],
)
def test_k_anonymity_refuses_bad_quasi_identifiers(qi, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        privacy.k_anonymity(people(), qi)


def test_k_anonymity_refuses_empty_and_non_frames() -> None:
    with pytest.raises(ValueError, match="empty"):
        privacy.k_anonymity(people().iloc[:0], ["tier"])
    with pytest.raises(TypeError, match="DataFrame"):
        privacy.k_anonymity([1, 2], ["tier"])
    with pytest.raises(ValueError, match="k must"):
        privacy.anonymity_summary(people(), ["tier"], k=0)


def test_bands_mapping_suppress() -> None:
    level = privacy.bands([0, 30, 90, float("inf")], unit="days")
    assert level(pd.Series([0.0, 29.9, 30.0, 1000.0])).tolist() == ["0-30 days", "0-30 days", "30-90 days", ">=90 days"]
    named = privacy.bands([0, 1, 2], labels=["a", "b"])
    assert named(pd.Series([0.5, 1.5])).tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="outside"):
        level(pd.Series([-1.0]))
    with pytest.raises(ValueError, match="increasing"):
        privacy.bands([5, 1])
    with pytest.raises(ValueError, match="labels"):
        privacy.bands([0, 1, 2], labels=["a"])
    m = privacy.mapping({"UK": "UK", "FR": "EU"}, default="other")
    assert m(pd.Series(["UK", "FR", "JP"])).tolist() == ["UK", "EU", "other"]
    with pytest.raises(ValueError, match="not in the mapping"):
        privacy.mapping({"UK": "UK"})(pd.Series(["JP"], name="country"))
    assert privacy.suppress(pd.Series([1, 2])).tolist() == ["*", "*"]


def hierarchies() -> dict:
    return {
        "country": [("UK / rest", privacy.mapping({"UK": "UK"}, default="rest")), ("any", privacy.suppress)],
        "spend": [("band", privacy.bands([0, 100, float("inf")])), ("any", privacy.suppress)],
    }


def test_generalize_reaches_k_and_reports_costs() -> None:
    f = people().assign(country=lambda d: d["country"].fillna("FR"))
    g = privacy.generalize(f, hierarchies(), k=2)
    assert privacy.k_anonymity(g.table, ["country", "spend"]) >= 2
    assert g.achieved_k >= 2 and g.suppressed == 0 and len(g.table) == len(f)
    steps = g.steps
    assert steps["step"].tolist() == list(range(len(steps)))
    assert steps.loc[0, "level"] == "original" and steps.loc[0, "precision"] == 1.0
    assert steps["precision"].is_monotonic_decreasing            # every step costs precision
    assert steps["k"].iloc[-1] >= 2 and steps["at_risk"].iloc[-1] == 0
    assert (steps["discernibility"].diff().dropna() >= 0).all()    # classes only merge
    assert set(g.levels) == {"country", "spend"}
    assert g.table["tier"].tolist() == f["tier"].tolist()          # other columns untouched


def test_generalize_with_suppression_removes_few_records() -> None:
    f = pd.DataFrame({"country": ["UK"] * 10 + ["FR"] * 5 + ["JP"], "x": range(16)})
    h = {"country": [("any", privacy.suppress)]}
    strict = privacy.generalize(f, h, k=5)
    assert strict.levels["country"] == "any" and strict.suppressed == 0
    loose = privacy.generalize(f, h, k=5, max_suppression=0.1)
    assert loose.levels["country"] == "original" and loose.suppressed == 1
    assert "JP" not in set(loose.table["country"]) and privacy.k_anonymity(loose.table, ["country"]) == 5


def test_generalize_refuses_bad_input() -> None:
    f = people()
    with pytest.raises(ValueError, match="lacks"):
        privacy.generalize(f, {"nope": [("any", privacy.suppress)]})
    with pytest.raises(TypeError, match="name, function"):
        privacy.generalize(f, {"tier": ["any"]})
    with pytest.raises(ValueError, match="max_suppression"):
        privacy.generalize(f, {"tier": [("any", privacy.suppress)]}, max_suppression=2)
    with pytest.raises(ValueError, match="top level"):
        privacy.generalize(f, {"country": [("same", lambda s: s.fillna("x"))]}, k=5)
    with pytest.raises(ValueError, match="at least one hierarchy"):
        privacy.generalize(f, {})


# --------------------------------------------------------------------------------------------
# Laplace mechanism
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sensitivity, epsilon", [(1.0, 1.0), (1.0, 0.1), (500.0, 2.0)])
def test_laplace_noise_has_the_documented_scale(sensitivity: float, epsilon: float) -> None:
    n = 20_000
    noisy = privacy.laplace_mechanism(np.full(n, 100.0), sensitivity, epsilon, random_state=7)
    noise = noisy - 100.0
    b = sensitivity / epsilon
    assert privacy.laplace_scale(sensitivity, epsilon) == pytest.approx(b)
    # there is noise: no release equals the true count, and the draws are independent (no two alike)
    assert np.count_nonzero(noise) == n and np.unique(noise).size == n
    # centred on the true count (4 standard errors; the standard deviation is sqrt(2) b)
    assert abs(np.mean(noise)) < 4 * np.sqrt(2) * b / np.sqrt(n)
    # mean absolute deviation of Laplace(0, b) is b; standard deviation sqrt(2) b (4 standard errors)
    assert abs(np.mean(np.abs(noise)) - b) < 4 * b / np.sqrt(n)
    assert np.std(noise) == pytest.approx(np.sqrt(2) * b, rel=0.05)
    # and the whole distribution is Laplace(0, b): Kolmogorov-Smirnov does not reject
    assert stats.kstest(noise, "laplace", args=(0.0, b)).pvalue > 0.01
    # the guarantee itself, both ways: a neighbouring table's count is 100 + sensitivity; for every event
    # "the release is at least 100 + t" the two probabilities differ by at most a factor e^epsilon
    # (up to sampling error). Releasing the exact count fails it: P = 0 for one table and 1 for the other.
    for t in sensitivity * np.array([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0]):
        p = np.mean(noise >= t)                    # P[M(D) >= 100 + t]
        q = np.mean(noise + sensitivity >= t)      # P[M(D') >= 100 + t]
        assert q <= np.exp(epsilon) * p + 0.01 and p <= np.exp(epsilon) * q + 0.01, (t, p, q)
    # ... and no more noise than needed: in the upper tail the ratio is exactly e^epsilon (log ratio epsilon;
    # a scale of b/2 would give 2 epsilon, 2b epsilon / 2)
    for t in (sensitivity, 2 * sensitivity):
        log_ratio = np.log(np.mean(noise + sensitivity >= t) / np.mean(noise >= t))
        assert log_ratio == pytest.approx(epsilon, rel=0.2), t


def test_laplace_mechanism_shapes_and_seeds() -> None:
    s = pd.Series([1.0, 2.0], index=["a", "b"])
    out = privacy.laplace_mechanism(s, 1, 1.0, random_state=0)
    assert isinstance(out, pd.Series) and out.index.tolist() == ["a", "b"]
    assert isinstance(privacy.laplace_mechanism(5.0, 1, 1.0, random_state=0), float)
    assert privacy.laplace_mechanism(5.0, 1, 1.0, random_state=3) == privacy.laplace_mechanism(5.0, 1, 1.0, random_state=3)
    for eps in (0, -1, float("nan"), float("inf"), "1", True):
        with pytest.raises(ValueError, match="epsilon"):
            privacy.laplace_mechanism(1.0, 1, eps)
    with pytest.raises(ValueError, match="sensitivity"):
        privacy.laplace_mechanism(1.0, 0, 1.0)


def segments_frame(n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "segment": pd.Categorical(rng.choice(["a", "b", "c"], size=n, p=[0.6, 0.3, 0.1]), categories=["a", "b", "c", "empty"]),
            "spend": rng.gamma(2.0, 300.0, size=n),
        }
    )


def test_dp_aggregates_columns_scales_and_public_groups() -> None:
    f = segments_frame()
    out = privacy.dp_aggregates(f, "segment", "spend", epsilon=2.0, bounds=(0, 1000), random_state=1)
    assert out.index.tolist() == ["a", "b", "c", "empty"]           # every public group, even empty
    assert out["customers"].sum() == len(f)
    assert out.loc["empty", "customers"] == 0
    assert (out["count_scale"] == 1 / 1.0).all() and (out["sum_scale"] == 1000 / 1.0).all()
    assert out["total"].sum() == pytest.approx(f["spend"].clip(0, 1000).sum())
    assert (out["noisy_customers"] >= 0).all() and out["noisy_mean"].between(0, 1000).all()
    again = privacy.dp_aggregates(f, "segment", "spend", epsilon=2.0, bounds=(0, 1000), random_state=1)
    pd.testing.assert_frame_equal(out, again)
    # the noisy columns are the true ones plus noise: different from them, and the mean is noisy total / noisy count
    present = out["customers"] > 0
    assert (out.loc[present, "noisy_customers"] != out.loc[present, "customers"]).all()
    assert (out["noisy_total"] != out["total"]).all()
    np.testing.assert_allclose(out.loc[present, "noisy_mean"],
                               (out["noisy_total"] / out["noisy_customers"]).clip(0, 1000)[present])
    # over many releases the noise has the documented scales: mean absolute error = count_scale, sum_scale
    releases = [privacy.dp_aggregates(f, "segment", "spend", epsilon=2.0, bounds=(0, 1000), random_state=s)
                for s in range(300)]
    count_error = np.concatenate([(r["noisy_customers"] - r["customers"])[present].to_numpy() for r in releases])
    sum_error = np.concatenate([(r["noisy_total"] - r["total"]).to_numpy() for r in releases])
    assert np.mean(np.abs(count_error)) == pytest.approx(1.0, rel=0.15)     # 900 draws: about 4 standard errors
    assert np.mean(np.abs(sum_error)) == pytest.approx(1000.0, rel=0.15)    # 1,200 draws
    split = privacy.dp_aggregates(f, "segment", "spend", epsilon=2.0, bounds=(-50, 1000), count_share=0.25, random_state=1)
    assert split["count_scale"].iloc[0] == pytest.approx(1 / 0.5) and split["sum_scale"].iloc[0] == pytest.approx(1000 / 1.5)


def test_dp_aggregates_refuses_bad_input() -> None:
    f = segments_frame()
    with pytest.raises(ValueError, match="bounds"):
        privacy.dp_aggregates(f, "segment", "spend", 1.0, bounds=(10, 0))
    with pytest.raises(ValueError, match="lacks the column"):
        privacy.dp_aggregates(f, "nope", "spend", 1.0, bounds=(0, 1))
    with pytest.raises(ValueError, match="not in groups"):
        privacy.dp_aggregates(f, "segment", "spend", 1.0, bounds=(0, 1), groups=["a", "b"])
    with pytest.raises(ValueError, match="missing"):
        privacy.dp_aggregates(f.assign(spend=np.nan), "segment", "spend", 1.0, bounds=(0, 1))
    with pytest.raises(ValueError, match="numeric"):
        privacy.dp_aggregates(f.assign(spend="x"), "segment", "spend", 1.0, bounds=(0, 1))
    with pytest.raises(ValueError, match="count_share"):
        privacy.dp_aggregates(f, "segment", "spend", 1.0, bounds=(0, 1), count_share=1.0)


def test_dp_error_falls_as_epsilon_grows() -> None:
    f = segments_frame()
    err = privacy.dp_error(f, "segment", "spend", [0.05, 0.5, 5.0], bounds=(0, 1000), n_repeats=50, random_state=0)
    assert len(err) == 6 and set(err["statistic"]) == {"customers", "mean"}
    for stat in ("customers", "mean"):
        e = err[err["statistic"] == stat]["median_relative_error"].to_numpy()
        assert e[0] > e[1] > e[2]
    counts = err[err["statistic"] == "customers"].set_index("epsilon")["median_relative_error"]
    # ~ E|Laplace(b)| / n averaged over groups, b = 1 / (epsilon / 2): about 10x smaller per 10x epsilon
    assert 5 < counts[0.5] / counts[5.0] < 20
    with pytest.raises(ValueError, match="n_repeats"):
        privacy.dp_error(f, "segment", "spend", [1.0], bounds=(0, 1), n_repeats=0)
    with pytest.raises(ValueError, match="at least one"):
        privacy.dp_error(f, "segment", "spend", [], bounds=(0, 1))


# --------------------------------------------------------------------------------------------
# Data minimization
# --------------------------------------------------------------------------------------------


def test_minimization_table() -> None:
    t = privacy.minimization_table(["a", "b", "c"], {"churn": ["a", "b"], "mail": ["a"]})
    assert t.index.tolist() == ["a", "b", "c"]
    assert t["used_by"].tolist() == [2, 1, 0]
    assert t["verdict"].tolist() == ["keep", "keep", "drop (no application)"]
    assert t["churn"].tolist() == [True, True, False]
    with pytest.raises(ValueError, match="not in columns"):
        privacy.minimization_table(["a"], {"x": ["z"]})
    with pytest.raises(TypeError, match="must be a list"):
        privacy.minimization_table(["a"], {"x": "a"})
    with pytest.raises(ValueError, match="empty"):
        privacy.minimization_table(["a"], {})
    with pytest.raises(ValueError, match="repeat"):
        privacy.minimization_table(["a", "a"], {"x": ["a"]})


def test_package_reexports_the_names_of_its_modules() -> None:
    """profiling.privacy is split by role; its __all__ is exactly the modules' names, each once."""
    from profiling.privacy import anonymity, dp, minimization, pseudonyms

    names = []
    for module in (pseudonyms, anonymity, dp, minimization):
        assert all(getattr(privacy, n) is getattr(module, n) for n in module.__all__), module.__name__
        names += module.__all__
    assert sorted(privacy.__all__) == sorted(names) and len(set(names)) == len(names)
