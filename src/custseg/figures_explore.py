"""Plotly figures of the data before segmentation (shares of codes, distributions), each a
pure function of computed tables (tests check their data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from custseg.figure_layout import framed
from custseg.formatting import count


def share_figure(table: pd.DataFrame, *, title: str) -> go.Figure:
    """Bars of a :func:`custseg.explore.share_table`: rows, and weighted if present."""
    bars = [
        go.Bar(x=table["label"], y=table["share"], name="share of rows", marker_color="#9ecae1")
    ]
    if "weighted_share" in table:
        bars.append(
            go.Bar(
                x=table["label"],
                y=table["weighted_share"],
                name="weighted share (population)",
                marker_color="#1f77b4",
            )
        )
    return framed(bars, title, barmode="group", yaxis={"tickformat": ".0%"}, height=360)


def grouped_share_figure(table: pd.DataFrame, *, title: str, x_title: str) -> go.Figure:
    """Grouped bars of a :func:`custseg.explore.share_by_group` table, one colour per group."""
    return framed(
        [go.Bar(x=list(table.index), y=table[group], name=str(group)) for group in table.columns],
        title,
        barmode="group",
        yaxis={"tickformat": ".0%", "title": {"text": "share within group"}},
        xaxis={"title": {"text": x_title}},
        height=380,
    )


def distribution_figure(
    values: np.ndarray,
    *,
    label: str,
    bins: int = 40,
    as_money: bool = True,
    weights: np.ndarray | None = None,
    unit: str = "rows",
    dollars_of: int | None = None,
) -> go.Figure:
    """Histogram of positive values with logarithmic bins on a log axis.

    With ``weights`` (same shape as ``values``) the bars are weighted counts in ``unit``
    (e.g. US households); without, they count rows.
    """
    values = np.asarray(values, dtype=float)
    keep = np.isfinite(values) & (values > 0)
    values = values[keep]
    weights = None if weights is None else np.asarray(weights, dtype=float)[keep]
    counted = f"{unit} (weighted)" if weights is not None else "rows"
    bars = []
    if values.size:
        low, high = np.log10(values.min()), np.log10(values.max())
        edges = np.logspace(low, high if high > low else low + 1, bins + 1)
        counts, edges = np.histogram(values, bins=edges, weights=weights)
        centres = np.sqrt(edges[:-1] * edges[1:])
        bars.append(
            go.Bar(
                x=centres,
                y=counts,
                width=np.diff(edges),
                marker_color="#1f77b4",
                name=label,
                customdata=[count(c) if weights is not None else f"{c:,.0f}" for c in counts],
                hovertemplate="%{x:.3s}: %{customdata} " + counted + "<extra></extra>",
            )
        )
    dollars = f"{dollars_of} $" if dollars_of else "$"
    scale = f" ({dollars}, log scale)" if as_money else " (log scale)"
    return framed(
        bars,
        f"Distribution of {label} (positive values)",
        xaxis={"type": "log", "title": {"text": f"{label}{scale}"}},
        yaxis={"title": {"text": counted}},
        height=320,
        bargap=0,
    )
