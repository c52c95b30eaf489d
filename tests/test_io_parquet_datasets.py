"""Parquet folders, globs and hive-partitioned datasets read locally as one table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from custseg import io
from custseg.errors import CustsegError


@pytest.fixture
def parts(tmp_path):
    frame = pd.DataFrame({"customer": np.arange(30), "spend": np.arange(30) * 1.5})
    folder = tmp_path / "pq"
    folder.mkdir()
    for number, chunk in enumerate(np.array_split(frame.index, 3)):
        frame.loc[chunk].to_parquet(folder / f"part-{number}.parquet", index=False)
    (folder / "_SUCCESS").write_text("")  # writers' marker files are skipped
    return frame, folder


def test_folder_of_parts(parts):
    frame, folder = parts
    read = io.read_table(folder).sort_values("customer", ignore_index=True)
    pd.testing.assert_frame_equal(read, frame)


def test_glob(parts):
    frame, folder = parts
    read = io.read_table(str(folder / "part-[01].parquet"))
    assert sorted(read["customer"]) == list(range(20))


def test_hive_partitions_become_columns(tmp_path):
    for region, spend in (("north", 1.0), ("south", 2.0)):
        part = tmp_path / "sales" / f"region={region}"
        part.mkdir(parents=True)
        pd.DataFrame({"customer": [1, 2], "spend": [spend, spend]}).to_parquet(
            part / "data.parquet", index=False
        )
    read = io.read_table(tmp_path / "sales")
    assert sorted(read.columns) == ["customer", "region", "spend"]
    assert read.groupby("region", observed=True)["spend"].first().to_dict() == {
        "north": 1.0,
        "south": 2.0,
    }


def test_segment_command_reads_a_folder(parts, tmp_path):
    from custseg.cli import run

    _, folder = parts
    out = tmp_path / "run"
    assert (
        run(
            [
                "segment",
                str(folder),
                "--k",
                "2",
                "--k-range",
                "2-3",
                "--bootstrap",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (out / "summary.json").is_file()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("empty", "No Parquet files in"),
        ("csvs", "No Parquet files in"),
        ("*.csv", "match"),
        ("nothing-*.parquet", "No such file"),
    ],
)
def test_no_parquet_files_is_a_clear_error(tmp_path, name, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "csvs").mkdir()
    (tmp_path / "csvs" / "a.csv").write_text("a\n1\n")
    (tmp_path / "b.csv").write_text("a\n1\n")
    with pytest.raises(CustsegError, match=message):
        io.read_table(tmp_path / name)
