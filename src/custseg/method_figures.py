"""Figures of the segmentation methods: Ward's dendrogram and the agreement between methods.
Pure functions of computed results, like :mod:`custseg.figures`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from custseg.figure_layout import tidy


def dendrogram_figure(tree: Mapping[str, Any], *, k: int) -> go.Figure:
    """The top branches of a Ward tree, with the cut that gives ``k`` segments.

    Parameters
    ----------
    tree : mapping
        ``icoord``, ``dcoord`` (one 4-point line per merge), ``leaf_labels`` and ``heights``
        (merge heights, highest first), as :func:`custseg.engine.ward.dendrogram_data` gives.
    k : int
        The chosen number of segments: the cut is drawn between the (k-1)-th and k-th highest
        merges.
    """
    fig = go.Figure()
    for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": "#555", "width": 1.5},
                hoverinfo="y",
                showlegend=False,
            )
        )
    heights = list(tree["heights"])
    if 1 < k <= len(heights):
        cut = (heights[k - 2] + heights[k - 1]) / 2
        fig.add_hline(
            y=cut,
            line={"color": "#d62728", "dash": "dash"},
            annotation_text=f"cut: {k} segments",
            annotation_position="top right",
        )
    positions = [5 + 10 * i for i in range(len(tree["leaf_labels"]))]
    fig.update_xaxes(
        tickmode="array",
        tickvals=positions,
        ticktext=tree["leaf_labels"],
        title_text="branches (rows under each, in brackets when several)",
    )
    fig.update_yaxes(title_text="merge height")
    return tidy(
        fig,
        "Ward hierarchy: the top branches<br><sup>merge height: how much the spread within"
        " segments grows when two branches join</sup>",
        height=420,
    )


def method_agreement_figure(table: pd.DataFrame) -> go.Figure:
    """Heat map of the adjusted Rand agreement between every pair of methods.

    Parameters
    ----------
    table : DataFrame
        ``method`` and one ``ari_<method>`` column per method, as
        :class:`custseg.methods.MethodComparison` gives.
    """
    names = list(table["method"])
    values = table[[f"ari_{name}" for name in names]].to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=names,
            y=names,
            zmin=0,
            zmax=1,
            colorscale="Blues",
            text=[[f"{v:.2f}" for v in row] for row in values],
            texttemplate="%{text}",
            colorbar={"title": "ARI"},
        )
    )
    fig.update_yaxes(autorange="reversed")
    return tidy(fig, "Do the methods find the same segments? (adjusted Rand index)", height=420)
