"""Record results inside a notebook and read them back from an executed notebook.

A chapter calls :func:`record` for the few numbers that tests (and the report command) check.
The value is displayed under a private MIME type, so it is stored in the notebook's outputs but
is not shown in the book; :func:`read_records` reads them back from a notebook file that
papermill (or anything else) executed.

Example
-------
Outside a notebook the record is printed as its MIME bundle; a test reads it back from the file:

>>> record("n_customers", 4383)
{'application/x.profiling.record+json': {'name': 'n_customers', 'value': 4383}}
>>> import json, tempfile
>>> from pathlib import Path
>>> out = {"data": {MIME_TYPE: {"name": "n_customers", "value": 4383}}, "output_type": "display_data"}
>>> with tempfile.TemporaryDirectory() as folder:
...     path = Path(folder) / "out.ipynb"
...     _ = path.write_text(json.dumps({"cells": [{"cell_type": "code", "outputs": [out]}]}))
...     read_records(path)["n_customers"]
4383
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MIME_TYPE",
    "read_records",
    "record",
]

MIME_TYPE = "application/x.profiling.record+json"


def _plain(value: Any) -> Any:
    """Convert numpy / pandas scalars and containers to plain JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def record(name: str, value: Any) -> None:
    """Store ``value`` under ``name`` in the running notebook's outputs (JSON-serializable)."""
    from IPython.display import display

    payload = {"name": name, "value": _plain(value)}
    json.dumps(payload)  # fail here, with the name, rather than in the notebook writer
    display({MIME_TYPE: payload}, raw=True)


def read_records(notebook: str | Path) -> dict[str, Any]:
    """All values recorded with :func:`record` in an executed notebook, by name (last one wins)."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    found: dict[str, Any] = {}
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            payload = out.get("data", {}).get(MIME_TYPE)
            if payload is not None:
                if isinstance(payload, str):
                    payload = json.loads(payload)
                found[payload["name"]] = payload["value"]
    return found
