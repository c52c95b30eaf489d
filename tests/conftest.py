"""Shared fixtures; the SCF files come from ../shared/data beside the repository."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def pytest_configure(config):
    os.environ.setdefault("CUSTSEG_DATA_DIR", str(SHARED_DATA))
    # Each test session gets its own cache, so no test depends on what an earlier run left.
    os.environ["CUSTSEG_CACHE_DIR"] = tempfile.mkdtemp(prefix="custseg-test-cache-")
    # ... and its own user config folder: `custseg data use` in a test never touches the user's.
    os.environ["CUSTSEG_CONFIG_DIR"] = tempfile.mkdtemp(prefix="custseg-test-config-")


#: Most parallel workers ``-n auto`` starts: each worker loads its own copy of the data, so more
#: workers than this cost memory faster than they save time.
MAX_WORKERS = 4


def pytest_xdist_auto_num_workers(config):
    """How many workers ``-n auto`` (in the pytest options) starts.

    The whole suite: one per CPU this process may use (pytest-xdist's own count is of physical
    cores, which is 1 on many 2-vCPU virtual machines), at most ``MAX_WORKERS``. Named test
    files or ids (``pytest tests/test_io.py``): none, the tests run in this process, as starting
    workers costs more than a few files gain (``-n 2`` asks for workers anyway).
    PYTEST_XDIST_AUTO_NUM_WORKERS overrides both.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return int(os.environ["PYTEST_XDIST_AUTO_NUM_WORKERS"])
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        return 0
    if hasattr(os, "sched_getaffinity"):
        usable = len(os.sched_getaffinity(0))
    else:
        usable = os.cpu_count() or 1
    return max(1, min(MAX_WORKERS, usable))


#: Session-scoped fixtures too costly to build once per parallel worker: the tests using one
#: run on the same worker.
WORKER_SHARED_FIXTURES = ("scf_analysis",)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group tests for parallel runs (pytest-xdist, ``--dist loadgroup``).

    Browser tests share one group: dash.testing numbers its servers' ports from the same start
    in every process, and one Chromium at a time is enough for two cores. Tests using the same
    module-scoped fixture, or a fixture in ``WORKER_SHARED_FIXTURES``, run on one worker, so the
    fixture is built once. Every other test goes to whichever worker is free. A test marked with
    its own ``xdist_group`` keeps it.
    """
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        group = _worker_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def _worker_group(item) -> str | None:
    if item.get_closest_marker("browser"):
        return "browser"
    fixtures = getattr(item, "_fixtureinfo", None)
    definitions = fixtures.name2fixturedefs if fixtures else {}
    for name in WORKER_SHARED_FIXTURES:
        if name in definitions:
            return name
    if any(defs and defs[-1].scope == "module" for defs in definitions.values()):
        return item.path.stem
    return None


def pytest_setup_options():
    """Headless Chromium for dash[testing]'s browser fixture."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    return options


@pytest.fixture(scope="session")
def shared_data() -> Path:
    return Path(os.environ["CUSTSEG_DATA_DIR"])


@pytest.fixture(scope="session")
def scf2019():
    from custseg import load_dataset

    return load_dataset("scf2019")


@pytest.fixture(scope="session")
def scf2019_raw(shared_data) -> pd.DataFrame:
    """The 2019 file read straight with pandas, for independent checks."""
    return pd.read_csv(shared_data / "SCFP2019.csv.gz", encoding="utf-8-sig")


@pytest.fixture(scope="session")
def scf_analysis():
    """One dashboard analysis of both SCF years for the whole session: its sweeps are cached,
    so tests of views share the fits instead of repeating them."""
    from custseg.dashboard.analysis import Analysis

    # Half the dashboard's resamples keeps the shared sweeps quick; tests that compare with
    # the command line pass the same number to it.
    return Analysis(datasets=["scf2019", "scf2022"], bootstrap=5)


@pytest.fixture
def blobs() -> pd.DataFrame:
    """Three well-separated groups of 40, 30 and 20 customers in two features, plus an id."""
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [10.0, 10.0], [0.0, 20.0]])
    sizes = (40, 30, 20)
    points = np.vstack(
        [rng.normal(c, 0.5, size=(n, 2)) for c, n in zip(centres, sizes, strict=True)]
    )
    return pd.DataFrame(
        {"customer": np.arange(90), "spend": points[:, 0], "visits": points[:, 1], "flat": 1.0}
    )


@pytest.fixture(scope="module")
def dashboard_browser(request, tmp_path_factory):
    """One headless browser and one server of the SCF dashboard for a whole test module, so
    the views' fits are shared and the browser starts once."""
    from dash.testing.application_runners import ThreadedRunner
    from dash.testing.composite import DashComposite

    from custseg.dashboard import create_app

    with (
        ThreadedRunner() as server,
        DashComposite(
            server=server,
            browser="chrome",
            headless=True,
            options=request.config.hook.pytest_setup_options(),
            download_path=str(tmp_path_factory.mktemp("download")),
            percy_run=False,
        ) as dash_duo,
    ):
        dash_duo.start_server(create_app("scf2019", warm=False))
        yield dash_duo
