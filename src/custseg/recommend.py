"""Recommending a number of segments from a k sweep, with the reason in words."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: How far below the best silhouette the elbow may be and still be preferred.
SILHOUETTE_TOLERANCE = 0.1
#: Mean bootstrap adjusted Rand index from which a k counts as stable (Hennig's rule of thumb:
#: above 0.75 stable, 0.6-0.75 a pattern, below 0.6 not to be trusted). The one threshold of
#: the recommendation, the README and the ``unstable_k`` warning.
STABILITY_THRESHOLD = 0.75
#: Surveys: a recommended k's every segment must rest on at least this many households.
MIN_SEGMENT_HOUSEHOLDS = 30

#: The rule, in words, as summary.json, the README and the dashboard state it.
RULE = (
    "A k qualifies when its smallest segment holds at least the minimum share of the "
    "(weighted) population (--min-segment, default 2%; for surveys also at least "
    f"{MIN_SEGMENT_HOUSEHOLDS} households), its bootstrap stability is at least "
    f"{STABILITY_THRESHOLD}, and no other qualifying k beats it on both silhouette and "
    "stability. Among the qualifying k, start from the one nearest the elbow of the inertia "
    "curve (the more stable on a tie); if its silhouette is more than "
    f"{SILHOUETTE_TOLERANCE} below the best qualifying silhouette, take the best-silhouette k. "
    "If no k has large enough segments, the k whose smallest segment is largest is "
    "recommended; if none of those is stable, stability is waived; either way a warning says so."
)


@dataclass(frozen=True)
class Recommendation:
    """The recommended k, why, and why the others were passed over.

    Attributes
    ----------
    excluded : dict of int to str
        Every k that did not qualify, with the reason.
    qualified : bool
        False when no k met every condition and the least bad one was taken.
    """

    k: int
    reason: str
    elbow_k: int
    best_silhouette_k: int
    excluded: dict[int, str] = field(default_factory=dict)
    qualified: bool = True
    rule: str = RULE


def smallest_segment(
    labels: np.ndarray,
    weights: np.ndarray | None = None,
    households: np.ndarray | None = None,
) -> tuple[float, int | None]:
    """The smallest segment's share of the (weighted) rows and, given household ids, the
    fewest distinct households any segment holds.

    Parameters
    ----------
    labels : ndarray of shape (n_samples,)
        Segment of every row, from any clustering method.
    """
    codes, inverse = np.unique(labels, return_inverse=True)
    w = np.ones(len(labels)) if weights is None else np.asarray(weights, dtype=float)
    shares = np.bincount(inverse, weights=w, minlength=len(codes)) / w.sum()
    fewest = None
    if households is not None:
        pairs = np.unique(np.column_stack([inverse, pd.factorize(households)[0]]), axis=0)
        fewest = int(np.bincount(pairs[:, 0], minlength=len(codes)).min())
    return float(shares.min()), fewest


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


def _dominated(silhouette: np.ndarray, stability: np.ndarray, among: np.ndarray) -> np.ndarray:
    """For each row of ``among``, the position of the row of ``among`` that beats it on both
    measures by the widest silhouette margin, or -1."""
    beaten_by = np.full(len(silhouette), -1)
    for i in np.flatnonzero(among):
        better = (silhouette > silhouette[i]) & (stability > stability[i]) & among
        if better.any():
            beaten_by[i] = int(np.flatnonzero(better)[np.argmax(silhouette[better])])
    return beaten_by


def recommend_k(
    sweep: pd.DataFrame, *, min_share: float = 0.0, min_households: int | None = None
) -> Recommendation:
    """Pick k from a sweep by :data:`RULE`.

    Parameters
    ----------
    sweep : DataFrame
        Columns ``k, silhouette``, and when available ``inertia`` (the elbow; without it the
        start is the best silhouette), ``stability``, ``min_segment_share`` and
        ``min_segment_households``.
    min_share : float
        The smallest segment share a recommended k may have.
    min_households : int, optional
        The fewest households a recommended k's segments may rest on (surveys).
    """
    ks = sweep["k"].to_numpy()
    silhouette = sweep["silhouette"].to_numpy(dtype=float)
    elbow_k = (
        elbow(ks, sweep["inertia"].to_numpy(dtype=float))
        if "inertia" in sweep
        else int(ks[int(np.argmax(silhouette))])
    )
    has_stability = "stability" in sweep
    stability = sweep["stability"].to_numpy(dtype=float) if has_stability else np.ones(len(ks))
    shares = (
        sweep["min_segment_share"].to_numpy(dtype=float)
        if "min_segment_share" in sweep
        else np.ones(len(ks))
    )
    households = (
        sweep["min_segment_households"].to_numpy(dtype=float)
        if min_households is not None and "min_segment_households" in sweep
        else np.full(len(ks), np.inf)
    )
    excluded: dict[int, str] = {}
    large = (shares >= min_share) & (households >= (min_households or 0))
    for i in np.flatnonzero(~large):
        excluded[int(ks[i])] = f"smallest segment {shares[i]:.1%} of the population" + (
            _households(households[i]) if np.isfinite(households[i]) else ""
        )
    stable = stability >= STABILITY_THRESHOLD
    for i in np.flatnonzero(large & ~stable):
        excluded[int(ks[i])] = f"stability {stability[i]:.2f} below {STABILITY_THRESHOLD}"
    caution = ""
    qualifying = large & stable
    if not large.any():
        i = int(np.lexsort((-silhouette, -shares))[0])
        k = int(ks[i])
        reason = (
            f"No k from {ks.min()} to {ks.max()} keeps every segment at or above "
            f"{min_share:.1%} of the population"
            + (f" and {min_households} households" if min_households else "")
            + f"; k={k} has the largest smallest segment ({shares[i]:.1%}; "
            f"{_described(k, ks, silhouette, stability, has_stability)}). Treat its small "
            "segments with caution, or narrow the k range."
        )
        best_k = int(ks[int(np.argmax(silhouette))])
        return Recommendation(k, reason, elbow_k, best_k, excluded, qualified=False)
    if not qualifying.any():
        qualifying = large.copy()
        caution = (
            f" No k with large enough segments reaches a bootstrap stability of "
            f"{STABILITY_THRESHOLD}: treat any segmentation of these data with caution."
        )
    if has_stability:
        beaten_by = _dominated(silhouette, stability, qualifying)
        for i, j in enumerate(beaten_by):
            if j >= 0:
                excluded[int(ks[i])] = (
                    f"k={int(ks[j])} beats it on both silhouette ({silhouette[j]:.3f} against "
                    f"{silhouette[i]:.3f}) and stability ({stability[j]:.2f} against "
                    f"{stability[i]:.2f})"
                )
        qualifying &= beaten_by < 0
    best_k = int(ks[qualifying][int(np.argmax(silhouette[qualifying]))])
    order = np.lexsort((ks, -stability, np.abs(ks - elbow_k)))
    anchor = int(next(k for k in ks[order] if qualifying[ks == k][0]))

    def described(k: int) -> str:
        return _described(k, ks, silhouette, stability, has_stability)

    start = (
        f"k={elbow_k} is the elbow of the inertia curve (past it, more segments explain "
        "little more)"
    )
    if anchor != elbow_k:
        why = excluded.get(elbow_k, "not a qualifying k")
        start += f" but does not qualify ({why}); k={anchor} is the nearest qualifying k"
    best = float(silhouette[ks == best_k][0])
    chosen = anchor
    if anchor == best_k:
        joiner = " and" if anchor != elbow_k else f"; k={anchor}"
        reason = f"{start}{joiner} has the best qualifying silhouette ({described(anchor)})."
    elif float(silhouette[ks == anchor][0]) >= best - SILHOUETTE_TOLERANCE:
        # The nearest qualifying k is named once: "k=3 is the nearest qualifying k (...), within".
        named = (
            f" ({described(anchor)}), within"
            if anchor != elbow_k
            else (f"; k={anchor} ({described(anchor)}) is within")
        )
        reason = (
            f"{start}{named} {SILHOUETTE_TOLERANCE} of the best qualifying silhouette "
            f"({best:.3f} at k={best_k})."
        )
    else:
        reason = (
            f"{start}, but its segments overlap ({described(anchor)}); k={best_k} has the "
            f"best qualifying silhouette ({described(best_k)})."
        )
        chosen = best_k
    return Recommendation(
        chosen, reason + caution, elbow_k, best_k, excluded, qualified=not caution
    )


def _households(count: float) -> str:
    return f", {int(count)} household" + ("" if int(count) == 1 else "s")


def _described(
    k: int, ks: np.ndarray, silhouette: np.ndarray, stability: np.ndarray, has_stability: bool
) -> str:
    text = f"silhouette {float(silhouette[ks == k][0]):.3f}"
    if has_stability:
        text += f", stability {float(stability[ks == k][0]):.2f}"
    return text
