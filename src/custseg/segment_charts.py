"""The numbers behind the charts that explain segments, JSON-ready so that a run folder keeps
them (``charts.json``) and the report can be rebuilt without the data.

- per-row silhouette values, sorted within each segment (a stratified sample on large tables);
- weighted quantiles (5, 25, 50, 75, 95%) and means of each feature by segment, for box plots;
- the weighted rank (Spearman) correlation of the candidate features, chosen ones marked;
- each segment's weighted median of every feature and its percentile rank in the population,
  a colour that reads the same for every feature (50 = the population's median); a yes/no
  feature's share of yes, against the population's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: Per-row silhouettes are computed on at most this many rows (pairwise distances are O(n^2)).
SILHOUETTE_ROWS = 3_000
#: Every segment keeps at least this many rows in the silhouette sample (all, if it has fewer).
SILHOUETTE_MIN_PER_SEGMENT = 30
#: The correlation matrix shows at most this many candidate features.
CORRELATION_FEATURES = 12
#: Correlations are computed on a seeded sample of at most this many rows.
CORRELATION_ROWS = 100_000
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def weighted_quantiles(
    values: np.ndarray, quantiles: Sequence[float], weights: np.ndarray | None = None
) -> np.ndarray:
    """Several quantiles from one sort, with :func:`custseg.stats.weighted_quantile`'s
    definition (numpy's linear interpolation when unweighted)."""
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return np.full(len(quantiles), np.nan)
    if weights is None:
        return np.quantile(values, quantiles)
    order = np.argsort(values, kind="stable")
    values, weights = values[order], np.asarray(weights, dtype=float)[order]
    share = np.cumsum(weights) / weights.sum()
    result = []
    for q in quantiles:
        index = min(int(np.searchsorted(share, q, side="left")), values.size - 1)
        if np.isclose(share[index], q) and index + 1 < values.size:
            result.append((values[index] + values[index + 1]) / 2)
        else:
            result.append(values[index])
    return np.asarray(result, dtype=float)


def _quantiles_of_sorted(values, weights, quantiles) -> list[float]:
    """:func:`weighted_quantiles` of values that are already sorted."""
    if values.size == 0:
        return [float("nan")] * len(quantiles)
    if weights is None:
        return [float(v) for v in np.quantile(values, quantiles)]
    share = np.cumsum(weights) / weights.sum()
    result = []
    for q in quantiles:
        index = min(int(np.searchsorted(share, q, side="left")), values.size - 1)
        if np.isclose(share[index], q) and index + 1 < values.size:
            result.append(float((values[index] + values[index + 1]) / 2))
        else:
            result.append(float(values[index]))
    return result


def _sorted_by_value(x: np.ndarray, segments: np.ndarray, weights: np.ndarray | None):
    """The finite values of ``x`` sorted, with their segments and weights in the same order."""
    known = np.isfinite(x)
    values = x[known]
    by_value = np.argsort(values)
    groups = np.asarray(segments)[known][by_value]
    w = None if weights is None else np.asarray(weights, dtype=float)[known][by_value]
    return values[by_value], groups, w


def segment_quantiles(
    x: np.ndarray,
    segments: np.ndarray,
    order: Sequence[int],
    weights: np.ndarray | None,
    quantiles: Sequence[float],
) -> dict[int, list[float]]:
    """The (weighted) quantiles of the finite values of ``x`` for everyone (key 0) and for each
    segment in ``order``, from a single sort."""
    values, groups, w = _sorted_by_value(x, segments, weights)
    result = {0: _quantiles_of_sorted(values, w, quantiles)}
    for segment in order:
        members = groups == segment
        result[int(segment)] = _quantiles_of_sorted(
            values[members], None if w is None else w[members], quantiles
        )
    return result


def silhouette_data(
    Z: np.ndarray,
    segments: np.ndarray,
    *,
    max_rows: int = SILHOUETTE_ROWS,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Per-row silhouette values in model space, sorted within each segment.

    Above ``max_rows`` rows, a stratified seeded sample: each segment in proportion to its
    rows, with at least ``SILHOUETTE_MIN_PER_SEGMENT`` (or all) of its rows.

    Returns
    -------
    dict
        ``segment`` and ``value`` lists (segment by segment, highest value first),
        ``n_rows`` (all rows), ``n_shown`` and ``sampled``.
    """
    from sklearn.metrics import silhouette_samples

    segments = np.asarray(segments)
    n = len(segments)
    rows = np.arange(n)
    if n > max_rows:
        rng = np.random.default_rng(random_state)
        picked = []
        for segment in np.unique(segments):
            members = rows[segments == segment]
            take = max(round(max_rows * len(members) / n), SILHOUETTE_MIN_PER_SEGMENT)
            picked.append(rng.choice(members, min(take, len(members)), replace=False))
        rows = np.sort(np.concatenate(picked))
    values = silhouette_samples(Z[rows], segments[rows])
    frame = pd.DataFrame({"segment": segments[rows], "value": values})
    frame = frame.sort_values(["segment", "value"], ascending=[True, False], kind="stable")
    return {
        "segment": [int(s) for s in frame["segment"]],
        "value": [float(v) for v in frame["value"]],
        "n_rows": int(n),
        "n_shown": int(len(rows)),
        "sampled": bool(len(rows) < n),
    }


def box_data(
    values: pd.DataFrame, segments: np.ndarray, weights: np.ndarray | None = None
) -> list[dict[str, Any]]:
    """Weighted 5/25/50/75/95% quantiles and mean of every column, for each segment and for
    everyone (``segment`` 0); missing values left out.

    Returns
    -------
    list of dict
        ``feature, segment, p05, q1, median, q3, p95, mean, n_rows``.
    """
    segments = np.asarray(segments)
    w = np.ones(len(segments)) if weights is None else np.asarray(weights, dtype=float)
    records = []
    order = [int(s) for s in np.unique(segments)]
    for column in values.columns:
        x = values[column].to_numpy(dtype=float)
        known = np.isfinite(x)
        quantiles = segment_quantiles(x, segments, order, weights, QUANTILES)
        for segment in [0, *order]:
            members = known & ((segments == segment) if segment else True)
            q = quantiles[segment]
            mean = float(np.average(x[members], weights=w[members])) if members.any() else np.nan
            records.append(
                {
                    "feature": column,
                    "segment": int(segment),
                    **dict(zip(("p05", "q1", "median", "q3", "p95"), map(float, q), strict=True)),
                    "mean": mean,
                    "n_rows": int(members.sum()),
                }
            )
    return records


def _weighted_corr(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted Pearson correlation of the ranks of every pair of columns, ranked among the
    rows where both are known."""
    from scipy.stats import rankdata

    p = values.shape[1]
    known = np.isfinite(values)
    ranks = np.empty_like(values)
    for j in range(p):
        ranks[:, j] = rankdata(np.where(known[:, j], values[:, j], np.inf))
    matrix = np.eye(p)
    for i in range(p):
        for j in range(i + 1, p):
            both = known[:, i] & known[:, j]
            if both.all():
                a, b = ranks[:, i], ranks[:, j]
            else:
                a, b = rankdata(values[both, i]), rankdata(values[both, j])
            ww = w[both]
            if ww.sum() <= 0:
                matrix[i, j] = matrix[j, i] = np.nan
                continue
            a, b = a - np.average(a, weights=ww), b - np.average(b, weights=ww)
            denominator = np.sqrt((ww * a * a).sum() * (ww * b * b).sum())
            value = (ww * a * b).sum() / denominator if denominator > 0 else np.nan
            matrix[i, j] = matrix[j, i] = value
    return matrix


def correlation_data(
    frame: pd.DataFrame,
    candidates: Sequence[str],
    chosen: Sequence[str],
    *,
    weights: np.ndarray | None = None,
    labels: Mapping[str, str] | None = None,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """Weighted Spearman correlation of the candidate features (ranks of each column, then a
    weighted Pearson correlation over the rows where both are known).

    Returns
    -------
    dict
        ``features``, ``labels``, ``matrix`` (list of lists), ``chosen``, ``method``.
    """
    columns = list(dict.fromkeys([*chosen, *candidates]))[: max(CORRELATION_FEATURES, len(chosen))]
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
    if len(frame) > CORRELATION_ROWS:
        keep = np.sort(
            np.random.default_rng(random_state).choice(len(frame), CORRELATION_ROWS, replace=False)
        )
        frame, w = frame.iloc[keep], w[keep]
    raw = np.empty((len(frame), len(columns)))
    for j, column in enumerate(columns):
        raw[:, j] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    matrix = _weighted_corr(raw, w)
    labels = labels or {}
    return {
        "features": columns,
        "labels": [labels.get(c, c) for c in columns],
        "matrix": _lists(matrix),
        "chosen": [c for c in columns if c in chosen],
        "method": "Spearman (rank) correlation" + (" (weighted)" if weights is not None else ""),
    }


def percentile_rank_data(
    values: pd.DataFrame,
    segments: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    flags: Sequence[str] = (),
) -> dict[str, Any]:
    """Each segment's weighted median of every column and where it falls in the population:
    the weighted share of the population below it, plus half the share equal to it (0-100).
    A yes/no column (in ``flags``) is read by its share of yes instead: its median is 0 or 1.

    Returns
    -------
    dict
        ``features``, ``segments``, ``medians`` and ``ranks`` (segments x features);
        ``flags``, ``shares`` (segments x features, None but for flags) and
        ``population_shares`` (per feature, None but for flags).
    """
    segments = np.asarray(segments)
    order = [int(s) for s in np.unique(segments)]
    medians = np.full((len(order), values.shape[1]), np.nan)
    ranks = np.full_like(medians, np.nan)
    for j, column in enumerate(values.columns):
        sorted_x, groups, sorted_w = _sorted_by_value(
            values[column].to_numpy(dtype=float), segments, weights
        )
        cumulative = np.cumsum(np.ones(len(sorted_x)) if sorted_w is None else sorted_w)
        total = cumulative[-1] if len(cumulative) else 0.0
        for i, segment in enumerate(order):
            members = groups == segment
            if not members.any():
                continue
            median = _quantiles_of_sorted(
                sorted_x[members], None if sorted_w is None else sorted_w[members], [0.5]
            )[0]
            # weight below the median, and weight equal to it, from the sorted values
            low = int(np.searchsorted(sorted_x, median, side="left"))
            high = int(np.searchsorted(sorted_x, median, side="right"))
            below = cumulative[low - 1] if low else 0.0
            equal = (cumulative[high - 1] if high else 0.0) - below
            medians[i, j] = median
            ranks[i, j] = 100 * (below + equal / 2) / total if total else np.nan
    flags = [c for c in values.columns if c in flags]
    shares = np.full_like(medians, np.nan)
    population_shares = np.full(values.shape[1], np.nan)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    for j, column in enumerate(values.columns):
        if column not in flags:
            continue
        x = values[column].to_numpy(dtype=float)
        known = np.isfinite(x)
        population_shares[j] = _share(x[known], w[known])
        for i, segment in enumerate(order):
            inside = known & (segments == segment)
            shares[i, j] = _share(x[inside], w[inside])
    return {
        "features": list(values.columns),
        "segments": order,
        "medians": _lists(medians),
        "ranks": _lists(ranks),
        "flags": flags,
        "shares": _lists(shares),
        "population_shares": _lists(population_shares[None, :])[0],
    }


def _share(x: np.ndarray, w: np.ndarray) -> float:
    """The weighted share of yes (1) among 0/1 values; NaN without weight."""
    total = w.sum()
    return float((w * x).sum() / total) if total > 0 else float("nan")


def _lists(matrix: np.ndarray) -> list[list[float | None]]:
    """A matrix as JSON-ready lists, missing values as None."""
    return [[float(v) if np.isfinite(v) else None for v in row] for row in matrix]


def result_charts(result) -> dict[str, Any]:
    """Every chart's numbers for a :class:`custseg.segmentation.SegmentationResult`."""
    prepared = result.prepared
    dataset = prepared.dataset
    values = prepared.values
    scores = prepared.feature_scores
    candidates = list(scores.index) if not scores.empty else list(prepared.numeric)
    frame = dataset.frame.loc[prepared.rows]
    return {
        "silhouette": silhouette_data(
            prepared.Z, result.segments, random_state=prepared.config.random_state
        ),
        "boxes": box_data(values, result.segments, prepared.weights),
        "correlation": correlation_data(
            frame,
            candidates,
            prepared.numeric,
            weights=prepared.weights,
            labels={c: dataset.label(c) for c in [*candidates, *prepared.numeric]},
            random_state=prepared.config.random_state,
        ),
        "percentile_ranks": percentile_rank_data(
            values,
            result.segments,
            prepared.weights,
            flags=prepared.flags,
        ),
    }
