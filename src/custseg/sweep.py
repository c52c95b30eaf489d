"""Every k of a sweep: fits, metrics, stability and the recommended k."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from custseg import threads
from custseg.config import SegmentationConfig
from custseg.engine import KMeansFit, get_engine
from custseg.metrics import sweep_metrics
from custseg.preparation import Prepared
from custseg.recommend import (
    MIN_SEGMENT_HOUSEHOLDS,
    Recommendation,
    recommend_k,
    smallest_segment,
)
from custseg.stability import bootstrap_stability


@dataclass(frozen=True)
class Sweep:
    """Every k of a sweep: the fits and their metrics."""

    fits: dict[int, KMeansFit]
    table: pd.DataFrame
    silhouette_info: dict[str, Any]
    recommendation: Recommendation


def sweep_steps(config: SegmentationConfig) -> int:
    """How many progress steps :func:`run_sweep` reports: one per k, one per bootstrap."""
    return len(config.ks) + config.bootstrap


def run_sweep(prepared: Prepared, *, progress: Callable[[], None] | None = None) -> Sweep:
    """Fit KMeans for every k of the configuration, score each fit and test its stability.

    Parameters
    ----------
    progress : callable, optional
        Called after each k is fitted and after each bootstrap resample.

    Native threads follow the size of the data (:mod:`custseg.threads`).
    """
    with threads.for_fit(*prepared.Z.shape):
        return _run_sweep(prepared, progress)


def _run_sweep(prepared: Prepared, progress: Callable[[], None] | None) -> Sweep:
    config = prepared.config
    engine = get_engine(config.engine)
    fits: dict[int, KMeansFit] = {}
    for k in config.ks:
        fits[k] = engine.fit_kmeans(
            prepared.Z,
            k,
            sample_weight=prepared.weights,
            random_state=config.random_state,
            n_init=config.n_init,
        )
        if progress is not None:
            progress()
    metrics, info = sweep_metrics(
        prepared.Z,
        {k: fit.labels for k, fit in fits.items()},
        sample_weight=prepared.weights,
        max_rows=config.silhouette_max_rows,
        random_state=config.random_state,
    )
    table = metrics.reset_index()
    table.insert(1, "inertia", [fits[k].inertia for k in table["k"]])
    if config.bootstrap:
        stability = bootstrap_stability(
            prepared.Z,
            fits,
            engine=engine,
            n_boot=config.bootstrap,
            groups=prepared.households,
            sample_weight=prepared.weights,
            random_state=config.random_state,
            n_init=config.n_init,
            progress=progress,
        )
        table["stability"] = table["k"].map(stability)
    sizes = [
        smallest_segment(fits[k].labels, prepared.weights, prepared.households) for k in table["k"]
    ]
    table["min_segment_share"] = [share for share, _ in sizes]
    surveyed = prepared.households is not None
    if surveyed:
        table["min_segment_households"] = [households for _, households in sizes]
    in_range = table[table["k"].between(*config.k_range)]
    recommendation = recommend_k(
        in_range,
        min_share=config.min_segment,
        min_households=MIN_SEGMENT_HOUSEHOLDS if surveyed else None,
    )
    return Sweep(fits, table, info, recommendation)
