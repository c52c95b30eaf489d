"""Fitting engines: where KMeans runs. The local engine is scikit-learn in this process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sklearn.cluster import KMeans

from custseg import threads
from custseg.errors import CustsegError


@dataclass(frozen=True)
class KMeansFit:
    """One fitted KMeans, with segments numbered by a fixed rule.

    Attributes
    ----------
    k : int
    labels : ndarray of shape (n_samples,)
        0-based cluster index; cluster 0 is the largest (by weight when weighted).
    centers : ndarray of shape (k, n_features)
    inertia : float
        Weighted sum of squared distances to the nearest centre.
    n_iter : int
    estimator : sklearn.cluster.KMeans
        Fitted, with its centres in the same order as ``labels``.
    """

    k: int
    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int
    estimator: KMeans


class Engine(Protocol):
    """What the segmentation core needs from a place that fits KMeans."""

    name: str

    def fit_kmeans(
        self,
        Z: np.ndarray,
        k: int,
        *,
        sample_weight: np.ndarray | None,
        random_state: int,
        n_init: int,
    ) -> KMeansFit: ...


def order_clusters(
    estimator: KMeans, labels: np.ndarray, sample_weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Renumber clusters largest first, ties broken by the centres' coordinates.

    KMeans numbers clusters by the accident of its initialisation; a fixed rule makes segment
    numbers stable across runs and readable ("segment 1 is the biggest"). The estimator's
    ``cluster_centers_`` are permuted in place so that ``predict`` returns the new numbers.
    """
    k = estimator.cluster_centers_.shape[0]
    sizes = np.bincount(labels, weights=sample_weight, minlength=k)
    centers = estimator.cluster_centers_
    order = np.lexsort((*centers.T[::-1], -sizes))
    new_number = np.empty(k, dtype=np.int32)
    new_number[order] = np.arange(k)
    estimator.cluster_centers_ = centers[order]
    estimator.labels_ = new_number[labels]  # one array shared with the fit, not two copies
    return estimator.labels_, estimator.cluster_centers_


@dataclass(frozen=True)
class LocalEngine:
    """scikit-learn's KMeans (Lloyd, k-means++ with ``n_init`` restarts) in this process."""

    name: str = "local"

    def fit_kmeans(
        self,
        Z: np.ndarray,
        k: int,
        *,
        sample_weight: np.ndarray | None,
        random_state: int,
        n_init: int,
    ) -> KMeansFit:
        # copy_x=False centres Z in place and restores it: no second copy of a large matrix.
        estimator = KMeans(n_clusters=k, n_init=n_init, random_state=random_state, copy_x=False)
        with threads.for_fit(*Z.shape):
            estimator.fit(Z, sample_weight=sample_weight)
        labels, centers = order_clusters(estimator, estimator.labels_, sample_weight)
        return KMeansFit(
            k=k,
            labels=labels,
            centers=centers,
            inertia=float(estimator.inertia_),
            n_iter=int(estimator.n_iter_),
            estimator=estimator,
        )


ENGINES = {"local": LocalEngine}


def get_engine(name: str) -> Engine:
    """The engine called ``name``.

    Raises
    ------
    CustsegError
        For an unknown engine.
    """
    if name not in ENGINES:
        raise CustsegError(
            f"Unknown engine {name!r} for an in-memory table.",
            hint=f"Choose one of: {', '.join(ENGINES)}; the Dask engine runs through "
            "custseg.distributed.segment (or custseg segment --engine dask).",
        )
    return ENGINES[name]()
