"""Figures are checked by their data, not their pixels."""

import numpy as np
import pandas as pd
import pytest

from custseg import figures


def test_variance_figure_highlights_selected():
    scores = pd.Series([9.0, 4.0, 1.0], index=["ASSET", "BUS", "AGE"])
    fig = figures.variance_figure(
        scores, labels={"ASSET": "Total assets"}, selected=["ASSET"], trimmed=True, top=2
    )
    bar = fig.data[0]
    assert list(bar.customdata) == ["BUS", "ASSET"]  # lowest at the bottom
    assert list(bar.x) == [4.0, 9.0]
    assert bar.y[1] == "Total assets (ASSET)"
    assert list(bar.marker.color) == [figures.OTHER_COLOUR, figures.SELECTED_COLOUR]
    assert "Trimmed" in fig.layout.title.text


def test_sweep_figure_marks_chosen_and_recommended():
    sweep = pd.DataFrame(
        {"k": [2, 3, 4], "inertia": [30.0, 20.0, 15.0], "silhouette": [0.5, 0.6, 0.4]}
    )
    fig = figures.sweep_figure(sweep, k=4, recommended_k=3)
    marks = {(t.name, t.xaxis): (list(t.x), list(t.y)) for t in fig.data if t.mode == "markers"}
    assert marks[("chosen k", "x")] == ([4], [15.0])
    assert marks[("recommended k", "x2")] == ([3], [0.6])


def test_sweep_figure_shows_the_smallest_segment_the_k_rule_checks():
    sweep = pd.DataFrame(
        {
            "k": [2, 3],
            "inertia": [30.0, 20.0],
            "silhouette": [0.5, 0.6],
            "min_segment_share": [0.3, 0.01],
        }
    )
    fig = figures.sweep_figure(sweep, k=3, recommended_k=2)
    assert [a.text for a in fig.layout.annotations][-1] == "Smallest segment (share)"
    curve = next(t for t in fig.data if t.name == "min_segment_share")
    assert list(curve.y) == [0.3, 0.01]


def test_pca_figure_one_trace_per_segment_with_hover():
    pca = pd.DataFrame(
        {
            "pc1": [0.0, 1.0, 2.0],
            "pc2": [0.0, 1.0, 0.5],
            "segment": [1, 2, 1],
            "NETWORTH": [1e6, 2e3, 5.0],
        }
    )
    fig = figures.pca_figure(
        pca,
        explained_variance_ratio=[0.7, 0.2],
        hover_columns={"NETWORTH": "Net worth"},
        money_columns=["NETWORTH"],
    )
    assert [t.name for t in fig.data] == ["Segment 1", "Segment 2"]
    assert list(fig.data[0].x) == [0.0, 2.0]
    assert fig.data[0].text[0] == "Segment 1<br>Net worth: $1M"
    assert fig.layout.xaxis.title.text == "PC1 (70.0% of variance)"


def test_pca_figure_uses_webgl_for_many_points():
    pca = pd.DataFrame({"pc1": np.zeros(6000), "pc2": 0.0, "segment": 1})
    assert figures.pca_figure(pca, explained_variance_ratio=[1, 0]).data[0].type == "scattergl"


def test_profile_figure_text_in_original_units():
    profiles = pd.DataFrame(
        {"segment": [1, 2], "INCOME_median": [50_000.0, 2_500_000.0], "AGE_median": [40.0, 60.0]}
    )
    fig = figures.profile_figure(
        profiles,
        features=["INCOME", "AGE"],
        labels={"INCOME": "Income", "AGE": "Age"},
        money_columns=["INCOME"],
    )
    heat = fig.data[0]
    assert [list(r) for r in heat.text] == [["$50k", "40"], ["$2.5M", "60"]]
    np.testing.assert_allclose(heat.z, [[-1, -1], [1, 1]])


def test_profile_figure_shows_a_flags_share_of_yes_coloured_like_the_medians():
    profiles = pd.DataFrame(
        {
            "segment": [1, 2],
            "AGE_median": [40.0, 60.0],
            "OWN_median": [1.0, 0.0],
            "OWN_mean": [0.78, 0.3],
        }
    )
    fig = figures.profile_figure(
        profiles, features=["AGE", "OWN"], labels={"OWN": "Owns a home"}, flag_columns=["OWN"]
    )
    heat = fig.data[0]
    assert [list(r) for r in heat.text] == [["40", "78%"], ["60", "30%"]]
    np.testing.assert_allclose(heat.z, [[-1, 1], [1, -1]])
    assert [list(r) for r in heat.customdata][0] == ["median", "share of yes"]
    assert "share of yes for yes/no features" in fig.layout.title.text


@pytest.mark.parametrize(
    ("value", "text"), [(1_234_567, "$1.23M"), (-45_000, "-$45k"), (999, "$999"), (2.5e9, "$2.5B")]
)
def test_money_format(value, text):
    from custseg.formatting import money

    assert money(value) == text


def test_profile_figure_states_the_dollar_year():
    profiles = pd.DataFrame(
        {"segment": [1, 2], "INCOME_median": [5e4, 9e4], "AGE_median": [40, 60]}
    )
    kwargs = {"features": ["INCOME", "AGE"], "labels": {}, "money_columns": ["INCOME"]}
    fig = figures.profile_figure(profiles, dollars_of=2019, **kwargs)
    assert "amounts in 2019 dollars" in fig.layout.title.text
    assert "dollars" not in figures.profile_figure(profiles, **kwargs).layout.title.text


def test_compare_figure_hover_shows_the_share_with_its_se():
    table = pd.DataFrame(
        {
            "segment": [1, 2],
            "name": ["Savers", "Spenders"],
            "share_a": [0.756, 0.244],
            "share_se_a": [0.011, 0.011],
            "share_b": [0.705, 0.295],
        }
    )
    fig = figures.compare_figure(table, base="a", other="b")
    assert [list(row) for row in fig.data[0].customdata] == [
        ["Savers", "75.6% ± 1.1"],
        ["Spenders", "24.4% ± 1.1"],
    ]
    assert list(fig.data[1].customdata[:, 1]) == ["70.5%", "29.5%"]
    assert fig.data[1].error_y.array is None


def test_variance_figure_does_not_repeat_a_label_that_is_the_name():
    scores = pd.Series([2.0, 1.0], index=["Age", "AGE"])
    fig = figures.variance_figure(
        scores, labels={"Age": "Age", "AGE": "Age of head"}, selected=[], trimmed=False
    )
    assert list(fig.data[0].y) == ["Age of head (AGE)", "Age"]
