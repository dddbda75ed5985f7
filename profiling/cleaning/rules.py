"""Clean canonical transactions with named, documented rules, each accounted for in a report.

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

Example
-------
>>> from profiling.datasets import make_transactions
>>> tx = make_transactions(100, random_state=0)
>>> cleaned, report = clean(tx)
>>> int(report["rows_removed"].sum()) == len(tx) - len(cleaned)
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np
import pandas as pd

from profiling.cleaning._checks import as_text, check_columns, check_types
from profiling.datasets import COLUMNS
from profiling.i18n import tr

__all__ = [
    "NON_PRODUCT_CODES",
    "NON_PRODUCT_PATTERNS",
    "REPORT_COLUMNS",
    "RETURN_RULES",
    "Rule",
    "default_rules",
    "clean",
    "is_cancellation",
    "is_non_product",
    "match_cancellations",
    "extreme_quantity_mask",
    "normalize_description",
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


def _revenue(frame: pd.DataFrame) -> float:
    """Sum of quantity * unit_price: an exactly rounded sum (``math.fsum``), so it does not depend
    on the order of the rows, rounded to 4 decimals."""
    amounts = (frame["quantity"] * frame["unit_price"]).to_numpy(dtype="float64", na_value=np.nan)
    return round(math.fsum(amounts[~np.isnan(amounts)]), 4)


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
    code = as_text(item_id).str.strip().str.upper()
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
    return as_text(invoice_id).str.strip().str.upper().str.startswith("C").fillna(False).astype(bool)


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
    check_columns(transactions, COLUMNS)
    tx = transactions
    cancel = is_cancellation(tx["invoice_id"])
    has_customer = tx["customer_id"].notna()
    c = tx.loc[cancel & has_customer & (tx["quantity"] < 0)]
    p = tx.loc[~cancel & has_customer & (tx["quantity"] > 0)]
    key = ["customer_id", "item_id", "q"]
    c_ev = pd.DataFrame(
        {
            "customer_id": as_text(c["customer_id"]),
            "item_id": as_text(c["item_id"]),
            "q": -c["quantity"].to_numpy(),
            "timestamp": c["timestamp"],
            "event": 1,  # after a purchase with the same timestamp: it may cancel it
            "invoice_id": as_text(c["invoice_id"]),
            "unit_price": c["unit_price"],
            "description": as_text(c["description"]),
            "country": as_text(c["country"]),
            "label": c.index,
        }
    )
    p_ev = pd.DataFrame(
        {
            "customer_id": as_text(p["customer_id"]),
            "item_id": as_text(p["item_id"]),
            "q": p["quantity"].to_numpy(),
            "timestamp": p["timestamp"],
            "event": 0,
            "invoice_id": as_text(p["invoice_id"]),
            "unit_price": p["unit_price"],
            "description": as_text(p["description"]),
            "country": as_text(p["country"]),
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
    """``True`` for lines whose quantity is extreme **for that item** -- purchases and returns alike.

    A line is extreme when its size ``|quantity|`` is at least ``min_quantity`` units **and** more
    than ``factor`` times the median quantity of the item's purchase lines (positive quantities
    among the lines passed in). Sizes, not signed quantities, are compared so that the return of a
    dropped extreme purchase (80,995 units bought, 80,995 returned) is dropped with it: keeping the
    return alone would give that customer a large negative spend and a return rate far above 1.

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
    >>> tx = pd.DataFrame({"item_id": ["A", "A", "A", "A", "A", "B"], "quantity": [2, 3, 2, 5000, -5000, 5000]})
    >>> extreme_quantity_mask(tx, factor=100, min_quantity=1000).tolist()
    [False, False, False, True, True, False]
    """
    if factor <= 0 or min_quantity < 0:
        raise ValueError(f"factor must be > 0 and min_quantity >= 0, got factor={factor}, min_quantity={min_quantity}.")
    q = transactions["quantity"]
    size = q.abs()
    bought = q.where(q > 0)
    median = bought.groupby(as_text(transactions["item_id"]), dropna=False).transform("median")
    return ((size >= min_quantity) & (size > factor * median)).fillna(False).astype(bool)


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
    text = as_text(description)
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
        Rule("duplicates", tr("exact duplicate lines (all columns equal); one copy is kept"), _duplicates),
        Rule("missing_customer", tr("lines without a customer id"), _missing_customer),
        Rule(
            "non_product",
            tr("non-product stock codes: postage, carriage, manual, discount, fees, adjustments, samples, tests, vouchers"),
            _non_product,
        ),
        Rule(
            "cancellations",
            tr("cancellation lines (invoice C...) and the purchase lines they cancel (same customer, item, quantity)"),
            _cancellations,
        ),
        Rule("returns", tr("remaining lines with a negative quantity"), _returns),
        Rule("bad_price", tr("lines with a missing, zero or negative unit price"), _bad_price),
        Rule(
            "extreme_quantity",
            tr("|quantity| >= {min_quantity:g} and > {factor:g} x the item's median purchase quantity "
               "(a return of such a purchase goes with it)").format(min_quantity=extreme_min_quantity,
                                                                    factor=extreme_factor),
            lambda tx: extreme_quantity_mask(tx, extreme_factor, extreme_min_quantity),
        ),
        Rule(
            "normalize_description",
            tr("descriptions stripped, whitespace collapsed, upper-cased (no row removed)"),
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
    check_columns(transactions, COLUMNS)
    check_types(transactions)
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
