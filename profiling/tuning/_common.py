"""Helpers shared by the tuning modules."""

from __future__ import annotations

import warnings


def ignore_known_warnings() -> None:
    """Inside ``warnings.catch_warnings()``: silence the one expected scikit-learn warning, no other.

    The quantile scaling on a small cross-validation fold warns that ``n_quantiles`` exceeds the
    rows and uses the rows instead, which is what the course wants; any other warning shows.
    """
    warnings.filterwarnings("ignore", message=r"n_quantiles \(\d+\) is greater than the total number of samples",
                            category=UserWarning)
