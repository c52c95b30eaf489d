"""What every segmentation method gives the core, and the pieces the methods share.

A method fits a model-space matrix for a list of k and returns, for each k, a :class:`Fit`:
0-based labels (``-1`` for customers a density method leaves unassigned), centres, and the
fitted ``estimator`` that the saved model keeps. :meth:`Method.assign` is the one scoring rule
for new customers *and* for the training rows: every method defines its training labels as what
``assign`` gives, so ``predict`` on the training rows reproduces them exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics.pairwise import euclidean_distances

from custseg.errors import CustsegError
from custseg.recommend import Recommendation, recommend_k

#: The label of customers a method leaves unassigned (segment 0, "Unassigned / outliers").
NOISE = -1


@dataclass(frozen=True)
class Fit:
    """One fitted segmentation of a matrix, with segments numbered by a fixed rule.

    Attributes
    ----------
    k : int
        Number of segments, not counting the unassigned group.
    labels : ndarray of shape (n_samples,)
        0-based segment index; 0 is the largest (by weight when weighted); ``NOISE`` (-1) for
        unassigned customers.
    centers : ndarray of shape (k, n_features)
    inertia : float
        Weighted sum of squared distances to the own centre (unassigned rows left out).
    n_iter : int
    estimator : object
        The fitted predictor kept in the saved model, numbered like ``labels``.
    probability : ndarray of shape (n_samples,), optional
        Membership probability of the assigned segment (mixture models).
    columns : dict of str to float
        Method-specific sweep columns (``bic``, ``min_cluster_size``...).
    details : dict
        Method-specific facts for the summary and figures (Ward's dendrogram...).
    """

    k: int
    labels: np.ndarray
    centers: np.ndarray
    inertia: float
    n_iter: int
    estimator: Any
    probability: np.ndarray | None = None
    columns: dict[str, float] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def has_noise(self) -> bool:
        return bool((self.labels == NOISE).any())


@dataclass(frozen=True)
class Assignment:
    """How a fitted method scores rows: labels, distances to every centre, probability."""

    labels: np.ndarray
    distances: np.ndarray
    probability: np.ndarray | None = None


@dataclass(frozen=True, kw_only=True)
class MethodOptions:
    """Method settings that are not k.

    Parameters
    ----------
    engine : str
        Where KMeans runs (``local``).
    covariance : str
        Gaussian mixture covariance type.
    n_numeric : int
        How many leading model-space columns are numeric; the rest are one-hot blocks.
    category_sizes : tuple of int
        The width of every one-hot block, in order.
    """

    engine: str = "local"
    covariance: str = "full"
    n_numeric: int = 0
    category_sizes: tuple[int, ...] = ()


@dataclass(frozen=True)
class FitRows:
    """The rows a method is fitted on, and how they stand for the weighted whole."""

    rows: np.ndarray
    sample_weight: np.ndarray | None
    sampled: bool
    resampled: bool


def fit_rows(
    n: int,
    sample_weight: np.ndarray | None,
    *,
    max_rows: int | None,
    takes_weights: bool,
    random_state: int,
) -> FitRows:
    """Choose the rows to fit on.

    A method that takes sample weights fits all rows (or a seeded uniform sample of
    ``max_rows`` with their weights). One that does not gets a seeded weight-proportional
    resample with replacement (of ``n`` rows, at most ``max_rows``), so that a row of weight
    ``w`` appears about ``w`` times as often as a row of weight 1: the weighted population is
    what is clustered, and no weight is silently dropped.
    """
    rng = np.random.default_rng(random_state)
    size = n if max_rows is None else min(n, max_rows)
    if sample_weight is not None and not takes_weights:
        p = np.asarray(sample_weight, dtype=float)
        rows = np.sort(rng.choice(n, size=size, replace=True, p=p / p.sum()))
        return FitRows(rows, None, size < n, True)
    if size < n:
        rows = np.sort(rng.choice(n, size=size, replace=False))
        weights = None if sample_weight is None else sample_weight[rows]
        return FitRows(rows, weights, True, False)
    return FitRows(np.arange(n), sample_weight, False, False)


def size_order(
    labels: np.ndarray, centers: np.ndarray, sample_weight: np.ndarray | None
) -> np.ndarray:
    """``new_number[old]``: segments renumbered largest first, ties broken by the centres.

    The same rule as KMeans's, so that "segment 1 is the biggest" whatever the method.
    """
    k = centers.shape[0]
    assigned = labels != NOISE
    weights = None if sample_weight is None else sample_weight[assigned]
    sizes = np.bincount(labels[assigned], weights=weights, minlength=k)
    order = np.lexsort((*centers.T[::-1], -sizes))
    new_number = np.empty(k, dtype=np.int32)
    new_number[order] = np.arange(k)
    return new_number


def renumber(labels: np.ndarray, new_number: np.ndarray) -> np.ndarray:
    """Apply :func:`size_order`'s mapping, keeping ``NOISE``."""
    return np.where(labels == NOISE, NOISE, new_number[np.maximum(labels, 0)]).astype(np.int32)


def centres(
    Z: np.ndarray, labels: np.ndarray, k: int, sample_weight: np.ndarray | None
) -> np.ndarray:
    """Weighted mean of every segment, shape (k, n_features); an empty segment's is NaN."""
    assigned = labels != NOISE
    w = np.ones(Z.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    w = np.where(assigned, w, 0.0)
    index = np.maximum(labels, 0)
    totals = np.bincount(index, weights=w, minlength=k)
    sums = np.column_stack(
        [np.bincount(index, weights=w * Z[:, j], minlength=k) for j in range(Z.shape[1])]
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals[:, None]


def inertia(
    Z: np.ndarray, labels: np.ndarray, centers: np.ndarray, sample_weight: np.ndarray | None
) -> float:
    """Weighted within-segment sum of squares (unassigned rows left out)."""
    assigned = labels != NOISE
    squared = ((Z[assigned] - centers[labels[assigned]]) ** 2).sum(axis=1)
    w = None if sample_weight is None else sample_weight[assigned]
    return float(squared.sum() if w is None else squared @ w)


class NearestCentre(ClusterMixin, BaseEstimator):
    """Assign every row to its nearest centre (Euclidean), like KMeans's ``predict``.

    Parameters
    ----------
    centers : ndarray of shape (k, n_features)

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (k, n_features)
    n_clusters : int
    """

    def __init__(self, *, centers: np.ndarray | None = None) -> None:
        self.centers = centers

    def fit(self, X: np.ndarray, y: Any = None) -> NearestCentre:
        self.cluster_centers_ = np.asarray(self.centers, dtype=float)
        self.n_clusters = self.cluster_centers_.shape[0]
        self.n_features_in_ = self.cluster_centers_.shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Distances of shape (n_samples, k) to every centre."""
        return euclidean_distances(X, self.cluster_centers_)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.transform(X).argmin(axis=1).astype(np.int32)


class Method:
    """One way of segmenting: fit a list of k, and score rows with a fitted estimator.

    Subclasses set the class attributes and implement :meth:`fit_all` and :meth:`assign`.
    """

    name: ClassVar[str]
    #: For people: "Gaussian mixture".
    label: ClassVar[str]
    #: Whether the algorithm takes sample weights; if not, weighted runs are fitted on a
    #: weight-proportional resample (see :func:`fit_rows`).
    takes_weights: ClassVar[bool] = True
    #: Above this many rows the method is fitted on a seeded sample and the rest assigned.
    max_fit_rows: ClassVar[int | None] = None
    #: What the sweep varies ("k", or e.g. "min_cluster_size").
    parameter: ClassVar[str] = "k"

    def check(self, options: MethodOptions) -> None:
        """Raise :class:`CustsegError` if the method cannot segment data shaped like this."""

    def describe(self, *, n_rows: int, weighted: bool, options: MethodOptions) -> dict[str, Any]:
        """What summary.json records about the method, said before fitting."""
        sample = fit_rows_note(
            n_rows, weighted, max_rows=self.max_fit_rows, takes_weights=self.takes_weights
        )
        return {"name": self.name, "label": self.label, "parameter": self.parameter, **sample}

    def rows_to_fit(
        self, n_rows: int, sample_weight: np.ndarray | None, random_state: int
    ) -> FitRows:
        """The rows this method fits on: see :func:`fit_rows`."""
        return fit_rows(
            n_rows,
            sample_weight,
            max_rows=self.max_fit_rows,
            takes_weights=self.takes_weights,
            random_state=random_state,
        )

    def fit_all(
        self,
        Z: np.ndarray,
        ks: Sequence[int],
        *,
        sample_weight: np.ndarray | None,
        random_state: int,
        n_init: int,
        options: MethodOptions,
        progress: Callable[[], None] | None = None,
    ) -> dict[int, Fit]:
        """Fit every k of ``ks``; returns k -> Fit (a density method may find other k).

        ``progress`` is called once per k of ``ks``.
        """
        raise NotImplementedError

    def refit_all(
        self,
        Z: np.ndarray,
        fits: Mapping[int, Fit],
        *,
        sample_weight: np.ndarray | None,
        random_state: int,
        n_init: int,
        options: MethodOptions,
    ) -> dict[int, Fit]:
        """Refit every fit of ``fits`` on other rows with the same settings (for the
        bootstrap); a method whose parameter is not k matches by that parameter."""
        return self.fit_all(
            Z,
            list(fits),
            sample_weight=sample_weight,
            random_state=random_state,
            n_init=n_init,
            options=options,
        )

    def assign(self, estimator: Any, Z: np.ndarray) -> Assignment:
        """Labels (``NOISE`` for unassigned), distances to every centre, probability."""
        raise NotImplementedError

    def recommend(self, table: pd.DataFrame, **rule: Any) -> Recommendation:
        """The recommended k from the sweep table (custseg's shared rule by default;
        ``rule`` holds its settings)."""
        return recommend_k(table, **rule)

    def model_metadata(self, fit: Fit) -> dict[str, Any]:
        """Facts the saved model keeps about this method (beyond its estimator)."""
        return {}

    def centres(self, estimator: Any) -> np.ndarray | None:
        """The segment centres a fitted estimator holds, shape (k, n_features)."""
        return getattr(estimator, "cluster_centers_", None)

    def labels(self, estimator: Any, Z: np.ndarray) -> np.ndarray:
        """Just the labels of :meth:`assign`."""
        return self.assign(estimator, Z).labels

    def row_distances(self, fit: Fit, Z: np.ndarray) -> np.ndarray:
        """Distance of every row to its own centre (an unassigned row's: the nearest), as
        ``predict`` measures it."""
        assigned = fit.labels != NOISE
        if assigned.all():
            return np.linalg.norm(Z - fit.centers[fit.labels], axis=1)
        distances = self.assign(fit.estimator, Z).distances
        own = np.where(assigned, fit.labels, distances.argmin(axis=1))
        return distances[np.arange(len(own)), own]


def fit_rows_note(
    n_rows: int, weighted: bool, *, max_rows: int | None, takes_weights: bool
) -> dict[str, Any]:
    """The sampling and weighting that :func:`fit_rows` will do, in words and numbers."""
    size = n_rows if max_rows is None else min(n_rows, max_rows)
    if weighted and not takes_weights:
        weights = (
            f"the algorithm takes no sample weights: it is fitted on a seeded "
            f"weight-proportional resample (with replacement) of {size:,} rows, and every row "
            "is then assigned; sizes, profiles and metrics use the weights"
        )
    elif weighted:
        weights = "fitted with the sample weights"
    else:
        weights = "unweighted"
    sampled = size < n_rows
    kind = "weight-proportional resample" if weighted and not takes_weights else "sample"
    if sampled:
        sampling = (
            f"fitted on a seeded {kind} "
            f"of {size:,} of {n_rows:,} rows (above {max_rows:,} rows the algorithm's cost "
            "grows too fast); every row is then assigned by the model's predict rule"
        )
    elif weighted and not takes_weights:
        sampling = f"fitted on a seeded weight-proportional resample of {size:,} rows"
    else:
        sampling = f"fitted on all {n_rows:,} rows"
    return {
        "fit_rows": size,
        "sampled": sampled,
        "max_fit_rows": max_rows,
        "weights": weights,
        "sampling": sampling,
    }


def require(condition: bool, message: str, hint: str | None = None) -> None:
    """Raise a :class:`CustsegError` unless ``condition`` holds."""
    if not condition:
        raise CustsegError(message, hint=hint)
