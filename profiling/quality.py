"""Data-quality checks a team runs on every new month of transactions, and drift between periods.

Profiles are rebuilt as new data arrives. Before a new month goes into the features, tags and
models, a few cheap checks catch the deliveries that would silently distort them:

* **schema** (:func:`check_schema`): the canonical columns are there with the canonical dtypes;
* **volume and coverage**: enough lines, on enough distinct days (a partial month is not a month);
* **missing values**: share of lines without a customer id or a description;
* **duplicates**: share of lines that exactly repeat another line of the batch;
* **ranges**: negative quantities (returns, write-offs), zero or negative prices, quantities or prices
  beyond what the shop sells;
* **drift** (:func:`psi`): the **population stability index** of a column between a reference period
  and the new one.

Every threshold is a field of :class:`QualityThresholds` (a parameter, not a constant buried in code).
:func:`check_batch` runs all checks on one batch, :func:`run_monthly` on each calendar month of a
table (each month against the previous one), and :func:`drift_table` compares customer features of
two periods.

Population stability index
--------------------------
Bin a column on the **reference** period (deciles of a number, or one bin per category), and let
:math:`r_i` and :math:`c_i` be the shares of the reference and current records in bin :math:`i`
(floored at ``min_share`` so that an empty bin does not give an infinite value). Then

.. math:: \\mathrm{PSI} = \\sum_i (c_i - r_i) \\, \\ln(c_i / r_i) .

It is 0 for identical distributions and grows with the shift; it is symmetric in the two periods
when both use the same bins. The usual rule of thumb from credit scoring reads below 0.1 as stable,
0.1-0.25 as a moderate shift worth a look and above 0.25 as a major shift; these are conventions,
not statistical tests, hence thresholds (``psi_warn``, ``psi_alert``). With few records PSI is
noisy and biased upwards (each bin's share is estimated), so compare periods of similar size.

Example
-------
>>> from profiling import datasets, quality
>>> tx = datasets.make_transactions(300, start="2010-10-01", random_state=0)
>>> report = quality.run_monthly(tx)
>>> report.pivot(index="month", columns="check", values="status")[["rows", "duplicates", "psi_hour"]].reset_index()
check    month rows duplicates psi_hour
0      2010-10   ok       fail      NaN
1      2010-11   ok       fail       ok
2      2010-12   ok       fail       ok
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from profiling.datasets import DTYPES, REQUIRED
from profiling.i18n import tr
from profiling.validation import check_frame

__all__ = [
    "DRIFT_COLUMNS",
    "check_batch",
    "check_schema",
    "drift_table",
    "psi",
    "psi_status",
    "psi_table",
    "QualityThresholds",
    "run_monthly",
    "status_grid",
]

#: Status values of a check.
OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass(frozen=True)
class QualityThresholds:
    """Thresholds of the monthly checks (shares are in [0, 1]).

    The defaults fit Online Retail II: they pass an ordinary month of this shop and trip on the
    months whose problems chapter 11 explains. Another shop should set its own.

    Attributes
    ----------
    min_rows : int
        Fewest lines a month may have.
    min_volume_ratio : float
        Fewest lines as a share of the median of the previous months (a sudden drop in volume
        usually means a broken export, not a bad month).
    min_days : int
        Fewest distinct calendar days with lines (a partial month has few).
    max_missing_customer, max_missing_description : float
        Largest share of lines without a customer id / a description.
    max_duplicates : float
        Largest share of lines that exactly repeat an earlier line of the batch.
    max_negative_quantity : float
        Largest share of lines with a negative quantity (returns, cancellations, write-offs).
    max_nonpositive_price : float
        Largest share of lines with a unit price <= 0.
    max_abs_quantity : float
        Lines with ``|quantity|`` above this are out of range.
    max_unit_price : float
        Lines with a unit price above this (or below 0) are out of range.
    max_out_of_range : int
        Most out-of-range lines a month may have.
    psi_warn, psi_alert : float
        PSI at or above ``psi_warn`` is a warning, at or above ``psi_alert`` a failure.
    """

    min_rows: int = 1_000
    min_volume_ratio: float = 0.5
    min_days: int = 15
    max_missing_customer: float = 0.25
    max_missing_description: float = 0.01
    max_duplicates: float = 0.015
    max_negative_quantity: float = 0.03
    max_nonpositive_price: float = 0.01
    max_abs_quantity: float = 10_000
    max_unit_price: float = 20_000.0
    max_out_of_range: int = 0
    psi_warn: float = 0.1
    psi_alert: float = 0.25

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value) or value < 0:
                raise ValueError(f"QualityThresholds.{name} must be a finite number >= 0, got {value!r}")
        for name in ("min_volume_ratio", "max_missing_customer", "max_missing_description", "max_duplicates", "max_negative_quantity", "max_nonpositive_price"):
            if getattr(self, name) > 1:
                raise ValueError(f"QualityThresholds.{name} is a share and must be in [0, 1], got {getattr(self, name)!r}")
        if self.psi_warn > self.psi_alert:
            raise ValueError(f"QualityThresholds: psi_warn ({self.psi_warn}) must not exceed psi_alert ({self.psi_alert})")


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


def check_schema(transactions: pd.DataFrame, dtypes: dict[str, str] | None = None, required: Sequence[str] | None = None) -> pd.DataFrame:
    """Columns that are missing or have another dtype than the canonical schema.

    Parameters
    ----------
    transactions : DataFrame
        A batch of transactions.
    dtypes : dict, optional
        Expected dtype per column (default: the canonical :data:`profiling.datasets.DTYPES`).
    required : list of str, optional
        Columns that must be present (default :data:`profiling.datasets.REQUIRED`); the other columns of
        ``dtypes`` are checked only if present.

    Returns
    -------
    DataFrame
        One row per problem: ``column``, ``expected``, ``found``, ``problem``; empty if the schema is right.

    Example
    -------
    >>> check_schema(pd.DataFrame({"customer_id": ["1"]}))["column"].tolist()[:2]
    ['invoice_id', 'item_id']
    """
    check_frame(transactions, [], "check_schema", what="transactions")
    dtypes = dict(DTYPES if dtypes is None else dtypes)
    required = list(REQUIRED if required is None else required)
    rows = []
    for column, expected in dtypes.items():
        if column not in transactions.columns:
            if column in required:
                rows.append({"column": column, "expected": expected, "found": "-", "problem": "missing column"})
            continue
        found = str(transactions[column].dtype)
        if found != expected:
            rows.append({"column": column, "expected": expected, "found": found, "problem": "wrong dtype"})
    return pd.DataFrame(rows, columns=["column", "expected", "found", "problem"])


# --------------------------------------------------------------------------------------------
# Population stability index
# --------------------------------------------------------------------------------------------


def _is_categorical(values: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)


def psi_table(reference: pd.Series | Sequence[Any], current: pd.Series | Sequence[Any], bins: int = 10, min_share: float = 1e-4) -> pd.DataFrame:
    """The bins behind :func:`psi`: shares of the reference and the current period and each bin's term.

    Numbers are cut at the quantiles ``1/bins, 2/bins, ...`` of the **reference** (repeated edges
    merged; the outer bins are open), so each reference bin holds about ``1/bins`` of the records.
    Text, categories and booleans get one bin per value seen in either period. Missing values form
    a bin of their own (``"missing"``) when either period has any.

    Returns
    -------
    DataFrame
        ``bin`` (text), ``reference_share``, ``current_share``, ``psi`` (the bin's term); the terms sum
        to the PSI.

    Example
    -------
    >>> psi_table(pd.Series(["a", "a", "b"]), pd.Series(["a", "b", "b"]))["bin"].tolist()
    ['a', 'b']
    """
    ref = reference if isinstance(reference, pd.Series) else pd.Series(list(reference))
    cur = current if isinstance(current, pd.Series) else pd.Series(list(current))
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 2:
        raise ValueError(f"psi: bins must be a whole number >= 2, got {bins!r}")
    if not (0 < min_share < 1):
        raise ValueError(f"psi: min_share must be in (0, 1), got {min_share!r}")
    name = ref.name if ref.name is not None else "values"
    if ref.notna().sum() == 0 or len(cur) == 0:
        raise ValueError(f"psi: column {name!r} has no values in the reference or no rows in the current period")
    if _is_categorical(ref) != _is_categorical(cur):
        raise ValueError(f"psi: column {name!r} is numeric in one period and not in the other ({ref.dtype} vs {cur.dtype})")
    if _is_categorical(ref):
        r_lab = ref.astype("str").fillna("missing")
        c_lab = cur.astype("str").fillna("missing")
        labels = sorted(set(r_lab.unique()) | set(c_lab.unique()))
        r_share = r_lab.value_counts(normalize=True).reindex(labels, fill_value=0.0).to_numpy()
        c_share = c_lab.value_counts(normalize=True).reindex(labels, fill_value=0.0).to_numpy()
    else:
        r = ref.to_numpy(dtype="float64", na_value=np.nan)
        c = cur.to_numpy(dtype="float64", na_value=np.nan)
        inner = np.unique(np.nanquantile(r, np.arange(1, bins) / bins))
        labels = [f"<= {inner[0]:.4g}"] if len(inner) else ["all"]
        labels += [f"({a:.4g}, {b:.4g}]" for a, b in zip(inner[:-1], inner[1:])]
        if len(inner):
            labels.append(f"> {inner[-1]:.4g}")
        has_missing = bool(np.isnan(r).any() or np.isnan(c).any())
        n_bins = len(labels) + (1 if has_missing else 0)

        def shares(x: np.ndarray) -> np.ndarray:
            # bin i holds (edge[i-1], edge[i]]; missing values go to the last bin
            codes = np.where(np.isnan(x), len(labels), np.searchsorted(inner, x, side="left"))
            return np.bincount(codes, minlength=n_bins)[:n_bins] / len(x)

        r_share, c_share = shares(r), shares(c)
        if has_missing:
            labels.append("missing")
    r_f = np.maximum(r_share, min_share)
    c_f = np.maximum(c_share, min_share)
    terms = (c_f - r_f) * np.log(c_f / r_f)
    return pd.DataFrame({"bin": labels, "reference_share": r_share, "current_share": c_share, "psi": terms})


def psi(reference: pd.Series | Sequence[Any], current: pd.Series | Sequence[Any], bins: int = 10, min_share: float = 1e-4) -> float:
    """Population stability index of a column between a reference and a current period.

    Parameters
    ----------
    reference, current : Series or sequence
        The column in the two periods (numbers, text, categories or booleans).
    bins : int, default 10
        Number of quantile bins for numbers (taken on the reference).
    min_share : float, default 1e-4
        Floor of a bin's share, so that an empty bin does not make the index infinite.

    Returns
    -------
    float
        >= 0; 0 for identical distributions.

    Example
    -------
    >>> round(psi(pd.Series(["a"] * 50 + ["b"] * 50), pd.Series(["a"] * 80 + ["b"] * 20)), 3)
    0.416
    """
    return float(psi_table(reference, current, bins, min_share)["psi"].sum())


def psi_status(value: float, thresholds: QualityThresholds = QualityThresholds()) -> str:
    """``"ok"`` below ``psi_warn``, ``"warn"`` below ``psi_alert``, else ``"fail"``."""
    if value >= thresholds.psi_alert:
        return FAIL
    if value >= thresholds.psi_warn:
        return WARN
    return OK


def drift_table(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    columns: Sequence[str] | None = None,
    bins: int = 10,
    thresholds: QualityThresholds = QualityThresholds(),
) -> pd.DataFrame:
    """PSI of every column between two frames (e.g. customer features of two periods), largest first.

    Parameters
    ----------
    reference, current : DataFrame
        The same columns, one row per record (customer, line...).
    columns : list of str, optional
        Columns to compare (default: the columns the two frames share, in ``reference`` order).
    bins : int, default 10
    thresholds : QualityThresholds
        ``psi_warn`` / ``psi_alert`` give the status.

    Returns
    -------
    DataFrame
        ``column``, ``psi``, ``status``, ``largest_bin`` (the bin contributing most) and its
        ``reference_share`` / ``current_share``; sorted by ``psi`` descending (ties by column).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> june = pd.DataFrame({"recency_days": rng.exponential(60, 500), "monetary": rng.lognormal(5, 1, 500)})
    >>> december = june.assign(recency_days=june["recency_days"] / 2)  # customers came back sooner
    >>> drift_table(june, december, ["recency_days", "monetary"])[["column", "psi", "status"]].round(2)
             column   psi status
    0  recency_days  0.53   fail
    1      monetary  0.00     ok
    """
    for name, frame in (("reference", reference), ("current", current)):
        check_frame(frame, [], "drift_table", what=name)
    cols = [c for c in reference.columns if c in current.columns] if columns is None else list(columns)
    missing = [c for c in cols if c not in reference.columns or c not in current.columns]
    if missing:
        raise ValueError(f"drift_table: column(s) {missing} are not in both frames")
    if not cols:
        raise ValueError("drift_table: the two frames share no column")
    rows = []
    for c in cols:
        t = psi_table(reference[c], current[c], bins)
        top = t.iloc[int(np.argmax(t["psi"].to_numpy()))]
        value = float(t["psi"].sum())
        rows.append(
            {
                "column": c,
                "psi": value,
                "status": psi_status(value, thresholds),
                "largest_bin": top["bin"],
                "reference_share": float(top["reference_share"]),
                "current_share": float(top["current_share"]),
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values(["psi", "column"], ascending=[False, True], kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# One batch, and every month
# --------------------------------------------------------------------------------------------

#: Line-level columns whose drift :func:`run_monthly` measures by default (``amount`` and ``hour``
#: are derived: quantity x unit price, and the hour of the timestamp).
DRIFT_COLUMNS: tuple[str, ...] = ("quantity", "unit_price", "amount", "country", "hour")


def _with_derived(tx: pd.DataFrame) -> pd.DataFrame:
    extra = {}
    if "quantity" in tx.columns and "unit_price" in tx.columns:
        extra["amount"] = tx["quantity"] * tx["unit_price"]
    if "timestamp" in tx.columns and pd.api.types.is_datetime64_any_dtype(tx["timestamp"]):
        extra["hour"] = tx["timestamp"].dt.hour
    return tx.assign(**extra) if extra else tx


def check_batch(
    transactions: pd.DataFrame,
    thresholds: QualityThresholds = QualityThresholds(),
    reference: pd.DataFrame | None = None,
    expected_rows: float | None = None,
    drift_columns: Sequence[str] = DRIFT_COLUMNS,
    bins: int = 10,
) -> pd.DataFrame:
    """Run every check on one batch of transactions (e.g. one month).

    Parameters
    ----------
    transactions : DataFrame
        The batch, canonical schema.
    thresholds : QualityThresholds
        The limits.
    reference : DataFrame, optional
        An earlier batch to measure drift against (PSI of ``drift_columns``); no drift checks without it.
    expected_rows : float, optional
        Typical number of lines (e.g. the median of earlier months), for the volume-ratio check.
    drift_columns : list of str
        Columns for the PSI (``amount`` and ``hour`` are derived if absent). A column empty in both
        batches (an optional column such as ``country`` that the data do not fill) gets no PSI row;
        one empty in the reference only fails (values appeared).
    bins : int, default 10
        PSI bins for numbers.

    Returns
    -------
    DataFrame
        One row per check: ``check``, ``value``, ``threshold`` (text, with its direction),
        ``status`` (``ok`` / ``warn`` / ``fail``) and ``detail`` (what tripped it). A batch whose schema
        is wrong gets only the schema row (the other checks need the schema).

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> tx = make_transactions(100, start="2010-10-01", random_state=0)
    >>> month = tx["timestamp"].dt.month
    >>> checks = check_batch(tx[month == 11], reference=tx[month == 10])
    >>> checks.loc[checks["status"] != "ok", ["check", "detail"]]
              check                     detail
    5    duplicates          46 repeated lines
    12  psi_country  bin Germany: 0.0% -> 1.4%
    """
    t = thresholds
    schema = check_schema(transactions)
    if not schema.empty:
        detail = "; ".join(f"{r.column}: {r.problem} (expected {r.expected}, found {r.found})" for r in schema.itertuples())
        return pd.DataFrame([{"check": "schema", "value": float(len(schema)), "threshold": "= 0 problems", "status": FAIL, "detail": detail}])
    tx = _with_derived(transactions)
    n = len(tx)
    rows: list[dict[str, Any]] = [{"check": "schema", "value": 0.0, "threshold": "= 0 problems", "status": OK, "detail": ""}]

    def add(check: str, value: float, bad: bool, threshold: str, detail: str = "") -> None:
        rows.append({"check": check, "value": float(value), "threshold": threshold, "status": FAIL if bad else OK, "detail": detail if bad else ""})

    add("rows", n, n < t.min_rows, f">= {t.min_rows:,}", tr("only {n:,} lines").format(n=n))
    if expected_rows is not None and expected_rows > 0:
        ratio = n / expected_rows
        add("volume_ratio", ratio, ratio < t.min_volume_ratio, f">= {t.min_volume_ratio:g}", tr("{n:,} lines vs {usual:,.0f} usual").format(n=n, usual=expected_rows))
    days = int(tx["timestamp"].dt.normalize().nunique()) if n else 0
    last = tx["timestamp"].max() if n else None
    add("days", days, days < t.min_days, f">= {t.min_days}", tr("lines on {days} days only").format(days=days)
        + (tr(", last {date:%Y-%m-%d}").format(date=last) if last is not None else ""))
    if n == 0:
        return pd.DataFrame(rows)
    miss_c = float(tx["customer_id"].isna().mean())
    add("missing_customer", miss_c, miss_c > t.max_missing_customer, f"<= {t.max_missing_customer:g}", tr("{n:,} lines without customer").format(n=int(tx["customer_id"].isna().sum())))
    if "description" in tx.columns:
        miss_d = float(tx["description"].isna().mean())
        add("missing_description", miss_d, miss_d > t.max_missing_description, f"<= {t.max_missing_description:g}", tr("{n:,} lines without description").format(n=int(tx["description"].isna().sum())))
    dup_mask = transactions.duplicated(keep="first")
    dup = float(dup_mask.mean())
    add("duplicates", dup, dup > t.max_duplicates, f"<= {t.max_duplicates:g}", tr("{n:,} repeated lines").format(n=int(dup_mask.sum())))
    neg = tx["quantity"] < 0
    neg_share = float(neg.mean())
    neg_no_customer = int((neg & tx["customer_id"].isna()).sum())
    add("negative_quantity", neg_share, neg_share > t.max_negative_quantity, f"<= {t.max_negative_quantity:g}", tr("{n:,} lines, {without:,} of them without customer (stock write-offs)").format(n=int(neg.sum()), without=neg_no_customer))
    nonpos = tx["unit_price"] <= 0
    nonpos_share = float(nonpos.mean())
    add("nonpositive_price", nonpos_share, nonpos_share > t.max_nonpositive_price, f"<= {t.max_nonpositive_price:g}", tr("{n:,} lines at price <= 0").format(n=int(nonpos.sum())))
    big_q = tx["quantity"].abs() > t.max_abs_quantity
    big_p = tx["unit_price"] > t.max_unit_price
    neg_p = tx["unit_price"] < 0
    out_of_range = big_q | big_p | neg_p
    parts = []
    if big_q.any():
        parts.append(tr("{n} with |quantity| > {limit:,.0f} (max {largest:,})").format(
            n=int(big_q.sum()), limit=t.max_abs_quantity, largest=int(tx["quantity"].abs().max())))
    if big_p.any():
        items = ", ".join(sorted(set(tx.loc[big_p, "item_id"].astype("str"))))
        parts.append(tr("{n} with unit price > {limit:,.0f} (items {items})").format(n=int(big_p.sum()), limit=t.max_unit_price, items=items))
    if neg_p.any():
        parts.append(tr("{n} with a negative price").format(n=int(neg_p.sum())))
    add("out_of_range", float(out_of_range.sum()), int(out_of_range.sum()) > t.max_out_of_range, f"<= {t.max_out_of_range}", "; ".join(parts))
    if reference is not None:
        ref = _with_derived(reference)
        for c in drift_columns:
            if c not in tx.columns or c not in ref.columns:
                raise ValueError(f"check_batch: drift column {c!r} is not in both batches")
            if ref[c].notna().sum() == 0:
                if tx[c].notna().sum() == 0:
                    continue  # an optional column the data do not fill (e.g. no country): nothing drifts
                rows.append({"check": f"psi_{c}", "value": float("nan"), "threshold": f"PSI >= {t.psi_warn:g} warn, >= {t.psi_alert:g} fail",
                             "status": FAIL, "detail": tr("{column}: values appear where the reference batch had none").format(column=c)})
                continue
            table = psi_table(ref[c], tx[c], bins)
            value = float(table["psi"].sum())
            status = psi_status(value, t)
            top = table.iloc[int(np.argmax(table["psi"].to_numpy()))]
            detail = f"bin {top['bin']}: {top['reference_share']:.1%} -> {top['current_share']:.1%}" if status != OK else ""
            rows.append({"check": f"psi_{c}", "value": value, "threshold": f"PSI >= {t.psi_warn:g} warn, >= {t.psi_alert:g} fail", "status": status, "detail": detail})
    return pd.DataFrame(rows)


def run_monthly(
    transactions: pd.DataFrame,
    thresholds: QualityThresholds = QualityThresholds(),
    drift_columns: Sequence[str] = DRIFT_COLUMNS,
    bins: int = 10,
) -> pd.DataFrame:
    """:func:`check_batch` on every calendar month, each against the previous month, as a new month would be.

    The volume ratio compares a month with the median line count of the months before it; the first
    month has no drift and no volume checks.

    Returns
    -------
    DataFrame
        Long format: ``month`` (``YYYY-MM``) and the columns of :func:`check_batch`; months in order.

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> report = run_monthly(make_transactions(100, start="2010-10-01", random_state=0))
    >>> report[report["status"] != "ok"][["month", "check", "detail"]]
          month        check                       detail
    5   2010-10   duplicates            18 repeated lines
    15  2010-11   duplicates            46 repeated lines
    22  2010-11  psi_country    bin Germany: 0.0% -> 1.4%
    30  2010-12   duplicates            62 repeated lines
    38  2010-12     psi_hour  bin (8, 10]: 12.4% -> 24.3%
    """
    check_frame(transactions, ["timestamp"], "run_monthly", what="transactions", allow_empty=False,
                fix="Load them with profiling.datasets (a datetime 'timestamp' splits them into months).")
    if not pd.api.types.is_datetime64_any_dtype(transactions["timestamp"]):
        raise ValueError("run_monthly: transactions need a datetime 'timestamp' column to split into months; load them with profiling.datasets")
    ts = transactions["timestamp"]
    if ts.isna().any():
        raise ValueError(
            f"run_monthly: {int(ts.isna().sum())} lines have no timestamp and belong to no month; drop or fix them first"
        )
    month = (ts.dt.year * 100 + ts.dt.month).to_numpy()
    reports = []
    previous: pd.DataFrame | None = None
    sizes: list[int] = []
    for key, positions in sorted(pd.Series(np.arange(len(month))).groupby(month).indices.items()):
        m = f"{key // 100:04d}-{key % 100:02d}"
        batch = transactions.iloc[positions]
        expected = float(np.median(sizes)) if sizes else None
        r = check_batch(batch, thresholds, previous, expected, drift_columns, bins)
        reports.append(r.assign(month=m))
        previous = batch
        sizes.append(len(batch))
    out = pd.concat(reports, ignore_index=True)
    return out[["month", "check", "value", "threshold", "status", "detail"]]


def status_grid(report: pd.DataFrame) -> pd.DataFrame:
    """A month x check table of statuses from :func:`run_monthly` (checks in their first order; ``""`` if not run)."""
    if not {"month", "check", "status"} <= set(report.columns):
        raise ValueError("status_grid: expected the long report of run_monthly (columns month, check, status)")
    order = list(dict.fromkeys(report["check"]))
    grid = report.pivot(index="month", columns="check", values="status").reindex(columns=order)
    return grid.fillna("")
