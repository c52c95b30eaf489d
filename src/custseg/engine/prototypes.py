"""k-prototypes: numeric and categorical features mixed, for tables with categories.

KMeans treats one-hot categories as unscaled coordinates (two customers of different Gender are
as far apart as two standard deviations on a numeric feature). k-prototypes (Huang 1998) keeps
categories as categories: a segment has numeric means *and* categorical modes, and a customer's
cost to a segment is the squared Euclidean distance on the scaled numeric features plus
``gamma`` times the number of categories that differ from the segment's modes. The fitting is
the ``kmodes`` package's KPrototypes (MIT licence; Cao initialisation); ``gamma`` is what kmodes
computes (half the mean standard deviation of the numeric features, about 0.5 after standard
scaling) and is recorded. The categorical features arrive one-hot encoded in model space and
are turned back into category codes here. kmodes iterates in Python, so above
``PROTOTYPES_MAX_ROWS`` rows it is fitted on a seeded sample (with the weights, which it takes).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin

from custseg.engine.base import Assignment, Fit, Method, fit_rows, require, size_order

#: k-prototypes is fitted on a seeded sample above this many rows.
PROTOTYPES_MAX_ROWS = 5_000
#: Restarts per k (kmodes's default is 10; each is a full Python-level fit).
MAX_RESTARTS = 4


def category_codes(Z: np.ndarray, n_numeric: int, sizes: tuple[int, ...]) -> np.ndarray:
    """One integer code per one-hot block, shape (n_samples, n_blocks); -1 for an all-zero
    block (a category the model never saw)."""
    codes = np.empty((Z.shape[0], len(sizes)), dtype=np.int64)
    start = n_numeric
    for j, size in enumerate(sizes):
        block = Z[:, start : start + size]
        codes[:, j] = np.where(block.max(axis=1) > 0, block.argmax(axis=1), -1)
        start += size
    return codes


class PrototypeAssigner(ClusterMixin, BaseEstimator):
    """The segment of least k-prototypes cost: squared numeric distance + gamma * mismatches.

    Parameters
    ----------
    numeric_centers : ndarray of shape (k, n_numeric)
    modes : ndarray of shape (k, n_categorical)
        Category code (column within its one-hot block) of every segment's mode.
    gamma : float
    n_numeric : int
    category_sizes : tuple of int
    """

    def __init__(
        self,
        *,
        numeric_centers: np.ndarray | None = None,
        modes: np.ndarray | None = None,
        gamma: float = 0.5,
        n_numeric: int = 0,
        category_sizes: tuple[int, ...] = (),
    ) -> None:
        self.numeric_centers = numeric_centers
        self.modes = modes
        self.gamma = gamma
        self.n_numeric = n_numeric
        self.category_sizes = category_sizes

    def fit(self, X: Any = None, y: Any = None) -> PrototypeAssigner:
        self.numeric_centers_ = np.asarray(self.numeric_centers, dtype=float)
        self.modes_ = np.asarray(self.modes, dtype=np.int64)
        self.n_clusters = self.numeric_centers_.shape[0]
        self.n_features_in_ = self.n_numeric + int(sum(self.category_sizes))
        return self

    @property
    def cluster_centers_(self) -> np.ndarray:
        """The prototypes in model space: numeric means, then the modes one-hot encoded."""
        blocks = [self.numeric_centers_]
        for j, size in enumerate(self.category_sizes):
            blocks.append(np.eye(size)[self.modes_[:, j]])
        return np.hstack(blocks)

    def cost(self, X: np.ndarray) -> np.ndarray:
        """k-prototypes cost of every row to every segment, shape (n_samples, k)."""
        numeric = X[:, : self.n_numeric]
        codes = category_codes(X, self.n_numeric, tuple(self.category_sizes))
        # One segment at a time: no (n_samples, k, n_features) temporary.
        return np.column_stack(
            [
                ((numeric - centre) ** 2).sum(axis=1) + self.gamma * (codes != mode).sum(axis=1)
                for centre, mode in zip(self.numeric_centers_, self.modes_, strict=True)
            ]
        )

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Square root of the cost: a distance in the units of the numeric features."""
        return np.sqrt(self.cost(X))

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.cost(X).argmin(axis=1).astype(np.int32)


class KPrototypesMethod(Method):
    """kmodes's KPrototypes on scaled numeric features and category codes."""

    name = "kprototypes"
    label = "k-prototypes"
    max_fit_rows = PROTOTYPES_MAX_ROWS

    def check(self, options) -> None:
        require(
            bool(options.category_sizes) and options.n_numeric > 0,
            "kprototypes mixes numeric and categorical features, and this run has "
            + ("no categorical feature." if not options.category_sizes else "no numeric one."),
            hint="Add a categorical column (--categorical COLUMN, or name it in --features) "
            "next to numeric ones, or use another --method.",
        )

    def describe(self, *, n_rows, weighted, options):
        return {
            **super().describe(n_rows=n_rows, weighted=weighted, options=options),
            "library": "kmodes",
            "restarts": MAX_RESTARTS,
            "gamma": "as kmodes computes it: 0.5 * mean standard deviation of the numeric "
            "features (value per k in sweep.csv)",
        }

    def fit_all(
        self, Z, ks, *, sample_weight, random_state, n_init, options, progress=None
    ) -> dict[int, Fit]:
        from kmodes.kprototypes import KPrototypes

        self.check(options)
        chosen = fit_rows(
            Z.shape[0],
            sample_weight,
            max_rows=self.max_fit_rows,
            takes_weights=True,
            random_state=random_state,
        )
        n_numeric, sizes = options.n_numeric, tuple(options.category_sizes)
        fitted = Z[chosen.rows]
        codes = category_codes(fitted, n_numeric, sizes)
        X = np.hstack([fitted[:, :n_numeric], codes.astype(float)])
        categorical = list(range(n_numeric, n_numeric + len(sizes)))
        fits = {}
        for k in ks:
            model = KPrototypes(
                n_clusters=k,
                init="Cao",
                n_init=min(n_init, MAX_RESTARTS),
                random_state=random_state,
                n_jobs=1,
            ).fit(X, categorical=categorical, sample_weight=chosen.sample_weight)
            prototypes = np.asarray(model.cluster_centroids_, dtype=float)
            assigner = PrototypeAssigner(
                numeric_centers=prototypes[:, :n_numeric],
                modes=prototypes[:, n_numeric:].astype(np.int64),
                gamma=float(model.gamma),
                n_numeric=n_numeric,
                category_sizes=sizes,
            ).fit()
            cost = assigner.cost(Z)
            labels = cost.argmin(axis=1).astype(np.int32)
            new_number = size_order(labels, assigner.cluster_centers_, sample_weight)
            order = np.argsort(new_number)
            assigner.numeric_centers = assigner.numeric_centers_ = assigner.numeric_centers_[order]
            assigner.modes = assigner.modes_ = assigner.modes_[order]
            labels = new_number[labels]
            own = cost[np.arange(len(labels)), order[labels]]
            fits[k] = Fit(
                k=k,
                labels=labels,
                centers=assigner.cluster_centers_,
                inertia=float(own.sum() if sample_weight is None else own @ sample_weight),
                n_iter=int(model.n_iter_),
                estimator=assigner,
                columns={"gamma": float(model.gamma)},
            )
            if progress is not None:
                progress()
        return fits

    def assign(self, estimator: PrototypeAssigner, Z: np.ndarray) -> Assignment:
        distances = estimator.transform(Z)
        return Assignment(distances.argmin(axis=1).astype(np.int32), distances)

    def row_distances(self, fit: Fit, Z: np.ndarray) -> np.ndarray:
        return self.assign(fit.estimator, Z).distances.min(axis=1)
