"""Repository-wide pytest setup: markers, parallel grouping and how nbval compares recorded results.

Loaded for every pytest run from the repository root (``make test``, ``make test-fast``,
``pytest notebooks --nbval``), so that the same rules hold however the tests are started.

* **Markers.** Every nbval cell is marked ``notebook``; every test that executes a chapter with
  papermill (it uses the ``run_chapter`` fixture) is marked ``notebook`` and ``slow``. ``make
  test-fast`` deselects both.
* **Parallel runs.** With pytest-xdist the cells of one notebook share one kernel, so ``make test``
  passes ``--dist loadfile``: each file (a notebook, a test module) runs in order on one worker.
  (``--dist loadgroup`` with ``xdist_group`` marks does not group with pytest 9 and xdist 3.8: xdist
  renames ``item._nodeid``, which pytest 9 no longer reads.)
* **Recorded results under nbval.** A chapter records its headline numbers with
  :func:`profiling.report.record`, unrounded, so that tests can check them finely. nbval would
  compare them digit for digit, and the last digits of a float differ between CPUs and BLAS
  kernels. Here they are compared with a stated tolerance instead (:data:`RECORD_RTOL`); every
  other output is compared by nbval unchanged. What the reader sees is rounded to the digits its
  uncertainty supports (see the README, "Stored outputs on any CPU").
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from profiling.report import MIME_TYPE

#: Relative tolerance for recorded floats under nbval. A recomputed value differs from the stored
#: one by floating-point rounding (about 1e-12 relative with float64 BLAS), by a near-tie decided
#: the other way (one customer's list in ~1,000: about 1e-3). ALS at implicit's default
#: regularization, whose conjugate-gradient fit amplified rounding to 1.2e-3 between the default and
#: the Sandybridge OpenBLAS kernel, is no longer used by any chapter; the margin is kept for such
#: cases. The quality bars of the stored-results tests are 1-2 % wide; a difference beyond 0.5 % is a
#: different result, and fails.
RECORD_RTOL = 5e-3
#: Absolute tolerance, for values that are 0 in one run and 1e-17 in another.
RECORD_ATOL = 1e-9


def records_close(stored: Any, computed: Any, where: str = "") -> list[str]:
    """Differences between two recorded values beyond the tolerance, as readable lines (empty: equal).

    Floats are compared with :data:`RECORD_RTOL` / :data:`RECORD_ATOL`; strings, ints, booleans and
    ``None`` exactly; lists and dicts element by element (same keys, same lengths).
    """
    if isinstance(stored, bool) or isinstance(computed, bool) or stored is None or computed is None:
        return [] if stored == computed and type(stored) is type(computed) else [f"{where}: {stored!r} != {computed!r}"]
    if isinstance(stored, (int, float)) and isinstance(computed, (int, float)):
        if isinstance(stored, int) and isinstance(computed, int):
            return [] if stored == computed else [f"{where}: {stored} != {computed}"]
        if math.isclose(stored, computed, rel_tol=RECORD_RTOL, abs_tol=RECORD_ATOL):
            return []
        return [f"{where}: {stored!r} != {computed!r} (beyond rel {RECORD_RTOL:g})"]
    if isinstance(stored, dict) and isinstance(computed, dict):
        if set(stored) != set(computed):
            return [f"{where}: keys {sorted(stored)} != {sorted(computed)}"]
        return [d for key in stored for d in records_close(stored[key], computed[key], f"{where}[{key!r}]")]
    if isinstance(stored, list) and isinstance(computed, list):
        if len(stored) != len(computed):
            return [f"{where}: {len(stored)} items != {len(computed)} items"]
        return [d for i, (a, b) in enumerate(zip(stored, computed)) for d in records_close(a, b, f"{where}[{i}]")]
    return [] if stored == computed else [f"{where}: {stored!r} != {computed!r}"]


def _split_records(outputs: list) -> tuple[list, list]:
    """(outputs without the record MIME type, the record payloads in order)."""
    rest, found = [], []
    for out in outputs:
        data = out.get("data") if hasattr(out, "get") else None
        if data and MIME_TYPE in data:
            found.append(data[MIME_TYPE])
            others = {k: v for k, v in data.items() if k != MIME_TYPE}
            if not others:
                continue
            from nbformat import NotebookNode

            out = NotebookNode({**out, "data": NotebookNode(others)})
        rest.append(out)
    return rest, found


def _patch_nbval() -> None:
    """Make nbval compare recorded results with :func:`records_close` (other outputs unchanged)."""
    try:
        from nbval.plugin import IPyNbCell
    except ImportError:  # nbval not installed: nothing to patch
        return
    if getattr(IPyNbCell, "_records_with_tolerance", False):
        return
    original = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):  # noqa: ANN001 - nbval's signature
        test_rest, test_records = _split_records(test)
        ref_rest, ref_records = _split_records(ref)
        problems: list[str] = []
        if len(test_records) != len(ref_records):
            problems.append(f"{len(ref_records)} stored record(s), {len(test_records)} computed")
        for stored, computed in zip(ref_records, test_records):
            name = stored.get("name") if isinstance(stored, dict) else None
            problems += records_close(stored, computed, f"record {name!r}")
        if problems:
            self.comparison_traceback = ["Recorded results differ (tolerance: rel "
                                         f"{RECORD_RTOL:g}, abs {RECORD_ATOL:g}):"] + problems
            return False
        return original(self, test_rest, ref_rest, skip_compare)

    IPyNbCell.compare_outputs = compare_outputs
    IPyNbCell._records_with_tolerance = True


_patch_nbval()


def pytest_itemcollected(item: pytest.Item) -> None:
    """Mark each test as it is collected."""
    if type(item).__name__ == "IPyNbCell":
        item.add_marker(pytest.mark.notebook)
    elif "run_chapter" in getattr(item, "fixturenames", ()):
        item.add_marker(pytest.mark.notebook)
        item.add_marker(pytest.mark.slow)
    elif type(item).__name__ == "DoctestItem":
        # Docstring examples that load the transformer take seconds (the model's weights): `slow`, so
        # that `make test-fast` stays the quick loop; `make test` runs them.
        source = "".join(example.source for example in item.dtest.examples)
        if any(call in source for call in _MODEL_CALLS):
            item.add_marker(pytest.mark.slow)


#: Calls that load the bundled sentence transformer.
_MODEL_CALLS = ("load_model(", "SentenceEmbedder(", "embed([", "make_embedder(\"minilm\"")

