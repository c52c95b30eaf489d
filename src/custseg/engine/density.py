"""HDBSCAN: segments as dense regions, and customers in none of them left unassigned.

The swept parameter is the minimum segment size (``min_cluster_size``), as shares of the fitted
rows (``MIN_CLUSTER_SHARES``); each setting finds its own number of segments k. When several
settings find the same k, the one that leaves the fewest customers unassigned is kept.

Assignment rule, the same for the training rows and for new customers: a customer takes the
segment of the nearest fitted row if it lies within that row's core distance (the distance to
its ``MIN_SAMPLES``-th nearest fitted row, HDBSCAN's own density measure), and is unassigned
otherwise (or if the nearest fitted row is itself unassigned). Fitted rows are their own nearest
row, so they keep HDBSCAN's labels exactly; rows outside a fitting sample are assigned by the
rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.cluster import HDBSCAN
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.neighbors import NearestNeighbors

from custseg.engine.base import (
    NOISE,
    Assignment,
    Fit,
    Method,
    centres,
    inertia,
    renumber,
    size_order,
)

#: HDBSCAN is fitted on a seeded sample above this many rows.
HDBSCAN_MAX_ROWS = 20_000
#: The swept minimum segment sizes, as shares of the fitted rows.
MIN_CLUSTER_SHARES = (0.01, 0.02, 0.03, 0.05, 0.08, 0.12, 0.2)
#: The smallest min_cluster_size tried, whatever the number of rows.
MIN_CLUSTER_FLOOR = 5
#: Neighbours that define a row's core distance (HDBSCAN's min_samples).
MIN_SAMPLES = 10
#: Distances this close to a core distance count as within it (float round-off).
_TOLERANCE = 1e-9


class CoreDistanceAssigner(ClusterMixin, BaseEstimator):
    """The nearest fitted row's segment, if within its core distance; unassigned otherwise.

    Attributes
    ----------
    points_ : ndarray of shape (n_fitted, n_features)
    point_labels_ : ndarray of shape (n_fitted,)
        0-based segments, -1 unassigned.
    core_distances_ : ndarray of shape (n_fitted,)
    cluster_centers_ : ndarray of shape (k, n_features)
    n_clusters : int
    """

    def __init__(
        self,
        *,
        points: np.ndarray | None = None,
        point_labels: np.ndarray | None = None,
        core_distances: np.ndarray | None = None,
        centers: np.ndarray | None = None,
    ) -> None:
        self.points = points
        self.point_labels = point_labels
        self.core_distances = core_distances
        self.centers = centers

    def fit(self, X: Any = None, y: Any = None) -> CoreDistanceAssigner:
        self.points_ = np.asarray(self.points, dtype=float)
        self.point_labels_ = np.asarray(self.point_labels, dtype=np.int32)
        self.core_distances_ = np.asarray(self.core_distances, dtype=float)
        self.cluster_centers_ = np.asarray(self.centers, dtype=float)
        self.n_clusters = self.cluster_centers_.shape[0]
        self.n_features_in_ = self.points_.shape[1]
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        distance, nearest = (
            NearestNeighbors(n_neighbors=1).fit(self.points_).kneighbors(X, return_distance=True)
        )
        distance, nearest = distance[:, 0], nearest[:, 0]
        labels = self.point_labels_[nearest].copy()
        core = self.core_distances_[nearest]
        labels[distance > core + _TOLERANCE * np.maximum(core, 1.0)] = NOISE
        return labels

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Distances of shape (n_samples, k) to every segment centre."""
        return euclidean_distances(X, self.cluster_centers_)


def min_cluster_sizes(n_fitted: int) -> list[int]:
    """The swept ``min_cluster_size`` values for ``n_fitted`` rows, distinct and ascending."""
    return sorted({max(MIN_CLUSTER_FLOOR, round(s * n_fitted)) for s in MIN_CLUSTER_SHARES})


class HDBSCANMethod(Method):
    """scikit-learn's HDBSCAN over a grid of minimum segment sizes; noise is segment 0."""

    name = "hdbscan"
    label = "HDBSCAN (density)"
    takes_weights = False
    max_fit_rows = HDBSCAN_MAX_ROWS
    parameter = "min_cluster_size"

    def describe(self, *, n_rows, weighted, options):
        info = super().describe(n_rows=n_rows, weighted=weighted, options=options)
        return {
            **info,
            "min_cluster_size_grid": min_cluster_sizes(info["fit_rows"]),
            "min_cluster_shares": list(MIN_CLUSTER_SHARES),
            "min_samples": MIN_SAMPLES,
            "noise": "customers in no dense region form segment 0, 'Unassigned / outliers'",
        }

    def _fit_one(self, fitted, core, Z, size, sample_weight) -> Fit | None:
        raw = HDBSCAN(
            min_cluster_size=size, min_samples=min(MIN_SAMPLES, len(fitted) - 1), copy=True
        ).fit_predict(fitted)
        k = int(raw.max()) + 1
        if k < 1:
            return None
        assigner = CoreDistanceAssigner(
            points=fitted,
            point_labels=raw,
            core_distances=core,
            centers=centres(fitted, raw, k, None),
        ).fit()
        labels = assigner.predict(Z)
        new_number = size_order(labels, assigner.cluster_centers_, sample_weight)
        labels = renumber(labels, new_number)
        assigner.point_labels = assigner.point_labels_ = renumber(raw, new_number)
        assigner.centers = assigner.cluster_centers_ = centres(Z, labels, k, sample_weight)
        noise = labels == NOISE
        w = np.ones(len(labels)) if sample_weight is None else sample_weight
        return Fit(
            k=k,
            labels=labels,
            centers=assigner.cluster_centers_,
            inertia=inertia(Z, labels, assigner.cluster_centers_, sample_weight),
            n_iter=0,
            estimator=assigner,
            columns={
                "min_cluster_size": size,
                "unassigned_share": float(w[noise].sum() / w.sum()),
            },
        )

    def _fitted(self, Z, sample_weight, random_state):
        chosen = self.rows_to_fit(Z.shape[0], sample_weight, random_state)
        fitted = Z[chosen.rows]
        neighbours = min(MIN_SAMPLES, len(fitted) - 1)
        core = NearestNeighbors(n_neighbors=neighbours).fit(fitted).kneighbors(fitted)[0][:, -1]
        return fitted, core

    def fit_all(
        self, Z, ks, *, sample_weight, random_state, n_init, options, progress=None
    ) -> dict[int, Fit]:
        """Fit every min_cluster_size of the grid; keep, for every k found within ``ks``'s
        range, the fit with the fewest unassigned customers."""
        fitted, core = self._fitted(Z, sample_weight, random_state)
        low, high = min(ks), max(ks)
        fits: dict[int, Fit] = {}
        for size in min_cluster_sizes(len(fitted)):
            fit = self._fit_one(fitted, core, Z, size, sample_weight)
            if fit is None or not low <= fit.k <= high:
                continue
            kept = fits.get(fit.k)
            if kept is None or fit.columns["unassigned_share"] < kept.columns["unassigned_share"]:
                fits[fit.k] = fit
        for _ in ks if progress is not None else ():
            progress()
        return dict(sorted(fits.items()))

    def refit_all(self, Z, fits, *, sample_weight, random_state, n_init, options):
        """Refit with every fit's min_cluster_size; a setting that finds no segment in the
        resample is left out (its agreement counts as 0)."""
        fitted, core = self._fitted(Z, sample_weight, random_state)
        refits = {}
        for k, fit in fits.items():
            size = int(fit.columns["min_cluster_size"])
            refit = self._fit_one(fitted, core, Z, size, sample_weight)
            if refit is not None:
                refits[k] = refit
        return refits

    def assign(self, estimator: CoreDistanceAssigner, Z: np.ndarray) -> Assignment:
        return Assignment(estimator.predict(Z), estimator.transform(Z))
