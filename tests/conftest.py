"""Shared test helpers: run a chapter notebook with papermill and read back what it recorded."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest

from profiling.report import read_records

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture
def run_chapter(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """Execute ``notebooks/<name>`` with papermill and the given parameters; return its records.

    Usage: ``records = run_chapter("02_user_profiles.ipynb", sample_customers=300)``.
    The executed copy goes to a temporary folder; the stored notebook is never touched.
    """
    import papermill as pm

    def _run(name: str, **parameters: Any) -> dict[str, Any]:
        source = NOTEBOOKS / name
        output = tmp_path / name
        pm.execute_notebook(
            str(source),
            str(output),
            parameters=parameters,
            cwd=str(NOTEBOOKS),
            kernel_name="python3",
            progress_bar=False,
            request_save_on_cell_execute=False,
        )
        return read_records(output)

    return _run
