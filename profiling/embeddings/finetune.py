"""Adapt the bundled all-MiniLM-L6-v2 to one shop: contrastive fine-tuning on co-purchases.

A pretrained sentence model knows English, not this shop: it places "JUMBO BAG RED RETROSPOT"
near other bags, not near the lunch boxes the same customers buy. Fine-tuning (微调) moves the
vectors of products that are **bought together** closer, with the shop's own purchases as the
only supervision:

- :func:`copurchase_pairs` draws pairs of product descriptions from purchase lines strictly
  **before a cutoff** (checked): ``"basket"`` pairs two descriptions of one invoice, ``"next"`` a
  description of one invoice with one of the same customer's next invoice, ``"history"`` a
  few descriptions a customer bought earlier (an anchor of several texts, embedded as their
  normalized mean, as an interest vector is) with one of a later invoice. As drawn, most pairs
  of a large order are chance neighbours; ``top_k`` keeps only each description's strongest
  partners by the cosine of co-purchase counts.
- :func:`finetune_model` trains the top ``train_layers`` transformer layers (the word embeddings and
  the lower layers stay frozen) with a plain torch loop: the model's own tokenizer, mean-pooled
  unit-length embeddings as the model computes them, and the **in-batch-negatives** contrastive
  loss (Henderson et al. 2017; "MultipleNegativesRankingLoss" in sentence-transformers): in a batch
  of pairs, each description must find its partner among all partners of the batch (cross
  entropy over ``scale`` x cosine), in both directions; a partner with the same text as the right
  one is not counted as a negative. AdamW, linear warm-up, then a constant learning rate, seeded
  (``torch.manual_seed`` in a forked generator, deterministic algorithms, a fixed thread count).
- The trained weights are **cached on disk** (``cache_dir``, else ``$PROFILING_CACHE``, else
  ``~/.cache/profiling``, in ``finetuned/``), keyed by :func:`finetune_key`: the SHA-256 of the
  pairs, every setting and the library versions. A changed key trains again; a file that is
  unreadable, fails its checksum or does not fit the model gives a :class:`CacheWarning` and is
  retrained and overwritten atomically (the conventions of :mod:`profiling.embeddings.cache`).
- :class:`FinetunedEmbedder` embeds texts with the adapted model (through the embedding cache,
  keyed by the weights' checksum); :meth:`FineTuned.model` gives a whole
  ``SentenceTransformer`` for other uses.

Because only the top layers learn, the frozen layers' outputs are computed once per text and
reused: a training step and an embedding cost what the top layers cost.

Example
-------
>>> import pandas as pd
>>> tx = pd.DataFrame({
...     "customer_id": ["a", "a", "a", "b"], "invoice_id": ["1", "1", "2", "3"],
...     "description": ["RED MUG", "BLUE MUG", "TEA TOWEL", "RED MUG"],
...     "quantity": [1, 1, 1, 1],
...     "timestamp": pd.to_datetime(["2010-01-04", "2010-01-04", "2010-02-01", "2010-03-01"])})
>>> pairs = copurchase_pairs(tx, "2010-03-01", kind="next", n_pairs=4)
>>> sorted(set(zip(pairs["anchor"], pairs["positive"])))
[('BLUE MUG', 'TEA TOWEL'), ('RED MUG', 'TEA TOWEL')]
>>> bool((pairs["timestamp"] < pd.Timestamp("2010-03-01")).all())  # b's line is at the cutoff
True
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import time
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from profiling.embeddings.cache import CacheWarning, cached, normalize_texts, texts_sha256
from profiling.embeddings.model import MODEL_NAME, MODEL_PACKAGE, load_model
from profiling.storage import atomic_write, default_cache_dir
from profiling.validation import check_frame, check_positive_int

if TYPE_CHECKING:  # pragma: no cover - typing only
    import torch
    from sentence_transformers import SentenceTransformer

__all__ = [
    "FINETUNE_DEFAULTS",
    "FINETUNE_FORMAT",
    "PAIR_KINDS",
    "FineTuned",
    "FinetunedEmbedder",
    "copurchase_pairs",
    "finetune_key",
    "finetune_model",
]

#: Version of the weights-cache layout; part of every key (a new layout makes old files stale).
FINETUNE_FORMAT: int = 1

#: The kinds of co-purchase pairs :func:`copurchase_pairs` draws.
PAIR_KINDS: tuple[str, ...] = ("basket", "next", "history")

#: The training settings and their defaults (all of them are part of the cache key).
FINETUNE_DEFAULTS: dict[str, Any] = {
    "steps": 300,
    "batch_size": 32,
    "learning_rate": 1e-4,
    "warmup_steps": 20,
    "weight_decay": 0.01,
    "scale": 20.0,
    "train_layers": 1,
    "max_length": 64,
    "random_state": 0,
    "threads": 1,
}

_FOLDER = "finetuned"
_WHERE = "finetune"


# ----------------------------------------------------------------------------- pairs


def copurchase_pairs(
    transactions: pd.DataFrame,
    cutoff: Any,
    kind: str = "basket",
    n_pairs: int = 20_000,
    top_k: int | None = None,
    min_count: int = 4,
    history: int = 4,
    random_state: int = 0,
) -> pd.DataFrame:
    """Pairs of product descriptions bought together, from purchase lines before ``cutoff``.

    Parameters
    ----------
    transactions : DataFrame
        Canonical lines with ``customer_id``, ``invoice_id``, ``description``, ``quantity``
        and ``timestamp``. Only lines with ``timestamp < cutoff``, a positive quantity and a
        description are used.
    cutoff : date-like
        Nothing at or after it is read: the pairs may train a model evaluated after it.
    kind : {"basket", "next", "history"}
        ``"basket"``: two different descriptions of one invoice (a *basket*). ``"next"``: a
        description of one basket of a customer and one of the same customer's next basket
        (by time), if they differ. ``"history"``: a customer's history before a basket and a
        description of that basket: the anchor is then a tuple of up to ``history``
        descriptions drawn from what the customer bought earlier (without the positive),
        which :func:`finetune_model` embeds as their normalized mean: the way chapter 5 builds an
        interest vector.
    n_pairs : int
        Pairs drawn, with replacement (fewer for ``"next"`` if few consecutive baskets differ).
    top_k : int or None
        None: each pair is a random line and a random partner as defined by ``kind``, so
        frequent combinations come often, and so do the chance neighbours of a 50-line
        wholesale order. An int: only the **strongest associations**: for each description
        its ``top_k`` partners by the cosine of co-purchase counts (``count(i, j) /
        sqrt(count(i) count(j))``, counts of baskets, or of consecutive basket pairs for
        ``"next"``), among partners seen together at least ``min_count`` times; the pairs
        are drawn uniformly from that list.
    min_count : int
        With ``top_k``: fewer co-purchases than this are not an association (chance).
    history : int
        With ``"history"``: the most descriptions in an anchor.
    random_state : int
        Seed of the draw (``numpy.random.default_rng``).

    Returns
    -------
    DataFrame with ``anchor``, ``positive`` (the two descriptions) and ``timestamp`` (the
    latest line the pair was drawn from, or with ``top_k`` the latest purchase of either
    description), in the drawn order (the order :func:`finetune_model` trains in). Every
    timestamp is before ``cutoff``; that is checked, not assumed.

    Raises
    ------
    ValueError
        A column is missing, ``kind`` is unknown or no pair can be formed before the cutoff.
    """
    where = "copurchase_pairs"
    cols = ["customer_id", "invoice_id", "description", "quantity", "timestamp"]
    check_frame(transactions, cols, where, what="the transactions")
    if kind not in PAIR_KINDS:
        raise ValueError(f"{where}: kind must be one of {list(PAIR_KINDS)}, got {kind!r}.")
    n_pairs = check_positive_int(n_pairs, where, "n_pairs")
    if top_k is not None:
        top_k = check_positive_int(top_k, where, "top_k")
    min_count = check_positive_int(min_count, where, "min_count")
    history = check_positive_int(history, where, "history")
    if kind == "history" and top_k is not None:
        raise ValueError(f"{where}: top_k applies to 'basket' and 'next' pairs, not to 'history'.")
    cut = pd.Timestamp(cutoff)
    keep = (
        (transactions["timestamp"] < cut)
        & (transactions["quantity"] > 0)
        & transactions["description"].notna()
    )
    lines = transactions.loc[keep, cols].copy()
    # each distinct description normalized once (a shop has thousands, its lines millions)
    codes, distinct = pd.factorize(lines["description"].astype(str))
    lines["description"] = np.asarray(normalize_texts(list(distinct)), dtype=object)[codes]
    lines = lines[lines["description"] != ""]
    # one line per invoice and description, in a fixed order (invoices by customer and time)
    first = lines.groupby("invoice_id", sort=False)["timestamp"].transform("min")
    lines = (
        lines.assign(invoice_time=first)
        .sort_values(
            ["customer_id", "invoice_time", "invoice_id", "description"], kind="stable"
        )
        .drop_duplicates(["invoice_id", "description"])
        .reset_index(drop=True)
    )
    # a basket: a run of lines of one invoice and customer
    basket = (
        (lines["invoice_id"] != lines["invoice_id"].shift())
        | (lines["customer_id"] != lines["customer_id"].shift())
    ).cumsum().to_numpy() - 1
    size = np.bincount(basket)[basket] if len(lines) else np.zeros(0, int)
    heads = np.flatnonzero(np.r_[True, np.diff(basket) != 0]) if len(lines) else np.zeros(0, int)
    start = heads[basket] if len(lines) else np.zeros(0, int)
    text = lines["description"].to_numpy(dtype=object)
    stamp = lines["timestamp"].to_numpy()
    customer = lines["customer_id"].to_numpy(dtype=object)
    # the first line of the same customer's next basket, or -1
    same = np.r_[customer[heads[1:]] == customer[heads[:-1]], False] if len(heads) else heads
    next_head = np.where(same, np.r_[heads[1:], -1], -1)[basket] if len(lines) else basket
    rng = np.random.default_rng(random_state)
    if kind == "basket" and not (size >= 2).any():
        raise ValueError(f"{where}: no invoice before {cut.date()} has two products.")
    if kind in ("next", "history") and not (next_head >= 0).any():
        raise ValueError(f"{where}: no customer has two invoices before {cut.date()}.")
    if top_k is not None:
        a, b, when = _strongest(text, stamp, basket, heads, next_head, kind, top_k, min_count, n_pairs, rng)
        if a.size == 0:
            raise ValueError(f"{where}: no two products were bought together {min_count} times or more "
                             f"before {cut.date()}; lower min_count.")
    elif kind == "history":
        a, b, when = _histories(text, stamp, customer, start, history, n_pairs, rng)
    elif kind == "basket":
        eligible = np.flatnonzero(size >= 2)
        a = rng.choice(eligible, size=n_pairs)
        offset = 1 + rng.integers(0, size[a] - 1)
        b = start[a] + (a - start[a] + offset) % size[a]
        a, b, when = text[a], text[b], np.maximum(stamp[a], stamp[b])
    else:
        eligible = np.flatnonzero(next_head >= 0)
        a = rng.choice(eligible, size=2 * n_pairs)
        b_start = next_head[a]
        b = b_start + rng.integers(0, size[b_start])
        differ = text[a] != text[b]
        a, b = a[differ][:n_pairs], b[differ][:n_pairs]
        if a.size == 0:
            raise ValueError(f"{where}: no two consecutive invoices before {cut.date()} differ.")
        a, b, when = text[a], text[b], np.maximum(stamp[a], stamp[b])
    anchors = a if kind == "history" else a.astype(str)
    pairs = pd.DataFrame({"anchor": anchors, "positive": b.astype(str), "timestamp": when})
    if not (pairs["timestamp"] < cut).all():  # by construction; checked because it matters
        raise AssertionError(f"{where}: a pair uses a line at or after {cut}.")
    pairs.attrs.update(cutoff=str(cut), kind=kind, top_k=top_k, random_state=int(random_state))
    return pairs


def _histories(text, stamp, customer, start, history, n_pairs, rng):
    """Anchors of up to ``history`` earlier descriptions of the customer, positives of a later basket."""
    first_of = pd.Series(np.arange(len(text))).groupby(customer).transform("min").to_numpy()
    eligible = np.flatnonzero(start > first_of)  # lines of a basket that is not the customer's first
    anchors, positives, when = [], [], []
    for line in rng.choice(eligible, size=n_pairs):
        earlier = np.arange(first_of[line], start[line])
        drawn = rng.choice(earlier, size=min(history + 1, earlier.size), replace=False)
        members = sorted({str(text[i]) for i in drawn} - {str(text[line])})[:history]
        if members:
            anchors.append(tuple(members))
            positives.append(text[line])
            when.append(stamp[line])
    out = np.empty(len(anchors), dtype=object)
    out[:] = anchors
    return out, np.array(positives, dtype=object), np.array(when, dtype="datetime64[ns]")


def _strongest(text, stamp, basket, heads, next_head, kind, top_k, min_count, n_pairs, rng):
    """Pairs drawn from each description's ``top_k`` partners by co-purchase cosine."""
    import scipy.sparse as sparse

    items, item = np.unique(text.astype(str), return_inverse=True)
    n_baskets = len(heads)
    incidence = sparse.csr_matrix(
        (np.ones(len(item)), (basket, item)), shape=(n_baskets, len(items))
    )
    if kind == "basket":
        counts = (incidence.T @ incidence).tocsr()
    else:
        from_basket = basket[heads[next_head[heads] >= 0]]
        to_basket = basket[next_head[heads][next_head[heads] >= 0]]
        step = incidence[from_basket].T @ incidence[to_basket]
        counts = (step + step.T).tocsr()
    counts.setdiag(0)
    counts.eliminate_zeros()
    per_item = np.asarray(incidence.sum(axis=0)).ravel()
    rows, cols = counts.nonzero()
    value = np.asarray(counts[rows, cols]).ravel()
    ok = value >= min_count
    rows, cols, value = rows[ok], cols[ok], value[ok]
    cosine = value / np.sqrt(per_item[rows] * per_item[cols])
    table = pd.DataFrame({"i": rows, "j": cols, "cosine": cosine}).sort_values(
        ["i", "cosine", "j"], ascending=[True, False, True], kind="stable"
    )
    table = table.groupby("i", sort=False).head(top_k)
    last = pd.Series(stamp).groupby(item).max().to_numpy()
    if table.empty:
        return np.zeros(0, object), np.zeros(0, object), np.zeros(0, "datetime64[ns]")
    pick = table.iloc[rng.integers(0, len(table), n_pairs)]
    i, j = pick["i"].to_numpy(), pick["j"].to_numpy()
    return items[i], items[j], np.maximum(last[i], last[j])


# ----------------------------------------------------------------------------- cache key and files


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("torch", "transformers", "sentence-transformers", MODEL_PACKAGE, "safetensors"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "missing"
    return out


def _check_pairs(pairs: Any, where: str) -> tuple[list[tuple[str, ...]], list[str]]:
    """Anchors as tuples of normalized texts (a text is a 1-tuple), positives as texts."""
    check_frame(pairs, ["anchor", "positive"], where, what="the pairs",
                fix="Build them with copurchase_pairs(...).", allow_empty=False,
                complete=["anchor", "positive"])
    anchors = []
    for position, anchor in enumerate(pairs["anchor"].tolist()):
        group = [anchor] if isinstance(anchor, str) else list(anchor) if isinstance(anchor, (tuple, list)) else None
        if not group or not all(isinstance(t, str) for t in group):
            raise TypeError(f"{where}: anchor {position} is {anchor!r}; give a text or a tuple of texts.")
        anchors.append(tuple(normalize_texts(group)))
    return anchors, normalize_texts(pairs["positive"].tolist())


def _settings(overrides: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(overrides) - set(FINETUNE_DEFAULTS))
    if unknown:
        raise TypeError(f"{where}: unknown setting(s) {unknown}; known: {sorted(FINETUNE_DEFAULTS)}.")
    out = {**FINETUNE_DEFAULTS, **overrides}
    for name in ("steps", "batch_size", "max_length", "threads", "train_layers"):
        out[name] = check_positive_int(out[name], where, name, minimum=1)
    out["warmup_steps"] = check_positive_int(out["warmup_steps"], where, "warmup_steps", minimum=0)
    out["random_state"] = check_positive_int(out["random_state"], where, "random_state", minimum=0)
    if out["batch_size"] < 2:
        raise ValueError(f"{where}: batch_size must be >= 2 (the other pairs are the negatives).")
    for name in ("learning_rate", "scale", "weight_decay"):
        value = out[name]
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{where}: {name} must be a finite number >= 0, got {value!r}.")
        out[name] = float(value)
    return out


def finetune_key(pairs: pd.DataFrame, cutoff: Any = None, **settings: Any) -> dict[str, Any]:
    """The key a cached fine-tune must match: format, base model, settings, versions, pairs.

    ``settings`` are those of :data:`FINETUNE_DEFAULTS` (missing ones take the default); the
    pairs enter by their number and the SHA-256 of their texts in order; ``cutoff`` (if given)
    too. Two calls give equal keys exactly when the training would be the same.

    Example
    -------
    >>> p = pd.DataFrame({"anchor": ["red mug", "tea"], "positive": ["blue mug", "cup"]})
    >>> finetune_key(p)["settings"]["steps"], finetune_key(p, steps=5)["settings"]["steps"]
    (300, 5)
    >>> finetune_key(p) == finetune_key(p.iloc[::-1])
    False
    """
    anchors, positives = _check_pairs(pairs, "finetune_key")
    chosen = _settings(settings, "finetune_key")
    # a tuple anchor as its texts joined by newlines (normalized texts have none)
    interleaved = [t for a, p in zip(anchors, positives) for t in ("\n".join(a), p)]
    return {
        "format": FINETUNE_FORMAT,
        "base": MODEL_NAME,
        "settings": json.loads(json.dumps({**chosen, **_versions()}, sort_keys=True)),
        "n_pairs": len(anchors),
        "pairs_sha256": texts_sha256(interleaved),
        "cutoff": None if cutoff is None else str(pd.Timestamp(cutoff)),
    }


def _key_hash(key: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()


def _paths(key: dict[str, Any], cache_dir: str | os.PathLike | None) -> tuple[Path, Path]:
    stem = f"{MODEL_NAME}-ft-{_key_hash(key)[:16]}"
    folder = default_cache_dir(cache_dir) / _FOLDER
    return folder / f"{stem}.safetensors", folder / f"{stem}.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _expected_tensors(train_layers: int) -> dict[str, tuple[int, ...]]:
    bert = load_model()[0].auto_model
    first = bert.config.num_hidden_layers - train_layers
    return {name: tuple(t.shape) for name, t in bert.state_dict().items()
            if any(name.startswith(f"encoder.layer.{i}.") for i in range(first, bert.config.num_hidden_layers))}


def _read_sidecar(weights: Path) -> dict[str, Any]:
    meta = json.loads(weights.with_suffix(".json").read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise ValueError("the sidecar is not a JSON object")
    return meta


def _load_checked(weights: Path, meta: dict[str, Any]) -> dict[str, torch.Tensor]:
    """The tensors of a weights file whose checksum, names and shapes match its sidecar and model."""
    from safetensors.torch import load as load_bytes

    data = weights.read_bytes()
    if _sha256(data) != meta.get("sha256"):
        raise ValueError("checksum mismatch: the file differs from the one written")
    tensors = load_bytes(data)
    expected = _expected_tensors(int(meta["key"]["settings"]["train_layers"]))
    shapes = {name: tuple(t.shape) for name, t in tensors.items()}
    if shapes != expected:
        raise ValueError(f"its tensors do not fit the model ({len(shapes)} found, {len(expected)} expected)")
    return tensors


def _read(key: dict[str, Any], cache_dir: str | os.PathLike | None) -> tuple[dict | None, dict | None]:
    weights, sidecar = _paths(key, cache_dir)
    if not weights.exists() and not sidecar.exists():
        return None, None
    try:
        meta = _read_sidecar(weights)
        if meta.get("key") != key:
            raise ValueError("stale: its key (pairs, settings, versions or format) differs")
        return _load_checked(weights, meta), meta
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError) as exc:
        warnings.warn(
            f"Fine-tuned weights {weights.name} in {weights.parent} cannot be used ({type(exc).__name__}: "
            f"{exc}); training again (the file will be overwritten).",
            CacheWarning,
            stacklevel=3,
        )
        return None, None


def _write(key: dict[str, Any], tensors: dict[str, torch.Tensor], losses: Sequence[float],
           cache_dir: str | os.PathLike | None) -> Path:
    from safetensors.torch import save as save_bytes

    weights, sidecar = _paths(key, cache_dir)
    weights.parent.mkdir(parents=True, exist_ok=True)
    data = save_bytes({name: t.detach().contiguous() for name, t in sorted(tensors.items())})
    meta = {"key": key, "sha256": _sha256(data), "losses": [float(x) for x in losses]}
    atomic_write(weights, lambda stream: stream.write(data))
    atomic_write(sidecar, lambda stream: stream.write(json.dumps(meta, indent=1, sort_keys=True).encode("utf-8")))
    return weights


# ----------------------------------------------------------------------------- the model's top layers


@contextlib.contextmanager
def _torch_settings(threads: int, seed: int) -> Iterator[None]:
    """Fixed threads, deterministic algorithms and a seeded generator; all restored afterwards."""
    import torch

    old_threads = torch.get_num_threads()
    old_det = torch.are_deterministic_algorithms_enabled()
    old_warn = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    try:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_num_threads(old_threads)
        torch.use_deterministic_algorithms(old_det, warn_only=old_warn)


#: Outputs of the frozen layers per (n_frozen, max_length), per text; bounded by _STATES_MAX texts.
_STATES: dict[tuple[int, int], dict[str, Any]] = {}
_STATES_MAX = 50_000


def _frozen_states(texts: list[str], n_frozen: int, max_length: int, batch_size: int = 256) -> list[torch.Tensor]:
    """Per text, the output of the frozen bottom ``n_frozen`` layers (tokens x 384), computed once.

    The model's own tokenizer (truncation at ``max_length`` word pieces) and the base model in
    evaluation mode. Results are kept per text in the process (training on the pairs and then
    embedding the catalogue reuse them).
    """
    import torch

    memo = _STATES.setdefault((n_frozen, max_length), {})
    todo = sorted(set(texts) - set(memo), key=lambda t: (len(t), t))  # similar lengths together
    if len(memo) + len(todo) > _STATES_MAX:
        memo.clear()
        todo = sorted(set(texts), key=lambda t: (len(t), t))
    if todo:
        model = load_model()
        bert, tokenizer = model[0].auto_model, model.tokenizer
        with torch.no_grad():  # not inference_mode: training reuses these tensors
            for start in range(0, len(todo), batch_size):
                chunk = todo[start:start + batch_size]
                enc = tokenizer(chunk, padding=True, truncation=True, max_length=max_length,
                                return_tensors="pt")
                hidden = bert(**enc, output_hidden_states=True).hidden_states[n_frozen]
                lengths = enc["attention_mask"].sum(dim=1).tolist()
                for row, text in enumerate(chunk):
                    memo[text] = hidden[row, : lengths[row]].clone()
    return [memo[t] for t in texts]


def _attention_mask(config: Any, hidden: torch.Tensor, mask: torch.Tensor, bert: Any) -> Any:
    try:
        from transformers.masking_utils import create_bidirectional_mask
    except ImportError:  # older transformers
        return bert.get_extended_attention_mask(mask, mask.shape)
    return create_bidirectional_mask(config=config, inputs_embeds=hidden, attention_mask=mask)


def _top_embed(layers: Any, states: list[torch.Tensor], idx: Sequence[int], bert: Any) -> torch.Tensor:
    """Unit-length mean-pooled embeddings of ``states[idx]`` through ``layers`` (as the model pools)."""
    import torch
    from torch.nn.utils.rnn import pad_sequence

    seqs = [states[i] for i in idx]
    lengths = torch.tensor([len(s) for s in seqs])
    hidden = pad_sequence(seqs, batch_first=True)
    mask = (torch.arange(hidden.shape[1])[None, :] < lengths[:, None]).long()
    extended = _attention_mask(bert.config, hidden, mask, bert)
    for layer in layers:
        out = layer(hidden, extended)
        hidden = out[0] if isinstance(out, tuple) else out
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * weights).sum(dim=1) / weights.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _top_layers(train_layers: int, tensors: dict[str, torch.Tensor] | None = None) -> tuple[Any, int]:
    """A copy of the base model's top ``train_layers`` layers (with ``tensors`` loaded, if given)."""
    bert = load_model()[0].auto_model
    n_layers = bert.config.num_hidden_layers
    if train_layers > n_layers:
        raise ValueError(f"{_WHERE}: train_layers must be <= {n_layers}, got {train_layers}.")
    first = n_layers - train_layers
    layers = copy.deepcopy(bert.encoder.layer[first:])
    if tensors is not None:
        prefix = "encoder.layer."
        local = {}
        for name, t in tensors.items():
            number, rest = name[len(prefix):].split(".", 1)
            local[f"{int(number) - first}.{rest}"] = t
        layers.load_state_dict(local, strict=True)
    return layers, first


def _export(layers: Any, first: int) -> dict[str, torch.Tensor]:
    out = {}
    for name, t in layers.state_dict().items():
        number, rest = name.split(".", 1)
        out[f"encoder.layer.{int(number) + first}.{rest}"] = t.detach().clone()
    return out


# ----------------------------------------------------------------------------- training


def _train(anchors: list[tuple[str, ...]], positives: list[str], settings: dict[str, Any],
           save_at: Sequence[int], on_save: Any) -> None:
    """The loop: ``max(save_at)`` steps; ``on_save(step, tensors, losses)`` after each step in ``save_at``.

    An anchor of several texts is embedded as the normalized mean of their embeddings.
    """
    import torch
    import torch.nn.functional as F

    texts = sorted({t for a in anchors for t in a} | set(positives))
    position = {t: i for i, t in enumerate(texts)}
    members = [np.array([position[t] for t in a]) for a in anchors]
    anchor_id = {a: i for i, a in enumerate(sorted(set(anchors)))}
    a_all = np.array([anchor_id[a] for a in anchors])
    b_all = np.array([position[t] for t in positives])
    n, bs = len(b_all), settings["batch_size"]
    if n < bs:
        raise ValueError(f"{_WHERE}: {n} pairs are fewer than one batch ({bs}); "
                         "give more pairs or a smaller batch_size.")
    bert = load_model()[0].auto_model
    with _torch_settings(settings["threads"], settings["random_state"]):
        layers, first = _top_layers(settings["train_layers"])
        states = _frozen_states(texts, first, settings["max_length"])
        layers.train()
        for p in layers.parameters():
            p.requires_grad_(True)
        optimizer = torch.optim.AdamW(layers.parameters(), lr=settings["learning_rate"],
                                      weight_decay=settings["weight_decay"])
        eye = torch.eye(bs, dtype=torch.bool)
        target = torch.arange(bs)
        losses: list[float] = []
        for step in range(max(save_at)):
            warm = settings["warmup_steps"]
            for group in optimizer.param_groups:
                group["lr"] = settings["learning_rate"] * min(1.0, (step + 1) / warm if warm else 1.0)
            rows = (step * bs + np.arange(bs)) % n
            groups, b = [members[r] for r in rows], b_all[rows]
            unique, inverse = np.unique(np.concatenate([*groups, b]), return_inverse=True)
            emb = _top_embed(layers, states, unique.tolist(), bert)
            # anchors: the mean of their members' rows, normalized (one member: the row itself)
            mean = torch.zeros(bs, len(unique))
            offset = 0
            for i, g in enumerate(groups):
                mean[i, inverse[offset:offset + len(g)]] += 1.0 / len(g)
                offset += len(g)
            ea = F.normalize(mean @ emb, dim=-1)
            eb = emb[torch.as_tensor(inverse[offset:])]
            logits = settings["scale"] * ea @ eb.T
            ta, tb = torch.as_tensor(a_all[rows]), torch.as_tensor(b)
            # not negatives: another pair's positive with the right text, or one of the anchor's
            # own texts; the same anchor in another pair
            inside = torch.tensor([[int(x) in set(g.tolist()) for x in b] for g in groups])
            same_ab = ((tb[None, :] == tb[:, None]) | inside) & ~eye
            same_ba = ((ta[None, :] == ta[:, None]) | inside.T) & ~eye
            loss = 0.5 * (F.cross_entropy(logits.masked_fill(same_ab, -torch.inf), target)
                          + F.cross_entropy(logits.T.masked_fill(same_ba, -torch.inf), target))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(float(loss.detach()))
            if step + 1 in save_at:
                on_save(step + 1, _export(layers, first), list(losses))


@dataclass(frozen=True)
class FineTuned:
    """A fine-tuned model in the cache: where its weights are, its key, and how it was obtained.

    Attributes
    ----------
    weights : pathlib.Path
        The ``.safetensors`` file of the trained top layers (its ``.json`` sidecar is beside it).
    key : dict
        :func:`finetune_key` of the run.
    status : str
        ``"hit"`` (read from the cache), ``"miss"`` (trained and stored) or ``"rebuilt"`` (a
        corrupt or stale file was found, warned about, retrained and overwritten).
    losses : tuple of float
        Training loss of every step (stored with the weights).
    seconds : float
        Time spent training in this call (0 for a hit; shared by the entries of one run).
    """

    weights: Path
    key: dict = field(repr=False)
    status: str
    losses: tuple = field(repr=False)
    seconds: float = field(default=0.0, repr=False)

    @property
    def steps(self) -> int:
        return int(self.key["settings"]["steps"])

    @property
    def sha256(self) -> str:
        """SHA-256 of the weights file (names the embeddings computed with it)."""
        return str(_read_sidecar(self.weights)["sha256"])

    def model(self) -> SentenceTransformer:
        """A whole ``SentenceTransformer``: a copy of the bundled model with these top layers."""
        meta = _read_sidecar(self.weights)
        tensors = _load_checked(self.weights, meta)
        model = copy.deepcopy(load_model())
        missing, unexpected = model[0].auto_model.load_state_dict(tensors, strict=False)
        if unexpected:
            raise ValueError(f"FineTuned.model: unexpected tensors {unexpected[:3]}")
        model.eval()
        return model

    def embedder(self, cache_dir: str | os.PathLike | None = None, **kwargs: Any) -> FinetunedEmbedder:
        """A :class:`FinetunedEmbedder` of these weights."""
        return FinetunedEmbedder(str(self.weights), cache_dir=cache_dir, **kwargs)


def finetune_model(
    pairs: pd.DataFrame,
    *,
    steps: int | Sequence[int] = FINETUNE_DEFAULTS["steps"],
    cutoff: Any = None,
    cache_dir: str | os.PathLike | None = None,
    **settings: Any,
) -> FineTuned | list[FineTuned]:
    """Fine-tune the top layers of all-MiniLM-L6-v2 on ``pairs``, through the weights cache.

    Parameters
    ----------
    pairs : DataFrame
        ``anchor`` and ``positive`` texts (e.g. :func:`copurchase_pairs`), trained in this order,
        ``batch_size`` pairs per step, from the start again when they run out.
    steps : int or sequence of int
        Optimizer steps. A sequence trains once, to the largest, and stores each count as its own
        cache entry: the first 100 steps of a 300-step run *are* the 100-step run (same batches,
        the learning rate is constant after the warm-up). Returns a list then.
    cutoff : date-like or None
        If given, every pair must have a ``timestamp`` before it (else ``ValueError``): the
        guard against training on the period a model is evaluated on. Part of the key.
    cache_dir : path or None
        Cache folder (``finetuned/`` inside it); default :func:`profiling.storage.default_cache_dir`.
    **settings
        Any of :data:`FINETUNE_DEFAULTS` besides ``steps``: ``batch_size`` (32), ``learning_rate``
        (1e-4, AdamW), ``warmup_steps`` (20, linear), ``weight_decay`` (0.01), ``scale`` (20: the
        inverse temperature of the cosine logits), ``train_layers`` (1 of 6), ``max_length`` (64
        word pieces), ``random_state`` (0), ``threads`` (1: torch threads while training and
        embedding; one thread gives the same sums on every machine and does not slow down
        when other processes share the cores, where two threads can be several times slower).

    Returns
    -------
    :class:`FineTuned` (a list of them for a sequence of ``steps``).
    """
    many = not isinstance(steps, (int, np.integer))
    counts = sorted({check_positive_int(s, _WHERE, "steps") for s in (steps if many else [steps])})
    if cutoff is not None:
        check_frame(pairs, ["anchor", "positive", "timestamp"], _WHERE, what="the pairs",
                    fix="With a cutoff the pairs need their timestamp (copurchase_pairs gives it).")
        late = pairs["timestamp"] >= pd.Timestamp(cutoff)
        if late.any():
            raise ValueError(f"{_WHERE}: {int(late.sum())} pair(s) are from at or after the cutoff "
                             f"{pd.Timestamp(cutoff)}; train only on pairs before it.")
    anchors, positives = _check_pairs(pairs, _WHERE)
    keys = {s: finetune_key(pairs, cutoff, **{**settings, "steps": s}) for s in counts}
    found: dict[int, FineTuned] = {}
    existed = {}
    for s, key in keys.items():
        existed[s] = any(p.exists() for p in _paths(key, cache_dir))
        tensors, meta = _read(key, cache_dir)
        if tensors is not None:
            found[s] = FineTuned(_paths(key, cache_dir)[0], key, "hit", tuple(meta.get("losses", [])))
    todo = [s for s in counts if s not in found]
    if todo:
        chosen = _settings({**settings, "steps": max(todo)}, _WHERE)
        started = time.perf_counter()
        written: dict[int, tuple[Path, list[float]]] = {}

        def save(step: int, tensors: dict, losses: list[float]) -> None:
            if step in todo:
                written[step] = (_write(keys[step], tensors, losses, cache_dir), losses)

        _train(anchors, positives, chosen, todo, save)
        seconds = time.perf_counter() - started
        for s in todo:
            path, losses = written[s]
            found[s] = FineTuned(path, keys[s], "rebuilt" if existed[s] else "miss", tuple(losses), seconds)
    return [found[int(s)] for s in steps] if many else found[counts[0]]


# ----------------------------------------------------------------------------- embedding with it


class FinetunedEmbedder(BaseEstimator):
    """Sentence embeddings from fine-tuned weights (see :func:`finetune_model`), with the disk cache.

    The same interface as :class:`~profiling.embeddings.SentenceEmbedder` (``fit``, ``embed`` /
    ``transform``, ``fit_embed``; unit-length float32 rows). The vectors are cached under the name
    ``all-MiniLM-L6-v2-ft-<first 16 hex digits of the weights' SHA-256>``, so other weights never
    read them. The weights file is checked (checksum, tensor names and shapes) before use.

    Parameters
    ----------
    weights : str or path
        A ``.safetensors`` file written by :func:`finetune_model` (``FineTuned.weights``).
    batch_size : int, default 256
        Texts per pass through the top layers (speed only).
    cache_dir : path or None
        Embedding cache folder (default :func:`profiling.storage.default_cache_dir`).
    use_cache : bool, default True
        Read and write the embedding cache.

    Attributes
    ----------
    embedding_dim_ : int
        384.
    last_cache_status_ : str
        ``"hit"``, ``"miss"``, ``"rebuilt"`` or ``"off"`` for the last :meth:`embed` call.
    """

    name = "finetuned"

    def __init__(self, weights: str | os.PathLike, batch_size: int = 256,
                 cache_dir: str | os.PathLike | None = None, use_cache: bool = True) -> None:
        self.weights = weights
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.use_cache = use_cache

    embedding_dim_ = 384

    def fit(self, texts: Sequence[str] | None = None) -> FinetunedEmbedder:
        """Nothing to learn here (the training is :func:`finetune_model`); returns self."""
        return self

    def _meta(self) -> dict[str, Any]:
        path = Path(self.weights)
        try:
            return _read_sidecar(path)
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            raise FileNotFoundError(
                f"FinetunedEmbedder: no readable fine-tuned weights at {path} ({exc}); run finetune_model(...) first."
            ) from exc

    def _compute(self, texts: list[str]) -> np.ndarray:
        import torch

        if not texts:
            return np.zeros((0, self.embedding_dim_), dtype=np.float32)
        meta = self._meta()
        tensors = _load_checked(Path(self.weights), meta)
        chosen = meta["key"]["settings"]
        bert = load_model()[0].auto_model
        batch_size = check_positive_int(self.batch_size, "FinetunedEmbedder", "batch_size")
        out = np.empty((len(texts), self.embedding_dim_), dtype=np.float32)
        # the thread count of the training: the same sums in the same order
        with _torch_settings(int(chosen["threads"]), int(chosen["random_state"])):
            layers, first = _top_layers(int(chosen["train_layers"]), tensors)
            layers.eval()
            states = _frozen_states(texts, first, int(chosen["max_length"]))
            order = np.argsort([len(s) for s in states], kind="stable")
            with torch.inference_mode():
                for start in range(0, len(texts), batch_size):
                    idx = order[start:start + batch_size]
                    out[idx] = _top_embed(layers, states, idx.tolist(), bert).numpy()
        return out

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors of the normalized texts, shape ``(len(texts), 384)``, cached."""
        items = normalize_texts(texts)
        if not self.use_cache:
            self.last_cache_status_ = "off"
            return self._compute(items)
        meta = self._meta()
        chosen = meta["key"]["settings"]
        settings = {"normalize": True, "dtype": "float32", "max_length": chosen["max_length"],
                    "train_layers": chosen["train_layers"], **_versions()}
        model = f"{MODEL_NAME}-ft-{str(meta.get('sha256', ''))[:16]}"
        vectors, self.last_cache_status_ = cached(self._compute, items, model, settings, self.cache_dir)
        return vectors

    transform = embed

    def fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        """``fit(texts).embed(texts)``."""
        return self.fit(texts).embed(texts)

    def __repr__(self) -> str:
        return f"FinetunedEmbedder(weights=...{Path(self.weights).name})"
