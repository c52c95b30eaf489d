"""Everything the dashboard shows, computed once per configuration and then looked up.

A sweep (all k for one dataset, population, feature choice and transform) is computed on first
use; every k of it, and both feature-selection toggles, are cached afterwards, so moving a
control is a dictionary lookup. The caches hold results of pure functions of the view state,
never a user's choices, so users cannot see each other's state.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from custseg import defaults, figures
from custseg.compare import Comparison, compare
from custseg.dashboard import scatter
from custseg.dashboard.state import K_MAX, K_MIN, ViewState
from custseg.dataset import Dataset
from custseg.datasets import load_dataset, scf
from custseg.errors import CustsegError
from custseg.explore import describe_amounts, explore
from custseg.figures_explain import percentile_profile_figure
from custseg.formatting import label_and_name, money, number, percent
from custseg.method_figures import dendrogram_figure
from custseg.personas import Persona
from custseg.population import select_population
from custseg.report import method_sentences
from custseg.segment_charts import percentile_rank_data
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

#: The scatter shows at most this many points (a seeded sample) to keep the page responsive.
DISPLAY_POINTS = 5_000
#: Values shown on hover besides the features, when the dataset has them.
HOVER_EXTRAS = ("INCOME", "NETWORTH", "AGE")


@dataclass(frozen=True)
class View:
    """One state of the segments view, ready to render."""

    metrics: list[str]
    recommendation: str
    variance: dict[str, Any]
    sweep: dict[str, Any]
    pca: dict[str, Any]
    #: The segment of each point drawn in ``pca`` (ndarray), for a k move's patch.
    pca_segments: Any
    k: int
    profile: dict[str, Any]
    sizes: dict[str, Any]
    profile_table: pd.DataFrame
    personas: list[Persona]
    method_sentences: list[str]
    dendrogram: dict[str, Any] | None
    warnings: tuple[str, ...] = ()


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
    """

    def __init__(
        self,
        *,
        datasets: list[str],
        display_points: int = DISPLAY_POINTS,
        bootstrap: int = defaults.BOOTSTRAP,
    ) -> None:
        self.datasets = list(datasets)
        self.display_points = display_points
        self.bootstrap = bootstrap
        self._locks: dict[Hashable, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self.dataset = lru_cache(maxsize=4)(self._load)
        self.feature_names = lru_cache(maxsize=4)(self._feature_names)
        self._sweep = lru_cache(maxsize=32)(self._compute_sweep)
        self._view = lru_cache(maxsize=512)(self._compute_view)
        self._scores = lru_cache(maxsize=32)(self._compute_scores)
        self.explore_sections = lru_cache(maxsize=16)(self._compute_explore)
        self._comparison = lru_cache(maxsize=64)(self._compute_comparison)

    def _once(self, key: Hashable) -> threading.Lock:
        """A lock per key, so concurrent first requests compute a sweep only once."""
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _load(self, name: str) -> Dataset:
        if name not in self.datasets:  # the callbacks check first; this is the last line
            raise CustsegError("This dashboard does not serve that dataset.")
        return load_dataset(name)

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
        """The run the view shows: the command line's defaults but for the controls."""
        return SegmentationConfig(
            population=state.population,
            weight=defaults.WEIGHT if state.weighted else None,
            bootstrap=self.bootstrap,
            select=state.select,
            # auto takes the population's feature set, as the command line does by default
            n_features=None if state.select == "auto" else state.n_features,
            features=state.features,
            transform=state.transform,
            k_range=(K_MIN, K_MAX),
            k=None,
            method=state.method,
        )

    def _compute_sweep(self, key: ViewState) -> tuple[Prepared, Sweep]:
        prepared = prepare(self.dataset(key.dataset), self.config(key))
        return prepared, run_sweep(prepared)

    def sweep(self, state: ViewState) -> tuple[Prepared, Sweep]:
        key = state.sweep_key()
        with self._once(key):
            return self._sweep(key)

    def recommended_k(self, state: ViewState) -> int:
        return self.sweep(state)[1].recommendation.k

    def resolved(self, state: ViewState) -> ViewState:
        """``state`` with its k: the recommended one when the view asks for none."""
        return state if state.k is not None else replace(state, k=self.recommended_k(state))

    def result(self, state: ViewState) -> SegmentationResult:
        prepared, sweep = self.sweep(state)
        return finish(prepared, sweep, self.resolved(state).k)

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

    def view(self, state: ViewState) -> View:
        return self._view(self.resolved(state))

    def _compute_view(self, state: ViewState) -> View:
        result = self.result(state)
        prepared, dataset = result.prepared, result.prepared.dataset
        money_columns = [c for c in dataset.frame.columns if c in dataset.dollar_columns]
        labels = {f: dataset.label(f) for f in result.prepared.numeric}
        trimmed = state.select != "variance"
        scores = self._scores(state.dataset, state.population, trimmed, state.weighted)
        metrics = result.metrics
        recommendation = result.sweep.recommendation
        lines = [
            f"Inertia ({state.k} clusters): {number(metrics['inertia'])}",
            f"Silhouette score ({state.k} clusters): {metrics['silhouette']:.3f}",
            f"Calinski-Harabasz: {metrics['calinski_harabasz']:,.0f}; "
            f"Davies-Bouldin: {metrics['davies_bouldin']:.3f}"
            + (
                f"; bootstrap stability (ARI): {metrics['stability']:.2f}"
                if "stability" in metrics
                else ""
            ),
            f"{prepared.n_rows:,} rows: {prepared.selection.description}"
            + (
                f", weighted by {prepared.weight_column}"
                if prepared.weight_column
                else ", unweighted"
            ),
        ]
        if result.implicates is not None:
            report = result.implicates
            lines.append(
                f"Across implicates: {percent(report.all_agree_share)} of "
                f"{report.households:,} households have all rows in one segment "
                f"(mean agreement {percent(report.mean_agreement)})."
            )
        if dataset.provenance.get("dollars_of"):
            lines.append(
                f"Amounts in {dataset.provenance['dollars_of']} dollars "
                f"({dataset.provenance.get('dollars_how', 'as loaded')})."
            )
        pca = self._pca_figure(result, money_columns)
        return View(
            metrics=lines,
            recommendation=f"Recommended k = {recommendation.k}. {recommendation.reason}",
            variance=figures.variance_figure(
                scores,
                labels={c: dataset.label(c) for c in scores.index[:10]},
                selected=result.features,
                trimmed=trimmed,
            ).to_dict(),
            sweep=figures.sweep_figure(
                result.sweep.table, k=state.k, recommended_k=recommendation.k
            ).to_dict(),
            pca=pca.to_dict(),
            pca_segments=pca.data[0].customdata,
            k=result.k,
            profile=percentile_profile_figure(
                percentile_rank_data(prepared.values, result.segments, prepared.weights),
                labels=labels,
                money_columns=money_columns,
                names={p.segment: p.name for p in result.personas},
                dollars_of=dataset.provenance.get("dollars_of"),
            ).to_dict(),
            sizes=figures.segment_size_figure(result.profiles).to_dict(),
            profile_table=self._profile_table(result, money_columns),
            personas=result.personas,
            method_sentences=method_sentences(method := result.method_summary()),
            dendrogram=(
                dendrogram_figure(method["dendrogram"], k=state.k).to_dict()
                if "dendrogram" in method
                else None
            ),
            warnings=tuple(f"{w.code}: {w.message}" for w in result.warnings),
        )

    def _pca_figure(self, result: SegmentationResult, money_columns: list[str]):
        dataset = result.prepared.dataset
        extras = [c for c in HOVER_EXTRAS if c in dataset.frame]
        frame = result.hover_frame(extras)
        hover = figures.hover_columns(frame, {c: dataset.label(c) for c in frame.columns})
        title = "Segments in two dimensions (PCA)"
        if dataset.provenance.get("dollars_of") and money_columns:
            title += f"; hover amounts in {dataset.provenance['dollars_of']} dollars"
        if len(frame) > self.display_points:
            keep = np.random.default_rng(0).choice(len(frame), self.display_points, replace=False)
            frame = frame.iloc[np.sort(keep)]
            title += f": a random {self.display_points:,} of {len(result.pca):,} points"
        return scatter.pca_points_figure(
            frame,
            k_max=K_MAX,
            explained_variance_ratio=result.explained_variance_ratio,
            hover_columns=hover,
            money_columns=money_columns,
            title=title,
        )

    @staticmethod
    def _profile_table(result: SegmentationResult, money_columns: list[str]) -> pd.DataFrame:
        dataset = result.prepared.dataset
        profiles = result.profiles
        table = pd.DataFrame(
            {
                "Segment": profiles["segment"],
                "Persona": profiles["name"],
                "Size": [size.split(": ", 1)[1] for size in profiles["size"]],
                "Rows": [f"{n:,}" for n in profiles["n_rows"]],
            }
        )
        if "share_se" in profiles:
            table["Share ± SE (imputation uncertainty only)"] = [
                f"{percent(s)} ± {percent(se)}"
                for s, se in zip(profiles["share"], profiles["share_se"], strict=True)
            ]
        year = dataset.provenance.get("dollars_of")
        for feature in result.prepared.numeric:
            fmt = money if feature in money_columns else number
            dollars = f" ({year} $)" if year and feature in money_columns else ""
            table[f"Median {dataset.label(feature)}{dollars}"] = [
                fmt(v) for v in profiles[f"{feature}_median"]
            ]
        return table

    def other_year(self, name: str) -> str | None:
        """The other built-in survey year to compare ``name`` with, if there is one."""
        others = [d for d in self.datasets if d != name and scf.is_scf_name(d)]
        return others[0] if scf.is_scf_name(name) and others else None

    def comparison(self, state: ViewState) -> Comparison | None:
        return self._comparison(self.resolved(state))

    def _compute_comparison(self, state: ViewState) -> Comparison | None:
        other = self.other_year(state.dataset)
        if other is None:
            return None
        return compare(self.result(state).model, self.dataset(state.dataset), self.dataset(other))

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
                    title, sentences, [figures.share_figure(table, title=title).to_dict()]
                )
            )
        if exploration.income_by_ownership is not None:
            sections.append(
                ExploreSection(
                    "Income group by business ownership",
                    exploration.income_sentences,
                    [
                        figures.grouped_share_figure(
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
                    [
                        figures.distribution_figure(
                            exploration.distributions[c],
                            label=dataset.label(c),
                            as_money=as_money,
                            weights=exploration.distribution_weights.get(c),
                            unit=exploration.weight_unit,
                            dollars_of=exploration.dollars_of if as_money else None,
                        ).to_dict()
                        for c in exploration.dollars["variable"]
                    ],
                )
            )
        return sections
