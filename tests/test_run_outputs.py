"""Run folders without the report or the model (segment --no-report / --no-model): what they
hold, and every command that reads a run folder on them."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from custseg.cli import run
from custseg.errors import CustsegError
from custseg.model import MODEL_FILENAME, SegmentModel
from custseg.run_outputs import was_written
from custseg.runs import REPORT_FILE, RunData

#: Every run folder has these, whatever it leaves out.
TABLES = {"summary.json", "sweep.csv", "profiles.csv", "pca.csv", "assignments.csv"}
EXPLAINING = {"rules.csv", "compare_segments.csv", "charts.json"}
FOLDERS = {
    "full": [],
    "no_report": ["--no-report"],
    "lean": ["--no-report", "--no-model"],
}


def _snapshot(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir() if p.is_file()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The same segmentation of three groups written whole, without the report, and without
    the report and the model."""
    folder = tmp_path_factory.mktemp("outputs")
    rng = np.random.default_rng(3)
    centres = [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)]
    frame = pd.concat(
        [
            pd.DataFrame(rng.normal(c, 1.0, size=(40, 2)), columns=["spend", "visits"])
            for c in centres
        ],
        ignore_index=True,
    )
    frame.insert(0, "customer_id", np.arange(500, 500 + len(frame)))
    source = folder / "customers.csv"
    frame.to_csv(source, index=False)
    common = ["--features", "spend,visits", "--k", "3", "--k-range", "2-4", "--bootstrap", "0"]
    folders = {}
    for name, options in FOLDERS.items():
        folders[name] = folder / name
        assert run(["segment", str(source), "--out", str(folders[name]), *common, *options]) == 0
    return source, folders


@pytest.mark.parametrize("name", FOLDERS)
def test_a_run_writes_and_records_the_outputs_asked_for(runs, name):
    folder = runs[1][name]
    files = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    report, model = "--no-report" not in FOLDERS[name], "--no-model" not in FOLDERS[name]
    expected = TABLES | ({REPORT_FILE, *EXPLAINING} if report else set())
    assert files == expected | ({MODEL_FILENAME} if model else set())
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["outputs"] == {"report": report, "model": model}
    assert ("rules" in summary) == report  # the explanation is not computed for a lean run


@pytest.mark.parametrize("table", sorted(TABLES - {"summary.json"}))
def test_leaving_outputs_out_changes_no_table(runs, table):
    folders = runs[1]
    full = pd.read_csv(folders["full"] / table)
    for name in ("no_report", "lean"):
        pd.testing.assert_frame_equal(pd.read_csv(folders[name] / table), full)


def test_the_summary_differs_only_in_its_outputs_and_rules(runs):
    folders = runs[1]
    full, lean = (json.loads((folders[n] / "summary.json").read_text()) for n in ("full", "lean"))
    for summary in (full, lean):
        summary.pop("outputs")
        summary.pop("created", None)
    full.pop("rules")
    assert lean.keys() == full.keys()
    assert lean["segments"] == full["segments"] and lean["metrics"] == full["metrics"]


def _fails(argv, capsys, *messages):
    assert run([str(a) for a in argv]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for message in messages:
        assert message in " ".join(err.split())


@pytest.mark.parametrize(
    "command",
    [
        ["predict", "{run}", "--input", "{source}", "--out", "{tmp}/scored.csv"],
        ["compare", "{run}", "{source}", "--out", "{tmp}/compared"],
        ["export", "{run}", "--audiences", "{tmp}/audiences"],
        ["relabel", "{run}", "--name", "1=Big spenders"],
    ],
    ids=lambda command: command[0],
)
def test_commands_that_need_the_model_name_the_option_that_left_it_out(
    runs, command, tmp_path, capsys
):
    source, folders = runs
    before = _snapshot(folders["lean"])
    values = {"run": folders["lean"], "source": source, "tmp": tmp_path}
    _fails([part.format(**values) for part in command], capsys, "has no model", "--no-model")
    assert _snapshot(folders["lean"]) == before
    assert not list(tmp_path.iterdir())


def test_loading_the_model_from_python_names_the_option(runs):
    with pytest.raises(CustsegError, match="--no-model"):
        SegmentModel.load(runs[1]["lean"])


def test_report_rebuilds_a_lean_runs_report_and_says_what_it_lacks(runs, tmp_path, capsys):
    import shutil

    folder = tmp_path / "run"
    shutil.copytree(runs[1]["lean"], folder)
    assert run(["report", str(folder)]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "--no-report" in err and "shows its tables and figures only" in err
    page = (folder / REPORT_FILE).read_text()
    assert "Segments in two dimensions" in page and "Rules" not in page


def test_the_dashboard_shows_a_lean_run_and_says_what_it_lacks(runs):
    from custseg.dashboard.app import create_app

    layout = str(create_app(str(runs[1]["lean"])).layout)
    assert "run-pca" in layout and "--no-report" in layout


def test_relabel_keeps_a_run_without_its_report(runs, tmp_path):
    import shutil

    source, folders = runs
    folder = tmp_path / "run"
    shutil.copytree(folders["no_report"], folder)
    assert run(["relabel", str(folder), "--name", "1=Big spenders", "--merge", "2,3"]) == 0
    files = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
    assert files == TABLES | {MODEL_FILENAME}
    summary = json.loads((folder / "summary.json").read_text())
    assert not was_written(summary, "report") and summary["k"] == 2
    assert "Big spenders" in pd.read_csv(folder / "profiles.csv")["name"].tolist()
    assert (
        run(["predict", str(folder), "--input", str(source), "--out", str(tmp_path / "s.csv")]) == 0
    )
    assert RunData.load(folder).explanation is None


def _edited_copy(folder, tmp_path, edit):
    import shutil

    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    summary = json.loads((copy / "summary.json").read_text())
    (copy / "summary.json").write_text(json.dumps(edit(summary)))
    return copy


def _without_segments(summary):
    del summary["segments"]
    return summary


def _shares_as_text(summary):
    for entry in summary["segments"]:
        entry["share"] = "large"
    return summary


@pytest.mark.parametrize(
    "edit",
    [lambda summary: [summary], _without_segments, _shares_as_text],
    ids=["list", "no segments", "shares as text"],
)
@pytest.mark.parametrize(
    "command",
    [
        ["report", "{run}"],
        ["export", "{run}", "--audiences", "{tmp}/audiences"],
        ["relabel", "{run}", "--name", "1=Big spenders"],
    ],
    ids=lambda command: command[0],
)
def test_hand_edited_summaries_are_one_message(runs, command, edit, tmp_path, capsys):
    folder = _edited_copy(runs[1]["full"], tmp_path, edit)
    before = _snapshot(folder)
    values = {"run": folder, "tmp": tmp_path}
    _fails([part.format(**values) for part in command], capsys, "is damaged:")
    assert _snapshot(folder) == before


def test_relabel_refuses_a_folder_custseg_did_not_write_before_any_work(
    runs, tmp_path, monkeypatch, capsys
):
    from custseg.output_dirs import MARKER_FILE

    folder = _edited_copy(runs[1]["full"], tmp_path, lambda summary: summary)
    (folder / MARKER_FILE).unlink()
    (folder / "notes.txt").write_text("the user's own")
    before = _snapshot(folder)
    monkeypatch.setattr("custseg.run_edit.reload_training", lambda *a, **k: pytest.fail("work"))
    _fails(["relabel", folder, "--name", "1=Big spenders"], capsys, "custseg did not write")
    assert _snapshot(folder) == before


def test_the_dashboard_names_a_run_whose_files_do_not_fit_together(runs, tmp_path):
    from custseg.dashboard.app import create_app

    folder = _edited_copy(runs[1]["full"], tmp_path, lambda summary: summary)
    pd.DataFrame({"a": [1.0], "b": [2.0]}).to_csv(folder / "pca.csv", index=False)
    with pytest.raises(CustsegError, match="is damaged: its files do not describe a run"):
        create_app(str(folder))
