"""Cluster-quality metrics for a whole k sweep at once.

Silhouette dominates the cost of a sweep, and the pairwise distances it needs do not depend on
k: they are computed once, block by block, and multiplied with the one-hot labels of every k
together. Above ``max_rows`` rows the silhouette is estimated on a seeded sample of
``SILHOUETTE_SAMPLE`` rows (its standard error is then about 0.003 or less).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from custseg.threads import parallel_map

#: Rows above which the silhouette is estimated on a seeded sample of SILHOUETTE_SAMPLE rows.
SILHOUETTE_MAX_ROWS = 20_000
SILHOUETTE_SAMPLE = 10_000
# Small blocks are reused by the allocator; fresh large arrays cost page faults on every k.
_BLOCK_BYTES = 8 * 2**20


def _one_hot(labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    encoded = np.zeros((labels.size, k))
    encoded[np.arange(labels.size), labels] = weights
    return encoded


def silhouette_scores(
    Z: np.ndarray,
    labelings: Mapping[int, np.ndarray],
    *,
    sample_weight: np.ndarray | None = None,
) -> dict[int, float]:
    """Mean silhouette of each labelling of the same points.

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    labelings : mapping of k to ndarray of shape (n_samples,) with values in 0..k-1
    sample_weight : ndarray of shape (n_samples,), optional
        Weighted: a point's mean distance to a cluster weights that cluster's members, and the
        score is the weighted mean of the per-point values. Unweighted, this equals
        :func:`sklearn.metrics.silhouette_score`.

    Returns
    -------
    dict of k to float
    """
    Z = np.asarray(Z, dtype=float)
    n = Z.shape[0]
    weights = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    ks = sorted(labelings)
    encoded = np.hstack([_one_hot(labelings[k], k, weights) for k in ks])
    offsets = np.cumsum([0] + ks)
    cluster_weight = encoded.sum(axis=0)
    squared_norms = np.einsum("ij,ij->i", Z, Z)
    block = max(1, _BLOCK_BYTES // (8 * n))

    def block_scores(start: int) -> list[np.ndarray]:
        """Every k's per-point silhouette of the rows ``start:start + block``."""
        stop = min(n, start + block)
        distances = Z[start:stop] @ Z.T
        distances *= -2
        distances += squared_norms[start:stop, None]
        distances += squared_norms[None, :]
        np.maximum(distances, 0, out=distances)
        np.sqrt(distances, out=distances)
        distances[np.arange(stop - start), np.arange(start, stop)] = 0
        sums = distances @ encoded
        scores = []
        for k, lo, hi in zip(ks, offsets[:-1], offsets[1:], strict=True):
            own = labelings[k][start:stop]
            rows = np.arange(stop - start)
            own_weight = cluster_weight[lo:hi][own] - weights[start:stop]
            with np.errstate(divide="ignore", invalid="ignore"):
                means = sums[:, lo:hi] / cluster_weight[lo:hi]
                a = sums[rows, lo + own] / own_weight
            means[rows, own] = np.inf
            means[:, cluster_weight[lo:hi] == 0] = np.inf
            b = means.min(axis=1)
            with np.errstate(divide="ignore", invalid="ignore"):
                s = (b - a) / np.maximum(a, b)
            # A point alone in its cluster scores 0, as in scikit-learn.
            scores.append(np.where(own_weight > 0, np.nan_to_num(s), 0.0))
        return scores

    # The blocks are independent and their products release the GIL: they run side by side
    # on the thread budget, each with one native thread (the same numbers as one at a time).
    blocks = parallel_map(block_scores, range(0, n, block))
    return {
        k: float(np.average(np.concatenate([scores[i] for scores in blocks]), weights=weights))
        for i, k in enumerate(ks)
    }


_ROW_BLOCK = 100_000


def _centroids(Z: np.ndarray, labels: np.ndarray, k: int, weights: np.ndarray) -> np.ndarray:
    # Column by column, so that no (n_samples, k) or (n_samples, n_features) temporary exists.
    totals = np.bincount(labels, weights=weights, minlength=k)
    sums = np.column_stack(
        [np.bincount(labels, weights=weights * Z[:, j], minlength=k) for j in range(Z.shape[1])]
    )
    return sums / totals[:, None]


def _distances_to_centres(Z: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Euclidean distance of every row to its own centre, block by block."""
    result = np.empty(Z.shape[0])
    for start in range(0, Z.shape[0], _ROW_BLOCK):
        stop = start + _ROW_BLOCK
        result[start:stop] = np.linalg.norm(Z[start:stop] - centres[labels[start:stop]], axis=1)
    return result


def _weights(n: int, sample_weight: np.ndarray | None) -> np.ndarray:
    return np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=float)


def calinski_harabasz(
    Z: np.ndarray, labels: np.ndarray, k: int, sample_weight: np.ndarray | None = None
) -> float:
    """Calinski-Harabasz index (weights rescaled to sum to the row count).

    Unweighted, equals :func:`sklearn.metrics.calinski_harabasz_score`.
    """
    return _dispersion_indices(Z, labels, k, sample_weight)[0]


def davies_bouldin(
    Z: np.ndarray, labels: np.ndarray, k: int, sample_weight: np.ndarray | None = None
) -> float:
    """Davies-Bouldin index (lower is better), with weighted cluster scatter if weighted.

    Unweighted, equals :func:`sklearn.metrics.davies_bouldin_score`.
    """
    return _dispersion_indices(Z, labels, k, sample_weight)[1]


def _dispersion_indices(
    Z: np.ndarray, labels: np.ndarray, k: int, sample_weight: np.ndarray | None
) -> tuple[float, float]:
    """Calinski-Harabasz and Davies-Bouldin from one pass over the rows."""
    n = Z.shape[0]
    weights = _weights(n, sample_weight)
    centres = _centroids(Z, labels, k, weights)
    spread = _distances_to_centres(Z, labels, centres)
    sizes = np.bincount(labels, weights=weights, minlength=k)

    # Calinski-Harabasz, with weights rescaled to sum to n so that (n - k) keeps its meaning.
    scale = n / weights.sum()
    overall = weights @ Z / weights.sum()  # np.average would build an (n, d) temporary
    between = scale * float(np.sum(sizes * ((centres - overall) ** 2).sum(axis=1)))
    within = scale * float(np.dot(weights, spread**2))
    calinski = 1.0 if within == 0 else between * (n - k) / (within * (k - 1))

    scatter = np.bincount(labels, weights=weights * spread, minlength=k) / sizes
    separation = np.linalg.norm(centres[:, None, :] - centres[None, :, :], axis=2)
    if np.allclose(scatter, 0) or np.allclose(separation, 0):
        return calinski, 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (scatter[:, None] + scatter[None, :]) / separation
    ratio[np.isinf(ratio) | np.isnan(ratio)] = 0
    np.fill_diagonal(ratio, 0)
    return calinski, float(ratio.max(axis=1).mean())


def sweep_metrics(
    Z: np.ndarray,
    labelings: Mapping[int, np.ndarray],
    *,
    sample_weight: np.ndarray | None = None,
    max_rows: int = SILHOUETTE_MAX_ROWS,
    random_state: int | None = None,
) -> tuple[pd.DataFrame, dict]:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin for every k of a sweep.

    Returns
    -------
    metrics : DataFrame indexed by k with columns silhouette, calinski_harabasz, davies_bouldin
    silhouette_info : dict
        How the silhouette was computed: rows used, whether sampled, the sample's seed.
    """
    n = Z.shape[0]
    sampled = n > max_rows
    rows = (
        np.sort(
            np.random.default_rng(random_state).choice(
                n, min(max_rows, SILHOUETTE_SAMPLE), replace=False
            )
        )
        if sampled
        else np.arange(n)
    )
    weights_sample = None if sample_weight is None else sample_weight[rows]
    silhouettes = silhouette_scores(
        Z[rows], {k: labels[rows] for k, labels in labelings.items()}, sample_weight=weights_sample
    )
    dispersion = {
        k: _dispersion_indices(Z, labels, k, sample_weight) for k, labels in labelings.items()
    }
    frame = pd.DataFrame(
        {
            "silhouette": [silhouettes[k] for k in labelings],
            "calinski_harabasz": [dispersion[k][0] for k in labelings],
            "davies_bouldin": [dispersion[k][1] for k in labelings],
        },
        index=pd.Index(list(labelings), name="k"),
    )
    info = {
        "rows": int(rows.size),
        "sampled": bool(sampled),
        "sample_seed": random_state if sampled else None,
    }
    return frame, info


def adjusted_rand_index(labels_a: np.ndarray, labels_b: np.ndarray) -> float:
    """Adjusted Rand index of two integer labellings of shape (n_samples,), each label at
    least ``-1`` (custseg's unassigned customers).

    The same integer pair counts as :func:`sklearn.metrics.adjusted_rand_score`, so the same
    value, in a fraction of its time (the bootstrap compares hundreds of labellings).
    """
    a = np.asarray(labels_a, dtype=np.int64) + 1
    b = np.asarray(labels_b, dtype=np.int64) + 1
    n_b = int(b.max(initial=0)) + 1
    n_a = int(a.max(initial=0)) + 1
    table = np.bincount(a * n_b + b, minlength=n_a * n_b).reshape(n_a, n_b)
    n = len(a)
    in_a, in_b = table.sum(axis=1), table.sum(axis=0)
    squares = int((table**2).sum())
    # The pair confusion matrix: pairs together in both, in one only, in neither.
    together_b_only = int((table @ in_b).sum()) - squares
    together_a_only = int((table.T @ in_a).sum()) - squares
    together_both = squares - n
    apart_both = n * n - together_b_only - together_a_only - squares
    if together_a_only == 0 and together_b_only == 0:
        return 1.0
    return (
        2.0
        * (together_both * apart_both - together_a_only * together_b_only)
        / (
            (together_both + together_a_only) * (together_a_only + apart_both)
            + (together_both + together_b_only) * (together_b_only + apart_both)
        )
    )
