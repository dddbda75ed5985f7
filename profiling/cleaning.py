"""Clean canonical transactions with named, documented rules, and fuse a country reference table.

Cleaning
--------
:func:`clean` applies a list of :class:`Rule` objects in order. Each rule either marks rows to
**remove** (``kind="filter"``: its function returns a boolean mask, ``True`` = remove) or
**rewrites** values without removing rows (``kind="transform"``: its function returns the
transformed frame). Every rule is accounted for in the cleaning report: rows, customers and
revenue removed, rows changed, and what is left after it. Nothing is dropped silently.

The default rules (:func:`default_rules`), in order:

====  ========================  ==================================================================
step  rule                      what it does
====  ========================  ==================================================================
1     ``duplicates``            exact duplicate lines (all canonical columns equal): keep one
2     ``missing_customer``      lines without a customer id (cannot belong to a profile)
3     ``non_product``           non-product stock codes: postage, carriage, manual entries,
                                discounts, fees, bank charges, adjustments, samples, tests,
                                gift vouchers (:data:`NON_PRODUCT_CODES`, :data:`NON_PRODUCT_PATTERNS`)
4     ``cancellations``         cancellation lines (invoice id starting with ``C``) **and** the
                                purchase lines they cancel (:func:`match_cancellations`)
5     ``returns``               remaining negative quantities (stock write-offs, returns without
                                a cancellation invoice)
6     ``bad_price``             missing, zero or negative unit prices
7     ``extreme_quantity``      quantities far above what the item usually sells in
                                (:func:`extreme_quantity_mask`)
8     ``normalize_description`` strip, collapse whitespace, upper-case (transform; removes nothing)
====  ========================  ==================================================================

Every rule looks only at the values of the rows, never at their position, so shuffling the input
gives the same cleaned lines and the same report (tested with hypothesis).

Fusion
------
:func:`load_countries` reads the shipped reference table ``data/countries.csv`` (see
``data/countries.md`` for its sources); :func:`fuse` joins it to transactions and
:func:`basic_attributes` builds one row of "basic attributes" per customer.

Example
-------
>>> from profiling import datasets, cleaning
>>> tx = datasets.make_transactions(100, random_state=0)
>>> clean_tx, report = cleaning.clean(tx)
>>> attrs = cleaning.basic_attributes(clean_tx)
>>> int(report["rows_removed"].sum()) == len(tx) - len(clean_tx), attrs.shape
(True, (100, 9))
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Literal

import numpy as np
import pandas as pd

from profiling import ProfilingWarning
from profiling.datasets import COLUMNS
from profiling.storage import data_dir
from profiling.validation import check_frame

__all__ = [
    "NON_PRODUCT_CODES",
    "NON_PRODUCT_PATTERNS",
    "REPORT_COLUMNS",
    "COUNTRY_COLUMNS",
    "ATTRIBUTE_COLUMNS",
    "Rule",
    "default_rules",
    "clean",
    "is_cancellation",
    "is_non_product",
    "match_cancellations",
    "extreme_quantity_mask",
    "normalize_description",
    "load_countries",
    "fuse",
    "basic_attributes",
]

#: Stock codes that are not products, compared after stripping blanks and upper-casing.
#: Found in Online Retail II (2009-2010) by listing every stock code without a digit and every
#: code that does not look like a product code (five digits plus an optional letter suffix), then
#: reading their descriptions: POST "POSTAGE", DOT "DOTCOM POSTAGE", C2 "CARRIAGE", C3 (no
#: description), M / m "Manual", D "Discount", S "SAMPLES", B "Adjust bad debt", BANK CHARGES,
#: ADJUST / ADJUST2 "Adjustment by ...", AMAZONFEE "AMAZON FEE", PADS "PADS TO MATCH ALL CUSHIONS"
#: (priced 0.001, a free add-on), GIFT (no description). The ``DCGS...`` codes have no digit in a
#: few cases but are real products sold through another channel ("BOYS PARTY BAG", "BOXED GLASS
#: ASHTRAY") and are kept.
NON_PRODUCT_CODES: frozenset[str] = frozenset(
    {
        "POST",
        "DOT",
        "C2",
        "C3",
        "M",
        "D",
        "S",
        "B",
        "CRUK",  # "CRUK Commission" (charity commission), in the 2010-2011 sheet
        "BANK CHARGES",
        "ADJUST",
        "ADJUST2",
        "AMAZONFEE",
        "PADS",
        "GIFT",
    }
)

#: Regular expressions (matched at the start of the upper-cased, stripped code) for families of
#: non-product codes: test products ``TEST001``, ``TEST002`` and gift vouchers ``gift_0001_10`` ...
NON_PRODUCT_PATTERNS: tuple[str, ...] = (r"TEST\d*$", r"GIFT_\d+_\d+$")

#: Columns of the cleaning report returned by :func:`clean`.
REPORT_COLUMNS: list[str] = [
    "step",
    "rule",
    "what",
    "rows_removed",
    "rows_changed",
    "customers_removed",
    "revenue_removed",
    "rows_after",
    "customers_after",
    "revenue_after",
]

#: Columns of the country reference table (:func:`load_countries`).
COUNTRY_COLUMNS: list[str] = ["country", "iso2", "region", "eu_member_2010", "currency_2010"]

#: Columns of :func:`basic_attributes` (indexed by ``customer_id``).
ATTRIBUTE_COLUMNS: list[str] = [
    "country",
    "n_countries",
    "region",
    "eu_member_2010",
    "currency_2010",
    "first_purchase",
    "last_purchase",
    "tenure_days",
    "n_invoices",
]

#: Region given to countries with no row in the reference table.
UNKNOWN_REGION = "Unknown"


# --------------------------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------------------------
def _check_columns(frame: pd.DataFrame, needed: Iterable[str], what: str = "transactions") -> None:
    """TypeError / ValueError naming the missing columns (and the ones found) if any is absent."""
    check_frame(frame, needed, "cleaning", what=what,
                fix="Load the data with profiling.datasets.load_online_retail() or load_transactions(), "
                    "which map a file's columns onto the canonical schema.")


def _check_types(frame: pd.DataFrame) -> None:
    """Raise ValueError if quantity / unit_price are not numeric or timestamp not a datetime."""
    for col in ("quantity", "unit_price"):
        if not pd.api.types.is_numeric_dtype(frame[col]) or pd.api.types.is_bool_dtype(frame[col]):
            raise ValueError(
                f"column {col!r} must be numeric, got dtype {frame[col].dtype}; "
                "convert it with pd.to_numeric before cleaning."
            )
    if not pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
        raise ValueError(
            f"column 'timestamp' must be a datetime, got dtype {frame['timestamp'].dtype}; "
            "convert it with pd.to_datetime before cleaning."
        )


def _text(series: pd.Series) -> pd.Series:
    """A text column as pandas ``str`` dtype (missing values stay missing)."""
    return series.astype("str") if series.dtype != "str" else series


def _revenue(frame: pd.DataFrame) -> float:
    """Sum of quantity * unit_price: an exactly rounded sum (``math.fsum``), so it does not depend
    on the order of the rows, rounded to 4 decimals."""
    amounts = (frame["quantity"] * frame["unit_price"]).to_numpy(dtype="float64", na_value=np.nan)
    return round(math.fsum(amounts[~np.isnan(amounts)]), 4)


def _n_customers(frame: pd.DataFrame) -> int:
    return int(frame["customer_id"].nunique(dropna=True))


# --------------------------------------------------------------------------------------------
# the rules
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """One named, documented cleaning rule.

    Parameters
    ----------
    name:
        Short identifier shown in the report (``"cancellations"``).
    description:
        One sentence saying what the rule removes or changes, shown in the report's ``what``.
    func:
        For ``kind="filter"``: ``func(frame) -> pd.Series`` of booleans aligned with
        ``frame.index``, ``True`` for rows to remove. For ``kind="transform"``:
        ``func(frame) -> pd.DataFrame`` with the same index and columns (no row removed).
        It must depend on the values of the rows only, never on their order.
    kind:
        ``"filter"`` or ``"transform"``.

    Example
    -------
    >>> rule = Rule("no_zero_qty", "lines with quantity 0", lambda tx: tx["quantity"] == 0)
    >>> rule.kind, rule.func(pd.DataFrame({"quantity": [0, 5]})).tolist()
    ('filter', [True, False])
    """

    name: str
    description: str
    func: Callable[[pd.DataFrame], pd.Series | pd.DataFrame]
    kind: Literal["filter", "transform"] = "filter"

    def __post_init__(self) -> None:
        if self.kind not in ("filter", "transform"):
            raise ValueError(f"Rule {self.name!r}: kind must be 'filter' or 'transform', got {self.kind!r}.")


def _duplicates(frame: pd.DataFrame) -> pd.Series:
    # Which copy is kept does not matter: the copies are identical in every canonical column.
    return frame.duplicated(subset=COLUMNS, keep="first")


def _missing_customer(frame: pd.DataFrame) -> pd.Series:
    return frame["customer_id"].isna()


def is_non_product(item_id: pd.Series) -> pd.Series:
    """``True`` where a stock code is not a product (postage, fees, adjustments, tests, vouchers...).

    Parameters
    ----------
    item_id:
        Stock codes (any case, blanks around them are ignored).

    Returns
    -------
    Boolean Series aligned with ``item_id``: code in :data:`NON_PRODUCT_CODES` or matching one
    of :data:`NON_PRODUCT_PATTERNS`. Missing codes count as non-products.

    Example
    -------
    >>> is_non_product(pd.Series(["POST", "85123A", "gift_0001_10"])).tolist()
    [True, False, True]
    """
    code = _text(item_id).str.strip().str.upper()
    pattern = "|".join(f"(?:{p})" for p in NON_PRODUCT_PATTERNS)
    hit = code.isin(NON_PRODUCT_CODES) | code.str.match(pattern)
    return hit.fillna(True).astype(bool)


def _non_product(frame: pd.DataFrame) -> pd.Series:
    return is_non_product(frame["item_id"])


def is_cancellation(invoice_id: pd.Series) -> pd.Series:
    """``True`` where an invoice id marks a cancellation (starts with ``C``, any case).

    Parameters
    ----------
    invoice_id:
        Invoice ids (blanks around them are ignored).

    Returns
    -------
    Boolean Series aligned with ``invoice_id`` (missing ids count as not cancelled).

    Example
    -------
    >>> is_cancellation(pd.Series(["489434", "C489449"])).tolist()
    [False, True]
    """
    return _text(invoice_id).str.strip().str.upper().str.startswith("C").fillna(False).astype(bool)


def match_cancellations(transactions: pd.DataFrame) -> pd.DataFrame:
    """Pair each cancellation line with the purchase line it cancels, where one can be found.

    A cancellation line (invoice id ``C...``, quantity ``-q``) cancels the **latest** purchase line
    of the **same customer and item with quantity exactly q** whose timestamp is not after the
    cancellation's, and which no other cancellation has already taken. Cancellations are processed
    in time order, so two cancellations of the same key take the two latest purchases, each once.
    Ties on the timestamp are broken on the values (invoice id, price, description, country), never
    on the row position, so the pairing does not depend on the order of the input rows.

    What cannot be matched (and is reported as unmatched): cancellations without a customer id;
    partial cancellations (``-3`` of a line of ``12``); cancellations of purchases made before the
    data starts; several purchase lines cancelled by one line (``-24`` for two lines of ``12``).

    Parameters
    ----------
    transactions:
        Canonical transactions.

    Returns
    -------
    DataFrame with one row per cancellation line with a customer id, columns ``cancel_index``
    (index label of the cancellation line), ``purchase_index`` (index label of the cancelled
    purchase line, missing if unmatched), ``customer_id``, ``item_id``, ``quantity`` (positive,
    the cancelled quantity) and ``matched`` (bool); sorted by cancellation time.

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> pairs = match_cancellations(make_transactions(100, random_state=0))
    >>> round(float(pairs["matched"].mean()), 2)  # share of cancellations matched
    0.85
    """
    _check_columns(transactions, COLUMNS)
    tx = transactions
    cancel = is_cancellation(tx["invoice_id"])
    has_customer = tx["customer_id"].notna()
    c = tx.loc[cancel & has_customer & (tx["quantity"] < 0)]
    p = tx.loc[~cancel & has_customer & (tx["quantity"] > 0)]
    key = ["customer_id", "item_id", "q"]
    c_ev = pd.DataFrame(
        {
            "customer_id": _text(c["customer_id"]),
            "item_id": _text(c["item_id"]),
            "q": -c["quantity"].to_numpy(),
            "timestamp": c["timestamp"],
            "event": 1,  # after a purchase with the same timestamp: it may cancel it
            "invoice_id": _text(c["invoice_id"]),
            "unit_price": c["unit_price"],
            "description": _text(c["description"]),
            "country": _text(c["country"]),
            "label": c.index,
        }
    )
    p_ev = pd.DataFrame(
        {
            "customer_id": _text(p["customer_id"]),
            "item_id": _text(p["item_id"]),
            "q": p["quantity"].to_numpy(),
            "timestamp": p["timestamp"],
            "event": 0,
            "invoice_id": _text(p["invoice_id"]),
            "unit_price": p["unit_price"],
            "description": _text(p["description"]),
            "country": _text(p["country"]),
            "label": p.index,
        }
    )
    # only purchases whose key has a cancellation take part
    keys = c_ev[key].drop_duplicates()
    p_ev = p_ev.merge(keys, on=key, how="inner")
    events = pd.concat([c_ev.reset_index(drop=True), p_ev], ignore_index=True)
    order = key + ["timestamp", "event", "invoice_id", "unit_price", "description", "country"]
    events = events.sort_values(order, kind="stable", na_position="last").reset_index(drop=True)

    cust = events["customer_id"].to_numpy(dtype=object)
    item = events["item_id"].to_numpy(dtype=object)
    qty = events["q"].to_numpy()
    ev = events["event"].to_numpy()
    lab = events["label"].to_numpy(dtype=object)
    stacks: dict[tuple, list] = {}
    matched_to: list[object] = []
    cancel_rows: list[int] = []
    for i in range(len(events)):
        k = (cust[i], item[i], qty[i])
        if ev[i] == 0:
            stacks.setdefault(k, []).append(lab[i])
        else:
            stack = stacks.get(k)
            matched_to.append(stack.pop() if stack else None)
            cancel_rows.append(i)
    out = events.loc[cancel_rows, ["label", "customer_id", "item_id", "q", "timestamp", "invoice_id"]].copy()
    out["purchase_index"] = pd.Series(matched_to, index=out.index, dtype=object)
    out["matched"] = out["purchase_index"].notna()
    out = out.sort_values(["timestamp", "invoice_id", "customer_id", "item_id", "q"], kind="stable")
    out = out.rename(columns={"label": "cancel_index", "q": "quantity"})
    return out[["cancel_index", "purchase_index", "customer_id", "item_id", "quantity", "matched"]].reset_index(
        drop=True
    )


def _cancellations(frame: pd.DataFrame) -> pd.Series:
    mask = is_cancellation(frame["invoice_id"])
    pairs = match_cancellations(frame)
    cancelled = pairs.loc[pairs["matched"], "purchase_index"]
    return mask | frame.index.isin(list(cancelled))


def _returns(frame: pd.DataFrame) -> pd.Series:
    return frame["quantity"] < 0


def _bad_price(frame: pd.DataFrame) -> pd.Series:
    return ~(frame["unit_price"] > 0)  # also catches missing prices


def extreme_quantity_mask(
    transactions: pd.DataFrame,
    factor: float = 100.0,
    min_quantity: int = 1000,
) -> pd.Series:
    """``True`` for lines whose quantity is extreme **for that item**.

    A line is extreme when its quantity is at least ``min_quantity`` units **and** more than
    ``factor`` times the median quantity of the same item (over the lines passed in).

    Why this rule: many customers are wholesalers, so a global cut (say the 99.9th percentile,
    600 units here) would remove ordinary bulk orders of cheap items (10,000 tissues at 0.25).
    What signals an error or a one-off deal is a quantity far out of line with how that item is
    usually bought. The median is robust (one huge line does not move it), and the absolute floor
    keeps small orders of items usually bought one at a time. Both knobs are parameters.

    Parameters
    ----------
    transactions:
        Canonical transactions (normally already without returns, cancellations and bad prices).
    factor:
        How many times the item's median quantity a line must exceed.
    min_quantity:
        Lines below this many units are never extreme.

    Returns
    -------
    Boolean Series aligned with ``transactions.index``.

    Example
    -------
    >>> tx = pd.DataFrame({"item_id": ["A", "A", "A", "A", "B"], "quantity": [2, 3, 2, 5000, 5000]})
    >>> extreme_quantity_mask(tx, factor=100, min_quantity=1000).tolist()
    [False, False, False, True, False]
    """
    if factor <= 0 or min_quantity < 0:
        raise ValueError(f"factor must be > 0 and min_quantity >= 0, got factor={factor}, min_quantity={min_quantity}.")
    q = transactions["quantity"]
    median = q.groupby(_text(transactions["item_id"]), dropna=False).transform("median")
    return ((q >= min_quantity) & (q > factor * median)).fillna(False).astype(bool)


def normalize_description(description: pd.Series) -> pd.Series:
    """Strip blanks, collapse inner whitespace to one space and upper-case; missing stays missing.

    Parameters
    ----------
    description:
        Product descriptions.

    Returns
    -------
    Series of ``str`` dtype aligned with ``description``.

    Example
    -------
    >>> normalize_description(pd.Series([" Bank  Charges", None])).tolist()
    ['BANK CHARGES', nan]
    """
    text = _text(description)
    # normalize each distinct text once (a few thousand), then map back: fast on 500k lines
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    done = pd.Series(uniques, dtype="str").str.strip().str.replace(r"\s+", " ", regex=True).str.upper()
    values = done.to_numpy(dtype=object, na_value=None)
    out = pd.Series(np.take(np.append(values, None), codes), index=text.index, name=text.name)
    return out.astype("str")


def _normalize(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["description"] = normalize_description(frame["description"])
    return out


#: The rules that remove cancellation and return lines; :func:`default_rules` leaves them out with
#: ``keep_returns=True`` (chapters 4 and 6-11), so that return features and tags can be computed.
RETURN_RULES: tuple[str, ...] = ("cancellations", "returns")


def default_rules(
    extreme_factor: float = 100.0,
    extreme_min_quantity: int = 1000,
    *,
    keep_returns: bool = False,
) -> list[Rule]:
    """The course's cleaning rules, in the order :func:`clean` applies them.

    Parameters
    ----------
    extreme_factor, extreme_min_quantity:
        Knobs of the ``extreme_quantity`` rule (:func:`extreme_quantity_mask`).
    keep_returns:
        Leave out the rules of :data:`RETURN_RULES`, so that cancellation and return lines stay
        (as negative quantities) for the return features of :mod:`profiling.features`.

    Returns
    -------
    List of :class:`Rule`: duplicates, missing_customer, non_product, cancellations, returns,
    bad_price, extreme_quantity, normalize_description.

    Example
    -------
    >>> [r.name for r in default_rules()][:2]
    ['duplicates', 'missing_customer']
    >>> "returns" in [r.name for r in default_rules(keep_returns=True)]
    False
    """
    rules = [
        Rule("duplicates", "exact duplicate lines (all columns equal); one copy is kept", _duplicates),
        Rule("missing_customer", "lines without a customer id", _missing_customer),
        Rule(
            "non_product",
            "non-product stock codes: postage, carriage, manual, discount, fees, adjustments, samples, tests, vouchers",
            _non_product,
        ),
        Rule(
            "cancellations",
            "cancellation lines (invoice C...) and the purchase lines they cancel (same customer, item, quantity)",
            _cancellations,
        ),
        Rule("returns", "remaining lines with a negative quantity", _returns),
        Rule("bad_price", "lines with a missing, zero or negative unit price", _bad_price),
        Rule(
            "extreme_quantity",
            f"quantity >= {extreme_min_quantity:g} and > {extreme_factor:g} x the item's median quantity",
            lambda tx: extreme_quantity_mask(tx, extreme_factor, extreme_min_quantity),
        ),
        Rule(
            "normalize_description",
            "descriptions stripped, whitespace collapsed, upper-cased (no row removed)",
            _normalize,
            kind="transform",
        ),
    ]
    return [rule for rule in rules if rule.name not in RETURN_RULES] if keep_returns else rules


def clean(
    transactions: pd.DataFrame,
    rules: list[Rule] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Apply the cleaning rules in order; return the cleaned lines and the cleaning report.

    Parameters
    ----------
    transactions:
        Canonical transactions (see :mod:`profiling.datasets`). Never modified.
    rules:
        Rules to apply, in order; ``None`` = :func:`default_rules`.

    Returns
    -------
    (cleaned, report)
        ``cleaned``: the remaining lines, same columns as the input, in input order, index reset.
        ``report``: one row per rule with columns :data:`REPORT_COLUMNS`: ``step`` (1, 2, ...),
        ``rule``, ``what``, ``rows_removed``, ``rows_changed`` (rows a transform rewrote),
        ``customers_removed`` (customers who disappear entirely at this step),
        ``revenue_removed`` (sum of quantity * unit_price of the removed lines), and
        ``rows_after``, ``customers_after``, ``revenue_after``. ``rows_removed`` sums to
        input rows minus output rows.

    Raises
    ------
    ValueError
        If a canonical column is missing or has the wrong type, or a rule returns a bad result.

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> cleaned, report = clean(make_transactions(100, random_state=0))
    >>> report.loc[report["rows_removed"] > 0, ["rule", "rows_removed", "revenue_removed"]]
                rule  rows_removed  revenue_removed
    0     duplicates           126          1537.30
    3  cancellations           197          -336.95
    """
    _check_columns(transactions, COLUMNS)
    _check_types(transactions)
    rules = default_rules() if rules is None else list(rules)
    names = [r.name for r in rules]
    if len(set(names)) != len(names):
        raise ValueError(f"rule names must be unique, got {names}.")

    current = transactions.copy()
    rows: list[dict] = []
    for step, rule in enumerate(rules, start=1):
        before_customers = pd.Index(current["customer_id"].dropna().unique())
        if rule.kind == "filter":
            mask = rule.func(current)
            if not isinstance(mask, pd.Series) or not mask.index.equals(current.index):
                raise ValueError(f"rule {rule.name!r} must return a boolean Series aligned with the frame's index.")
            mask = mask.fillna(False).astype(bool)
            removed = current.loc[mask]
            current = current.loc[~mask]
            changed = 0
        else:
            new = rule.func(current)
            if not isinstance(new, pd.DataFrame) or not new.index.equals(current.index):
                raise ValueError(f"transform rule {rule.name!r} must return a DataFrame with the same index (no row removed).")
            diff = pd.Series(False, index=current.index)
            for col in current.columns:
                a, b = current[col], new[col]
                diff |= ~((a == b).fillna(False).astype(bool) | (a.isna() & b.isna()))
            changed = int(diff.sum())
            removed = current.iloc[0:0]
            current = new
        after_customers = pd.Index(current["customer_id"].dropna().unique())
        rows.append(
            {
                "step": step,
                "rule": rule.name,
                "what": rule.description,
                "rows_removed": len(removed),
                "rows_changed": changed,
                "customers_removed": len(before_customers.difference(after_customers)),
                "revenue_removed": _revenue(removed),
                "rows_after": len(current),
                "customers_after": len(after_customers),
                "revenue_after": _revenue(current),
            }
        )
    report = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    return current.reset_index(drop=True), report


# --------------------------------------------------------------------------------------------
# fusion
# --------------------------------------------------------------------------------------------
def load_countries(path: str | Path | None = None) -> pd.DataFrame:
    """The country reference table shipped in ``data/countries.csv`` (provenance: ``data/countries.md``).

    Parameters
    ----------
    path:
        CSV file with columns :data:`COUNTRY_COLUMNS`; ``None`` = ``data_dir() / "countries.csv"``.

    Returns
    -------
    DataFrame, one row per country as written in Online Retail II, columns ``country`` (str),
    ``iso2`` (str, ISO 3166-1 alpha-2, missing where none exists), ``region`` (str, UN M49
    sub-region or ``Unknown``), ``eu_member_2010`` (nullable boolean: EU member on 2010-12-31,
    missing where unknown) and ``currency_2010`` (str, ISO 4217 code in use in 2010, missing
    where unknown), sorted by country.

    Example
    -------
    >>> load_countries().set_index("country").loc["EIRE", "currency_2010"]
    'EUR'
    """
    path = Path(path) if path is not None else data_dir() / "countries.csv"
    if not path.exists():
        raise FileNotFoundError(f"country reference table {path} not found; it ships in the repository's data/ folder.")
    table = pd.read_csv(path, dtype="str", keep_default_na=False, na_values=[""])
    _check_columns(table, COUNTRY_COLUMNS, what=f"country table {path.name}")
    table = table[COUNTRY_COLUMNS].copy()
    if table["country"].isna().any() or table["country"].duplicated().any():
        dup = sorted(table.loc[table["country"].duplicated(), "country"].dropna())
        raise ValueError(f"country table {path.name}: column 'country' must be unique and non-empty; duplicates: {dup}.")
    flags = table["eu_member_2010"].str.strip().str.lower()
    bad = sorted(set(flags.dropna()) - {"true", "false"})
    if bad:
        raise ValueError(f"country table {path.name}: column 'eu_member_2010' must be true/false/empty, found {bad}.")
    table["eu_member_2010"] = flags.map({"true": True, "false": False}).astype("boolean")
    table["region"] = table["region"].fillna(UNKNOWN_REGION)
    for col in ("country", "iso2", "region", "currency_2010"):
        table[col] = table[col].astype("str")
    return table.sort_values("country", kind="stable").reset_index(drop=True)


def _lookup(country: pd.Series, countries: pd.DataFrame | None) -> pd.DataFrame:
    """region / eu_member_2010 / currency_2010 for each value of ``country``; warn on unknown ones."""
    ref = load_countries() if countries is None else countries
    _check_columns(ref, ["country", "region", "eu_member_2010", "currency_2010"], what="country table")
    if ref["country"].duplicated().any():
        raise ValueError("country table: column 'country' has duplicates; keep one row per country.")
    ref = ref.set_index("country")
    country = _text(country)
    # look up each distinct country once, then spread back to the lines (fast on 500k lines)
    codes, uniques = pd.factorize(country, use_na_sentinel=True)
    missing = codes < 0
    unknown = sorted(set(pd.Index(uniques, dtype="str")) - set(ref.index))
    if unknown or missing.any():
        listed = unknown + (["<missing>"] if missing.any() else [])
        warnings.warn(
            f"{len(listed)} country value(s) have no row in the country table and get region "
            f"'{UNKNOWN_REGION}': {listed}. Add them to data/countries.csv to fix this.",
            ProfilingWarning,
            stacklevel=3,
        )
    small = ref.reindex(pd.Index(uniques, dtype="str"))
    safe = np.where(missing, 0, codes)

    def spread(values: pd.Series) -> np.ndarray:
        arr = values.to_numpy(dtype=object, na_value=None)
        if len(arr) == 0:
            return np.full(len(codes), None, dtype=object)
        taken = arr[safe]
        taken[missing] = None
        return taken

    region = pd.Series(spread(small["region"]), index=country.index, dtype="str").fillna(UNKNOWN_REGION)
    eu = pd.Series(spread(small["eu_member_2010"]), index=country.index, dtype="boolean")
    currency = pd.Series(spread(small["currency_2010"]), index=country.index, dtype="str")
    return pd.DataFrame({"region": region, "eu_member_2010": eu, "currency_2010": currency}, index=country.index)


def fuse(transactions: pd.DataFrame, countries: pd.DataFrame | None = None) -> pd.DataFrame:
    """Join the country reference table onto transactions (a left join on ``country``).

    Countries with no row in the reference table (and missing countries) get region
    ``"Unknown"`` and missing ``eu_member_2010`` / ``currency_2010``; a ``UserWarning`` lists
    them, so that a user's own data with new country names is noticed but still usable.

    Parameters
    ----------
    transactions:
        Canonical transactions. Never modified.
    countries:
        Reference table with :data:`COUNTRY_COLUMNS`; ``None`` = :func:`load_countries`.

    Returns
    -------
    Copy of ``transactions`` (same rows, same order and index) with columns ``region``,
    ``eu_member_2010`` and ``currency_2010`` added.

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> fused = fuse(make_transactions(100, random_state=0))
    >>> fused.groupby("region")["customer_id"].nunique().to_dict()
    {'Northern Europe': 92, 'Southern Europe': 2, 'Western Europe': 6}
    """
    _check_columns(transactions, COLUMNS)
    looked_up = _lookup(transactions["country"], countries)
    out = transactions.copy()
    for col in looked_up.columns:
        out[col] = looked_up[col]
    return out


def basic_attributes(
    transactions: pd.DataFrame,
    countries: pd.DataFrame | None = None,
    cutoff: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row of basic attributes per customer: where they buy from and since when.

    Parameters
    ----------
    transactions:
        Canonical transactions, normally cleaned (:func:`clean`); lines without a customer id are
        ignored.
    countries:
        Reference table (:func:`load_countries` if ``None``).
    cutoff:
        If given, only lines with ``timestamp < cutoff`` are used and tenure is measured up to
        ``cutoff``; otherwise up to the last timestamp in the data.

    Returns
    -------
    DataFrame indexed by ``customer_id`` (str, sorted) with columns :data:`ATTRIBUTE_COLUMNS`:
    ``country`` (the customer's most frequent country by lines; ties broken alphabetically),
    ``n_countries`` (distinct countries seen), ``region``, ``eu_member_2010``, ``currency_2010``
    (of that country, via :func:`fuse`), ``first_purchase``, ``last_purchase`` (timestamps),
    ``tenure_days`` (whole days from the first purchase to the reference date) and
    ``n_invoices`` (distinct invoices).

    Example
    -------
    >>> from profiling.datasets import make_transactions
    >>> cleaned, _ = clean(make_transactions(100, random_state=0))
    >>> attrs = basic_attributes(cleaned, cutoff="2010-09-01")
    >>> attrs[["country", "region", "tenure_days"]].head(3).reset_index()
      customer_id         country           region  tenure_days
    0       10002  United Kingdom  Northern Europe           49
    1       10003  United Kingdom  Northern Europe          215
    2       10005            EIRE  Northern Europe           78
    """
    _check_columns(transactions, COLUMNS)
    _check_types(transactions)
    tx = transactions.loc[transactions["customer_id"].notna(), COLUMNS]
    if cutoff is not None:
        ref_date = pd.Timestamp(cutoff)
        tx = tx.loc[tx["timestamp"] < ref_date]
    else:
        ref_date = transactions["timestamp"].max()
    tx = tx.assign(customer_id=_text(tx["customer_id"]), country=_text(tx["country"]))

    counts = tx.groupby(["customer_id", "country"]).size().rename("n").reset_index()
    counts = counts.sort_values(["customer_id", "n", "country"], ascending=[True, False, True], kind="stable")
    main = counts.drop_duplicates("customer_id").set_index("customer_id")["country"]
    g = tx.groupby("customer_id")
    out = pd.DataFrame(
        {
            "country": main.reindex(g.size().index),
            "n_countries": g["country"].nunique(),
            "first_purchase": g["timestamp"].min(),
            "last_purchase": g["timestamp"].max(),
            "n_invoices": g["invoice_id"].nunique(),
        },
        index=g.size().index,
    )
    out.index = out.index.astype("str")
    out.index.name = "customer_id"
    out["country"] = out["country"].astype("str")
    looked_up = _lookup(out["country"], countries) if len(out) else pd.DataFrame(
        {"region": pd.Series(dtype="str"), "eu_member_2010": pd.Series(dtype="boolean"),
         "currency_2010": pd.Series(dtype="str")}, index=out.index)
    for col in looked_up.columns:
        out[col] = looked_up[col]
    out["tenure_days"] = ((ref_date - out["first_purchase"]) // pd.Timedelta(days=1)).astype("int64")
    out["n_countries"] = out["n_countries"].astype("int64")
    out["n_invoices"] = out["n_invoices"].astype("int64")
    return out[ATTRIBUTE_COLUMNS].sort_index(kind="stable")
