"""Figures of the data before segmentation, checked by their data."""

import numpy as np
import pandas as pd

from custseg import figures_explore


def test_distribution_figure_bins_on_log_scale():
    fig = figures_explore.distribution_figure(
        np.array([1, 10, 100, 1000, 0, -5.0]), label="X", bins=3
    )
    assert fig.data[0].y.sum() == 4
    np.testing.assert_allclose(fig.data[0].x, [np.sqrt(10), np.sqrt(1000), np.sqrt(1e5)])
    assert fig.layout.xaxis.type == "log"
    assert list(fig.data[0].customdata) == ["1", "1", "2"]


def test_weighted_histogram_hover_counts_households_like_every_size():
    fig = figures_explore.distribution_figure(
        np.array([10.0, 1000.0]),
        label="X",
        bins=2,
        weights=np.array([609_303, 8_312_345]),
        unit="US households",
    )
    assert list(fig.data[0].customdata) == ["610,000", "8.3 M"]
    assert "%{customdata} US households (weighted)" in fig.data[0].hovertemplate


def test_share_figures():
    table = pd.DataFrame(
        {"label": ["No", "Yes"], "share": [0.7, 0.3], "weighted_share": [0.9, 0.1]}
    )
    fig = figures_explore.share_figure(table, title="t")
    assert [list(t.y) for t in fig.data] == [[0.7, 0.3], [0.9, 0.1]]
    grouped = pd.DataFrame({"A": [0.2, 0.8], "B": [0.5, 0.5]}, index=["low", "high"])
    fig = figures_explore.grouped_share_figure(grouped, title="t", x_title="x")
    assert [t.name for t in fig.data] == ["A", "B"] and list(fig.data[1].y) == [0.5, 0.5]
