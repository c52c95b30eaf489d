"""What each column of a customer table is for: inferred, shown, and overridable.

Ids (unique values, or names like ``CustomerID``), constants, dates and free text are never
features unless named; columns of 0 and 1 (or true/false) are yes/no flags; text columns with few
values, and integer columns with a handful of codes, are categorical; other numeric columns are
numeric features.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from custseg.dataset import is_numeric
from custseg.errors import CustsegError
from custseg.formatting import counted

if TYPE_CHECKING:
    from custseg.dataset import Dataset

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


def is_flag(series: pd.Series) -> bool:
    """True for a yes/no column: booleans, or numbers that are all 0 or 1 (missing values aside)."""
    if pd.api.types.is_bool_dtype(series):
        return True
    if not is_numeric(series):
        return False
    if isinstance(series.dtype, np.dtype):  # plain NumPy numbers: checked without pandas
        values = series.to_numpy()
        if values.dtype.kind == "f":
            values = values[~np.isnan(values)]
        return values.size > 0 and bool(((values == 0) | (values == 1)).all())
    values = series.dropna()
    return not values.empty and bool(values.isin((0, 1)).all())


def yes_no_columns(frame: pd.DataFrame, known: Sequence[str] = ()) -> list[str]:
    """The columns of ``frame`` read as yes/no flags: declared in ``known``, or all 0 or 1."""
    return [c for c in frame.columns if c in known or is_flag(frame[c])]


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
    if is_flag(series):
        what = "true/false" if pd.api.types.is_bool_dtype(series) else "0/1"
        return ColumnRole(name, "flag", f"{what}: a yes/no flag, shown as the share of yes")
    if is_numeric(series):
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


def described_role(dataset: Dataset, column: str) -> ColumnRole:
    """The role of a column of a dataset whose columns are known (the SCF), with the reason.

    The reason says what the dataset's description makes of the column, and, when the rows at
    hand hold a single value, that there is nothing to compare.
    """
    series = dataset.frame[column]
    values = series.dropna()
    if column in dataset.id_columns:
        if column == dataset.household_column:
            return ColumnRole(column, "id", "household id, the same in each of its implicates")
        if column == dataset.implicate_column:
            return ColumnRole(column, "id", "household and implicate id (its last digit)")
        return ColumnRole(column, "id", "identifies a row")
    if column == dataset.weight_column:
        unit = dataset.weight_unit or "units"
        return ColumnRole(column, "weight", f"survey weight: the {unit} each row stands for")
    if column in dataset.flag_columns:
        role, reason = "flag", "0/1: a yes/no flag, shown as the share of yes"
    elif column in dataset.categorical_columns or not is_numeric(series):
        labelled = ", labelled" if column in dataset.value_labels else ""
        role, reason = "category", f"coded categories ({values.nunique()} codes here{labelled})"
    elif column in dataset.dollar_columns:
        role, reason = "amount", "a money amount"
    else:
        role, reason = "numeric", "numbers other than money, codes or 0/1 (a count, ratio...)"
    if values.nunique() <= 1:
        only = "no values" if values.empty else f"always {_shown(values.iloc[0])}"
        reason += f"; {only} in these rows, so nothing to compare"
    return ColumnRole(column, role, reason)


def _shown(value: object) -> str:
    return f"{value:g}" if pd.api.types.is_number(value) else repr(value)
