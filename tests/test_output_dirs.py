"""Output folders: only custseg's own are replaced, and killed runs leave nothing that piles up."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

from custseg import io
from custseg.cli import run
from custseg.errors import CustsegError
from custseg.output_dirs import (
    MARKER_FILE,
    STALE_AFTER_SECONDS,
    is_custseg_folder,
    remove_abandoned_staging,
    write_marker,
)


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    path = tmp_path / "customers.csv"
    pd.DataFrame(
        {
            "spend": rng.gamma(2, 50, 60),
            "visits": rng.normal(10, 3, 60),
            "age": rng.normal(40, 9, 60),
        }
    ).to_csv(path, index=False)
    return path


def _segment(table, out, *extra):
    return run(
        ["segment", str(table), "--out", str(out), "--k-range", "2-3", "--bootstrap", "0", *extra]
    )


def test_users_folder_with_custseg_file_names_is_refused(table, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    for name, text in (
        ("report.html", "<p>mine</p>"),
        ("summary.json", "{}"),
        ("notes.txt", "precious"),
    ):
        (out / name).write_text(text)
    assert _segment(table, out) == 1
    assert "did not write" in capsys.readouterr().err
    assert (out / "notes.txt").read_text() == "precious"
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt", "report.html", "summary.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "mine"]


def test_previous_run_is_replaced(table, tmp_path):
    out = tmp_path / "run"
    assert _segment(table, out) == 0
    first = json.loads((out / MARKER_FILE).read_text())["run_id"]
    (out / "left-by-the-run.csv").write_text("x")  # the whole folder is replaced
    assert _segment(table, out) == 0
    assert json.loads((out / MARKER_FILE).read_text())["run_id"] != first
    assert not (out / "left-by-the-run.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "run"]


@pytest.mark.parametrize(
    "marker",
    [
        "",
        "custseg-run",
        '{"format": "custseg-run"}',
        '{"format": "custseg-run", "run_id": "not-a-uuid"}',
        '["custseg-run"]',
        '{"format": "custseg-run", "run_id": "' + "0" * 5000 + '"}',
    ],
)
def test_a_forged_or_damaged_marker_is_not_custseg(tmp_path, marker):
    (tmp_path / MARKER_FILE).write_text(marker)
    (tmp_path / "notes.txt").write_text("precious")
    assert not is_custseg_folder(tmp_path)
    with pytest.raises(CustsegError, match="did not write"), io.atomic_output_dir(tmp_path):
        pass
    assert (tmp_path / "notes.txt").read_text() == "precious"


def test_marker_is_written_before_the_rename(tmp_path):
    with io.atomic_output_dir(tmp_path / "run") as staging:
        assert is_custseg_folder(staging)
    assert is_custseg_folder(tmp_path / "run")


@pytest.mark.parametrize(
    "writer",
    [
        "explore",
        "compare",
        "rfm",
    ],
)
def test_every_writer_refuses_a_foreign_folder(writer, table, tmp_path, capsys):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "summary.json").write_text("{}")
    (foreign / "notes.txt").write_text("precious")
    if writer == "explore":
        argv = ["explore", str(table), "--out", str(foreign)]
    elif writer == "compare":
        argv = ["compare", str(tmp_path / "no-run"), "scf2022", "--out", str(foreign)]
    else:
        orders = tmp_path / "orders.csv"
        pd.DataFrame(
            {
                "who": list("aabbcd"),
                "when": [f"2025-01-0{d}" for d in range(1, 7)],
                "paid": [1.0, 2, 3, 4, 5, 6],
            }
        ).to_csv(orders, index=False)
        argv = [
            "rfm",
            str(orders),
            "--customer",
            "who",
            "--date",
            "when",
            "--amount",
            "paid",
            "--out",
            str(tmp_path / "c.csv"),
            "--segment-out",
            str(foreign),
        ]
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert "did not write" in err
    assert ("--segment-out" if writer == "rfm" else "--out") in err
    assert (foreign / "notes.txt").read_text() == "precious"
    assert not (tmp_path / "c.csv").exists()


def test_figure_export_refuses_a_foreign_figures_folder(table, tmp_path, capsys):
    out = tmp_path / "run"
    assert _segment(table, out) == 0
    (out / "figures").mkdir()
    (out / "figures" / "mine.png").write_bytes(b"precious")
    assert run(["report", str(out), "--export", "png"]) == 1
    assert "figures folder" in capsys.readouterr().err
    assert (out / "figures" / "mine.png").read_bytes() == b"precious"


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def _staging(tmp_path, name="run", **changes):
    folder = tmp_path / f".{name}.abc123_x.tmp"
    folder.mkdir()
    write_marker(folder)
    marker = json.loads((folder / MARKER_FILE).read_text())
    marker.update(changes)
    (folder / MARKER_FILE).write_text(json.dumps(marker))
    (folder / "assignments.csv").write_text("half-written")
    return folder


def test_abandoned_staging_folders_are_removed(tmp_path):
    dead = _staging(tmp_path, pid=_dead_pid())
    reused = tmp_path / ".run.reused.tmp.old"
    reused.mkdir()
    write_marker(reused)  # this very process, but "started" at another time: a reused pid
    marker = json.loads((reused / MARKER_FILE).read_text())
    marker["process_started"] -= 1000
    (reused / MARKER_FILE).write_text(json.dumps(marker))
    far_old = _staging(
        tmp_path, name="run2", host="another-machine", created=time.time() - 2 * STALE_AFTER_SECONDS
    )
    assert sorted(remove_abandoned_staging(tmp_path / "run")) == sorted([dead, reused])
    assert remove_abandoned_staging(tmp_path / "run2") == [far_old]
    assert not dead.exists() and not reused.exists() and not far_old.exists()


def test_live_or_foreign_hidden_folders_are_kept(tmp_path):
    live = _staging(tmp_path)  # this process: a run still at work
    recent_remote = _staging(tmp_path, name="run2", host="another-machine", created=time.time())
    unmarked = tmp_path / ".run.user_folder.tmp"
    unmarked.mkdir()
    (unmarked / "notes.txt").write_text("precious")
    other_name = _staging(tmp_path, name="runs", pid=_dead_pid())
    with io.atomic_output_dir(tmp_path / "run") as staging:
        (staging / "summary.json").write_text("{}")
    assert remove_abandoned_staging(tmp_path / "run2") == []
    assert live.exists() and recent_remote.exists() and other_name.exists()
    assert (unmarked / "notes.txt").read_text() == "precious"


KILLED_RUN = """
import sys, time
from custseg import io
with io.atomic_output_dir(sys.argv[1]) as staging:
    (staging / "assignments.csv").write_text("x" * 100_000)
    print("staged", flush=True)
    time.sleep(60)
"""


def test_a_killed_run_leaves_nothing_behind_after_the_next_run(table, tmp_path):
    out = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_RUN, str(out)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout.readline().strip() == "staged"
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".run.")]  # left behind
    assert _segment(table, out) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "run"]


def test_a_staging_folder_of_a_process_we_may_not_inspect_is_kept(tmp_path, monkeypatch):
    import psutil

    folder = _staging(tmp_path, pid=_dead_pid())

    class Hidden:
        def __init__(self, pid):
            raise psutil.AccessDenied(pid)

    monkeypatch.setattr(psutil, "Process", Hidden)
    assert remove_abandoned_staging(tmp_path / "run") == []
    assert folder.exists()
