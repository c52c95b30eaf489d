"""Bad outputs, targets and options fail before any data is read or any model is fitted."""

import sqlite3

import duckdb
import pandas as pd
import pytest

import custseg.datasets
import custseg.io
import custseg.model
import custseg.run_edit
import custseg.segmentation
from custseg.cli import run


@pytest.fixture
def no_work(monkeypatch):
    """Every command's long work (reading data or a run, fitting) fails the test if started."""

    def started(*_args, **_kwargs):
        raise AssertionError("the command started its work before checking its options")

    for module, name in [
        (custseg.datasets, "load_dataset"),
        (custseg.segmentation, "prepare"),
        (custseg.segmentation, "run_sweep"),
        (custseg.segmentation, "segment"),
        (custseg.model.SegmentModel, "load"),
        (custseg.run_edit, "reload_training"),
        (custseg.io, "read_table"),
        (custseg.io, "read_sql"),
    ]:
        monkeypatch.setattr(module, name, started)


@pytest.fixture(scope="module")
def places(tmp_path_factory):
    """A plain file, a DuckDB and a SQLite database each holding a table custseg did not write."""
    tmp_path = tmp_path_factory.mktemp("places")
    (tmp_path / "notes.txt").write_text("not a folder")
    with duckdb.connect(str(tmp_path / "shop.duckdb")) as connection:
        connection.execute("CREATE TABLE customers AS SELECT 1 AS id")
    with sqlite3.connect(tmp_path / "shop.db") as connection:
        connection.execute("CREATE TABLE customers (id INTEGER)")
    pd.DataFrame({"id": [1]}).to_parquet(tmp_path / "shop.parquet")
    return tmp_path


SEGMENT = ["segment", "scf2019", "--out", "{tmp}/run"]
CASES = [
    (
        [*SEGMENT, "--write-to", "duckdb:///{tmp}/shop.duckdb?table=customers"],
        "main.customers already exists and was not written by custseg",
    ),
    (
        [*SEGMENT, "--write-to", "sqlite:///{tmp}/shop.db?table=CUSTOMERS"],
        "already exists and was not written by custseg",
    ),
    ([*SEGMENT, "--write-to", "duckdb:///{tmp}/new.duckdb?table=s.segments"], "no schema 's'"),
    ([*SEGMENT, "--write-to", "duckdb:///{tmp}/notes.txt/x.db?table=t"], "is not a folder"),
    ([*SEGMENT, "--write-to", "duckdb:///{tmp}/shop.duckdb"], "needs ?table=NAME"),
    ([*SEGMENT, "--write-to", "mysql://host/db?table=t"], "name a table of a DuckDB"),
    ([*SEGMENT, "--write-to", "{tmp}/segments.csv"], "write to a .parquet file"),
    ([*SEGMENT, "--write-to", "{tmp}"], "write to a .parquet file"),
    ([*SEGMENT, "--method", "all", "--write-to", "{tmp}/s.parquet"], "--method all fits several"),
    (
        [*SEGMENT, "--engine", "dask", "--write-to", "{tmp}/s.parquet"],
        "not available with the Dask",
    ),
    ([*SEGMENT, "--scheduler", "tcp://127.0.0.1:1"], "it needs --engine dask"),
    ([*SEGMENT, "--where", "INCOME >> 5"], "Cannot read the condition"),
    ([*SEGMENT, "--labels", "{tmp}/no-labels.csv"], "no-labels.csv"),
    ([*SEGMENT, "--k-range", "6-3"], "k range 6-3 is invalid"),
    ([*SEGMENT, "--assignments", "families"], "Unknown --assignments"),
    ([*SEGMENT, "--format", "xlsx"], "--format"),
    (["segment", "scf2019", "--out", "{tmp}/notes.txt"], "exists and is not a folder"),
    (["segment", "scf2019", "--out", "/proc/custseg-run"], "cannot write in /proc"),
    (["explore", "scf2019", "--out", "{tmp}/notes.txt/eda"], "is not a folder"),
    (["predict", "{tmp}", "--input", "x.csv", "--out", "{tmp}/scored.txt"], "name a .csv"),
    (["predict", "{tmp}", "--input", "x.csv", "--out", "{tmp}"], "it is a folder"),
    (
        [
            "rfm",
            "x.csv",
            "--customer",
            "c",
            "--date",
            "d",
            "--amount",
            "a",
            "--out",
            "{tmp}/a.json",
        ],
        "name a .csv",
    ),
    (["report", "{tmp}", "--export", "gif"], "Unknown --export 'gif'"),
    (["export", "{tmp}", "--audiences", "{tmp}/aud", "--format", "xml"], "Unknown --format"),
    (["export", "{tmp}", "--write-to", "{tmp}/aud.csv"], "write to a .parquet file"),
    (["export", "{tmp}", "--write-to", "{tmp}/shop.parquet"], "shop.parquet already exists"),
    (["relabel", "{tmp}", "--write-to", "duckdb:///{tmp}/shop.duckdb?table=customers"], "already"),
    (["compare", "{tmp}", "scf2022", "--out", "{tmp}/cmp", "--cpi", "2019:255"], "--cpi"),
    (["dashboard", "--port", "0"], "is not a port"),
]


@pytest.mark.parametrize(("args", "message"), CASES, ids=[message for _, message in CASES])
def test_bad_option_fails_before_any_work(no_work, places, capsys, args, message):
    assert run([a.replace("{tmp}", str(places)) for a in args]) in (1, 2)
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err
    assert not (places / "run").exists() and not (places / "new.duckdb").exists()
