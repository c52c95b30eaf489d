"""How reproducible a segmentation is: a bootstrap over households (or rows)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import adjusted_rand_score

from custseg.engine import Engine, KMeansFit


def canonical_order(
    Z: np.ndarray, groups: np.ndarray | None = None, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """A row order that depends on the data, not on how its rows happen to be ordered.

    Rows are sorted by group (household id), then by their values and weight, so a shuffled
    table yields the same sequence of rows (rows that tie are identical, so their order does
    not matter).

    Returns
    -------
    ndarray of shape (n_samples,)
        Indices into the rows of ``Z``.
    """
    keys = [Z[:, j] for j in reversed(range(Z.shape[1]))]  # np.lexsort: last key sorts first
    if sample_weight is not None:
        keys.insert(0, sample_weight)
    if groups is not None:
        keys.append(np.unique(groups, return_inverse=True)[1])
    return np.lexsort(keys)


def bootstrap_stability(
    Z: np.ndarray,
    fits: Mapping[int, KMeansFit],
    *,
    engine: Engine,
    n_boot: int,
    groups: np.ndarray | None = None,
    sample_weight: np.ndarray | None = None,
    random_state: int = 0,
    n_init: int = 10,
    progress: Callable[[], None] | None = None,
) -> dict[int, float]:
    """Mean adjusted Rand index between each k's fit and refits on bootstrap resamples.

    Every resample draws whole groups (households: all implicate rows of a household go in
    together, or not at all) with replacement, refits KMeans for every k, and labels the full
    data with the refit; its agreement with the fit on the full data is the adjusted Rand index.

    Everything happens in :func:`canonical_order`, so the result does not change when the input
    rows are shuffled: groups are drawn by their sorted ids (rows by their values), and when the
    rows do not come in that order the full data is refitted in it once per k (``fits``, from
    the rows as given, could land in another local optimum).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    fits : mapping of k to the fit on the full data (in the given row order)
    n_boot : int
        Number of resamples.
    groups : ndarray of shape (n_samples,), optional
        The unit of resampling (household id); each row on its own when None.
    sample_weight : ndarray of shape (n_samples,), optional

    Returns
    -------
    dict of k to mean adjusted Rand index (1 = the same segments every time)
    """
    rng = np.random.default_rng(random_state)
    canonical = canonical_order(Z, groups, sample_weight)
    in_order = bool(np.array_equal(canonical, np.arange(len(canonical))))
    Z = Z[canonical]
    sample_weight = None if sample_weight is None else sample_weight[canonical]
    groups = np.arange(Z.shape[0]) if groups is None else groups[canonical]
    reference = {
        k: fit.labels[canonical]
        if in_order
        else engine.fit_kmeans(  # on a copy: fitting may round Z's values (centred in place)
            Z.copy(), k, sample_weight=sample_weight, random_state=random_state, n_init=n_init
        ).labels
        for k, fit in fits.items()
    }
    unique, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    scores: dict[int, list[float]] = {k: [] for k in fits}
    for _ in range(n_boot):
        chosen = rng.integers(0, len(unique), size=len(unique))
        rows = np.concatenate([order[starts[g] : starts[g + 1]] for g in chosen])
        seed = int(rng.integers(0, 2**31 - 1))
        for k in fits:
            with warnings.catch_warnings():
                # A resample of a small table can hold fewer distinct points than k.
                warnings.simplefilter("ignore", ConvergenceWarning)
                refit = engine.fit_kmeans(
                    Z[rows],
                    k,
                    sample_weight=None if sample_weight is None else sample_weight[rows],
                    random_state=seed,
                    n_init=n_init,
                )
            scores[k].append(adjusted_rand_score(reference[k], refit.estimator.predict(Z)))
        if progress is not None:
            progress()
    return {k: float(np.mean(values)) for k, values in scores.items()}
