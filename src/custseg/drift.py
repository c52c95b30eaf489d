"""Drift of scored customers against the training data: the population stability index.

Pure computation. At fit time :func:`reference` records, for the training rows, the share of
every segment and, for every numeric feature, its decile edges and the share of rows in each
bin (plus a bin for missing values); it is stored in the model's metadata. At scoring time
:func:`drift_report` puts the scored rows into the same bins and compares.

The population stability index of shares ``e`` (training) and ``a`` (now) over the same bins is
``sum((a - e) * ln(a / e))``, with every share floored at :data:`SHARE_FLOOR` so that an empty
bin does not make it infinite. The usual reading: below 0.1 stable, 0.1-0.25 a moderate shift,
above 0.25 a large one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from custseg.formatting import label_and_name

#: Below this the shift is read as stable; from it up to :data:`PSI_LARGE`, moderate.
PSI_MODERATE = 0.1
#: Above this the shift is read as large and ``predict`` warns.
PSI_LARGE = 0.25
#: Every share is floored at this before the logarithm (the common convention).
SHARE_FLOOR = 1e-4
N_BINS = 10
#: Above this many rows the decile edges come from a seeded sample of this size (a decile's
#: standard error is then below 0.1 percentile points); the shares in the bins use every row.
EDGE_SAMPLE_ROWS = 100_000
#: ``predict`` warns when more scored rows than this lie outside the training data (the
#: model flags 0.1% of its training rows by construction).
OUT_OF_RANGE_WARNING = 0.01


def population_stability_index(expected: Sequence[float], actual: Sequence[float]) -> float:
    """PSI of two share vectors over the same bins.

    Parameters
    ----------
    expected, actual : array-like of shape (n_bins,)
        Shares (each summing to 1) at training and now.
    """
    e = np.maximum(np.asarray(expected, dtype=float), SHARE_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), SHARE_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def reading(psi: float) -> str:
    """``stable`` (< 0.1), ``moderate`` (0.1-0.25) or ``large`` (> 0.25)."""
    if psi < PSI_MODERATE:
        return "stable"
    return "moderate" if psi <= PSI_LARGE else "large"


def _shares(index: np.ndarray, n_bins: int, weights: np.ndarray | None) -> np.ndarray:
    counts = np.bincount(index, weights=weights, minlength=n_bins)[:n_bins].astype(float)
    total = counts.sum()
    return counts / total if total > 0 else counts


def decile_edges(values: np.ndarray, weights: np.ndarray | None = None) -> list[float]:
    """The distinct (weighted) deciles of the finite ``values``: at most 9 inner bin edges."""
    values = np.asarray(values, dtype=float)
    known = np.isfinite(values)
    if not known.any():
        return []
    x = values[known]
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)[known]
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cumulative = np.cumsum(w)
    if cumulative[-1] <= 0:
        return []
    targets = np.arange(1, N_BINS) / N_BINS * cumulative[-1]
    edges = x[np.minimum(np.searchsorted(cumulative, targets, side="left"), x.size - 1)]
    return [float(e) for e in np.unique(edges)]


def bin_shares(
    values: np.ndarray, edges: Sequence[float], weights: np.ndarray | None = None
) -> np.ndarray:
    """Shares of shape (len(edges) + 2,): one per bin between the edges, then missing."""
    values = np.asarray(values, dtype=float)
    index = np.searchsorted(np.asarray(edges, dtype=float), values, side="right")
    missing_bin = len(edges) + 1
    index[~np.isfinite(values)] = missing_bin
    return _shares(index, missing_bin + 1, weights)


def segment_shares(segments: np.ndarray, k: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Shares of shape (k,) of segments numbered 1..k (unassigned customers, segment 0 of a
    density method, are in no segment's share)."""
    index = np.asarray(segments, dtype=int) - 1
    index[index < 0] = k
    return _shares(index, k, weights)


def reference(
    values: pd.DataFrame,
    segments: np.ndarray,
    *,
    k: int,
    sample_weight: np.ndarray | None = None,
    random_state: int | None = 0,
) -> dict[str, Any]:
    """What drift is measured against, in plain values for JSON and the model file.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_numeric_features)
        The training rows' numeric features in original units, missing values as NaN.
    segments : ndarray of shape (n_samples,)
        Segment numbers 1..k.
    sample_weight : ndarray of shape (n_samples,), optional
        Training weights: every share is then weighted.
    random_state : int, optional
        Seeds the sample the decile edges come from when there are more than
        :data:`EDGE_SAMPLE_ROWS` rows.
    """
    n = len(values)
    sample = (
        np.random.default_rng(random_state).choice(n, EDGE_SAMPLE_ROWS, replace=False)
        if n > EDGE_SAMPLE_ROWS
        else slice(None)
    )
    sample_weights = None if sample_weight is None else np.asarray(sample_weight)[sample]
    features = {}
    for column in values.columns:
        column_values = values[column].to_numpy(dtype=float)
        edges = decile_edges(column_values[sample], sample_weights)
        shares = bin_shares(column_values, edges, sample_weight)
        features[str(column)] = {"edges": edges, "shares": [float(s) for s in shares]}
    return {
        "weighted": sample_weight is not None,
        "segment_shares": [float(s) for s in segment_shares(segments, k, sample_weight)],
        "features": features,
    }


def merged_reference(reference_: dict[str, Any], new_segment: Sequence[int]) -> dict[str, Any]:
    """``reference_`` after segments are renumbered/merged: old segment ``i`` (1-based) becomes
    ``new_segment[i - 1]``; the shares of merged segments add up."""
    old = np.asarray(reference_["segment_shares"], dtype=float)
    new_segment = np.asarray(new_segment, dtype=int)
    merged = np.bincount(new_segment - 1, weights=old, minlength=int(new_segment.max()))
    return {**reference_, "segment_shares": [float(s) for s in merged]}


def drift_report(
    reference_: Mapping[str, Any],
    values: pd.DataFrame,
    segments: np.ndarray,
    out_of_range: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
    names: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Drift of scored rows against a :func:`reference`.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_numeric_features)
        The scored rows' numeric model features in original units (missing as NaN).
    segments : ndarray of shape (n_samples,)
        Their segments, 1..k.
    out_of_range : ndarray of bool, shape (n_samples,)
    sample_weight : ndarray of shape (n_samples,), optional
        Weights of the scored rows; shares now are weighted by them.
    names, labels : mapping, optional
        Segment names by number (as text) and feature labels, for the report.

    Returns
    -------
    dict
        ``segments`` (share at training and now), ``segment_psi``, ``features`` (PSI per
        numeric feature), ``out_of_range_rate``, ``largest_psi``, ``level`` and ``warnings``.
    """
    names, labels = dict(names or {}), dict(labels or {})
    training = np.asarray(reference_["segment_shares"], dtype=float)
    k = training.size
    now = segment_shares(segments, k, sample_weight)
    segment_psi = population_stability_index(training, now)
    features = []
    for column, ref in reference_["features"].items():
        if column not in values.columns:
            continue
        shares = bin_shares(values[column].to_numpy(dtype=float), ref["edges"], sample_weight)
        psi = population_stability_index(ref["shares"], shares)
        features.append(
            {
                "feature": column,
                "label": labels.get(column, column),
                "psi": psi,
                "reading": reading(psi),
                "missing_training": float(ref["shares"][-1]),
                "missing_now": float(shares[-1]),
            }
        )
    features.sort(key=lambda f: -f["psi"])
    out_rate = float(np.mean(out_of_range)) if len(out_of_range) else 0.0
    largest = max([segment_psi, *(f["psi"] for f in features)])
    warnings = []
    if segment_psi > PSI_LARGE:
        warnings.append(
            f"Segment shares shifted a lot since training (PSI {segment_psi:.2f} > {PSI_LARGE})."
        )
    large = [f for f in features if f["psi"] > PSI_LARGE]
    if large:
        warnings.append(
            "Large shift in "
            + ", ".join(
                f"{label_and_name(f['label'], f['feature'])} (PSI {f['psi']:.2f})" for f in large
            )
            + ": the customers no longer look like the training data."
        )
    if out_rate > OUT_OF_RANGE_WARNING:
        warnings.append(
            f"{out_rate:.1%} of the scored rows lie outside the training data "
            f"(0.1% of the training rows do)."
        )
    if warnings:
        warnings.append("Consider refitting the segmentation on recent data.")
    return {
        "n_scored": int(len(segments)),
        "segments": [
            {
                "segment": segment,
                "name": names.get(str(segment), ""),
                "share_training": float(training[segment - 1]),
                "share_now": float(now[segment - 1]),
                "change_points": float(100 * (now[segment - 1] - training[segment - 1])),
            }
            for segment in range(1, k + 1)
        ],
        "segment_psi": segment_psi,
        "segment_reading": reading(segment_psi),
        "features": features,
        "out_of_range_rate": out_rate,
        "largest_psi": largest,
        "level": reading(largest),
        "thresholds": {"moderate_from": PSI_MODERATE, "large_above": PSI_LARGE},
        "warnings": warnings,
    }
