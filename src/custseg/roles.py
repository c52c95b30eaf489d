"""What each column of a customer table is for: inferred, shown, and overridable.

Ids (unique values, or names like ``CustomerID``), constants, dates and free text are never
features unless named; text columns with few values, and integer columns with a handful of codes,
are categorical; other numeric columns are numeric features.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from custseg.dataset import is_numeric
from custseg.errors import CustsegError
from custseg.formatting import counted

ID_NAME = re.compile(
    r"(?i)(^id$|^key$|_id$|^id_|\bid\b|(customer|client|user|account|member|"
    r"household|order)\s*_?\s*(id|no|number|key|code)$|\wID$)"
)  # "\wID$", not "\w+ID$": the same names, without quadratic time on a very long name
#: Text columns with at most this many distinct values are categorical.
MAX_CATEGORIES = 50
#: Integer columns with at most this many distinct codes are taken as categorical codes.
MAX_INTEGER_CODES = 5
#: An id-like name whose values repeat in at most this share of rows is a damaged id column.
NEAR_UNIQUE_REPEATS = 0.01


@dataclass(frozen=True)
class ColumnRole:
    column: str
    role: str
    reason: str


def _looks_like_dates(series: pd.Series) -> bool:
    sample = series.dropna().astype(str).head(200)
    if sample.empty or not sample.str.contains(r"\d", regex=True).all():
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.9 and sample.str.len().min() >= 6)


def _mixed(series: pd.Series) -> tuple[int, object] | None:
    """For a text column that is mostly numbers: how many entries are not, and one of them."""
    values = series.dropna()
    if values.empty:
        return None
    numbers = pd.to_numeric(values, errors="coerce")
    bad = values[numbers.isna()]
    if 0 < len(bad) <= 0.2 * len(values):
        return len(bad), bad.iloc[0]
    return None


def infer_role(series: pd.Series, name: str) -> ColumnRole:
    """The inferred role of one column, with the reason in words."""
    values = series.dropna()
    n = len(series)
    distinct = values.nunique()
    if values.empty:
        return ColumnRole(name, "excluded", "empty")
    if distinct == 1:
        return ColumnRole(name, "excluded", f"constant ({values.iloc[0]!r})")
    if pd.api.types.is_datetime64_any_dtype(series) or (
        not is_numeric(series) and _looks_like_dates(series)
    ):
        return ColumnRole(name, "excluded", "date")
    mixed = None if is_numeric(series) else _mixed(series)
    if mixed:
        return ColumnRole(
            name,
            "excluded",
            f"mixed types: {counted(mixed[0], 'non-numeric entry', 'non-numeric entries')}, "
            f"e.g. {mixed[1]!r}",
        )
    unique = distinct == n and n > 1
    running_number = (
        pd.api.types.is_integer_dtype(series) and unique and values.max() - values.min() + 1 == n
    )
    if unique and (ID_NAME.search(name) or not is_numeric(series) or running_number):
        reason = "unique value per row"
        if ID_NAME.search(name):
            reason += " and an id-like name"
        elif running_number:
            reason += " (a running number)"
        return ColumnRole(name, "id", reason)
    repeats = n - distinct
    if ID_NAME.search(name) and n >= 10 and 0 < repeats <= NEAR_UNIQUE_REPEATS * n:
        repeated = values[values.duplicated()].iloc[0]
        repeated = repr(repeated) if isinstance(repeated, str) else str(repeated)
        return ColumnRole(
            name,
            "excluded",
            f"an id-like name and unique values but for {repeats:,} repeat(s), e.g. "
            f"{repeated}: an id with duplicates? (name it in --features to use it, or "
            "--id to use it as the id)",
        )
    if is_numeric(series):
        if pd.api.types.is_bool_dtype(series):
            return ColumnRole(name, "categorical", "true/false")
        if (
            pd.api.types.is_integer_dtype(series)
            and distinct <= MAX_INTEGER_CODES
            and values.min() >= 0
        ):
            return ColumnRole(name, "categorical", f"{distinct} integer codes")
        return ColumnRole(name, "numeric", "numbers")
    if distinct <= MAX_CATEGORIES:
        return ColumnRole(name, "categorical", f"text with {distinct} values")
    return ColumnRole(name, "excluded", f"free text ({distinct:,} distinct values)")


def infer_roles(
    frame: pd.DataFrame,
    *,
    ids: Sequence[str] = (),
    weight: str | None = None,
    categorical: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> list[ColumnRole]:
    """Every column's role, the user's choices overriding the inference.

    Raises
    ------
    CustsegError
        If a named column does not exist.
    """
    named = [*ids, *([weight] if weight else []), *categorical, *exclude]
    missing = [c for c in named if c not in frame.columns]
    if missing:
        raise CustsegError(
            f"No column {', '.join(map(repr, missing))} in the table.",
            hint=f"Columns: {', '.join(map(str, frame.columns[:15]))}.",
        )
    roles = []
    for column in frame.columns:
        if column in ids:
            roles.append(ColumnRole(column, "id", "--id"))
        elif column == weight:
            roles.append(ColumnRole(column, "weight", "--weight"))
        elif column in exclude:
            roles.append(ColumnRole(column, "excluded", "--exclude"))
        elif column in categorical:
            roles.append(ColumnRole(column, "categorical", "--categorical"))
        else:
            role = infer_role(frame[column], str(column))
            if role.role == "id" and ids:
                role = ColumnRole(column, "excluded", role.reason + " (not the --id column)")
            roles.append(role)
    return roles
