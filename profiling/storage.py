"""Where the package finds and keeps files, and how it writes them.

Locations, each a documented setting (so the package also works installed from a wheel, away
from this repository):

- :func:`data_dir`: the shipped data. ``$PROFILING_DATA`` if set, else the ``data/`` folder of the
  source checkout the package runs from.
- :func:`notebooks_dir`: the chapter notebooks the ``profiling report`` command runs.
  ``$PROFILING_NOTEBOOKS`` if set, else the checkout's ``notebooks/``.
- :func:`default_cache_dir`: caches (cleaned tables, embeddings). ``$PROFILING_CACHE`` if set,
  else ``~/.cache/profiling`` (outside the repository, so cache files are never committed).

Writing: :func:`atomic_write` writes through a temporary file in the same folder and renames it,
so a reader (another process, a crash half-way) never sees half a file. :func:`file_sha256`
fingerprints an input for cache keys and reports.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

__all__ = ["CACHE_ENV", "DATA_ENV", "NOTEBOOKS_ENV", "atomic_write", "data_dir", "default_cache_dir",
           "file_sha256", "notebooks_dir"]

DATA_ENV = "PROFILING_DATA"
NOTEBOOKS_ENV = "PROFILING_NOTEBOOKS"
CACHE_ENV = "PROFILING_CACHE"

_CHECKOUT = Path(__file__).resolve().parent.parent


def _setting(env: str, folder: str, what: str) -> Path:
    value = os.environ.get(env, "").strip()
    if value:
        return Path(value).expanduser()
    path = _CHECKOUT / folder
    if not path.is_dir():
        raise FileNotFoundError(
            f"{what}: no {folder}/ folder next to the installed package ({path}); set {env} to the folder "
            f"that holds the course's {folder} (e.g. a clone of the course repository)"
        )
    return path


def data_dir() -> Path:
    """The folder of the shipped data: ``$PROFILING_DATA``, else the source checkout's ``data/``."""
    return _setting(DATA_ENV, "data", "data_dir")


def notebooks_dir() -> Path:
    """The chapter notebooks: ``$PROFILING_NOTEBOOKS``, else the source checkout's ``notebooks/``."""
    return _setting(NOTEBOOKS_ENV, "notebooks", "notebooks_dir")


def default_cache_dir(cache_dir: str | os.PathLike | None = None) -> Path:
    """The cache folder: ``cache_dir`` if given, else ``$PROFILING_CACHE``, else ``~/.cache/profiling``.

    The folder is not created here.

    >>> default_cache_dir("/tmp/emb")
    PosixPath('/tmp/emb')
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "profiling"


def atomic_write(path: str | os.PathLike, write: Callable[[IO[bytes]], Any]) -> None:
    """Call ``write(stream)`` on a temporary file next to ``path``, then rename it to ``path``.

    The folder must exist. On any error the temporary file is removed and ``path`` is unchanged.
    The file gets the permissions of a normally created file (``0o666`` minus the umask), not the
    private ``0o600`` of a temporary file.
    """
    path = Path(path)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            os.fchmod(stream.fileno(), 0o666 & ~_umask())
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 (hex) of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
