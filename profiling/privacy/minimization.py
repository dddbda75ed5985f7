"""Data minimization: which profile columns each application really needs, and which none does.

Example
-------
>>> table = minimization_table(["country", "monetary", "email"], {"churn model": ["monetary"],
...                                                                "segment report": ["country", "monetary"]})
>>> table["verdict"].to_dict()
{'country': 'keep', 'monetary': 'keep', 'email': 'drop (no application)'}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

__all__ = ["minimization_table"]


def minimization_table(columns: Iterable[str], needs: Mapping[str, Iterable[str]]) -> pd.DataFrame:
    """Which columns each application needs, and which columns no application needs.

    Parameters
    ----------
    columns : iterable of str
        The columns of the table being published or kept (e.g. the profile table's columns).
    needs : dict
        ``{application: [columns it reads]}``. Every named column must be in ``columns``.

    Returns
    -------
    DataFrame
        Index: the columns (in the given order). One boolean column per application, ``used_by``
        (how many applications read it) and ``verdict``: ``"keep"`` or ``"drop (no application)"``.

    Example
    -------
    >>> minimization_table(["a", "b"], {"churn model": ["a"]})["verdict"].tolist()
    ['keep', 'drop (no application)']
    """
    cols = list(columns)
    if len(set(cols)) < len(cols):
        raise ValueError("minimization_table: columns repeat a name")
    if not needs:
        raise ValueError("minimization_table: needs is empty; give {application: [columns]}")
    table = pd.DataFrame(index=pd.Index(cols, name="column"))
    for app, used in needs.items():
        if isinstance(used, str):
            raise TypeError(f"minimization_table: the columns of {app!r} must be a list, got the string {used!r}")
        used = list(used)
        unknown = [c for c in used if c not in table.index]
        if unknown:
            raise ValueError(f"minimization_table: application {app!r} names column(s) {unknown} that are not in columns")
        table[app] = table.index.isin(used)
    table["used_by"] = table[list(needs)].sum(axis=1).astype("int64")
    table["verdict"] = np.where(table["used_by"] > 0, "keep", "drop (no application)")
    return table
