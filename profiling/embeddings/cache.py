"""A disk cache for embeddings: keyed by model, settings and text hash, checked on every read.

The cache lives in ``cache_dir``, else ``$PROFILING_CACHE``, else ``~/.cache/profiling`` (outside
the repository; :func:`profiling.storage.default_cache_dir`); each entry is an ``.npy`` array plus
a JSON sidecar with the key (model, settings incl. the sentence-transformers and weights package
versions, cache format, number and SHA-256 of the normalized texts: :func:`cache_key`), the shape,
dtype and SHA-256 of the array. A corrupt (unreadable, wrong shape or dtype, checksum mismatch) or
stale (key mismatch) entry raises a :class:`CacheWarning` and is recomputed and overwritten; writes
are atomic (temporary file + ``os.replace``). :func:`cached` wraps any ``compute(texts)`` with it.

Example
-------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     key = cache_key("demo", ["a", "b"])
...     _ = write_cache(key, np.zeros((2, 3), "float32"), cache_dir=tmp)
...     read_cache(key, cache_dir=tmp).shape
(2, 3)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from profiling import ProfilingWarning
from profiling.embeddings.model import _check_texts
from profiling.storage import atomic_write as _atomic_write
from profiling.storage import default_cache_dir

__all__ = [
    "CACHE_FORMAT",
    "CacheWarning",
    "cache_key",
    "cache_paths",
    "cached",
    "normalize_texts",
    "read_cache",
    "texts_sha256",
    "write_cache",
]


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
