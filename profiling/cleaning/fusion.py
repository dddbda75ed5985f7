"""Fuse a country reference table onto transactions, and one row of basic attributes per customer.

:func:`load_countries` reads the shipped reference table ``data/countries.csv`` (see
``data/countries.md`` for its sources); :func:`fuse` joins it to transactions (a left join on
``country``; unknown countries get region ``Unknown`` and a :class:`profiling.ProfilingWarning`)
and :func:`basic_attributes` builds one row of "basic attributes" per customer: where they buy
from and since when.

Example
-------
>>> from profiling.datasets import make_transactions
>>> tx = make_transactions(100, random_state=0)
>>> sorted(set(fuse(tx).columns) - set(tx.columns))
['currency_2010', 'eu_member_2010', 'region']
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from profiling import ProfilingWarning
from profiling.cleaning._checks import as_text, check_columns, check_types
from profiling.datasets import COLUMNS
from profiling.storage import data_dir

__all__ = [
    "COUNTRY_COLUMNS",
    "ATTRIBUTE_COLUMNS",
    "UNKNOWN_REGION",
    "load_countries",
    "fuse",
    "basic_attributes",
]

#: Columns of the country reference table (:func:`load_countries`).
COUNTRY_COLUMNS: list[str] = ["country", "iso2", "region", "eu_member_2010", "currency_2010"]

#: Columns of :func:`basic_attributes` (indexed by ``customer_id``).
ATTRIBUTE_COLUMNS: list[str] = [
    "country",
    "n_countries",
    "region",
    "eu_member_2010",
    "currency_2010",
    "first_purchase",
    "last_purchase",
    "tenure_days",
    "n_invoices",
]

#: Region given to countries with no row in the reference table.
UNKNOWN_REGION = "Unknown"


def load_countries(path: str | Path | None = None) -> pd.DataFrame:
    """The country reference table shipped in ``data/countries.csv`` (provenance: ``data/countries.md``).

    Parameters
    ----------
    path:
        CSV file with columns :data:`COUNTRY_COLUMNS`; ``None`` = ``data_dir() / "countries.csv"``.

    Returns
    -------
    DataFrame, one row per country as written in Online Retail II, columns ``country`` (str),
    ``iso2`` (str, ISO 3166-1 alpha-2, missing where none exists), ``region`` (str, UN M49
    sub-region or ``Unknown``), ``eu_member_2010`` (nullable boolean: EU member on 2010-12-31,
    missing where unknown) and ``currency_2010`` (str, ISO 4217 code in use in 2010, missing
    where unknown), sorted by country.

    Example
    -------
    >>> load_countries().set_index("country").loc["EIRE", "currency_2010"]
    'EUR'
    """
    path = Path(path) if path is not None else data_dir() / "countries.csv"
    if not path.exists():
        raise FileNotFoundError(f"country reference table {path} not found; it ships in the repository's data/ folder.")
    table = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""])
    check_columns(table, COUNTRY_COLUMNS, what=f"country table {path.name}")
    table = table[COUNTRY_COLUMNS].copy()
    if table["country"].isna().any() or table["country"].duplicated().any():
        dup = sorted(table.loc[table["country"].duplicated(), "country"].dropna())
        raise ValueError(f"country table {path.name}: column 'country' must be unique and non-empty; duplicates: {dup}.")
    flags = table["eu_member_2010"].str.strip().str.lower()
    bad = sorted(set(flags.dropna()) - {"true", "false"})
    if bad:
        raise ValueError(f"country table {path.name}: column 'eu_member_2010' must be true/false/empty, found {bad}.")
    table["eu_member_2010"] = flags.map({"true": True, "false": False}).astype("boolean")
    table["region"] = table["region"].fillna(UNKNOWN_REGION)
    for col in ("country", "iso2", "region", "currency_2010"):
        table[col] = table[col].astype("str")
    return table.sort_values("country", kind="stable").reset_index(drop=True)


def _lookup(country: pd.Series, countries: pd.DataFrame | None) -> pd.DataFrame:
    """region / eu_member_2010 / currency_2010 for each value of ``country``; warn on unknown ones."""
    ref = load_countries() if countries is None else countries
    check_columns(ref, ["country", "region", "eu_member_2010", "currency_2010"], what="country table")
    if ref["country"].duplicated().any():
        raise ValueError("country table: column 'country' has duplicates; keep one row per country.")
    ref = ref.set_index("country")
    country = as_text(country)
    # look up each distinct country once, then spread back to the lines (fast on 500k lines)
    codes, uniques = pd.factorize(country, use_na_sentinel=True)
    missing = codes < 0
    unknown = sorted(set(pd.Index(uniques, dtype="str")) - set(ref.index))
    if unknown or missing.any():
        listed = unknown + (["<missing>"] if missing.any() else [])
        warnings.warn(
            f"{len(listed)} country value(s) have no row in the country table and get region "
            f"'{UNKNOWN_REGION}': {listed}. Add them to data/countries.csv to fix this.",
            ProfilingWarning,
            stacklevel=3,
        )
    small = ref.reindex(pd.Index(uniques, dtype="str"))
    safe = np.where(missing, 0, codes)

    def spread(values: pd.Series) -> np.ndarray:
        arr = values.to_numpy(dtype=object, na_value=None)
        if len(arr) == 0:
            return np.full(len(codes), None, dtype=object)
        taken = arr[safe]
        taken[missing] = None
        return taken

    region = pd.Series(spread(small["region"]), index=country.index, dtype="str").fillna(UNKNOWN_REGION)
    eu = pd.Series(spread(small["eu_member_2010"]), index=country.index, dtype="boolean")
    currency = pd.Series(spread(small["currency_2010"]), index=country.index, dtype="str")
    return pd.DataFrame({"region": region, "eu_member_2010": eu, "currency_2010": currency}, index=country.index)


def fuse(transactions: pd.DataFrame, countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Join the country reference table onto transactions (a left join on ``country``).

    Countries with no row in the reference table (and missing countries) get region
    ``"Unknown"`` and missing ``eu_member_2010`` / ``currency_2010``; a ``UserWarning`` lists
    them, so that a user's own data with new country names is noticed but still usable.

    Parameters
    ----------
    transactions:
        Canonical transactions. Never modified.
    countries:
        Reference table with :data:`COUNTRY_COLUMNS`; ``None`` = :func:`load_countries`.

    Returns
    -------
    Copy of ``transactions`` (same rows, same order and index) with columns ``region``,
    ``eu_member_2010`` and ``currency_2010`` added.

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> fused = fuse(make_transactions(100, random_state=0))
    >>> fused.groupby("region")["customer_id"].nunique().to_dict()
    {'Northern Europe': 92, 'Southern Europe': 2, 'Western Europe': 6}
    """
    check_columns(transactions, COLUMNS)
    looked_up = _lookup(transactions["country"], countries)
    out = transactions.copy()
    for col in looked_up.columns:
        out[col] = looked_up[col]
    return out


def basic_attributes(
    transactions: pd.DataFrame,
    countries: pd.DataFrame | None = None,
    cutoff: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row of basic attributes per customer: where they buy from and since when.

    Parameters
    ----------
    transactions:
        Canonical transactions, normally cleaned (:func:`clean`); lines without a customer id are
        ignored.
    countries:
        Reference table (:func:`load_countries` if ``None``).
    cutoff:
        If given, only lines with ``timestamp < cutoff`` are used and tenure is measured up to
        ``cutoff``; otherwise up to the last timestamp in the data.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (str, sorted) with columns :data:`ATTRIBUTE_COLUMNS`:
    ``country`` (the customer's most frequent country by lines; ties broken alphabetically),
    ``n_countries`` (distinct countries seen), ``region``, ``eu_member_2010``, ``currency_2010``
    (of that country, via :func:`fuse`), ``first_purchase``, ``last_purchase`` (timestamps),
    ``tenure_days`` (whole days from the first purchase to the reference date) and
    ``n_invoices`` (distinct invoices).

    Example
    -------
    >>> from profiling.cleaning import clean
    >>> from profiling.datasets import make_transactions
    >>> cleaned, _ = clean(make_transactions(100, random_state=0))
    >>> attrs = basic_attributes(cleaned, cutoff="2010-09-01")
    >>> attrs[["country", "region", "tenure_days"]].head(3).reset_index()
      customer_id         country           region  tenure_days
    0       10002  United Kingdom  Northern Europe           49
    1       10003  United Kingdom  Northern Europe          215
    2       10005            EIRE  Northern Europe           78
    """
    check_columns(transactions, COLUMNS)
    check_types(transactions)
    tx = transactions.loc[transactions["customer_id"].notna(), COLUMNS]
    if cutoff is not None:
        ref_date = pd.Timestamp(cutoff)
        tx = tx.loc[tx["timestamp"] < ref_date]
    else:
        ref_date = transactions["timestamp"].max()
    tx = tx.assign(customer_id=as_text(tx["customer_id"]), country=as_text(tx["country"]))

    counts = tx.groupby(["customer_id", "country"]).size().rename("n").reset_index()
    counts = counts.sort_values(["customer_id", "n", "country"], ascending=[True, False, True], kind="stable")
    main = counts.drop_duplicates("customer_id").set_index("customer_id")["country"]
    g = tx.groupby("customer_id")
    out = pd.DataFrame(
        {
            "country": main.reindex(g.size().index),
            "n_countries": g["country"].nunique(),
            "first_purchase": g["timestamp"].min(),
            "last_purchase": g["timestamp"].max(),
            "n_invoices": g["invoice_id"].nunique(),
        },
        index=g.size().index,
    )
    out.index = out.index.astype("str")
    out.index.name = "customer_id"
    out["country"] = out["country"].astype("str")
    looked_up = _lookup(out["country"], countries) if len(out) else pd.DataFrame(
        {"region": pd.Series(dtype="str"), "eu_member_2010": pd.Series(dtype="boolean"),
         "currency_2010": pd.Series(dtype="str")}, index=out.index)
    for col in looked_up.columns:
        out[col] = looked_up[col]
    out["tenure_days"] = ((ref_date - out["first_purchase"]) // pd.Timedelta(days=1)).astype("int64")
    out["n_countries"] = out["n_countries"].astype("int64")
    out["n_invoices"] = out["n_invoices"].astype("int64")
    return out[ATTRIBUTE_COLUMNS].sort_index(kind="stable")
