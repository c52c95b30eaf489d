"""Reading a fitted decision tree as rule conditions: the tree's input matrix, its leaves as
simplified conditions, and thresholds moved to the roundest number that selects the same rows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Condition:
    """One test of a rule: ``column op value``, op one of ``< >= == !=``."""

    column: str
    op: str
    value: Any

    def mask(self, values: pd.DataFrame) -> np.ndarray:
        x = values[self.column]
        if self.op == "<":
            return x.to_numpy(dtype=float) < self.value
        if self.op == ">=":
            return x.to_numpy(dtype=float) >= self.value
        equal = (x == self.value).to_numpy(dtype=bool)
        return equal if self.op == "==" else ~equal



#: Numeric columns beyond this magnitude are divided by a power of two before the tree sees
#: them: the tree works in float32, which overflows near 3.4e38.
FLOAT32_SAFE = 2.0**100


def design_matrix(
    filled: pd.DataFrame, features: list[str], categorical: list[str]
) -> tuple[np.ndarray, list[tuple[str, Any]], dict[str, float]]:
    """The tree's input: numeric columns as they are (huge ones scaled by a power of two, which
    is exact), one indicator per category.

    Returns the matrix, per column ``(source column, category or None)``, and the scale of
    every scaled column (thresholds times the scale are in original units).
    """
    blocks, columns, scales = [], [], {}
    for column in features:
        if column in categorical:
            for category in sorted(filled[column].unique(), key=str):
                blocks.append((filled[column] == category).to_numpy(dtype=float))
                columns.append((column, category))
        else:
            values = filled[column].to_numpy(dtype=float)
            largest = float(np.abs(values).max(initial=0.0))
            if largest > FLOAT32_SAFE:
                scales[column] = 2.0 ** np.floor(np.log2(largest))
                values = values / scales[column]
            blocks.append(values)
            columns.append((column, None))
    return np.column_stack(blocks), columns, scales


def tree_leaves(
    tree, columns, filled: pd.DataFrame, categorical, scales: dict[str, float]
) -> list[tuple[Condition, ...]]:
    """The simplified conditions of every leaf, after merging sibling leaves that name the
    same segment."""
    structure = tree.tree_
    left, right = structure.children_left, structure.children_right
    majority = structure.value[:, 0, :].argmax(axis=1)
    sorted_values = {
        c: np.unique(filled[c].to_numpy(dtype=float)) for c in filled if c not in categorical
    }

    def collapse(node: int) -> int | None:
        """The segment index if the subtree at ``node`` predicts one segment everywhere."""
        if left[node] == -1:
            return int(majority[node])
        a, b = collapse(left[node]), collapse(right[node])
        return a if a is not None and a == b else None

    leaves: list[tuple[Condition, ...]] = []

    def walk(node: int, path: list[Condition]) -> None:
        if left[node] == -1 or collapse(node) is not None:
            leaves.append(_simplify(path))
            return
        column, category = columns[structure.feature[node]]
        if category is not None:
            below, above = Condition(column, "!=", category), Condition(column, "==", category)
        else:
            threshold = float(structure.threshold[node]) * scales.get(column, 1.0)
            cut = _round_cut(sorted_values[column], threshold)
            below, above = Condition(column, "<", cut), Condition(column, ">=", cut)
        walk(left[node], [*path, below])
        walk(right[node], [*path, above])

    walk(0, [])
    return leaves


def _round_cut(values: np.ndarray, threshold: float) -> float:
    """The roundest ``c`` with ``x < c`` exactly when ``x <= threshold`` for every value.

    ``values`` are the column's distinct values, sorted; ``c`` lies in (a, b] for a the largest
    value at most the threshold and b the smallest above it.
    """
    position = int(np.searchsorted(values, threshold, side="right"))
    if position == 0 or position == len(values):
        return float(threshold)
    a, b = float(values[position - 1]), float(values[position])
    if a < 0 <= b:
        return 0.0
    magnitude = math.floor(math.log10(max(abs(a), abs(b))))
    for digits in range(1, 18):
        decimals = digits - 1 - magnitude
        candidate = round((math.floor(a * 10.0**decimals) + 1) / 10.0**decimals, decimals)
        if a < candidate <= b:
            return float(candidate)
    return b


def _simplify(path: list[Condition]) -> tuple[Condition, ...]:
    """One lower and one upper bound per numeric column; an ``==`` makes ``!=`` redundant."""
    kept: dict[tuple[str, str], Condition] = {}
    excluded: list[Condition] = []
    for condition in path:
        key = (condition.column, condition.op)
        if condition.op == "!=":
            excluded.append(condition)
        elif condition.op == "==" or key not in kept:
            kept[key] = condition
        elif condition.op == "<":
            kept[key] = min(kept[key], condition, key=lambda c: c.value)
        else:
            kept[key] = max(kept[key], condition, key=lambda c: c.value)
    equal = {c.column for c in kept.values() if c.op == "=="}
    conditions = [*kept.values(), *(c for c in excluded if c.column not in equal)]
    order = {c.column: i for i, c in enumerate(path)}
    return tuple(sorted(conditions, key=lambda c: (order[c.column], c.op != ">=")))
