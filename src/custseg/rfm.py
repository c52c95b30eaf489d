"""From transactions to customers: recency, frequency, monetary value, and RFM score groups.

The RFM groups are the classic rule-based segmentation (scores 1-5 by quintile; Champions,
Loyal, At risk...), a baseline to set next to the KMeans segments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.errors import CustsegError
from custseg.formatting import counted

#: First matching rule wins: (group, condition on the r, f, m scores).
RFM_RULES = (
    ("Champions", lambda r, f, m: (r >= 4) & (f >= 4) & (m >= 4)),
    ("Can't lose them", lambda r, f, m: (r <= 2) & (f >= 4) & (m >= 4)),
    ("Loyal", lambda r, f, m: (r >= 3) & (f >= 4)),
    ("At risk", lambda r, f, m: (r <= 2) & (f >= 3)),
    ("New customers", lambda r, f, m: (r == 5) & (f <= 1)),
    ("Potential loyalists", lambda r, f, m: (r >= 4) & (f >= 2)),
    ("Promising", lambda r, f, m: (r >= 4) & (f <= 1)),
    ("Need attention", lambda r, f, m: (r == 3) & (f == 3)),
    ("About to sleep", lambda r, f, m: r == 3),
    ("Hibernating", lambda r, f, m: r == 2),
    ("Lost", lambda r, f, m: r <= 1),
)


#: The columns the customer table adds next to the customer id.
MEASURES = (
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "avg_order_value",
    "r_score",
    "f_score",
    "m_score",
    "rfm_group",
)


def _quintile_score(values: pd.Series, *, higher_is_better: bool) -> pd.Series:
    ranks = values.rank(method="first", ascending=higher_is_better)
    return (np.ceil(5 * ranks / len(values))).clip(1, 5).astype(int)


def customer_table(
    transactions: pd.DataFrame,
    *,
    customer: str,
    date: str,
    amount: str,
    as_of: str | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp]:
    """One row per customer: recency, frequency, monetary value, tenure, average order value,
    RFM scores and group.

    Parameters
    ----------
    transactions : DataFrame with one row per order
    customer, date, amount : column names
    as_of : date, optional
        The day recency is measured from (default: the day after the last transaction).

    Returns
    -------
    table : DataFrame with columns ``<customer>, recency_days, frequency, monetary,
        tenure_days, avg_order_value, r_score, f_score, m_score, rfm_group``
        The id keeps the name of the ``customer`` column; amounts are rounded to cents.
    as_of : the date used

    Raises
    ------
    CustsegError
        For missing columns, unreadable dates or amounts, or no transactions.
    """
    named = {"--customer": customer, "--date": date, "--amount": amount}
    shared = sorted({c for c in named.values() if list(named.values()).count(c) > 1})
    if shared:
        options = [option for option, column in named.items() if column in shared]
        raise CustsegError(
            f"{' and '.join(options)} {'both' if len(options) == 2 else 'all'} name the "
            f"column {shared[0]!r}.",
            hint="Name three different columns: the customer id, the date and the amount.",
        )
    if customer in MEASURES:
        raise CustsegError(
            f"The customer id column {customer!r} has the name of a column the customer table "
            "adds.",
            hint="Rename the id column in the transactions.",
        )
    reference = _as_of_date(as_of)
    missing = [c for c in (customer, date, amount) if c not in transactions.columns]
    if missing:
        raise CustsegError(
            f"The transactions have no column {', '.join(map(repr, missing))}.",
            hint=f"Columns: {', '.join(map(str, transactions.columns[:15]))}.",
        )
    frame = transactions[[customer, date, amount]].dropna(subset=[customer])
    dates = pd.to_datetime(frame[date], errors="coerce", format="mixed")
    amounts = pd.to_numeric(frame[amount], errors="coerce")
    for values, column, kind in ((dates, date, "date"), (amounts, amount, "number")):
        bad = int(values.isna().sum())
        if bad:
            example = frame.loc[values.isna(), column].iloc[0]
            raise CustsegError(
                f"{counted(bad, 'entry', 'entries')} of {column} cannot be read as a {kind}, "
                f"e.g. {example!r}.",
                hint="Fix or remove those transactions.",
            )
    if frame.empty:
        raise CustsegError("There are no transactions.")
    if reference is None:
        reference = dates.max().normalize() + pd.Timedelta(days=1)
    if dates.max() > reference:
        raise CustsegError(
            f"--as-of {reference.date()} is before the last transaction ({dates.max().date()})."
        )
    grouped = pd.DataFrame(
        {
            "customer": frame[customer].to_numpy(),
            "date": dates.to_numpy(),
            "amount": amounts.to_numpy(),
        }
    ).groupby("customer")
    table = pd.DataFrame(
        {
            "recency_days": (reference - grouped["date"].max()).dt.days,
            "frequency": grouped.size(),
            "monetary": grouped["amount"].sum(),
            "tenure_days": (reference - grouped["date"].min()).dt.days,
        }
    )
    # Scores rank the exact sums; what is written is in cents (no 48.150000000000006).
    table["avg_order_value"] = (table["monetary"] / table["frequency"]).round(2)
    table["r_score"] = _quintile_score(table["recency_days"], higher_is_better=False)
    table["f_score"] = _quintile_score(table["frequency"], higher_is_better=True)
    table["m_score"] = _quintile_score(table["monetary"], higher_is_better=True)
    table["rfm_group"] = rfm_groups(table["r_score"], table["f_score"], table["m_score"])
    table["monetary"] = table["monetary"].round(2)
    return table.rename_axis(customer).reset_index(), reference


def _as_of_date(text: str | None) -> pd.Timestamp | None:
    if not text:
        return None
    try:
        reference = pd.Timestamp(text)
    except (ValueError, TypeError, OverflowError):
        reference = pd.NaT
    if pd.isna(reference):
        raise CustsegError(
            f"--as-of {text!r} is not a date.", hint="Write it as YYYY-MM-DD, e.g. 2024-01-31."
        )
    return reference.tz_localize(None) if reference.tzinfo else reference


def rfm_groups(r: pd.Series, f: pd.Series, m: pd.Series) -> pd.Series:
    """The classic RFM group of every customer, by the first matching rule."""
    conditions = [rule(r, f, m) for _, rule in RFM_RULES]
    return pd.Series(
        np.select(conditions, [name for name, _ in RFM_RULES], default="Other"), index=r.index
    )
