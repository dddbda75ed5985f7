"""Building e-commerce user profiles with machine learning and large models.

The course's reusable, tested code. Notebooks in ``notebooks/`` tell the story and call it.
"""

__version__ = "0.1.0"


class ProfilingWarning(UserWarning):
    """Base class of every warning the package gives (the tests turn them into errors).

    A warning here means something in the user's data or cache deserves a look (an unknown
    country, a corrupt cache file): catch it with ``warnings.catch_warnings`` or filter on this
    class, never on ``UserWarning`` as a whole.
    """
