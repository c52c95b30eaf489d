"""Every file custseg reads or writes goes through this module.

Outputs are written to a temporary sibling and renamed into place, so a failed run never leaves a
half-written file or folder behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg.errors import CustsegError

CACHE_ENV = "CUSTSEG_CACHE_DIR"
#: Files whose presence marks a folder as custseg's own output, safe to replace on a re-run.
OUTPUT_MARKERS = ("summary.json", "report.html")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".zip")
_PARQUET_SUFFIXES = (".parquet", ".pq")


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


def _parse_delimited(path: Path) -> pd.DataFrame:
    sep = "\t" if _suffix(path).startswith(".tsv") else ","
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            if _suffix(path) == ".zip":
                return _parse_zipped_csv(path, sep=sep, encoding=encoding)
            return pd.read_csv(path, sep=sep, encoding=encoding, low_memory=False)
        except UnicodeDecodeError:
            continue
    raise CustsegError(f"Could not decode {path}: it is neither UTF-8 nor Latin-1 text.")


def _parse_zipped_csv(path: Path, *, sep: str, encoding: str) -> pd.DataFrame:
    with zipfile.ZipFile(path) as archive:
        members = [n for n in archive.namelist() if n.lower().endswith((".csv", ".tsv"))]
        if len(members) != 1:
            raise CustsegError(
                f"{path} holds {len(members)} CSV files; custseg reads a zip with exactly one.",
                hint="Unzip it and pass the CSV file you mean.",
            )
        with archive.open(members[0]) as handle:
            return pd.read_csv(handle, sep=sep, encoding=encoding, low_memory=False)


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV/TSV (optionally gzipped or zipped) or Parquet file into a DataFrame.

    Delimited text is parsed once and then served from a columnar (Parquet) copy in the cache,
    keyed by the file's path, size and modification time.

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
        else:
            raise CustsegError(
                f"Cannot read {path.name}: unknown file type '{suffix}'.",
                hint="custseg reads .csv, .tsv (optionally .gz or .zip) and .parquet files.",
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
def atomic_output_dir(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``path`` when the block succeeds.

    An existing ``path`` is replaced only if it is empty or a previous custseg output folder;
    anything else is refused so that a typo in ``--out`` cannot delete a user's files.
    """
    final = Path(path).expanduser()
    if final.exists():
        if not final.is_dir():
            raise CustsegError(f"--out {final} is a file, not a folder.", hint="Name a folder.")
        entries = list(final.iterdir())
        if entries and not any((final / marker).exists() for marker in OUTPUT_MARKERS):
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
