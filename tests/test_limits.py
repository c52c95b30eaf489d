"""Caps on what a run may ask for, and numbers too large to compute with."""

import numpy as np
import pandas as pd
import pytest

from custseg.cli import run
from custseg.errors import CustsegError
from custseg.limits import MAX_MAGNITUDE, check_counts, check_magnitudes
from custseg.segmentation import SegmentationConfig, parse_k_range

OK = {"k_high": 12, "k": None, "bootstrap": 10, "n_features": None, "random_state": 42}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"bootstrap": 100_000_000_000}, "--bootstrap 100,000,000,000 is more"),
        ({"k_high": 10**9}, "--k-range upper end"),
        ({"k": 101}, "--k 101"),
        ({"n_features": 10**6}, "--n-features"),
        ({"random_state": -5}, "--random-state -5 is out of range"),
        ({"random_state": 2**32}, "out of range"),
    ],
)
def test_counts_beyond_the_caps_are_refused(change, message):
    with pytest.raises(CustsegError, match=message):
        check_counts(**{**OK, **change})


def test_counts_at_the_caps_are_accepted():
    check_counts(k_high=100, k=100, bootstrap=1000, n_features=500, random_state=2**32 - 1)
    SegmentationConfig(k_range=parse_k_range("2-100"), bootstrap=1000, random_state=0)


@pytest.mark.parametrize(
    "options",
    [{"bootstrap": 1001}, {"k_range": (2, 10**12)}, {"random_state": -1}, {"k": 10**6}],
)
def test_config_refuses_what_would_run_for_ever(options):
    with pytest.raises(CustsegError):
        SegmentationConfig(**options)


def test_magnitudes_name_every_column_too_large():
    frame = pd.DataFrame(
        {"a": [1.0, 1e308], "b": [-1e200, 0.0], "c": [MAX_MAGNITUDE, np.inf], "d": ["x", "y"]}
    )
    with pytest.raises(CustsegError, match=r"columns a \(up to 1e\+308\), b \(up to 1e\+200\)"):
        check_magnitudes(frame, ["a", "b", "c", "d"])
    check_magnitudes(frame, ["c", "d"])  # the limit itself, infinities and text pass


@pytest.fixture
def huge_table(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200)})
    frame.loc[0, "a"], frame.loc[1, "a"] = 1e308, -1e308
    frame.to_csv(tmp_path / "huge.csv", index=False)
    return tmp_path / "huge.csv"


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("command", ["segment", "explore"])
def test_values_near_the_float_limit_are_refused_without_warnings(
    command, huge_table, tmp_path, capsys
):
    out = tmp_path / "out"
    assert run([command, str(huge_table), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "too large" in err and "a (up to 1e+308)" in err
    assert not out.exists()


@pytest.mark.filterwarnings("error")
def test_scoring_values_near_the_float_limit_is_refused(huge_table, tmp_path, capsys):
    frame = pd.read_csv(huge_table)
    frame.loc[:1, "a"] = 0.0
    frame.to_csv(tmp_path / "fine.csv", index=False)
    run_dir = tmp_path / "run"
    argv = ["segment", str(tmp_path / "fine.csv"), "--out", str(run_dir), "--k-range", "2-3"]
    assert run([*argv, "--bootstrap", "0"]) == 0
    out = tmp_path / "scored.csv"
    assert run(["predict", str(run_dir), "--input", str(huge_table), "--out", str(out)]) == 1
    assert "too large" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.filterwarnings("error")
def test_large_but_safe_values_and_weights_run_cleanly(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "a": rng.normal(size=200) * 1e59,
            "b": rng.normal(size=200),
            "w": rng.uniform(1, 2, 200) * 1e59,
        }
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    argv = ["segment", str(tmp_path / "t.csv"), "--out", str(tmp_path / "o"), "--weight", "w"]
    assert run([*argv, "--k-range", "2-4", "--bootstrap", "3"]) == 0
    sweep = pd.read_csv(tmp_path / "o" / "sweep.csv")
    assert np.isfinite(sweep.drop(columns="k").to_numpy()).all()


def test_weights_near_the_float_limit_are_refused(tmp_path, capsys):
    frame = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7, "w": 1.0})
    frame.loc[3, "w"] = 1e300
    frame.to_csv(tmp_path / "t.csv", index=False)
    argv = ["segment", str(tmp_path / "t.csv"), "--out", str(tmp_path / "o"), "--weight", "w"]
    assert run(argv) == 1
    assert "weight column w" in capsys.readouterr().err
