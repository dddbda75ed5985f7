"""Benchmark of profiling.embeddings.finetune on the real data (prints figures; not a test).

Run from the repository root:

    .venv/bin/python benchmarks/finetune.py [--steps S] [--kind basket|next|history] [--top-k K]
                                            [--threads T] [--limit N]

Prints: the time to draw the co-purchase pairs (purchases before chapter 5's cutoff), the time of a
cold fine-tune (an empty temporary cache: the frozen layers' outputs for the pairs' texts, then
the training steps) and the time per step, the peak resident memory of the process
(resource.getrusage) before and after, the time to read the same weights back from the cache
(a hit: checksum and tensor checks), and the embedding speed in descriptions per second of the
bundled model before fine-tuning (``embeddings.embed``) and after (``FinetunedEmbedder`` without
the embedding cache: first with the frozen layers' outputs to compute, then reused; and the whole
fine-tuned ``SentenceTransformer``). Timings depend on the machine and on what else runs on it;
run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

CUTOFF = "2010-09-01"  # chapter 5's cutoff: only purchases before it make pairs


def peak_memory_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


def main() -> None:
    from profiling.embeddings import FINETUNE_DEFAULTS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=FINETUNE_DEFAULTS["steps"], help="training steps")
    parser.add_argument("--kind", default="basket", choices=["basket", "next", "history"], help="pair kind")
    parser.add_argument("--top-k", type=int, default=5, help="strongest partners per description (0: as drawn)")
    parser.add_argument("--threads", type=int, default=FINETUNE_DEFAULTS["threads"], help="torch threads")
    parser.add_argument("--limit", type=int, default=None, help="embed only the first N descriptions")
    args = parser.parse_args()

    from profiling import chapter, embeddings

    tx = chapter.load(None, keep_returns=False)
    texts = sorted(tx["description"].dropna().unique())[: args.limit or None]
    print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, {len(texts):,} descriptions")
    started = time.perf_counter()
    top_k = (args.top_k or None) if args.kind != "history" else None
    pairs = embeddings.copurchase_pairs(tx, CUTOFF, kind=args.kind, top_k=top_k, n_pairs=20_000)
    print(f"{len(pairs):,} {args.kind} pairs (top_k={top_k}) before {CUTOFF} "
          f"({pairs['positive'].nunique():,} distinct positives): "
          f"{time.perf_counter() - started:6.2f} s")

    started = time.perf_counter()
    model = embeddings.load_model()
    import torch

    print(f"import torch + sentence-transformers and load the model: {time.perf_counter() - started:6.2f} s "
          f"(torch {torch.__version__})")
    print(f"peak memory before fine-tuning: {peak_memory_mb():8.0f} MB")

    with tempfile.TemporaryDirectory() as cache:
        settings = {"threads": args.threads}
        started = time.perf_counter()
        run = embeddings.finetune_model(pairs, steps=args.steps, cutoff=CUTOFF, cache_dir=cache, **settings)
        cold = time.perf_counter() - started
        size = run.weights.stat().st_size / 1e6
        print(f"cold fine-tune ({run.status}): {args.steps} steps of {FINETUNE_DEFAULTS['batch_size']} pairs, "
              f"top {FINETUNE_DEFAULTS['train_layers']} layers, {args.threads} threads: {cold:6.1f} s "
              f"({cold / args.steps:.3f} s per step, frozen layers included); weights {size:.1f} MB")
        print(f"  loss: first 10 steps {sum(run.losses[:10]) / 10:.3f}, last 10 {sum(run.losses[-10:]) / 10:.3f}")
        print(f"peak memory after fine-tuning: {peak_memory_mb():8.0f} MB")
        started = time.perf_counter()
        again = embeddings.finetune_model(pairs, steps=args.steps, cutoff=CUTOFF, cache_dir=cache, **settings)
        print(f"the same call again ({again.status}: read, checksum, tensor check): "
              f"{time.perf_counter() - started:6.2f} s")

        model.encode(texts[:64], show_progress_bar=False)  # warm-up
        started = time.perf_counter()
        embeddings.embed(texts, show_progress=False)
        seconds = time.perf_counter() - started
        print(f"before: bundled model, batch 128: {len(texts) / seconds:7.0f} descriptions/s")
        embedder = run.embedder(cache_dir=cache, use_cache=False)
        importlib.import_module("profiling.embeddings.finetune")._STATES.clear()  # start cold
        labels = ("after: FinetunedEmbedder, frozen layers to compute",
                  "after: FinetunedEmbedder, frozen layers reused")
        for label in labels:
            started = time.perf_counter()
            embedder.embed(texts)
            seconds = time.perf_counter() - started
            print(f"{label}: {len(texts) / seconds:7.0f} descriptions/s")
        whole = run.model()
        started = time.perf_counter()
        whole.encode(texts, batch_size=128, show_progress_bar=False)
        seconds = time.perf_counter() - started
        print(f"after: the whole fine-tuned SentenceTransformer, batch 128: {len(texts) / seconds:7.0f} descriptions/s")
    print(f"peak memory (max RSS) of the whole run: {peak_memory_mb():8.0f} MB")


if __name__ == "__main__":
    main()
