"""Clean canonical transactions with named, documented rules, and fuse a country reference table.

The subpackage is split by role; everything public is importable from here, e.g.
``from profiling import cleaning; cleaning.clean(tx)``:

- :mod:`~profiling.cleaning.rules`: the cleaning. :func:`clean` applies a list of :class:`Rule`
  objects in order (``kind="filter"`` removes rows, ``kind="transform"`` rewrites values) and
  accounts for every rule in the cleaning report (rows, customers and revenue removed, rows
  changed, what is left after it): nothing is dropped silently. :func:`default_rules` are the
  course's rules, in order: ``duplicates``, ``missing_customer``, ``non_product``
  (:func:`is_non_product`), ``cancellations`` (:func:`is_cancellation`,
  :func:`match_cancellations`), ``returns``, ``bad_price``, ``extreme_quantity``
  (:func:`extreme_quantity_mask`), ``normalize_description`` (:func:`normalize_description`).
  Every rule looks only at the values of the rows, never at their position, so shuffling the
  input gives the same cleaned lines and the same report (tested with hypothesis).
- :mod:`~profiling.cleaning.fusion`: the fusion. :func:`load_countries` reads the shipped
  reference table ``data/countries.csv`` (see ``data/countries.md`` for its sources);
  :func:`fuse` joins it to transactions and :func:`basic_attributes` builds one row of "basic
  attributes" per customer.

Example
-------
>>> from profiling import datasets, cleaning
>>> tx = datasets.make_transactions(100, random_state=0)
>>> clean_tx, report = cleaning.clean(tx)
>>> attrs = cleaning.basic_attributes(clean_tx)
>>> int(report["rows_removed"].sum()) == len(tx) - len(clean_tx), attrs.shape
(True, (100, 9))
"""

from profiling.cleaning.fusion import (
    ATTRIBUTE_COLUMNS,
    COUNTRY_COLUMNS,
    UNKNOWN_REGION,
    basic_attributes,
    fuse,
    load_countries,
)
from profiling.cleaning.rules import (
    NON_PRODUCT_CODES,
    NON_PRODUCT_PATTERNS,
    REPORT_COLUMNS,
    RETURN_RULES,
    Rule,
    clean,
    default_rules,
    extreme_quantity_mask,
    is_cancellation,
    is_non_product,
    match_cancellations,
    normalize_description,
)

__all__ = [
    # rules
    "NON_PRODUCT_CODES",
    "NON_PRODUCT_PATTERNS",
    "REPORT_COLUMNS",
    "RETURN_RULES",
    "Rule",
    "default_rules",
    "clean",
    "is_cancellation",
    "is_non_product",
    "match_cancellations",
    "extreme_quantity_mask",
    "normalize_description",
    # fusion
    "COUNTRY_COLUMNS",
    "ATTRIBUTE_COLUMNS",
    "UNKNOWN_REGION",
    "load_countries",
    "fuse",
    "basic_attributes",
]
