"""Nearest neighbours by cosine similarity, with a reproducible order for ties.

:func:`nearest_neighbours` works on any vectors (the model's, TF-IDF's, a user's interest vector):
it needs numpy only, not torch.

Example
-------
>>> items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
>>> idx, score = nearest_neighbours(items, items, k=1, exclude_self=True)
>>> idx.ravel().tolist(), score.round(3).ravel().tolist()
([2, 2, 0], [0.707, 0.707, 0.707])
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["nearest_neighbours"]


def _as_matrix(name: str, values: Any) -> np.ndarray:
    matrix = np.asarray(values, dtype=np.float64)
    if matrix.ndim != 2:
        raise ValueError(
            f"nearest_neighbours(): {name} must be a 2-D array (rows = vectors), got shape {matrix.shape}. "
            "For a single vector use vector.reshape(1, -1)."
        )
    if not np.isfinite(matrix).all():
        raise ValueError(f"nearest_neighbours(): {name} contains NaN or infinite values.")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    zero = np.flatnonzero(norms[:, 0] == 0)
    if zero.size:
        raise ValueError(
            f"nearest_neighbours(): {name} row {int(zero[0])} is all zeros; cosine similarity is undefined for it."
        )
    return matrix / norms


def nearest_neighbours(
    query_vectors: np.ndarray,
    item_vectors: np.ndarray,
    k: int = 5,
    exclude_self: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` items most cosine-similar to each query, best first, ties broken by item index.

    Vectors are L2-normalized here, so unnormalized inputs are compared by angle, not length.

    Parameters
    ----------
    query_vectors : array of shape (n_queries, d)
        One row per query (e.g. the output of :func:`embed`).
    item_vectors : array of shape (n_items, d)
        One row per candidate item.
    k : int, default 5
        Neighbours per query; at most ``n_items`` (``n_items - 1`` with ``exclude_self``).
    exclude_self : bool, default False
        Set when the queries *are* the items (same rows, same order): item ``i`` is then never
        returned as a neighbour of query ``i``. Requires ``n_queries == n_items``.

    Returns
    -------
    indices : numpy.ndarray of int64, shape (n_queries, k)
        Row positions in ``item_vectors``, most similar first; equal scores are ordered by
        ascending index (a stable, reproducible order).
    scores : numpy.ndarray of float64, shape (n_queries, k)
        The cosine similarities, in [-1, 1], matching ``indices``.

    Raises
    ------
    ValueError
        On non-2-D inputs, different vector lengths, NaN/inf or all-zero rows, a ``k`` that is not a
        positive integer or exceeds the number of candidates, or ``exclude_self`` with
        ``n_queries != n_items``.

    Example
    -------
    >>> items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> nearest_neighbours(items[:1], items, k=2)[0]
    array([[0, 2]])
    """
    queries = _as_matrix("query_vectors", query_vectors)
    items = _as_matrix("item_vectors", item_vectors)
    if queries.shape[1] != items.shape[1]:
        raise ValueError(
            "nearest_neighbours(): query_vectors and item_vectors have different vector lengths "
            f"({queries.shape[1]} vs {items.shape[1]}); embed both with the same model."
        )
    n_queries, n_items = queries.shape[0], items.shape[0]
    if exclude_self and n_queries != n_items:
        raise ValueError(
            f"nearest_neighbours(): exclude_self=True needs the queries to be the items (same rows), but there "
            f"are {n_queries} queries and {n_items} items. Pass exclude_self=False for other queries."
        )
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"nearest_neighbours(): k must be a positive integer, got {k!r}.")
    available = n_items - 1 if exclude_self else n_items
    if k > available:
        raise ValueError(
            f"nearest_neighbours(): k={k} but there are only {available} candidate items"
            + (" (excluding each query itself)" if exclude_self else "")
            + f"; use k <= {available}."
        )
    k = int(k)

    indices = np.empty((n_queries, k), dtype=np.int64)
    scores = np.empty((n_queries, k), dtype=np.float64)
    chunk = 1024  # bounds memory: chunk x n_items float64 at a time
    for start in range(0, n_queries, chunk):
        block = queries[start : start + chunk] @ items.T
        if exclude_self:
            rows = np.arange(block.shape[0])
            block[rows, start + rows] = -np.inf
        # Threshold = k-th best score of each row; every item at least that good is a candidate
        # (all ties included). Candidates are then ordered by (score descending, index ascending).
        thresholds = np.partition(block, n_items - k, axis=1)[:, n_items - k]
        mask = block >= thresholds[:, None]
        counts = mask.sum(axis=1)
        exact = np.flatnonzero(counts == k)  # the usual case: no tie at the boundary
        if exact.size:
            cand = np.nonzero(mask[exact])[1].reshape(exact.size, k)  # ascending index per row
            cand_scores = np.take_along_axis(block[exact], cand, axis=1)
            order = np.argsort(-cand_scores, axis=1, kind="stable")  # stable: ties keep index order
            indices[start + exact] = np.take_along_axis(cand, order, axis=1)
            scores[start + exact] = np.take_along_axis(cand_scores, order, axis=1)
        for offset in np.flatnonzero(counts != k):  # ties at the boundary: resolve row by row
            row = block[offset]
            candidates = np.flatnonzero(mask[offset])
            best = candidates[np.lexsort((candidates, -row[candidates]))][:k]
            indices[start + offset] = best
            scores[start + offset] = row[best]
    np.clip(scores, -1.0, 1.0, out=scores)  # float rounding can give 1.0000000002
    return indices, scores
