"""The dashboard's method selector: validated, part of the URL and of the cache key."""

import pytest
from dash import dcc

from custseg.dashboard.analysis import Analysis
from custseg.dashboard.callbacks import checked_state, controls_from_state, segments_children
from custseg.dashboard.state import ViewState, from_search

DEFAULTS = ViewState()


@pytest.fixture(scope="module")
def analysis():
    return Analysis(datasets=["scf2019"], bootstrap=0)


@pytest.mark.parametrize(
    ("search", "method"),
    [
        ("?method=ward", "ward"),
        ("?method=__import__", "kmeans"),
        ("?method=", "kmeans"),
        ("", "kmeans"),
    ],
)
def test_method_from_the_url_is_checked(search, method):
    state = from_search(search, defaults=DEFAULTS, datasets=["scf2019"], populations=["all"])
    assert state.method == method


def test_method_round_trips_and_splits_the_cache(analysis):
    state = ViewState(method="gmm")
    assert "method=gmm" in state.to_search()
    assert "method" not in ViewState().to_search()  # kmeans URLs are unchanged
    assert state.sweep_key() != ViewState().sweep_key()
    values = controls_from_state(state)
    assert checked_state(analysis, DEFAULTS, values).state == state
    hostile = [{"x": 1} if v == "gmm" else v for v in values]
    checked = checked_state(analysis, DEFAULTS, hostile)
    assert checked.state.method == "kmeans" and checked.messages


def test_ward_view_shows_the_dendrogram(analysis):
    state = ViewState(method="ward", k=4)
    *_, details = segments_children(analysis, DEFAULTS, controls_from_state(state))
    assert details[0].children.startswith("Ward hierarchical: fitted on a seeded")
    graph = details[-1]
    assert isinstance(graph, dcc.Graph)
    assert graph.figure["layout"]["title"]["text"].startswith("Ward hierarchy")
    kmeans = segments_children(analysis, DEFAULTS, controls_from_state(ViewState(k=4)))[-1]
    assert not any(isinstance(child, dcc.Graph) for child in kmeans)
