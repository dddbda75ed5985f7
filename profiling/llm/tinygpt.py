"""A tiny generator: a character-level, decoder-only transformer trained from scratch on CPU.

What "pretraining" and "generation" mean, at a size that trains in seconds (the design follows
Karpathy's minGPT/nanoGPT: token and position embeddings, pre-normalisation blocks with a causal
mask, a final normalisation and a linear head):

- :class:`CharVocab` -- characters as tokens: id 0 is the boundary (start and end of a text),
  id 1 an unknown character; the rest are the training texts' characters, sorted.
- :class:`TinyGPT` -- the model (blocks of :class:`profiling.llm.attention.TransformerBlock`).
- :func:`train_tinygpt` -- next-character training (cross-entropy, AdamW, cosine decay) with
  a seeded generator, in float64 so that the weights come out the same on other CPUs' kernels
  to far below what is printed; train and validation loss are logged every ``eval_every`` steps.
  The weights are **cached on disk** (``cache_dir``, else ``$PROFILING_CACHE``, else
  ``~/.cache/profiling``, in ``tinygpt/``), keyed by :func:`tinygpt_key`: the SHA-256 of the
  training and validation texts, every setting and the torch version.
- :func:`sample` -- generation, one character at a time, at a temperature, from a seeded
  ``torch.Generator``.
- :func:`mean_nll` -- the loss per character (natural log) of a text set; ``exp`` of it is the
  perplexity.
- :class:`CharNGram` -- the baseline: a character n-gram with add-k smoothing on the same
  tokens.

Example
-------
>>> texts = ["RED MUG", "BLUE MUG", "RED BAG", "BLUE BAG"] * 4
>>> run = train_tinygpt(texts, texts[:2], steps=40, d_model=16, n_layers=1, n_heads=2,
...                     eval_every=20, cache=False)
>>> run.history["step"].tolist()
[0, 20, 40]
>>> bool(run.history["train_loss"].iloc[-1] < run.history["train_loss"].iloc[0])
True
>>> len(sample(run, 3, temperature=0.8, random_state=0))
3
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from profiling.llm.attention import TransformerBlock, causal_mask
from profiling.storage import atomic_write, default_cache_dir

__all__ = [
    "TINYGPT_DEFAULTS",
    "TINYGPT_FORMAT",
    "CharNGram",
    "CharVocab",
    "TinyGPT",
    "TinyGPTRun",
    "mean_nll",
    "sample",
    "tinygpt_key",
    "train_tinygpt",
]

#: Version of the weights-cache layout; part of every key.
TINYGPT_FORMAT: int = 1

#: The model and training settings and their defaults (all of them are part of the cache key).
TINYGPT_DEFAULTS: dict[str, Any] = {
    "d_model": 64,
    "n_layers": 2,
    "n_heads": 4,
    "block_size": 40,
    "steps": 300,
    "batch_size": 32,
    "learning_rate": 2e-2,
    "weight_decay": 0.01,
    "eval_every": 75,
    "random_state": 0,
    "threads": 1,
}

_FOLDER = "tinygpt"
_MONITOR = 300  # training texts whose loss is logged
BOUNDARY, UNKNOWN = 0, 1


class CharVocab:
    """Characters as tokens. Id 0 marks the start and the end of a text, id 1 an unknown character.

    >>> vocab = CharVocab(["AB", "BA C"])
    >>> vocab.chars, len(vocab)
    (' ABC', 6)
    >>> vocab.encode("CAB!")
    [0, 5, 3, 4, 1, 0]
    >>> vocab.decode([0, 5, 3, 4, 0])
    'CAB'
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.chars = "".join(sorted(set("".join(texts))))
        self._index = {c: i + 2 for i, c in enumerate(self.chars)}

    def __len__(self) -> int:
        return len(self.chars) + 2

    def encode(self, text: str, max_chars: int | None = None) -> list[int]:
        """``[0, ids of the characters..., 0]``, the text cut to ``max_chars`` characters."""
        body = text if max_chars is None else text[:max_chars]
        return [BOUNDARY, *(self._index.get(c, UNKNOWN) for c in body), BOUNDARY]

    def decode(self, ids: Sequence[int]) -> str:
        """The characters of ``ids``; boundaries dropped, unknowns as ``"?"``."""
        return "".join(
            "?" if i == UNKNOWN else self.chars[i - 2] for i in ids if i != BOUNDARY
        )


class TinyGPT(nn.Module):
    """A decoder-only transformer over characters (pre-normalisation blocks, causal mask).

    Parameters
    ----------
    vocab_size : int
    block_size : int
        The longest input (tokens); position embeddings exist for ``0..block_size-1``.
    d_model, n_layers, n_heads : int
        Width, depth and heads per layer; the feed-forward width is ``4 * d_model``.

    >>> model = TinyGPT(vocab_size=10, block_size=8, d_model=16, n_layers=1, n_heads=2)
    >>> model(torch.zeros(3, 5, dtype=torch.long)).shape     # (batch, tokens, vocabulary)
    torch.Size([3, 5, 10])
    """

    def __init__(
        self,
        vocab_size: int,
        block_size: int,
        d_model: int,
        n_layers: int,
        n_heads: int,
    ) -> None:
        super().__init__()
        self.block_size = block_size
        self.token = nn.Embedding(vocab_size, d_model)
        self.position = nn.Embedding(block_size, d_model)
        self.blocks = nn.ModuleList(
            TransformerBlock(d_model, n_heads, 4 * d_model, norm_first=True)
            for _ in range(n_layers)
        )
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size, bias=False)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """Token ids (batch, n) -> logits of the next token (batch, n, vocab_size)."""
        n = idx.shape[1]
        if n > self.block_size:
            raise ValueError(f"{n} tokens, more than block_size={self.block_size}")
        x = self.token(idx) + self.position(torch.arange(n, device=idx.device))
        mask = causal_mask(n, device=idx.device)
        for block in self.blocks:
            x = block(x, mask)
        return self.head(self.norm(x))


@dataclass
class TinyGPTRun:
    """A trained :class:`TinyGPT` with its vocabulary and training log.

    Attributes
    ----------
    model : TinyGPT
        In evaluation mode, float64.
    vocab : CharVocab
    history : DataFrame
        ``step``, ``train_loss``, ``val_loss`` (mean loss per character, natural log; the
        training loss on at most 300 training texts), every ``eval_every`` steps.
    settings : dict
        The settings used (:data:`TINYGPT_DEFAULTS` with the overrides).
    status : str
        ``"hit"`` (read from the cache), ``"miss"`` (trained, stored) or ``"off"`` (not cached).
    path : Path or None
        The weights file.
    """

    model: TinyGPT
    vocab: CharVocab
    history: pd.DataFrame
    settings: dict[str, Any]
    status: str
    path: Path | None = None
    key: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def n_parameters(self) -> int:
        """The model's number of parameters."""
        return sum(p.numel() for p in self.model.parameters())


def _texts_sha256(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _settings(overrides: dict[str, Any]) -> dict[str, Any]:
    unknown = set(overrides) - set(TINYGPT_DEFAULTS)
    if unknown:
        raise TypeError(
            f"unknown TinyGPT settings {sorted(unknown)}; known: {sorted(TINYGPT_DEFAULTS)}"
        )
    chosen = {**TINYGPT_DEFAULTS, **overrides}
    for name in (
        "d_model",
        "n_layers",
        "n_heads",
        "block_size",
        "steps",
        "batch_size",
        "eval_every",
        "threads",
    ):
        if not isinstance(chosen[name], (int, np.integer)) or chosen[name] < 1:
            raise ValueError(f"{name} must be a positive integer, got {chosen[name]!r}")
    return chosen


def tinygpt_key(
    train_texts: Sequence[str], val_texts: Sequence[str], **settings: Any
) -> dict[str, Any]:
    """The key a cached model must match: format, settings, torch version, texts (in order).

    >>> a = tinygpt_key(["RED MUG"], ["BLUE MUG"])
    >>> a == tinygpt_key(["RED MUG"], ["BLUE MUG"]), a == tinygpt_key(["RED MUGS"], ["BLUE MUG"])
    (True, False)
    >>> a == tinygpt_key(["RED MUG"], ["BLUE MUG"], steps=10)
    False
    """
    chosen = _settings(settings)
    return {
        "format": TINYGPT_FORMAT,
        "settings": json.loads(json.dumps(chosen, sort_keys=True)),
        "torch": torch.__version__.split("+")[0],
        "train_sha256": _texts_sha256(list(train_texts)),
        "val_sha256": _texts_sha256(list(val_texts)),
        "n_train": len(train_texts),
        "n_val": len(val_texts),
    }


def _key_hash(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()


@contextlib.contextmanager
def _float64(threads: int | None = None, seed: int | None = None) -> Iterator[None]:
    """float64 as torch's default dtype, a fixed thread count and a seeded global generator;
    all restored afterwards."""
    old_dtype, old_threads = torch.get_default_dtype(), torch.get_num_threads()
    torch.set_default_dtype(torch.float64)
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
            yield
    finally:
        torch.set_default_dtype(old_dtype)
        torch.set_num_threads(old_threads)


def _batch(
    vocab: CharVocab, texts: Sequence[str], block_size: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Inputs and targets of texts (padded; padded targets are -100, ignored by the loss)."""
    seqs = [vocab.encode(t, max_chars=block_size - 1) for t in texts]
    n = max(len(s) for s in seqs) - 1
    inputs = torch.zeros(len(seqs), n, dtype=torch.long)
    targets = torch.full((len(seqs), n), -100, dtype=torch.long)
    for row, s in enumerate(seqs):
        inputs[row, : len(s) - 1] = torch.tensor(s[:-1])
        targets[row, : len(s) - 1] = torch.tensor(s[1:])
    return inputs, targets


def _nll(
    model: TinyGPT, vocab: CharVocab, texts: Sequence[str], chunk: int = 512
) -> float:
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(texts), chunk):
            inputs, targets = _batch(
                vocab, texts[start : start + chunk], model.block_size
            )
            logits = model(inputs)
            loss = nn.functional.cross_entropy(
                logits.reshape(-1, logits.shape[-1]),
                targets.reshape(-1),
                reduction="sum",
            )
            total += float(loss)
            count += int((targets != -100).sum())
    return total / count


def mean_nll(run: TinyGPTRun, texts: Sequence[str]) -> float:
    """Mean loss per predicted token (each character and the end of each text), natural log.

    ``math.exp`` of it is the perplexity: the number of equally likely characters the model
    is, on average, choosing between. Texts longer than ``block_size - 1`` characters are cut.
    """
    with _float64(threads=run.settings["threads"]):
        return _nll(run.model, run.vocab, list(texts))


def _train(
    train_texts: list[str], val_texts: list[str], s: dict[str, Any]
) -> tuple[TinyGPT, CharVocab, pd.DataFrame]:
    vocab = CharVocab(train_texts)
    model = TinyGPT(
        len(vocab), s["block_size"], s["d_model"], s["n_layers"], s["n_heads"]
    )
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=s["learning_rate"], weight_decay=s["weight_decay"]
    )
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: (
            0.1
            + 0.9 * 0.5 * (1 + math.cos(math.pi * min(step, s["steps"]) / s["steps"]))
        ),
    )
    draw = torch.Generator().manual_seed(s["random_state"])
    monitor = train_texts[:_MONITOR]
    rows = []
    for step in range(s["steps"] + 1):
        if step % s["eval_every"] == 0 or step == s["steps"]:
            model.eval()
            rows.append(
                (step, _nll(model, vocab, monitor), _nll(model, vocab, val_texts))
            )
            model.train()
        if step == s["steps"]:
            break
        picked = torch.randint(len(train_texts), (s["batch_size"],), generator=draw)
        inputs, targets = _batch(
            vocab, [train_texts[i] for i in picked.tolist()], s["block_size"]
        )
        logits = model(inputs)
        loss = nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
    model.eval()
    return model, vocab, pd.DataFrame(rows, columns=["step", "train_loss", "val_loss"])


def train_tinygpt(
    train_texts: Sequence[str],
    val_texts: Sequence[str],
    cache: bool = True,
    cache_dir: str | os.PathLike | None = None,
    **settings: Any,
) -> TinyGPTRun:
    """Train a :class:`TinyGPT` on ``train_texts`` (next character), or read it from the cache.

    Parameters
    ----------
    train_texts, val_texts : sequences of str
        The texts to learn from and the held-out texts whose loss is logged (never trained on).
        The vocabulary is the training texts' characters.
    cache : bool, default True
        Read and store the weights under ``default_cache_dir(cache_dir) / "tinygpt"``.
    **settings
        Any of :data:`TINYGPT_DEFAULTS`.

    Returns
    -------
    TinyGPTRun

    A cached file that cannot be read or whose stored key differs is trained again and replaced
    (with a warning). Training is deterministic for given texts and settings.
    """
    train_texts, val_texts = list(train_texts), list(val_texts)
    if not train_texts or not val_texts:
        raise ValueError(
            "train_tinygpt needs at least one training and one validation text"
        )
    key = tinygpt_key(train_texts, val_texts, **settings)
    s = key["settings"]
    path = None
    if cache:
        folder = default_cache_dir(cache_dir) / _FOLDER
        path = folder / f"tinygpt-{_key_hash(key)[:16]}.pt"
        if path.exists():
            try:
                stored = torch.load(path, map_location="cpu", weights_only=True)
                if stored["key"] != key:
                    raise ValueError("its key differs")
                with _float64(threads=s["threads"]):
                    vocab = CharVocab([stored["chars"]])
                    model = TinyGPT(
                        len(vocab),
                        s["block_size"],
                        s["d_model"],
                        s["n_layers"],
                        s["n_heads"],
                    )
                    model.load_state_dict(stored["state"])
                model.eval()
                history = pd.DataFrame(
                    stored["history"], columns=["step", "train_loss", "val_loss"]
                )
                return TinyGPTRun(model, vocab, history, s, "hit", path, key)
            except Exception as error:  # noqa: BLE001 - any unreadable file is rebuilt
                warnings.warn(
                    f"tinygpt cache {path.name} ignored ({error}); training again",
                    stacklevel=2,
                )
    with _float64(threads=s["threads"], seed=s["random_state"]):
        model, vocab, history = _train(train_texts, val_texts, s)
    if not cache:
        return TinyGPTRun(model, vocab, history, s, "off", None, key)
    folder.mkdir(parents=True, exist_ok=True)
    payload = {
        "key": key,
        "chars": vocab.chars,
        "state": model.state_dict(),
        "history": [
            [int(a), float(b), float(c)] for a, b, c in history.itertuples(index=False)
        ],
    }
    buffer = io.BytesIO()
    torch.save(payload, buffer)
    atomic_write(path, lambda stream: stream.write(buffer.getvalue()))
    return TinyGPTRun(model, vocab, history, s, "miss", path, key)


def sample(
    run: TinyGPTRun,
    n: int,
    temperature: float = 1.0,
    random_state: int = 0,
    max_chars: int | None = None,
) -> list[str]:
    """``n`` texts generated one character at a time from the start boundary to the end boundary.

    Each next character is drawn from ``softmax(logits / temperature)`` (the unknown
    character excluded) with a ``torch.Generator`` seeded by ``random_state``: below 1 the
    likely characters get likelier (safer, more repetitive text), above 1 the rare ones. A text
    stops at the end boundary or after ``max_chars`` (default ``block_size - 1``) characters.
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    limit = (
        run.model.block_size - 1
        if max_chars is None
        else min(max_chars, run.model.block_size - 1)
    )
    draw = torch.Generator().manual_seed(random_state)
    with _float64(threads=run.settings["threads"]), torch.no_grad():
        ids = torch.zeros(n, 1, dtype=torch.long)
        done = torch.zeros(n, dtype=torch.bool)
        for _ in range(limit):
            logits = run.model(ids)[:, -1, :] / temperature
            logits[:, UNKNOWN] = float("-inf")
            nxt = torch.multinomial(logits.softmax(dim=-1), 1, generator=draw).squeeze(
                1
            )
            nxt = torch.where(done, torch.zeros_like(nxt), nxt)
            done |= nxt == BOUNDARY
            ids = torch.cat([ids, nxt[:, None]], dim=1)
            if bool(done.all()):
                break
    return [run.vocab.decode(row.tolist()) for row in ids]


class CharNGram:
    """A character n-gram model with add-k smoothing, on the tokens of a :class:`CharVocab`.

    ``P(c | previous order-1 tokens) = (count(context, c) + k) / (count(context) + k V)``,
    with ``V`` the vocabulary size (the start boundary is never a next token in practice, but it
    keeps its ``k``, so that every distribution sums to 1 over the whole vocabulary). A text
    starts with ``order - 1`` boundaries.

    >>> vocab = CharVocab(["ABA", "AB"])
    >>> lm = CharNGram(vocab, order=2, k=0.5).fit(["ABA", "AB"])
    >>> p = lm.proba("A")                      # after an A: mostly B
    >>> round(float(p.sum()), 12), vocab.decode([int(p.argmax())])
    (1.0, 'B')
    """

    def __init__(self, vocab: CharVocab, order: int = 3, k: float = 0.1) -> None:
        if order < 1 or k <= 0:
            raise ValueError("order must be >= 1 and k > 0")
        self.vocab, self.order, self.k = vocab, order, k

    def _grams(
        self, text: str, max_chars: int | None
    ) -> Iterator[tuple[tuple[int, ...], int]]:
        ids = [BOUNDARY] * (self.order - 1) + self.vocab.encode(text, max_chars)[1:]
        for i in range(self.order - 1, len(ids)):
            yield tuple(ids[i - self.order + 1 : i]), ids[i]

    def fit(self, texts: Sequence[str], max_chars: int | None = None) -> CharNGram:
        """Count the n-grams of ``texts``; returns self."""
        self.counts_: dict[tuple[int, ...], Counter] = defaultdict(Counter)
        for text in texts:
            for context, nxt in self._grams(text, max_chars):
                self.counts_[context][nxt] += 1
        self.totals_ = {c: sum(v.values()) for c, v in self.counts_.items()}
        return self

    def proba(self, context: str | Sequence[int]) -> np.ndarray:
        """The distribution of the next token after ``context`` (the text so far, from its start,
        or token ids including the start boundaries); sums to 1."""
        if isinstance(context, str):
            ids = [BOUNDARY] * (self.order - 1) + self.vocab.encode(context)[1:-1]
        else:
            ids = [BOUNDARY] * (self.order - 1) + list(context)
        key = tuple(ids[len(ids) - self.order + 1 :]) if self.order > 1 else ()
        p = np.full(len(self.vocab), self.k)
        for token, count in self.counts_.get(key, {}).items():
            p[token] += count
        return p / (self.totals_.get(key, 0) + self.k * len(self.vocab))

    def mean_nll(self, texts: Sequence[str], max_chars: int | None = None) -> float:
        """Mean loss per predicted token (natural log), as :func:`mean_nll` counts them."""
        total, count, size = 0.0, 0, self.k * len(self.vocab)
        for text in texts:
            for context, nxt in self._grams(text, max_chars):
                seen = self.counts_.get(context)
                hits = seen.get(nxt, 0) if seen else 0
                total -= math.log(
                    (hits + self.k) / (self.totals_.get(context, 0) + size)
                )
                count += 1
        return total / count
