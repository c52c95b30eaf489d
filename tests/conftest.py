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
