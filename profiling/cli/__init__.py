"""The ``profiling`` command line: the course's profile table and report, run on your own data.

Analysts do not edit notebooks. They point the course at their transactions and get results back::

    profiling columns  orders.csv                                   # their columns + a suggested mapping
    profiling profiles --data orders.csv --columns map.yml --out profiles.parquet
    profiling report   --data orders.csv --columns map.yml --chapters 03,04,06 --out report/

Subcommands
-----------
``columns FILE``
    Prints the file's columns (with example values) and a suggested mapping onto the canonical
    schema (:data:`profiling.datasets.COLUMNS`), found by matching names such as "Customer ID",
    "user", "InvoiceDate". The output is valid YAML (the notes are comments), so
    ``profiling columns orders.csv > map.yml`` gives a mapping file to check and pass to ``--columns``.
``profiles``
    Loads and validates the file, then builds the profile table with the pipeline chapter 06
    calls (:func:`profiling.profiles.profile_table`), and writes it (Parquet, or CSV if ``--out``
    ends in .csv).
``report``
    Validates the data first, writes a canonical copy, then runs the chosen chapter notebooks with
    papermill (the data and the parameters injected), and writes the executed notebooks, an HTML
    rendering of each, the profile table and an ``index.html`` summary.

Chapters on other data
----------------------
* Each chapter gets ``data_path`` = the validated canonical copy (``transactions.parquet`` in the
  report folder), chapter 06 also ``output_path`` = the report's ``profiles.parquet``.
* Parameters whose default is a date of the shipped data (2009-12-01 to 2010-12-09) are moved by
  the number of days between the end of the shipped data and the end of the user's data, so they
  keep their distance to the end of the data; ``--cutoff`` sets the profile-date parameters;
  ``--param name=value`` sets anything and wins (:mod:`profiling.cli.chapters`).
* What a chapter needs and whether it runs by default, each notebook says in its metadata:
  ``{"profiling": {"needs": ["description"], "report": true}}``. A chapter is skipped, with a
  note in ``index.html``, when it needs a column the data lack or when its moved dates fall
  before the data begin.
* Settings: ``--shop-name`` and ``--currency`` reach every chapter that declares ``shop_name`` or
  ``currency`` (``--param`` may set them instead, not as well). Not given, a report on other data
  than the shipped file names the shop after the file (``orders_2021.csv`` -> ``orders_2021``) and
  labels amounts "currency"; on the shipped file the chapters keep their defaults.
* Report mode: cells tagged ``book-only`` (about the shipped data), ``exercise`` or ``solution``
  are removed from the copy of a chapter that runs, so they are neither run nor shown
  (:func:`profiling.cli.chapters.report_notebook`). The book keeps them.

Safety
------
* The input file is only read. The data are validated (:func:`profiling.datasets.load_transactions`)
  before any notebook runs.
* Output is built next to ``--out`` in a hidden temporary file or folder and moved into place only
  when complete; an interrupted run removes it. A chapter that fails does not stop the report:
  the finished chapters and the profile table are moved into place with ``index.html`` listing
  the failure, and the exit code is 3. An existing ``--out`` is never replaced unless ``--force``
  is given, and never when it is (or contains) the input file. What is written has the usual
  permissions (files 0644, folders 0755 under umask 022).
* Data that cannot be profiled stop the command before anything runs, e.g. a file whose every
  line is a return (no purchase): one line naming the file, the column, the problem and the fix.
* Messages give the command-line form of advice (``--encoding gbk``, not ``encoding='gbk'``).
* Exit codes: 0 success; 1 the data cannot be used (message names file, column, problem, fix);
  2 wrong options (bad mapping syntax, unknown chapter or parameter, ``--out`` exists, ...);
  3 a chapter failed (message names the chapter and the cell; the rest of the report is
  written); 130 interrupted.

The modules, by role
--------------------
:mod:`~profiling.cli.parsing`
    options, ``--columns`` and ``--param`` values, errors and exit codes, :func:`main`.
:mod:`~profiling.cli.columns`
    the suggested column mapping (``profiling columns``).
:mod:`~profiling.cli.chapters`
    finding the chapters, what each declares and needs, the date shift, running one with papermill.
:mod:`~profiling.cli.pages`
    the report's HTML.
:mod:`~profiling.cli.commands`
    the three commands: load and validate, then write the output safely. The pipeline itself lives
    in the package (:mod:`profiling.profiles`), never here.
"""

from profiling.cli.columns import columns_text, suggest_columns
from profiling.cli.parsing import (
    EXIT_CHAPTER,
    EXIT_DATA,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    CliError,
    main,
    parse_columns,
    parse_param,
)

__all__ = [
    "EXIT_CHAPTER",
    "EXIT_DATA",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "CliError",
    "columns_text",
    "main",
    "parse_columns",
    "parse_param",
    "suggest_columns",
]
