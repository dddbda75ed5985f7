"""Benchmark of profiling.llm's tiny generator on the real data (prints figures; not a test).

Run from the repository root:

    .venv/bin/python benchmarks/tinygpt.py [--steps S] [--threads T]

Trains chapter 1's three model sizes on the shop's distinct product descriptions (the chapter's
random 90/10 split of distinct descriptions) in an empty temporary cache, and prints per size:
the parameters, the cold training time and the time per step (float64, ``--threads`` torch
threads), the time to read the same weights back from the cache (a hit), and the sampling speed
in characters (tokens) per second, 200 descriptions at a time, temperature 0.8. Also the time of
the character n-gram baseline (counting and scoring). Timings depend on the machine and on what
else runs on it; run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

#: chapter 1's defaults: (width, layers, heads) per size, and its seed
SIZES = [(16, 1, 2), (32, 1, 4), (64, 1, 4)]
RANDOM_STATE = 42


def main() -> None:
    import numpy as np

    from profiling import chapter, llm

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=llm.TINYGPT_DEFAULTS["steps"])
    parser.add_argument("--threads", type=int, default=llm.TINYGPT_DEFAULTS["threads"])
    args = parser.parse_args()

    tx = chapter.load(None, clean=False)
    sold = tx[(tx["quantity"] > 0) & (tx["unit_price"] > 0)]
    texts = sold["description"].dropna().str.strip().str.replace(r"\s+", " ", regex=True)
    corpus = sorted(texts.unique())
    shuffled = np.random.default_rng(RANDOM_STATE).permutation(len(corpus))
    n_val = round(0.1 * len(corpus))
    val = sorted(corpus[i] for i in shuffled[:n_val])
    train = sorted(corpus[i] for i in shuffled[n_val:])
    import torch

    print(f"python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPUs; "
          f"{len(train):,} training, {len(val):,} validation descriptions")

    vocab = llm.CharVocab(train)
    started = time.perf_counter()
    lm = llm.CharNGram(vocab, order=5, k=0.01).fit(train)
    loss = lm.mean_nll(val)
    print(f"5-gram baseline: count and score: {time.perf_counter() - started:6.2f} s "
          f"(validation loss {loss:.2f})")

    with tempfile.TemporaryDirectory() as cache:
        for width, layers, heads in SIZES:
            settings = {"d_model": width, "n_layers": layers, "n_heads": heads,
                        "steps": args.steps, "threads": args.threads}
            started = time.perf_counter()
            run = llm.train_tinygpt(train, val, cache_dir=cache, **settings)
            cold = time.perf_counter() - started
            started = time.perf_counter()
            hit = llm.train_tinygpt(train, val, cache_dir=cache, **settings)
            read = time.perf_counter() - started
            assert hit.status == "hit"
            started = time.perf_counter()
            samples = llm.sample(run, 200, temperature=0.8, random_state=0)
            seconds = time.perf_counter() - started
            chars = sum(len(s) + 1 for s in samples)  # each character and the end token
            print(f"width {width:3d}, {layers} layer(s), {heads} heads: {run.n_parameters:8,} parameters; "
                  f"cold training {cold:6.1f} s ({1000 * cold / args.steps:5.0f} ms/step incl. evaluation); "
                  f"cache hit {read:5.2f} s; sampling {chars / seconds:7,.0f} tokens/s; "
                  f"validation loss {run.history['val_loss'].iloc[-1]:.2f}")


if __name__ == "__main__":
    main()
