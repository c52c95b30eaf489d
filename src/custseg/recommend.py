"""Recommending a number of segments from a k sweep, with the reason in words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: How far below the best silhouette the elbow may be and still be preferred.
SILHOUETTE_TOLERANCE = 0.05


@dataclass(frozen=True)
class Recommendation:
    """The recommended k and why."""

    k: int
    reason: str
    elbow_k: int
    best_silhouette_k: int


def elbow(ks: np.ndarray, inertia: np.ndarray) -> int:
    """The k farthest below the straight line joining the first and last inertia points.

    Both axes are rescaled to [0, 1] first (the Kneedle rule), so the answer does not depend on
    the units of inertia.
    """
    if len(ks) < 3:
        return int(ks[0])
    x = (ks - ks[0]) / (ks[-1] - ks[0])
    span = inertia[0] - inertia[-1]
    y = (inertia - inertia[-1]) / span if span else np.zeros_like(inertia)
    chord = 1 - x
    return int(ks[int(np.argmax(chord - y))])


def recommend_k(sweep: pd.DataFrame) -> Recommendation:
    """Pick k from a sweep with columns ``k, inertia, silhouette``.

    The elbow of the inertia curve is preferred, because beyond it extra segments explain
    little; but if its silhouette is more than ``SILHOUETTE_TOLERANCE`` below the best one, the
    segments there overlap too much and the best-silhouette k is recommended instead.
    """
    ks = sweep["k"].to_numpy()
    silhouette = sweep["silhouette"].to_numpy()
    elbow_k = elbow(ks, sweep["inertia"].to_numpy(dtype=float))
    best_k = int(ks[int(np.argmax(silhouette))])
    elbow_silhouette = float(silhouette[ks == elbow_k][0])
    best_silhouette = float(silhouette.max())
    if elbow_silhouette >= best_silhouette - SILHOUETTE_TOLERANCE:
        reason = (
            f"k={elbow_k} is the elbow of the inertia curve (past it, more segments explain "
            f"little more), and its silhouette {elbow_silhouette:.3f} is within "
            f"{SILHOUETTE_TOLERANCE} of the best ({best_silhouette:.3f} at k={best_k})."
        )
        return Recommendation(elbow_k, reason, elbow_k, best_k)
    reason = (
        f"k={best_k} has the best silhouette ({best_silhouette:.3f}); the inertia elbow at "
        f"k={elbow_k} separates segments less well (silhouette {elbow_silhouette:.3f})."
    )
    return Recommendation(best_k, reason, elbow_k, best_k)
