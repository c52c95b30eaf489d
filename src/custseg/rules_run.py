"""Rules for a segmentation run: its features in original units, the model's fill values, and
its population as a SQL condition, handed to :func:`custseg.rules.segment_rules`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from custseg.rule_text import quote_identifier, sql_literal
from custseg.rules import DEFAULT_DEPTH, RuleSet, python_value, segment_rules


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
        fill.update(
            zip(
                categorical, (python_value(v) for v in categorical_imputer.statistics_), strict=True
            )
        )
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
    values = (
        pd.concat([prepared.values, frame[prepared.categorical]], axis=1)
        if prepared.categorical
        else prepared.values
    )
    return {
        "values": values,
        "weights": prepared.weights,
        "feature_names": prepared.features,
        "categorical": prepared.categorical,
        "fill": imputed_values(prepared.preprocessor, prepared.numeric, prepared.categorical),
        "labels": {f: dataset.label(f) for f in prepared.features},
        "value_labels": {
            c: dataset.value_labels[c] for c in prepared.categorical if c in dataset.value_labels
        },
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
