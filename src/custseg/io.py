"""Every file custseg reads or writes goes through this module.

Outputs are written to a temporary sibling and renamed into place, so a failed run never leaves a
half-written file or folder behind.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pandas as pd

from custseg.errors import CustsegError
from custseg.errors import first_line as _first_line
from custseg.io_tables import (  # noqa: F401  (reading sources lives in custseg.io_tables)
    _PARQUET_SUFFIXES,
    CACHE_ENV,
    _suffix,
    cache_dir,
    read_labels,
    read_table,
)
from custseg.output_dirs import atomic_file as atomic_file
from custseg.output_dirs import atomic_output_dir as atomic_output_dir
from custseg.output_dirs import check_replaceable as check_replaceable
from custseg.output_dirs import check_writable
from custseg.sql import (  # noqa: F401  (SQL sources live in custseg.sql)
    SqlSpec,
    is_sql,
    parse_sql,
    quote_identifier,
    read_sql,
)
from custseg.sql_targets import TABLE_MARK, check_sql_target, write_sql_table


def copy_folder(source: Path, staging: Path, *, skip: tuple[str, ...] = ()) -> None:
    """Copy the files and folders of ``source`` (but the names in ``skip`` and its marker) into
    ``staging``, the temporary folder of :func:`atomic_output_dir` that is to replace it."""
    from custseg.output_dirs import MARKER_FILE

    for entry in Path(source).iterdir():
        if entry.name in (*skip, MARKER_FILE):
            continue
        if entry.is_dir():
            shutil.copytree(entry, staging / entry.name)
        else:
            shutil.copy2(entry, staging / entry.name)


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


def read_package_csv(package: str, name: str) -> list[dict[str, str]]:
    """The rows of a CSV file shipped inside a custseg package (such as its SCF labels)."""
    from importlib.resources import files

    with files(package).joinpath(name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, frame: pd.DataFrame) -> None:
    """Write ``frame`` as UTF-8 CSV without the index."""
    frame.to_csv(path, index=False)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8 text."""
    path.write_text(text, encoding="utf-8")


def check_frame_file(path: str | os.PathLike[str], option: str = "--out") -> None:
    """Refuse, before any work, a place :func:`write_frame` cannot write: a folder, another
    file type, or a place that cannot be written.

    Raises
    ------
    CustsegError
        Naming ``option``.
    """
    _frame_suffix(path)
    check_writable(path, option)


def _frame_suffix(path: str | os.PathLike[str]) -> str:
    suffix = _suffix(Path(path))
    if Path(path).is_dir():
        raise CustsegError(f"Cannot write {path}: it is a folder; name a .csv or .parquet file.")
    if suffix not in (".csv", *_PARQUET_SUFFIXES):
        raise CustsegError(f"Cannot write {path}: name a .csv or .parquet file.")
    return suffix


def write_frame(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a table to a .csv or .parquet file, atomically.

    Raises
    ------
    CustsegError
        For another file type.
    """
    suffix = _frame_suffix(path)
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
    with atomic_output_dir(folder, option="The figures folder") as staging:
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


def save_model(path: Path, artifact: dict[str, Any], *, trusted: Collection[str]) -> None:
    """Write a model artifact in custseg's model file format (no pickle: see
    :mod:`custseg.model_file`), refusing objects whose class is not in ``trusted``."""
    from custseg import model_file

    with atomic_file(path) as staging:
        model_file.write(staging, artifact, trusted=trusted)


def load_model(path: str | os.PathLike[str], *, trusted: Collection[str]) -> dict[str, Any]:
    """Load a model artifact written by :func:`save_model` (or by skops, as custseg wrote models
    before), refusing any file that names a class or function outside ``trusted``.

    Raises
    ------
    CustsegError
        If the file is missing, damaged, or holds types outside the trusted set.
    """
    from custseg import model_file

    path = Path(path).expanduser()
    if not path.is_file():
        raise CustsegError(f"No such model file: {path}")
    model_file.check_directory(path)
    if model_file.is_skops_file(path):
        return _load_skops_model(path, trusted=trusted)
    return model_file.read(path, trusted=trusted)


def _load_skops_model(path: Path, *, trusted: Collection[str]) -> dict[str, Any]:
    import skops.io  # only for models saved before custseg had a format of its own

    # skops names numpy dtypes as this type; the tree format stores them as data.
    trusted = [*trusted, "numpy.dtype"]
    try:
        untrusted = set(skops.io.get_untrusted_types(file=path)) - set(trusted)
        if untrusted:
            raise CustsegError(
                f"{path} contains types custseg does not trust: {', '.join(sorted(untrusted))}.",
                hint="Only load models written by custseg; refit the model if in doubt.",
            )
        return skops.io.load(path, trusted=trusted)
    except CustsegError:
        raise
    except Exception as exc:  # skops raises many types for damaged archives
        raise CustsegError(f"{path} is not a readable custseg model ({exc}).") from None


def check_write_target(spec: str) -> None:
    """Refuse, before any work, a ``--write-to`` target :func:`write_table` would refuse: not a
    .parquet file or a table of a DuckDB, SQLite or PostgreSQL database, a place that cannot be
    written, a missing schema, or a table custseg did not write. Reads only; creates nothing.

    Raises
    ------
    CustsegError
        Naming the target.
    """
    if is_sql(spec):
        check_sql_target(spec)
        return
    if _suffix(Path(spec)) not in _PARQUET_SUFFIXES:
        raise CustsegError(
            f"--write-to {spec}: write to a .parquet file or a DuckDB/SQLite "
            "table (duckdb:///file.db?table=segments)."
        )
    if Path(spec).is_dir():
        raise CustsegError(f"--write-to {spec}: it is a folder; name a .parquet file.")
    _check_parquet_replaceable(spec)
    check_writable(spec, "--write-to")


#: Key of the Parquet schema metadata that marks a file custseg wrote (and may replace).
_PARQUET_MARK = b"custseg"


def _check_parquet_replaceable(spec: str) -> None:
    # Like a database table, an existing file is replaced only if custseg wrote it: a Parquet
    # --write-to naming the source table, or any other file, must not destroy it.
    if not os.path.lexists(spec):
        return
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(spec).metadata or {}
    except Exception:  # not a Parquet file (pyarrow raises several error types)
        metadata = {}
    if metadata.get(_PARQUET_MARK) != TABLE_MARK.encode():
        raise CustsegError(
            f"--write-to {spec}: {spec} already exists and was not written by custseg.",
            hint="Name a new file, or delete that one first if it is to be replaced.",
        )


def _write_marked_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    marked = {**(table.schema.metadata or {}), _PARQUET_MARK: TABLE_MARK.encode()}
    pq.write_table(table.replace_schema_metadata(marked), path)


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
        _check_parquet_replaceable(spec)
        with atomic_file(spec) as tmp:
            _write_marked_parquet(frame, tmp)
        return
    write_sql_table(frame, spec)


def refuse_comparison_folder(folder: Path) -> None:
    """A ``--method all`` folder holds one run per method: say which to point at.

    Raises
    ------
    CustsegError
        If ``folder`` is such a folder.
    """
    if (folder / "methods.csv").is_file():
        runs = sorted(p.name for p in folder.iterdir() if (p / "summary.json").is_file())
        raise CustsegError(
            f"{folder} compares segmentation methods (methods.csv); each method's run is in a "
            "folder of its own.",
            hint=f"Point at one of them, e.g. {folder / (runs[0] if runs else 'kmeans')}.",
        )
