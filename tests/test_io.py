import gzip
import os

import pandas as pd
import pytest

from custseg import io, io_tables
from custseg.errors import CustsegError


def test_failed_block_leaves_no_output_folder(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError), io.atomic_output_dir(out) as staging:
        (staging / "summary.json").write_text("{}")
        raise RuntimeError("boom")
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_previous_run_is_replaced_whole(tmp_path):
    out = tmp_path / "run"
    with io.atomic_output_dir(out) as staging:
        (staging / "summary.json").write_text("old")
        (staging / "stale.csv").write_text("old")
    with io.atomic_output_dir(out) as staging:
        (staging / "summary.json").write_text("new")
    assert sorted(p.name for p in out.iterdir()) == [".custseg-run", "summary.json"]
    assert (out / "summary.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_foreign_folder_is_never_replaced(tmp_path):
    (tmp_path / "thesis.docx").write_text("precious")
    with pytest.raises(CustsegError, match="did not write"), io.atomic_output_dir(tmp_path):
        pass
    assert (tmp_path / "thesis.docx").read_text() == "precious"


def test_output_folder_follows_umask(tmp_path):
    with io.atomic_output_dir(tmp_path / "run") as staging:
        (staging / "summary.json").write_text("{}")
    umask = os.umask(0)
    os.umask(umask)
    assert (tmp_path / "run").stat().st_mode & 0o777 == 0o777 & ~umask


@pytest.mark.parametrize(
    ("name", "encoding", "sep"),
    [
        ("plain.csv", "utf-8", ","),
        ("bom.csv", "utf-8-sig", ","),
        ("latin.csv", "latin-1", ","),
        ("tabs.tsv", "utf-8", "\t"),
    ],
)
def test_read_delimited_text(tmp_path, name, encoding, sep):
    frame = pd.DataFrame(
        {"Customer ID": [1, 2], "Région": ["Lisboa", "Oporto"], "Annual Income (k$)": [15.5, 16.0]}
    )
    frame.to_csv(tmp_path / name, index=False, sep=sep, encoding=encoding)
    pd.testing.assert_frame_equal(io.read_table(tmp_path / name), frame)


def test_parsed_text_is_cached_as_parquet(tmp_path, monkeypatch):
    monkeypatch.setenv(io.CACHE_ENV, str(tmp_path / "cache"))
    source = tmp_path / "t.csv.gz"
    with gzip.open(source, "wt") as handle:
        handle.write("a,b\n1,2\n3,4\n")
    first = io.read_table(source)
    cached = list((tmp_path / "cache" / "tables").glob("*.parquet"))
    assert len(cached) == 1
    monkeypatch.setattr(io_tables, "_parse_delimited", lambda path: pytest.fail("parsed twice"))
    pd.testing.assert_frame_equal(io.read_table(source), first)


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (None, "missing.csv", "No such file"),
        ("", "empty.csv", "is empty"),
        ("a,b\n1,2\n", "data.xlsx2", "unknown file type"),
        ("not parquet", "t.parquet", "Could not read"),
    ],
)
def test_unreadable_files(tmp_path, content, name, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    with pytest.raises(CustsegError, match=message):
        io.read_table(path)
