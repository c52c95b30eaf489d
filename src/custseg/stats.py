"""Weighted summary statistics (every weight argument may be None for equal weights)."""

from __future__ import annotations

import numpy as np


def weighted_mean(values: np.ndarray, weights: np.ndarray | None = None, axis: int = 0):
    """Mean of ``values`` along ``axis``, weighted by ``weights`` of shape (n_samples,)."""
    values = np.asarray(values, dtype=float)
    if weights is None:
        return values.mean(axis=axis)
    return np.average(values, axis=axis, weights=np.asarray(weights, dtype=float))


def weighted_quantile(values: np.ndarray, q: float, weights: np.ndarray | None = None) -> float:
    """The ``q`` quantile of 1-D ``values``.

    Unweighted, this is :func:`numpy.quantile` (linear interpolation). Weighted, it is the
    smallest value whose cumulative weight share reaches ``q``, averaging the two neighbours
    when the share lands exactly on ``q`` (so equal weights give the usual median).
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        return float("nan")
    if weights is None:
        return float(np.quantile(values, q))
    weights = np.asarray(weights, dtype=float)
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    share = np.cumsum(weights) / weights.sum()
    index = int(np.searchsorted(share, q, side="left"))
    index = min(index, values.size - 1)
    # Only float round-off counts as landing exactly on q (the default tolerance, 1e-5, would
    # average across ~1,000 US households).
    if np.isclose(share[index], q, rtol=1e-9, atol=0.0) and index + 1 < values.size:
        return float((values[index] + values[index + 1]) / 2)
    return float(values[index])


def principal_components(
    Z: np.ndarray, *, n_components: int = 2, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted PCA by SVD, with scikit-learn's sign convention.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    n_components : int, default 2
        Capped at n_features.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    mean : ndarray of shape (n_features,)
    components : ndarray of shape (n_components, n_features)
    explained_variance_ratio : ndarray of shape (n_components,)
    """
    from sklearn.utils.extmath import svd_flip

    weights = np.ones(Z.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    mean = np.average(Z, axis=0, weights=weights)
    scaled = (Z - mean) * np.sqrt(weights / weights.sum())[:, None]
    U, S, Vt = np.linalg.svd(scaled, full_matrices=False)
    U, Vt = svd_flip(U, Vt, u_based_decision=False)
    n_components = min(n_components, Z.shape[1])
    total = float((S**2).sum())
    ratio = (S**2 / total) if total else np.zeros_like(S)
    return mean, Vt[:n_components], ratio[:n_components]
