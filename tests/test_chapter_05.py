"""Chapter 5 (interest profiles from product text) run by papermill with the TF-IDF embedder on a sample."""

from __future__ import annotations

import pandas as pd

from profiling import cleaning, datasets

N = 300
SEED = 7
CUTOFF = "2010-09-01"


def expected_counts() -> tuple[int, int, int]:
    """Distinct descriptions, customers with a purchase before the cutoff, and those of them who also buy in the
    90-day evaluation window after it (the customers 5.6 scores), in the same seeded sample."""
    raw = datasets.sample_customers(datasets.load_online_retail(), N, random_state=SEED)
    clean_tx, _ = cleaning.clean(raw)
    cut = pd.Timestamp(CUTOFF)
    buys = clean_tx[(clean_tx["quantity"] > 0) & (clean_tx["unit_price"] > 0) & (clean_tx["timestamp"] < cut)]
    later = clean_tx[(clean_tx["quantity"] > 0) & (clean_tx["timestamp"] >= cut)
                     & (clean_tx["timestamp"] < cut + pd.Timedelta(days=90))]
    users = set(buys["customer_id"])
    return int(clean_tx["description"].nunique()), len(users), len(users & set(later["customer_id"]))


def test_chapter_05_with_tfidf_on_a_sample(run_chapter, tmp_path) -> None:
    labels = ["christmas decorations", "kitchen and baking", "party supplies"]
    rec = run_chapter(
        "05_interests_from_text.ipynb",
        embedder="tfidf",
        sample_customers=N,
        random_state=SEED,
        labels=labels,
        top_n=2,
        evaluate=["tfidf", "popularity", "history"],
        measure_cost=False,
        cache_dir=str(tmp_path / "cache"),
    )
    n_items, n_users, n_eval_users = expected_counts()
    assert rec["embedder"] == "tfidf"
    assert rec["embedding_dim"] == 256  # TfidfEmbedder's default n_components (the vocabulary is larger)
    assert rec["n_items"] == n_items
    assert rec["n_users"] == n_users <= N
    assert rec["n_share_users"] == n_users
    assert 6 <= rec["n_categories"] <= 20 and rec["n_categories"] % 2 == 0  # chosen among k_candidates
    assert abs(rec["shares_row_sum_min"] - 1) < 1e-9 and abs(rec["shares_row_sum_max"] - 1) < 1e-9
    assert set(rec["tag_user_shares"]) == set(labels)
    assert abs(sum(rec["tag_user_shares"].values()) - 1) < 1e-3
    assert {key.split("|")[1] for key in rec["metrics"]} == {"tfidf", "popularity", "history"}
    for hit_rate, ndcg in rec["metrics"].values():
        assert 0 <= ndcg <= hit_rate <= 1
    assert rec["n_eval_users"] == n_eval_users <= n_users
    assert rec["profile_columns_added"] == 4 + rec["n_categories"]
    assert not (tmp_path / "cache").exists()  # TF-IDF is refitted, never cached


ALL, NEW = "all later purchases", "new-to-customer items"


def test_stored_chapter_05_fine_tuned_minilm_is_chosen_on_validation_and_measured() -> None:
    """5.6's fine-tune in the stored notebook: chosen on the validation window only, then scored on the
    test window against TF-IDF and frozen MiniLM with paired bootstrap intervals."""
    from pathlib import Path

    from profiling.report import read_records

    rec = read_records(Path(__file__).resolve().parents[1] / "notebooks" / "05_interests_from_text.ipynb")
    validation, choice = rec["finetune_validation"], rec["finetune_choice"]
    # the choice is the fine-tune with the best validation NDCG@10 (steps > 0: never a baseline)
    tuned = {key: value for key, value in validation.items() if not key.endswith("|0")}
    assert f"{choice['pairs']}|{choice['steps']}" in tuned
    assert tuned[f"{choice['pairs']}|{choice['steps']}"][0] == max(v[0] for v in tuned.values())
    assert {"MiniLM, frozen|0", "TF-IDF|0"} <= set(validation)
    assert rec["finetune_test_pairs"] > 0
    ndcg = {key: value[1] for key, value in rec["metrics"].items()}
    for key, (hit, value) in rec["metrics"].items():
        assert 0 <= value <= hit <= 1, key
    # Quality bars on NDCG@10, about 0.004-0.007 below the stored values. Fine-tuned weights trained on
    # another CPU differ in the last bits; the paired intervals below are +-0.003 to +-0.006 wide.
    assert ndcg[f"{ALL}|finetuned"] >= 0.150    # stored 0.1572
    assert ndcg[f"{NEW}|finetuned"] >= 0.052    # stored 0.0557
    gains = rec["finetune_gains"]
    for key, (difference, low, high) in gains.items():
        assert low <= difference <= high, key
    # adapting MiniLM to the shop is a real gain over the frozen model (stored +0.027, +0.023 to +0.032) ...
    assert gains[f"{ALL}|minilm|ndcg@10"][1] > 0
    # ... and the result the chapter's text states: it does not beat TF-IDF (stored -0.020, -0.026 to
    # -0.013). If a change makes the upper end positive, the sentences of 5.6 read it; update this bar.
    assert gains[f"{ALL}|tfidf|ndcg@10"][2] < 0
