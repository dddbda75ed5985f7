"""numeric: threads, the log standardizer, row normalisations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse
from threadpoolctl import threadpool_info

from profiling import numeric


def test_log_standardizer_handles_skew() -> None:
    # a net return (negative), a zero, ordinary shoppers and one 100,000 wholesaler
    X = pd.DataFrame({"spend": [-50.0, 0.0, 1.0, 10.0, 100.0, 100_000.0], "count": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    Z = np.asarray(numeric.log_standardizer().fit_transform(X))
    assert np.allclose(Z.mean(axis=0), 0) and np.allclose(Z.std(axis=0), 1)
    # exactly sign(x) * log1p(|x|), then standardized with the population standard deviation
    logged = np.sign(X.to_numpy()) * np.log1p(np.abs(X.to_numpy()))
    expected = (logged - logged.mean(axis=0)) / logged.std(axis=0)
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-12)
    spend = Z[:, 0]
    assert (np.diff(spend) > 0).all()                          # monotone: the order of customers is kept
    # what only the log gives: the ordinary customers stay apart (1 and 100 are > 0.5 sd apart; standardizing
    # the raw amounts puts them 0.003 sd apart) and the wholesaler is not at the largest z-score 6 rows allow
    assert spend[4] - spend[2] > 0.5
    assert spend[5] < 0.9 * np.sqrt(len(X) - 1)


def test_signed_log1p() -> None:
    np.testing.assert_allclose(numeric.signed_log1p(np.array([-np.e + 1, 0.0, np.e - 1])), [-1.0, 0.0, 1.0])


def test_unit_rows_dense_and_sparse_agree() -> None:
    m = np.array([[3.0, 4.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]])
    dense = numeric.unit_rows(m)
    np.testing.assert_allclose(np.linalg.norm(dense, axis=1), [1.0, 0.0, 1.0])
    sp = numeric.unit_rows(sparse.csr_matrix(m))
    assert sparse.isspmatrix_csr(sp)
    np.testing.assert_allclose(sp.toarray(), dense)


def test_row_minmax() -> None:
    out = numeric.row_minmax(np.array([[2.0, 4.0, 3.0], [1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(out, [[0.0, 1.0, 0.5], [0.0, 0.0, 0.0]])


def test_one_thread_limits_blas_and_restores() -> None:
    before = {i["internal_api"]: i["num_threads"] for i in threadpool_info()}

    @numeric.single_threaded
    def inside() -> dict[str, int]:
        return {i["internal_api"]: i["num_threads"] for i in threadpool_info()}

    assert set(inside().values()) <= {1}
    assert {i["internal_api"]: i["num_threads"] for i in threadpool_info()} == before
    if not before:
        pytest.skip("no BLAS/OpenMP pool loaded in this process")
