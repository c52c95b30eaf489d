"""Rules in words and in SQL: descriptions with the dataset's labels and money formatting,
``WHERE`` clauses with quoted identifiers, exact number literals and the model's fill values,
and the SQL condition of a run's population."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from custseg.formatting import number


@dataclass(frozen=True)
class RuleWords:
    labels: Mapping[str, str]
    money_columns: set[str]
    fill: Mapping[str, Any]
    population_sql: str
    value_labels: Mapping[str, Mapping[Any, str]] = field(default_factory=dict)

    def category(self, column: str, value: Any) -> str:
        return str(self.value_labels.get(column, {}).get(value, value))

    def label(self, column: str) -> str:
        label = self.labels.get(column, column)
        # "Total assets" reads "total assets" mid-sentence; a column name stays as written.
        lower = " " in label and label[1:] == label[1:].lower()
        return label[0].lower() + label[1:] if lower else label

    def value(self, column: str, value: float) -> str:
        """The threshold as people write it ("$239k", "$1.458M", "8,281"), never rounded."""
        if column not in self.money_columns:
            short = number(value)
            if float(f"{value:.3g}") == value:
                return short
            return f"{value:,.6f}".rstrip("0").rstrip(".")
        size, sign = abs(value), "-" if value < 0 else ""
        for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if size >= divisor:
                for digits in range(3, 16):
                    scaled = f"{size / divisor:.{digits}g}"
                    if float(scaled) * divisor == size:
                        return f"{sign}${scaled}{suffix}"
                break
        if size == int(size):
            return f"{sign}${size:,.0f}"
        return f"{sign}${f'{size:.6f}'.rstrip('0')}"

    def describe(self, conditions: tuple) -> str:
        if not conditions:
            return "everyone"
        parts, done = [], set()
        for condition in conditions:
            column = condition.column
            if column in done:
                continue
            same = [c for c in conditions if c.column == column]
            ops = {c.op: c for c in same}
            label = self.label(column)
            if "<" in ops and ">=" in ops:
                low, high = self.value(column, ops[">="].value), self.value(column, ops["<"].value)
                parts.append(f"{label} from {low} to under {high}")
            elif "<" in ops:
                parts.append(f"{label} under {self.value(column, ops['<'].value)}")
            elif ">=" in ops:
                parts.append(f"{label} of {self.value(column, ops['>='].value)} or more")
            elif "==" in ops:
                parts.append(f"{label} is {self.category(column, ops['=='].value)}")
            else:
                values = " or ".join(self.category(column, c.value) for c in same)
                parts.append(f"{label} is not {values}")
            done.add(column)
        text = " and ".join(parts)
        return text[0].upper() + text[1:]

    def sql(self, conditions: tuple) -> str:
        parts = [self.population_sql] if self.population_sql else []
        for condition in conditions:
            column = quote_identifier(condition.column)
            if condition.column in self.fill:
                column = f"COALESCE({column}, {sql_literal(self.fill[condition.column])})"
            op = "<>" if condition.op == "!=" else "=" if condition.op == "==" else condition.op
            parts.append(f"{column} {op} {sql_literal(condition.value)}")
        return " AND ".join(f"({p})" if " OR " in p else p for p in parts) or "TRUE"


def quote_identifier(name: str) -> str:
    """A column name as a double-quoted SQL identifier (quotes inside doubled)."""
    return '"' + str(name).replace('"', '""') + '"'


def sql_literal(value: Any) -> str:
    """A number as its exact shortest decimal form, text as a quoted string."""
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    return "'" + str(value).replace("'", "''") + "'"
