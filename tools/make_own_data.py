"""Regenerate book/own_data.md with the real output of its worked example.

The page shows commands of the `profiling` command line and what they print; this script runs them on
a seeded synthetic shop in a temporary folder and writes the page, so its numbers are real output.
Run it after changing the command line or the chapters: `make own-data` (or
`.venv/bin/python tools/make_own_data.py` from the repository root).
"""
import os, shutil, subprocess, sys, tempfile, textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = REPO / ".venv" / "bin"
WORK = Path(tempfile.mkdtemp(prefix="own_data_"))
env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}

MAKE = '''\
import pandas as pd
from profiling import datasets

# Two years of a synthetic shop (seeded): 1,000 customers, some guest check-outs ...
tx = datasets.make_transactions(1000, start="2023-01-01", end="2024-12-31",
                                random_state=7, guest_share=0.02)
# ... exported the way another system would: its own column names,
# customer numbers written as decimals (10123.0), day-first dates.
export = pd.DataFrame({
    "Order No": tx["invoice_id"],
    "Client": pd.to_numeric(tx["customer_id"]).astype("float64"),
    "SKU": tx["item_id"],
    "Product Name": tx["description"],
    "Qty": tx["quantity"],
    "Unit Cost": tx["unit_price"],
    "Paid At": tx["timestamp"].dt.strftime("%d/%m/%Y %H:%M"),
    "Market": tx["country"],
})
export.to_csv("orders.csv", index=False)
'''

def sh(cmd, shown=None):
    r = subprocess.run(cmd, shell=True, cwd=WORK, env=env, capture_output=True, text=True)
    return r

subprocess.run([str(BIN / "python"), "-c", MAKE], cwd=WORK, check=True)
head = (WORK / "orders.csv").read_text().splitlines()[:4]

cols = sh("profiling columns orders.csv")
(WORK / "columns.yml").write_text(cols.stdout)
assert cols.returncode == 0, cols.stderr

bad = sh("profiling profiles --data orders.csv --columns columns.yml --out profiles.parquet")
assert bad.returncode == 1, bad

prof = sh("profiling profiles --data orders.csv --columns columns.yml --timestamp-format '%d/%m/%Y %H:%M' --out profiles.parquet")
assert prof.returncode == 0, prof.stderr

PEEK = '''\
import pandas as pd

profiles = pd.read_parquet("profiles.parquet")
print(profiles.shape)
print(profiles[["frequency", "monetary", "lifecycle", "value_tier", "rfm_segment", "persona_name"]].head(5).round(1).to_string())
'''
peek = subprocess.run([str(BIN / "python"), "-c", PEEK], cwd=WORK, capture_output=True, text=True, check=True)

again = sh("profiling profiles --data orders.csv --columns columns.yml --timestamp-format '%d/%m/%Y %H:%M' --out profiles.parquet")
assert again.returncode == 2

rep = sh("profiling report --data orders.csv --columns columns.yml --timestamp-format '%d/%m/%Y %H:%M' --chapters 03,04,06 --out report")
assert rep.returncode == 0, rep.stderr
tree = sh("find report -maxdepth 2 -not -path 'report/static/*' | sort")

def block(text, lang=""):
    return f"```{lang}\n{text.rstrip()}\n```"

page = f'''# Run the course on your own data

The chapters run on the shipped Online Retail II data, but every step of the course is meant for
*your* shop. The `profiling` command (installed with the package; `python -m profiling` works too)
takes your transaction file, checks it, and gives you back

* **the profile table** of chapter 6 (one row per customer: features, tags, RFM segment, persona):
  `profiling profiles`;
* **the chapters themselves, executed on your data**, as an HTML report: `profiling report`;
* and, to get started, **a suggested column mapping** for your file: `profiling columns`.

You do not edit a notebook. Your file is only read, never written.

## What your file needs

One row per order line, as CSV (any encoding, any separator), Parquet or Excel `.xlsx`. The
column names are yours; a *mapping* tells the course which of your columns is which
(the canonical schema of `profiling.datasets`, which every chapter uses):

| canonical column | required | what it holds |
|---|---|---|
| `customer_id` | yes | who bought (text or number; empty for guest check-outs) |
| `invoice_id` | yes | the order; an id starting with `C` marks a cancellation |
| `item_id` | yes | the product code |
| `quantity` | yes | units on the line (whole numbers; negative for returns) |
| `unit_price` | yes | price per unit (not the line total) |
| `timestamp` | yes | date and time of the order |
| `description` | no | product text; chapters 2, 5, 8 and 11 need it |
| `country` | no | the customer's country; chapter 2 needs it |

A chapter that needs a column your data lack is skipped, with a note in the report, and the
others run.

## A worked example

The example uses a synthetic shop so that you can reproduce it exactly; with your own file, start
at step 1. This Python snippet writes `orders.csv` in the current folder:

{block(MAKE, "python")}

The file begins like this:

{block(chr(10).join(head), "text")}

### Step 1: map your columns

`profiling columns` lists your columns with their first values and suggests which canonical
column each one is, by matching names ("Client" is a customer, "Paid At" a timestamp, "InvoiceDate",
"user" or "Customer ID" would be recognised too). Its output is a YAML file, the notes being comments:

{block("$ profiling columns orders.csv > columns.yml" + chr(10) + "$ cat columns.yml" + chr(10) + cols.stdout, "text")}

Check every line (names can mislead) and edit the file if needed. You can also give the mapping
as a flag: `--columns customer_id=Client,invoice_id="Order No",...`.

### Step 2: the profile table

Give the file, the mapping and where to write. The data are checked first; here the dates are
day-first (`01/03/2023` is 1 March), which cannot be guessed safely, so the command refuses them and
says what to do (exit code {bad.returncode}):

{block("$ profiling profiles --data orders.csv --columns columns.yml --out profiles.parquet" + chr(10) + bad.stderr, "text")}

With the date format given, the profile table is built exactly as chapter 6 builds it (same
cleaning rules, same tags, RFM grid and personas, the number of personas chosen by the silhouette);
the profile date is the day after the last transaction unless you pass `--cutoff YYYY-MM-DD`:

{block("$ profiling profiles --data orders.csv --columns columns.yml --timestamp-format '%d/%m/%Y %H:%M' --out profiles.parquet" + chr(10) + prof.stderr, "text")}

The result is an ordinary Parquet file (use `--out profiles.csv` for CSV), indexed by customer:

{block(PEEK, "python")}

{block(peek.stdout, "text")}

The columns are documented in chapter 6 (`profiles.profile_dictionary()`). Running the same command
again does not overwrite the file by accident:

{block("$ profiling profiles --data orders.csv --columns columns.yml --timestamp-format '%d/%m/%Y %H:%M' --out profiles.parquet" + chr(10) + again.stderr + f"$ echo $?{chr(10)}{again.returncode}", "text")}

Pass `--force` to replace it.

### Step 3: the report

`profiling report` runs chapters on your data with [papermill](https://papermill.readthedocs.io)
and writes a folder. Without `--chapters` it runs chapters 2 to 11, the ones checked on data other
than the shipped set; `--chapters all` adds chapter 1 (it shows fixed example products of the
shipped shop, so give it yours with `--param query_items=[...]`). Here three chapters:

{block("$ profiling report --data orders.csv --columns columns.yml --timestamp-format '%d/%m/%Y %H:%M' --chapters 03,04,06 --out report" + chr(10) + rep.stderr, "text")}

{block("$ find report -maxdepth 2 -not -path 'report/static/*' | sort" + chr(10) + tree.stdout, "text")}

Open `report/index.html`: it names the data set (file, checksum, rows, customers, period, the
mapping), lists each chapter with the parameters injected into it, the time it took and links to its
HTML page and executed notebook (or why it was skipped), summarises the profile table (personas and
RFM segments) and lists the package versions. `transactions.parquet` is the validated copy of your
data the chapters read; `run.json` holds the same summary for scripts. The pages work offline
(figures and styles are inside each page; the math renderer is copied into `static/`).

## Options

| option | what it does |
|---|---|
| `--data FILE` | your transactions (.csv, .parquet, .xlsx); only read |
| `--columns MAP` | `canonical=yours` pairs separated by commas, or a YAML/JSON file; may be repeated |
| `--encoding ENC` | text encoding of a CSV (`latin-1`, `cp1252`, `gbk`, ...); the default is UTF-8 |
| `--sep SEP` | CSV separator, e.g. `';'` |
| `--sheet NAME` | Excel sheet (name or 0-based number) |
| `--timestamp-format FMT` | e.g. `'%d/%m/%Y %H:%M'`; by default the format is inferred (unambiguous formats only) |
| `--cutoff DATE` | profile date (exclusive): only lines before it count |
| `--out PATH` | a file (`profiles`) or a folder (`report`); an existing one is kept unless `--force` |
| `--k N`, `--random-state N` | `profiles` only: number of personas, seed (default: chosen by silhouette, 42) |
| `--chapters 03,04,...` | `report` only: which chapters (default 02 to 11; `all`: every chapter that takes data) |
| `--param name=value` | `report` only: any chapter parameter, e.g. `sample_customers=500`, `k=4`, `embedder=tfidf` |
| `--currency NAME`, `--shop-name NAME` | `report` only: how the chapters label amounts and name the shop (default: the currency your prices or a `Currency`/`币种` column state, else "currency"; the file's name) |
| `--max-customers N` | `report` only: above N customers (default 20,000) the chapters run on a seeded sample of N; 0: never |
| `--quiet` | no progress lines (errors are still printed) |

**Dates in the chapters.** Many chapters have dates of the shipped data as defaults (chapter 4's
cutoff is 1 September 2010, chapter 7 fits, tunes and tests at three cutoffs three months apart).
On your data the command moves every such date by the same number of days, so that it sits as far
before the end of your data as it sat before the end of the shipped data (which ends on 9 December
2010): the distances between a chapter's dates, and the outcome windows after them, stay as the
chapter intends. A chapter whose moved dates fall before your data begin is skipped, with a note.
Chapter 6 profiles on all your data (as `profiling profiles` does); `--cutoff` sets the profile
date of every chapter instead, and `--param name=YYYY-MM-DD` sets any one date. `index.html` shows
what each chapter got.

**Short histories.** Where a chapter's moved dates would fall before your data begin, its whole
calendar — dates and durations — is scaled to your history instead, down to 6 weeks of data, and
the report says so (e.g. `chapter 07: your 210 days hold its 374-day calendar scaled by 0.56:
horizon_days 90 -> 50; ...`). Rounding keeps every outcome window ending before the next date. A
chapter is skipped only below 6 weeks, with the settings that would run it. On less than 270 days the
life-cycle tags scale with the history as well (`tags.TagRules.for_history`): otherwise every
customer of a young shop would be "new" while the RFM segments, which rank customers against each
other, call some of them lost; the profile card says when the rules were scaled.

**Your shop, not ours.** Cells about the shipped data (tagged `book-only`), the exercises and their
solutions are neither run nor shown; each chapter page shows the parameters it ran with instead of the
course's defaults; amounts carry your currency. The course's test suite runs the default report on
eight shop shapes (short, sparse, long, another currency, Chinese headers in GBK, one country, no
countries or descriptions) and checks that no page states a fact of the shipped shop.

## Safety

* The data are validated **before** any chapter runs, with the messages of
  `profiling.datasets.load_transactions`: missing or empty file, a header without rows, bytes that
  are not a table, required columns missing (the columns found are listed), a mapping naming a column
  the file lacks, duplicate column names, unreadable dates, non-numeric quantities or prices (with an
  example value and its line), text in the wrong encoding, no customer ids at all, no purchase at all
  (every line a return, or free), fewer than 10 customers, prices in several currencies. Each names
  the file, the column and the fix, in one line.
* Output is built in a hidden folder next to `--out` and moved into place only when everything has
  worked; a failed or interrupted run leaves nothing behind, and an existing `--out` is replaced only
  with `--force` (never when it is, or holds, the input file).
* A chapter that fails does not take the others with it: the finished chapters and the profile table
  are written, `index.html` lists the failed chapter with its error (its name, the cell and the line,
  e.g. `chapter 04 (04_features.ipynb, "Features: value, frequency, habits") failed in cell 12 of 40 ...`),
  and the exit code is 3.
* Exit codes: 0 done, 1 the data cannot be used, 2 wrong options, 3 a chapter failed, 130 interrupted.

## Larger data

The command keeps one copy of the data in memory and does the heavy work in DuckDB. On this
course's reference machine (2 CPUs, shared), a 5-million-line CSV (416 MB, 99,355 customers) went
through `profiling profiles` in about 50 s with a peak of 2.6 GB of memory
(`python benchmarks/report.py` measures it on yours). `profiling report` runs the chapters on at most
20,000 customers (a seeded sample above that, said in the report; `--max-customers`), and builds
the profile table on all of them; use `--param sample_customers=5000` for a quicker first look.

## Limitations

* The report pages are the executed notebooks rendered by nbconvert: the book's callout boxes
  (pitfalls) appear as plain text blocks.
* The chapters' general prose (what a method does, its pitfalls) stays; sentences about results are
  generated from your data. Examples in the prose (a Christmas range, wholesale customers) are the
  course's, not claims about your shop.
* Chapters 8 to 11 were written for a shop like the shipped one; on a smaller or younger shop
  they degrade rather than stop, and say so in the page: a segment that had no customers in the
  history window stays in chapter 9's campaign plan without values and is never contacted; a
  model's neighbour count (chapter 7's KNN uses 300) is capped at the training rows; a fairness
  attribute with one group (one country, no wholesale-like customers) is not compared in chapter 11,
  and a column your data do not fill gets no drift check. Chapters 8 and 11 need product
  descriptions (chapter 8 recommends descriptions; chapter 11 measures chapter 8's recommenders).
'''
(REPO / "book" / "own_data.md").write_text(page)
print("written", len(page))
shutil.rmtree(WORK, ignore_errors=True)
