"""One set of defaults: the command line, the Python API and the dashboard segment alike."""

from types import SimpleNamespace

import numpy as np
import pytest

import custseg.runs
import custseg.segmentation
from custseg import SegmentationConfig, defaults
from custseg.cli import run as cli
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.state import ViewState


class Stop(Exception):
    """Raised by a stand-in to end a command once it has shown what it would do."""


def cli_config(monkeypatch, tmp_path, *options: str) -> SegmentationConfig:
    """The configuration `custseg segment` builds from ``options``, caught before loading or
    fitting anything."""
    seen = []

    def caught(_dataset, config):
        seen.append(config)
        raise Stop

    monkeypatch.setattr(
        custseg.cli_segment, "_load", lambda *a, **k: SimpleNamespace(column_roles=())
    )
    monkeypatch.setattr(custseg.segmentation, "prepare", caught)
    with pytest.raises(Stop):
        cli(["segment", "scf2019", "--out", str(tmp_path / "run"), *options])
    return seen[0]


@pytest.mark.parametrize(
    ("options", "api"),
    [
        ((), {}),
        (("--population", "small-business"), {"population": "small-business"}),
        (
            ("--method", "gmm", "--k", "4", "--transform", "none", "--weight", "none"),
            {"method": "gmm", "k": 4, "transform": "none", "weight": None},
        ),
    ],
)
def test_the_command_line_and_the_api_share_their_defaults(monkeypatch, tmp_path, options, api):
    assert cli_config(monkeypatch, tmp_path, *options) == SegmentationConfig(**api)


def test_the_dashboard_opens_on_the_main_jobs_run():
    opening = Analysis(datasets=[defaults.DASHBOARD_SOURCE]).config(ViewState())
    assert ViewState().dataset == defaults.DASHBOARD_SOURCE
    assert opening == SegmentationConfig(population=defaults.DASHBOARD_SCF_POPULATION)


@pytest.mark.scf
def test_the_command_line_and_the_dashboard_find_the_same_segments(
    monkeypatch, tmp_path, scf_analysis
):
    runs = []
    monkeypatch.setattr(custseg.runs, "save_run", lambda result, *a, **k: runs.append(result))
    options = ["--population", "small-business", "--bootstrap", str(scf_analysis.bootstrap)]
    assert cli(["segment", "scf2019", "--out", str(tmp_path / "run"), *options]) == 0
    command_line = runs[0]
    dashboard = scf_analysis.result(ViewState())
    assert command_line.prepared.config == scf_analysis.config(ViewState())
    assert dashboard.k == command_line.k
    np.testing.assert_array_equal(dashboard.segments, command_line.segments)
    for column in ("name", "size", "share"):
        assert list(dashboard.profiles[column]) == list(command_line.profiles[column])
