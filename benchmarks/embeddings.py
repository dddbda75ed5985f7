"""Benchmark of profiling.embeddings on the real product descriptions (prints figures; not a test).

Run from the repository root:

    .venv/bin/python benchmarks/embeddings.py [--limit N] [--repeats R]

Prints: the time to import torch + sentence-transformers and load the bundled model, the embedding
throughput (descriptions per second) at batch sizes 32, 64 and 128 on the distinct descriptions of
sold lines of Online Retail II, the time of an all-pairs nearest-neighbour search, and the peak
resident memory of the process (resource.getrusage), the time to read the catalogue's vectors back
from the disk cache, and the time to fit and apply the TF-IDF + SVD baseline. Timings depend on the machine and on what else
runs on it; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

BATCH_SIZES = (32, 64, 128)


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def catalogue(limit: int | None) -> list[str]:
    """Distinct descriptions of sold lines (positive quantity and price), trimmed, sorted."""
    from profiling.datasets import load_online_retail

    tx = load_online_retail()
    sold = tx[(tx["quantity"] > 0) & (tx["unit_price"] > 0)]
    texts = sold["description"].dropna().str.strip().str.replace(r"\s+", " ", regex=True)
    items = sorted(texts.unique())
    return items[:limit] if limit else items


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N descriptions")
    parser.add_argument("--repeats", type=int, default=1, help="runs per batch size (the best is reported)")
    args = parser.parse_args()

    items = catalogue(args.limit)
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {len(items):,} descriptions")
    print(f"peak memory after loading the data: {peak_memory_mb():8.0f} MB")

    from profiling import embeddings

    started = time.perf_counter()
    model = embeddings.load_model()
    load_seconds = time.perf_counter() - started
    import torch

    print(f"import torch + sentence-transformers and load the model: {load_seconds:6.2f} s "
          f"(torch {torch.__version__}, {torch.get_num_threads()} threads)")
    print(f"peak memory after loading the model: {peak_memory_mb():8.0f} MB")

    model.encode(items[:64], show_progress_bar=False)  # warm-up: first calls allocate
    vectors = None
    for batch_size in BATCH_SIZES:
        best = float("inf")
        for _ in range(args.repeats):
            started = time.perf_counter()
            vectors = embeddings.embed(items, batch_size=batch_size, show_progress=False)
            best = min(best, time.perf_counter() - started)
        print(f"batch size {batch_size:4d}: {best:6.2f} s, {len(items) / best:7.0f} descriptions/s")
    print(f"peak memory after embedding: {peak_memory_mb():8.0f} MB")

    started = time.perf_counter()
    embeddings.nearest_neighbours(vectors, vectors, k=5, exclude_self=True)
    print(f"all-pairs nearest neighbours (k=5) on {len(items):,} vectors: {time.perf_counter() - started:6.2f} s")

    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        embedder = embeddings.SentenceEmbedder(cache_dir=cache, show_progress=False)
        embedder.embed(items)  # miss: computes and writes
        started = time.perf_counter()
        embedder.embed(items)
        print(f"cache read ({embedder.last_cache_status_}, hash + load + checksum) of {len(items):,} vectors: "
              f"{time.perf_counter() - started:6.2f} s")

    started = time.perf_counter()
    tfidf = embeddings.TfidfEmbedder().fit(items)
    tfidf.embed(items)
    print(f"TF-IDF + SVD ({tfidf.embedding_dim_} dims) fit and embed {len(items):,} descriptions: "
          f"{time.perf_counter() - started:6.2f} s")
    print(f"peak memory (max RSS) of the whole run: {peak_memory_mb():8.0f} MB")


if __name__ == "__main__":
    main()
