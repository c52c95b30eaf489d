"""Recommending a number of segments from a k sweep, with the reason in words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: How far below the best silhouette the elbow may be and still be preferred.
SILHOUETTE_TOLERANCE = 0.1
#: Mean bootstrap adjusted Rand index from which a k counts as stable (Hennig's rule of thumb:
#: above 0.75 stable, 0.6-0.75 a pattern, below 0.6 not to be trusted).
STABILITY_THRESHOLD = 0.75


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
    """Pick k from a sweep with columns ``k, inertia, silhouette`` (and optionally ``stability``).

    1. The elbow of the inertia curve is the starting point: past it, more segments explain
       little more.
    2. If a ``stability`` column is present, only stable k (bootstrap agreement of at least
       ``STABILITY_THRESHOLD``) qualify; an unstable elbow gives way to the nearest stable k
       (the more stable one on a tie).
    3. If that k's silhouette is more than ``SILHOUETTE_TOLERANCE`` below the best qualifying
       silhouette, its segments overlap too much and the best-silhouette k is recommended.
    """
    ks = sweep["k"].to_numpy()
    silhouette = sweep["silhouette"].to_numpy()
    elbow_k = elbow(ks, sweep["inertia"].to_numpy(dtype=float))
    stability = sweep["stability"].to_numpy() if "stability" in sweep else np.ones(len(ks))
    stable = stability >= STABILITY_THRESHOLD
    caution = ""
    if not stable.any():
        stable[:] = True
        caution = (
            f" No k reaches a bootstrap stability of {STABILITY_THRESHOLD}: treat any "
            "segmentation of these data with caution."
        )
    best_k = int(ks[stable][int(np.argmax(silhouette[stable]))])
    order = np.lexsort((ks, -stability, np.abs(ks - elbow_k)))
    anchor = int(next(k for k in ks[order] if stable[ks == k][0]))

    def described(k: int) -> str:
        text = f"silhouette {float(silhouette[ks == k][0]):.3f}"
        if "stability" in sweep:
            text += f", stability {float(stability[ks == k][0]):.2f}"
        return text

    start = (
        f"k={elbow_k} is the elbow of the inertia curve (past it, more segments explain "
        "little more)"
    )
    if anchor != elbow_k:
        start += (
            f" but is not stable under resampling ({described(elbow_k)}); k={anchor} is "
            "the nearest stable k"
        )
    best = float(silhouette[ks == best_k][0])
    if float(silhouette[ks == anchor][0]) >= best - SILHOUETTE_TOLERANCE:
        reason = (
            f"{start}; k={anchor} ({described(anchor)}) is within {SILHOUETTE_TOLERANCE} "
            f"of the best silhouette ({best:.3f} at k={best_k})."
        )
        return Recommendation(anchor, reason + caution, elbow_k, best_k)
    reason = (
        f"{start}, but its segments overlap ({described(anchor)}); k={best_k} has the "
        f"best silhouette ({described(best_k)})."
    )
    return Recommendation(best_k, reason + caution, elbow_k, best_k)
