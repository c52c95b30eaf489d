"""Near-duplicate features: weighted correlations in model space and the greedy guard that
keeps a feature set free of them.

Two features that are (nearly) linear combinations of each other add no information to a
segmentation, but they do double the weight of whatever they share: ASSET, NETWORTH, NFIN and
FIN together make every segment a wealth band.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

#: A candidate correlated with a chosen feature beyond this (in absolute value) is skipped.
MAX_ABS_CORRELATION = 0.9
#: A candidate predicted by all chosen features together with an R^2 beyond this is skipped.
MAX_R_SQUARED = 0.95


@dataclass(frozen=True)
class Skipped:
    """A candidate feature left out because the chosen ones already carry it; ``shown`` is how
    people read it ("Total assets (ASSET)")."""

    name: str
    reason: str
    numbers: dict[str, float | str] = field(default_factory=dict)
    shown: str = ""

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "shown": self.shown or self.name,
            "reason": self.reason,
            "numbers": dict(self.numbers),
        }


def weighted_correlation(X: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Pearson correlations of the columns of ``X`` (n_samples, n_features), weighted.

    A constant column correlates 0 with every other (and 1 with itself).
    """
    X = np.asarray(X, dtype=float)
    w = np.ones(X.shape[0]) if weights is None else np.asarray(weights, dtype=float)
    w = w / w.sum()
    centred = X - w @ X
    covariance = (centred * w[:, None]).T @ centred
    sd = np.sqrt(np.clip(np.diag(covariance), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        correlation = covariance / np.outer(sd, sd)
    correlation[~np.isfinite(correlation)] = 0.0
    np.fill_diagonal(correlation, 1.0)
    return np.clip(correlation, -1.0, 1.0)


def r_squared(correlation: np.ndarray, target: int, predictors: Sequence[int]) -> float:
    """R^2 of the linear regression of column ``target`` on ``predictors``, from their
    correlation matrix (``c' C^-1 c``; a pseudo-inverse for singular predictor sets)."""
    predictors = list(predictors)
    if not predictors:
        return 0.0
    c = correlation[np.ix_(predictors, [target])][:, 0]
    inverse = np.linalg.pinv(correlation[np.ix_(predictors, predictors)])
    return float(np.clip(c @ inverse @ c, 0.0, 1.0))


def guard(
    correlation: np.ndarray,
    names: Sequence[str],
    order: Sequence[str],
    *,
    n: int,
    max_abs_correlation: float = MAX_ABS_CORRELATION,
    max_r_squared: float = MAX_R_SQUARED,
    shown: Callable[[str], str] = str,
) -> tuple[list[str], list[Skipped]]:
    """Walk ``order`` and keep up to ``n`` features that are not near-duplicates of the
    features kept before them.

    Parameters
    ----------
    correlation : ndarray of shape (n_names, n_names)
        Correlations in model space (see :func:`weighted_correlation`).
    names : sequence of str
        The columns of ``correlation``.
    order : sequence of str
        Candidates by priority, a subset of ``names``.
    n : int
        How many to keep.
    shown : callable, optional
        How a reason names a feature (``"Net worth (NETWORTH)"``); the plain name by default.

    Returns
    -------
    chosen : list of str
    skipped : list of Skipped
        Every candidate passed over, with the feature it duplicates and the numbers.
    """
    position = {name: i for i, name in enumerate(names)}
    chosen: list[str] = []
    skipped: list[Skipped] = []
    for name in order:
        if len(chosen) == n:
            break
        i = position[name]
        kept = [position[c] for c in chosen]
        if kept:
            r = correlation[i, kept]
            j = int(np.argmax(np.abs(r)))
            if abs(r[j]) > max_abs_correlation:
                skipped.append(
                    Skipped(
                        name,
                        f"r = {r[j]:.3f} with {shown(chosen[j])} (|r| above {max_abs_correlation})",
                        {"r": round(float(r[j]), 4), "with": chosen[j]},
                        shown(name),
                    )
                )
                continue
            explained = r_squared(correlation, i, kept)
            if explained > max_r_squared:
                skipped.append(
                    Skipped(
                        name,
                        f"R^2 = {explained:.3f} from {', '.join(map(shown, chosen))} together "
                        f"(above {max_r_squared})",
                        {"r_squared": round(explained, 4), "with": ", ".join(chosen)},
                        shown(name),
                    )
                )
                continue
        chosen.append(name)
    return chosen, skipped


def collinear_features(
    correlation: np.ndarray,
    names: Sequence[str],
    *,
    max_abs_correlation: float = MAX_ABS_CORRELATION,
    max_r_squared: float = MAX_R_SQUARED,
) -> tuple[list[tuple[str, str, float]], list[tuple[str, float]]]:
    """Pairs with ``|r|`` above the limit, and features predicted by all the others with an
    R^2 above the limit."""
    pairs = [
        (names[i], names[j], float(correlation[i, j]))
        for i in range(len(names))
        for j in range(i + 1, len(names))
        if abs(correlation[i, j]) > max_abs_correlation
    ]
    explained = []
    if len(names) > 2:
        for i in range(len(names)):
            value = r_squared(correlation, i, [j for j in range(len(names)) if j != i])
            if value > max_r_squared:
                explained.append((names[i], value))
    return pairs, explained
