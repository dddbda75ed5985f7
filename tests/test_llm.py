"""profiling.llm: attention equals PyTorch's, the causal mask hides the future, the tiny generator learns and
is cached under a key of its texts and settings, the n-gram baseline is a distribution."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

from profiling import llm

TEXTS = ["RED MUG", "BLUE MUG", "RED BAG", "BLUE BAG", "GREEN MUG", "GREEN BAG"] * 3
TINY = {"d_model": 16, "n_layers": 1, "n_heads": 2, "block_size": 16, "eval_every": 10}


def _x(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("heads", [1, 4])
def test_multi_head_attention_equals_torch(heads: int) -> None:
    torch.manual_seed(0)
    reference = torch.nn.MultiheadAttention(8, heads, batch_first=True)
    ours = llm.MultiHeadAttention.from_torch(reference)
    x = _x(3, 5, 8)
    with torch.no_grad():
        expected, expected_w = reference(x, x, x, average_attn_weights=False)
        got, weights = ours(x)
    assert (got - expected).abs().max() < 1e-5
    assert (weights - expected_w).abs().max() < 1e-6
    # with padding: the last two positions of the first text are masked out as keys
    real = torch.ones(3, 5, dtype=torch.bool)
    real[0, 3:] = False
    with torch.no_grad():
        expected = reference(x, x, x, key_padding_mask=~real)[0]
        got = ours(x, mask=real[:, None, None, :])[0]
    assert (got - expected).abs().max() < 1e-5


def test_attention_rows_are_distributions_and_scaling_is_by_sqrt_dk() -> None:
    q, k, v = _x(2, 4, 6, seed=1), _x(2, 4, 6, seed=2), _x(2, 4, 3, seed=3)
    out, w = llm.scaled_dot_product_attention(q, k, v)
    assert torch.allclose(w.sum(-1), torch.ones(2, 4))
    assert torch.allclose(w, torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(6), dim=-1))
    assert torch.allclose(out, w @ v)


def test_causal_mask_hides_the_future() -> None:
    torch.manual_seed(0)
    block = llm.TransformerBlock(8, 2, 16, norm_first=True)
    x = _x(1, 6, 8)
    changed = x.clone()
    changed[0, 4:] = _x(2, 8, seed=9)  # a different future from position 4 on
    mask = llm.causal_mask(6)
    with torch.no_grad():
        a, b = block(x, mask), block(changed, mask)
        # earlier outputs do not move; later ones do
        assert torch.equal(a[0, :4], b[0, :4])
        assert not torch.allclose(a[0, 4:], b[0, 4:])
        # without the mask, the change reaches every position
        assert not torch.allclose(block(x)[0, :4], block(changed)[0, :4])
    block(x, mask)
    assert torch.all(block.attention.weights[0].triu(1) == 0)


def test_the_tiny_gpt_is_causal_too() -> None:
    torch.manual_seed(0)
    model = llm.TinyGPT(vocab_size=10, block_size=8, d_model=16, n_layers=2, n_heads=2)
    a = torch.tensor([[0, 3, 4, 5, 6, 7]])
    b = torch.tensor([[0, 3, 4, 9, 9, 9]])
    with torch.no_grad():
        assert torch.equal(model(a)[0, :3], model(b)[0, :3])


def test_transformer_block_parameters_match_layer_cost() -> None:
    for d, heads, f in [(8, 2, 32), (12, 3, 20)]:
        block = llm.TransformerBlock(d, heads, f)
        assert sum(p.numel() for p in block.parameters()) == llm.layer_cost(d, f)["parameters"]


def test_layer_cost_flops_match_torchs_counter() -> None:
    from torch.utils.flop_counter import FlopCounterMode

    block = llm.TransformerBlock(16, 4, 64)
    n = 7
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        block(_x(1, n, 16))
    assert counter.get_total_flops() == n * llm.layer_cost(16, 64, context=n)["flops_per_token"]


def test_multi_head_attention_refuses_heads_that_do_not_divide() -> None:
    with pytest.raises(ValueError, match="does not divide"):
        llm.MultiHeadAttention(10, 3)


def test_generator_loss_falls_on_a_tiny_corpus(tmp_path) -> None:
    run = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=30, cache_dir=tmp_path, **TINY)
    losses = run.history["train_loss"].to_numpy()
    assert run.history["step"].tolist() == [0, 10, 20, 30]
    assert losses[-1] < losses[0] - 0.5          # from ~ln(vocabulary) down, in 30 steps
    assert np.all(np.diff(losses) < 0)
    assert run.status == "miss" and run.path is not None and run.path.exists()
    assert next(run.model.parameters()).dtype == torch.float64
    assert torch.get_default_dtype() == torch.float32   # restored after training


def test_generator_is_deterministic_and_cached(tmp_path) -> None:
    first = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=10, cache_dir=tmp_path, **TINY)
    again = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=10, cache_dir=tmp_path, **TINY)
    fresh = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=10, cache=False, **TINY)
    assert again.status == "hit" and fresh.status == "off"
    for a, b in zip(first.model.state_dict().values(), fresh.model.state_dict().values()):
        assert torch.equal(a, b)
    assert again.history.equals(first.history)
    assert llm.sample(again, 5, 0.8, random_state=3) == llm.sample(first, 5, 0.8, random_state=3)
    assert llm.mean_nll(again, TEXTS) == pytest.approx(llm.mean_nll(first, TEXTS), abs=1e-12)


def test_a_corrupt_cache_file_is_retrained(tmp_path) -> None:
    first = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=5, cache_dir=tmp_path, **TINY)
    first.path.write_bytes(b"not a torch file")
    with pytest.warns(UserWarning, match="training again"):
        again = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=5, cache_dir=tmp_path, **TINY)
    assert again.status == "miss"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert llm.train_tinygpt(TEXTS, TEXTS[:4], steps=5, cache_dir=tmp_path, **TINY).status == "hit"


def test_cache_key_changes_with_corpus_and_settings() -> None:
    key = llm.tinygpt_key(TEXTS, TEXTS[:4], **TINY)
    assert key == llm.tinygpt_key(list(TEXTS), list(TEXTS[:4]), **TINY)
    assert key != llm.tinygpt_key(TEXTS[:-1], TEXTS[:4], **TINY)                # corpus
    assert key != llm.tinygpt_key([*TEXTS[:-1], "RED MUGS"], TEXTS[:4], **TINY)  # one text changed
    assert key != llm.tinygpt_key(TEXTS, TEXTS[:3], **TINY)                      # validation texts
    assert key != llm.tinygpt_key(TEXTS, TEXTS[:4], **{**TINY, "d_model": 32})  # settings
    assert key != llm.tinygpt_key(TEXTS, TEXTS[:4], **TINY, steps=7)
    assert key["torch"] == torch.__version__.split("+")[0]
    with pytest.raises(TypeError, match="unknown"):
        llm.tinygpt_key(TEXTS, TEXTS, width=3)
    with pytest.raises(ValueError, match="positive"):
        llm.tinygpt_key(TEXTS, TEXTS, steps=0)


def test_sampling_is_seeded_and_respects_the_vocabulary() -> None:
    run = llm.train_tinygpt(TEXTS, TEXTS[:4], steps=20, cache=False, **TINY)
    a = llm.sample(run, 20, temperature=1.0, random_state=1)
    assert a == llm.sample(run, 20, temperature=1.0, random_state=1)
    assert a != llm.sample(run, 20, temperature=1.0, random_state=2)
    assert all(set(s) <= set(run.vocab.chars) and len(s) <= TINY["block_size"] - 1 for s in a)
    with pytest.raises(ValueError, match="temperature"):
        llm.sample(run, 1, temperature=0)


def test_ngram_probabilities_sum_to_one_and_loss_matches_them() -> None:
    vocab = llm.CharVocab(TEXTS)
    for order in (1, 2, 3, 5):
        lm = llm.CharNGram(vocab, order=order, k=0.1).fit(TEXTS)
        for context in ["", "R", "RED ", "BLUE B", "ZZZ"]:     # "ZZZ": unseen context
            p = lm.proba(context)
            assert p.shape == (len(vocab),) and np.all(p > 0)
            assert p.sum() == pytest.approx(1.0, abs=1e-12)
        # the mean loss is the mean of -log p over each next token of the text, then its end
        text = "RED MUG"
        ids = vocab.encode(text)
        by_hand = -np.mean([np.log(lm.proba(ids[1:i])[ids[i]]) for i in range(1, len(ids))])
        assert lm.mean_nll([text]) == pytest.approx(by_hand, rel=1e-12)
    with pytest.raises(ValueError):
        llm.CharNGram(vocab, order=0)


def test_vocab_round_trip_and_unknown_characters() -> None:
    vocab = llm.CharVocab(["AB C"])
    assert vocab.decode(vocab.encode("CAB")) == "CAB"
    assert vocab.encode("A#")[2] == 1 and vocab.decode(vocab.encode("A#")) == "A?"
    assert vocab.encode("ABCABC", max_chars=3) == vocab.encode("ABC")
