"""How reproducible a segmentation is: a bootstrap over households (or rows)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from sklearn.metrics import adjusted_rand_score

from custseg.engine import NOISE, Fit, Method, MethodOptions


def bootstrap_stability(
    Z: np.ndarray,
    fits: Mapping[int, Fit],
    *,
    method: Method,
    options: MethodOptions,
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
    data with the refit; its agreement with the original labels is the adjusted Rand index
    (unassigned customers count as one more group; a refit that finds no segment scores 0).

    Parameters
    ----------
    Z : ndarray of shape (n_samples, n_features)
    fits : mapping of k to the fit on the full data
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
    if groups is None:
        groups = np.arange(Z.shape[0])
    unique, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    scores: dict[int, list[float]] = {k: [] for k in fits}
    for _ in range(n_boot):
        chosen = rng.integers(0, len(unique), size=len(unique))
        rows = np.concatenate([order[starts[g] : starts[g + 1]] for g in chosen])
        seed = int(rng.integers(0, 2**31 - 1))
        refits = method.refit_all(
            Z[rows],
            fits,
            sample_weight=None if sample_weight is None else sample_weight[rows],
            random_state=seed,
            n_init=n_init,
            options=options,
        )
        for k, fit in fits.items():
            labels = (
                method.labels(refits[k].estimator, Z)
                if k in refits
                else np.full(len(fit.labels), NOISE)
            )
            scores[k].append(adjusted_rand_score(fit.labels, labels))
        if progress is not None:
            progress()
    return {k: float(np.mean(values)) for k, values in scores.items()}
