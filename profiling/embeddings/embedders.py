"""Embedders with one interface (fit, embed / transform, fit_embed), chosen by name.

- :class:`SentenceEmbedder` (``"minilm"``): the bundled all-MiniLM-L6-v2
  (:mod:`profiling.embeddings.model`), with the disk cache of :mod:`profiling.embeddings.cache`.
- :class:`TfidfEmbedder` (``"tfidf"``): TF-IDF + truncated SVD, L2-normalized, the classical
  baseline (fitted in about a second; not cached).

:func:`make_embedder` builds one from its name (:data:`EMBEDDERS`). Both follow the scikit-learn
contract (parameters stored as given, ``sklearn.base.clone`` gives an unfitted copy).

Example
-------
>>> texts = ["red heart", "blue heart", "garden hose"]
>>> make_embedder("tfidf", n_components=2).fit_embed(texts).shape
(3, 2)
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from profiling.embeddings.cache import cached, normalize_texts
from profiling.embeddings.model import EMBEDDING_DIM, MODEL_NAME, MODEL_PACKAGE, _local_model, embed, load_model
from profiling.numeric import unit_rows

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sentence_transformers import SentenceTransformer

__all__ = ["EMBEDDERS", "SentenceEmbedder", "TfidfEmbedder", "make_embedder"]


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
