"""Segment profiles: size and the typical values of every feature, in original units."""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.stats import weighted_mean, weighted_quantile


def profile_segments(
    values: pd.DataFrame,
    segments: np.ndarray,
    *,
    k: int,
    sample_weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """One row per segment: ``segment, n_rows, share``, then ``<feature>_mean/_median``.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_features)
        Numeric features in original units; missing values are left out of each statistic.
    segments : ndarray of shape (n_samples,)
        Segment numbers 1..k.
    k : int
    sample_weight : ndarray of shape (n_samples,), optional
        Weighted: ``share`` is the weighted share, ``weighted_count`` the sum of weights, and
        means and medians are weighted.

    Returns
    -------
    DataFrame of shape (k, ...)
    """
    total = float(len(segments) if sample_weight is None else sample_weight.sum())
    rows = []
    for segment in range(1, k + 1):
        members = segments == segment
        weights = None if sample_weight is None else sample_weight[members]
        size = float(members.sum() if weights is None else weights.sum())
        row: dict[str, float | int] = {
            "segment": segment,
            "n_rows": int(members.sum()),
            "share": size / total if total else float("nan"),
        }
        if weights is not None:
            row["weighted_count"] = size
        for column in values.columns:
            column_values = values[column].to_numpy(dtype=float)[members]
            known = np.isfinite(column_values)  # missing values are imputed for fitting only
            known_weights = None if weights is None else weights[known]
            row[f"{column}_mean"] = (
                float(weighted_mean(column_values[known], known_weights)) if known.any() else np.nan
            )
            row[f"{column}_median"] = weighted_quantile(column_values[known], 0.5, known_weights)
        rows.append(row)
    return pd.DataFrame(rows)
