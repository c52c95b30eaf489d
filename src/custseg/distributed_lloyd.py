"""Lloyd's k-means on Dask arrays: one pass over the data per iteration, per-cluster partial
sums computed next to the data (see :mod:`custseg.distributed`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from custseg.distributed_plan import Plan, _compute

MAX_ITER = 300
#: Lloyd stops when no centre moves by more than this (in standard deviations, squared sum).
TOLERANCE = 1e-4


def _partials(block: np.ndarray, weights: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Per-cluster weight, coordinate sums, squared and plain distance sums and row count of
    one block."""
    k, d = centers.shape
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2: an (n, k) matrix instead of an (n, k, d) one.
    distances = (block**2).sum(axis=1)[:, None] - 2 * block @ centers.T + (centers**2).sum(axis=1)
    labels = distances.argmin(axis=1)
    nearest = np.maximum(distances[np.arange(len(labels)), labels], 0)
    out = np.zeros((k, d + 4))
    out[:, 0] = np.bincount(labels, weights=weights, minlength=k)
    for j in range(d):
        out[:, 1 + j] = np.bincount(labels, weights=weights * block[:, j], minlength=k)
    out[:, d + 1] = np.bincount(labels, weights=weights * nearest, minlength=k)
    out[:, d + 2] = np.bincount(labels, weights=weights * np.sqrt(nearest), minlength=k)
    out[:, d + 3] = np.bincount(labels, minlength=k)
    return out


@dataclass(frozen=True)
class DistributedFit:
    """One k fitted on the cluster; per-cluster arrays in segment order once ordered."""

    k: int
    centers: np.ndarray
    weights: np.ndarray
    inertia: float
    spread: np.ndarray
    rows: np.ndarray
    n_iter: int


def _scaled(ddf, the_plan: Plan):
    """The model-space matrix and the weights as Dask arrays (missing values at the mean)."""
    import dask.array as da

    values = ddf[the_plan.features].astype(float)
    weights = ddf[the_plan.weight].astype(float) if the_plan.weight else 1.0
    both = values.assign(__weight__=weights).to_dask_array(lengths=True)
    Z = (both[:, :-1] - the_plan.means) / the_plan.scales
    return da.where(da.isnan(Z), 0.0, Z), both[:, -1]


#: The scaled matrix is kept in the workers' memory when it takes at most this share of it.
PERSIST_SHARE = 0.25


def _fits_in_cluster_memory(nbytes: float) -> bool:
    from distributed import get_client

    workers = get_client().scheduler_info()["workers"].values()
    limit = sum(worker.get("memory_limit") or 0 for worker in workers)
    return bool(limit) and nbytes <= PERSIST_SHARE * limit


def _pass(Z, w, centers: np.ndarray) -> np.ndarray:
    """One pass over the data: the per-cluster partials of every row block, summed."""
    import dask

    # Z and w are slices of one array with a chunk per partition and every column in it, so
    # their row blocks pair up.
    blocks = Z.to_delayed().ravel()
    weights = w.to_delayed().ravel()
    partials = [
        dask.delayed(_partials)(block, weight, centers)
        for block, weight in zip(blocks, weights, strict=True)
    ]
    (totals,) = _compute(dask.delayed(sum)(partials))
    return totals


def lloyd(
    Z,
    w,
    centers: np.ndarray,
    *,
    max_iter: int = MAX_ITER,
    progress: Callable[[], None] | None = None,
) -> DistributedFit:
    """Lloyd iterations over Dask arrays from ``centers``, one pass over the data each, then a
    final pass for the inertia and the spread of every cluster."""
    d = centers.shape[1]
    n_iter = 0
    while n_iter < max_iter:
        totals = _pass(Z, w, centers)
        counts = totals[:, 0]
        moved = centers.copy()
        filled = counts > 0  # an emptied cluster keeps its centre
        moved[filled] = totals[filled, 1 : d + 1] / counts[filled, None]
        shift = float(((moved - centers) ** 2).sum())
        centers, n_iter = moved, n_iter + 1
        if progress is not None:
            progress()
        if shift <= TOLERANCE:
            break
    totals = _pass(Z, w, centers)
    counts = totals[:, 0]
    spread = np.divide(totals[:, d + 2], counts, out=np.zeros_like(counts), where=counts > 0)
    return DistributedFit(
        centers.shape[0],
        centers,
        counts,
        float(totals[:, d + 1].sum()),
        spread,
        totals[:, d + 3].astype(int),
        n_iter,
    )


def _ordered(fit: DistributedFit) -> DistributedFit:
    """Segments numbered largest first, as the local engine numbers them."""
    order = np.lexsort((*fit.centers.T[::-1], -fit.weights))
    return DistributedFit(
        fit.k,
        fit.centers[order],
        fit.weights[order],
        fit.inertia,
        fit.spread[order],
        fit.rows[order],
        fit.n_iter,
    )


def _dispersion(fit: DistributedFit, overall: np.ndarray, n_rows: int) -> tuple[float, float]:
    """Calinski-Harabasz (weights rescaled to the row count) and Davies-Bouldin from the
    per-cluster sums of the final pass."""
    scale = n_rows / fit.weights.sum()
    between = scale * float((fit.weights * ((fit.centers - overall) ** 2).sum(axis=1)).sum())
    within = scale * fit.inertia
    k = fit.k
    calinski = 1.0 if within == 0 else between * (n_rows - k) / (within * (k - 1))
    separation = np.linalg.norm(fit.centers[:, None, :] - fit.centers[None, :, :], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (fit.spread[:, None] + fit.spread[None, :]) / separation
    ratio[~np.isfinite(ratio)] = 0
    np.fill_diagonal(ratio, 0)
    return calinski, float(ratio.max(axis=1).mean())


def _nearest(Z: np.ndarray, centers: np.ndarray) -> np.ndarray:
    distances = (Z**2).sum(axis=1)[:, None] - 2 * Z @ centers.T + (centers**2).sum(axis=1)
    return distances.argmin(axis=1)
