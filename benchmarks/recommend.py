"""Benchmark of profiling.recommend on Online Retail II (prints figures; not a test).

Run from the repository root:

    .venv/bin/python benchmarks/recommend.py [--cutoff 2010-09-01] [--k 10] [--repeats 3]

For every recommender of chapter 8 (with the parameters the chapter chose at its validation
cutoff, plus ALS at implicit's defaults), prints the time to ``fit`` on all purchases before the
cutoff and the time to ``recommend`` top-k lists for **all** customers seen in training (not only
the evaluated ones), as the best of ``--repeats`` runs, plus the lists per second and the peak
memory. Everything runs on one BLAS/OpenMP thread (and one torch thread), as in the chapter. The
content recommender reads the item vectors from the embedding cache (or computes them once, which
is not timed). The sequence model (SASRec) is trained with its weights cache switched off, so
its fit time is the training time, and only once (``--repeats`` does not apply to its fit: one
training is about a minute); its CPU seconds are printed too, which an otherwise busy machine
inflates less than the wall time. The last column is the time of chapter 8's ``evaluate`` of the
fitted recommender on the test split in all four views (all, new, repeat, explore: one scoring
pass for the full and the discovery lists, then the metrics), as the best of ``--repeats`` runs.

Peak memory is the largest resident set size (RSS) sampled every 10 ms during fit and recommend,
minus the RSS just before the fit: the memory the method needed on top of the loaded data.
Allocators keep freed memory for reuse, so a later method can show less than it would alone;
read it as an order of magnitude. Timings depend on the machine and on what else runs on it;
run it on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import platform
import sys
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

#: The views chapter 8 evaluates at the test cutoff.
VIEWS = ("all", "new", "repeat", "explore")


class PeakMemory:
    """Largest RSS (bytes) above the level at entry, sampled every ``interval`` seconds in a thread."""

    def __init__(self, interval: float = 0.01) -> None:
        import psutil

        self._process = psutil.Process()
        self.interval = interval
        self.peak = 0

    def __enter__(self) -> "PeakMemory":
        self._start = self._process.memory_info().rss
        self._high = self._start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self._high = max(self._high, self._process.memory_info().rss)
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._high = max(self._high, self._process.memory_info().rss)
        self.peak = self._high - self._start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutoff", default="2010-09-01")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--embedder", default="minilm", choices=["minilm", "tfidf"])
    parser.add_argument("--skip-sasrec", action="store_true", help="leave out the sequence model (its training takes a minute)")
    args = parser.parse_args()

    warnings.filterwarnings("ignore", message=".*(OpenBLAS|threadpool|BLAS).*")
    import numpy as np
    import pandas as pd

    from profiling import chapter, embeddings, features, recommend, segments
    from profiling.numeric import one_thread

    limits = one_thread()  # noqa: F841 (in force while it lives: one BLAS/OpenMP thread, as in the chapter)
    started = time.perf_counter()
    clean_tx = chapter.load(keep_returns=False)   # all customers, cleaned as in chapter 8 (purchases only)
    interactions = recommend.purchases(clean_tx)
    split = recommend.time_split(interactions, args.cutoff, horizon_days=30)
    train = split.train
    texts = sorted(clean_tx["description"].dropna().unique())
    vectors = pd.DataFrame(embeddings.make_embedder(args.embedder).fit_embed(texts), index=texts)
    prepared = time.perf_counter() - started

    def rfm_segment_of(tx):
        f = features.customer_features(tx, cutoff=tx.attrs["cutoff"])
        return segments.rfm_segment(segments.rfm_scores(f))

    makers = {
        "popularity": lambda: recommend.Popularity(),
        "recent popularity (30 d)": lambda: recommend.Popularity(window_days=30),
        "segment popularity (RFM)": lambda: recommend.SegmentPopularity(segments=rfm_segment_of),
        "repeat purchase": lambda: recommend.RepeatPurchase(),
        "repeat + trend": lambda: recommend.RepeatPurchase(half_life_days=180, boost_power=0.5),
        "user-KNN (100)": lambda: recommend.UserKNN(n_neighbors=100),
        "item-KNN (200)": lambda: recommend.ItemKNN(n_neighbors=200),
        f"content ({args.embedder})": lambda: recommend.ContentBased(item_vectors=vectors, half_life_days=90),
        "ALS (implicit defaults)": lambda: recommend.ALS(random_state=42),
        "ALS (64 factors, reg 0.1)": lambda: recommend.ALS(factors=64, regularization=0.1, random_state=42),
        # chapter 8's choices: TIFU-KNN's grid winner at the validation cutoff, the sequence model's one setting
        "TIFU-KNN (300, alpha 0.5)": lambda: recommend.TIFUKNN(n_neighbors=300, alpha=0.5),
        "SASRec (32 dims, 15 epochs)": lambda: recommend.SASRec(dim=32, epochs=15, batch_size=32, learning_rate=0.005,
                                                                random_state=42, cache=False),
    }
    if args.skip_sasrec:
        makers = {n: m for n, m in makers.items() if not n.startswith("SASRec")}
    else:
        import torch  # noqa: F401  (imported before the clocks start: a fit does not pay for it)
    print(f"python {platform.python_version()}, {platform.machine()}, one BLAS thread")
    print(f"data: {len(train):,} purchase lines before {args.cutoff}, prepared in {prepared:.1f} s (load, clean, item vectors)")
    customers = None
    rows = []
    fitted = {}
    for name, make in makers.items():
        fit_s, rec_s, peak = [], [], 0
        repeats = 1 if name.startswith("SASRec") else args.repeats
        for _ in range(repeats):
            rec = make()
            with PeakMemory() as memory:
                t0, c0 = time.perf_counter(), time.process_time()
                rec.fit(train)
                fit_s.append(time.perf_counter() - t0)
                fit_cpu = time.process_time() - c0
                customers = rec.customers_
                t0 = time.perf_counter()
                out = rec.recommend(customers, k=args.k)
                rec_s.append(time.perf_counter() - t0)
            peak = max(peak, memory.peak)
        fitted[name] = rec
        eval_s = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            recommend.evaluate(rec, split, k=args.k, views=VIEWS, fit=False)
            eval_s.append(time.perf_counter() - t0)
        rows.append((name, min(fit_s), min(rec_s), len(out), peak, fit_cpu if name.startswith("SASRec") else None,
                     min(eval_s)))
    # chapter 8's blend as chosen at its validation cutoff (the sequence model's weight is 0)
    hybrid_parts = ["repeat + trend", "user-KNN (100)", f"content ({args.embedder})", "ALS (64 factors, reg 0.1)",
                    "TIFU-KNN (300, alpha 0.5)"]
    weights = dict(zip(hybrid_parts, [1.0, 0.05, 0.2, 0.5, 0.1]))
    rec_s, eval_s = [], []
    for _ in range(args.repeats):
        hybrid = recommend.Hybrid({n: fitted[n] for n in hybrid_parts}, weights, prefit=True).fit(train)
        t0 = time.perf_counter()
        out = hybrid.recommend(customers, k=args.k)
        rec_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        recommend.evaluate(hybrid, split, k=args.k, views=VIEWS, fit=False)
        eval_s.append(time.perf_counter() - t0)
    rows.append((f"hybrid ({len(hybrid_parts)} prefit components)", float("nan"), min(rec_s), len(out), 0, None,
                 min(eval_s)))

    n = len(customers)
    print(f"recommend: top-{args.k} for all {n:,} training customers; best of {args.repeats} runs\n")
    print(f"evaluate: {len(split.customers):,} test customers, views {', '.join(VIEWS)}\n")
    print(f"{'recommender':32s} {'fit (s)':>8s} {'recommend (s)':>14s} {'lists/s':>9s} {'peak MiB':>9s} {'evaluate (s)':>13s}")
    for name, fit_time, rec_time, _, peak, cpu, eval_time in rows:
        fit_text = "prefit" if np.isnan(fit_time) else f"{fit_time:8.2f}"
        note = f"   (fit: {cpu:.1f} CPU s, one training)" if cpu is not None else ""
        print(f"{name:32s} {fit_text:>8s} {rec_time:14.2f} {n / rec_time:9,.0f} {peak / 2**20:9,.0f} {eval_time:13.2f}{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
