"""Ward's hierarchical clustering: nested segments, the tree drawn as a dendrogram.

The tree is built once per fit (scipy's Ward linkage, which scikit-learn's
AgglomerativeClustering(linkage="ward") runs when there is no connectivity constraint) and cut
at every k. Ward needs all pairwise distances, so above ``WARD_MAX_ROWS`` rows it is built on a
seeded sample. A saved model assigns new customers to the nearest segment centre; so that
``predict`` reproduces the training segments exactly, the segments *are* the nearest-centre
assignment of every row to the centres of the cut tree (a handful of rows near a boundary may
move from their tree branch to the segment whose centre is nearer; summary.json counts them).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.cluster import hierarchy

from custseg.engine.base import (
    Assignment,
    Fit,
    Method,
    NearestCentre,
    centres,
    inertia,
    renumber,
    size_order,
)

#: Ward is fitted on a seeded sample above this many rows (its distance matrix needs
#: 8 * n**2 / 2 bytes: 100 MB at 5,000 rows, 400 MB at 10,000, and scipy holds more).
WARD_MAX_ROWS = 5_000
#: The dendrogram shows the top this many branches.
DENDROGRAM_LEAVES = 30


def dendrogram_data(linkage: np.ndarray, *, leaves: int = DENDROGRAM_LEAVES) -> dict[str, Any]:
    """The top ``leaves`` branches of a linkage, as plain lists for a figure.

    Returns
    -------
    dict with ``icoord`` and ``dcoord`` (one 4-point line per merge), ``leaf_labels`` (the
    number of fitted rows under every leaf) and ``heights`` (merge heights, highest first).
    """
    tree = hierarchy.dendrogram(linkage, truncate_mode="lastp", p=leaves, no_plot=True)
    return {
        "icoord": [[float(v) for v in line] for line in tree["icoord"]],
        "dcoord": [[float(v) for v in line] for line in tree["dcoord"]],
        "leaf_labels": [str(label) for label in tree["ivl"]],
        "heights": [float(h) for h in linkage[::-1, 2][: leaves - 1]],
    }


class WardMethod(Method):
    """Agglomerative clustering with Ward linkage, cut at every k; predict by nearest centre."""

    name = "ward"
    label = "Ward hierarchical"
    takes_weights = False
    max_fit_rows = WARD_MAX_ROWS

    def fit_all(
        self, Z, ks, *, sample_weight, random_state, n_init, options, progress=None
    ) -> dict[int, Fit]:
        chosen = self.rows_to_fit(Z.shape[0], sample_weight, random_state)
        fitted = Z[chosen.rows]
        linkage = hierarchy.ward(fitted)
        cuts = hierarchy.cut_tree(linkage, n_clusters=list(ks))
        tree = dendrogram_data(linkage)
        fits = {}
        for column, k in enumerate(ks):
            branch = cuts[:, column]
            estimator = NearestCentre(centers=centres(fitted, branch, k, None)).fit(fitted)
            labels = estimator.predict(Z)
            new_number = size_order(labels, estimator.cluster_centers_, sample_weight)
            estimator.cluster_centers_ = estimator.cluster_centers_[np.argsort(new_number)]
            estimator.centers = estimator.cluster_centers_
            labels = renumber(labels, new_number)
            moved = int((renumber(branch, new_number) != labels[chosen.rows]).sum())
            fits[k] = Fit(
                k=k,
                labels=labels,
                centers=estimator.cluster_centers_,
                inertia=inertia(Z, labels, estimator.cluster_centers_, sample_weight),
                n_iter=0,
                estimator=estimator,
                columns={
                    "merge_height": float(linkage[-(k - 1), 2]) if k > 1 else 0.0,
                    "moved_from_branch": moved,
                },
                details={"dendrogram": tree},
            )
            if progress is not None:
                progress()
        return fits

    def assign(self, estimator: NearestCentre, Z: np.ndarray) -> Assignment:
        distances = estimator.transform(Z)
        return Assignment(distances.argmin(axis=1).astype(np.int32), distances)
