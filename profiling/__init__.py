"""Building e-commerce user profiles with machine learning and large models.

The course's reusable, tested code. Notebooks in ``notebooks/`` tell the story and call it; the
book's appendix "The package at a glance" maps each step to its module.

Steps: :mod:`~profiling.datasets` (collect), :mod:`~profiling.cleaning` (clean, fuse),
:mod:`~profiling.features`, :mod:`~profiling.embeddings` and :mod:`~profiling.interests` (features),
:mod:`~profiling.models` and :mod:`~profiling.tuning` (model), :mod:`~profiling.tags`,
:mod:`~profiling.segments` and :mod:`~profiling.profiles` (tag), :mod:`~profiling.recommend`,
:mod:`~profiling.marketing` and :mod:`~profiling.uplift` (apply), :mod:`~profiling.privacy` and
:mod:`~profiling.quality` (improve, responsibly), :mod:`~profiling.cli` (the ``profiling`` command).

One home per idea: :mod:`~profiling.stats` (bootstrap, intervals, their reading),
:mod:`~profiling.validation` (input checks), :mod:`~profiling.windows` (cutoff and window),
:mod:`~profiling.numeric`, :mod:`~profiling.storage` (locations, atomic writes),
:mod:`~profiling.chapter` (a chapter's opening), :mod:`~profiling.plots`, :mod:`~profiling.report`.
"""

__version__ = "0.1.0"

__all__ = ["ProfilingWarning", "__version__"]


class ProfilingWarning(UserWarning):
    """Base class of every warning the package gives (the tests turn them into errors).

    A warning here means something in the user's data or cache deserves a look (an unknown
    country, a corrupt cache file): catch it with ``warnings.catch_warnings`` or filter on this
    class, never on ``UserWarning`` as a whole.
    """
