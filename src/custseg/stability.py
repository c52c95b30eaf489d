"""How reproducible a segmentation is: a bootstrap over households (or rows)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from custseg import threads
from custseg.engine import NOISE, Fit, Method, MethodOptions
from custseg.metrics import adjusted_rand_index

#: Above this many rows, bootstrap resamples draw about this many rows (see below).
BOOTSTRAP_MAX_ROWS = 100_000
#: Restarts of each resample's refit (at most the run's own ``n_init``). Measured on the eight
#: shared default runs and the seed's: with 5 instead of 10 restarts every stability moved by at
#: most 0.10 (0.01 lower on average; drawing other resamples moves a run's most sensitive k by
#: 0.04-0.18), and no recommended k changed. The fits on all rows keep the run's ``n_init``.
RESAMPLE_N_INIT = 5


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
    max_rows: int | None = BOOTSTRAP_MAX_ROWS,
    resample_n_init: int = RESAMPLE_N_INIT,
) -> dict[int, float]:
    """Mean adjusted Rand index between each k's fit and refits on bootstrap resamples.

    Every resample draws whole groups (households: all implicate rows of a household go in
    together, or not at all) with replacement, refits the method for every k, and labels the full
    data with the refit; its agreement with the fit on the full data is the adjusted Rand index
    (unassigned customers count as one more group; a refit that finds no segment scores 0).

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
    max_rows : int or None, default BOOTSTRAP_MAX_ROWS
        Above this many rows every resample draws about this many rows' worth of groups (an
        m-out-of-n bootstrap), so that its cost stops growing with the data; None: never.
    n_init : int, default 10
        Restarts of the full-data refits (the run's own).
    resample_n_init : int, default RESAMPLE_N_INIT
        Restarts of each resample's refits, at most ``n_init``.

    The resamples run side by side (:func:`custseg.threads.parallel_map`); the result does not
    depend on how many at a time.

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
    if in_order:
        reference = {k: fit.labels[canonical] for k, fit in fits.items()}
    else:
        common = {"sample_weight": sample_weight, "random_state": random_state, "n_init": n_init}
        ks = list(fits)
        refitted = threads.map_fits(
            lambda k: _refit_labels(method, Z, k, fits[k], options=options, **common),
            ks,
            n_values=Z.size,
        )
        reference = dict(zip(ks, refitted, strict=True))
    unique, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    n_groups = _groups_per_resample(len(unique), Z.shape[0], max_rows)
    # Every resample's groups and seed are drawn here, in order, so that the results do not
    # depend on how many resamples run at a time.
    draws = []
    for _ in range(n_boot):
        chosen = rng.integers(0, len(unique), size=n_groups)
        draws.append((chosen, int(rng.integers(0, 2**31 - 1))))

    def resample_scores(draw: tuple[np.ndarray, int]) -> dict[int, float]:
        chosen, seed = draw
        rows = _rows_of(chosen, order, starts)
        refits = method.refit_all(
            Z[rows],
            fits,
            sample_weight=None if sample_weight is None else sample_weight[rows],
            random_state=seed,
            n_init=min(n_init, resample_n_init),
            options=options,
        )
        return {k: adjusted_rand_index(reference[k], _labels(refits, method, k, Z)) for k in fits}

    with warnings.catch_warnings():
        # A resample of a small table can hold fewer distinct points than k. The filter is set
        # here, once for every worker thread (warning filters are per process).
        warnings.simplefilter("ignore", ConvergenceWarning)
        results = threads.parallel_map(resample_scores, draws, done=progress)
    return {k: float(np.mean([scores[k] for scores in results])) for k in fits}


def _groups_per_resample(n_groups: int, n_rows: int, max_rows: int | None) -> int:
    """All groups (the classic bootstrap), or as many as make about ``max_rows`` rows."""
    if max_rows is None or n_rows <= max_rows:
        return n_groups
    return max(2, round(n_groups * max_rows / n_rows))


def _rows_of(chosen: np.ndarray, order: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """The rows of the chosen groups, group by group (``order[starts[g]:starts[g + 1]]``)."""
    lengths = starts[chosen + 1] - starts[chosen]
    offsets = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return order[np.repeat(starts[chosen], lengths) + offsets]


def _refit_labels(
    method: Method, Z: np.ndarray, k: int, fit: Fit, *, sample_weight, random_state, n_init, options
) -> np.ndarray:
    """The labels of ``fit``'s setting refitted on ``Z`` (the canonical order); all unassigned
    if a density method finds no segment there."""
    refits = method.refit_all(  # on a copy: fitting may round Z's values (centred in place)
        Z.copy(),
        {k: fit},
        sample_weight=sample_weight,
        random_state=random_state,
        n_init=n_init,
        options=options,
    )
    return refits[k].labels if k in refits else np.full(Z.shape[0], NOISE)


def _labels(refits: Mapping[int, Fit], method: Method, k: int, Z: np.ndarray) -> np.ndarray:
    """The rows of ``Z`` labelled by the refit of ``k``; all unassigned if there is none (a
    density method's setting that found no segment)."""
    if k not in refits:
        return np.full(Z.shape[0], NOISE)
    return method.labels(refits[k].estimator, Z)
