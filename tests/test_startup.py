"""Start-up: the command line imports what a command needs when it needs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from custseg import __version__

HEAVY = ("plotly", "dash", "dask", "distributed", "duckdb", "skops", "sklearn", "scipy", "pandas")


def _modules_after(code: str) -> set[str]:
    listing = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    ).stdout.splitlines()[-1]
    return {name.split(".")[0] for name in json.loads(listing)}


@pytest.mark.parametrize("code", ["import custseg.cli", "import custseg"])
def test_importing_the_cli_or_package_loads_no_heavy_library(code):
    assert _modules_after(code).isdisjoint(HEAVY)


def test_version_and_help_load_no_heavy_library():
    loaded = _modules_after(
        "from custseg.cli import run\n"
        "run(['--version'])\nrun(['--help'])\nrun(['segment', '--help'])"
    )
    assert loaded.isdisjoint(HEAVY)


def test_segmenting_saving_and_loading_in_python_loads_no_plotting_web_or_cluster_code(tmp_path):
    loaded = _modules_after(
        "import numpy as np, pandas as pd, custseg\n"
        "values = np.random.default_rng(0).normal(size=(200, 3))\n"
        "frame = pd.DataFrame(values, columns=list('abc'))\n"
        "result = custseg.segment(custseg.dataset.from_frame(frame, name='t'), k=2,"
        " k_range=(2, 3), bootstrap=2)\n"
        f"result.model.save({str(tmp_path / 'model.custseg')!r})\n"
        f"custseg.SegmentModel.load({str(tmp_path)!r}).predict(frame)"
    )
    assert loaded.isdisjoint(
        {"plotly", "dash", "dask", "distributed", "duckdb", "skops", "typer", "pytest"}
    )


def test_a_run_without_report_and_model_loads_no_plotting_web_model_file_or_cluster_code(
    tmp_path,
):
    source, out = tmp_path / "customers.csv", tmp_path / "run"
    loaded = _modules_after(
        "import numpy as np, pandas as pd\n"
        "from custseg.cli import run\n"
        "values = np.random.default_rng(0).normal(size=(200, 3))\n"
        f"pd.DataFrame(values, columns=list('abc')).to_csv({str(source)!r}, index=False)\n"
        f"assert run(['segment', {str(source)!r}, '--out', {str(out)!r}, '--k-range', '2-3',"
        " '--bootstrap', '0', '--no-report', '--no-model']) == 0"
    )
    assert loaded.isdisjoint({"plotly", "dash", "dask", "distributed", "duckdb", "skops"})
    assert (out / "sweep.csv").is_file()


@pytest.mark.parametrize("module", ["custseg", "custseg.cli"])
def test_version_runs_as_a_process(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"custseg {__version__}"
