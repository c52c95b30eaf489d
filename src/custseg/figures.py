"""Plotly figures, each a pure function of computed results (tests check their data)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from custseg.figure_layout import (
    COLUMN_LABEL_WIDTH,
    ROW_LABEL_WIDTH,
    below_legend,
    cell_axes,
    framed,
    layout_axis,
    subplot_grid,
    wrap_labels,
)
from custseg.formatting import counted, label_and_name, money, number, percent
from custseg.precision import share_with_se

SEGMENT_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
)
SELECTED_COLOUR, OTHER_COLOUR = "#1f77b4", "#c7c7c7"
#: Above this many points the scatter is drawn with WebGL.
WEBGL_POINTS = 5_000


#: Segment 0: customers a density method leaves unassigned.
UNASSIGNED_COLOUR = "#b0b0b0"


def segment_colour(segment: int) -> str:
    """The colour of a segment, the same in every figure (grey for unassigned, segment 0)."""
    if int(segment) == 0:
        return UNASSIGNED_COLOUR
    return SEGMENT_COLOURS[(int(segment) - 1) % len(SEGMENT_COLOURS)]


def variance_figure(
    scores: pd.Series,
    *,
    labels: Mapping[str, str],
    selected: Sequence[str],
    trimmed: bool,
    top: int = 10,
) -> go.Figure:
    """Horizontal bars of the highest-variance candidates, the selected ones highlighted.

    Parameters
    ----------
    scores : Series indexed by column name, highest first
    labels : mapping of column name to human label
    selected : the chosen features
    trimmed : whether ``scores`` are trimmed variances (for the title)
    """
    shown = scores.iloc[:top][::-1]
    names = list(shown.index)
    bar = go.Bar(
        x=shown.to_numpy(),
        y=[label_and_name(labels.get(n, n), n) for n in names],
        orientation="h",
        customdata=names,
        marker_color=[SELECTED_COLOUR if n in selected else OTHER_COLOUR for n in names],
        hovertemplate="%{y}<br>variance %{x:.3s}<extra></extra>",
    )
    kind = "Trimmed variance" if trimmed else "Variance"
    return framed(
        [bar],
        f"{kind}: top {counted(len(names), 'feature')}",
        xaxis={"title": {"text": "variance" + (" (10% cut from each tail)" if trimmed else "")}},
        height=max(300, 40 * len(names) + 100),
    )


SWEEP_PANELS = {
    "inertia": "Inertia (elbow)",
    "silhouette": "Silhouette (higher: better)",
    "stability": "Stability (ARI)",
    "min_segment_share": "Smallest segment (share)",
}


def sweep_figure(sweep: pd.DataFrame, *, k: int, recommended_k: int) -> go.Figure:
    """Elbow, silhouette and (if present) stability curves over k, chosen and recommended k
    marked."""
    panels = [column for column in SWEEP_PANELS if column in sweep]
    titles = [SWEEP_PANELS[c] for c in panels]
    # wider gaps and smaller titles keep each panel's title clear of the next one's y labels
    grid = subplot_grid(1, len(panels), subplot_titles=titles, horizontal_spacing=0.07)
    for annotation in grid["annotations"]:
        annotation["font"] = {**annotation.get("font", {}), "size": 13}
    x_axis = {"title": {"text": "number of segments k"}, "dtick": 1 if len(panels) < 3 else 2}
    traces = []
    for col, column in enumerate(panels, start=1):
        axes = cell_axes(1, col, len(panels))
        grid[layout_axis(axes["xaxis"])] |= x_axis
        traces.append(
            go.Scatter(
                x=sweep["k"],
                y=sweep[column],
                mode="lines+markers",
                name=column,
                line_color="#555",
                showlegend=False,
                **axes,
            )
        )
        for marked, name, symbol, colour in (
            (recommended_k, "recommended k", "star", "#2ca02c"),
            (k, "chosen k", "circle-open", "#d62728"),
        ):
            row = sweep[sweep["k"] == marked]
            traces.append(
                go.Scatter(
                    x=row["k"],
                    y=row[column],
                    mode="markers",
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                    marker={
                        "symbol": symbol,
                        "size": 16,
                        "color": colour,
                        "line": {"width": 3, "color": colour},
                    },
                    **axes,
                )
            )
    return framed(
        traces,
        f"Choosing k: k={k} chosen, k={recommended_k} recommended",
        height=400,
        legend=below_legend(),
        subplot_titles=True,
        **grid,
    )


def hover_columns(points: pd.DataFrame, labels: Mapping[str, str]) -> dict[str, str]:
    """For a frame of ids, ``pc1, pc2, segment`` and values: the first id and every value
    column, with their labels."""
    columns = list(points.columns)
    ids = columns[: columns.index("pc1")]
    shown = [*ids[:1], *columns[columns.index("segment") + 1 :]]
    return {c: labels.get(c, c) for c in shown}


def pca_figure(
    pca: pd.DataFrame,
    *,
    explained_variance_ratio: Sequence[float],
    hover_columns: Mapping[str, str] | None = None,
    money_columns: Sequence[str] = (),
    title: str = "Segments in two dimensions (PCA)",
) -> go.Figure:
    """Points on the first two principal components, one trace per segment.

    Parameters
    ----------
    pca : DataFrame with columns pc1, pc2, segment (and any hover columns)
    explained_variance_ratio : the two components' shares of variance
    hover_columns : mapping of column in ``pca`` to its label, shown on hover
    money_columns : hover columns to format as dollars
    """
    hover_columns = dict(hover_columns or {})
    trace_type = go.Scattergl if len(pca) > WEBGL_POINTS else go.Scatter
    details = _hover_details(pca, hover_columns, money_columns)
    traces = []
    for segment, rows in pca.groupby("segment", sort=True).indices.items():
        members = pca.iloc[rows]
        hover = [f"Segment {segment}{detail}" for detail in details[rows]]
        traces.append(
            trace_type(
                x=members["pc1"],
                y=members["pc2"],
                mode="markers",
                name=f"Segment {segment}",
                marker={"color": segment_colour(segment), "size": 6, "opacity": 0.7},
                text=hover if hover_columns else None,
                hovertemplate="%{text}<extra></extra>" if hover_columns else None,
            )
        )
    ratio = list(explained_variance_ratio) + [0.0, 0.0]
    return framed(
        traces,
        f"{title}<br><sup>{pca_caption(ratio)}</sup>",
        xaxis={"title": {"text": f"PC1 ({percent(ratio[0])} of variance)"}},
        yaxis={"title": {"text": f"PC2 ({percent(ratio[1])} of variance)"}},
        height=480,
    )


def _hover_details(
    pca: pd.DataFrame, hover_columns: Mapping[str, str], money_columns: Sequence[str]
) -> np.ndarray:
    """Every point's hover lines after its segment (``<br>label: value`` per hover column);
    a column of NumPy numbers has each of its distinct values formatted once."""
    details = np.full(len(pca), "", dtype=object)
    for column, label in hover_columns.items():
        fmt = money if column in money_columns else number
        values = pca[column]
        if isinstance(values.dtype, np.dtype) and values.dtype.kind in "biuf":
            codes, distinct = pd.factorize(values, use_na_sentinel=False)
            shown = [_hover_line(label, fmt, v) for v in distinct.tolist()]
            lines = np.array(shown, dtype=object)[codes]
        else:
            lines = np.array([_hover_line(label, fmt, v) for v in values], dtype=object)
        details = details + lines
    return details


def _hover_line(label: str, fmt, value) -> str:
    shown = fmt(value) if isinstance(value, (int, float, np.number)) else value
    return f"<br>{label}: {shown}"


#: Above this share of variance on the first component, the scatter is mostly one axis.
PC1_DOMINANT = 0.8


def pca_caption(explained_variance_ratio: Sequence[float]) -> str:
    """How much of the variance the 2-D view shows, with a caution when PC1 dominates."""
    ratio = [*explained_variance_ratio, 0.0, 0.0]
    text = f"This view shows {percent(ratio[0] + ratio[1])} of the variance."
    if ratio[0] > PC1_DOMINANT:
        text += (
            f" Caution: the first component alone carries {percent(ratio[0])}, so the picture"
            " is mostly one direction (often overall size); read segments along PC1."
        )
    return text


def profile_heatmap(
    z, *, features: Sequence[str], segments: Sequence[str], text, **colour_and_hover
) -> go.Heatmap:
    """Segments (rows) x features (columns, by label) with each cell's ``text`` written in it,
    on the red-blue scale (high red); ``colour_and_hover`` sets the scale's range, colour bar,
    customdata and hover template."""
    return go.Heatmap(
        z=z,
        x=wrap_labels(list(features), COLUMN_LABEL_WIDTH),
        y=wrap_labels(list(segments), ROW_LABEL_WIDTH),
        text=text,
        texttemplate="%{text}",
        colorscale="RdBu",
        reversescale=True,
        **colour_and_hover,
    )


def profile_figure(
    profiles: pd.DataFrame,
    *,
    features: Sequence[str],
    labels: Mapping[str, str],
    money_columns: Sequence[str] = (),
    flag_columns: Sequence[str] = (),
    dollars_of: int | None = None,
) -> go.Figure:
    """Heatmap of each segment's median per feature; colour shows how high relative to the others.

    ``dollars_of`` (the year whose dollars the money medians are in) is stated in the title.

    The colour of a cell is the segment's median as a z-score across segments, so features in
    different units share one scale; the text is the median in original units. A yes/no feature
    (in ``flag_columns``) shows its share of yes (its ``_mean``), coloured the same way by that
    share: its median is only 0 or 1.
    """
    flags = [f in flag_columns for f in features]
    shown = profiles[
        [f"{f}_mean" if flag else f"{f}_median" for f, flag in zip(features, flags, strict=True)]
    ].to_numpy(dtype=float)
    spread = shown.std(axis=0)
    z = np.divide(shown - shown.mean(axis=0), spread, out=np.zeros_like(shown), where=spread > 0)
    formats = [
        (lambda v: percent(v, 0)) if flag else (money if f in money_columns else number)
        for f, flag in zip(features, flags, strict=True)
    ]
    text = [[fmt(v) for fmt, v in zip(formats, row, strict=True)] for row in shown]
    statistic = [["share of yes" if flag else "median" for flag in flags]] * len(shown)
    segments = [f"Segment {s}" for s in profiles["segment"]]
    heatmap = profile_heatmap(
        z,
        features=[labels.get(f, f) for f in features],
        segments=segments,
        text=text,
        customdata=statistic,
        zmid=0,
        colorbar={"title": "relative<br>(sd across<br>segments)"},
        hovertemplate="%{y}<br>%{x}: %{customdata} %{text}<extra></extra>",
    )
    title = "Segment profiles (median of each feature"
    if any(flags):
        title += "; share of yes for yes/no features"
    if dollars_of and any(f in money_columns for f in features):
        title += f"; amounts in {dollars_of} dollars"
    return framed(
        [heatmap],
        title + ")",
        yaxis={"autorange": "reversed"},
        height=max(340, 60 * len(segments) + 220),
    )


def segment_size_figure(profiles: pd.DataFrame) -> go.Figure:
    """Bars of each segment's share, labelled with its row count."""
    shares = profiles["share"].to_numpy(dtype=float)
    bar = go.Bar(
        x=[f"Segment {s}" for s in profiles["segment"]],
        y=shares,
        marker_color=[segment_colour(s) for s in profiles["segment"]],
        text=[
            f"{percent(s)} ({counted(n, 'row')})"
            for s, n in zip(shares, profiles["n_rows"], strict=True)
        ],
        textposition="outside",
        textangle=0,
        cliponaxis=False,
    )
    return framed(
        [bar],
        "Segment sizes",
        yaxis={"tickformat": ".0%", "title": {"text": "share"}},
        height=340,
    )


def compare_figure(table: pd.DataFrame, *, base: str, other: str) -> go.Figure:
    """Each segment's share in two datasets, with imputation standard errors where known."""
    bars = []
    for label, colour in ((base, "#9ecae1"), (other, "#1f77b4")):
        shares, se = table[f"share_{label}"], table.get(f"share_se_{label}")
        shown = [share_with_se(s, None if se is None else se.iloc[i]) for i, s in enumerate(shares)]
        bars.append(
            go.Bar(
                x=[f"Segment {s}" for s in table["segment"]],
                y=shares,
                name=label,
                marker_color=colour,
                customdata=np.column_stack([table["name"], shown]),
                error_y=None if se is None else {"type": "data", "array": se, "visible": True},
                hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra>" + label + "</extra>",
            )
        )
    return framed(
        bars,
        f"Segment shares: {base} and {other}<br><sup>error bars: standard error, imputation"
        " uncertainty only</sup>",
        barmode="group",
        yaxis={"tickformat": ".0%", "title": {"text": "share"}},
        height=380,
    )
