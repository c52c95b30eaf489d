"""Tables from delimited text, Excel and SQL; results written back atomically."""

import sqlite3

import duckdb
import pandas as pd
import pytest

from custseg import io
from custseg.datasets import load_dataset
from custseg.errors import CustsegError

FRAME = pd.DataFrame(
    {
        "Customer ID": [1, 2, 3],
        "Région": ["Lisboa", "Porto", "Faro"],
        "Annual Income (k$)": [15.5, 16.0, 70.25],
    }
)


@pytest.mark.parametrize("sep", [";", "|", "\t", ","])
def test_any_delimiter_is_sniffed(tmp_path, sep):
    FRAME.to_csv(tmp_path / "t.txt", sep=sep, index=False, encoding="latin-1")
    pd.testing.assert_frame_equal(io.read_table(tmp_path / "t.txt"), FRAME)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a,b,a\n1,2,3\n", "duplicate column names: a"),
        ("a,b\n", "header but no rows"),
    ],
)
def test_bad_tables(tmp_path, content, message):
    (tmp_path / "t.csv").write_text(content)
    with pytest.raises(CustsegError, match=message):
        io.read_table(tmp_path / "t.csv")


def test_excel_sheet(tmp_path):
    with pd.ExcelWriter(tmp_path / "book.xlsx") as writer:
        FRAME.head(1).to_excel(writer, sheet_name="first", index=False)
        FRAME.to_excel(writer, sheet_name="Customers", index=False)
    assert len(io.read_table(tmp_path / "book.xlsx")) == 1
    pd.testing.assert_frame_equal(io.read_table(tmp_path / "book.xlsx", sheet="Customers"), FRAME)
    with pytest.raises(CustsegError, match="Could not read"):
        io.read_table(tmp_path / "book.xlsx", sheet="nope")


@pytest.fixture
def databases(tmp_path):
    duck = tmp_path / "shop.duckdb"
    with duckdb.connect(str(duck)) as connection:
        connection.register("frame", FRAME)
        connection.execute("CREATE TABLE customers AS SELECT * FROM frame")
    lite = tmp_path / "shop.sqlite"
    with sqlite3.connect(lite) as connection:
        FRAME.to_sql("customers", connection, index=False)
    return duck, lite


@pytest.mark.parametrize(
    "template",
    [
        "duckdb:///{duck}?table=customers",
        "duckdb:///{duck}?query=SELECT * FROM customers ORDER BY 1",
        "sqlite:///{lite}?table=customers",
        "sqlite:///{lite}?query=SELECT * FROM customers",
    ],
)
def test_sql_sources(databases, template):
    duck, lite = databases
    frame = io.read_sql(template.format(duck=duck, lite=lite))
    pd.testing.assert_frame_equal(frame, FRAME, check_dtype=False)


def test_sql_source_as_dataset(databases):
    dataset = load_dataset(f"duckdb:///{databases[0]}?table=customers")
    assert dataset.name == "customers" and "Customer ID" in dataset.id_columns


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("duckdb:///{duck}?table=missing", "Could not read"),
        ("duckdb:///{duck}/nope.db?table=customers", "No DuckDB database"),
        ("sqlite:///{lite}?table=missing", "Could not read"),
        ("duckdb:///{duck}", "needs \\?table=NAME or \\?query="),
        ("duckdb:///{duck}?table=x;drop", "not a valid table name"),
        ("postgresql://nobody@127.0.0.1:1/db?table=customers", "server database|Could not read"),
    ],
)
def test_bad_sql_sources(databases, template, message):
    duck, lite = databases
    with pytest.raises(CustsegError, match=message):
        io.read_sql(template.format(duck=duck, lite=lite))


@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
def test_write_table_replaces_atomically(databases, scheme):
    path = databases[0] if scheme == "duckdb" else databases[1]
    spec = f"{scheme}:///{path}?table=segments"
    new = FRAME.assign(segment=[1, 2, 1])
    io.write_table(new, spec)
    io.write_table(new, spec)  # custseg's own table is replaced
    pd.testing.assert_frame_equal(io.read_sql(spec), new, check_dtype=False)
    with pytest.raises(CustsegError, match="Could not write"):
        io.write_table(pd.DataFrame({"bad": [1 + 2j]}), spec)
    pd.testing.assert_frame_equal(io.read_sql(spec), new, check_dtype=False)
    with pytest.raises(CustsegError, match="not written by custseg"):
        io.write_table(new, f"{scheme}:///{path}?table=customers")


def test_write_parquet(tmp_path):
    io.write_table(FRAME, str(tmp_path / "out.parquet"))
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), FRAME)
    io.write_table(FRAME.head(1), str(tmp_path / "out.parquet"))  # custseg's own file is replaced
    assert len(pd.read_parquet(tmp_path / "out.parquet")) == 1
    FRAME.to_parquet(tmp_path / "source.parquet")
    (tmp_path / "notes.parquet").write_text("not a table")
    for name in ("source.parquet", "notes.parquet"):  # a file custseg did not write is kept
        before = (tmp_path / name).read_bytes()
        for check in (io.check_write_target, lambda spec: io.write_table(FRAME, spec)):
            with pytest.raises(CustsegError, match="was not written by custseg"):
                check(str(tmp_path / name))
        assert (tmp_path / name).read_bytes() == before
    with pytest.raises(CustsegError, match="write to a .parquet file"):
        io.write_table(FRAME, str(tmp_path / "out.json"))
