"""Row filters: named populations and structured ``--where`` conditions.

A condition is ``COLUMN OP VALUE`` with OP one of ``== != < <= > >=``; VALUE is a number or a
(optionally quoted) text. Conditions are parsed here and applied with pandas comparisons; user
text is never evaluated as Python or SQL.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custseg.dataset import Dataset, is_numeric
from custseg.errors import CustsegError

_OPERATORS: dict[str, Callable[[pd.Series, object], pd.Series]] = {
    "==": operator.eq,
    "=": operator.eq,
    "!=": operator.ne,
    "<=": operator.le,
    ">=": operator.ge,
    "<": operator.lt,
    ">": operator.gt,
}
_CONDITION = re.compile(r"^\s*(?P<column>.+?)\s*(?P<op>==|!=|<=|>=|=|<|>)\s*(?P<value>.+?)\s*$")


@dataclass(frozen=True)
class Condition:
    """One parsed ``COLUMN OP VALUE`` condition."""

    column: str
    op: str
    value: float | str

    def __str__(self) -> str:
        value = self.value if isinstance(self.value, str) else f"{self.value:.15g}"
        return f"{self.column} {self.op} {value}"


def parse_condition(text: str) -> Condition:
    """Parse ``"INCOME<500000"`` into a :class:`Condition`.

    Raises
    ------
    CustsegError
        If the text is not of the form COLUMN OP VALUE.
    """
    match = _CONDITION.match(text)
    if not match or any(symbol in match["value"] for symbol in "<>=!"):
        raise CustsegError(
            f"Cannot read the condition {text!r}.",
            hint="Write COLUMN OP VALUE with OP one of == != < <= > >=, "
            'e.g. --where "INCOME<500000".',
        )
    raw = match["value"]
    value: float | str
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        value = raw[1:-1]
    else:
        try:
            value = float(raw)
        except ValueError:
            value = raw
    op = "==" if match["op"] == "=" else match["op"]
    return Condition(match["column"].strip("'\" "), op, value)


def condition_mask(frame: pd.DataFrame, condition: Condition) -> pd.Series:
    """Boolean mask of the rows of ``frame`` that satisfy ``condition``."""
    if condition.column not in frame.columns:
        raise CustsegError(
            f"The condition '{condition}' names no column of the data: {condition.column!r}."
        )
    column = frame[condition.column]
    numeric = is_numeric(column)
    if isinstance(condition.value, str) and numeric:
        raise CustsegError(
            f"The condition '{condition}' compares the numeric column "
            f"{condition.column} with text {condition.value!r}."
        )
    if not isinstance(condition.value, str) and not numeric:
        column = pd.to_numeric(column, errors="coerce")
    elif isinstance(condition.value, str) and condition.op not in ("==", "!="):
        raise CustsegError(f"The condition '{condition}' orders text; use == or != for text.")
    return _OPERATORS[condition.op](column, condition.value).fillna(False).astype(bool)


@dataclass(frozen=True)
class Selection:
    """The rows a run uses, and how they were chosen."""

    dataset: Dataset
    population: str
    description: str
    conditions: tuple[str, ...]


def rebase_condition(condition: Condition, factor: float) -> Condition:
    """``condition`` with its dollar limit multiplied by ``factor`` (to another year's dollars)."""
    if isinstance(condition.value, str) or factor == 1.0:
        return condition
    return Condition(condition.column, condition.op, float(condition.value) * factor)


def select_population(
    dataset: Dataset,
    population: str = "all",
    where: Sequence[str] = (),
    *,
    dollar_rebase: float = 1.0,
) -> Selection:
    """Keep the rows of ``dataset`` in the named ``population`` that meet every ``where``.

    Parameters
    ----------
    dataset : Dataset
    population : str
        One of ``dataset.populations``.
    where : sequence of str
        Extra ``COLUMN OP VALUE`` conditions.
    dollar_rebase : float, default 1.0
        Multiplies the limit of every condition on a dollar column of ``dataset``: a population
        defined in one year's dollars (``INCOME < 500000`` in 2019 dollars) is applied to data
        in another year's dollars with the limit rebased by the price index, so it selects the
        same households in real terms.

    Raises
    ------
    CustsegError
        For an unknown population, a malformed condition, or when no row remains.
    """
    if population not in dataset.populations:
        raise CustsegError(
            f"Unknown population {population!r} for {dataset.name}.",
            hint=f"Choose one of: {', '.join(dataset.populations)}; or filter with --where.",
        )
    named = dataset.populations[population]
    conditions = [
        rebase_condition(c, dollar_rebase) if c.column in dataset.dollar_columns else c
        for c in (parse_condition(text) for text in (*named.conditions, *where))
    ]
    mask = np.ones(dataset.n_rows, dtype=bool)
    for condition in conditions:
        mask &= condition_mask(dataset.frame, condition).to_numpy()
    texts = tuple(str(condition) for condition in conditions)
    if not mask.any():
        raise CustsegError(
            f"No row of {dataset.name} is in the population '{population}'"
            + (f" with {' and '.join(texts)}." if texts else "."),
            hint="Loosen the --where conditions or choose another --population.",
        )
    description = named.description
    if where:
        description += ", where " + " and ".join(str(parse_condition(t)) for t in where)
    dollar_limits = [c for c in conditions if c.column in dataset.dollar_columns]
    year = dataset.provenance.get("dollars_of")
    if dollar_limits and dollar_rebase != 1:
        basis = f"{year} dollars" if year else "this data's dollars"
        description += (
            f" (dollar limits rebased to {basis}: "
            + ", ".join(f"{c.column} {c.op} {c.value:,.0f}" for c in dollar_limits)
            + ")"
        )
    elif dollar_limits and year:
        description += f" (dollar limits in {year} dollars)"
    # Keeps source row numbers as the index; the whole table is not copied when all rows stay.
    subset = dataset.frame if mask.all() else dataset.frame.loc[mask]
    return Selection(dataset.with_frame(subset), population, description, texts)
