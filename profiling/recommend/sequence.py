"""Recommenders that know order and time: :class:`TIFUKNN` and a small self-attentive :class:`SASRec`.

Both read a customer's history as a **sequence of baskets** (an invoice is a basket; without an
``invoice_id`` column, the lines of one customer at one moment are one basket), oldest first.

- :class:`TIFUKNN` (Hu et al., SIGIR 2020): a time-decayed average of the customer's baskets,
  blended with the average of the most similar customers' vectors. No training, a handful of
  knobs, and in the next-basket literature the method to beat.
- :class:`SASRec`: a self-attentive sequence model in the manner of Kang & McAuley (ICDM 2018),
  small enough to train on one CPU thread in about a minute: item embeddings, learned positions, causal
  self-attention blocks, and the next basket's items predicted with a softmax over the catalogue.
  Its weights are cached on disk (:func:`weights_cache_key`), keyed by the data and the settings.
  The state at a customer's last basket is also a **customer embedding**
  (:meth:`SASRec.customer_vectors`).

:func:`basket_sequences` gives the baskets both of them read.

Example
-------
>>> import pandas as pd
>>> lines = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b"], "item": ["x", "y", "x", "x", "z"],
...                       "invoice_id": ["1", "1", "2", "3", "3"],
...                       "timestamp": pd.to_datetime(["2010-01-01", "2010-01-01", "2010-02-01",
...                                                    "2010-01-05", "2010-01-05"])})
>>> rec = TIFUKNN(n_neighbors=1, group_size=2, within_decay=0.5, alpha=0.5).fit(lines)
>>> rec.customer_vectors_.toarray().round(3).tolist()      # a: (x + 0.5 (x + y)) / 2; b: one basket
[[0.75, 0.25, 0.0], [1.0, 0.0, 1.0]]
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from profiling.i18n import tr
from profiling.numeric import one_thread, unit_rows
from profiling.recommend.base import Recommender, _top_k, _you_bought
from profiling.validation import check_positive_int

__all__ = ["SASRec", "TIFUKNN", "basket_sequences", "weights_cache_key"]

#: Version of the SASRec weights file layout; part of every cache key.
CACHE_FORMAT = 2


# ------------------------------------------------------------------------------------------------
# Baskets
# ------------------------------------------------------------------------------------------------


def _baskets(rec: Recommender, interactions: pd.DataFrame) -> pd.DataFrame:
    """One row per (customer, basket, item) of a fitted recommender's interactions, in its codes.

    Columns: ``row`` (customer row in ``rec.customers_``), ``col`` (item column in ``rec.items_``),
    ``basket`` (0 = the customer's oldest basket), ``from_end`` (0 = the latest), ``n_baskets``
    (the customer's number of baskets), ``time`` (the basket's moment: its latest line).
    Baskets are ordered by their moment, then by their id: the same order for any row order.
    """
    data = interactions
    if "invoice_id" in data.columns:
        key = data["invoice_id"].astype("str")
    else:
        key = data["timestamp"].astype("datetime64[us]").astype("str")
    codes = pd.factorize(key, sort=True)[0]
    ts = data["timestamp"].to_numpy().astype("datetime64[us]").astype(np.int64)
    frame = pd.DataFrame({
        "row": rec.customers_.get_indexer(data["customer_id"].astype("str")),
        "col": rec.items_.get_indexer(data["item"].astype("str")),
        "key": codes,
        "t": ts,
    })
    moment = frame.groupby(["row", "key"], sort=False)["t"].max().rename("time").reset_index()
    moment = moment.sort_values(["row", "time", "key"], kind="stable").reset_index(drop=True)
    moment["basket"] = moment.groupby("row").cumcount()
    moment["n_baskets"] = moment.groupby("row")["basket"].transform("size")
    moment["from_end"] = moment["n_baskets"] - 1 - moment["basket"]
    pairs = frame[["row", "key", "col"]].drop_duplicates()
    out = pairs.merge(moment, on=["row", "key"], how="left")
    out = out.sort_values(["row", "basket", "col"], kind="stable").reset_index(drop=True)
    return out[["row", "col", "basket", "from_end", "n_baskets", "time"]]


def basket_sequences(interactions: pd.DataFrame) -> pd.DataFrame:
    """Each customer's purchases as a sequence of baskets, oldest first.

    A basket is an invoice (``invoice_id``); without that column, the lines of a customer at one
    moment. A basket's moment is its latest line; baskets at the same moment are ordered by id.

    Returns
    -------
    DataFrame, one row per basket: ``customer_id``, ``basket`` (0 = oldest), ``timestamp``,
    ``items`` (sorted list of distinct items); sorted by customer and basket.

    Example
    -------
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "a"], "item": ["y", "x", "x"], "invoice_id": ["2", "2", "1"],
    ...                       "timestamp": pd.to_datetime(["2010-01-02", "2010-01-02", "2010-01-01"])})
    >>> basket_sequences(lines)[["customer_id", "basket", "items"]]
      customer_id  basket   items
    0           a       0     [x]
    1           a       1  [x, y]
    """
    from profiling.recommend.data import _check_interactions

    data = _check_interactions(interactions, "basket_sequences")
    probe = Recommender()
    probe.customers_ = pd.Index(np.sort(data["customer_id"].astype("str").unique()), dtype="str")
    probe.items_ = pd.Index(np.sort(data["item"].astype("str").unique()), dtype="str")
    table = _baskets(probe, data)
    names = probe.items_.to_numpy(dtype=object)
    grouped = table.groupby(["row", "basket"], sort=True)
    out = grouped.agg(time=("time", "first"), cols=("col", list)).reset_index()
    return pd.DataFrame({
        "customer_id": probe.customers_.to_numpy(dtype=object)[out["row"].to_numpy()].astype(str),
        "basket": out["basket"].to_numpy(dtype=np.int64),
        "timestamp": pd.to_datetime(out["time"].to_numpy(), unit="us"),
        "items": [sorted(names[c].tolist()) for c in out["cols"]],
    })


def _check_rate(value: Any, where: str, name: str) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError):
        rate = float("nan")
    if not 0.0 < rate <= 1.0:
        raise ValueError(f"{where}: {name} must be a number in (0, 1], got {value!r}.")
    return rate


# ------------------------------------------------------------------------------------------------
# TIFU-KNN
# ------------------------------------------------------------------------------------------------


class TIFUKNN(Recommender):
    """Temporal-item-frequency user-KNN (Hu, He, Gao & Zhang, SIGIR 2020).

    A basket is a 0/1 vector over the catalogue. A customer's ``n`` baskets, oldest first, are cut
    into ``ceil(n / group_size)`` groups of ``group_size`` baskets, counted back from the latest
    (the oldest group holds the remainder when ``n`` is not a multiple). Inside a group of ``s``
    baskets the ``j``-th latest weighs ``within_decay ** j``; the group vector is the weighted sum
    divided by ``s``. The customer vector is the sum of the group vectors, the ``g``-th latest
    weighted ``group_decay ** g``, divided by the number of groups. So an item bought in every
    basket scores about its decayed share, and recent baskets count most.

    The score of an item is ``alpha * own + (1 - alpha) * neighbours``: ``own`` is the customer's
    vector and ``neighbours`` the mean vector of the ``n_neighbors`` most similar other customers
    (cosine similarity of the customer vectors, as in :class:`~profiling.recommend.UserKNN`;
    ``metric="euclidean"`` uses the nearest by Euclidean distance, as the authors' code does).
    Ties among neighbours go to the earlier customer id; only customers with a positive cosine
    similarity are neighbours, and a customer is not their own neighbour.

    This follows the paper's description (groups of ``group_size`` baskets). The authors' code
    (and ports of it, e.g. cornac's) differs in details: it cuts the history into a fixed number of
    groups, applies ``within_decay`` over the whole history rather than inside each group, and
    finds neighbours by Euclidean distance among all customers, the customer included.

    Parameters
    ----------
    n_neighbors : int, default 300
    group_size : int, default 3
        Baskets per group (``m`` in the paper).
    within_decay : float in (0, 1], default 0.9
        Decay per basket inside a group (``r_b``).
    group_decay : float in (0, 1], default 0.7
        Decay per group (``r_g``).
    alpha : float in [0, 1], default 0.7
        Weight of the customer's own vector against the neighbours'.
    metric : {"cosine", "euclidean"}, default "cosine"

    Fitted attributes
    -----------------
    customer_vectors_ : csr_matrix (n_customers, n_items)
        The time-decayed customer vectors.

    Example
    -------
    >>> import pandas as pd
    >>> lines = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "b", "c"],
    ...                       "item": ["x", "y", "x", "y", "z", "w"], "invoice_id": ["1", "1", "2", "2", "2", "3"],
    ...                       "timestamp": pd.to_datetime(["2010-01-01"] * 6)})
    >>> rec = TIFUKNN(n_neighbors=1, alpha=0.5).fit(lines)      # a's nearest customer is b
    >>> rec.recommend(["a"], k=3)["item"].tolist(), rec.reason("a", "z")
    (['x', 'y', 'z'], 'customers like you: 1 of your 1 nearest bought it')
    """

    reason_label = "you and customers like you"

    def __init__(self, n_neighbors: int = 300, group_size: int = 3, within_decay: float = 0.9,
                 group_decay: float = 0.7, alpha: float = 0.7, metric: str = "cosine") -> None:
        self.n_neighbors = n_neighbors
        self.group_size = group_size
        self.within_decay = within_decay
        self.group_decay = group_decay
        self.alpha = alpha
        self.metric = metric

    def _fit(self) -> None:
        where = "TIFUKNN.fit"
        check_positive_int(self.n_neighbors, where, "n_neighbors")
        m = check_positive_int(self.group_size, where, "group_size")
        r_b = _check_rate(self.within_decay, where, "within_decay")
        r_g = _check_rate(self.group_decay, where, "group_decay")
        try:
            alpha = float(self.alpha)
        except (TypeError, ValueError):
            alpha = float("nan")
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"{where}: alpha must be a number in [0, 1], got {self.alpha!r}.")
        if self.metric not in ("cosine", "euclidean"):
            raise ValueError(f"{where}: metric must be 'cosine' or 'euclidean', got {self.metric!r}.")
        table = _baskets(self, self._training_frame)
        j = table["from_end"].to_numpy(dtype=np.int64)
        n = table["n_baskets"].to_numpy(dtype=np.int64)
        group, inside = j // m, j % m
        n_groups = -(-n // m)
        size = np.where(group < n_groups - 1, m, n - (n_groups - 1) * m)
        weight = r_g ** group * r_b ** inside / (size * n_groups)
        self.customer_vectors_ = self._vectors(table["row"].to_numpy(), table["col"].to_numpy(), weight)
        self._unit = unit_rows(self.customer_vectors_)
        self._sq_norms = np.asarray(self.customer_vectors_.multiply(self.customer_vectors_).sum(axis=1)).ravel()

    def _vectors(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> sparse.csr_matrix:
        m = sparse.csr_matrix((values.astype(np.float64), (rows, cols)), shape=(len(self.customers_), len(self.items_)))
        m.sum_duplicates()
        m.sort_indices()
        return m

    def _neighbours(self, rows: np.ndarray) -> sparse.csr_matrix:
        """Row-stochastic weights (len(rows), n_customers): 1 / count on each customer's neighbours."""
        n_cust = len(self.customers_)
        weights = sparse.csr_matrix((len(rows), n_cust))
        ok = np.flatnonzero(rows >= 0)
        if not len(ok) or n_cust < 2:
            return weights
        with one_thread():
            if self.metric == "cosine":
                sims = (self._unit[rows[ok]] @ self._unit.T).toarray()
                valid = sims > 0
            else:
                dots = (self.customer_vectors_[rows[ok]] @ self.customer_vectors_.T).toarray()
                sims = -(self._sq_norms[rows[ok], None] + self._sq_norms[None, :] - 2 * dots)
                valid = np.ones_like(sims, dtype=bool)
        sims[np.arange(len(ok)), rows[ok]] = -np.inf     # not your own neighbour
        valid[np.arange(len(ok)), rows[ok]] = False
        sims[~valid] = -np.inf
        k = int(min(int(self.n_neighbors), n_cust - 1))
        top = _top_k(sims, k)                             # equal similarities: the earlier customer
        keep = np.isfinite(np.take_along_axis(sims, top, axis=1))
        count = keep.sum(axis=1)
        r = np.repeat(ok, k)[keep.ravel()]
        c = top.ravel()[keep.ravel()]
        w = (1.0 / np.maximum(np.repeat(count, k), 1))[keep.ravel()]
        return sparse.csr_matrix((w, (r, c)), shape=(len(rows), n_cust))

    def _parts(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        own = np.zeros((len(rows), len(self.items_)))
        ok = rows >= 0
        if ok.any():
            own[ok] = self.customer_vectors_[rows[ok]].toarray()
        with one_thread():
            near = (self._neighbours(rows) @ self.customer_vectors_).toarray()
        return own, near

    def _score(self, rows: np.ndarray) -> np.ndarray:
        own, near = self._parts(rows)
        a = float(self.alpha)
        return a * own + (1.0 - a) * near

    def reason(self, customer: Any, item: Any) -> str:
        self._check_fitted("reason")
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        if col < 0 or row < 0:
            return super().reason(customer, item)
        own, near = self._parts(np.array([row]))
        a = float(self.alpha)
        if a * own[0, col] >= (1.0 - a) * near[0, col] and own[0, col] > 0:
            return _you_bought(self, row, col) or super().reason(customer, item)
        neighbours = self._neighbours(np.array([row])).indices
        n = int((self.customer_vectors_[neighbours][:, col] > 0).sum())
        return tr("customers like you: {n} of your {near} nearest bought it").format(n=n, near=len(neighbours))


# ------------------------------------------------------------------------------------------------
# A self-attentive sequence model
# ------------------------------------------------------------------------------------------------


def weights_cache_key(settings: dict[str, Any], data_sha256: str) -> dict[str, Any]:
    """The key a cached set of :class:`SASRec` weights must match: format, model, settings, data hash.

    ``settings`` are the estimator's parameters that change the weights (plus the torch version);
    ``data_sha256`` is the SHA-256 of the training baskets, the customers and the catalogue.

    >>> sorted(weights_cache_key({"dim": 8}, "ab" * 32))
    ['data_sha256', 'format', 'model', 'settings']
    """
    return {
        "format": CACHE_FORMAT,
        "model": "sasrec",
        "settings": json.loads(json.dumps(settings, sort_keys=True)),
        "data_sha256": str(data_sha256),
    }


def _weights_paths(key: dict[str, Any], cache_dir: Any) -> tuple[Any, Any]:
    from profiling.storage import default_cache_dir

    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    folder = default_cache_dir(cache_dir)
    return folder / f"sasrec-{digest}.npz", folder / f"sasrec-{digest}.json"


def _arrays_sha256(arrays: dict[str, np.ndarray]) -> str:
    digest = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(name.encode("utf-8"))
        digest.update(str(a.dtype).encode("utf-8"))
        digest.update(np.asarray(a.shape, dtype=np.int64).tobytes())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _read_weights(key: dict[str, Any], cache_dir: Any) -> dict[str, np.ndarray] | None:
    """The cached arrays for ``key``; None if there are none or they cannot be trusted (then a CacheWarning)."""
    from profiling.embeddings.cache import CacheWarning

    array_path, meta_path = _weights_paths(key, cache_dir)
    if not array_path.exists() and not meta_path.exists():
        return None
    problem = None
    arrays = None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError("the sidecar is not a JSON object")
        if meta.get("key") != key:
            problem = "stale: its key (settings, data or format) differs from the requested one"
        else:
            with np.load(array_path, allow_pickle=False) as stored:
                arrays = {name: stored[name] for name in stored.files}
            if _arrays_sha256(arrays) != meta.get("sha256"):
                problem = "checksum mismatch: the arrays differ from the ones written"
    except (OSError, ValueError, EOFError, KeyError, json.JSONDecodeError) as exc:
        problem = f"unreadable ({type(exc).__name__}: {exc})"
    if problem is not None:
        warnings.warn(f"SASRec weights cache {array_path.name} in {array_path.parent} is {problem}; ignoring it and "
                      "training again (the file will be overwritten).", CacheWarning, stacklevel=4)
        return None
    return arrays


def _write_weights(key: dict[str, Any], arrays: dict[str, np.ndarray], cache_dir: Any) -> None:
    from profiling.storage import atomic_write

    array_path, meta_path = _weights_paths(key, cache_dir)
    array_path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    meta = {"key": key, "sha256": _arrays_sha256(arrays), "arrays": {n: list(a.shape) for n, a in sorted(arrays.items())}}
    atomic_write(array_path, lambda stream: stream.write(buffer.getvalue()))
    atomic_write(meta_path, lambda stream: stream.write(json.dumps(meta, indent=1, sort_keys=True).encode("utf-8")))


class SASRec(Recommender):
    """A small self-attentive sequence model over baskets, after SASRec (Kang & McAuley, ICDM 2018).

    SASRec reads a customer's items in order and predicts the next one: each item is an embedding
    plus a learned embedding of its position; causal self-attention blocks (each position attends
    only to itself and earlier ones) turn the sequence into one state per position; the state
    scores every item by a dot product with the same item embeddings. Here the steps are
    **baskets**, because the items of one invoice have no order of their own: a step's input is
    the mean embedding of the basket's items, and the state after basket ``t`` is trained to give
    the items of basket ``t + 1`` a high probability (softmax over the whole catalogue, cross-entropy
    averaged over the next basket's items; an item bias is added to the dot product). The blocks
    are pre-norm (layer norm, attention, residual; layer norm, two-layer feed-forward, residual),
    with dropout, as in SASRec.

    Training uses the baskets of ``fit`` only (all before the cutoff), sequences cut into windows
    of at most ``max_baskets`` steps, Adam, ``epochs`` passes in a seeded order, in float64 on
    ``threads`` CPU threads (the same weights on every run on a machine; across CPUs the float64
    sums agree far below what changes a ranking). The defaults are chapter 8's: about a minute of
    training on one thread for some 3,000 customers and 12,000 baskets. The trained weights are cached on disk (folder
    ``cache_dir``, else ``$PROFILING_CACHE``, else ``~/.cache/profiling``) under a key made of the
    settings, the torch version and a SHA-256 of the training baskets; a corrupt or stale file is
    warned about (``CacheWarning``) and replaced. The file also holds what the weights give (each
    customer's state, the item embeddings and biases), so a cache hit does not even import torch.

    A customer's score of an item is the dot product of the state after their latest basket with
    the item's embedding, plus the item's bias; that state is their **embedding**
    (:meth:`customer_vectors`). Customers unknown at ``fit`` get the popularity order.

    Parameters
    ----------
    dim : int, default 32
        Embedding size.
    n_blocks : int, default 2
    n_heads : int, default 1
        Attention heads (must divide ``dim``).
    max_baskets : int, default 20
        Longest history read (the latest baskets).
    dropout : float, default 0.2
    epochs : int, default 15
    batch_size : int, default 32
        Sequences per step.
    learning_rate : float, default 0.005
    weight_decay : float, default 0.0
        L2 penalty of Adam.
    random_state : int, default 0
        Seed of the initial weights, the dropout and the order of the sequences.
    threads : int, default 1
        torch CPU threads while training and scoring.
    dtype : {"float64", "float32"}, default "float64"
        Precision of the weights and sums: float64 keeps the rounding differences between CPUs far
        below what changes a ranking; float32 trains faster.
    cache : bool, default True
        Read and write the weights cache.
    cache_dir : str or None, default None

    Fitted attributes
    -----------------
    loss_history_ : ndarray (epochs,)
        Mean training loss of each epoch (cross-entropy per next-basket item, in nats).
    cache_status_ : str
        ``"hit"`` (weights read from disk), ``"miss"`` (trained and stored), ``"rebuilt"`` (a bad
        file was replaced) or ``"off"``.
    training_seconds_ : float
        Time spent training in this ``fit`` (0 on a cache hit).
    last_basket_time_ : Timestamp
        The moment of the latest basket in the training sequences.

    Example
    -------
    Customers buy ``p`` then ``q`` then ``r``, or ``s`` then ``t`` then ``u``; a newcomer whose last
    basket was ``p`` is offered ``q``:

    >>> import pandas as pd
    >>> rows = [(f"{g}{n}", item, f"{g}{n}-{step}", step) for g, chain in [("a", "pqr"), ("b", "stu")]
    ...         for n in range(8) for step, item in enumerate(chain)]
    >>> lines = pd.DataFrame(rows + [("new", "p", "new-0", 0)], columns=["customer_id", "item", "invoice_id", "day"])
    >>> lines["timestamp"] = pd.Timestamp("2010-01-01") + pd.to_timedelta(lines.pop("day"), unit="D")
    >>> model = SASRec(dim=8, epochs=60, learning_rate=0.01, cache=False, random_state=0).fit(lines)
    >>> model.recommend(["new"], k=1, exclude="seen")["item"].tolist(), model.customer_vectors(["new"]).shape
    (['q'], (1, 8))
    """

    reason_label = "follows your recent orders"

    def __init__(self, dim: int = 32, n_blocks: int = 2, n_heads: int = 1, max_baskets: int = 20, dropout: float = 0.2,
                 epochs: int = 15, batch_size: int = 32, learning_rate: float = 0.005, weight_decay: float = 0.0,
                 random_state: int = 0, threads: int = 1, dtype: str = "float64", cache: bool = True,
                 cache_dir: Any = None) -> None:
        self.dim = dim
        self.n_blocks = n_blocks
        self.n_heads = n_heads
        self.max_baskets = max_baskets
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.random_state = random_state
        self.threads = threads
        self.dtype = dtype
        self.cache = cache
        self.cache_dir = cache_dir

    # -- settings and data ---------------------------------------------------------------------
    def _settings(self) -> dict[str, Any]:
        from importlib.metadata import version

        where = "SASRec.fit"
        dim = check_positive_int(self.dim, where, "dim")
        heads = check_positive_int(self.n_heads, where, "n_heads")
        if dim % heads:
            raise ValueError(f"{where}: n_heads ({heads}) must divide dim ({dim}).")
        for name in ("n_blocks", "max_baskets", "epochs", "batch_size", "threads"):
            check_positive_int(getattr(self, name), where, name)
        if not 0.0 <= float(self.dropout) < 1.0:
            raise ValueError(f"{where}: dropout must be in [0, 1), got {self.dropout!r}.")
        if not float(self.learning_rate) > 0 or not float(self.weight_decay) >= 0:
            raise ValueError(f"{where}: learning_rate must be > 0 and weight_decay >= 0, got "
                             f"{self.learning_rate!r} and {self.weight_decay!r}.")
        params = self.get_params()
        for name in ("cache", "cache_dir", "threads"):
            params.pop(name)
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"{where}: dtype must be 'float64' or 'float32', got {self.dtype!r}.")
        params = {k: (v if isinstance(v, str) else float(v) if isinstance(v, float) else int(v)) for k, v in params.items()}
        return {**params, "torch": version("torch").split("+")[0]}

    def _fit(self) -> None:
        settings = self._settings()
        table = _baskets(self, self._training_frame)
        self.last_basket_time_ = pd.Timestamp(int(table["time"].max()), unit="us")
        # one list of item columns per basket, baskets of a customer contiguous and in order
        first = np.r_[True, (np.diff(table["row"].to_numpy()) != 0) | (np.diff(table["basket"].to_numpy()) != 0)]
        starts = np.flatnonzero(first)
        self._basket_items = np.split(table["col"].to_numpy(dtype=np.int64), starts[1:])
        basket_row = table["row"].to_numpy()[starts]
        self._customer_baskets = np.split(np.arange(len(starts)), np.flatnonzero(np.diff(basket_row)) + 1)
        self._sequence_rows = basket_row[np.r_[0, np.flatnonzero(np.diff(basket_row)) + 1]] if len(starts) else basket_row
        digest = hashlib.sha256()
        for part in (self.items_.to_numpy(dtype=str), self.customers_.to_numpy(dtype=str)):
            digest.update("\x1f".join(part.tolist()).encode("utf-8"))
        digest.update(table[["row", "basket", "col"]].to_numpy(dtype=np.int64).tobytes())
        key = weights_cache_key(settings, digest.hexdigest())
        arrays = _read_weights(key, self.cache_dir) if self.cache else None
        self.training_seconds_ = 0.0
        if arrays is not None:
            # a hit needs no torch: the file holds the weights and what they give (the states after each
            # customer's latest basket, the item embeddings and biases)
            self.cache_status_ = "hit"
            self.loss_history_ = arrays["loss_history"]
            self.customer_vectors_ = arrays["customer_vectors"]
            self.item_vectors_ = arrays["item.weight"].astype(np.float64)
            self.item_bias_ = arrays["bias"].astype(np.float64)
        else:
            existed = self.cache and any(p.exists() for p in _weights_paths(key, self.cache_dir))
            model = self._model()
            started = time.perf_counter()
            self.loss_history_ = self._train(model)
            self.training_seconds_ = time.perf_counter() - started
            self._embed_customers(model)
            if self.cache:
                state = {name: t.detach().numpy().copy() for name, t in model.state_dict().items()}
                _write_weights(key, {**state, "loss_history": self.loss_history_,
                                     "customer_vectors": self.customer_vectors_}, self.cache_dir)
                self.cache_status_ = "rebuilt" if existed else "miss"
            else:
                self.cache_status_ = "off"
        del self._basket_items, self._customer_baskets, self._sequence_rows

    # -- the network ---------------------------------------------------------------------------
    def _model(self) -> Any:
        import torch

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(self.random_state))
            return _SASRecNet(len(self.items_), int(self.dim), int(self.n_blocks), int(self.n_heads),
                              int(self.max_baskets), float(self.dropout)).to(getattr(torch, self.dtype))

    def _windows(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(input baskets, target baskets) per training window: up to max_baskets steps, each with a next basket."""
        L = int(self.max_baskets)
        out = []
        for baskets in self._customer_baskets:
            end = len(baskets) - 1          # inputs are baskets[start:end], targets baskets[start + 1:end + 1]
            while end > 0:
                start = max(0, end - L)
                out.append((baskets[start:end], baskets[start + 1:end + 1]))
                end = start
        return out

    def _batch(self, inputs: list[np.ndarray]) -> tuple[Any, Any, Any]:
        """EmbeddingBag input (items, offsets) and the (B, L) mask of real steps (L: the longest); sequences start at step 0."""
        import torch

        L = max(len(seq) for seq in inputs)
        sizes = np.zeros((len(inputs), L), dtype=np.int64)
        items = []
        for b, seq in enumerate(inputs):
            baskets = [self._basket_items[i] for i in seq]
            sizes[b, :len(seq)] = [len(x) for x in baskets]
            items.extend(baskets)
        offsets = np.r_[0, np.cumsum(sizes.ravel())[:-1]]
        flat = np.concatenate(items) if items else np.zeros(0, dtype=np.int64)
        mask = np.zeros((len(inputs), L), dtype=bool)
        for b, seq in enumerate(inputs):
            mask[b, :len(seq)] = True
        return torch.from_numpy(flat), torch.from_numpy(offsets), torch.from_numpy(mask)

    def _targets(self, targets: list[np.ndarray], dtype: Any) -> Any:
        """Soft labels, one row per real step (row-major over the batch): 1 / size on each item of the next basket."""
        import torch

        n = sum(len(t) for t in targets)
        out = np.zeros((n, len(self.items_)))
        row = 0
        for seq in targets:
            for basket in seq:
                cols = self._basket_items[basket]
                out[row, cols] = 1.0 / len(cols)
                row += 1
        return torch.from_numpy(out).to(dtype)

    def _train(self, model: Any) -> np.ndarray:
        import torch

        windows = self._windows()
        history = np.zeros(int(self.epochs))
        if not windows:
            return history
        rng = np.random.default_rng(int(self.random_state))
        previous = torch.get_num_threads()
        torch.set_num_threads(int(self.threads))
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(int(self.random_state) + 1)
                optimizer = torch.optim.Adam(model.parameters(), lr=float(self.learning_rate),
                                             weight_decay=float(self.weight_decay))
                model.train()
                lengths = np.array([len(w[0]) for w in windows])
                dtype = model.item.weight.dtype
                for epoch in range(int(self.epochs)):
                    total, count = 0.0, 0
                    # batches of windows of similar length (little padding), in a seeded random order
                    order = np.lexsort((rng.random(len(windows)), lengths))
                    batches = [order[i:i + int(self.batch_size)] for i in range(0, len(order), int(self.batch_size))]
                    for pick in rng.permutation(len(batches)):
                        chosen = [windows[i] for i in batches[pick]]
                        items, offsets, mask = self._batch([w[0] for w in chosen])
                        labels = self._targets([w[1] for w in chosen], dtype)
                        states = model(items, offsets, mask)[mask]          # real steps, row-major
                        # cross-entropy against the next basket: mean over its items of -log p(item)
                        loss = torch.nn.functional.cross_entropy(model.logits(states), labels)
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                        total += float(loss.detach()) * len(labels)
                        count += len(labels)
                    history[epoch] = total / count
        finally:
            torch.set_num_threads(previous)
        return history

    def _embed_customers(self, model: Any) -> None:
        import torch

        L = int(self.max_baskets)
        vectors = np.zeros((len(self.customers_), int(self.dim)))
        previous = torch.get_num_threads()
        torch.set_num_threads(int(self.threads))
        try:
            model.eval()
            with torch.no_grad():
                for start in range(0, len(self._customer_baskets), 512):
                    seqs = [b[-L:] for b in self._customer_baskets[start:start + 512]]
                    items, offsets, mask = self._batch(seqs)
                    last = torch.tensor([len(q) - 1 for q in seqs])
                    states = model(items, offsets, mask)[torch.arange(len(seqs)), last]
                    vectors[self._sequence_rows[start:start + 512]] = states.double().numpy()
                self.item_vectors_ = model.item.weight.detach().double().numpy().copy()
                self.item_bias_ = model.bias.detach().double().numpy().copy()
        finally:
            torch.set_num_threads(previous)
        self.customer_vectors_ = vectors

    # -- scoring -------------------------------------------------------------------------------
    def _score(self, rows: np.ndarray) -> np.ndarray:
        out = np.zeros((len(rows), len(self.items_)))
        ok = rows >= 0
        if ok.any():
            with one_thread():
                out[ok] = self.customer_vectors_[rows[ok]] @ self.item_vectors_.T + self.item_bias_
        return out

    def customer_vectors(self, customers: Any) -> pd.DataFrame:
        """The state after each customer's latest basket (a profile vector): a frame, one row per customer.

        Customers unknown at ``fit`` get a row of zeros.
        """
        self._check_fitted("customer_vectors")
        index, rows = self._customer_rows(customers)
        out = np.zeros((len(index), self.customer_vectors_.shape[1]))
        out[rows >= 0] = self.customer_vectors_[rows[rows >= 0]]
        return pd.DataFrame(out, index=index, columns=[f"sasrec_{j}" for j in range(out.shape[1])])

    def reason(self, customer: Any, item: Any) -> str:
        self._check_fitted("reason")
        col = self._item_col(item)
        row = self.customers_.get_indexer([str(customer)])[0]
        if col < 0 or row < 0:
            return super().reason(customer, item)
        return tr("often bought next by customers whose recent orders look like yours")


def _sasrec_net() -> Any:
    """The torch module class (built on first use, so that importing this module does not import torch)."""
    import torch
    from torch import nn

    class Block(nn.Module):
        def __init__(self, dim: int, heads: int, dropout: float) -> None:
            super().__init__()
            self.norm1 = nn.LayerNorm(dim)
            self.attention = nn.MultiheadAttention(dim, heads, dropout=dropout, batch_first=True)
            self.norm2 = nn.LayerNorm(dim)
            self.feed = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Dropout(dropout), nn.Linear(dim, dim))
            self.drop = nn.Dropout(dropout)

        def forward(self, x: Any, blocked: Any) -> Any:
            h = self.norm1(x)
            a, _ = self.attention(h, h, h, attn_mask=blocked, need_weights=False)
            x = x + self.drop(a)
            return x + self.drop(self.feed(self.norm2(x)))

    class Net(nn.Module):
        def __init__(self, n_items: int, dim: int, n_blocks: int, heads: int, max_len: int, dropout: float) -> None:
            super().__init__()
            self.dim, self.heads = dim, heads
            self.item = nn.Embedding(n_items, dim)
            nn.init.normal_(self.item.weight, std=dim ** -0.5)
            self.position = nn.Embedding(max_len, dim)
            nn.init.normal_(self.position.weight, std=dim ** -0.5)
            self.bias = nn.Parameter(torch.zeros(n_items))
            self.blocks = nn.ModuleList([Block(dim, heads, dropout) for _ in range(n_blocks)])
            self.norm = nn.LayerNorm(dim)
            self.drop = nn.Dropout(dropout)

        def forward(self, items: Any, offsets: Any, mask: Any) -> Any:
            B, L = mask.shape
            baskets = nn.functional.embedding_bag(items, self.item.weight, offsets, mode="mean").reshape(B, L, -1)
            x = self.drop(baskets + self.position.weight[None, :L, :]) * mask[..., None]
            # a step sees itself and the steps before it: causal; the padding after the last real
            # step is never seen by a real step
            blocked = torch.ones(L, L, dtype=torch.bool).triu(1)
            for block in self.blocks:
                x = block(x, blocked) * mask[..., None]
            return self.norm(x)

        def logits(self, states: Any) -> Any:
            return states @ self.item.weight.T + self.bias

    return Net


def _SASRecNet(*args: Any) -> Any:  # noqa: N802 - a factory that reads like the class it builds
    return _sasrec_net()(*args)
