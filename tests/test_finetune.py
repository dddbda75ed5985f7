"""Tests of profiling.embeddings.finetune: co-purchase pairs before a cutoff, the contrastive
fine-tune of the bundled model (on tiny synthetic pairs, a few steps), its weights cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from profiling import embeddings
from profiling.embeddings import CacheWarning, copurchase_pairs, finetune_key
from profiling.embeddings import finetune_model
from profiling.embeddings import finetune as ft  # the module

CUTOFF = pd.Timestamp("2010-03-01")

# Six tiny "product lines": anchors and partners that share no words, so the base model does not
# already place them together.
PAIRS = pd.DataFrame(
    {
        "anchor": ["red mug", "garden hose", "tea towel", "party balloons", "toy train",
                   "scented candle", "red mug", "garden hose"],
        "positive": ["coffee beans", "watering can", "oven glove", "birthday banner",
                     "wooden blocks", "incense sticks", "coffee beans", "watering can"],
        "timestamp": pd.to_datetime(["2010-01-05"] * 8),
    }
)
FAST = {"batch_size": 4, "train_layers": 1, "warmup_steps": 0, "threads": 1, "learning_rate": 1e-4}


def transactions() -> pd.DataFrame:
    """Two customers, invoices before and after the cutoff; products sold only after it are named LATE."""
    rows = [
        ("a", "1", "RED MUG", "2010-01-04"), ("a", "1", "BLUE MUG", "2010-01-04"),
        ("a", "1", "TEA TOWEL", "2010-01-04"), ("a", "2", "GARDEN HOSE", "2010-02-01"),
        ("a", "2", "WATERING CAN", "2010-02-01"), ("a", "3", "LATE LAMP", "2010-03-01"),
        ("a", "3", "LATE RUG", "2010-03-01"), ("b", "4", "TOY TRAIN", "2010-01-10"),
        ("b", "4", "WOODEN BLOCKS", "2010-01-10"), ("b", "5", "PARTY BALLOONS", "2010-02-20"),
        ("b", "6", "LATE CLOCK", "2010-05-01"), ("b", "6", "LATE VASE", "2010-05-01"),
    ]
    tx = pd.DataFrame(rows, columns=["customer_id", "invoice_id", "description", "timestamp"])
    return tx.assign(quantity=1, timestamp=pd.to_datetime(tx["timestamp"]))


# ----------------------------------------------------------------------------- pairs


@pytest.mark.parametrize("top_k", [None, 2])
@pytest.mark.parametrize("kind", ["basket", "next"])
def test_no_pair_comes_from_at_or_after_the_cutoff(kind: str, top_k: int | None) -> None:
    pairs = copurchase_pairs(transactions(), CUTOFF, kind=kind, n_pairs=200, top_k=top_k,
                             min_count=1, random_state=1)
    assert len(pairs) > 0
    assert (pairs["timestamp"] < CUTOFF).all()
    texts = set(pairs["anchor"]) | set(pairs["positive"])
    assert not any(t.startswith("LATE") for t in texts)
    assert (pairs["anchor"] != pairs["positive"]).all()
    assert pairs.attrs["cutoff"] == str(CUTOFF)


def test_basket_pairs_share_an_invoice_and_next_pairs_follow_one_customer() -> None:
    tx = transactions()
    invoice_of = tx.groupby("description")["invoice_id"].agg(set)
    basket = copurchase_pairs(tx, CUTOFF, kind="basket", n_pairs=100)
    assert all(invoice_of[a] & invoice_of[b] for a, b in zip(basket["anchor"], basket["positive"]))
    nxt = copurchase_pairs(tx, CUTOFF, kind="next", n_pairs=100)
    allowed = {("1", "2"), ("4", "5")}  # each customer's consecutive invoices before the cutoff
    for a, b in zip(nxt["anchor"], nxt["positive"]):
        assert any((i, j) in allowed for i in invoice_of[a] for j in invoice_of[b]), (a, b)


def test_strongest_pairs_keep_each_descriptions_top_partners() -> None:
    tx = transactions()
    invoice_of = tx.groupby("description")["invoice_id"].agg(set)
    pairs = copurchase_pairs(tx, CUTOFF, kind="basket", top_k=1, min_count=1, n_pairs=100)
    assert pairs.groupby("anchor")["positive"].nunique().max() == 1
    assert all(invoice_of[a] & invoice_of[b] for a, b in zip(pairs["anchor"], pairs["positive"]))
    # RED MUG, BLUE MUG and TEA TOWEL share one invoice: equal cosines, ties go to the first text
    assert set(pairs.loc[pairs["anchor"] == "BLUE MUG", "positive"]) <= {"RED MUG"}
    with pytest.raises(ValueError, match="lower min_count"):
        copurchase_pairs(tx, CUTOFF, top_k=3, min_count=5)


def test_pairs_are_seeded_and_refuse_bad_input() -> None:
    tx = transactions()
    one = copurchase_pairs(tx, CUTOFF, n_pairs=50, random_state=3)
    pd.testing.assert_frame_equal(one, copurchase_pairs(tx.sample(frac=1, random_state=0), CUTOFF,
                                                        n_pairs=50, random_state=3))
    with pytest.raises(ValueError, match="kind must be one of"):
        copurchase_pairs(tx, CUTOFF, kind="session")
    with pytest.raises(ValueError, match="lacks the column"):
        copurchase_pairs(tx.drop(columns="invoice_id"), CUTOFF)
    with pytest.raises(ValueError, match="no invoice before"):
        copurchase_pairs(tx, "2010-01-01")


def test_finetune_refuses_pairs_from_after_its_cutoff(tmp_path: Path) -> None:
    late = PAIRS.assign(timestamp=pd.to_datetime(["2010-01-05"] * 7 + ["2010-03-01"]))
    with pytest.raises(ValueError, match="1 pair.*at or after the cutoff"):
        finetune_model(late, steps=1, cutoff=CUTOFF, cache_dir=tmp_path, **FAST)
    assert not (tmp_path / "finetuned").exists()
    with pytest.raises(ValueError, match="timestamp"):
        finetune_model(PAIRS.drop(columns="timestamp"), steps=1, cutoff=CUTOFF, cache_dir=tmp_path)


# ----------------------------------------------------------------------------- the key


def test_the_key_changes_with_the_pairs_the_settings_and_the_cutoff() -> None:
    key = finetune_key(PAIRS, CUTOFF, **FAST)
    assert key == finetune_key(PAIRS.copy(), CUTOFF, **FAST)               # same inputs, same key
    assert key["settings"]["torch"] and key["settings"]["sentence-transformers"]  # versions inside
    changed = PAIRS.copy()
    changed.loc[3, "positive"] = "birthday cake"
    others = [
        finetune_key(changed, CUTOFF, **FAST),                             # one text
        finetune_key(PAIRS.iloc[::-1], CUTOFF, **FAST),                    # the order of training
        finetune_key(PAIRS.iloc[:-1], CUTOFF, **FAST),                     # one pair fewer
        finetune_key(PAIRS, CUTOFF, **{**FAST, "learning_rate": 2e-4}),    # a setting
        finetune_key(PAIRS, CUTOFF, **{**FAST, "steps": 7}),
        finetune_key(PAIRS, "2010-04-01", **FAST),                         # the cutoff
    ]
    hashes = {ft._key_hash(k) for k in [key, *others]}
    assert len(hashes) == 1 + len(others)
    with pytest.raises(TypeError, match="unknown setting"):
        finetune_key(PAIRS, epochs=3)
    with pytest.raises(ValueError, match="batch_size must be >= 2"):
        finetune_key(PAIRS, batch_size=1)


# ----------------------------------------------------------------------------- training and cache


def test_training_lowers_the_loss_and_restores_torch_settings(tmp_path: Path) -> None:
    import torch

    threads, det = torch.get_num_threads(), torch.are_deterministic_algorithms_enabled()
    state = torch.random.get_rng_state()
    run = finetune_model(PAIRS, steps=24, cache_dir=tmp_path, **FAST)
    assert run.status == "miss" and len(run.losses) == 24
    assert np.mean(run.losses[-4:]) < 0.5 * np.mean(run.losses[:4])
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == det
    assert torch.equal(torch.random.get_rng_state(), state)               # the caller's generator


def test_history_anchors_train_as_the_mean_of_their_texts(tmp_path: Path) -> None:
    groups = [("red mug", "blue mug"), ("garden hose",), ("tea towel", "apron"), ("party balloons",),
              ("toy train", "toy car"), ("scented candle", "candle holder")]
    pairs = pd.DataFrame({"anchor": groups, "positive": PAIRS["positive"].iloc[:6].tolist()})
    key = finetune_key(pairs)
    assert key != finetune_key(pairs.assign(anchor=[g[:1] for g in groups]))
    # a text anchor and the same text as a 1-tuple train the same
    assert finetune_key(PAIRS) == finetune_key(PAIRS.assign(anchor=[(a,) for a in PAIRS["anchor"]]))
    run = finetune_model(pairs, steps=24, cache_dir=tmp_path, **FAST)
    assert np.mean(run.losses[-4:]) < 0.5 * np.mean(run.losses[:4])
    with pytest.raises(TypeError, match="a text or a tuple of texts"):
        finetune_key(pairs.assign(anchor=[()] * 6))


def test_history_pairs_look_back_from_a_later_basket() -> None:
    pairs = copurchase_pairs(transactions(), CUTOFF, kind="history", n_pairs=50, history=2)
    assert len(pairs) > 0 and (pairs["timestamp"] < CUTOFF).all()
    earlier = {"GARDEN HOSE": {"RED MUG", "BLUE MUG", "TEA TOWEL"},
               "WATERING CAN": {"RED MUG", "BLUE MUG", "TEA TOWEL"},
               "PARTY BALLOONS": {"TOY TRAIN", "WOODEN BLOCKS"}}
    for anchor, positive in zip(pairs["anchor"], pairs["positive"]):
        assert isinstance(anchor, tuple) and 1 <= len(anchor) <= 2
        assert set(anchor) <= earlier[positive], (anchor, positive)
    with pytest.raises(ValueError, match="top_k applies"):
        copurchase_pairs(transactions(), CUTOFF, kind="history", top_k=3)


def test_a_cached_model_is_reused_and_a_changed_key_retrains(tmp_path: Path, monkeypatch) -> None:
    first = finetune_model(PAIRS, steps=3, cache_dir=tmp_path, **FAST)
    assert first.status == "miss" and first.weights.is_file()
    assert first.weights.parent == tmp_path / "finetuned"

    def no_training(*args, **kwargs):
        raise AssertionError("trained although the cache holds this key")

    monkeypatch.setattr(ft, "_train", no_training)
    again = finetune_model(PAIRS, steps=3, cache_dir=tmp_path, **FAST)
    assert again.status == "hit" and again.weights == first.weights and again.losses == first.losses
    monkeypatch.undo()
    other = finetune_model(PAIRS, steps=3, cache_dir=tmp_path, **{**FAST, "scale": 10.0})
    assert other.status == "miss" and other.weights != first.weights
    fewer = finetune_model(PAIRS.iloc[:-1], steps=3, cache_dir=tmp_path, **FAST)
    assert fewer.status == "miss" and fewer.weights not in {first.weights, other.weights}


def test_a_run_stores_its_prefixes_which_equal_shorter_runs(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    short, long = finetune_model(PAIRS, steps=[2, 5], cache_dir=tmp_path / "a", **FAST)
    assert (short.status, long.status) == ("miss", "miss")
    assert short.losses == long.losses[:2]
    assert finetune_model(PAIRS, steps=2, cache_dir=tmp_path / "a", **FAST).status == "hit"
    alone = finetune_model(PAIRS, steps=2, cache_dir=tmp_path / "b", **FAST)
    one, two = load_file(str(short.weights)), load_file(str(alone.weights))
    assert one.keys() == two.keys()
    for name in one:
        np.testing.assert_allclose(one[name].numpy(), two[name].numpy(), atol=1e-6, err_msg=name)


@pytest.mark.parametrize("damage", ["truncate", "flip", "sidecar", "stale"])
def test_a_corrupt_or_stale_cache_is_detected_and_rebuilt(tmp_path: Path, damage: str) -> None:
    run = finetune_model(PAIRS, steps=2, cache_dir=tmp_path, **FAST)
    data = run.weights.read_bytes()
    sidecar = run.weights.with_suffix(".json")
    if damage == "truncate":
        run.weights.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        run.weights.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "sidecar":
        sidecar.write_text("{not json", encoding="utf-8")
    else:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        meta["key"]["settings"]["learning_rate"] = 1.0
        sidecar.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.warns(CacheWarning, match="training again"):
        rebuilt = finetune_model(PAIRS, steps=2, cache_dir=tmp_path, **FAST)
    assert rebuilt.status == "rebuilt" and rebuilt.weights == run.weights
    assert finetune_model(PAIRS, steps=2, cache_dir=tmp_path, **FAST).status == "hit"


# ----------------------------------------------------------------------------- embedding with it


def test_the_top_layer_path_reproduces_the_bundled_model() -> None:
    import torch

    texts = ["WHITE HANGING HEART T-LIGHT HOLDER", "mug", "PACK OF 72 RETROSPOT CAKE CASES"]
    layers, first = ft._top_layers(2)
    layers.eval()
    states = ft._frozen_states(texts, first, 64)
    with torch.no_grad():
        mine = ft._top_embed(layers, states, [0, 1, 2], embeddings.load_model()[0].auto_model)
    np.testing.assert_allclose(mine.numpy(), embeddings.embed(texts), atol=1e-5)


def test_the_embedder_matches_the_whole_model_and_is_cached(tmp_path: Path) -> None:
    run = finetune_model(PAIRS, steps=24, cache_dir=tmp_path, **FAST)
    texts = ["red mug", "coffee beans", "garden hose", "a new product"]
    embedder = run.embedder(cache_dir=tmp_path)
    vectors = embedder.embed(texts)
    assert embedder.last_cache_status_ == "miss" and vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    np.testing.assert_allclose(vectors, run.model().encode(texts, normalize_embeddings=True), atol=1e-5)
    assert np.array_equal(embedder.embed(texts), vectors) and embedder.last_cache_status_ == "hit"
    # the training pulled each pair together, against the bundled model
    frozen = embeddings.embed(texts)
    assert vectors[0] @ vectors[1] > frozen[0] @ frozen[1] + 0.1
    other = finetune_model(PAIRS, steps=2, cache_dir=tmp_path, **FAST).embedder(cache_dir=tmp_path)
    other.embed(texts)
    assert other.last_cache_status_ == "miss"                             # other weights, other vectors
    with pytest.raises(FileNotFoundError, match="run finetune"):
        ft.FinetunedEmbedder(tmp_path / "none.safetensors").embed(texts)
