"""The Dask engine on a LocalCluster(n_workers=2, threads_per_worker=1), against the local one."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from custseg import SegmentationConfig, drift, segment
from custseg.cli import run
from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.run_edit import relabel_run

distributed = pytest.importorskip("custseg.distributed")
dask_array = pytest.importorskip("dask.array")

CONFIG = SegmentationConfig(k_range=(2, 6), n_init=3, transform="none", bootstrap=0)


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as connected,
    ):
        yield connected


@pytest.fixture(scope="module")
def customers():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 4, size=(4, 5))
    groups = rng.integers(0, 4, 8_000)
    values = centres[groups] + rng.normal(size=(8_000, 5))
    frame = pd.DataFrame(values, columns=[f"spend_{i}" for i in range(5)])
    frame.insert(0, "customer_id", np.arange(len(frame)))
    return frame


@pytest.fixture(scope="module")
def parquet(customers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("parquet") / "customers"
    folder.mkdir()
    for part in range(4):
        customers.iloc[part * 2_000 : (part + 1) * 2_000].to_parquet(
            folder / f"part-{part}.parquet", index=False
        )
    return folder


def test_lloyd_matches_scikit_learn_from_the_same_centres(client, customers):
    Z = customers.drop(columns="customer_id").to_numpy()
    Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
    start = Z[[0, 10, 20, 30]]
    reference = KMeans(n_clusters=4, init=start, n_init=1, tol=1e-6).fit(Z)
    fit = distributed.lloyd(
        dask_array.from_array(Z, chunks=(1_500, 5)), dask_array.ones(len(Z), chunks=1_500), start
    )
    labels = distributed._nearest(Z, fit.centers)
    assert adjusted_rand_score(reference.labels_, labels) >= 0.99
    assert fit.inertia == pytest.approx(reference.inertia_, rel=0.01)
    assert fit.rows.sum() == len(Z)


def test_whole_run_matches_the_local_engine(client, customers, parquet):
    result = distributed.segment(str(parquet), CONFIG)
    local = segment(from_frame(customers, name="customers"), CONFIG)
    assert set(result.summary["numeric_features"]) == set(local.features)
    assert result.summary["k"] == local.k == 4
    assert result.summary["metrics"]["inertia"] == pytest.approx(local.metrics["inertia"], rel=0.01)
    assignments = result.assignments.compute().sort_values("customer_id")
    assert adjusted_rand_score(local.segments, assignments["segment"]) >= 0.99
    np.testing.assert_allclose(result.profiles["share"], local.profiles["share"], atol=0.01)
    scored = result.model.predict(customers)
    np.testing.assert_array_equal(scored, assignments["segment"].to_numpy())
    # The drift reference: exact segment shares, feature bins from the sample.
    reference = result.model.metadata["drift_reference"]
    np.testing.assert_allclose(reference["segment_shares"], result.profiles["share"])
    report = drift.drift_report(
        reference, customers[result.model.features], scored, np.zeros(len(scored), bool)
    )
    assert report["level"] == "stable"


def test_weighted_run(client, customers, tmp_path):
    weighted = customers.assign(weight=np.where(customers["customer_id"] % 2 == 0, 1.0, 3.0))
    folder = tmp_path / "weighted"
    folder.mkdir()
    weighted.to_parquet(folder / "part.parquet", index=False)
    config = SegmentationConfig(k=4, k_range=(3, 5), n_init=3, transform="none", weight="weight")
    result = distributed.segment(str(folder), config)
    local = segment(from_frame(weighted, name="w", weight_column="weight"), config)
    assert result.profiles["weighted_count"].sum() == pytest.approx(weighted["weight"].sum())
    assert result.summary["metrics"]["inertia"] == pytest.approx(local.metrics["inertia"], rel=0.01)


def test_cli_writes_the_same_outputs_and_partitioned_assignments(parquet, tmp_path):
    out = tmp_path / "run"
    assert (
        run(
            [
                "segment",
                str(parquet),
                "--engine",
                "dask",
                "--transform",
                "none",
                "--k-range",
                "2-5",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert {p.name for p in out.iterdir()} >= {
        ".custseg-run",  # a Dask run folder is custseg's own too: a re-run may replace it
        "summary.json",
        "sweep.csv",
        "profiles.csv",
        "pca.csv",
        "model.custseg",
        "figures.html",
        "assignments",
    }
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "dask" and summary["silhouette"]["sampled"]
    assignments = pd.read_parquet(out / "assignments")
    assert len(assignments) == 8_000 and set(assignments["segment"]) == {1, 2, 3, 4}
    scored = tmp_path / "scored.csv"
    assert (
        run(["predict", str(out), "--input", str(parquet / "part-0.parquet"), "--out", str(scored)])
        == 0
    )
    first = assignments.sort_values("customer_id").head(2_000)["segment"].to_numpy()
    np.testing.assert_array_equal(pd.read_csv(scored)["segment"].to_numpy(), first)
    from custseg.dashboard import create_app

    assert "on Dask" in str(create_app(str(out)).layout)
    with pytest.raises(CustsegError, match="Dask engine cannot be edited"):
        relabel_run(out, names=["1=Big spenders"], merges=[])


@pytest.mark.slow
def test_unreachable_scheduler(parquet, tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        run(
            [
                "segment",
                str(parquet),
                "--engine",
                "dask",
                "--scheduler",
                "tcp://127.0.0.1:9",
                "--out",
                str(out),
            ]
        )
        == 1
    )
    assert "Could not reach the Dask scheduler" in capsys.readouterr().err
    assert not out.exists()


def test_mismatched_partitions(client, customers, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    customers.iloc[:100].to_parquet(folder / "a.parquet", index=False)
    customers.iloc[100:200].rename(columns={"spend_0": "other"}).to_parquet(
        folder / "b.parquet", index=False
    )
    with pytest.raises(CustsegError, match="distributed computation failed|not a numeric"):
        distributed.segment(str(folder), CONFIG)


def test_empty_partition_is_harmless(client, customers, tmp_path):
    folder = tmp_path / "with-empty"
    folder.mkdir()
    customers.iloc[:0].to_parquet(folder / "a-empty.parquet", index=False)
    customers.to_parquet(folder / "b.parquet", index=False)
    result = distributed.segment(
        str(folder), SegmentationConfig(k=4, k_range=(3, 5), n_init=2, transform="none")
    )
    assert result.summary["n_rows"] == 8_000
    assert result.profiles["n_rows"].sum() == 8_000


def test_auto_engine_keeps_small_sources_local(parquet, tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        run(
            [
                "segment",
                str(parquet / "part-0.parquet"),
                "--engine",
                "auto",
                "--k",
                "4",
                "--bootstrap",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert "using the local engine" in capsys.readouterr().err


@pytest.mark.slow
def test_streaming_when_the_matrix_does_not_fit(client, parquet, monkeypatch):
    from custseg import distributed_lloyd

    monkeypatch.setattr(distributed_lloyd, "PERSIST_SHARE", 0.0)
    streamed = distributed.segment(
        str(parquet), SegmentationConfig(k=4, k_range=(3, 5), n_init=2, transform="none")
    )
    assert streamed.summary["matrix_held_in_memory"] is False
    monkeypatch.undo()
    held = distributed.segment(
        str(parquet), SegmentationConfig(k=4, k_range=(3, 5), n_init=2, transform="none")
    )
    assert held.summary["matrix_held_in_memory"] is True
    assert streamed.summary["metrics"]["inertia"] == pytest.approx(
        held.summary["metrics"]["inertia"]
    )


@pytest.mark.slow
def test_a_worker_dying_mid_fit_is_recovered(parquet):
    import os

    from distributed import Client, LocalCluster

    config = SegmentationConfig(k=4, k_range=(3, 5), n_init=2, transform="none")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster) as connected,
    ):
        expected = distributed.segment(str(parquet), config).summary["metrics"]["inertia"]
        victim = sorted(connected.scheduler_info()["workers"])[0]
        killed = []

        def kill_once() -> None:
            if not killed:
                killed.append(victim)
                with pytest.raises(Exception):  # noqa: B017  the worker dies mid-call
                    connected.run(os._exit, 1, workers=[victim])

        result = distributed.segment(str(parquet), config, progress=kill_once)
    assert killed
    assert result.summary["metrics"]["inertia"] == pytest.approx(expected)
