"""SQL sources, read only (targets are in :mod:`custseg.sql_targets`).

Sources are ``duckdb:///file.db?table=T``, ``sqlite:///file.db?query=SELECT ...`` or any SQLAlchemy
URL with ``table=`` or ``query=``. As in SQLAlchemy, three slashes before a file name make it
relative to the working folder and four make it absolute (``sqlite:////data/shop.db``).

A query may only read: it must parse (sqlglot) as exactly one SELECT over the database's own
tables, with no table functions and no functions that touch files or the server; what runs is the
parsed statement, so a second statement cannot ride along. The database is opened so that it
cannot write either: DuckDB read only, without external access or extension loading; SQLite in
``mode=ro`` with an authorizer that allows only reads; PostgreSQL in a read-only transaction that
is rolled back.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pandas as pd

from custseg.errors import CustsegError
from custseg.errors import first_line as _first_line

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")
_FILE_SCHEMES = ("duckdb", "sqlite")
_DIALECTS = {
    "duckdb": "duckdb",
    "sqlite": "sqlite",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "tsql",
    "oracle": "oracle",
}
#: DuckDB can then touch no file but the database it was opened on, and load no extension.
DUCKDB_LOCKED = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "lock_configuration": True,
}
#: Functions that read files, reach other servers, change settings or sequences, or run SQL
#: text of their own (names in lower case; a name starting with any of these is refused).
_FORBIDDEN_FUNCTIONS = (
    *("read_", "glob", "sniff_", "parquet_", "iceberg_", "delta_", "query", "getenv"),  # DuckDB
    *("sqlite_", "postgres_", "mysql_", "load_extension", "readfile", "writefile"),
    *("pg_", "lo_", "dblink", "set_config", "current_setting", "nextval", "setval", "txid_"),
    *("table_to_xml", "cursor_to_xml", "schema_to_xml", "database_to_xml"),  # PostgreSQL
)
# sqlglot logs a warning when it falls back to an opaque command; the refusal says it better.
logging.getLogger("sqlglot").setLevel(logging.ERROR)


@dataclass(frozen=True)
class SqlSpec:
    """``duckdb:///file.db?table=T``, ``sqlite:///file.db?query=SELECT ...`` or any SQLAlchemy
    URL with ``table=`` or ``query=``."""

    scheme: str
    location: str
    table: str | None
    query: str | None

    @property
    def statement(self) -> str:
        """The statement to run: the checked query, or ``SELECT *`` from the table."""
        if self.query is not None:
            return read_only_query(self.query, scheme=self.scheme)
        return f"SELECT * FROM {quote_identifier(self.table or '')}"


def is_sql(spec: str) -> bool:
    return re.match(r"^[a-z][a-z0-9+]*://", spec) is not None


def parse_sql(spec: str) -> SqlSpec:
    """Split a SQL source into engine, location and table/query.

    Raises
    ------
    CustsegError
        Without exactly one of ``table=`` and ``query=``, with an invalid table name, or a
        DuckDB/SQLite URL that names no file.
    """
    parts = urlsplit(spec)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    table, query = params.pop("table", None), params.pop("query", None)
    if (table is None) == (query is None):
        raise CustsegError(
            f"The SQL source {spec!r} needs ?table=NAME or ?query=SELECT ...",
            hint="For example duckdb:///shop.db?table=customers",
        )
    if table is not None:
        quote_identifier(table)
    scheme = parts.scheme.split("+")[0]
    if scheme in _FILE_SCHEMES:
        hint = (
            f"Write {scheme}:///shop.db for shop.db in this folder, "
            f"{scheme}:////data/shop.db for an absolute path (as in SQLAlchemy)."
        )
        if parts.netloc:
            raise CustsegError(f"{spec!r}: a {scheme} URL has no host.", hint=hint)
        # SQLAlchemy's convention: the first slash after "//" separates, the rest is the path.
        location = parts.path[1:]
        if not location:
            raise CustsegError(f"{spec!r} names no database file.", hint=hint)
        location = str(Path(location).expanduser())
    else:
        location = urlunsplit(parts._replace(query=urlencode(params)))
    return SqlSpec(scheme, location, table, query)


def quote_identifier(name: str) -> str:
    """``schema.table`` double-quoted, after checking it is a plain identifier."""
    if not _IDENTIFIER.fullmatch(name):
        raise CustsegError(
            f"{name!r} is not a valid table name.",
            hint="Use letters, digits and underscores (schema.table allowed).",
        )
    return ".".join(f'"{part}"' for part in name.split("."))


def _refuse_query(reason: str) -> CustsegError:
    return CustsegError(
        f"The query was refused: {reason}",
        hint="A query source must be one SELECT over the database's tables (WITH ... SELECT "
        "allowed); custseg never lets a query write, attach, copy or read files.",
    )


def read_only_query(query: str, *, scheme: str) -> str:
    """The query as one read-only SELECT, regenerated from its parse.

    Raises
    ------
    CustsegError
        If the text is not exactly one SELECT (or UNION/INTERSECT/EXCEPT of SELECTs), writes
        anywhere in it (a data-modifying CTE, ``SELECT ... INTO``, ``FOR UPDATE``), reads from a
        table function or a file, or calls a function in the forbidden list.
    """
    import sqlglot
    from sqlglot import exp

    dialect = _DIALECTS.get(scheme)
    try:
        statements = [s for s in sqlglot.parse(query, read=dialect) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        raise _refuse_query(f"it could not be parsed ({_first_line(exc)}).") from None
    if len(statements) != 1:
        raise _refuse_query(f"it holds {len(statements)} statements, not one.")
    (statement,) = statements
    if not isinstance(statement, exp.Select | exp.SetOperation):
        raise _refuse_query(f"it is {statement.key.upper()}, not a SELECT.")
    forbidden = (exp.DML, exp.DDL, exp.Copy, exp.Command, exp.Pragma, exp.Set, exp.Attach)
    for node in statement.walk():
        if isinstance(node, forbidden + (exp.Detach, exp.Use, exp.Into, exp.Lock)):
            raise _refuse_query(f"it contains {node.key.upper()}, which is not read only.")
        if isinstance(node, exp.Table):
            _check_table(node)
        if isinstance(node, exp.Func):
            name = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if name.startswith(_FORBIDDEN_FUNCTIONS):
                raise _refuse_query(f"it calls {name}(), which custseg does not allow.")
    return statement.sql(dialect=dialect)


def _check_table(table) -> None:
    from sqlglot import exp

    if not isinstance(table.this, exp.Identifier):
        raise _refuse_query(f"it reads from {table.this.sql()[:60]}, not from a table.")
    for part in table.parts:
        if re.search(r"[/\\:.'\"]", part.name):
            raise _refuse_query(f"the table name {part.name[:60]!r} looks like a file.")


def _sqlite_reads_only(action: int, arg1, arg2, _database, _trigger) -> int:
    """A SQLite authorizer: reading is allowed, everything else (ATTACH, PRAGMA, writes) is not."""
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION and not str(arg2).lower().startswith(_FORBIDDEN_FUNCTIONS):
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def read_sql(spec: str) -> pd.DataFrame:
    """Read a table or query from DuckDB, SQLite or a SQLAlchemy database, never writing.

    Raises
    ------
    CustsegError
        If the database cannot be opened, the table does not exist, or the query is refused or
        fails.
    """
    sql = parse_sql(spec)
    statement = sql.statement
    try:
        if sql.scheme == "duckdb":
            import duckdb

            if not Path(sql.location).is_file():
                raise CustsegError(f"No DuckDB database at {sql.location}.")
            with duckdb.connect(sql.location, read_only=True, config=DUCKDB_LOCKED) as connection:
                frame = connection.execute(statement).df()
        elif sql.scheme == "sqlite":
            if not Path(sql.location).is_file():
                raise CustsegError(f"No SQLite database at {sql.location}.")
            uri = Path(sql.location).resolve().as_uri() + "?mode=ro"
            with contextlib.closing(sqlite3.connect(uri, uri=True)) as connection:
                connection.set_authorizer(_sqlite_reads_only)
                frame = pd.read_sql_query(statement, connection)
        else:
            frame = _read_server(sql.location, statement)
    except CustsegError:
        raise
    except Exception as exc:  # each driver has its own error types
        raise CustsegError(f"Could not read {spec}: {_first_line(exc)}") from None
    if frame.empty:
        raise CustsegError(f"{spec} returned no rows.")
    return frame


def _read_server(url: str, statement: str) -> pd.DataFrame:
    import sqlalchemy

    engine = sqlalchemy_engine(url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql("SET TRANSACTION READ ONLY")
            frame = pd.read_sql_query(sqlalchemy.text(statement), connection)
            connection.rollback()  # nothing a read did is ever committed
        return frame
    finally:
        engine.dispose()


def sqlalchemy_engine(url: str):
    try:
        import sqlalchemy
    except ImportError:
        raise CustsegError(
            "Reading a server database needs SQLAlchemy and the database's driver.",
            hint="pip install 'custseg[sql]' (SQLAlchemy and psycopg for PostgreSQL).",
        ) from None
    return sqlalchemy.create_engine(url)
