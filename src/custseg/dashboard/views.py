"""What the segments view shows for one fitted k, as plain data ready to send.

Pure functions of a :class:`~custseg.segmentation.SegmentationResult`: the analysis caches their
output per configuration and k, so the work here is done once per k (in the background, see
:mod:`custseg.dashboard.precompute`) and every later request is a lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from custseg import figures
from custseg.dashboard import scatter
from custseg.dashboard.state import K_MAX
from custseg.figures_explain import percentile_profile_figure
from custseg.formatting import money, number, percent
from custseg.method_figures import dendrogram_figure
from custseg.personas import Persona
from custseg.report import method_sentences
from custseg.segment_charts import percentile_rank_data
from custseg.segmentation import SegmentationResult

#: The scatter draws at most this many points (a seeded sample above it), which keeps a full
#: answer under 200 kB (8 hover values a point); the title says when it is a sample.
DISPLAY_POINTS = 1_500
#: Values shown on hover besides the features, when the dataset has them.
HOVER_EXTRAS = ("INCOME", "NETWORTH", "AGE")


@dataclass(frozen=True)
class View:
    """One state of the segments view, ready to render."""

    metrics: list[str]
    recommendation: str
    variance: dict[str, Any] | None
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


def lean(figure: go.Figure) -> dict[str, Any]:
    """The figure as a dict whose template keeps the defaults of the trace types it draws only
    (the whole template is about 7 kB of every figure sent)."""
    spec = figure.to_dict()
    template = spec.get("layout", {}).get("template", {})
    if "data" in template:
        drawn = {trace.get("type", "scatter") for trace in spec["data"]}
        template["data"] = {kind: v for kind, v in template["data"].items() if kind in drawn}
    return spec


def sweep_k_patch(sweep: dict[str, Any]) -> Any:
    """The change to a configuration's sweep figure when only k moved: the "chosen k" markers
    and the title (the curves and the recommended k stay)."""
    from dash import Patch

    patch = Patch()
    for i, trace in enumerate(sweep["data"]):
        if trace.get("name") == "chosen k":
            patch["data"][i]["x"] = trace["x"]
            patch["data"][i]["y"] = trace["y"]
    patch["layout"]["title"] = sweep["layout"]["title"]
    return patch


def money_columns(result: SegmentationResult) -> list[str]:
    dataset = result.prepared.dataset
    return [c for c in dataset.frame.columns if c in dataset.dollar_columns]


def metric_lines(result: SegmentationResult, sample_note: str = "") -> list[str]:
    """The metrics card: the two headline scores, the other indices, what was fitted."""
    prepared, dataset, k = result.prepared, result.prepared.dataset, result.k
    metrics = result.metrics
    lines = [
        f"Inertia ({k} clusters): {number(metrics['inertia'])}",
        f"Silhouette score ({k} clusters): {metrics['silhouette']:.3f}",
        f"Calinski-Harabasz: {metrics['calinski_harabasz']:,.0f}; "
        f"Davies-Bouldin: {metrics['davies_bouldin']:.3f}"
        + (
            f"; bootstrap stability (ARI): {metrics['stability']:.2f}"
            if "stability" in metrics
            else ""
        ),
        f"{prepared.n_rows:,} rows{sample_note}: {prepared.selection.description}"
        + (f", weighted by {prepared.weight_column}" if prepared.weight_column else ", unweighted"),
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
    return lines


def segments_view(
    result: SegmentationResult, *, display_points: int = DISPLAY_POINTS, sample_note: str = ""
) -> View:
    """Everything of the segments view but the variance bars (which follow the selection
    toggle, not the fit); ``sample_note`` says when the rows are a sample of a larger table."""
    prepared, dataset = result.prepared, result.prepared.dataset
    dollars = money_columns(result)
    recommendation = result.sweep.recommendation
    pca = pca_figure(result, dollars, display_points)
    method = result.method_summary()
    return View(
        metrics=metric_lines(result, sample_note),
        recommendation=f"Recommended k = {recommendation.k}. {recommendation.reason}",
        variance=None,
        sweep=lean(
            figures.sweep_figure(result.sweep.table, k=result.k, recommended_k=recommendation.k)
        ),
        pca=lean(pca),
        pca_segments=pca.data[0].marker.color,
        k=result.k,
        profile=lean(
            percentile_profile_figure(
                percentile_rank_data(
                    prepared.values, result.segments, prepared.weights, flags=prepared.flags
                ),
                labels={f: dataset.label(f) for f in prepared.numeric},
                money_columns=dollars,
                names={p.segment: p.name for p in result.personas},
                dollars_of=dataset.provenance.get("dollars_of"),
            )
        ),
        sizes=lean(figures.segment_size_figure(result.profiles)),
        profile_table=profile_table(result, dollars),
        personas=result.personas,
        method_sentences=method_sentences(method),
        dendrogram=(
            lean(dendrogram_figure(method["dendrogram"], k=result.k))
            if "dendrogram" in method
            else None
        ),
        warnings=tuple(f"{w.code}: {w.message}" for w in result.warnings),
    )


def pca_figure(result: SegmentationResult, dollars: list[str], display_points: int):
    """The scatter of :mod:`custseg.dashboard.scatter`, on a seeded sample above
    ``display_points`` (the same points for every k of a configuration)."""
    dataset = result.prepared.dataset
    extras = [c for c in HOVER_EXTRAS if c in dataset.frame]
    frame = result.hover_frame(extras)
    hover = figures.hover_columns(frame, {c: dataset.label(c) for c in frame.columns})
    title = "Segments in two dimensions (PCA)"
    if dataset.provenance.get("dollars_of") and dollars:
        title += f"; hover amounts in {dataset.provenance['dollars_of']} dollars"
    if len(frame) > display_points:
        keep = np.random.default_rng(0).choice(len(frame), display_points, replace=False)
        frame = frame.iloc[np.sort(keep)]
        title += f": a random {display_points:,} of {len(result.pca):,} points"
    return scatter.pca_points_figure(
        frame,
        k_max=K_MAX,
        explained_variance_ratio=result.explained_variance_ratio,
        hover_columns=hover,
        money_columns=dollars,
        title=title,
    )


def profile_table(result: SegmentationResult, dollars: list[str]) -> pd.DataFrame:
    """Segment, persona, size, rows and the median of every feature (a yes/no feature's share
    of yes), formatted."""
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
        if feature in result.prepared.flags:
            table[f"{dataset.label(feature)} (share yes)"] = [
                percent(v, 0) for v in profiles[f"{feature}_mean"]
            ]
            continue
        fmt = money if feature in dollars else number
        unit = f" ({year} $)" if year and feature in dollars else ""
        table[f"Median {dataset.label(feature)}{unit}"] = [
            fmt(v) for v in profiles[f"{feature}_median"]
        ]
    return table
