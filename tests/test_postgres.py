"""SQL sources and --write-to against a real PostgreSQL server (a throwaway cluster).

The cluster is created with the Debian package's initdb in a temporary folder, listens on a free
loopback port, and is stopped and deleted when the module's tests are done. The tests skip only
when no PostgreSQL server binaries are installed (.ci/run installs them).
"""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from functools import partial
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

from custseg import sql, sql_targets
from custseg.cli import run
from custseg.errors import CustsegError

CUSTOMERS = pd.DataFrame({"id": [1, 2, 3], "spend": [10.5, 20.0, 7.25]})
SEGMENTS = pd.DataFrame({"id": [1, 2, 3], "segment": [1, 2, 1]})
USER_TABLE = pd.DataFrame({"note": ["the user's own table"]})


def _server_binaries() -> Path | None:
    found = shutil.which("initdb") or max(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), default=None
    )
    return Path(found).resolve().parent if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    """A running cluster: (SQLAlchemy URL, a folder its server process may write to)."""
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL server binaries (initdb); Debian: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="custseg-pg-"))
    # PostgreSQL refuses to run as root: then the cluster belongs to the postgres user.
    as_owner = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        as_owner = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", _free_port()
    subprocess.run(
        [*as_owner, binaries / "initdb", "-D", data, "-U", "custseg", "--auth=trust", "-E", "UTF8"]
        + ["--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    pg_ctl = [*as_owner, binaries / "pg_ctl", "-D", data, "-w"]
    subprocess.run([*pg_ctl, "-l", root / "log", "-o", options, "start"], check=True)
    try:
        yield f"postgresql+psycopg://custseg@127.0.0.1:{port}/postgres", root
    finally:
        subprocess.run([*pg_ctl, "-m", "immediate", "stop"], check=False, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def database(server):
    """The server's URL with a fresh customers table (and nothing else of a previous test)."""
    url, _root = server
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA IF EXISTS public, s CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")
        CUSTOMERS.to_sql("customers", connection, index=False)
    engine.dispose()
    return url


def execute(url: str, *statements: str) -> None:
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    engine.dispose()


def tables(url: str) -> list[str]:
    engine = sqlalchemy.create_engine(url)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema IN ('public', 's') ORDER BY 1"
        ).fetchall()
    engine.dispose()
    return [row[0] for row in rows]


def test_table_and_query_are_read(database):
    pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table=customers"), CUSTOMERS)
    query = "WITH big AS (SELECT * FROM customers WHERE spend > 8) SELECT * FROM big ORDER BY id"
    assert sql.read_sql(f"{database}?query={query}")["id"].tolist() == [1, 2]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("COPY customers TO '{root}/leak.csv'", "COPY, not a SELECT"),
        ("COPY (SELECT * FROM customers) TO '{root}/leak.csv'", "COPY, not a SELECT"),
        ("SELECT 1; COPY customers TO '{root}/leak.csv'", "2 statements"),
        ("SELECT 1; DROP TABLE customers", "2 statements"),
        ("WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d", "DELETE"),
        ("SELECT * INTO stolen FROM customers", "INTO"),
        ("SELECT pg_read_file('/etc/passwd')", "pg_read_file"),
        ("SELECT lo_export(lo_from_bytea(0, 'x'), '{root}/leak.csv')", "lo_"),
        ("SELECT * FROM customers FOR UPDATE", "LOCK|not read only"),
        ("INSERT INTO customers VALUES (4, 1.0)", "not a SELECT"),
    ],
)
def test_writing_queries_are_refused(server, database, query, message):
    root = server[1]
    with pytest.raises(CustsegError, match=message):
        sql.read_sql(f"{database}?query={query.format(root=root)}")
    assert not (root / "leak.csv").exists()
    assert tables(database) == ["public.customers"]
    pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table=customers"), CUSTOMERS)


@pytest.mark.parametrize(
    "statement",
    [
        "WITH d AS (DELETE FROM customers RETURNING *) SELECT * FROM d",
        "SELECT * INTO stolen FROM customers",
        "SELECT nextval('s')",
    ],
)
def test_the_transaction_itself_is_read_only(database, monkeypatch, statement):
    """Were the parser fooled, the server still refuses to write in a read-only transaction."""
    execute(database, "CREATE SEQUENCE s")
    monkeypatch.setattr(sql, "read_only_query", lambda query, scheme: query)
    with pytest.raises(CustsegError, match="read-only transaction"):
        sql.read_sql(f"{database}?query={statement}")
    assert tables(database) == ["public.customers"]
    pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table=customers"), CUSTOMERS)


def test_write_to_replaces_atomically(database):
    spec = f"{database}?table=segments"
    sql_targets.write_sql_table(SEGMENTS, spec)
    sql_targets.write_sql_table(SEGMENTS.assign(segment=[2, 2, 2]), spec)
    assert sql.read_sql(spec)["segment"].tolist() == [2, 2, 2]
    assert tables(database) == ["public.customers", "public.segments"]


def disk_full(*_args, **_kwargs):
    raise OSError("No space left on device")


@pytest.mark.parametrize("fault", ["unstorable values", "failure after staging"])
def test_a_failed_write_changes_nothing(database, monkeypatch, fault):
    spec = f"{database}?table=segments"
    sql_targets.write_sql_table(SEGMENTS, spec)
    frame = SEGMENTS.assign(segment=2)
    if fault == "unstorable values":
        frame = pd.DataFrame({"bad": [1 + 2j]})
    else:  # the rows are in the staging table when the swap fails
        monkeypatch.setattr(sql_targets, "_swap", disk_full)
    with pytest.raises(CustsegError, match="(?s)Could not write.*Nothing was changed"):
        sql_targets.write_sql_table(frame, spec)
    assert tables(database) == ["public.customers", "public.segments"]
    pd.testing.assert_frame_equal(sql.read_sql(spec), SEGMENTS)


@pytest.mark.parametrize("target", ["customers", "public.customers", "a_view"])
def test_a_table_custseg_did_not_write_is_never_replaced(database, target):
    execute(database, "CREATE VIEW a_view AS SELECT * FROM customers")
    with pytest.raises(CustsegError, match="was not written by custseg"):
        sql_targets.check_sql_target(f"{database}?table={target}")  # before any fit
    with pytest.raises(CustsegError, match="was not written by custseg"):
        sql_targets.write_sql_table(SEGMENTS, f"{database}?table={target}")
    assert tables(database) == ["public.a_view", "public.customers"]
    pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table=customers"), CUSTOMERS)


def user_table(url: str, name: str, schema: str = "public") -> None:
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        USER_TABLE.to_sql(name, connection, schema=schema, index=False)
    engine.dispose()


def test_schema_qualified_target_is_written_in_its_schema(database):
    execute(database, "CREATE SCHEMA s")
    user_table(database, "segments")
    sql_targets.write_sql_table(SEGMENTS, f"{database}?table=s.segments")
    pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table=s.segments"), SEGMENTS)
    pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table=segments"), USER_TABLE)
    sql_targets.check_sql_target(f"{database}?table=s.segments")  # custseg's own: replaceable
    for check in (sql_targets.check_sql_target, partial(sql_targets.write_sql_table, SEGMENTS)):
        with pytest.raises(CustsegError, match="no schema 'nowhere'"):
            check(f"{database}?table=nowhere.segments")
    assert tables(database) == ["public.customers", "public.segments", "s.segments"]


def test_staging_never_touches_a_users_table(database, monkeypatch):
    for name in ("segments__custseg_new", "segments__custseg_aaaa"):
        user_table(database, name)
    draws = iter(["aaaa", "bbbb"])
    monkeypatch.setattr(sql_targets.secrets, "token_hex", lambda _n: next(draws))
    sql_targets.write_sql_table(SEGMENTS, f"{database}?table=public.segments")
    for name in ("segments__custseg_new", "segments__custseg_aaaa"):
        pd.testing.assert_frame_equal(sql.read_sql(f"{database}?table={name}"), USER_TABLE)
    assert tables(database) == [
        f"public.{name}"
        for name in ("customers", "segments", "segments__custseg_aaaa", "segments__custseg_new")
    ]


def test_segment_reads_from_and_writes_back_to_postgres(database, shared_data, tmp_path):
    mall = pd.read_csv(shared_data / "customers" / "mall_customers.csv")
    execute(database, "DROP TABLE customers")
    engine = sqlalchemy.create_engine(database)
    with engine.begin() as connection:
        mall.to_sql("mall", connection, index=False)
    engine.dispose()
    args = ["segment", f"{database}?table=mall", "--k", "4", "--bootstrap", "0"]
    assert run([*args, "--out", str(tmp_path / "run"), "--write-to", f"{database}?table=s1"]) == 0
    written = sql.read_sql(f"{database}?table=s1")
    assert len(written) == len(mall) and set(written["segment"]) == {1, 2, 3, 4}
