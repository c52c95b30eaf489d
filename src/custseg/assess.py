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
    names = [name for name in frame.columns if name not in reserved]
    # most numeric columns show more than a few values within their first rows
    few = _few_values_at_start(frame, [n for n in names if n not in categorical], MAX_CODES)
    kept = [name for name in names if name in categorical or name in few]
    population = frame.loc[prepared.rows, kept]
    columns = {}
    for name in kept:
        series = population[name]
        if name not in categorical:
            values = series.dropna().to_numpy(dtype=float)
            if series.nunique() > MAX_CODES or not np.array_equal(values, np.round(values)):
                continue
        if 2 <= series.nunique(dropna=False) <= MAX_CATEGORIES:
            columns[str(name)] = series.to_numpy()
    return columns


#: The rows :func:`_few_values_at_start` looks at.
START_ROWS = 1_000


def _few_values_at_start(frame: pd.DataFrame, names: list, limit: int) -> set:
    """The numeric columns among ``names`` with at most ``limit`` distinct values (missing
    values aside) in their first ``START_ROWS`` rows; columns of one NumPy number type are
    counted together, sorted, rather than one by one."""
    head = frame.iloc[:START_ROWS]
    numeric = [name for name in names if is_numeric(frame[name])]
    by_type: dict[np.dtype, list] = {}
    few = set()
    for name in numeric:
        dtype = frame[name].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iuf":
            by_type.setdefault(dtype, []).append(name)
        elif head[name].nunique() <= limit:
            few.add(name)
    for dtype, group in by_type.items():
        values = np.sort(head[group].to_numpy(dtype=dtype), axis=0)  # missing values last
        known = ~np.isnan(values) if dtype.kind == "f" else np.ones(values.shape, dtype=bool)
        distinct = known[:1].sum(axis=0) + ((values[1:] != values[:-1]) & known[1:]).sum(axis=0)
        few.update(name for name, count in zip(group, distinct, strict=True) if count <= limit)
    return few


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
