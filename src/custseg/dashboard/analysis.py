"""Everything the dashboard shows, computed once per configuration and then looked up.

A configuration is keyed by what it resolves to, not by the controls that chose it: the ways
of choosing features (the population's set, trimmed or plain variance), or features named in
another order, often select the same features, and then share one sweep and one view per k
(:meth:`Analysis.resolve`). A sweep (all k) is computed on first use; each k's view is computed
once, by a request or ahead of it in the background (:mod:`custseg.dashboard.precompute`), so
moving a control is a dictionary lookup. The caches hold results of pure functions of the view
state, never a user's choices, so users cannot see each other's state. Tables above
:data:`~custseg.dashboard.large.SAMPLE_ROWS` rows are fitted
on a seeded sample (:mod:`custseg.dashboard.large`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, TypeVar

import pandas as pd

from custseg import defaults, figures, figures_explore
from custseg.compare import Comparison, compare
from custseg.dashboard import large, views
from custseg.dashboard.state import K_MAX, K_MIN, ViewState
from custseg.dataset import Dataset
from custseg.datasets import load_dataset, scf
from custseg.errors import CustsegError
from custseg.explore import describe_amounts, explore
from custseg.formatting import label_and_name
from custseg.population import select_population
from custseg.preparation import chosen_features
from custseg.report_explore import distribution_figures
from custseg.segmentation import (
    Prepared,
    SegmentationConfig,
    SegmentationResult,
    Sweep,
    finish,
    prepare,
    run_sweep,
)
from custseg.selection import DEFAULT_TRIM, rank_features

View = views.View
T = TypeVar("T")


@dataclass(frozen=True)
class ExploreSection:
    title: str
    sentences: list[str]
    figures: list[dict[str, Any]]


class Analysis:
    """Cached computations behind one dashboard.

    Parameters
    ----------
    datasets : list of str
        The sources the dashboard may load (the URL can pick only among these).
    display_points : int
        Cap on the points drawn in the PCA scatter.
    bootstrap : int
        Resamples for the stability of every k; the command line's default, since stability
        decides the recommended k.
    sample_rows : int
        Tables with more rows are fitted on a seeded sample of this many.
    """

    def __init__(
        self,
        *,
        datasets: list[str],
        display_points: int = views.DISPLAY_POINTS,
        bootstrap: int = defaults.BOOTSTRAP,
        sample_rows: int = large.SAMPLE_ROWS,
    ) -> None:
        self.datasets = list(datasets)
        self.display_points = display_points
        self.bootstrap = bootstrap
        self.sample_rows = sample_rows
        self._locks: dict[Hashable, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.table = lru_cache(maxsize=4)(self._load)
        self.feature_names = lru_cache(maxsize=4)(self._feature_names)
        self._resolved = lru_cache(maxsize=256)(self._resolve)
        self._sweep = lru_cache(maxsize=16)(self._compute_sweep)
        self._result = lru_cache(maxsize=64)(self._compute_result)
        self._segments = lru_cache(maxsize=512)(self._compute_segments)
        self._variance = lru_cache(maxsize=128)(self._compute_variance)
        self._view = lru_cache(maxsize=1024)(self._assemble)
        self._scores = lru_cache(maxsize=32)(self._compute_scores)
        self.explore_sections = lru_cache(maxsize=16)(self._compute_explore)
        self._comparison = lru_cache(maxsize=64)(self._compute_comparison)

    def once(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` under a lock per key, so concurrent first requests (and the background
        precompute) compute a sweep or a view only once."""
        with self._locks_guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            return compute()

    def _load(self, name: str) -> large.Table:
        if name not in self.datasets:  # the callbacks check first; this is the last line
            raise CustsegError("This dashboard does not serve that dataset.")
        return large.sample_table(load_dataset(name), max_rows=self.sample_rows)

    def dataset(self, name: str) -> Dataset:
        """The rows the dashboard fits on (a seeded sample of a large table)."""
        return self.table(name).dataset

    def _feature_names(self, name: str) -> frozenset[str]:
        return frozenset(self.dataset(name).candidate_features())

    def populations(self, name: str) -> list[str]:
        return list(self.dataset(name).populations)

    def population_options(self, name: str) -> list[dict[str, str]]:
        dataset = self.dataset(name)
        return [{"label": p.name, "value": p.name} for p in dataset.populations.values()]

    def feature_options(self, name: str) -> list[dict[str, str]]:
        """Candidate features labelled for people: ``Net worth (NETWORTH)``."""
        dataset = self.dataset(name)
        return [
            {"label": label_and_name(dataset.label(c), c), "value": c}
            for c in dataset.candidate_features()
        ]

    def config(self, state: ViewState) -> SegmentationConfig:
        """The run a view state asks for: the command line's defaults but for the controls; on a
        sampled table with fewer restarts and bootstrap resamples (see
        :mod:`custseg.dashboard.large`)."""
        sampled = self.table(state.dataset).sampled
        return SegmentationConfig(
            population=state.population,
            weight=defaults.WEIGHT if state.weighted else None,
            bootstrap=min(self.bootstrap, large.SAMPLE_BOOTSTRAP) if sampled else self.bootstrap,
            n_init=large.SAMPLE_N_INIT if sampled else SegmentationConfig.n_init,
            select=state.select,
            # auto takes the population's feature set, as the command line does by default
            n_features=None if state.select == "auto" else state.n_features,
            features=state.features,
            transform=state.transform,
            k_range=(K_MIN, K_MAX),
            k=None,
            method=state.method,
        )

    def resolve(self, state: ViewState) -> ViewState:
        """The configuration ``state`` resolves to: its chosen features named, in the table's
        column order, with the controls that only chose them set aside (k is 0). States that
        resolve alike share every computation."""
        return self._resolved(state.sweep_key())

    def _resolve(self, key: ViewState) -> ViewState:
        dataset = self.dataset(key.dataset)
        position = {column: i for i, column in enumerate(dataset.frame.columns)}
        features = sorted(chosen_features(dataset, self.config(key)), key=position.__getitem__)
        return replace(key, select=defaults.SELECT, n_features=1, features=tuple(features))

    def _compute_sweep(self, key: ViewState) -> tuple[Prepared, Sweep]:
        prepared = prepare(self.dataset(key.dataset), self.config(key))
        return prepared, run_sweep(prepared)

    def sweep(self, state: ViewState) -> tuple[Prepared, Sweep]:
        key = self.resolve(state)
        return self.once(key, lambda: self._sweep(key))

    def _compute_result(self, key: ViewState, k: int) -> SegmentationResult:
        prepared, sweep = self.once(key, lambda: self._sweep(key))
        return finish(prepared, sweep, k)

    def recommended_k(self, state: ViewState) -> int:
        return self.sweep(state)[1].recommendation.k

    def resolved(self, state: ViewState) -> ViewState:
        """``state`` with its k: the recommended one when the view asks for none."""
        return state if state.k is not None else replace(state, k=self.recommended_k(state))

    def result(self, state: ViewState) -> SegmentationResult:
        key, k = self.resolve(state), self.resolved(state).k
        return self.once((key, k), lambda: self._result(key, k))

    def _compute_segments(self, key: ViewState, k: int) -> View:
        note = self.table(key.dataset).note()
        result = self.once((key, k), lambda: self._result(key, k))
        return views.segments_view(result, display_points=self.display_points, sample_note=note)

    def segments(self, state: ViewState) -> View:
        """The view of ``state``'s configuration at its k, without the variance bars."""
        key, k = self.resolve(state), self.resolved(state).k
        return self.once(("view", key, k), lambda: self._segments(key, k))

    def _compute_scores(
        self, name: str, population: str, trimmed: bool, weighted: bool
    ) -> pd.Series:
        subset = select_population(self.dataset(name), population).dataset
        weights = (
            subset.frame[subset.weight_column].to_numpy(dtype=float)
            if weighted and subset.weight_column
            else None
        )
        return rank_features(
            subset.frame,
            subset.candidate_features(),
            trim=DEFAULT_TRIM if trimmed else 0.0,
            sample_weight=weights,
        )

    def _compute_variance(
        self, name: str, population: str, trimmed: bool, weighted: bool, selected: tuple[str, ...]
    ) -> dict[str, Any]:
        scores = self._scores(name, population, trimmed, weighted)
        dataset = self.dataset(name)
        return views.lean(
            figures.variance_figure(
                scores,
                labels={c: dataset.label(c) for c in scores.index[:10]},
                selected=list(selected),
                trimmed=trimmed,
            )
        )

    def view(self, state: ViewState) -> View:
        """Everything the segments view shows for ``state``."""
        return self._view(self.resolved(state))

    def _assemble(self, state: ViewState) -> View:
        segments = self.segments(state)
        selected = self.resolve(state).features
        variance = self._variance(
            state.dataset, state.population, state.select != "variance", state.weighted, selected
        )
        return replace(segments, variance=variance)

    def other_year(self, name: str) -> str | None:
        """The other built-in survey year to compare ``name`` with, if there is one."""
        others = [d for d in self.datasets if d != name and scf.is_scf_name(d)]
        return others[0] if scf.is_scf_name(name) and others else None

    def comparison(self, state: ViewState) -> Comparison | None:
        return self._comparison(self.resolve(state), self.resolved(state).k)

    def _compute_comparison(self, key: ViewState, k: int) -> Comparison | None:
        other = self.other_year(key.dataset)
        if other is None:
            return None
        model = self.result(replace(key, k=k)).model
        return compare(model, self.dataset(key.dataset), self.dataset(other))

    def assignments(self, state: ViewState) -> pd.DataFrame:
        return self.result(state).assignments

    def _compute_explore(self, name: str, population: str) -> list[ExploreSection]:
        """The explore tab of one population of a dataset (the rows the segments come from)."""
        selection = select_population(self.dataset(name), population)
        exploration = explore(selection.dataset)
        dataset = exploration.dataset
        shown = f"Population: {selection.description}."
        sections = [ExploreSection("Overview", [shown, *exploration.overview], [])]
        for column, (table, sentences) in exploration.shares.items():
            title = dataset.label(column)
            sections.append(
                ExploreSection(
                    title, sentences, [figures_explore.share_figure(table, title=title).to_dict()]
                )
            )
        if exploration.income_by_ownership is not None:
            sections.append(
                ExploreSection(
                    "Income group by business ownership",
                    exploration.income_sentences,
                    [
                        figures_explore.grouped_share_figure(
                            exploration.income_by_ownership,
                            title="Income percentile group of owners and non-owners",
                            x_title="income percentile group",
                        ).to_dict()
                    ],
                )
            )
        if exploration.dollars is not None:
            as_money = exploration.amounts_are_money
            sections.append(
                ExploreSection(
                    "Distributions"
                    + (" (weighted)" if dataset.weight_column else "")
                    + (f", in {exploration.dollars_of} dollars" if exploration.dollars_of else ""),
                    describe_amounts(
                        exploration.dollars,
                        as_money=as_money,
                        weighted=bool(dataset.weight_column),
                        dollars_of=exploration.dollars_of,
                    ),
                    [figure.to_dict() for figure in distribution_figures(exploration)],
                )
            )
        return sections
