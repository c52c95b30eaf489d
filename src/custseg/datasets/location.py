"""Where the built-in datasets' files are, remembered so that later commands need no variable.

A folder holding the SCF files is found, in this order: the command line's ``--data-dir``, the
``CUSTSEG_DATA_DIR`` variable, the folder remembered by ``custseg data use PATH`` (a small JSON
file in the user config folder); without any of them the download cache is used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from custseg import io
from custseg.errors import CustsegError

DATA_DIR_ENV = "CUSTSEG_DATA_DIR"
#: Overrides the user config folder (``~/.config/custseg`` on Linux).
CONFIG_DIR_ENV = "CUSTSEG_CONFIG_DIR"
CONFIG_FILE = "config.json"
#: The file names a data folder may hold for a survey year, in lower case.
FILE_PATTERNS = ("scfp{year}.csv.gz", "scfp{year}.csv", "scfp{year}excel.zip")

# --data-dir for the rest of this process (the command, or the server it starts).
_process_data_dir: Path | None = None


@dataclass(frozen=True)
class DataFolder:
    """A folder to read the built-in datasets from, and what chose it (for messages)."""

    path: Path
    origin: str


def config_file() -> Path:
    """The user config file: in ``$CUSTSEG_CONFIG_DIR``, else the platform's config folder."""
    configured = os.environ.get(CONFIG_DIR_ENV)
    if configured:
        return Path(configured).expanduser() / CONFIG_FILE
    import platformdirs

    return Path(platformdirs.user_config_dir("custseg", appauthor=False)) / CONFIG_FILE


def set_process_data_dir(path: Path | None) -> None:
    """Make ``path`` the data folder of this process (the command line's ``--data-dir``);
    None forgets it."""
    global _process_data_dir
    _process_data_dir = None if path is None else checked_folder(path, "--data-dir")


def files_in(folder: Path) -> dict[int, Path]:
    """The SCF file of each survey year that ``folder`` holds."""
    from custseg.datasets.scf import RELEASES

    names = {p.name.lower(): p for p in sorted(folder.iterdir())} if folder.is_dir() else {}
    found = {}
    for release in RELEASES.values():
        for pattern in FILE_PATTERNS:
            if pattern.format(year=release.year) in names:
                found[release.year] = names[pattern.format(year=release.year)]
                break
    return found


def checked_folder(path: Path, option: str) -> Path:
    """``path`` as an absolute folder that holds at least one survey year's file.

    Raises
    ------
    CustsegError
        If it is not a folder or holds none of the SCF files.
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise CustsegError(
            f"{option} {path}: " + ("not a folder." if folder.exists() else "no such folder."),
            hint="Give the folder that holds SCFP2019.csv.gz and SCFP2022.csv.gz.",
        )
    if not files_in(folder):
        raise CustsegError(
            f"{option} {path} holds none of the SCF files (SCFP2019.csv.gz, SCFP2019.csv, "
            "scfp2019excel.zip, or the same for 2022).",
            hint="Give the folder that holds them, or download them with "
            "`custseg data fetch scf --year 2019`.",
        )
    return folder


def remembered() -> Path | None:
    """The folder ``custseg data use`` remembered, if any.

    Raises
    ------
    CustsegError
        If the config file cannot be read or is not one custseg wrote.
    """
    path = config_file()
    if not path.is_file():
        return None
    settings = io.read_json(path)
    folder = settings.get("data_dir") if isinstance(settings, dict) else None
    if not isinstance(folder, str) or not folder:
        raise CustsegError(
            f"{path} is damaged: it has no data_dir entry.",
            hint="Run `custseg data use PATH` again to rewrite it.",
        )
    return Path(folder)


def remember(path: Path) -> tuple[Path, dict[int, Path]]:
    """Check ``path`` and remember it for every later command; return the folder and the
    files found in it. The config file is written to a temporary name and renamed."""
    folder = checked_folder(path, "custseg data use")
    target = config_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    with io.atomic_file(target) as tmp:
        io.write_json(tmp, {"data_dir": str(folder)})
    return folder, files_in(folder)


def data_folder() -> DataFolder | None:
    """The folder to read the built-in datasets from, or None for the download cache."""
    if _process_data_dir is not None:
        return DataFolder(_process_data_dir, "--data-dir")
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return DataFolder(Path(configured).expanduser(), f"{DATA_DIR_ENV}={configured}")
    folder = remembered()
    if folder is not None:
        return DataFolder(folder, f"`custseg data use`, remembered in {config_file()}")
    return None
