"""scikit-learn's KMeans fit (k-means++, Lloyd, best of ``n_init`` restarts), step for step,
without the estimator's checks on every call.

The bootstrap refits KMeans hundreds of times on a few thousand rows, where one restart's
arithmetic takes a fraction of a millisecond and the estimator's input checks, parameter
validation and array-API dispatch (repeated for every candidate centre of k-means++) took most
of the time, holding the GIL. :func:`kmeans` does the same arithmetic in the same order with the
same random draws, so it returns exactly what ``KMeans(n_clusters=k, n_init=n_init,
random_state=random_state).fit(Z, sample_weight=sample_weight)`` gives (tests compare them bit
for bit); the Lloyd iterations and the nearest-centre rule are scikit-learn's own compiled
routines, which release the GIL, so that fits in threads side by side use the cores.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster._k_means_common import _is_same_clustering
from sklearn.cluster._kmeans import _kmeans_single_lloyd, _labels_inertia, _tolerance

from custseg import threads
from custseg.engine.base import NearestCentre

#: KMeans's defaults, which custseg's fits keep.
TOL = 1e-4
MAX_ITER = 300


@dataclass(frozen=True)
class KMeansResult:
    """The best restart, as KMeans stores it: ``labels`` of shape (n_samples,) (int32),
    ``centers`` of shape (k, n_features) in the input's coordinates, ``inertia``, ``n_iter``."""

    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int


def kmeans(
    Z: np.ndarray,
    k: int,
    *,
    sample_weight: np.ndarray | None,
    random_state: int,
    n_init: int,
) -> KMeansResult:
    """KMeans on the finite float matrix ``Z`` of shape (n_samples, n_features), as
    scikit-learn's estimator fits it (``Z`` is not changed).

    Raises
    ------
    ValueError
        If ``Z`` has fewer rows than ``k`` (as KMeans does).
    """
    n_samples = Z.shape[0]
    if n_samples < k:
        raise ValueError(f"n_samples={n_samples} should be >= n_clusters={k}.")
    X = np.array(Z, dtype=np.float64, order="C")  # a copy, centred below
    tol = _tolerance(X, TOL)
    rng = np.random.RandomState(random_state)
    weights = (
        np.ones(n_samples)
        if sample_weight is None
        else np.array(sample_weight, dtype=np.float64, order="C")
    )
    # The thread count the estimator's fit gets (threads.for_fit): the sums of a Lloyd step
    # depend on how the rows are split between threads, down to the last bit.
    n_threads = threads.for_problem(Z.size)
    mean = X.mean(axis=0)
    X -= mean  # KMeans centres the data for more accurate distances
    squared_norms = np.einsum("ij,ij->i", X, X)
    best = None
    for _ in range(n_init):
        start = _plusplus(X, k, squared_norms, weights, rng, unweighted=sample_weight is None)
        labels, inertia, centers, n_iter = _kmeans_single_lloyd(
            X, weights, start, max_iter=MAX_ITER, tol=tol, n_threads=n_threads
        )
        # KMeans's rule: a better inertia wins unless it is the same clustering (rounding).
        if best is None or (inertia < best[1] and not _is_same_clustering(labels, best[0], k)):
            best = (labels, inertia, centers, n_iter)
    labels, inertia, centers, n_iter = best
    centers += mean
    return KMeansResult(labels, centers, float(inertia), int(n_iter))


def nearest_centre(Z: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """KMeans's ``predict``: the index of every row's nearest centre, shape (n_samples,)."""
    X = np.ascontiguousarray(Z, dtype=np.float64)
    return _labels_inertia(
        X,
        np.ones(X.shape[0]),
        np.ascontiguousarray(centers, dtype=np.float64),
        n_threads=threads.for_problem(Z.size),
        return_inertia=False,
    )


class KMeansCentres(NearestCentre):
    """Fitted centres that assign rows exactly as KMeans's ``predict`` does."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        return nearest_centre(X, self.cluster_centers_)


def _plusplus(
    X: np.ndarray,
    k: int,
    squared_norms: np.ndarray,
    weights: np.ndarray,
    rng: np.random.RandomState,
    *,
    unweighted: bool,
) -> np.ndarray:
    """k-means++ starting centres of shape (k, n_features), the greedy variant KMeans uses
    (``2 + log k`` candidates per centre, the one lowering the potential most kept), with the
    same draws and the same floating-point operations as scikit-learn's (``unweighted``: the
    weights are all 1, and multiplying by them changes nothing)."""
    n_samples = X.shape[0]
    centers = np.empty((k, X.shape[1]))
    n_candidates = 2 + int(np.log(k))
    first = rng.choice(n_samples, p=weights / weights.sum())
    centers[0] = X[first]
    closest = _squared_distances(centers[0, np.newaxis], X, squared_norms)
    potential = closest @ weights
    column = weights.reshape(-1, 1)
    for c in range(1, k):
        draws = rng.uniform(size=n_candidates) * potential
        candidates = np.searchsorted(np.cumsum(closest if unweighted else weights * closest), draws)
        np.clip(candidates, None, closest.size - 1, out=candidates)  # rounding at the end
        distances = _squared_distances(X[candidates], X, squared_norms)
        np.minimum(closest, distances, out=distances)
        potentials = distances @ column
        chosen = np.argmin(potentials)
        potential = potentials[chosen]
        closest = distances[chosen]
        centers[c] = X[candidates[chosen]]
    return centers


def _squared_distances(A: np.ndarray, X: np.ndarray, squared_norms: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances of shape (len(A), n_samples), computed as scikit-learn's
    ``euclidean_distances`` does for float64 (``|a|^2 - 2 a.x + |x|^2``, clipped at 0)."""
    distances = A @ X.T
    distances *= -2  # in place: the same values as -2 * (A @ X.T), one array fewer
    distances += np.einsum("ij,ij->i", A, A)[:, np.newaxis]
    distances += squared_norms.reshape(1, -1)
    np.maximum(distances, 0, out=distances)
    return distances
