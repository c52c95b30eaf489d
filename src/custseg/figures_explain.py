"""Figures that explain segments: silhouettes, box plots, correlations and a percentile-rank
profile heatmap. Pure functions of the numbers in :mod:`custseg.segment_charts`."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from custseg.figure_layout import (
    below_legend,
    cell_axes,
    framed,
    layout_axis,
    subplot_grid,
)
from custseg.figures import profile_heatmap, segment_colour
from custseg.formatting import money, number, percent

ALL_LABEL = "Everyone"
#: A feature is drawn on a signed logarithmic axis when, for everyone, the 95th percentile lies
#: this many times farther above the median than the 5th lies below it (or the reverse).
SKEW_RATIO = 4
#: Pixels between rows of box plots: the upper row's tick labels, then the lower row's titles.
ROW_GAP = 80


def segment_label(segment: int, names: Mapping[int, str] | None = None) -> str:
    """``"2: Older, wealthy owners"``, or ``"Segment 2"`` without a name."""
    name = (names or {}).get(int(segment))
    return f"{segment}: {name}" if name else f"Segment {segment}"


def silhouette_figure(data: Mapping[str, Any], *, names: Mapping[int, str] | None = None):
    """Each row's silhouette as a horizontal bar, sorted within its segment, segments stacked;
    the dashed line is the mean of the rows shown."""
    segments = np.asarray(data["segment"])
    values = np.asarray(data["value"], dtype=float)
    bars = []
    position = 0
    for segment in dict.fromkeys(segments.tolist()):
        members = values[segments == segment]
        bars.append(
            go.Bar(
                x=members,
                y=np.arange(position, position + len(members)),
                orientation="h",
                width=1,
                marker={"color": segment_colour(segment), "line": {"width": 0}},
                name=segment_label(segment, names),
                hovertemplate=f"{segment_label(segment, names)}<br>silhouette %{{x:.2f}}"
                "<extra></extra>",
            )
        )
        position += len(members) + max(2, len(values) // 100)
    mean = float(values.mean()) if values.size else float("nan")
    # a dashed line across the plot at the mean, labelled at its top
    mean_line = {
        "line": {"color": "#444", "dash": "dash"},
        "type": "line",
        "x0": mean,
        "x1": mean,
        "xref": "x",
        "y0": 0,
        "y1": 1,
        "yref": "y domain",
    }
    mean_label = {
        "showarrow": False,
        "text": f"mean {mean:.2f}",
        "x": mean,
        "xanchor": "left",
        "xref": "x",
        "y": 1,
        "yanchor": "top",
        "yref": "y domain",
    }
    title = "Silhouette of every row, by segment"
    if data.get("sampled"):
        title += f" (a stratified sample of {data['n_shown']:,} of {data['n_rows']:,} rows)"
    return framed(
        bars,
        title,
        shapes=[mean_line],
        annotations=[mean_label],
        yaxis={"showticklabels": False, "autorange": "reversed"},
        xaxis={"title": {"text": "silhouette (below 0: closer to another segment)"}},
        bargap=0,
        height=460,
        legend=below_legend(),
    )


def _signed_log(values):
    values = np.asarray(values, dtype=float)
    return np.sign(values) * np.log10(1 + np.abs(values))


def _skewed(everyone: Mapping[str, float]) -> bool:
    above = everyone["p95"] - everyone["median"]
    below = everyone["median"] - everyone["p05"]
    return max(above, below) > SKEW_RATIO * max(min(above, below), 1e-12)


def box_figure(
    records: Sequence[Mapping[str, Any]],
    *,
    labels: Mapping[str, str] | None = None,
    money_columns: Sequence[str] = (),
    names: Mapping[int, str] | None = None,
    dollars_of: int | None = None,
):
    """Box plots of every feature by segment from precomputed weighted quantiles: box from the
    25th to the 75th percentile, line at the median, whiskers at the 5th and 95th, dashed mean.
    Skewed features use a signed logarithmic axis labelled in original units."""
    labels = labels or {}
    features = list(dict.fromkeys(r["feature"] for r in records))
    cols = 2 if len(features) > 1 else 1
    rows = math.ceil(len(features) / cols)
    titles = []
    for feature in features:
        everyone = next(r for r in records if r["feature"] == feature and r["segment"] == 0)
        titles.append(labels.get(feature, feature) + (" (log scale)" if _skewed(everyone) else ""))
    height = max(360, 300 * rows)
    # room between rows, in pixels, for a row's tick labels and the next row's titles
    grid = subplot_grid(rows, cols, subplot_titles=titles, vertical_spacing=ROW_GAP / height)
    traces = []
    for index, feature in enumerate(features):
        row, col = divmod(index, cols)
        axes = cell_axes(row + 1, col + 1, cols)
        shown = [r for r in records if r["feature"] == feature]
        everyone = next(r for r in shown if r["segment"] == 0)
        skewed = _skewed(everyone)
        scale = _signed_log if skewed else (lambda v: np.asarray(v, dtype=float))
        fmt = money if feature in money_columns else number
        for record in shown:
            segment = record["segment"]
            label = ALL_LABEL if segment == 0 else segment_label(segment, names)
            stats = {k: scale([record[k]]).tolist() for k in ("p05", "q1", "median", "q3", "p95")}
            traces.append(
                go.Box(
                    x=[label if segment == 0 else str(segment)],
                    q1=stats["q1"],
                    median=stats["median"],
                    q3=stats["q3"],
                    lowerfence=stats["p05"],
                    upperfence=stats["p95"],
                    mean=scale([record["mean"]]).tolist(),
                    boxmean=True,
                    name=label,
                    legendgroup=label,
                    showlegend=index == 0,
                    marker_color="#7f7f7f" if segment == 0 else segment_colour(segment),
                    hovertext=(
                        f"{label}<br>5%: {fmt(record['p05'])}<br>25%: {fmt(record['q1'])}"
                        f"<br>median: {fmt(record['median'])}<br>75%: {fmt(record['q3'])}"
                        f"<br>95%: {fmt(record['p95'])}<br>mean: {fmt(record['mean'])}"
                    ),
                    hoverinfo="text",
                    **axes,
                )
            )
        if skewed:
            lows = [r["p05"] for r in shown] + [r["mean"] for r in shown]
            highs = [r["p95"] for r in shown] + [r["mean"] for r in shown]
            ticks = log_ticks(min(lows), max(highs))
            grid[layout_axis(axes["yaxis"])] |= {
                "tickvals": _signed_log(ticks).tolist(),
                "ticktext": [fmt(t) for t in ticks],
            }
    title = "Each feature by segment (box: 25-75%, whiskers: 5-95%, weighted where the run is)"
    if dollars_of and any(f in money_columns for f in features):
        title += f"<br><sup>Amounts in {dollars_of} dollars</sup>"
    return framed(traces, title, height=height, legend=below_legend(), subplot_titles=True, **grid)


def log_ticks(low: float, high: float) -> list[float]:
    """0 and the powers of ten (with their sign) spanning ``low`` to ``high``."""
    ticks = [0.0] if low <= 0 <= high else []
    for exponent in range(1, 13):
        value = 10.0**exponent
        if low <= -value:
            ticks.append(-value)
        if value <= high:
            ticks.append(value)
    ticks = sorted(ticks)
    return ticks[:: max(1, len(ticks) // 8)]


def correlation_figure(data: Mapping[str, Any]):
    """Heatmap of the candidate features' correlations; chosen features marked with a star."""
    chosen = set(data["chosen"])
    names = [
        ("★ " if feature in chosen else "") + label
        for feature, label in zip(data["features"], data["labels"], strict=True)
    ]
    matrix = [[np.nan if v is None else v for v in row] for row in data["matrix"]]
    heatmap = go.Heatmap(
        z=matrix,
        x=names,
        y=names,
        zmin=-1,
        zmax=1,
        colorscale="RdBu",
        reversescale=True,
        text=[[f"{v:.2f}" if np.isfinite(v) else "" for v in row] for row in matrix],
        texttemplate="%{text}",
        hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>",
        colorbar={"title": "correlation"},
    )
    return framed(
        [heatmap],
        f"{data['method']} of the candidate features (★ chosen)",
        yaxis={"autorange": "reversed"},
        height=max(360, 34 * len(names) + 160),
    )


def percentile_profile_figure(
    data: Mapping[str, Any],
    *,
    labels: Mapping[str, str] | None = None,
    money_columns: Sequence[str] = (),
    names: Mapping[int, str] | None = None,
    dollars_of: int | None = None,
):
    """Segments (by name) x features: colour is the percentile rank of the segment's median in
    the population (50 = the population's median), the same reading for every feature; the
    text is the median in original units (``dollars_of``: the year of its dollars, in the
    title). A yes/no feature (``data["flags"]``) shows its share of yes instead, coloured at
    50 plus the points by which it exceeds the population's share (as a trait's shift is read
    for naming: 15 points either way is notable for both)."""
    labels = labels or {}
    features = data["features"]
    flags = set(data.get("flags", ()))
    population_shares = data.get("population_shares") or [None] * len(features)
    z, text, hover = [], [], []
    for i, (medians, ranks) in enumerate(zip(data["medians"], data["ranks"], strict=True)):
        z_row, text_row, hover_row = [], [], []
        for j, feature in enumerate(features):
            if feature in flags:
                share, overall = data["shares"][i][j], population_shares[j]
                cell = _share_cell(share, overall)
            else:
                cell = _median_cell(medians[j], ranks[j], feature in money_columns)
            z_row.append(cell[0])
            text_row.append(cell[1])
            hover_row.append(cell[2])
        z.append(z_row)
        text.append(text_row)
        hover.append(hover_row)
    segments = [segment_label(s, names) for s in data["segments"]]
    colour_title = "percentile<br>in population"
    if flags:
        colour_title += "<br>(yes/no: 50 +<br>points above<br>everyone's share)"
    heatmap = profile_heatmap(
        z,
        features=[labels.get(f, f) for f in features],
        segments=segments,
        text=text,
        customdata=hover,
        zmin=0,
        zmax=100,
        zmid=50,
        colorbar={"title": colour_title},
        hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
    )
    title = "Segment profiles: median of each feature, coloured by its percentile in the population"
    if flags:
        title += "<br><sup>Yes/no features: share of yes, coloured by its gap to everyone's</sup>"
    if dollars_of and any(f in money_columns for f in features):
        title += f"<br><sup>Amounts in {dollars_of} dollars</sup>"
    return framed(
        [heatmap], title, yaxis={"autorange": "reversed"}, height=max(340, 60 * len(segments) + 220)
    )


def _median_cell(median: float | None, rank: float | None, dollars: bool) -> tuple:
    """(colour, text, hover) of a numeric feature's cell: its median, coloured by its rank."""
    if median is None:
        return np.nan, "", "no values"
    shown = (money if dollars else number)(median)
    where = "" if rank is None else f", percentile {rank:.0f} in the population"
    return np.nan if rank is None else rank, shown, f"median {shown}{where}"


def _share_cell(share: float | None, overall: float | None) -> tuple:
    """(colour, text, hover) of a yes/no feature's cell: its share of yes, coloured at 50 plus
    the points by which it exceeds the population's share (0-100)."""
    if share is None:
        return np.nan, "", "no values"
    shown = percent(share, 0)
    if overall is None:
        return np.nan, shown, f"{shown} yes"
    gap = 100 * (share - overall)
    side = "above" if gap >= 0 else "below"
    return (
        float(np.clip(50 + gap, 0, 100)),
        shown,
        f"{shown} yes (everyone: {percent(overall, 0)}; {abs(gap):.0f} points {side})",
    )
