"""Every k of a sweep: fits, metrics, stability and the recommended k."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg import threads
from custseg.config import SegmentationConfig
from custseg.engine import NOISE, Fit, MethodOptions, get_method
from custseg.errors import CustsegError
from custseg.metrics import sweep_metrics
from custseg.preparation import Prepared
from custseg.recommend import MIN_SEGMENT_HOUSEHOLDS, Recommendation, smallest_segment
from custseg.stability import bootstrap_stability


@dataclass(frozen=True)
class Sweep:
    """Every k of a sweep: the fits and their metrics.

    ``method`` says which algorithm made the fits and how (sampling, weights, settings).
    """

    fits: dict[int, Fit]
    table: pd.DataFrame
    silhouette_info: dict[str, Any]
    recommendation: Recommendation
    method: dict[str, Any] = field(default_factory=dict)


def sweep_steps(config: SegmentationConfig) -> int:
    """How many progress steps :func:`run_sweep` reports: one per k, one per bootstrap."""
    return len(config.ks) + config.bootstrap


def method_options(prepared: Prepared) -> MethodOptions:
    """The settings a method needs besides k: engine, covariance, the one-hot layout."""
    sizes: tuple[int, ...] = ()
    if prepared.categorical:
        encoder = prepared.preprocessor.named_transformers_["categorical"]["onehot"]
        sizes = tuple(len(categories) for categories in encoder.categories_)
    return MethodOptions(
        engine=prepared.config.engine,
        covariance=prepared.config.covariance,
        n_numeric=len(prepared.numeric),
        category_sizes=sizes,
    )


def describe_method(prepared: Prepared) -> dict[str, Any]:
    """What the configured method will do with these data (sampling, weights), said before
    fitting; raises :class:`CustsegError` if the method does not apply to them."""
    method = get_method(prepared.config.method)
    options = method_options(prepared)
    method.check(options)
    return method.describe(
        n_rows=prepared.n_rows, weighted=prepared.weights is not None, options=options
    )


def _metrics(prepared: Prepared, fits: dict[int, Fit]) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Silhouette and the dispersion indices of every k; with unassigned customers, on the
    assigned rows only (one k at a time, as each k leaves out other rows)."""
    config = prepared.config
    options = {"max_rows": config.silhouette_max_rows, "random_state": config.random_state}
    if not any(fit.has_noise for fit in fits.values()):
        return sweep_metrics(
            prepared.Z,
            {k: fit.labels for k, fit in fits.items()},
            sample_weight=prepared.weights,
            **options,
        )
    frames, info = [], {}
    for k, fit in fits.items():
        assigned = fit.labels != NOISE
        weights = None if prepared.weights is None else prepared.weights[assigned]
        frame, info = sweep_metrics(
            prepared.Z[assigned], {k: fit.labels[assigned]}, sample_weight=weights, **options
        )
        frames.append(frame)
    return pd.concat(frames), {**info, "note": "assigned rows only (unassigned left out)"}


def run_sweep(prepared: Prepared, *, progress: Callable[[], None] | None = None) -> Sweep:
    """Fit the configured method for every k, score each fit and test its stability.

    Parameters
    ----------
    progress : callable, optional
        Called after each k is fitted and after each bootstrap resample.

    Native threads follow the size of the data (:mod:`custseg.threads`).

    Raises
    ------
    CustsegError
        If the method does not apply to the data, or (HDBSCAN) finds no k in the range.
    """
    with threads.for_fit(*prepared.Z.shape):
        return _run_sweep(prepared, progress)


def _run_sweep(prepared: Prepared, progress: Callable[[], None] | None) -> Sweep:
    config = prepared.config
    method = get_method(config.method)
    options = method_options(prepared)
    described = describe_method(prepared)
    fits = method.fit_all(
        prepared.Z,
        config.ks,
        sample_weight=prepared.weights,
        random_state=config.random_state,
        n_init=config.n_init,
        options=options,
        progress=progress,
    )
    if not fits:
        raise CustsegError(
            f"{method.label} found no segmentation with k in {config.k_range[0]}-"
            f"{config.k_range[1]} (minimum segment sizes tried: "
            f"{described.get('min_cluster_size_grid')}).",
            hint="Widen --k-range, or use another --method.",
        )
    metrics, info = _metrics(prepared, fits)
    table = metrics.reset_index()
    table.insert(1, "inertia", [fits[k].inertia for k in table["k"]])
    for column in dict.fromkeys(c for fit in fits.values() for c in fit.columns):
        table[column] = [fits[k].columns.get(column, np.nan) for k in table["k"]]
    if config.bootstrap:
        stability = bootstrap_stability(
            prepared.Z,
            fits,
            method=method,
            options=options,
            n_boot=config.bootstrap,
            groups=prepared.households,
            sample_weight=prepared.weights,
            random_state=config.random_state,
            n_init=config.n_init,
            progress=progress,
        )
        table["stability"] = table["k"].map(stability)
    sizes = [_smallest_segment(prepared, fits[k]) for k in table["k"]]
    table["min_segment_share"] = [share for share, _ in sizes]
    surveyed = prepared.households is not None
    if surveyed:
        table["min_segment_households"] = [households for _, households in sizes]
    in_range = table[table["k"].between(*config.k_range)]
    recommendation = method.recommend(
        in_range,
        min_share=config.min_segment,
        min_households=MIN_SEGMENT_HOUSEHOLDS if surveyed else None,
    )
    return Sweep(fits, table, info, recommendation, described)


def _smallest_segment(prepared: Prepared, fit: Fit) -> tuple[float, int | None]:
    """:func:`smallest_segment` of the assigned rows (unassigned customers are no segment)."""
    assigned = fit.labels != NOISE
    if assigned.all():
        return smallest_segment(fit.labels, prepared.weights, prepared.households)
    weights, households = prepared.weights, prepared.households
    return smallest_segment(
        fit.labels[assigned],
        None if weights is None else weights[assigned],
        None if households is None else households[assigned],
    )
