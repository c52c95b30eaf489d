"""SQL targets of ``--write-to``: a DuckDB, SQLite or PostgreSQL table, replaced atomically.

The rows go to a staging table of a fresh random name in the target's schema, which replaces the
target inside one transaction (the DDL of these three engines is transactional). custseg marks
the tables it writes, and replaces no other table.
"""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from custseg.errors import CustsegError
from custseg.errors import first_line as _first_line
from custseg.output_dirs import check_writable
from custseg.sql import DUCKDB_LOCKED, SqlSpec, parse_sql, sqlalchemy_engine

#: Targets of --write-to: engines whose DDL is transactional, so the swap is all or nothing.
_WRITABLE_SCHEMES = ("duckdb", "sqlite", "postgresql")
#: What marks a table as written by custseg (its comment), so that --write-to may replace it.
TABLE_MARK = "custseg assignments"


def write_sql_table(frame: pd.DataFrame, spec: str) -> None:
    """Write ``frame`` to a DuckDB, SQLite or PostgreSQL table, replacing it atomically.

    The rows go to a staging table of a fresh random name (never an existing table) in the
    target's schema, which replaces the target inside one transaction: readers see the old or
    the new table, and a failure rolls everything back, staging table included. The table is
    marked as custseg's (a table comment; in SQLite a comment in its definition), and an existing
    table without that mark (a user's table, or a view) is never replaced.

    Raises
    ------
    CustsegError
        For another engine, a schema that does not exist, a target custseg did not write, or any
        failure while writing.
    """
    sql = _target(spec)
    schema, _, name = sql.table.rpartition(".")
    writer = {"duckdb": _write_duckdb, "sqlite": _write_sqlite}.get(sql.scheme, _write_server)
    try:
        writer(frame, sql.location, schema or None, name)
    except CustsegError as err:
        raise CustsegError(f"--write-to {spec}: {err.message}", hint=err.hint) from None
    except Exception as exc:  # each driver has its own error types
        raise CustsegError(
            f"Could not write to {spec}: {_first_line(exc)}",
            hint="Nothing was changed in the database.",
        ) from None


def check_sql_target(spec: str) -> None:
    """Refuse, before any work, a table :func:`write_sql_table` would refuse: another engine,
    a database file that cannot be written, a schema that does not exist, or an existing table
    or view custseg did not write. Reads only; creates no file or table.

    Raises
    ------
    CustsegError
        Naming the target.
    """
    sql = _target(spec)
    schema, _, name = sql.table.rpartition(".")
    checker = {"duckdb": _check_duckdb, "sqlite": _check_sqlite}.get(sql.scheme, _check_server)
    try:
        checker(sql.location, schema or None, name)
    except CustsegError as err:
        raise CustsegError(f"--write-to {spec}: {err.message}", hint=err.hint) from None
    except Exception as exc:  # each driver has its own error types
        raise CustsegError(
            f"Cannot write to {spec}: {_first_line(exc)}",
            hint="Check the database and the table name; nothing was fitted or written.",
        ) from None


def _target(spec: str) -> SqlSpec:
    sql = parse_sql(spec)
    if sql.table is None or sql.scheme not in _WRITABLE_SCHEMES:
        raise CustsegError(
            f"--write-to {spec}: name a table of a DuckDB, SQLite or PostgreSQL database.",
            hint="For example duckdb:///shop.db?table=segments",
        )
    return sql


def _existing_database(location: str) -> bool:
    """Whether the database file exists; if it does not, that it can be created."""
    path = Path(location)
    if path.is_dir():
        raise CustsegError(f"{location} is a folder, not a database file.")
    if path.exists():
        return True
    check_writable(path, "the database")
    return False


def _duckdb_objects(execute, schema: str, table: str) -> list:
    # DuckDB matches names case-insensitively
    return execute(
        "SELECT table_type = 'BASE TABLE', (SELECT comment FROM duckdb_tables() d WHERE "
        "d.database_name = t.table_catalog AND d.schema_name = t.table_schema AND "
        "d.table_name = t.table_name) FROM information_schema.tables t WHERE "
        "table_catalog = current_database() AND lower(table_schema) = lower(?) AND "
        "lower(table_name) = lower(?)",
        schema,
        table,
    )


def _duckdb_has_schema(execute, schema: str) -> bool:
    found = execute(
        "SELECT count(*) FROM information_schema.schemata WHERE "
        "catalog_name = current_database() AND lower(schema_name) = lower(?)",
        schema,
    )
    return bool(found[0][0])


def _check_duckdb(location: str, schema: str | None, name: str) -> None:
    import duckdb

    if not _existing_database(location):
        if schema not in (None, "main"):
            raise _missing_schema(schema)
        return
    with duckdb.connect(location, read_only=True, config=DUCKDB_LOCKED) as connection:

        def execute(statement: str, *args: str) -> list:
            return connection.execute(statement, list(args)).fetchall()

        schema = schema or execute("SELECT current_schema()")[0][0]
        if not _duckdb_has_schema(execute, schema):
            raise _missing_schema(schema)
        _replaceable(_duckdb_objects(execute, schema, name), schema, name)


_SQLITE_OBJECTS = "SELECT type = 'table', sql FROM sqlite_master WHERE name = ? COLLATE NOCASE"


def _check_sqlite(location: str, schema: str | None, name: str) -> None:
    if schema not in (None, "main"):
        raise _missing_schema(schema)
    if not _existing_database(location):
        return
    uri = Path(location).resolve().as_uri() + "?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
        _replaceable(connection.execute(_SQLITE_OBJECTS, [name]).fetchall(), "main", name)


def _staging_name(name: str, exists: Callable[[str], bool]) -> str:
    for _ in range(8):
        candidate = f"{name}__custseg_{secrets.token_hex(4)}"
        if not exists(candidate):
            return candidate
    raise CustsegError("Could not find a free name for the staging table.")


def _missing_schema(schema: str) -> CustsegError:
    return CustsegError(
        f"there is no schema {schema!r} in the database.",
        hint="Create the schema first, or name a table without a schema.",
    )


def _replaceable(found: list, schema: str, name: str) -> bool:
    """Whether the target may be replaced, from ``found``: one ``(is_table, mark)`` row per
    object of that name (none if it does not exist)."""
    if not found:
        return False
    if len(found) == 1 and found[0][0] and TABLE_MARK in (found[0][1] or ""):
        return True
    raise CustsegError(
        f"{schema}.{name} already exists and was not written by custseg.",
        hint="Name a new table, or drop that one first if it is to be replaced.",
    )


def _swap(execute, target: str, staging: str, *, replace: bool, mark: bool) -> None:
    """Replace the table ``target`` ("schema"."name") by ``staging`` (a name in its schema)."""
    schema, name = target.split(".")
    if replace:
        execute(f"DROP TABLE {target}")
    execute(f"ALTER TABLE {schema}.{staging} RENAME TO {name}")
    if mark:
        execute(f"COMMENT ON TABLE {target} IS '{TABLE_MARK}'")


def _write_duckdb(frame: pd.DataFrame, location: str, schema: str | None, name: str) -> None:
    import duckdb

    with duckdb.connect(location, config=DUCKDB_LOCKED) as connection:

        def execute(statement: str, *args: str) -> list:
            # Fetched to the end: DuckDB refuses the next statement while a result is open.
            return connection.execute(statement, list(args)).fetchall()

        def objects(table: str) -> list:
            return _duckdb_objects(execute, schema, table)

        schema = schema or execute("SELECT current_schema()")[0][0]
        if not _duckdb_has_schema(execute, schema):
            raise _missing_schema(schema)
        staging = _staging_name(name, lambda candidate: bool(objects(candidate)))
        connection.register("custseg_incoming", frame)
        execute("BEGIN TRANSACTION")
        replace = _replaceable(objects(name), schema, name)
        execute(f'CREATE TABLE "{schema}"."{staging}" AS SELECT * FROM custseg_incoming')
        _swap(execute, f'"{schema}"."{name}"', f'"{staging}"', replace=replace, mark=True)
        execute("COMMIT")


def _write_sqlite(frame: pd.DataFrame, location: str, schema: str | None, name: str) -> None:
    if schema not in (None, "main"):
        raise _missing_schema(schema)  # a file custseg opens has only "main"
    rows = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns[[pd.api.types.is_datetime64_any_dtype(t) for t in frame.dtypes]]:
        rows[column] = rows[column].map(lambda v: None if v is None else str(v))
    with contextlib.closing(sqlite3.connect(location, isolation_level=None)) as connection:

        def objects(table: str) -> list:  # SQLite matches names case-insensitively
            return connection.execute(_SQLITE_OBJECTS, [table]).fetchall()

        staging = _staging_name(name, lambda candidate: bool(objects(candidate)))
        connection.execute("BEGIN IMMEDIATE")  # DDL too, so the swap is all or nothing
        try:
            replace = _replaceable(objects(name), "main", name)
            definition = pd.io.sql.get_schema(frame, staging, con=connection)
            connection.execute(definition.replace("(", f"( /* {TABLE_MARK} */", 1))
            placeholders = ", ".join("?" * frame.shape[1])
            connection.executemany(
                f'INSERT INTO "{staging}" VALUES ({placeholders})',
                rows.itertuples(index=False, name=None),
            )
            _swap(
                connection.execute, f'"main"."{name}"', f'"{staging}"', replace=replace, mark=False
            )
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise


def _server_objects(connection, schema: str, table: str) -> list:
    import sqlalchemy

    return connection.execute(
        sqlalchemy.text(
            "SELECT c.relkind = 'r', obj_description(c.oid, 'pg_class') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :schema AND c.relname = :table"
        ),
        {"schema": schema, "table": table},
    ).fetchall()


def _check_server(url: str, schema: str | None, name: str) -> None:
    import sqlalchemy

    engine = sqlalchemy_engine(url)
    try:
        with engine.connect() as connection:
            schema = schema or connection.exec_driver_sql("SELECT current_schema()").scalar()
            if not sqlalchemy.inspect(connection).has_schema(schema):
                raise _missing_schema(schema)
            _replaceable(_server_objects(connection, schema, name), schema, name)
            connection.rollback()
    finally:
        engine.dispose()


def _write_server(frame: pd.DataFrame, url: str, schema: str | None, name: str) -> None:
    import sqlalchemy

    engine = sqlalchemy_engine(url)

    def objects(connection, table: str) -> list:
        return _server_objects(connection, schema, table)

    try:
        with engine.begin() as connection:
            schema = schema or connection.exec_driver_sql("SELECT current_schema()").scalar()
            if not sqlalchemy.inspect(connection).has_schema(schema):
                raise _missing_schema(schema)
            staging = _staging_name(name, lambda candidate: bool(objects(connection, candidate)))
            replace = _replaceable(objects(connection, name), schema, name)
            frame.to_sql(staging, connection, schema=schema, index=False)
            target = f'"{schema}"."{name}"'
            _swap(connection.exec_driver_sql, target, f'"{staging}"', replace=replace, mark=True)
    finally:
        engine.dispose()
