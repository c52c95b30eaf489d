"""Every k computed ahead of the user, configurations that resolve alike computed once, and large
tables fitted on a seeded sample: small synthetic tables, no browser."""

from __future__ import annotations

import os
import shlex
import signal
import threading
import time
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import custseg.dashboard.analysis as analysis_module
from custseg import threads
from custseg.dashboard import views
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.callbacks import controls_from_state, segments_children
from custseg.dashboard.large import SAMPLE_BOOTSTRAP, SAMPLE_N_INIT, full_fit_commands, sample_table
from custseg.dashboard.precompute import Precomputer, precompute_order
from custseg.dashboard.state import ViewState
from custseg.dashboard.status import precompute_status, sample_note
from custseg.dataset import Dataset, Population


@pytest.mark.parametrize(
    ("recommended", "ks", "first", "expected"),
    [
        (4, range(2, 8), 3, [3, 4, 5, 2, 6, 7]),
        (2, range(2, 6), None, [2, 3, 4, 5]),
        (12, range(2, 13), 12, [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2]),
        (5, [2, 3, 5, 8], 13, [5, 3, 2, 8]),  # a density method's ks; 13 was not swept
    ],
)
def test_precompute_order_starts_at_the_page_then_the_recommended_k(
    recommended, ks, first, expected
):
    assert precompute_order(recommended, ks, first=first) == expected


def test_precomputer_computes_each_configuration_once_in_order():
    calls = []
    precomputer = Precomputer(
        resolve=lambda state: replace(state, k=0, select="auto"),  # every choice resolves alike
        sweep=lambda state: (4, range(2, 8)),
        steps=[lambda state: calls.append((state.select, state.k))],
        thread_budget=1,
    )
    state = ViewState(k=3)
    assert not precomputer.progress(state).done
    precomputer.request(state)
    assert precomputer.wait(timeout=30)
    assert calls == [("auto", k) for k in (3, 4, 5, 2, 6, 7)]
    assert precomputer.progress(replace(state, select="variance", k=7)).done
    precomputer.request(replace(state, select="variance"))  # resolves alike: already done
    assert precomputer.wait(timeout=30) and len(calls) == 6


def _sleepy_precomputer(calls: list, held: threading.Lock) -> Precomputer:
    """Every step holds ``held`` for a while, as the analysis holds a key's lock while it
    computes."""

    def step(state):
        with held:
            time.sleep(0.02)
            calls.append((os.getpid(), state.k))

    return Precomputer(
        resolve=lambda state: replace(state, k=0),
        sweep=lambda state: (7, range(2, 13)),
        steps=[step],
        thread_budget=1,
    )


def _exit_status(pid: int, timeout: float = 60) -> int | None:
    """The forked child's exit status, or None (killed) if it hangs."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="a forking server")
def test_a_forked_worker_finishes_the_work_its_parent_was_doing():
    calls, held = [], threading.Lock()
    precomputer = _sleepy_precomputer(calls, held)
    state = ViewState(k=7)
    precomputer.request(state)
    while len(calls) < 3:
        time.sleep(0.005)
    pid = os.fork()  # in the middle of the work; a step holds the lock most of the time
    if pid == 0:
        finished = precomputer.wait(timeout=30) and precomputer.progress(state).done
        ran_here = any(p == os.getpid() for p, _ in calls)
        os._exit(0 if finished and ran_here else 1)
    assert precomputer.wait(timeout=30) and precomputer.progress(state).done
    assert _exit_status(pid) == 0
    assert sorted(k for _, k in calls) == list(range(2, 13))  # the parent's own, once each


def test_computed_before_fork_without_a_thread_until_work_is_asked_about():
    calls, held = [], threading.Lock()
    precomputer = _sleepy_precomputer(calls, held)
    before = set(threading.enumerate())
    opening, other = ViewState(k=7), ViewState(k=7, population="other")
    precomputer.compute_before_fork(opening)
    precomputer.request(other, urgent=False, start=False)
    assert set(threading.enumerate()) == before  # nothing running when the server forks
    assert [k for _, k in calls] == precompute_order(7, range(2, 13), first=7)
    assert not precomputer.progress(other).done  # asking starts the thread
    assert precomputer.wait(timeout=30) and precomputer.progress(other).done


def test_computed_before_fork_on_one_native_thread():
    from threadpoolctl import threadpool_info

    seen = []
    precomputer = Precomputer(
        resolve=lambda state: replace(state, k=0),
        sweep=lambda state: (2, range(2, 4)),
        steps=[
            lambda state: seen.append(
                (threads.current(), {i["num_threads"] for i in threadpool_info()})
            )
        ],
        thread_budget=2,
    )
    precomputer.compute_before_fork(ViewState(k=2))
    assert seen == [(1, {1}), (1, {1})]


def test_preloading_app_computes_the_opening_view_and_queues_the_rest(blobs_csv, monkeypatch):
    from custseg.dashboard import app as app_module

    asked = []

    class Recording(Precomputer):
        def compute_before_fork(self, state):
            asked.append(("now", state.select))

        def request(self, state, *, urgent=True, start=True):
            asked.append(("queued" if not start else "started", state.select))

    monkeypatch.setattr(app_module, "Precomputer", Recording)
    app_module.create_app(blobs_csv, preload=True)
    assert asked[0] == ("now", "auto")
    assert {how for how, _ in asked[1:]} == {"queued"} and len(asked) == 3


@pytest.fixture(scope="module")
def blobs_csv(tmp_path_factory):
    """Three groups of customers in two features (and a constant column), as a CSV."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 20.0]])
    points = np.vstack([rng.normal(c, 0.5, size=(30, 2)) for c in centres])
    frame = pd.DataFrame({"customer": np.arange(90), "spend": points[:, 0], "visits": points[:, 1]})
    path = tmp_path_factory.mktemp("blobs") / "blobs.csv"
    frame.assign(flat=1.0).to_csv(path, index=False)
    return str(path)


def blobs_state(source: str, **changes) -> ViewState:
    state = ViewState(
        dataset=source,
        population="all",
        weighted=False,
        select="trimmed-variance",
        n_features=2,
        k=3,
    )
    return replace(state, **changes)


@pytest.fixture(scope="module")
def blobs_analysis(blobs_csv):
    return Analysis(datasets=[blobs_csv], bootstrap=0)


def test_states_that_choose_the_same_features_share_one_sweep(blobs_csv, monkeypatch):
    calls = []
    real = analysis_module.run_sweep
    monkeypatch.setattr(analysis_module, "run_sweep", lambda p: calls.append(1) or real(p))
    analysis = Analysis(datasets=[blobs_csv], bootstrap=0)
    trimmed = blobs_state(blobs_csv)
    variants = [
        trimmed,
        replace(trimmed, select="variance"),
        replace(trimmed, features=("visits", "spend")),
    ]
    keys = {analysis.resolve(state) for state in variants}
    assert len(keys) == 1 and next(iter(keys)).features == ("spend", "visits")
    views_ = [analysis.view(state) for state in variants]
    assert len(calls) == 1
    assert views_[0].pca is views_[1].pca  # one computed view, only the variance bars differ
    assert "Trimmed" in views_[0].variance["layout"]["title"]["text"]
    assert views_[1].variance["layout"]["title"]["text"].startswith("Variance")


def test_a_first_visit_after_warm_up_is_a_cache_lookup(blobs_analysis, blobs_csv, monkeypatch):
    precomputer = Precomputer(
        resolve=blobs_analysis.resolve,
        sweep=lambda s: (blobs_analysis.sweep(s)[1].recommendation.k, range(2, 13)),
        steps=[blobs_analysis.view],
    )
    state = blobs_state(blobs_csv)
    precomputer.request(state)
    assert precomputer.wait(timeout=120) and precomputer.progress(state).done

    def not_again(*args, **kwargs):
        raise AssertionError("computed on a visit after the warm-up")

    monkeypatch.setattr(analysis_module, "finish", not_again)
    monkeypatch.setattr(views, "segments_view", not_again)
    for k in range(2, 13):
        metrics, *_ = segments_children(
            blobs_analysis, state, controls_from_state(replace(state, k=k)), only_k_moved=True
        )
        assert metrics[0].children.startswith(f"Inertia ({k} clusters)")
    assert precompute_status(blobs_analysis, precomputer, state, controls_from_state(state)) == (
        [],
        True,
    )


def test_large_table_is_fitted_on_a_seeded_sample(blobs_csv):
    analysis = Analysis(datasets=[blobs_csv], bootstrap=5, sample_rows=60)
    state = blobs_state(blobs_csv)
    table = analysis.table(blobs_csv)
    assert table.sampled and table.dataset.n_rows == 60 and table.source_rows == 90
    config = analysis.config(state)
    assert (config.n_init, config.bootstrap) == (SAMPLE_N_INIT, SAMPLE_BOOTSTRAP)
    assert "60 rows (a seeded random sample of 90)" in analysis.view(state).metrics[3]
    (note,) = sample_note(analysis, state, controls_from_state(state))
    text = str(note.children)
    assert "sample of 60 of 90 rows" in text and "custseg dashboard runs/blobs-k3" in text
    fit = shlex.split(note.children[1].children[0].children)
    assert fit[:3] == ["custseg", "segment", blobs_csv]
    assert fit[fit.index("--features") + 1] == "spend,visits"
    # The opening view asks for the recommended k: the command names it.
    opening = replace(state, k=None)
    (note,) = sample_note(analysis, opening, controls_from_state(opening))
    fit = shlex.split(note.children[1].children[0].children)
    recommended = str(analysis.recommended_k(state))
    assert fit[fit.index("--k") + 1] == recommended and fit[-1] == f"runs/blobs-k{recommended}"
    hostile = ["/etc/passwd; rm -rf ~", *controls_from_state(state)[1:]]
    (note,) = sample_note(analysis, state, hostile)  # a crafted request: the served table
    assert shlex.split(note.children[1].children[0].children)[2] == blobs_csv
    assert sample_note(Analysis(datasets=[blobs_csv]), state, controls_from_state(state)) == []


def survey(n_households: int) -> Dataset:
    """Five implicate rows per household and a weight summing to 1,000 households."""
    households = np.repeat(np.arange(n_households), 5)
    frame = pd.DataFrame(
        {
            "hh": households,
            "imp": np.tile(np.arange(1, 6), n_households),
            "w": 1_000 / len(households),
            "x": np.random.default_rng(1).normal(size=len(households)),
        }
    )
    return Dataset(
        name="survey",
        frame=frame,
        id_columns=("hh", "imp"),
        weight_column="w",
        household_column="hh",
        implicate_column="imp",
        populations={"all": Population("all", "everyone")},
    )


def test_a_survey_sample_keeps_households_whole_and_the_weight_total():
    dataset = survey(200)
    first = sample_table(dataset, max_rows=250, random_state=0)
    again = sample_table(dataset, max_rows=250, random_state=0)
    sample = first.dataset.frame
    assert first.sampled and first.source_rows == 1_000
    assert sample.equals(again.dataset.frame)  # seeded
    assert (sample.groupby("hh").size() == 5).all() and len(sample) == 250
    assert sample["w"].sum() == pytest.approx(1_000)


def test_full_fit_command_names_every_choice():
    from custseg.config import SegmentationConfig

    config = SegmentationConfig(
        population="all", weight=None, features=("a b", "c"), transform="none", method="gmm"
    )
    fit, view = full_fit_commands("data/my file.parquet", config, 4)
    assert shlex.split(fit) == [
        *("custseg", "segment", "data/my file.parquet", "--population", "all", "--k", "4"),
        *("--features", "a b,c", "--transform", "none", "--method", "gmm"),
        *("--weight", "none", "--out", "runs/my file-k4"),
    ]
    assert shlex.split(view) == ["custseg", "dashboard", "runs/my file-k4"]


def test_full_fit_command_without_k_leaves_the_recommended_k_to_the_command_line():
    from custseg.config import SegmentationConfig

    fit, view = full_fit_commands("shop.csv", SegmentationConfig(population="all"), None)
    assert "--k" not in shlex.split(fit) and "None" not in fit + view
    assert shlex.split(view) == ["custseg", "dashboard", "runs/shop"]


def test_full_fit_command_shows_control_characters_escaped_and_runs_as_named():
    """A table's column or file name may hold a terminal escape (one that ends a bracketed
    paste) or a text-direction override: the copied command shows each as an escape, and bash
    still reads the original names."""
    import subprocess

    from custseg.config import SegmentationConfig

    feature, source = "a\x1b[201~;touch pwned\nb", "data/x\u202e.csv"
    config = SegmentationConfig(population="all", features=(feature, "c"))
    fit, view = full_fit_commands(source, config, 3)
    assert fit.isprintable() and view.isprintable()
    shown = subprocess.run(
        ["bash", "-c", f"printf '%s\\0' {fit}"], capture_output=True, text=True, check=True
    ).stdout.split("\0")[:-1]
    assert shown[2] == source and shown[shown.index("--features") + 1] == f"{feature},c"


def test_sample_note_names_features_the_command_line_cannot_split_by_their_choice(tmp_path):
    """A column with a comma cannot be named in --features (it splits on commas): the command
    says how the features were chosen instead."""
    rng = np.random.default_rng(0)
    path = tmp_path / "commas.csv"
    pd.DataFrame({"spend, total": rng.normal(size=90), "visits": rng.normal(size=90)}).to_csv(
        path, index=False
    )
    analysis = Analysis(datasets=[str(path)], bootstrap=1, sample_rows=60)
    state = blobs_state(str(path), select="variance", n_features=2, weighted=False)
    (note,) = sample_note(analysis, state, controls_from_state(state))
    fit = shlex.split(note.children[1].children[0].children)
    assert "--features" not in fit
    assert fit[fit.index("--select") + 1] == "variance"
    assert fit[fit.index("--n-features") + 1] == "2"
