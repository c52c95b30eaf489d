"""KMeans, and the engines it runs on: the local engine is scikit-learn in this process."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from sklearn.cluster import KMeans

from custseg import threads
from custseg.engine.base import Assignment, Fit, Method, size_order
from custseg.engine.kmeans_restarts import KMeansCentres, kmeans
from custseg.errors import CustsegError

KMeansFit = Fit


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
    ) -> Fit: ...


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
    ) -> Fit:
        # copy_x=False centres Z in place and restores it: no second copy of a large matrix.
        estimator = KMeans(n_clusters=k, n_init=n_init, random_state=random_state, copy_x=False)
        with threads.for_fit(*Z.shape):
            estimator.fit(Z, sample_weight=sample_weight)
        labels, centers = order_clusters(estimator, estimator.labels_, sample_weight)
        return Fit(
            k=k,
            labels=labels,
            centers=centers,
            inertia=float(estimator.inertia_),
            n_iter=int(estimator.n_iter_),
            estimator=estimator,
        )


ENGINES = {"local": LocalEngine}


class KMeansMethod(Method):
    """KMeans (k-means++ with ``n_init`` restarts) on the chosen engine, with sample weights."""

    name = "kmeans"
    label = "KMeans"

    def fit_all(
        self, Z, ks, *, sample_weight, random_state, n_init, options, progress=None
    ) -> dict[int, Fit]:
        """Every k; small fits side by side, each on its own copy of ``Z`` (KMeans centres its
        input in place), large ones one after another on ``Z`` itself (no second copy)."""
        engine = get_engine(options.engine)
        side_by_side = threads.for_problem(Z.size) == 1

        def fit(k: int) -> Fit:
            return engine.fit_kmeans(
                Z.copy() if side_by_side else Z,
                k,
                sample_weight=sample_weight,
                random_state=random_state,
                n_init=n_init,
            )

        ks = list(ks)
        return dict(zip(ks, threads.map_fits(fit, ks, n_values=Z.size, done=progress), strict=True))

    def refit_all(self, Z, fits, *, sample_weight, random_state, n_init, options):
        """Every k as the local engine fits it (the same result, see
        :mod:`custseg.engine.kmeans_restarts`), without the estimator's checks on every call:
        the bootstrap's refits are small and many. Each estimator is a :class:`KMeansCentres`,
        which predicts as KMeans does; ``Z`` is not changed."""
        get_engine(options.engine)  # an unknown engine is an error here too
        return {
            k: _refit(Z, k, sample_weight=sample_weight, random_state=random_state, n_init=n_init)
            for k in fits
        }

    def assign(self, estimator: KMeans, Z: np.ndarray) -> Assignment:
        distances = estimator.transform(Z)
        return Assignment(distances.argmin(axis=1), distances)

    def labels(self, estimator: KMeans, Z: np.ndarray) -> np.ndarray:
        return estimator.predict(Z)


def _refit(Z, k, *, sample_weight, random_state, n_init) -> Fit:
    """:func:`kmeans_restarts.kmeans` as a :class:`Fit`, numbered like :func:`order_clusters`."""
    result = kmeans(Z, k, sample_weight=sample_weight, random_state=random_state, n_init=n_init)
    new_number = size_order(result.labels, result.centers, sample_weight)
    centers = result.centers[np.argsort(new_number)]
    return Fit(
        k=k,
        labels=new_number[result.labels],
        centers=centers,
        inertia=result.inertia,
        n_iter=result.n_iter,
        estimator=KMeansCentres(centers=centers).fit(centers),
    )


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
