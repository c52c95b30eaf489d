"""Reading customer tables and label files: every format custseg accepts as a source.

Part of custseg's one place for files: :mod:`custseg.io` re-exports these names, and writes.
"""

from __future__ import annotations

import contextlib
import csv
import glob
import gzip
import hashlib
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pandas as pd

from custseg.errors import CustsegError
from custseg.errors import first_line as _first_line
from custseg.output_dirs import atomic_file

CACHE_ENV = "CUSTSEG_CACHE_DIR"
_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".zip")
_PARQUET_SUFFIXES = (".parquet", ".pq")
_EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def cache_dir() -> Path:
    """The folder for downloads and columnar copies: ``$CUSTSEG_CACHE_DIR`` or the user cache."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # where pooch keeps its downloads too, without importing pooch

    return Path(platformdirs.user_cache_dir("custseg"))


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
    """Read a delimited text, Parquet or Excel file, or a Parquet dataset, into a DataFrame.

    A folder (hive-partitioned folders such as ``year=2024/`` become columns) or a glob
    (``parts/*.parquet``) of Parquet files is read as one table.

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
        if path.is_dir() or (glob.has_magic(str(path)) and glob.glob(str(path), recursive=True)):
            return _read_parquet_dataset(path)
        raise CustsegError(
            f"No such file: {path}", hint="Check the path, or name a built-in dataset (scf2019)."
        )
    suffix = _suffix(path)
    try:
        if suffix in _PARQUET_SUFFIXES:
            frame = _read_parquet(path)
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


def _read_parquet_dataset(path: Path) -> pd.DataFrame:
    """A folder or glob of Parquet files as one table (pyarrow.dataset; hive partitions)."""
    import pyarrow.dataset as ds

    if path.is_dir():
        source: Path | list[str] = path
        found = any(_suffix(p) in _PARQUET_SUFFIXES for p in path.rglob("*") if p.is_file())
    else:
        source = sorted(glob.glob(str(path), recursive=True))
        found = bool(source) and all(_suffix(Path(p)) in _PARQUET_SUFFIXES for p in source)
    if not found:
        raise CustsegError(
            f"No Parquet files {'in' if path.is_dir() else 'match'} {path}.",
            hint="A folder or glob source must hold .parquet files (a hive-partitioned "
            "folder works too); name a single CSV or Excel file directly.",
        )
    try:
        frame = ds.dataset(source, format="parquet", partitioning="hive").to_table().to_pandas()
    except (OSError, ValueError) as exc:  # pyarrow's errors derive from these
        raise CustsegError(f"Could not read {path}: {_first_line(exc)}") from None
    if frame.shape[1] == 0 or frame.empty:
        raise CustsegError(f"{path} holds no rows.")
    return frame


#: Parquet files smaller than this are decoded on one thread: starting Arrow's thread pool costs
#: more than it saves (0.1-0.3 s for the 4 MB SCF extract on a 2-core machine).
THREADED_PARQUET_BYTES = 64 * 2**20


#: Arrow columns become one pandas block each instead of being copied into one block per dtype:
#: the copy of a wide table (the SCF's 351 columns) cost more than reading it (pandas 3 passes
#: these options to pyarrow; the frame's values and dtypes are the same).
_SPLIT_BLOCKS = (
    {"to_pandas_kwargs": {"split_blocks": True, "self_destruct": True}}
    if int(pd.__version__.split(".")[0]) >= 3
    else {}
)


def _read_parquet(path: Path) -> pd.DataFrame:
    return pd.read_parquet(
        path, use_threads=path.stat().st_size >= THREADED_PARQUET_BYTES, **_SPLIT_BLOCKS
    )


def _cached_parse(path: Path) -> pd.DataFrame:
    stat = path.stat()
    key = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()
    columnar = cache_dir() / "tables" / f"{key[:32]}.parquet"
    if columnar.is_file():
        try:
            return _read_parquet(columnar)
        except (OSError, ValueError):
            columnar.unlink(missing_ok=True)  # a damaged cache entry is rebuilt, not trusted
    frame = _parse_delimited(path)
    # The cache is an optimisation: a read-only or full cache folder must not fail the run.
    with contextlib.suppress(OSError, ValueError, CustsegError), atomic_file(columnar) as tmp:
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
