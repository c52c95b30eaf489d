"""Figures of the segmentation methods: Ward's dendrogram and the agreement between methods.
Pure functions of computed results, like :mod:`custseg.figures`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from custseg.figure_layout import framed


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
    branches = [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"color": "#555", "width": 1.5},
            hoverinfo="y",
            showlegend=False,
        )
        for xs, ys in zip(tree["icoord"], tree["dcoord"], strict=True)
    ]
    heights = list(tree["heights"])
    cut_line: dict[str, list] = {}
    if 1 < k <= len(heights):
        cut = (heights[k - 2] + heights[k - 1]) / 2
        # a dashed line across the plot at the cut, labelled above its right end
        cut_line["shapes"] = [
            {
                "line": {"color": "#d62728", "dash": "dash"},
                "type": "line",
                "x0": 0,
                "x1": 1,
                "xref": "x domain",
                "y0": cut,
                "y1": cut,
                "yref": "y",
            }
        ]
        cut_line["annotations"] = [
            {
                "showarrow": False,
                "text": f"cut: {k} segments",
                "x": 1,
                "xanchor": "right",
                "xref": "x domain",
                "y": cut,
                "yanchor": "bottom",
                "yref": "y",
            }
        ]
    positions = [5 + 10 * i for i in range(len(tree["leaf_labels"]))]
    return framed(
        branches,
        "Ward hierarchy: the top branches<br><sup>merge height: how much the spread within"
        " segments grows when two branches join</sup>",
        xaxis={
            "title": {"text": "branches (rows under each, in brackets when several)"},
            "tickmode": "array",
            "tickvals": positions,
            "ticktext": tree["leaf_labels"],
        },
        yaxis={"title": {"text": "merge height"}},
        height=420,
        **cut_line,
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
    heatmap = go.Heatmap(
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
    return framed(
        [heatmap],
        "Do the methods find the same segments? (adjusted Rand index)",
        yaxis={"autorange": "reversed"},
        height=420,
    )
