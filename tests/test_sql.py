"""SQL sources read and never write; --write-to replaces exactly the named table, atomically."""

import sqlite3

import duckdb
import pandas as pd
import pytest

from custseg import sql, sql_targets
from custseg.cli import run
from custseg.errors import CustsegError

CUSTOMERS = pd.DataFrame({"id": [1, 2, 3], "spend": [10.5, 20.0, 7.25]})


@pytest.fixture
def shop(tmp_path, monkeypatch):
    """A DuckDB and a SQLite database with a customers table, in the working folder."""
    monkeypatch.chdir(tmp_path)
    with duckdb.connect("shop.duckdb") as connection:
        connection.register("frame", CUSTOMERS)
        connection.execute("CREATE TABLE customers AS SELECT * FROM frame")
    with sqlite3.connect("shop.db") as connection:
        CUSTOMERS.to_sql("customers", connection, index=False)
    return tmp_path


def files(folder):
    return sorted(p.name for p in folder.iterdir())


ATTACKS = [
    ("duckdb:///shop.duckdb?query=COPY customers TO 'leak.csv'", "COPY, not a SELECT"),
    ("duckdb:///shop.duckdb?query=COPY customers TO 'leak.csv'; SELECT * FROM customers", "2 "),
    ("duckdb:///shop.duckdb?query=SELECT * FROM read_csv('/etc/passwd')", "reads from"),
    ("duckdb:///shop.duckdb?query=SELECT * FROM '/etc/passwd'", "looks like a file"),
    ('duckdb:///shop.duckdb?query=SELECT * FROM "leak.csv"', "looks like a file"),
    ("duckdb:///shop.duckdb?query=SELECT * FROM glob('/etc/*')", "reads from"),
    ("duckdb:///shop.duckdb?query=SELECT read_text('/etc/passwd')", "read_text"),
    ("duckdb:///shop.duckdb?query=ATTACH 'a.duckdb' AS n", "not a SELECT"),
    ("duckdb:///shop.duckdb?query=INSTALL httpfs", "not a SELECT"),
    ("duckdb:///shop.duckdb?query=SELECT * INTO leak FROM customers", "INTO"),
    ("sqlite:///shop.db?query=ATTACH DATABASE 'a.db' AS n", "not a SELECT"),
    ("sqlite:///shop.db?query=VACUUM INTO 'a.db'", "not a SELECT"),
    ("sqlite:///shop.db?query=PRAGMA journal_mode=WAL", "not a SELECT"),
    ("sqlite:///shop.db?query=SELECT load_extension('a.so')", "load_extension"),
    (
        "sqlite:///shop.db?query=WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d",
        "DELETE",
    ),
    ("sqlite:///shop.db?query=INSERT INTO customers VALUES (4, 1.0)", "not a SELECT"),
    ("sqlite:///shop.db?query=SELECT 1; DROP TABLE customers", "2 statements"),
    ("sqlite:///shop.db?query=SELECT * FROM customers FOR UPDATE", "not read only|parsed"),
]


@pytest.mark.parametrize(("spec", "message"), ATTACKS)
def test_queries_that_could_write_or_read_files_are_refused(shop, spec, message):
    before = files(shop)
    with pytest.raises(CustsegError, match=message):
        sql.read_sql(spec)
    assert files(shop) == before
    pd.testing.assert_frame_equal(sql.read_sql(spec.split("?")[0] + "?table=customers"), CUSTOMERS)


@pytest.mark.parametrize(
    ("scheme", "statement", "created"),
    [
        ("duckdb", "COPY customers TO 'leak.csv'", "leak.csv"),
        ("duckdb", "SELECT * FROM read_csv('/etc/passwd')", None),
        ("duckdb", "ATTACH 'a.duckdb' AS n", "a.duckdb"),
        ("duckdb", "INSTALL httpfs", None),
        ("sqlite", "ATTACH DATABASE 'a.db' AS n", "a.db"),
        ("sqlite", "DELETE FROM customers", None),
        ("sqlite", "PRAGMA journal_mode=WAL", None),
    ],
)
def test_the_connection_itself_cannot_write(shop, monkeypatch, scheme, statement, created):
    """Were the parser fooled, the database is still opened so that it cannot write."""
    monkeypatch.setattr(sql, "read_only_query", lambda query, scheme: query)
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    with pytest.raises(CustsegError, match="Could not read"):
        sql.read_sql(f"{scheme}:///{database}?query={statement}")
    assert created is None or not (shop / created).exists()
    table = sql.read_sql(f"{scheme}:///{database}?table=customers")
    pd.testing.assert_frame_equal(table, CUSTOMERS)


@pytest.mark.parametrize(
    "query",
    [
        "WITH big AS (SELECT * FROM customers WHERE spend > 8) SELECT * FROM big",
        "SELECT id, spend FROM customers UNION ALL SELECT id, spend FROM customers",
        "SELECT c.id, upper('x') AS tag, (SELECT max(spend) FROM customers) AS top "
        "FROM customers AS c JOIN customers AS d ON c.id = d.id",
    ],
)
@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
def test_ordinary_selects_are_read(shop, scheme, query):
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    assert len(sql.read_sql(f"{scheme}:///{database}?query={query}")) >= 2


@pytest.mark.parametrize(
    ("spec", "location"),
    [
        ("sqlite:///x.db?table=t", "x.db"),
        ("duckdb:///data/x.duckdb?table=t", "data/x.duckdb"),
        ("sqlite:////abs/x.db?table=t", "/abs/x.db"),
        ("duckdb+duckdb:////abs/x.duckdb?table=t", "/abs/x.duckdb"),
    ],
)
def test_three_slashes_are_relative_four_absolute(spec, location):
    assert sql.parse_sql(spec).location == location


@pytest.mark.parametrize("spec", ["duckdb://host/x.duckdb?table=t", "sqlite:///?table=t"])
def test_file_urls_without_a_path_are_refused(spec):
    with pytest.raises(CustsegError, match="has no host|names no database file"):
        sql.parse_sql(spec)


def test_write_to_from_a_subfolder_stays_there(shared_data, tmp_path, monkeypatch):
    folder = tmp_path / "project" / "sub"
    folder.mkdir(parents=True)
    monkeypatch.chdir(folder)
    source = str(shared_data / "customers" / "mall_customers.csv")
    args = ["segment", source, "--k", "3", "--bootstrap", "0", "--out", "run"]
    assert run([*args, "--write-to", "duckdb:///w.duckdb?table=segments"]) == 0
    assert (folder / "w.duckdb").is_file()
    assert len(sql.read_sql("duckdb:///w.duckdb?table=segments")) == 200


SEGMENTS = pd.DataFrame({"id": [1, 2, 3], "segment": [1, 2, 1]})
USER_TABLE = pd.DataFrame({"note": ["the user's own table"]})


def tables(scheme: str, path) -> list[str]:
    if scheme == "duckdb":
        with duckdb.connect(str(path), read_only=True) as connection:
            query = "SELECT table_schema || '.' || table_name FROM information_schema.tables"
            return sorted(row[0] for row in connection.execute(query).fetchall())
    with sqlite3.connect(path) as connection:
        query = "SELECT 'main.' || name FROM sqlite_master WHERE type = 'table'"
        return sorted(row[0] for row in connection.execute(query).fetchall())


def make_table(scheme: str, path, name: str, frame: pd.DataFrame) -> None:
    if scheme == "duckdb":
        with duckdb.connect(str(path)) as connection:
            connection.register("frame", frame)
            connection.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
    else:
        with sqlite3.connect(path) as connection:
            frame.to_sql(name.split(".")[-1], connection, index=False)


def test_duckdb_schema_qualified_target_is_written_in_its_schema(shop):
    with duckdb.connect("shop.duckdb") as connection:
        connection.execute("CREATE SCHEMA s")
    make_table("duckdb", "shop.duckdb", "segments", USER_TABLE)
    sql_targets.write_sql_table(SEGMENTS, "duckdb:///shop.duckdb?table=s.segments")
    read = sql.read_sql
    pd.testing.assert_frame_equal(read("duckdb:///shop.duckdb?table=s.segments"), SEGMENTS)
    pd.testing.assert_frame_equal(read("duckdb:///shop.duckdb?table=segments"), USER_TABLE)
    assert tables("duckdb", "shop.duckdb") == ["main.customers", "main.segments", "s.segments"]


@pytest.mark.parametrize(
    ("scheme", "table"), [("duckdb", "nowhere.segments"), ("sqlite", "other.segments")]
)
def test_unknown_schema_is_refused_and_nothing_changes(shop, scheme, table):
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    before = tables(scheme, database)
    with pytest.raises(CustsegError, match="no schema"):
        sql_targets.write_sql_table(SEGMENTS, f"{scheme}:///{database}?table={table}")
    assert tables(scheme, database) == before


@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
def test_staging_never_touches_a_users_table(shop, monkeypatch, scheme):
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    spec = f"{scheme}:///{database}?table=main.segments"
    # The old fixed staging name, and the first random one custseg will draw.
    make_table(scheme, database, "segments__custseg_new", USER_TABLE)
    make_table(scheme, database, "segments__custseg_aaaa", USER_TABLE)
    draws = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(sql_targets.secrets, "token_hex", lambda _n: next(draws))
    sql_targets.write_sql_table(SEGMENTS, spec)
    for name in ("segments__custseg_new", "segments__custseg_aaaa"):
        user = sql.read_sql(f"{scheme}:///{database}?table={name}")
        pd.testing.assert_frame_equal(user, USER_TABLE)
    pd.testing.assert_frame_equal(sql.read_sql(spec), SEGMENTS)
    assert tables(scheme, database) == [
        f"main.{name}"
        for name in ("customers", "segments", "segments__custseg_aaaa", "segments__custseg_new")
    ]


def fail_after_staging(monkeypatch):
    """Make the swap fail once the staging table holds the rows (a full disk, a lost lock...)."""

    def failing(*_args, **_kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(sql_targets, "_swap", failing)


@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
@pytest.mark.parametrize("fault", ["unstorable values", "failure after staging"])
def test_a_failed_write_changes_nothing(shop, monkeypatch, scheme, fault):
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    spec = f"{scheme}:///{database}?table=segments"
    sql_targets.write_sql_table(SEGMENTS, spec)
    before = tables(scheme, database)
    frame = SEGMENTS.assign(segment=2)
    if fault == "unstorable values":
        frame = pd.DataFrame({"bad": [1 + 2j]})
    else:
        fail_after_staging(monkeypatch)
    with pytest.raises(CustsegError, match="(?s)Could not write.*Nothing was changed"):
        sql_targets.write_sql_table(frame, spec)
    assert tables(scheme, database) == before
    pd.testing.assert_frame_equal(sql.read_sql(spec), SEGMENTS)


@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
@pytest.mark.parametrize("target", ["customers", "CUSTOMERS", "main.customers", "a_view"])
def test_a_table_custseg_did_not_write_is_never_replaced(shop, scheme, target):
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    connect = duckdb.connect if scheme == "duckdb" else sqlite3.connect
    with connect(database) as connection:
        connection.execute("CREATE VIEW a_view AS SELECT * FROM customers")
    before = tables(scheme, database)
    with pytest.raises(CustsegError, match="was not written by custseg"):
        sql_targets.write_sql_table(SEGMENTS, f"{scheme}:///{database}?table={target}")
    assert tables(scheme, database) == before
    pd.testing.assert_frame_equal(
        sql.read_sql(f"{scheme}:///{database}?table=customers"), CUSTOMERS
    )


@pytest.mark.parametrize("scheme", ["duckdb", "sqlite"])
def test_custseg_replaces_its_own_table(shop, scheme):
    database = "shop.duckdb" if scheme == "duckdb" else "shop.db"
    spec = f"{scheme}:///{database}?table=segments"
    sql_targets.write_sql_table(SEGMENTS, spec)
    sql_targets.write_sql_table(SEGMENTS.assign(segment=3), spec)
    assert sql.read_sql(spec)["segment"].tolist() == [3, 3, 3]
    assert tables(scheme, database) == ["main.customers", "main.segments"]


def test_write_to_refuses_engines_without_transactional_ddl():
    with pytest.raises(CustsegError, match="DuckDB, SQLite or PostgreSQL"):
        sql_targets.write_sql_table(SEGMENTS, "mysql://u@127.0.0.1:1/db?table=segments")
