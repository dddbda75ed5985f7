"""Privacy for profile tables: pseudonyms, k-anonymity, generalization, differential privacy, minimization.

A profile table (one row per customer, :func:`profiling.profiles.build_profiles`) is personal data:
even without a name, a customer id is a direct identifier, and a rare combination of harmless-looking
columns (country, how long they have been a customer, how much they spend) can single a person out.
This subpackage gives the measured tools chapter 11 uses, split by role; everything public is
importable from here, e.g. ``from profiling import privacy; privacy.pseudonymize(ids, key=key)``:

- :mod:`~profiling.privacy.pseudonyms`: :func:`pseudonymize` replaces ids by a **keyed hash**
  (HMAC-SHA256). The same id and key always give the same pseudonym, so tables can still be joined;
  without the key nobody can recompute the pseudonym of a known id (a plain, unkeyed hash of a
  5-digit id is reversed by hashing all 100,000 possible ids). The key is a parameter
  (:func:`new_key` makes one): it is never stored in any output of this package. Pseudonymized
  data is still personal data (GDPR Recital 26): whoever holds the key can link it back.
- :mod:`~profiling.privacy.anonymity`: :func:`equivalence_classes`, :func:`k_anonymity`,
  :func:`anonymity_summary` -- how many records share each combination of **quasi-identifiers**;
  the table is *k*-anonymous if every combination occurs at least *k* times (Sweeney, 2002).
  :func:`generalize` coarsens quasi-identifiers one hierarchy level at a time (country -> region
  -> UK / rest -> ``*``; levels built with :func:`bands`, :func:`mapping`, :func:`suppress`) until
  the table is *k*-anonymous, optionally suppressing a bounded share of records, and reports what
  every step costs (:class:`Generalization`).
- :mod:`~profiling.privacy.dp`: :func:`laplace_mechanism`, :func:`laplace_scale`,
  :func:`dp_aggregates`, :func:`dp_error` -- publish segment-level counts and means with
  **differential privacy** (Dwork, McSherry, Nissim & Smith, 2006); the module's page says what
  the guarantee means and what it costs.
- :mod:`~profiling.privacy.minimization`: :func:`minimization_table` -- which profile columns each
  application really needs.

Example
-------
>>> import pandas as pd
>>> from profiling import privacy
>>> ids = pd.Series(["12346", "12347"])
>>> privacy.pseudonymize(ids, key="a secret key of 16+ bytes").str.len().tolist()
[16, 16]
>>> frame = pd.DataFrame({"country": ["UK", "UK", "FR"], "tier": ["low", "low", "high"]})
>>> privacy.k_anonymity(frame, ["country", "tier"])
1
"""

from profiling.privacy.anonymity import (
    SUPPRESSED,
    Generalization,
    Level,
    anonymity_summary,
    bands,
    equivalence_classes,
    generalize,
    k_anonymity,
    mapping,
    suppress,
)
from profiling.privacy.dp import dp_aggregates, dp_error, laplace_mechanism, laplace_scale
from profiling.privacy.minimization import minimization_table
from profiling.privacy.pseudonyms import MIN_KEY_BYTES, new_key, pseudonymize

__all__ = [
    # pseudonyms
    "MIN_KEY_BYTES",
    "new_key",
    "pseudonymize",
    # anonymity
    "SUPPRESSED",
    "Level",
    "anonymity_summary",
    "bands",
    "equivalence_classes",
    "Generalization",
    "generalize",
    "k_anonymity",
    "mapping",
    "suppress",
    # dp
    "dp_aggregates",
    "dp_error",
    "laplace_mechanism",
    "laplace_scale",
    # minimization
    "minimization_table",
]
