"""The dashboard's PCA scatter, built so that a k move sends only what changed.

The points (positions and hover values) depend on the configuration, not on k; their segments
and colours depend on k. So the figure is one trace of points coloured point by point, plus one
legend entry per possible segment, and a k move answers with a :class:`dash.Patch` of the
colours, the segments shown on hover and the legend entries in use: tens of kB instead of the
whole figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from custseg import figures
from custseg.formatting import money, number, percent


def colours(segments: Sequence[int] | np.ndarray) -> list[str]:
    """Each point's colour: its segment's, the same as in every other figure."""
    palette = np.array(figures.SEGMENT_COLOURS)
    return palette[(np.asarray(segments, dtype=int) - 1) % len(palette)].tolist()


def pca_points_figure(
    pca: pd.DataFrame,
    *,
    k_max: int,
    explained_variance_ratio: Sequence[float],
    hover_columns: Mapping[str, str] | None = None,
    money_columns: Sequence[str] = (),
    title: str = "Segments in two dimensions (PCA)",
) -> go.Figure:
    """Points on the first two principal components, coloured by segment.

    Parameters
    ----------
    pca : DataFrame of shape (n_points, ...) with columns pc1, pc2, segment (and hover columns)
    k_max : int
        Legend entries prepared (segments 1..k_max); those above the data's k are hidden.
    explained_variance_ratio : the two components' shares of variance
    hover_columns : mapping of column in ``pca`` to its label, shown on hover
    money_columns : hover columns to format as dollars
    """
    hover = [""] * len(pca)
    for column, label in (hover_columns or {}).items():
        fmt = money if column in money_columns else number
        hover = [
            f"{h}<br>{label}: {fmt(v) if isinstance(v, (int, float, np.number)) else v}"
            for h, v in zip(hover, pca[column], strict=True)
        ]
    segments = pca["segment"].to_numpy()
    trace = go.Scattergl if len(pca) > figures.WEBGL_POINTS else go.Scatter
    fig = go.Figure(
        trace(
            x=pca["pc1"],
            y=pca["pc2"],
            mode="markers",
            name="points",
            showlegend=False,
            customdata=segments,
            text=hover,
            marker={"color": colours(segments), "size": 6, "opacity": 0.7},
            hovertemplate="Segment %{customdata}%{text}<extra></extra>",
        )
    )
    k = int(segments.max()) if len(segments) else 0
    for segment in range(1, k_max + 1):
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                name=f"Segment {segment}",
                marker={"color": figures.segment_colour(segment), "size": 8},
                visible=segment <= k,
            )
        )
    ratio = [*explained_variance_ratio, 0.0, 0.0]
    fig.update_layout(
        template=figures.TEMPLATE,
        title=f"{title}<br><sup>{figures.pca_caption(ratio)}</sup>",
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        xaxis_title=f"PC1 ({percent(ratio[0])} of variance)",
        yaxis_title=f"PC2 ({percent(ratio[1])} of variance)",
        height=480,
    )
    return fig


def k_move_patch(segments: Sequence[int] | np.ndarray, *, k: int, k_max: int) -> Any:
    """The change to a :func:`pca_points_figure` when only k moved: colours, hover segments and
    the legend entries in use."""
    from dash import Patch

    patch = Patch()
    segments = np.asarray(segments, dtype=int)
    patch["data"][0]["marker"]["color"] = colours(segments)
    patch["data"][0]["customdata"] = segments.tolist()
    for segment in range(1, k_max + 1):
        patch["data"][segment]["visible"] = segment <= k
    return patch
