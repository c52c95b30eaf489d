"""The dashboard's PCA scatter, built so that a k move sends only what changed.

The points (positions and hover values) depend on the configuration, not on k; their segments
depend on k. So the figure is one trace of points coloured by segment number through a fixed
colour scale (segment s gets :func:`custseg.figures.segment_colour` of s), plus one legend entry
per possible segment, and a k move answers with a :class:`dash.Patch` of the segment numbers
(colour and hover) and the legend entries in use: a few kB of integers instead of the whole
figure. The numbers stay numpy arrays, which the JSON encoder writes in one pass.

The hover values travel once per configuration as a matrix of formatted values, their labels
written once in the hover template (labelled text per point was four fifths of the figure), and
the positions as 32-bit floats: a full figure of 1,500 points is about 125 kB.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from custseg import figures
from custseg.figure_layout import framed
from custseg.formatting import money, number, percent


def colour_scale(k_max: int) -> list[list]:
    """A step colour scale over segment numbers 1..k_max (with ``cmin=0.5, cmax=k_max+0.5``):
    each segment's band has its colour, the same as in every other figure."""
    scale: list[list] = []
    for segment in range(1, k_max + 1):
        colour = figures.segment_colour(segment)
        scale += [[(segment - 1) / k_max, colour], [segment / k_max, colour]]
    return scale


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
    columns = dict(hover_columns or {})
    hover = np.empty((len(pca), len(columns)), dtype=object)
    for j, column in enumerate(columns):
        fmt = money if column in money_columns else number
        hover[:, j] = [
            fmt(v) if isinstance(v, (int, float, np.number)) else str(v) for v in pca[column]
        ]
    template = "".join(
        f"<br>{label}: %{{customdata[{j}]}}" for j, label in enumerate(columns.values())
    )
    segments = pca["segment"].to_numpy(dtype=np.int16)
    trace = go.Scattergl if len(pca) > figures.WEBGL_POINTS else go.Scatter
    traces = [
        trace(
            x=pca["pc1"].to_numpy(dtype=np.float32),
            y=pca["pc2"].to_numpy(dtype=np.float32),
            mode="markers",
            name="points",
            showlegend=False,
            customdata=hover if columns else None,
            marker={
                "color": segments,
                "colorscale": colour_scale(k_max),
                "cmin": 0.5,
                "cmax": k_max + 0.5,
                "size": 6,
                "opacity": 0.7,
            },
            # Every per-point attribute is available to the template: the segment is the colour.
            hovertemplate=f"Segment %{{marker.color}}{template}<extra></extra>",
        )
    ]
    k = int(segments.max()) if len(segments) else 0
    for segment in range(1, k_max + 1):
        traces.append(
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
    return framed(
        traces,
        f"{title}<br><sup>{figures.pca_caption(ratio)}</sup>",
        xaxis={"title": {"text": f"PC1 ({percent(ratio[0])} of variance)"}},
        yaxis={"title": {"text": f"PC2 ({percent(ratio[1])} of variance)"}},
        height=480,
    )


def k_move_patch(segments: Sequence[int] | np.ndarray, *, k: int, k_max: int) -> Any:
    """The change to a :func:`pca_points_figure` when only k moved: the points' segments (their
    colour, which the hover also shows) and the legend entries in use."""
    from dash import Patch

    patch = Patch()
    segments = np.asarray(segments, dtype=np.int16)
    patch["data"][0]["marker"]["color"] = segments
    for segment in range(1, k_max + 1):
        patch["data"][segment]["visible"] = segment <= k
    return patch
