"""What every chapter does first, in two lines: set up the notebook, load the transactions.

A chapter opens with (as d2l's ``from d2l import torch as d2l``)::

    from profiling import chapter
    chapter.setup(threads=1)
    tx = chapter.load(data_path, sample_customers=sample_customers, random_state=random_state)

- :func:`setup`: the book's plot style, pandas display options, one BLAS/OpenMP thread where asked
  (faster on small data and the same sums on every machine), and silence for the deprecation
  chatter of third-party libraries (never for the package's own warnings).
- :func:`load`: the one loading convention of the book and of ``profiling report``: read the
  shipped Online Retail II (or ``data_path``, a file in the canonical schema or mapped onto it with
  ``columns``), keep ``sample_customers`` customers, apply the course's cleaning rules. The cleaned
  table is cached on disk (``$PROFILING_CACHE``, see :mod:`profiling.storage`) under a key made of
  the data file's SHA-256, every argument and the source of the loading and cleaning code, so a
  chapter loads in a fraction of a second the second time and a changed file, rule or code is
  never served stale.

Returns are kept or dropped by ``keep_returns`` (see :func:`profiling.cleaning.default_rules`):
chapters that describe customers (tags, value, churn, privacy) keep return lines, because returns
are part of a customer's behaviour; chapters that learn what customers buy (interests,
recommendation) drop them.
"""

from __future__ import annotations

import hashlib
import io
import json
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from profiling import cleaning, datasets
from profiling.storage import atomic_write, data_dir, default_cache_dir, file_sha256

__all__ = ["SHIPPED", "load", "setup"]

#: The shipped transactions file, in :func:`profiling.storage.data_dir`.
SHIPPED = "online_retail_ii_2009_2010.parquet"

#: Version of the cleaned-table cache layout (part of every key).
CACHE_FORMAT = 1

#: Third-party modules whose warnings are about themselves, not the chapter (and would print
#: machine paths into the notebooks).
_QUIET_MODULES = r"(implicit|torch|transformers|sentence_transformers|huggingface_hub|tqdm)(\..*)?"

_limits: Any = None   # the active threadpool limit (kept so that it stays in force)


def setup(*, threads: int | None = None, max_columns: int = 20, max_colwidth: int = 60, width: int = 120,
          lang: str = "en") -> None:
    """Prepare a chapter's notebook: plot style, pandas display, threads, library warnings.

    Parameters
    ----------
    threads : int or None, default None
        Limit BLAS and OpenMP to this many threads for the rest of the session (chapters with
        small models pass 1: faster on a shared machine, and sums in one order everywhere);
        None leaves the libraries' defaults.
    max_columns, max_colwidth, width : int
        pandas display options for tables shown to readers.
    lang : str, default "en"
        The language of what the chapter's code writes (sentences, labels, table headers): the
        chapter's ``lang`` parameter, "en" or "zh_CN" (:func:`profiling.i18n.set_language`).
    """
    from profiling import i18n
    from profiling import plots

    global _limits
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", module=_QUIET_MODULES)
    warnings.filterwarnings("ignore", message="IProgress not found")   # tqdm without Jupyter widgets
    warnings.filterwarnings("ignore", message=".*(OpenBLAS|threadpool|BLAS).*")
    i18n.set_language(lang)
    plots.use_style()
    pd.set_option("display.max_columns", max_columns)
    pd.set_option("display.width", width)
    pd.set_option("display.max_colwidth", max_colwidth)
    if threads is not None:
        from threadpoolctl import threadpool_limits

        _limits = threadpool_limits(limits=int(threads))


def _code_digest() -> str:
    """SHA-256 (first 16 hex digits) of the loading and cleaning code: a change to it is a new cache key."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("datasets", "cleaning", "chapter"):
        package = here / name
        files = sorted(package.rglob("*.py")) if package.is_dir() else [here / f"{name}.py"]
        for path in files:
            digest.update(path.relative_to(here).as_posix().encode("utf-8"))
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _read(path: Path | None, columns: Mapping[str, str] | None) -> pd.DataFrame:
    if columns is not None:
        if path is None:
            raise ValueError("chapter.load: columns maps your file's column names; pass data_path too")
        return datasets.load_transactions(path, columns=dict(columns))
    return datasets.load_online_retail(path)


def load(
    data_path: str | Path | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    sample_customers: int | None = None,
    random_state: int = 0,
    clean: bool = True,
    keep_returns: bool = True,
    with_report: bool = False,
    cache: bool = True,
    cache_dir: str | Path | None = None,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """The chapter's transactions: loaded, sampled by customer, cleaned.

    Parameters
    ----------
    data_path : path or None
        None: the shipped Online Retail II. Else a file in the canonical schema (what
        ``profiling report`` hands the chapters), or any transactions file with ``columns``.
    columns : mapping or None
        Canonical name -> the file's column name (see :func:`profiling.datasets.load_transactions`).
    sample_customers : int or None
        Keep the lines of this many randomly chosen customers (seeded by ``random_state``);
        None keeps all.
    clean : bool, default True
        Apply :func:`profiling.cleaning.default_rules`; False returns the raw lines (chapter 3).
    keep_returns : bool, default True
        Passed to the cleaning rules: keep return and cancellation lines (as negative lines).
    with_report : bool, default False
        Also return the cleaning report (one row per rule).
    cache, cache_dir :
        Use the cleaned-table cache, and where (default :func:`profiling.storage.default_cache_dir`).

    Returns
    -------
    DataFrame in the canonical schema, or ``(transactions, cleaning_report)``.

    Example
    -------
    >>> raw = load(sample_customers=300, random_state=1, clean=False)
    >>> tx = load(sample_customers=300, random_state=1, cache=False)
    >>> raw["customer_id"].nunique(), len(tx) < len(raw), list(tx.columns) == list(datasets.COLUMNS)
    (300, True, True)
    """
    path = Path(data_path) if data_path is not None else None
    if not clean:
        if with_report:
            raise ValueError("chapter.load: with_report needs clean=True (the report describes the cleaning)")
        raw = _read(path, columns)
        return datasets.sample_customers(raw, sample_customers, random_state)
    source = path if path is not None else data_dir() / SHIPPED
    target = None
    if cache and source.is_file():
        key = {
            "format": CACHE_FORMAT,
            "data_sha256": file_sha256(source),
            "columns": dict(columns) if columns is not None else None,
            "sample_customers": sample_customers,
            "random_state": random_state,
            "keep_returns": bool(keep_returns),
            "code": _code_digest(),
            "pandas": pd.__version__,
        }
        from profiling import i18n

        if i18n.language() != "en":  # the cleaning report's descriptions are in the chapter's language
            key["lang"] = i18n.language()
        name = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode("utf-8")).hexdigest()[:24]
        target = default_cache_dir(cache_dir) / "cleaned" / f"{name}.parquet"
        report_path = target.with_suffix(".report.parquet")
        if target.is_file() and report_path.is_file():
            try:
                tx, report = pd.read_parquet(target), pd.read_parquet(report_path)
            except (OSError, ValueError):   # a damaged cache file: rebuild it below
                pass
            else:
                return (tx, report) if with_report else tx
    raw = datasets.sample_customers(_read(path, columns), sample_customers, random_state)
    tx, report = cleaning.clean(raw, cleaning.default_rules(keep_returns=keep_returns))
    if target is not None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            for frame, where in ((report, target.with_suffix(".report.parquet")), (tx, target)):
                buffer = io.BytesIO()
                frame.to_parquet(buffer)
                atomic_write(where, lambda stream, data=buffer.getvalue(): stream.write(data))
        except OSError:   # a read-only or full disk: the chapter runs without the cache
            pass
    return (tx, report) if with_report else tx
