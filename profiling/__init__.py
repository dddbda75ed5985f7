"""Building e-commerce user profiles with machine learning and large models.

The course's reusable, tested code. Notebooks in ``notebooks/`` tell the story and call it.
"""

__version__ = "0.1.0"
