"""Every method on the shared SCF and customer files, the saved model's predict, and the
side-by-side comparison (``--method all``)."""

import json

import numpy as np
import pandas as pd
import pytest

from custseg.cli import run
from custseg.cli_methods import save_comparison
from custseg.datasets import load_dataset
from custseg.engine import METHODS
from custseg.errors import CustsegError
from custseg.methods import compare_methods
from custseg.model import SegmentModel
from custseg.runs import save_run
from custseg.segmentation import SegmentationConfig, segment

#: Quick settings for integration runs: every method's own defaults, a shorter sweep and no
#: bootstrap (stability is tested in the comparison).
QUICK = {"k_range": (2, 6), "bootstrap": 0}


@pytest.fixture(scope="module")
def mall(shared_data):
    return load_dataset(str(shared_data / "customers" / "mall_customers.csv"))


@pytest.fixture(scope="module")
def wholesale(shared_data):
    return load_dataset(str(shared_data / "customers" / "wholesale_customers.csv"))


@pytest.mark.parametrize("method", list(METHODS))
def test_every_method_on_the_customer_files_and_predict_reproduces(
    method, mall, wholesale, tmp_path
):
    for dataset in (mall, wholesale):
        result = segment(dataset, SegmentationConfig(method=method, **QUICK))
        save_run(result, tmp_path / dataset.name)
        model = SegmentModel.load(tmp_path / dataset.name)
        rows = dataset.frame.loc[result.prepared.rows]
        scored = model.score(rows)
        np.testing.assert_array_equal(scored["segment"].to_numpy(), result.segments)
        pd.testing.assert_frame_equal(scored, result.model.score(rows))  # the file loses nothing
        np.testing.assert_array_equal(model.transform(rows), result.model.transform(rows))
        profiles = pd.read_csv(tmp_path / dataset.name / "profiles.csv")
        expected = sorted(set(result.segments))
        assert sorted(profiles["segment"]) == expected  # unassigned (0) has its own row
        summary = json.loads((tmp_path / dataset.name / "summary.json").read_text())
        assert summary["method"]["name"] == method
        assert summary["method"]["weights"] == "unweighted"


@pytest.mark.parametrize("method", ["gmm", "ward", "hdbscan"])
def test_weighted_scf_runs_resample_by_weight_and_say_so(method, scf2019):
    result = segment(
        scf2019, SegmentationConfig(population="small-business", method=method, **QUICK)
    )
    described = result.summary()["method"]
    assert "weight-proportional resample" in described["weights"]
    assert result.prepared.weights is not None  # sizes and profiles stay weighted
    assert result.profiles["weighted_count"].sum() == pytest.approx(result.prepared.weights.sum())
    scored = result.model.score(scf2019.frame.loc[result.prepared.rows])
    np.testing.assert_array_equal(scored["segment"].to_numpy(), result.segments)


def test_hdbscan_unassigned_is_segment_zero_never_merged(scf2019):
    result = segment(
        scf2019, SegmentationConfig(population="small-business", method="hdbscan", **QUICK)
    )
    assert (result.segments == 0).any()
    first = result.profiles.iloc[0]
    assert first["segment"] == 0 and first["name"] == "Unassigned / outliers"
    assert first["n_rows"] == (result.segments == 0).sum()
    assert result.personas[0].segment == 0
    assert result.model.metadata["segment_names"]["0"] == "Unassigned / outliers"


def test_gmm_assignments_carry_probability_and_borderline(mall):
    result = segment(mall, SegmentationConfig(method="gmm", covariance="diag", **QUICK))
    assignments = result.assignments
    assert {"probability", "borderline"} <= set(assignments.columns)
    np.testing.assert_array_equal(assignments["borderline"], assignments["probability"] < 0.6)
    assert {"bic", "aic"} <= set(result.sweep.table.columns)
    assert "lowest BIC" in result.sweep.recommendation.reason
    scored = result.model.score(mall.frame)
    np.testing.assert_allclose(scored["probability"], assignments["probability"])


def test_kprototypes_refuses_a_table_without_categories_and_uses_named_ones(scf2019):
    with pytest.raises(CustsegError, match="no categorical feature"):
        segment(scf2019, SegmentationConfig(population="small-business", method="kprototypes"))
    result = segment(
        scf2019,
        SegmentationConfig(
            population="small-business",
            method="kprototypes",
            features=("NETWORTH", "INCOME", "EDCL"),
            categorical=("EDCL",),
            **QUICK,
        ),
    )
    assert 0.3 < result.summary()["method"]["gamma"] < 0.7
    assert any(column.startswith("EDCL=") for column in result.profiles.columns)
    make_up = result.profiles.filter(like="EDCL=")
    np.testing.assert_allclose(result.profiles["EDCL_mode_share"], make_up.max(axis=1))
    modes = make_up.idxmax(axis=1).str.removeprefix("EDCL=")
    assert list(result.profiles["EDCL_mode"]) == list(modes)


def test_separate_implicates_only_for_kmeans():
    with pytest.raises(CustsegError, match="not available for --method ward"):
        SegmentationConfig(method="ward", implicates="separate")


def test_compare_methods_table_and_agreement(mall, tmp_path):
    comparison = compare_methods(mall, SegmentationConfig(k_range=(2, 6), bootstrap=2))
    table = comparison.table
    assert list(table["method"]) == list(METHODS)
    for name in table["method"]:
        assert table.loc[table["method"] == name, f"ari_{name}"].item() == pytest.approx(1.0)
    symmetric = table[[f"ari_{m}" for m in table["method"]]].to_numpy()
    np.testing.assert_allclose(symmetric, symmetric.T)
    assert (table["smallest_segment"] > 0).all()
    # --method all --no-report --no-model: the tables of the comparison and of every method
    save_comparison(comparison, tmp_path / "all", report=False, model=False)
    assert {p.name for p in (tmp_path / "all").iterdir() if p.is_file()} == {
        ".custseg-run",
        "methods.csv",
        "summary.json",
    }
    tables = {
        ".custseg-run",
        "summary.json",
        "sweep.csv",
        "profiles.csv",
        "pca.csv",
        "assignments.csv",
    }
    for name in table["method"]:
        assert {p.name for p in (tmp_path / "all" / name).iterdir()} == tables


def test_cli_method_all_writes_the_comparison_and_a_run_per_method(shared_data, tmp_path):
    out = tmp_path / "all"
    source = str(shared_data / "customers" / "wholesale_customers.csv")
    assert run(["segment", source, "--out", str(out), "--method", "all", "--k-range", "2-5",
                "--bootstrap", "0"]) == 0  # fmt: skip
    table = pd.read_csv(out / "methods.csv")
    assert {"method", "k", "silhouette", "smallest_segment", "ari_kmeans"} <= set(table.columns)
    for name in table["method"]:
        assert (out / name / "model.custseg").is_file() and (out / name / "figures.html").is_file()
    assert "Ward hierarchy" in (out / "ward" / "figures.html").read_text()
    assert run(["report", str(out)]) == 1  # one folder per method: point at one of them
    assert run(["report", str(out / "ward")]) == 0


def test_cli_method_errors(capsys, tmp_path):
    assert run(["segment", "scf2019", "--out", str(tmp_path / "x"), "--method", "spectral"]) == 1
    assert "Unknown --method 'spectral'" in capsys.readouterr().err
    assert run(["segment", "scf2019", "--out", str(tmp_path / "z"), "--method", "gmm",
                "--covariance", "round"]) == 1  # fmt: skip
    assert "Unknown --covariance 'round'" in capsys.readouterr().err
    code = run(["segment", "x.parquet", "--out", str(tmp_path / "y"), "--method", "gmm",
                "--engine", "dask"])  # fmt: skip
    assert code == 1 and "Dask engine fits KMeans only" in capsys.readouterr().err
