"""``python -m profiling``: the same as the ``profiling`` command (see :mod:`profiling.cli`)."""

import sys

from profiling.cli import main

sys.exit(main())
