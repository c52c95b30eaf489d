"""Run folders stay usable at any size: sampled report scatter, Parquet per-row outputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg import report, runs
from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.segmentation import segment


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(6_000, 2)) + rng.integers(0, 2, (6_000, 1)) * 6
    frame = pd.DataFrame(values, columns=["spend", "visits"]).assign(customer=np.arange(6_000))
    dataset = from_frame(frame, name="many", id_columns=("customer",))
    return segment(dataset, k=2, k_range=(2, 3), bootstrap=0, transform="none")


def test_report_scatter_is_a_stated_sample(result):
    figure = report.run_figures(runs.RunData.from_result(result))["pca"]
    assert sum(len(trace.x) for trace in figure.data) == report.REPORT_POINTS == 5_000
    assert "a random 5,000 of 6,000 points" in figure.layout.title.text


@pytest.mark.parametrize(
    ("row_format", "threshold", "suffix"),
    [
        ("auto", 5_000, "parquet"),
        ("auto", 100_000, "csv"),
        ("csv", 5_000, "csv"),
        ("parquet", 100_000, "parquet"),
    ],
)
def test_per_row_outputs_format(result, tmp_path, monkeypatch, row_format, threshold, suffix):
    monkeypatch.setattr(runs, "PARQUET_ABOVE_ROWS", threshold)
    out = runs.save_run(result, tmp_path / "run", row_format=row_format)
    assert (out / f"assignments.{suffix}").is_file() and (out / f"pca.{suffix}").is_file()
    loaded = runs.RunData.load(out)
    assert len(loaded.points) == 6_000
    assert loaded.points["segment"].tolist() == result.segments.tolist()


def test_unknown_format_is_refused_before_writing(result, tmp_path):
    with pytest.raises(CustsegError, match="Unknown --format 'xml'"):
        runs.save_run(result, tmp_path / "run", row_format="xml")
    assert not (tmp_path / "run").exists()
