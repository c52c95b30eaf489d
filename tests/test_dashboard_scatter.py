"""A k move sends small patches (the scatter's colours, the sweep's chosen-k markers) that turn
the figures into the new k's."""

from __future__ import annotations

import json

import numpy as np
import pytest
from plotly.utils import PlotlyJSONEncoder

from custseg import figures
from custseg.dashboard import ids
from custseg.dashboard.callbacks import SEGMENT_OUTPUTS, controls_from_state, segments_children
from custseg.dashboard.scatter import colour_scale, k_move_patch
from custseg.dashboard.state import K_MAX, ViewState
from custseg.dashboard.views import sweep_k_patch

pytestmark = pytest.mark.scf


@pytest.fixture
def analysis(scf_analysis):
    return scf_analysis


def apply(patch, figure: dict) -> dict:
    """Apply a dash.Patch's operations the way dash-renderer does (assignments only)."""
    figure = json.loads(json.dumps(figure, cls=PlotlyJSONEncoder))
    for operation in patch.to_plotly_json()["operations"]:
        assert operation["operation"] == "Assign"
        *path, last = operation["location"]
        target = figure
        for key in path:
            target = target[key]
        target[last] = json.loads(json.dumps(operation["params"]["value"], cls=PlotlyJSONEncoder))
    return figure


def test_each_segment_number_falls_in_its_colour_band():
    scale = colour_scale(K_MAX)
    for segment in range(1, K_MAX + 1):
        position = (segment - 0.5) / K_MAX  # with cmin 0.5 and cmax K_MAX + 0.5
        below = [c for start, c in scale if start <= position][-1]
        above = [c for start, c in scale if start >= position][0]
        assert below == above == figures.segment_colour(segment)


def test_patch_turns_one_k_into_another(analysis):
    before = analysis.view(ViewState(k=3))
    after = analysis.view(ViewState(k=6))
    patched = apply(k_move_patch(after.pca_segments, k=6, k_max=K_MAX), before.pca)
    points = patched["data"][0]
    assert points["marker"]["color"] == after.pca_segments.tolist()
    visible = [t["name"] for t in patched["data"][1:] if t["visible"]]
    assert visible == [f"Segment {s}" for s in range(1, 7)]
    swept = apply(sweep_k_patch(after.sweep), before.sweep)  # the chosen-k markers and title
    assert swept == json.loads(json.dumps(after.sweep, cls=PlotlyJSONEncoder))
    # positions and hover values are the same for every k of a configuration
    assert patched["data"][0]["x"] == json.loads(
        json.dumps(after.pca["data"][0]["x"], cls=PlotlyJSONEncoder)
    )


def test_a_k_move_sends_a_fraction_of_the_full_answer(analysis):
    values = controls_from_state(ViewState(k=5))
    full = segments_children(analysis, ViewState(), values)
    moved = segments_children(analysis, ViewState(), values, only_k_moved=True)
    size = {
        name: len(json.dumps(answer, cls=PlotlyJSONEncoder))
        for name, answer in (("full", full), ("moved", moved))
    }
    assert size["moved"] < size["full"] / 4
    pca = [i for i, (component, _) in enumerate(SEGMENT_OUTPUTS) if component == ids.PCA_GRAPH]
    assert np.array_equal(
        apply(moved[pca[0]], full[pca[0]])["data"][0]["marker"]["color"],
        analysis.view(ViewState(k=5)).pca_segments,
    )
