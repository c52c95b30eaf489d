"""Recommending a number of segments from a k sweep, with the reason in words."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: How far below the best silhouette the elbow may be and still be preferred.
SILHOUETTE_TOLERANCE = 0.05
#: Mean bootstrap adjusted Rand index from which a k counts as stable.
STABILITY_THRESHOLD = 0.8


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

    Only stable k (bootstrap agreement of at least ``STABILITY_THRESHOLD``) are considered when
    a ``stability`` column is present and any k reaches it. Among them the elbow of the inertia
    curve is preferred, because beyond it extra segments explain little; but if the elbow is
    unstable, or its silhouette is more than ``SILHOUETTE_TOLERANCE`` below the best stable one,
    the segments there overlap too much and the best-silhouette k is recommended instead.
    """
    ks = sweep["k"].to_numpy()
    silhouette = sweep["silhouette"].to_numpy()
    elbow_k = elbow(ks, sweep["inertia"].to_numpy(dtype=float))
    stability = sweep["stability"].to_numpy() if "stability" in sweep else None
    stable = np.ones(len(ks), dtype=bool)
    stability_note = ""
    if stability is not None:
        stable = stability >= STABILITY_THRESHOLD
        if not stable.any():
            stable[:] = True
            stability_note = (
                f" No k reaches a bootstrap stability of {STABILITY_THRESHOLD}, so "
                "treat any segmentation here with caution."
            )
    best_k = int(ks[stable][int(np.argmax(silhouette[stable]))])
    elbow_silhouette = float(silhouette[ks == elbow_k][0])
    best_silhouette = float(silhouette[ks == best_k][0])

    def stability_of(k: int) -> str:
        return "" if stability is None else f", stability {float(stability[ks == k][0]):.2f}"

    elbow_stable = bool(stable[ks == elbow_k][0])
    if elbow_stable and elbow_silhouette >= best_silhouette - SILHOUETTE_TOLERANCE:
        reason = (
            f"k={elbow_k} is the elbow of the inertia curve (past it, more segments explain "
            f"little more); its silhouette {elbow_silhouette:.3f}{stability_of(elbow_k)} is "
            f"within {SILHOUETTE_TOLERANCE} of the best ({best_silhouette:.3f} at k={best_k})."
        )
        return Recommendation(elbow_k, reason + stability_note, elbow_k, best_k)
    why_not = (
        "is not stable under resampling"
        if not elbow_stable
        else f"separates segments less well (silhouette {elbow_silhouette:.3f})"
    )
    reason = (
        f"k={best_k} has the best silhouette ({best_silhouette:.3f}{stability_of(best_k)}"
        f"{' among stable k' if stability is not None else ''}); the inertia elbow at "
        f"k={elbow_k} {why_not}{stability_of(elbow_k) if not elbow_stable else ''}."
    )
    return Recommendation(best_k, reason + stability_note, elbow_k, best_k)
