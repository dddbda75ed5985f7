"""Tests of profiling.uplift.experiment: Hillstrom features, randomization checks and average effects."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from profiling import datasets, uplift

#: Arm means from data/README.md (the published challenge figures), to the digits printed there.
README_MEANS = {
    "Mens E-Mail": (21307, 0.18276, 0.01253, 1.4226),
    "Womens E-Mail": (21387, 0.15140, 0.00884, 1.0772),
    "No E-Mail": (21306, 0.10617, 0.00573, 0.6528),
}


@pytest.fixture(scope="module")
def hillstrom() -> pd.DataFrame:
    return datasets.load_hillstrom()


def test_arm_means_match_the_readme(hillstrom: pd.DataFrame) -> None:
    means = uplift.arm_means(hillstrom, "segment", ["visit", "conversion", "spend"])
    for arm, (n, visit, conversion, spend) in README_MEANS.items():
        assert means.loc[arm, "n"] == n
        assert round(means.loc[arm, "visit"], 5) == visit
        assert round(means.loc[arm, "conversion"], 5) == conversion
        assert round(means.loc[arm, "spend"], 4) == spend


def test_ate_table_on_hillstrom(hillstrom: pd.DataFrame) -> None:
    ate = uplift.ate_table(hillstrom, "segment", ["visit", "conversion", "spend"], control="No E-Mail")
    assert len(ate) == 6 and set(ate["arm"]) == {"Mens E-Mail", "Womens E-Mail"}
    row = ate.set_index(["arm", "outcome"]).loc[("Womens E-Mail", "visit")]
    assert row["ate"] == pytest.approx(0.15140 - 0.10617, abs=1e-5)
    assert row["ci_low"] < row["ate"] < row["ci_high"] and row["ci_low"] > 0
    assert row["n_treated"] == 21387 and row["n_control"] == 21306
    spend = ate.set_index(["arm", "outcome"]).loc[("Mens E-Mail", "spend")]
    assert spend["ate"] == pytest.approx(1.4226 - 0.6528, abs=1e-3)
    assert (ate["ci_high"] - ate["ci_low"]).gt(0).all()


def test_ate_table_by_hand() -> None:
    f = pd.DataFrame({"arm": ["t", "t", "t", "c", "c", "c"], "y": [1.0, 2.0, 3.0, 0.0, 1.0, 2.0]})
    row = uplift.ate_table(f, "arm", ["y"], control="c").iloc[0]
    assert row["ate"] == 1.0
    assert row["se"] == pytest.approx(math.sqrt(1 / 3 + 1 / 3))
    assert row["ci_high"] - row["ate"] == pytest.approx(1.959964 * row["se"], rel=1e-5)
    assert row["relative_lift"] == 1.0
    with pytest.raises(ValueError, match="control arm"):
        uplift.ate_table(f, "arm", ["y"], control="nobody")


def test_ate_table_level_sets_the_interval() -> None:
    f = pd.DataFrame({"arm": ["t", "t", "t", "c", "c", "c"], "y": [1.0, 2.0, 3.0, 0.0, 1.0, 2.0]})
    wide = uplift.ate_table(f, "arm", ["y"], control="c", level=0.99).iloc[0]
    assert wide["ci_high"] - wide["ate"] == pytest.approx(2.575829 * wide["se"], rel=1e-5)
    for bad in (0, 1, 95, True):
        with pytest.raises(ValueError, match="ate_table: the confidence level must be between 0 and 1"):
            uplift.ate_table(f, "arm", ["y"], control="c", level=bad)


def test_randomization_checks(hillstrom: pd.DataFrame) -> None:
    X = uplift.hillstrom_features(hillstrom)
    assert X.shape == (64000, 11) and not X.isna().any().any()
    assert not {"segment", "visit", "conversion", "spend"} & set(X.columns)   # pre-treatment only
    bal = uplift.balance_table(X.assign(arm=hillstrom["segment"].astype(str)), "arm", list(X.columns))
    assert bal["max_std_diff"].max() < 0.05
    sample = np.random.default_rng(0).choice(len(X), 6000, replace=False)
    pred = uplift.arm_predictability(X.iloc[sample], hillstrom["segment"].to_numpy()[sample], random_state=0)
    assert abs(pred["auc"] - 0.5) < 0.03
    assert pred["accuracy"] < pred["chance_accuracy"] + 0.03


def test_balance_table_by_hand() -> None:
    f = pd.DataFrame({"arm": ["a", "a", "b", "b"], "x": [0.0, 2.0, 1.0, 3.0], "c": [1.0, 1.0, 1.0, 1.0]})
    bal = uplift.balance_table(f, "arm", ["x", "c"])
    assert bal.loc["x", "a"] == 1.0 and bal.loc["x", "b"] == 2.0
    assert bal.loc["x", "max_std_diff"] == pytest.approx(1.0 / np.std([0, 2, 1, 3], ddof=1))
    assert bal.loc["c", "max_std_diff"] == 0.0          # a constant column is balanced, not NaN
    with pytest.raises(ValueError, match="fewer than two arms"):
        uplift.balance_table(f.assign(arm="a"), "arm", ["x"])


def test_arm_predictability_detects_a_broken_randomization() -> None:
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"x": rng.normal(size=2000)})
    arm = np.where(X["x"] + rng.normal(scale=0.5, size=2000) > 0, "email", "none")  # assignment follows x
    assert uplift.arm_predictability(X, arm, random_state=0)["auc"] > 0.8
    with pytest.raises(ValueError, match="single value"):
        uplift.arm_predictability(X, np.full(2000, "email"))
    with pytest.raises(ValueError, match="one arm per row"):
        uplift.arm_predictability(X, arm[:-1])


def test_experiment_functions_refuse_bad_frames(hillstrom: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match=r"hillstrom_features: the Hillstrom frame lacks the column\(s\) \['channel'\]"):
        uplift.hillstrom_features(hillstrom.drop(columns="channel"))
    with pytest.raises(ValueError, match="unknown value"):
        uplift.hillstrom_features(hillstrom.head(3).assign(channel="Fax"))
    with pytest.raises(TypeError, match="arm_means: the frame must be a pandas DataFrame"):
        uplift.arm_means(hillstrom.to_numpy(), "segment", ["visit"])
    with pytest.raises(ValueError, match=r"ate_table: the frame lacks the column\(s\) \['revenue'\].*load_hillstrom"):
        uplift.ate_table(hillstrom, "segment", ["revenue"], control="No E-Mail")


def test_the_subpackage_reexports_every_role() -> None:
    # `from profiling import uplift; uplift.TwoModels(...)`: one flat API over the four role modules
    import importlib

    roles = ["experiment", "models", "metrics", "policy"]
    names = []
    for role in roles:
        module = importlib.import_module(f"profiling.uplift.{role}")
        for name in module.__all__:
            assert getattr(uplift, name) is getattr(module, name), f"{role}.{name}"
        names += module.__all__
    assert sorted(uplift.__all__) == sorted(names) and len(set(names)) == len(names)
