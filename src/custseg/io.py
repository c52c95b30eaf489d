"""Every file custseg reads or writes goes through this module.

Outputs are written to a temporary sibling and renamed into place, so a failed run never leaves a
half-written file or folder behind.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
import pandas as pd

from custseg.errors import CustsegError

CACHE_ENV = "CUSTSEG_CACHE_DIR"
#: Files whose presence marks a folder as custseg's own output, safe to replace on a re-run.
OUTPUT_MARKERS = ("summary.json", "report.html")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".zip")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def cache_dir() -> Path:
    """The folder for downloads and columnar copies: ``$CUSTSEG_CACHE_DIR`` or the user cache."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    import pooch

    return Path(pooch.os_cache("custseg"))


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (*_CSV_SUFFIXES, *_PARQUET_SUFFIXES):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


_SAMPLE_BYTES = 64 * 1024


@contextlib.contextmanager
def _open_text_source(path: Path) -> Iterator[BinaryIO]:
    """The bytes of a delimited file, through gzip or a single-member zip."""
    if _suffix(path) == ".zip":
        with zipfile.ZipFile(path) as archive:
            members = [n for n in archive.namelist() if n.lower().endswith((".csv", ".tsv"))]
            if len(members) != 1:
                raise CustsegError(
                    f"{path} holds {len(members)} CSV files; custseg reads a zip with exactly one.",
                    hint="Unzip it and pass the CSV file you mean.",
                )
            with archive.open(members[0]) as handle:
                yield handle
    elif path.name.lower().endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            yield handle
    else:
        with open(path, "rb") as handle:
            yield handle


def _sniff(sample: bytes, path: Path) -> tuple[str, str]:
    """The encoding and delimiter of a delimited file, from its first bytes."""
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            text = sample.decode(encoding)
            break
        except UnicodeDecodeError as error:
            if error.start >= len(sample) - 4:  # a character cut at the sample's end
                text = sample[: error.start].decode(encoding)
                break
    if _suffix(path).startswith(".tsv"):
        return encoding, "\t"
    lines = text.splitlines()[:50]
    if not lines:
        raise pd.errors.EmptyDataError
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","  # a single column, or nothing to go by
    header = next(csv.reader([lines[0]], delimiter=delimiter))
    duplicates = sorted({name for name in header if header.count(name) > 1})
    if duplicates:
        raise CustsegError(
            f"{path.name} has duplicate column names: {', '.join(duplicates)}.",
            hint="Rename the columns so that each name is used once.",
        )
    return encoding, delimiter


def _parse_delimited(path: Path) -> pd.DataFrame:
    with _open_text_source(path) as handle:
        encoding, delimiter = _sniff(handle.read(_SAMPLE_BYTES), path)
    with _open_text_source(path) as handle:
        return pd.read_csv(handle, sep=delimiter, encoding=encoding, low_memory=False)


def read_table(path: str | os.PathLike[str], *, sheet: str | None = None) -> pd.DataFrame:
    """Read a delimited text, Parquet or Excel file into a DataFrame.

    Delimited text (any of , ; tab | as delimiter, UTF-8 or Latin-1, optionally gzipped or in a
    single-file zip) is parsed once and then served from a columnar (Parquet) copy in the cache,
    keyed by the file's path, size and modification time. ``sheet`` names an Excel sheet (the
    first by default).

    Raises
    ------
    CustsegError
        If the file is missing, unreadable, empty or not a table.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise CustsegError(
            f"No such file: {path}", hint="Check the path, or name a built-in dataset (scf2019)."
        )
    suffix = _suffix(path)
    try:
        if suffix in _PARQUET_SUFFIXES:
            frame = pd.read_parquet(path)
        elif suffix in _CSV_SUFFIXES:
            frame = _cached_parse(path)
        elif suffix in _EXCEL_SUFFIXES:
            frame = pd.read_excel(path, sheet_name=sheet or 0)
        else:
            raise CustsegError(
                f"Cannot read {path.name}: unknown file type '{suffix}'.",
                hint="custseg reads .csv, .tsv, .txt (optionally .gz or .zip), .parquet and "
                ".xlsx files, and SQL sources (duckdb:///file.db?table=NAME).",
            )
    except CustsegError:
        raise
    except pd.errors.EmptyDataError:
        raise CustsegError(f"{path} is empty: it has no header and no rows.") from None
    except (
        OSError,
        EOFError,
        ValueError,
        zlib.error,
        zipfile.BadZipFile,
        pd.errors.ParserError,
    ) as exc:
        raise CustsegError(f"Could not read {path}: {exc}") from None
    if frame.shape[1] == 0:
        raise CustsegError(f"{path} has no columns.")
    if frame.empty:
        raise CustsegError(f"{path} has a header but no rows.")
    return frame


def _cached_parse(path: Path) -> pd.DataFrame:
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    columnar = cache_dir() / "tables" / f"{key[:32]}.parquet"
    if columnar.is_file():
        try:
            return pd.read_parquet(columnar)
        except (OSError, ValueError):
            columnar.unlink(missing_ok=True)  # a damaged cache entry is rebuilt, not trusted
    frame = _parse_delimited(path)
    # The cache is an optimisation: a read-only or full cache folder must not fail the run.
    with contextlib.suppress(OSError, ValueError), atomic_file(columnar) as tmp:
        frame.to_parquet(tmp, index=False)
    return frame


def read_labels(path: str | os.PathLike[str]) -> tuple[dict[str, str], dict[str, dict[int, str]]]:
    """Labels a user wrote for their own table: a CSV with columns ``variable, label`` and
    optionally ``code`` (the SCF's scf_value_labels.csv layout).

    A row with a code labels that code of the variable ("Channel, 1, Horeca"); a row without one
    labels the variable itself.

    Returns
    -------
    variable labels, and labels of codes by variable then integer code

    Raises
    ------
    CustsegError
        If the file cannot be read or lacks the columns, or a code is not a whole number.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise CustsegError(f"No such labels file: {path}.") from None
    except (OSError, ValueError, pd.errors.ParserError) as err:
        raise CustsegError(f"Cannot read the labels file {path}: {_first_line(err)}") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    if not {"variable", "label"} <= set(table.columns):
        raise CustsegError(
            f"The labels file {path} needs the columns variable and label "
            f"(it has {', '.join(table.columns) or 'none'}).",
            hint="Write one row per code: variable,code,label (e.g. Channel,1,Horeca), "
            "or variable,label to label a column.",
        )
    codes = table["code"] if "code" in table.columns else pd.Series("", index=table.index)
    variable_labels: dict[str, str] = {}
    value_labels: dict[str, dict[int, str]] = {}
    for variable, code, label in zip(table["variable"], codes, table["label"], strict=True):
        variable, code, label = variable.strip(), code.strip(), label.strip()
        if not variable or not label:
            continue
        if not code:
            variable_labels[variable] = label
            continue
        try:
            number = float(code)
        except ValueError:
            number = float("nan")
        if not number.is_integer():
            raise CustsegError(
                f"The labels file {path} gives {variable} the code {code!r}, "
                "which is not a whole number.",
                hint="Label the integer codes of coded columns; text categories need no labels.",
            )
        value_labels.setdefault(variable, {})[int(number)] = label
    return variable_labels, value_labels


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``, renamed onto ``path`` if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_output_dir(
    path: str | os.PathLike[str], *, markers: tuple[str, ...] = OUTPUT_MARKERS
) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``path`` when the block succeeds.

    An existing ``path`` is replaced only if it is empty or holds one of ``markers`` (files
    custseg writes); anything else is refused so that a typo in ``--out`` cannot delete a
    user's files.
    """
    final = Path(path).expanduser()
    if final.exists():
        if not final.is_dir():
            raise CustsegError(f"--out {final} is a file, not a folder.", hint="Name a folder.")
        entries = list(final.iterdir())
        if entries and not any((final / marker).exists() for marker in markers):
            raise CustsegError(
                f"--out {final} already holds files that custseg did not write.",
                hint="Choose a new or empty folder, or remove that one first.",
            )
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
        staging.chmod(0o777 & ~_umask())  # mkdtemp makes it private; outputs follow the umask
    except OSError as exc:
        raise CustsegError(f"Cannot write to {final.parent}: {exc.strerror}.") from None
    try:
        yield staging
        if final.exists():
            retired = staging.with_name(staging.name + ".old")
            os.replace(final, retired)
            os.replace(staging, final)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def copy_folder(source: Path, staging: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Copy the files and folders of ``source`` (but the names in ``skip``) into ``staging``,
    the temporary folder of :func:`atomic_output_dir` that is to replace it."""
    for entry in Path(source).iterdir():
        if entry.name in skip:
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name)
        else:
            shutil.copy2(entry, staging / entry.name)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _json_default(value: Any) -> Any:
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (numpy scalars and arrays allowed)."""
    path.write_text(json.dumps(data, indent=2, default=_json_default) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    """Read a JSON file written by :func:`write_json`."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CustsegError(f"No such file: {path}") from None
    except (OSError, ValueError) as exc:
        raise CustsegError(f"Could not read {path}: {exc}") from None


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as UTF-8 CSV without the index."""
    frame.to_csv(path, index=False)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text."""
    path.write_text(text, encoding="utf-8")


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table to a .csv or .parquet file, atomically.

    Raises
    ------
    CustsegError
        For another file type.
    """
    suffix = _suffix(Path(path))
    if suffix not in (".csv", *_PARQUET_SUFFIXES):
        raise CustsegError(f"Cannot write {path}: name a .csv or .parquet file.")
    with atomic_file(path) as tmp:
        if suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)


def write_partitioned(frame: Any, folder: Path) -> None:
    """Write a Dask DataFrame as a partitioned Parquet dataset, one file per partition.

    Raises
    ------
    CustsegError
        If the cluster fails while computing or writing it.
    """
    try:
        frame.to_parquet(folder, write_index=False)
    except Exception as exc:  # the cluster reports worker and schema failures in many types
        raise CustsegError(
            f"Could not write the assignments: {_first_line(exc)}",
            hint="Nothing was written; check the cluster and the input.",
        ) from None


EXPORT_FORMATS = ("png", "pdf", "svg")


def export_figures(figures: dict[str, Any], folder: str | os.PathLike[str], fmt: str) -> None:
    """Write Plotly figures as static images (kaleido, with the system's Chromium).

    Raises
    ------
    CustsegError
        For an unknown format, or when no Chromium can be started.
    """
    import plotly.io as pio

    if fmt not in EXPORT_FORMATS:
        raise CustsegError(
            f"Unknown export format {fmt!r}.", hint=f"Choose one of: {', '.join(EXPORT_FORMATS)}."
        )
    names = tuple(f"{name}.{f}" for name in figures for f in EXPORT_FORMATS)
    with atomic_output_dir(folder, markers=names) as staging:
        try:
            pio.write_images(
                list(figures.values()), [staging / f"{name}.{fmt}" for name in figures]
            )
        except Exception as exc:  # kaleido reports a missing browser in several ways
            raise CustsegError(
                f"Could not export the figures: {_first_line(exc)}",
                hint="Static export needs Chromium (Debian: apt-get install "
                "chromium) and the kaleido package.",
            ) from None


def save_model(path: Path, artifact: dict[str, Any]) -> None:
    """Persist a model artifact with skops (no pickle: loading cannot run arbitrary code)."""
    import skops.io

    skops.io.dump(artifact, path)


def load_model(path: str | os.PathLike[str], *, trusted: list[str]) -> dict[str, Any]:
    """Load a model artifact written by :func:`save_model`, trusting only ``trusted`` extra types.

    Raises
    ------
    CustsegError
        If the file is missing, damaged, or holds types outside the trusted set.
    """
    import skops.io

    path = Path(path).expanduser()
    if not path.is_file():
        raise CustsegError(f"No such model file: {path}")
    try:
        untrusted = set(skops.io.get_untrusted_types(file=path)) - set(trusted)
        if untrusted:
            raise CustsegError(
                f"{path} contains types custseg does not trust: {', '.join(sorted(untrusted))}.",
                hint="Only load models written by custseg; refit the model if in doubt.",
            )
        return skops.io.load(path, trusted=list(trusted))
    except CustsegError:
        raise
    except Exception as exc:  # skops raises many types for damaged archives
        raise CustsegError(f"{path} is not a readable custseg model ({exc}).") from None


# --- SQL sources and targets ---------------------------------------------------------------

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


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
        return self.query or f"SELECT * FROM {quote_identifier(self.table or '')}"


def is_sql(spec: str) -> bool:
    return re.match(r"^[a-z][a-z0-9+]*://", spec) is not None


REDACTED = "***"


def redact_password(spec: str) -> str:
    """A source spec safe to write into outputs: a database URL's password replaced."""
    if not is_sql(spec):
        return spec
    parts = urlsplit(spec)
    if parts.password is None:
        return spec
    netloc = parts.netloc.replace(f":{parts.password}@", f":{REDACTED}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def parse_sql(spec: str) -> SqlSpec:
    """Split a SQL source into engine, location and table/query.

    Raises
    ------
    CustsegError
        Without exactly one of ``table=`` and ``query=``, or with an invalid table name.
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
    if scheme in ("duckdb", "sqlite"):
        location = parts.path if not parts.netloc else parts.netloc + parts.path
        location = location[1:] if location.startswith("//") else location
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


def read_sql(spec: str) -> pd.DataFrame:
    """Read a table or query from DuckDB, SQLite or a SQLAlchemy database.

    Raises
    ------
    CustsegError
        If the database cannot be opened, the table does not exist or the query fails.
    """
    sql = parse_sql(spec)
    try:
        if sql.scheme == "duckdb":
            import duckdb

            if not Path(sql.location).is_file():
                raise CustsegError(f"No DuckDB database at {sql.location}.")
            with duckdb.connect(sql.location, read_only=True) as connection:
                frame = connection.execute(sql.statement).df()
        elif sql.scheme == "sqlite":
            if not Path(sql.location).is_file():
                raise CustsegError(f"No SQLite database at {sql.location}.")
            with contextlib.closing(
                sqlite3.connect(f"file:{sql.location}?mode=ro", uri=True)
            ) as connection:
                frame = pd.read_sql_query(sql.statement, connection)
        else:
            frame = pd.read_sql_query(sql.statement, _sqlalchemy_engine(sql.location))
    except CustsegError:
        raise
    except Exception as exc:  # each driver has its own error types
        raise CustsegError(f"Could not read {spec}: {_first_line(exc)}") from None
    if frame.empty:
        raise CustsegError(f"{spec} returned no rows.")
    return frame


def _sqlalchemy_engine(url: str):
    try:
        import sqlalchemy
    except ImportError:
        raise CustsegError(
            "Reading a server database needs SQLAlchemy and the database's driver.",
            hint="pip install sqlalchemy psycopg (for PostgreSQL).",
        ) from None
    return sqlalchemy.create_engine(url)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def write_table(frame: pd.DataFrame, spec: str) -> None:
    """Write ``frame`` to a Parquet file or a DuckDB/SQLite table, replacing it atomically.

    The new table is written under a temporary name and swapped in inside one transaction, so
    readers see either the old or the new table and a failure leaves the old one untouched.
    """
    if not is_sql(spec):
        if _suffix(Path(spec)) not in _PARQUET_SUFFIXES:
            raise CustsegError(
                f"--write-to {spec}: write to a .parquet file or a DuckDB/SQLite "
                "table (duckdb:///file.db?table=segments)."
            )
        with atomic_file(spec) as tmp:
            frame.to_parquet(tmp, index=False)
        return
    sql = parse_sql(spec)
    if sql.table is None or sql.scheme not in ("duckdb", "sqlite"):
        raise CustsegError(
            f"--write-to {spec}: name a table of a DuckDB or SQLite file.",
            hint="For example duckdb:///shop.db?table=segments",
        )
    target = quote_identifier(sql.table)
    staging = quote_identifier(sql.table.split(".")[-1] + "__custseg_new")
    try:
        if sql.scheme == "duckdb":
            import duckdb

            with duckdb.connect(sql.location) as connection:
                connection.register("incoming", frame)
                connection.execute("BEGIN TRANSACTION")
                connection.execute(f"CREATE OR REPLACE TABLE {staging} AS SELECT * FROM incoming")
                connection.execute(f"DROP TABLE IF EXISTS {target}")
                connection.execute(
                    f"ALTER TABLE {staging} RENAME TO {quote_identifier(sql.table.split('.')[-1])}"
                )
                connection.execute("COMMIT")
        else:
            with contextlib.closing(sqlite3.connect(sql.location)) as connection:
                frame.to_sql(staging.strip('"'), connection, if_exists="replace", index=False)
                connection.execute("BEGIN")  # DDL too, so the swap is all or nothing
                connection.execute(f"DROP TABLE IF EXISTS {target}")
                connection.execute(f"ALTER TABLE {staging} RENAME TO {target}")
                connection.commit()
    except Exception as exc:
        raise CustsegError(f"Could not write to {spec}: {_first_line(exc)}") from None
