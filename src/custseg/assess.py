"""The diagnostics of a local run: gathers its numbers for :func:`custseg.diagnostics.diagnose`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.dataset import is_numeric
from custseg.diagnostics import MAX_CATEGORIES, Diagnostic, diagnose
from custseg.preparation import Prepared
from custseg.recommend import MIN_SEGMENT_HOUSEHOLDS
from custseg.sweep import Sweep

#: Integer columns with at most this many codes count as coded columns to compare with.
MAX_CODES = 5


def compare_columns(prepared: Prepared) -> dict[str, np.ndarray]:
    """Coded and categorical columns of the population the segments might reproduce: the
    dataset's categories and integer columns with at most ``MAX_CODES`` codes (flags such as
    "has any debt"), ids and weights excepted."""
    frame = prepared.dataset.frame
    reserved = prepared.dataset.reserved_columns()
    categorical = set(prepared.dataset.categorical_columns) | set(prepared.categorical)
    columns = {}
    for name in frame.columns:
        if name in reserved:
            continue
        series = frame[name]
        if name not in categorical:
            # most numeric columns show more than a few values within their first rows
            if not is_numeric(series) or series.iloc[:1_000].nunique() > MAX_CODES:
                continue
            series = series.loc[prepared.rows]
            values = series.dropna().to_numpy(dtype=float)
            if series.nunique() > MAX_CODES or not np.array_equal(values, np.round(values)):
                continue
        else:
            series = series.loc[prepared.rows]
        if 2 <= series.nunique(dropna=False) <= MAX_CATEGORIES:
            columns[str(name)] = series.to_numpy()
    return columns


def assess(
    prepared: Prepared, sweep: Sweep, k: int, segments: np.ndarray, explained_variance_ratio
) -> list[Diagnostic]:
    """Every warning about segmenting ``prepared`` into ``segments`` (k of them)."""
    row = sweep.table.set_index("k").loc[k]
    numeric = prepared.numeric
    recommendation = sweep.recommendation
    compared = compare_columns(prepared)
    return diagnose(
        segments=segments,
        k=k,
        weights=prepared.weights,
        households=prepared.households,
        model_space=pd.DataFrame(prepared.Z[:, : len(numeric)], columns=numeric),
        silhouette=float(row["silhouette"]),
        stability=float(row["stability"]) if "stability" in row else None,
        explained_variance_ratio=list(explained_variance_ratio),
        compare_columns=compared,
        features=prepared.features,
        min_share=prepared.config.min_segment,
        min_households=MIN_SEGMENT_HOUSEHOLDS if prepared.households is not None else None,
        no_qualifying_k=None if recommendation.qualified else recommendation.reason,
        labels={c: prepared.dataset.label(c) for c in [*numeric, *compared]},
    )
