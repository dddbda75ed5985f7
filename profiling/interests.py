"""Interest profiles from product text: semantic categories, user interest vectors, zero-shot tags.

Every distinct product description gets a vector (:mod:`profiling.embeddings`). From those:

- :func:`semantic_categories` clusters the item vectors (KMeans on unit vectors), chooses the number
  of categories by the cosine silhouette, and names each category from its most characteristic words;
- :func:`purchase_weights` turns purchases before a cutoff into (customer, item, weight) rows: spend,
  optionally discounted by age with a half-life;
- :func:`user_interest_vectors` is the weighted mean of each customer's item vectors, L2-normalized;
- :func:`category_shares` is each customer's weighted share of spend per semantic category;
- :func:`zero_shot_tags` scores short label texts against the interest vectors (cosine);
- :func:`rank_items` and :func:`next_purchase_metrics` measure whether interests predict later purchases.

All outputs are tidy DataFrames with documented columns, deterministic for a given seed.

Example
-------
>>> from profiling import datasets, embeddings
>>> tx = datasets.make_transactions(50, n_items=60, random_state=0)
>>> texts = sorted(tx["description"].unique())
>>> item_vectors = embeddings.TfidfEmbedder(n_components=16).fit(texts).embed(texts)
>>> cats = semantic_categories(item_vectors, texts, k=5, random_state=0)
>>> users = user_interest_vectors(tx, cats.items["text"], item_vectors, "2010-09-01")
>>> cats.table["n_items"].tolist(), users.shape
([21, 12, 11, 10, 6], (34, 16))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from profiling.numeric import one_thread, top_k, unit_rows
from profiling.validation import check_frame
from profiling.windows import resolve_cutoff

__all__ = [
    "GENERIC_WORDS",
    "category_shares",
    "characteristic_words",
    "next_purchase_metrics",
    "purchase_weights",
    "rank_items",
    "semantic_categories",
    "SemanticCategories",
    "tag_shares",
    "user_interest_vectors",
    "zero_shot_tags",
]

#: Words that say nothing about a product's theme (besides English stop words).
GENERIC_WORDS: frozenset[str] = frozenset(
    "set sets pack of small large mini jumbo big assorted design designs colour colours piece pcs "
    "asst and with the in for".split()
)

_WORD = re.compile(r"[a-z]{3,}")


def _unit_rows(vectors: Any, where: str) -> np.ndarray:
    """Check item/user vectors (non-empty, 2-D, finite), then :func:`profiling.numeric.unit_rows`."""
    arr = np.asarray(vectors, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ValueError(f"{where}: vectors must be a non-empty 2-D array (rows = items), got shape {arr.shape}.")
    if not np.isfinite(arr).all():
        raise ValueError(f"{where}: vectors contain NaN or infinite values.")
    return unit_rows(arr)


def _words(text: str) -> set[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return {w for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS and w not in GENERIC_WORDS}


def characteristic_words(texts: Sequence[str], labels: Sequence[int], n_words: int = 3) -> dict[int, list[str]]:
    """The words that best tell each cluster's texts from the rest.

    A word's score in cluster ``c`` is ``df_c(w) * log((df_c(w) + e) / (df_rest(w) + e))`` with
    ``df`` the share of texts containing the word (``e`` = 1 / number of texts): frequent in the
    cluster *and* rarer elsewhere (a TF-IDF-like contrast). English stop words and
    :data:`GENERIC_WORDS` are skipped; ties go alphabetically.

    Returns
    -------
    dict cluster -> list of up to ``n_words`` words, best first.

    Example
    -------
    >>> characteristic_words(["red heart", "pink heart", "garden hose", "garden fork"], [0, 0, 1, 1], 1)
    {0: ['heart'], 1: ['garden']}
    """
    labels = np.asarray(labels)
    if len(texts) != len(labels):
        raise ValueError(f"characteristic_words: {len(texts)} texts but {len(labels)} labels.")
    rows = [(int(lab), w) for text, lab in zip(texts, labels) for w in _words(str(text))]
    if not rows:
        return {int(c): [] for c in np.unique(labels)}
    occ = pd.DataFrame(rows, columns=["cluster", "word"])
    sizes = pd.Series(labels).value_counts()
    n = len(labels)
    eps = 1.0 / n
    counts = occ.groupby(["cluster", "word"]).size().rename("n_in").reset_index()
    total = counts.groupby("word")["n_in"].transform("sum")
    size = counts["cluster"].map(sizes).astype("float64")
    df_in = counts["n_in"] / size
    rest = (n - size).clip(lower=1)
    df_out = (total - counts["n_in"]) / rest
    counts["score"] = df_in * np.log((df_in + eps) / (df_out + eps))
    counts = counts.sort_values(["cluster", "score", "word"], ascending=[True, False, True], kind="stable")
    out = {int(c): [] for c in sorted(sizes.index)}
    for c, group in counts.groupby("cluster", sort=True):
        out[int(c)] = group["word"].head(n_words).tolist()
    return out


@dataclass
class SemanticCategories:
    """Result of :func:`semantic_categories`.

    Attributes
    ----------
    k : int
        Number of categories.
    items : DataFrame
        One row per item, input order: ``text``, ``category`` (0 = largest), ``category_name``,
        ``centroid_similarity`` (cosine to its category centre).
    table : DataFrame
        One row per category: ``category``, ``name``, ``n_items``, ``top_words``, ``examples`` (the
        three items closest to the centre).
    k_scores : DataFrame
        ``k``, ``silhouette`` (cosine, on a seeded sample), ``inertia``; empty if ``k`` was given.
    centroids : ndarray (k, d)
        Unit-length category centres.
    """

    k: int
    items: pd.DataFrame
    table: pd.DataFrame
    k_scores: pd.DataFrame
    centroids: np.ndarray = field(repr=False)

    @property
    def names(self) -> dict[int, str]:
        """category -> name."""
        return dict(zip(self.table["category"].astype(int), self.table["name"]))


def semantic_categories(
    item_vectors: Any,
    texts: Sequence[str],
    k: int | None = None,
    ks: Iterable[int] = range(6, 21, 2),
    random_state: int = 0,
    sample_size: int = 2000,
    n_init: int = 3,
    n_words: int = 3,
) -> SemanticCategories:
    """Cluster item vectors into named semantic categories.

    Parameters
    ----------
    item_vectors : array (n_items, d)
        Item embeddings (normalized here, so KMeans works on directions: cosine geometry).
    texts : sequence of str
        The item texts, same order (for the names and examples).
    k : int or None
        Number of categories; ``None`` chooses it from ``ks`` by the highest cosine silhouette
        (rounded to 3 decimals; ties go to the smaller k) on a seeded sample of ``sample_size`` items.
    ks : iterable of int, default 6, 8, ..., 20
        Candidates when ``k`` is None.
    random_state : int
        Seed of KMeans and of the silhouette sample.
    n_init : int
        KMeans restarts.
    n_words : int
        Words per category name.

    Returns
    -------
    SemanticCategories
        Categories numbered by size (0 = most items; ties by first item). Each name is its
        characteristic words joined by " / " (made unique with " (2)", ... if needed).

    Example
    -------
    >>> texts = ["red heart", "pink heart", "garden hose", "garden fork"]
    >>> vectors = np.array([[1.0, 0.1], [0.9, 0.2], [0.1, 1.0], [0.2, 0.9]])
    >>> cats = semantic_categories(vectors, texts, ks=[2, 3])
    >>> cats.table[["name", "n_items"]]
                       name  n_items
    0    heart / pink / red        2
    1  garden / fork / hose        2
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    X = _unit_rows(item_vectors, "semantic_categories")
    texts = [str(t) for t in texts]
    if len(texts) != len(X):
        raise ValueError(f"semantic_categories: {len(X)} vectors but {len(texts)} texts; pass one text per row.")
    n = len(X)
    scores = pd.DataFrame(columns=["k", "silhouette", "inertia"])
    with one_thread():
        if k is None:
            candidates = sorted({int(c) for c in ks})
            bad = [c for c in candidates if c < 2 or c >= n]
            if not candidates or bad:
                raise ValueError(
                    f"semantic_categories: candidate k must be >= 2 and < the number of items ({n}); got {bad or 'none'}."
                )
            rng = np.random.default_rng(random_state)
            sample = np.sort(rng.choice(n, size=min(sample_size, n), replace=False))
            rows, fitted = [], {}
            for c in candidates:
                km = fitted[c] = KMeans(n_clusters=c, n_init=n_init, random_state=random_state).fit(X)
                labels = km.labels_[sample]
                sil = silhouette_score(X[sample], labels, metric="cosine") if len(set(labels)) > 1 else np.nan
                rows.append((c, float(sil), float(km.inertia_)))
            scores = pd.DataFrame(rows, columns=["k", "silhouette", "inertia"])
            best = scores.assign(r=scores["silhouette"].round(3)).sort_values(["r", "k"], ascending=[False, True], kind="stable")
            k = int(best["k"].iloc[0])
            km = fitted[k]  # the same fit as refitting it: same data, k and seed
        else:
            if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
                raise ValueError(f"semantic_categories: k must be an integer between 1 and {n}, got {k!r}.")
            km = KMeans(n_clusters=int(k), n_init=n_init, random_state=random_state).fit(X)
    raw = km.labels_
    # Renumber: largest category first, ties by first item position.
    order = sorted(range(int(k)), key=lambda c: (-int((raw == c).sum()), int(np.flatnonzero(raw == c)[0]) if (raw == c).any() else n))
    remap = np.empty(int(k), dtype=np.int64)
    remap[order] = np.arange(int(k))
    labels = remap[raw]
    centroids = np.zeros((int(k), X.shape[1]))
    for c in range(int(k)):
        members = X[labels == c]
        if len(members):
            centroids[c] = members.mean(axis=0)
    centroids = _unit_rows(centroids, "semantic_categories")
    similarity = np.einsum("ij,ij->i", X, centroids[labels])
    words = characteristic_words(texts, labels, n_words=n_words)
    names: dict[int, str] = {}
    seen: dict[str, int] = {}
    for c in range(int(k)):
        base = " / ".join(words.get(c, [])) or f"category {c}"
        seen[base] = seen.get(base, 0) + 1
        names[c] = base if seen[base] == 1 else f"{base} ({seen[base]})"
    items = pd.DataFrame({"text": pd.array(texts, dtype="str"), "category": labels.astype("int64")})
    items["category_name"] = items["category"].map(names).astype("str")
    items["centroid_similarity"] = similarity
    table_rows = []
    for c in range(int(k)):
        members = items[items["category"] == c]
        best = members.assign(pos=members.index).sort_values(["centroid_similarity", "pos"], ascending=[False, True], kind="stable")
        table_rows.append((c, names[c], len(members), ", ".join(words.get(c, [])), "; ".join(best["text"].head(3))))
    table = pd.DataFrame(table_rows, columns=["category", "name", "n_items", "top_words", "examples"])
    return SemanticCategories(k=int(k), items=items, table=table, k_scores=scores, centroids=centroids)


# ------------------------------------------------------------------------------------------------
# From purchases to interests
# ------------------------------------------------------------------------------------------------


def _item_positions(item_index: Any) -> pd.Index:
    index = pd.Index(item_index)
    if index.has_duplicates:
        dup = index[index.duplicated()][0]
        raise ValueError(f"item_index has duplicates (e.g. {dup!r}); pass the distinct items, one per vector row.")
    return index


def purchase_weights(
    transactions: pd.DataFrame,
    item_index: Any,
    cutoff: Any,
    half_life_days: float | None = None,
    item_col: str = "description",
) -> pd.DataFrame:
    """Interest weight of each (customer, item) from purchases before ``cutoff``.

    A purchase line (known customer, positive quantity and price, ``timestamp < cutoff``, item in
    ``item_index``) weighs its amount ``quantity * unit_price``; with ``half_life_days`` the amount
    is multiplied by ``0.5 ** (age_days / half_life_days)``, ``age_days`` = days from the purchase
    to the cutoff. Lines of items not in ``item_index`` are ignored.

    Parameters
    ----------
    transactions : DataFrame
        Canonical transactions with ``customer_id``, ``quantity``, ``unit_price``, ``timestamp``
        and ``item_col``.
    item_index : sequence
        The items in the order of the vector rows (e.g. the distinct descriptions).
    cutoff : date-like
        Only purchases strictly before it count (:func:`profiling.features.resolve_cutoff`).
    half_life_days : float or None
        Recency half-life in days; None = no discount.
    item_col : str, default "description"
        Column holding the item key.

    Returns
    -------
    DataFrame with columns ``customer_id`` (str), ``item`` (int64, row in ``item_index``) and
    ``weight`` (float64 > 0), sorted by customer then item. ``attrs["cutoff"]`` is the cutoff.

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["1", "1", "2", "2"], "description": ["A", "B", "A", "B"],
    ...                    "quantity": [1, 1, 2, 5], "unit_price": [3.0, 3.0, 1.0, 1.0],
    ...                    "timestamp": pd.to_datetime(["2009-12-02", "2009-11-02", "2009-12-02", "2010-01-01"])})
    >>> purchase_weights(tx, ["A", "B"], "2010-01-01", half_life_days=30)  # 30 and 60 days old: x 0.5, x 0.25
      customer_id  item  weight
    0           1     0    1.50
    1           1     1    0.75
    2           2     0    1.00
    """
    check_frame(transactions, ["customer_id", "quantity", "unit_price", "timestamp", item_col], "purchase_weights",
                what="transactions", fix="Pass canonical transactions (profiling.chapter.load).")
    if half_life_days is not None and not (float(half_life_days) > 0):
        raise ValueError(f"purchase_weights: half_life_days must be positive or None, got {half_life_days!r}.")
    index = _item_positions(item_index)
    cut = resolve_cutoff(transactions, cutoff, "purchase_weights")
    tx = transactions
    keep = (
        tx["customer_id"].notna()
        & (tx["quantity"] > 0)
        & (tx["unit_price"] > 0)
        & (tx["timestamp"] < cut)
        & tx[item_col].notna()
    )
    tx = tx.loc[keep, ["customer_id", "quantity", "unit_price", "timestamp", item_col]]
    pos = index.get_indexer(tx[item_col])
    tx = tx.loc[pos >= 0]
    pos = pos[pos >= 0]
    weight = tx["quantity"].to_numpy(dtype="float64") * tx["unit_price"].to_numpy(dtype="float64")
    if half_life_days is not None:
        age = (cut - tx["timestamp"]).dt.total_seconds().to_numpy() / 86400.0
        weight = weight * np.power(0.5, age / float(half_life_days))
    out = pd.DataFrame({"customer_id": tx["customer_id"].astype("str").to_numpy(), "item": pos.astype("int64"), "weight": weight})
    out = out.groupby(["customer_id", "item"], sort=True, as_index=False)["weight"].sum()
    out = out[out["weight"] > 0].reset_index(drop=True)
    out.attrs["cutoff"] = f"{cut:%Y-%m-%d}"
    return out


def _user_item_matrix(weights: pd.DataFrame, n_items: int):
    from scipy import sparse

    users = pd.Index(weights["customer_id"].unique()).sort_values()
    rows = users.get_indexer(weights["customer_id"])
    matrix = sparse.csr_matrix((weights["weight"].to_numpy(), (rows, weights["item"].to_numpy())), shape=(len(users), n_items))
    return users, matrix


def user_interest_vectors(
    transactions: pd.DataFrame,
    item_index: Any,
    item_vectors: Any,
    cutoff: Any,
    half_life_days: float | None = None,
    item_col: str = "description",
) -> pd.DataFrame:
    """Each customer's interest vector: the weighted mean of the vectors of the items they bought.

    Weights come from :func:`purchase_weights` (spend before ``cutoff``, optionally with a recency
    half-life). The mean is then L2-normalized, so a dot product with an item or label vector is a
    cosine similarity.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), columns ``e0 ... e{d-1}`` (float64, unit rows).
    ``attrs``: ``cutoff``, ``half_life_days``. Customers without a weighted purchase are absent.

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["1", "1", "2", "2"], "description": ["A", "B", "A", "B"],
    ...                    "quantity": [1, 1, 2, 5], "unit_price": [3.0, 3.0, 1.0, 1.0],
    ...                    "timestamp": pd.to_datetime(["2009-12-02", "2009-11-02", "2009-12-02", "2010-01-01"])})
    >>> vectors = np.array([[1.0, 0.0], [0.0, 1.0]])  # items A and B
    >>> users = user_interest_vectors(tx, ["A", "B"], vectors, "2010-01-01")
    >>> (users.to_numpy() @ vectors.T).round(2)  # cosine of each customer to each item
    array([[0.71, 0.71],
           [1.  , 0.  ]])
    """
    vectors = np.asarray(item_vectors, dtype=np.float64)
    index = _item_positions(item_index)
    if vectors.ndim != 2 or len(vectors) != len(index):
        raise ValueError(
            f"user_interest_vectors: item_vectors has shape {vectors.shape} but item_index has {len(index)} items; "
            "row i of item_vectors must embed item_index[i]."
        )
    weights = purchase_weights(transactions, index, cutoff, half_life_days, item_col)
    users, matrix = _user_item_matrix(weights, len(index))
    totals = np.asarray(matrix.sum(axis=1)).ravel()
    mean = (matrix @ vectors) / totals[:, None] if len(users) else np.zeros((0, vectors.shape[1]))
    norms = np.linalg.norm(mean, axis=1, keepdims=True)
    unit = np.divide(mean, norms, out=np.zeros_like(mean), where=norms > 1e-12)
    out = pd.DataFrame(unit, index=pd.Index(users, name="customer_id", dtype="str"),
                       columns=[f"e{i}" for i in range(vectors.shape[1])])
    out.attrs = {"cutoff": weights.attrs["cutoff"], "half_life_days": half_life_days}
    return out


def category_shares(
    transactions: pd.DataFrame,
    item_index: Any,
    item_categories: Any,
    cutoff: Any,
    half_life_days: float | None = None,
    names: dict[int, str] | None = None,
    item_col: str = "description",
) -> pd.DataFrame:
    """Each customer's share of (weighted) spend per semantic category.

    Parameters
    ----------
    item_categories : sequence of int
        Category of each item, same order as ``item_index`` (e.g. ``cats.items["category"]``).
    names : dict or None
        category -> column name (e.g. ``cats.names``); None keeps the category numbers.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (sorted), one float column per category (every category,
    in category order), each row summing to 1.

    Example
    -------
    >>> tx = pd.DataFrame({"customer_id": ["1", "1", "2", "2"], "description": ["A", "B", "A", "B"],
    ...                    "quantity": [1, 1, 2, 5], "unit_price": [3.0, 3.0, 1.0, 1.0],
    ...                    "timestamp": pd.to_datetime(["2009-12-02", "2009-11-02", "2009-12-02", "2010-01-01"])})
    >>> shares = category_shares(tx, ["A", "B"], [0, 1], "2010-01-01", names={0: "home", 1: "garden"})
    >>> shares.round(2).to_dict("index")
    {'1': {'home': 0.5, 'garden': 0.5}, '2': {'home': 1.0, 'garden': 0.0}}
    """
    index = _item_positions(item_index)
    cats = np.asarray(item_categories, dtype=np.int64)
    if len(cats) != len(index):
        raise ValueError(f"category_shares: {len(cats)} categories for {len(index)} items; pass one per item.")
    weights = purchase_weights(transactions, index, cutoff, half_life_days, item_col)
    weights["category"] = cats[weights["item"].to_numpy()]
    table = weights.pivot_table(index="customer_id", columns="category", values="weight", aggfunc="sum", fill_value=0.0)
    all_cats = sorted(set(int(c) for c in np.unique(cats)) | set(names or {}))
    table = table.reindex(columns=all_cats, fill_value=0.0).sort_index()
    shares = table.div(table.sum(axis=1), axis=0).astype("float64")
    shares.index = pd.Index(shares.index.astype("str"), name="customer_id")
    shares.columns = pd.Index([names.get(c, str(c)) if names else c for c in all_cats], name="category")
    shares.attrs = {"cutoff": weights.attrs["cutoff"], "half_life_days": half_life_days}
    return shares


def zero_shot_tags(
    user_vectors: pd.DataFrame,
    labels: Sequence[str],
    embedder: Any,
    top_n: int = 3,
    relative: bool = False,
) -> pd.DataFrame:
    """The ``top_n`` label texts closest (cosine) to each user's interest vector.

    Parameters
    ----------
    user_vectors : DataFrame
        From :func:`user_interest_vectors` (index ``customer_id``).
    labels : sequence of str
        Short label texts, e.g. ``["christmas decorations", "kitchen and baking"]`` (distinct).
    embedder : object with ``embed(texts)``
        The same (fitted) embedder that produced the item vectors.
    top_n : int
        Tags per user (at most ``len(labels)``).
    relative : bool, default False
        If True, each label's cosine scores are standardized over the users given (minus their
        mean, divided by their standard deviation; a constant label scores 0), so a tag means "more
        interested in this than the other customers are" and a label that is close to every
        customer no longer wins for everyone. Relative scores depend on which users are scored.

    Returns
    -------
    DataFrame with columns ``customer_id``, ``rank`` (1 = best), ``tag``, ``score`` (cosine, or the
    standardized cosine if ``relative``), sorted by customer then rank; equal scores are ordered as
    in ``labels``. ``attrs["relative"]`` records the choice.

    Example
    -------
    >>> from profiling.embeddings import TfidfEmbedder
    >>> embedder = TfidfEmbedder(n_components=2).fit(["red heart", "pink heart", "garden hose", "garden fork"])
    >>> users = pd.DataFrame(embedder.embed(["pink heart", "garden hose"]), index=["1", "2"])  # stand-in vectors
    >>> zero_shot_tags(users, ["heart", "garden"], embedder, top_n=1)[["customer_id", "tag"]].values.tolist()
    [['1', 'heart'], ['2', 'garden']]
    """
    labels = [str(x) for x in labels]
    if not labels or len(set(labels)) != len(labels):
        raise ValueError(f"zero_shot_tags: labels must be a non-empty list of distinct texts, got {labels!r}.")
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or not 1 <= top_n <= len(labels):
        raise ValueError(f"zero_shot_tags: top_n must be an integer between 1 and {len(labels)}, got {top_n!r}.")
    label_vectors = np.asarray(embedder.embed(labels), dtype=np.float64)
    if label_vectors.shape[1] != user_vectors.shape[1]:
        raise ValueError(
            f"zero_shot_tags: label vectors have {label_vectors.shape[1]} dimensions but user vectors {user_vectors.shape[1]}; "
            "use the embedder that embedded the items."
        )
    users = _unit_rows(user_vectors.to_numpy(), "zero_shot_tags") if len(user_vectors) else np.zeros((0, label_vectors.shape[1]))
    lab = _unit_rows(label_vectors, "zero_shot_tags")
    scores = users @ lab.T
    if relative and len(scores):
        spread = scores.std(axis=0)
        scores = (scores - scores.mean(axis=0)) / np.where(spread > 1e-12, spread, 1.0)
    order = np.argsort(-scores, axis=1, kind="stable")[:, :top_n]
    top = np.take_along_axis(scores, order, axis=1)
    n = len(user_vectors)
    out = pd.DataFrame(
        {
            "customer_id": np.repeat(user_vectors.index.astype("str").to_numpy(), top_n),
            "rank": np.tile(np.arange(1, top_n + 1, dtype=np.int64), n),
            "tag": pd.array(np.asarray(labels, dtype=object)[order.ravel()] if n else [], dtype="str"),
            "score": top.ravel(),
        }
    )
    out.attrs["relative"] = bool(relative)
    return out


def tag_shares(tags: pd.DataFrame, labels: Sequence[str] | None = None) -> pd.DataFrame:
    """Users per top tag (rank 1 of :func:`zero_shot_tags`) and their share; all ``labels`` listed.

    Returns columns ``tag``, ``users``, ``share`` (sums to 1), sorted by users descending then tag.
    """
    top = tags.loc[tags["rank"] == 1, "tag"]
    counts = top.value_counts()
    if labels is not None:
        counts = counts.reindex([str(x) for x in labels], fill_value=0)
    out = counts.rename_axis("tag").rename("users").reset_index()
    out["users"] = out["users"].astype("int64")
    out["share"] = out["users"] / max(int(out["users"].sum()), 1)
    return out.sort_values(["users", "tag"], ascending=[False, True], kind="stable").reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# Does it help? Ranking later purchases
# ------------------------------------------------------------------------------------------------


def rank_items(
    user_vectors: Any,
    item_vectors: Any,
    k: int = 10,
    exclude: Sequence[Iterable[int]] | None = None,
    chunk: int = 1024,
) -> np.ndarray:
    """Top-``k`` item rows per user by cosine similarity (best first, ties by item row).

    ``exclude`` (one collection of item rows per user, e.g. what each already bought) removes those
    items from that user's ranking (they go last). Returns an int64 array of shape ``(n_users, k)``.

    Example
    -------
    >>> rank_items(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), k=2)
    array([[0, 2]])
    """
    users = _unit_rows(user_vectors, "rank_items")
    items = _unit_rows(item_vectors, "rank_items")
    if users.shape[1] != items.shape[1]:
        raise ValueError(f"rank_items: users have {users.shape[1]} dimensions, items {items.shape[1]}.")
    if exclude is not None and len(exclude) != len(users):
        raise ValueError(f"rank_items: exclude has {len(exclude)} entries for {len(users)} users; pass one per user.")
    k = int(min(k, len(items)))
    out = np.empty((len(users), k), dtype=np.int64)
    for start in range(0, len(users), chunk):
        block = users[start : start + chunk] @ items.T
        if exclude is not None:
            for offset in range(block.shape[0]):
                drop = list(exclude[start + offset])
                if drop:
                    block[offset, drop] = -np.inf
        out[start : start + chunk] = top_k(block, k)
    return out


def next_purchase_metrics(recommended: np.ndarray, relevant: Sequence[set[int]], k: int = 10) -> dict[str, float]:
    """Hit rate@k and NDCG@k of ranked item rows against the items each user bought later.

    A thin adapter: the metrics are :func:`profiling.recommend.ranking_metrics` (one implementation
    of NDCG for the course), averaged over users.

    Parameters
    ----------
    recommended : int array (n_users, >= k)
        Ranked item rows per user (e.g. :func:`rank_items`).
    relevant : sequence of sets
        The items each user actually bought later (same user order); users with an empty set are
        skipped.

    Returns
    -------
    dict with ``hit_rate`` (share of users with at least one relevant item in the top k),
    ``ndcg`` (mean of DCG / ideal DCG, gains 1 / log2(rank + 1)) and ``users`` (users evaluated).

    Example
    -------
    >>> out = next_purchase_metrics(np.array([[3, 1], [0, 2]]), [{1}, {5}], k=2)
    >>> out["hit_rate"], round(out["ndcg"], 4), out["users"]
    (0.5, 0.3155, 2)
    """
    from profiling.recommend import ranking_metrics

    recommended = np.asarray(recommended)
    if len(recommended) != len(relevant):
        raise ValueError(f"next_purchase_metrics: {len(recommended)} ranked lists but {len(relevant)} relevant sets.")
    users = [u for u, truth in enumerate(relevant) if truth]
    if not users:
        return {"hit_rate": float("nan"), "ndcg": float("nan"), "users": 0}
    top = recommended[users, :k]
    recs = pd.DataFrame({
        "customer_id": np.repeat([str(u) for u in users], top.shape[1]),
        "rank": np.tile(np.arange(1, top.shape[1] + 1), len(users)),
        "item": top.ravel().astype(np.int64),
    })
    truth = pd.DataFrame([(str(u), int(i)) for u in users for i in sorted(relevant[u])], columns=["customer_id", "item"])
    per = ranking_metrics(recs, truth, k=k)
    return {"hit_rate": float(per["hit"].mean()), "ndcg": float(per["ndcg"].mean()), "users": int(len(per))}
