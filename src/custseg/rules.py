"""Segments as short rules: a shallow decision tree fitted to the segments, read as sentences
and as SQL ``WHERE`` clauses.

The tree is fitted (with the survey or row weights) on the model's features in original units
after the model's own imputation; categorical features enter as one-hot "is X" indicators. Each
leaf of the tree becomes a rule for the segment that makes up most of its weight; sibling leaves
of one segment are merged first, so a segment gets one or a few rules. Every threshold is moved,
within the gap between the two data values the tree split between, to the roundest number
there: the rule selects the same rows and reads "under $239k" rather than "at most
$238,950.5". Rules are evaluated in double precision with ``x < t`` exactly as the SQL clause
compares, so the rows a rule selects in Python and in a database are the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg.formatting import money, number, percent

DEFAULT_DEPTH = 3
#: Every leaf holds at least this weighted share of the rows: a rule for a handful of rows
#: is noise, not a description.
MIN_LEAF_SHARE = 0.01
#: The tree is fitted on a seeded sample of at most this many rows (a depth-3 tree gains
#: nothing from more, and fitting on millions takes long); rules are measured on every row.
TREE_ROWS = 100_000


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


@dataclass(frozen=True)
class Rule:
    """The conditions of one leaf, ANDed, and how well they pick out their segment.

    Attributes
    ----------
    precision : float
        Weighted share of the rows the rule selects that are in the segment.
    coverage : float
        Weighted share of the segment that the rule selects.
    share : float
        Weighted share of the population that the rule selects.
    """

    segment: int
    conditions: tuple[Condition, ...]
    description: str
    sql: str
    n_rows: int
    share: float
    precision: float
    coverage: float


@dataclass(frozen=True)
class RuleSet:
    """The rules of every segment and the tree's overall fidelity.

    Attributes
    ----------
    fidelity : float
        Weighted share of rows whose rule (leaf) names their own segment.
    rules : list of Rule
    segment_stats : dict of int to dict
        Per segment, the precision, coverage and row count of all its rules together.
    """

    rules: list[Rule]
    fidelity: float
    max_depth: int
    segments: list[int]
    names: Mapping[int, str]
    features: list[str]
    fill: Mapping[str, Any]
    population_sql: str
    weighted: bool
    segment_stats: dict[int, dict[str, float]] = field(default_factory=dict)

    def rule_mask(self, rule: Rule, values: pd.DataFrame) -> np.ndarray:
        """The rows of ``values`` (original units, missing values allowed) that ``rule``
        selects, filling missing values as the model does."""
        columns = list(dict.fromkeys(c.column for c in rule.conditions))
        # Infinite amounts are missing to the model, so they are filled like missing ones.
        filled = values[columns].replace([np.inf, -np.inf], np.nan).fillna(dict(self.fill))
        mask = np.ones(len(values), dtype=bool)
        for condition in rule.conditions:
            mask &= condition.mask(filled)
        return mask

    def for_segment(self, segment: int) -> list[Rule]:
        return [r for r in self.rules if r.segment == segment]

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: ``segment, name, rule, description, precision, coverage, share,
        n_rows, sql_where``."""
        rows = []
        for segment in self.segments:
            for number_, rule in enumerate(self.for_segment(segment), start=1):
                rows.append(
                    {
                        "segment": segment,
                        "name": self.names.get(segment, f"Segment {segment}"),
                        "rule": number_,
                        "description": rule.description,
                        "precision": rule.precision,
                        "coverage": rule.coverage,
                        "share": rule.share,
                        "n_rows": rule.n_rows,
                        "sql_where": rule.sql,
                    }
                )
        columns = ["segment", "name", "rule", "description", "precision", "coverage", "share"]
        return pd.DataFrame(rows, columns=[*columns, "n_rows", "sql_where"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: fidelity, settings and every segment's rules."""
        segments = []
        for segment in self.segments:
            rules = self.for_segment(segment)
            stats = self.segment_stats.get(segment, {})
            segments.append(
                {
                    "segment": segment,
                    "name": self.names.get(segment, f"Segment {segment}"),
                    "description": " or ".join(f"({r.description})" for r in rules)
                    if len(rules) > 1
                    else (rules[0].description if rules else "no rule: the tree never "
                          "predicts this segment at this depth"),
                    "sql_where": " OR ".join(f"({r.sql})" for r in rules) if rules else None,
                    **stats,
                    "rules": [
                        {
                            "description": r.description,
                            "sql_where": r.sql,
                            "precision": r.precision,
                            "coverage": r.coverage,
                            "share": r.share,
                            "n_rows": r.n_rows,
                        }
                        for r in rules
                    ],
                }
            )
        return {
            "fidelity": self.fidelity,
            "max_depth": self.max_depth,
            "weighted": self.weighted,
            "features": self.features,
            "imputed_values": {k: _json_value(v) for k, v in self.fill.items()},
            "population_sql": self.population_sql,
            "measures": (
                "precision: share of the rows a rule selects that are in its segment; coverage: "
                "share of the segment the rule selects; fidelity: share of all rows whose rule "
                "names their segment" + (" (all weighted)" if self.weighted else "")
            ),
            "segments": segments,
        }


def _json_value(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def segment_rules(
    values: pd.DataFrame,
    segments: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    fill: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    money_columns: Sequence[str] = (),
    names: Mapping[int, str] | None = None,
    population_sql: str = "",
    max_depth: int = DEFAULT_DEPTH,
    random_state: int | None = 0,
) -> RuleSet:
    """Fit a depth-limited tree to ``segments`` and read every segment's rules from it.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_columns)
        The features in original units (source column names); missing values are filled from
        ``fill`` (the model's imputation) before fitting and in every rule.
    segments : ndarray of shape (n_samples,)
        Segment numbers.
    weights : ndarray of shape (n_samples,), optional
        Survey or row weights for the tree and every measure.
    feature_names : sequence of str, optional
        The columns to use (default: all of ``values``).
    categorical : sequence of str
        Columns used as one-hot "is X" conditions; the others are numeric.
    fill : mapping of column to value, optional
        The imputed value of each column; required for columns with missing values.
    labels : mapping of column to label
        Words for the columns in the descriptions.
    money_columns : sequence of str
        Columns whose thresholds are written as dollars.
    names : mapping of segment to name
    population_sql : str
        SQL condition of the population, ANDed to every rule's clause.
    max_depth : int, default 3
    random_state : int, optional
        Seeds the tree's tie-breaking between equally good splits.

    Returns
    -------
    RuleSet
    """
    from sklearn.tree import DecisionTreeClassifier

    features = list(feature_names or values.columns)
    categorical = [c for c in categorical if c in features]
    fill = dict(fill or {})
    filled = pd.DataFrame(index=values.index)
    for column in features:
        series = values[column]
        if column not in categorical:
            series = pd.Series(values[column].to_numpy(dtype=float), index=values.index)
            series = series.where(np.isfinite(series))
        if series.isna().any():
            if column not in fill:
                raise ValueError(f"{column} has missing values and no imputed value in fill")
            series = series.fillna(fill[column])
        filled[column] = series
    design, columns = _design(filled, features, categorical)
    segments = np.asarray(segments)
    w = np.ones(len(segments)) if weights is None else np.asarray(weights, dtype=float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_weight_fraction_leaf=MIN_LEAF_SHARE, random_state=random_state
    )
    fit_rows = slice(None)
    if len(segments) > TREE_ROWS:
        rng = np.random.default_rng(random_state)
        fit_rows = np.sort(rng.choice(len(segments), TREE_ROWS, replace=False))
    tree.fit(design[fit_rows], segments[fit_rows], sample_weight=w[fit_rows])
    leaves = _leaves(tree, columns, filled, categorical)
    context = _Words(labels or {}, set(money_columns), fill, population_sql)
    classes = np.unique(segments)
    predicted = np.zeros(len(segments), dtype=segments.dtype)
    rules = []
    for conditions in leaves:
        mask = np.ones(len(segments), dtype=bool)
        for condition in conditions:
            mask &= condition.mask(filled)
        if not mask.any():
            continue
        totals = [w[mask & (segments == s)].sum() for s in classes]
        segment = classes[int(np.argmax(totals))]
        predicted[mask] = segment
        members = segments == segment
        selected = w[mask].sum()
        rules.append(
            Rule(
                segment=int(segment),
                conditions=conditions,
                description=context.describe(conditions),
                sql=context.sql(conditions),
                n_rows=int(mask.sum()),
                share=float(selected / w.sum()),
                precision=float(w[mask & members].sum() / selected) if selected else 0.0,
                coverage=float(w[mask & members].sum() / w[members].sum()),
            )
        )
    rules.sort(key=lambda r: (r.segment, -r.share))
    stats = {}
    for segment in classes:
        members, chosen = segments == segment, predicted == segment
        stats[int(segment)] = {
            "precision": float(w[chosen & members].sum() / w[chosen].sum()) if chosen.any() else 0.0,
            "coverage": float(w[chosen & members].sum() / w[members].sum()),
            "n_rows": int(chosen.sum()),
        }
    return RuleSet(
        rules=rules,
        fidelity=float(w[predicted == segments].sum() / w.sum()),
        max_depth=max_depth,
        segments=[int(s) for s in classes],
        names={int(k): v for k, v in (names or {}).items()},
        features=features,
        fill={c: fill[c] for c in features if c in fill},
        population_sql=population_sql,
        weighted=weights is not None,
        segment_stats=stats,
    )


def _design(
    filled: pd.DataFrame, features: list[str], categorical: list[str]
) -> tuple[np.ndarray, list[tuple[str, Any]]]:
    """The tree's input: numeric columns as they are, one indicator per category.

    Returns the matrix and, per column, ``(source column, category or None)``.
    """
    blocks, columns = [], []
    for column in features:
        if column in categorical:
            for category in sorted(filled[column].unique(), key=str):
                blocks.append((filled[column] == category).to_numpy(dtype=float))
                columns.append((column, category))
        else:
            blocks.append(filled[column].to_numpy(dtype=float))
            columns.append((column, None))
    return np.column_stack(blocks), columns


def _leaves(tree, columns, filled: pd.DataFrame, categorical) -> list[tuple[Condition, ...]]:
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
            cut = _round_cut(sorted_values[column], float(structure.threshold[node]))
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


@dataclass(frozen=True)
class _Words:
    labels: Mapping[str, str]
    money_columns: set[str]
    fill: Mapping[str, Any]
    population_sql: str

    def label(self, column: str) -> str:
        label = self.labels.get(column, column)
        # "Total assets" reads "total assets" mid-sentence; a column name stays as written.
        lower = " " in label and label[1:] == label[1:].lower()
        return label[0].lower() + label[1:] if lower else label

    def value(self, column: str, value: float) -> str:
        """Short money or number format when it is exact, else every digit."""
        short = (money if column in self.money_columns else number)(value)
        if float(f"{value:.3g}") == value:
            return short
        digits = f"{value:,.2f}".rstrip("0").rstrip(".")
        return ("$" + digits if value >= 0 else "-$" + digits[1:]) if column in \
            self.money_columns else digits

    def describe(self, conditions: tuple[Condition, ...]) -> str:
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
                parts.append(f"{label} is {ops['=='].value}")
            else:
                parts.append(f"{label} is not " + " or ".join(str(c.value) for c in same))
            done.add(column)
        text = " and ".join(parts)
        return text[0].upper() + text[1:]

    def sql(self, conditions: tuple[Condition, ...]) -> str:
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


def describe_fidelity(rules: RuleSet) -> str:
    """One sentence on how faithful the rules are."""
    return (
        f"A depth-{rules.max_depth} decision tree on the model's features reproduces the "
        f"segments for {percent(rules.fidelity)} of "
        + ("the weighted population." if rules.weighted else "rows.")
    )


def imputed_values(preprocessor, numeric: Sequence[str], categorical: Sequence[str]) -> dict:
    """The value the fitted preprocessor fills in for a missing value of each feature."""
    from sklearn.pipeline import Pipeline

    if isinstance(preprocessor, Pipeline):
        numeric_imputer, categorical_imputer = preprocessor.named_steps["impute"], None
    else:
        parts = preprocessor.named_transformers_
        numeric_imputer = parts["numeric"].named_steps["impute"] if numeric else None
        categorical_imputer = parts["categorical"].named_steps["impute"]
    fill: dict[str, Any] = {}
    if numeric_imputer is not None:
        fill.update(zip(numeric, (float(v) for v in numeric_imputer.statistics_), strict=True))
    if categorical_imputer is not None:
        fill.update(zip(categorical, (_json_value(v) for v in categorical_imputer.statistics_),
                        strict=True))
    return fill


def population_sql(prepared) -> str:
    """The SQL condition selecting a run's rows from its source table: the population and
    ``--where`` conditions, implicate 1 for ``--implicates first``, and complete rows for
    ``--missing drop``."""
    from custseg.dataset import is_numeric
    from custseg.population import parse_condition

    dataset, config = prepared.dataset, prepared.config
    named = dataset.populations[prepared.selection.population]
    parts = []
    for text in (*named.conditions, *config.where):
        condition = parse_condition(text)
        column = quote_identifier(condition.column)
        numeric_column = is_numeric(dataset.frame[condition.column])
        if not isinstance(condition.value, str) and not numeric_column:
            column = f"TRY_CAST({column} AS DOUBLE)"
        op = {"==": "=", "!=": "<>"}.get(condition.op, condition.op)
        test = f"{column} {op} {sql_literal(condition.value)}"
        # pandas keeps missing values for "!=" (NaN != v is true); SQL needs it said.
        parts.append(f"({test} OR {column} IS NULL)" if condition.op == "!=" else test)
    if config.implicates == "first" and dataset.implicate_column:
        parts.append(f"{quote_identifier(dataset.implicate_column)} % 10 = 1")
    if config.missing == "drop" and prepared.dropped_rows:
        parts += [f"{quote_identifier(f)} IS NOT NULL" for f in prepared.features]
    return " AND ".join(parts)


def rule_inputs(prepared) -> dict[str, Any]:
    """Everything :func:`segment_rules` needs from a prepared run except the segments."""
    dataset = prepared.dataset
    frame = dataset.frame.loc[prepared.rows]
    values = pd.concat(
        [prepared.values, frame[prepared.categorical]], axis=1
    ) if prepared.categorical else prepared.values
    return {
        "values": values,
        "weights": prepared.weights,
        "feature_names": prepared.features,
        "categorical": prepared.categorical,
        "fill": imputed_values(prepared.preprocessor, prepared.numeric, prepared.categorical),
        "labels": {f: dataset.label(f) for f in prepared.features},
        "money_columns": [f for f in prepared.features if f in dataset.dollar_columns],
        "population_sql": population_sql(prepared),
        "random_state": prepared.config.random_state,
    }


def result_rules(result, *, max_depth: int = DEFAULT_DEPTH) -> RuleSet:
    """The rules of a :class:`custseg.segmentation.SegmentationResult`'s segments."""
    names = {p.segment: p.name for p in result.personas}
    return segment_rules(
        segments=result.segments, names=names, max_depth=max_depth, **rule_inputs(result.prepared)
    )
