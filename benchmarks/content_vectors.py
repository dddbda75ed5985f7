"""Which text vectors should chapter 08's content recommender use? Frozen MiniLM, TF-IDF or MiniLM fine-tuned.

Prints figures; not a test. Chapter 05 adapts all-MiniLM-L6-v2 to the shop (contrastive pairs
of products bought together, :func:`profiling.embeddings.finetune_model`) and measures it on
its own next-purchase task. This script asks the same question where chapter 08 would use the
vectors: ``ContentBased`` (the customer's spend-weighted interest vector against every item),
on chapter 08's two splits (validation: the ``--horizon`` days before the test cutoff; test:
the ``--horizon`` days after it), NDCG@10 and recall@10 on all items and on new items.

No vector sees the period it is scored on: the fine-tuned model of each split is trained on
pairs from before that split's cutoff only (``copurchase_pairs(..., cutoff)``; the weights are
cached, so the test split's model is chapter 05's own when the settings agree). The recipe
defaults to the one chapter 05 chose on its validation window (``basket`` pairs, the
strongest 5 per product, 100 steps). Paired 95 % bootstrap intervals of the ratios come from
:func:`profiling.recommend.compare` (the same customers for both methods).

Usage (from the repository root)::

    .venv/bin/python benchmarks/content_vectors.py
    .venv/bin/python benchmarks/content_vectors.py --kind next --top-k 5 --steps 300
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout without installing

from profiling import chapter, embeddings, recommend


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutoff", default="2010-09-01", help="chapter 08's test cutoff")
    parser.add_argument("--horizon", type=int, default=30, help="days of truth after each cutoff (chapter 08: 30)")
    parser.add_argument("--kind", default="basket", help="pair kind of copurchase_pairs (chapter 05's choice: basket)")
    parser.add_argument("--top-k", type=int, default=5, help="strongest pairs per product (0: as drawn)")
    parser.add_argument("--steps", type=int, default=100, help="fine-tuning steps (chapter 05's choice: 100)")
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--random-state", type=int, default=42)
    args = parser.parse_args()

    started = time.perf_counter()
    chapter.setup(threads=1)
    print(f"python {platform.python_version()}, {platform.machine()}, one BLAS/torch thread")
    clean_tx = chapter.load(None, random_state=args.random_state, keep_returns=False)
    interactions = recommend.purchases(clean_tx)
    test_cut = pd.Timestamp(args.cutoff)
    cuts = {"validation": test_cut - pd.Timedelta(days=args.horizon), "test": test_cut}
    splits = {name: recommend.time_split(interactions, cut, args.horizon) for name, cut in cuts.items()}
    texts = sorted(clean_tx["description"].dropna().unique())
    index = pd.Index(texts, name="item")
    fixed = {
        "frozen MiniLM": embeddings.make_embedder("minilm").fit_embed(texts),
        "TF-IDF": embeddings.make_embedder("tfidf", random_state=args.random_state).fit_embed(texts),
    }
    print(f"{len(texts):,} item texts; recipe: {args.kind} pairs, top {args.top_k or 'as drawn'}, {args.steps} steps")

    rows, per = [], []
    for name, split in splits.items():
        pairs = embeddings.copurchase_pairs(clean_tx, cuts[name], kind=args.kind, top_k=args.top_k or None,
                                            random_state=args.random_state)
        assert (pairs["timestamp"] < cuts[name]).all()
        tuned = embeddings.finetune_model(pairs, steps=args.steps, cutoff=cuts[name], random_state=args.random_state)
        print(f"{name}: cutoff {cuts[name]:%Y-%m-%d}, {len(pairs):,} pairs, fine-tune {tuned.status}"
              + (f" ({tuned.seconds:.0f} s)" if tuned.status != "hit" else " (cached)"))
        vectors = {**fixed, "fine-tuned MiniLM": tuned.embedder().embed(texts)}
        for label, v in vectors.items():
            rec = recommend.ContentBased(item_vectors=pd.DataFrame(v, index=index))
            p, summary = recommend.evaluate(rec, split, k=10, views=("all", "new"), name=label)
            per.append(p.assign(split=name))
            for r in summary.to_dict("records"):
                rows.append({"split": name, "vectors": label, "view": r["view"], "NDCG@10": r["ndcg"],
                             "recall@10": r["recall"], "customers": r["customers"]})
    table = pd.DataFrame(rows).pivot_table(index=["split", "vectors"], columns="view",
                                           values=["NDCG@10", "recall@10"], sort=False)
    print()
    print(table.round(3).to_string())
    per_all = pd.concat(per, ignore_index=True)
    print("\npaired ratios of NDCG@10 (95 % bootstrap interval over the same customers)")
    for name in splits:
        part = per_all[per_all["split"] == name]
        for view in ("all", "new"):
            for other in ("frozen MiniLM", "TF-IDF"):
                c = recommend.compare(part, "fine-tuned MiniLM", other, view=view, n_boot=args.n_boot,
                                      random_state=args.random_state)
                print(f"  {name:<10} {view:<3}  fine-tuned / {other:<13} {c['ratio']:.2f} "
                      f"({c['low']:.2f}-{c['high']:.2f}), {c['customers']:,} customers")
    val = table.loc["validation", ("NDCG@10", "all")]
    print(f"\nchosen on validation (all items): {val.idxmax()}")
    print(f"seconds: {time.perf_counter() - started:.1f}")


if __name__ == "__main__":
    main()
