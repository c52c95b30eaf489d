"""Output folders that custseg owns: written whole or not at all, and never someone else's.

Part of the I/O layer (:mod:`custseg.io` re-exports :func:`atomic_output_dir`). Every folder
custseg writes carries a marker file (:data:`MARKER_FILE`) holding custseg's run id, written
into the staging folder before it is renamed into place. An existing ``--out`` folder is replaced
only when it is empty or carries a valid marker, so a folder of the user's that merely holds a
``report.html`` or ``summary.json`` is refused, not deleted. The marker also records the process
that staged it, so hidden staging folders left beside ``--out`` by a killed run are recognised
and removed by the next run that writes there.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from custseg.errors import CustsegError

MARKER_FILE = ".custseg-run"
MARKER_FORMAT = "custseg-run"
#: A marker larger than this was not written by custseg.
MARKER_MAX_BYTES = 4096
#: Staging folders of another machine (a shared file system) count as abandoned after this long.
STALE_AFTER_SECONDS = 24 * 3600


def umask() -> int:
    """The process's file-creation mask."""
    current = os.umask(0)
    os.umask(current)
    return current


def _process_start(pid: int) -> float | None:
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except (psutil.Error, OSError):
        return None


def write_marker(folder: Path) -> str:
    """Mark ``folder`` as custseg's output; returns the new run id."""
    run_id = str(uuid.uuid4())
    marker = {
        "format": MARKER_FORMAT,
        "run_id": run_id,
        "pid": os.getpid(),
        "process_started": _process_start(os.getpid()),
        "host": socket.gethostname(),
        "created": time.time(),
    }
    (folder / MARKER_FILE).write_text(json.dumps(marker) + "\n", encoding="utf-8")
    return run_id


def read_marker(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The marker of a folder custseg wrote, or None when it has no valid one."""
    path = Path(folder) / MARKER_FILE
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MARKER_MAX_BYTES:
            return None
        marker = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(marker, dict) or marker.get("format") != MARKER_FORMAT:
            return None
        uuid.UUID(str(marker.get("run_id")))
    except (OSError, ValueError):
        return None
    return marker


def is_custseg_folder(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` carries a valid custseg marker."""
    return read_marker(folder) is not None


def _abandoned(marker: dict[str, Any]) -> bool:
    """Whether the run that staged a folder is gone (killed, or crashed)."""
    created = marker.get("created")
    age = time.time() - created if isinstance(created, int | float) else float("inf")
    pid = marker.get("pid")
    if marker.get("host") != socket.gethostname() or not isinstance(pid, int):
        return age > STALE_AFTER_SECONDS
    import psutil

    try:
        started = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:  # zombies included: killed, not yet reaped
        return True
    except (psutil.Error, OSError):  # alive, but not ours to inspect: leave its folder alone
        return False
    # A live process with another start time reused the pid of the run that died.
    return started != marker.get("process_started")


def _staging_name(final: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(final.name)}\.[A-Za-z0-9_]+\.tmp(\.old)?")


def remove_abandoned_staging(final: str | os.PathLike[str]) -> list[Path]:
    """Delete the staging folders that killed runs left beside ``final``; returns them.

    Only hidden folders named like custseg's staging folders for ``final`` and carrying a marker
    of a process that no longer runs are removed; a concurrent run's folder is left alone.
    """
    final = Path(final)
    pattern = _staging_name(final)
    removed = []
    with contextlib.suppress(OSError):
        for entry in final.parent.iterdir():
            if not pattern.fullmatch(entry.name) or entry.is_symlink() or not entry.is_dir():
                continue
            marker = read_marker(entry)
            if marker is not None and _abandoned(marker):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    return removed


def check_writable(final: str | os.PathLike[str], option: str) -> None:
    """Refuse, before any work, a place where nothing can be written: the nearest existing
    folder above ``final`` must accept a new file (probed with a temporary file, removed at
    once; the missing folders below it are created when the output is written).

    Raises
    ------
    CustsegError
        Naming ``option`` (the command-line option that named ``final``).
    """
    final = Path(final).expanduser()
    folder = final.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise CustsegError(f"{option} {final}: {folder} is not a folder.")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise CustsegError(
            f"{option} {final}: cannot write in {folder} ({exc.strerror or exc}).",
            hint="Choose a place you can write to.",
        ) from None


def check_replaceable(final: str | os.PathLike[str], option: str) -> None:
    """Refuse an existing ``final`` that is a file, or a non-empty folder custseg did not mark,
    and a place that cannot be written.

    Raises
    ------
    CustsegError
        Naming ``option`` (the command-line option that named ``final``).
    """
    final = Path(final).expanduser()
    check_writable(final, option)
    if not final.exists() and not final.is_symlink():
        return
    if final.is_symlink() or not final.is_dir():
        raise CustsegError(
            f"{option} {final} exists and is not a folder.", hint="Name a new or empty folder."
        )
    if any(final.iterdir()) and not is_custseg_folder(final):
        raise CustsegError(
            f"{option} {final} already holds files that custseg did not write "
            f"(it has no {MARKER_FILE} marker), so custseg will not replace it.",
            hint="Choose a new or empty folder, or move that one away yourself.",
        )


@contextlib.contextmanager
def atomic_output_dir(path: str | os.PathLike[str], *, option: str = "--out") -> Iterator[Path]:
    """Yield a fresh, marked temporary folder that replaces ``path`` when the block succeeds.

    An existing ``path`` is replaced only if it is empty or carries custseg's marker (a folder
    custseg wrote); anything else is refused so that a typo in ``--out`` cannot delete a user's
    files. Staging folders abandoned beside ``path`` by killed runs are removed first.

    Parameters
    ----------
    path : path-like
        The output folder.
    option : str, default "--out"
        The option that named it, for messages.
    """
    final = Path(path).expanduser()
    check_replaceable(final, option)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        remove_abandoned_staging(final)
        staging = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp"))
    except OSError as exc:
        raise CustsegError(f"Cannot write {option} {final}: {exc.strerror}.") from None
    try:
        staging.chmod(0o777 & ~umask())  # mkdtemp makes it private; outputs follow the umask
        write_marker(staging)
        yield staging
        check_replaceable(final, option)  # it may have changed while the run was working
        if final.exists():
            retired = staging.with_name(staging.name + ".old")
            os.replace(final, retired)
            os.replace(staging, final)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``, renamed onto ``path`` if the block succeeds."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise CustsegError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.chmod(0o666 & ~umask())
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
