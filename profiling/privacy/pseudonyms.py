"""Pseudonyms: customer ids replaced by a keyed hash, joinable with the key, not reversible without it.

:func:`pseudonymize` replaces ids by a **keyed hash** (HMAC-SHA256). The same id and key always
give the same pseudonym, so tables can still be joined; without the key nobody can recompute the
pseudonym of a known id (a plain, unkeyed hash of a 5-digit id is reversed by hashing all 100,000
possible ids). The key is a parameter: it is never stored in any output of this module.
Pseudonymized data is still personal data (GDPR Recital 26): whoever holds the key can link it back.

:func:`new_key` makes a fresh random key; :func:`pseudonymize` refuses keys shorter than
:data:`MIN_KEY_BYTES` and raises if two ids would collide.

Example
-------
>>> import pandas as pd
>>> key = new_key()
>>> a = pseudonymize(pd.Series(["12346", "12347"]), key=key)
>>> bool((a == pseudonymize(pd.Series(["12346", "12347"]), key=key)).all()), a.str.len().tolist()
(True, [16, 16])
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MIN_KEY_BYTES", "new_key", "pseudonymize"]

#: Shortest key :func:`pseudonymize` accepts, in bytes (128 bits).
MIN_KEY_BYTES: int = 16


def new_key(n_bytes: int = 32) -> bytes:
    """A fresh random key for :func:`pseudonymize` (``secrets.token_bytes``; keep it in a secret store).

    Example
    -------
    >>> len(new_key())
    32
    """
    if isinstance(n_bytes, bool) or not isinstance(n_bytes, (int, np.integer)) or n_bytes < MIN_KEY_BYTES:
        raise ValueError(f"new_key: n_bytes must be a whole number >= {MIN_KEY_BYTES}, got {n_bytes!r}")
    return secrets.token_bytes(int(n_bytes))


def _key_bytes(key: Any) -> bytes:
    if key is None:
        raise ValueError(
            "pseudonymize: no key given. Pass key= a secret of at least "
            f"{MIN_KEY_BYTES} bytes read from a secret store (or make one with privacy.new_key())."
        )
    if isinstance(key, str):
        key = key.encode("utf-8")
    if not isinstance(key, (bytes, bytearray)):
        raise TypeError(f"pseudonymize: key must be bytes or str, got {type(key).__name__}")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"pseudonymize: the key is {len(key)} bytes long; use at least {MIN_KEY_BYTES} bytes "
            "(a short key can be guessed, and with it every pseudonym reversed). privacy.new_key() makes one."
        )
    return bytes(key)


def pseudonymize(ids: pd.Series | pd.Index | Sequence[Any], key: bytes | str, length: int = 16, prefix: str = "") -> pd.Series | pd.Index:
    """Replace identifiers by keyed hashes: ``prefix + HMAC-SHA256(key, str(id)).hexdigest()[:length]``.

    Deterministic for a given key (the same id always gets the same pseudonym, so tables pseudonymized
    with the same key still join), and not reversible without the key. Missing ids stay missing.
    The key is used only inside this call and never returned or stored.

    Parameters
    ----------
    ids : Series, Index or sequence
        The identifiers (any values; they are hashed as ``str(value)`` in UTF-8).
    key : bytes or str
        The secret, at least :data:`MIN_KEY_BYTES` bytes (a ``str`` is UTF-8 encoded). Read it from a
        secret store or environment variable; never write it into a notebook's outputs or a table.
    length : int, default 16
        Hex characters kept (8-64). 16 hex characters = 64 bits: collisions are negligible for
        millions of customers; :func:`pseudonymize` raises if two ids collide anyway.
    prefix : str, default ""
        Text put in front of every pseudonym (e.g. ``"c_"``), so they are not mistaken for real ids.

    Returns
    -------
    Series or Index
        Same length, index and name as ``ids`` (a Series for a sequence), dtype ``str``.

    Example
    -------
    >>> pseudonymize(pd.Series(["12346"]), key="course demo key, not secret!", length=8).tolist()
    ['c55278cf']
    """
    raw = _key_bytes(key)
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or not 8 <= length <= 64:
        raise ValueError(f"pseudonymize: length must be a whole number of hex characters in 8..64, got {length!r}")
    is_index = isinstance(ids, pd.Index)
    series = ids.to_series(index=range(len(ids))) if is_index else (ids if isinstance(ids, pd.Series) else pd.Series(list(ids)))
    missing = series.isna().to_numpy()
    values = series.to_numpy(dtype=object)
    out = np.empty(len(values), dtype=object)
    cache: dict[str, str] = {}
    for i, (value, na) in enumerate(zip(values, missing)):
        if na:
            out[i] = None
            continue
        text = str(value)
        hashed = cache.get(text)
        if hashed is None:
            hashed = prefix + hmac.new(raw, text.encode("utf-8"), hashlib.sha256).hexdigest()[:length]
            cache[text] = hashed
        out[i] = hashed
    if len(set(cache.values())) < len(cache):
        raise ValueError(
            f"pseudonymize: two different ids got the same pseudonym with length={length}; use a longer length"
        )
    result = pd.Series(out, index=series.index, name=series.name, dtype="str")
    if is_index:
        return pd.Index(result.to_numpy(), name=ids.name, dtype="str")
    return result
