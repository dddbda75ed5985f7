"""``python -m profiling``: the same as the ``profiling`` command (see :mod:`profiling.cli`)."""

import sys

from profiling.cli import main

if __name__ == "__main__":  # (importing the module, e.g. to collect doctests, runs nothing)
    sys.exit(main())
