"""The Federal Reserve's Survey of Consumer Finances (SCF) summary extract.

``custseg data fetch`` downloads the official extract, checks it and caches a columnar copy. A
folder holding ``SCFP{YEAR}.csv.gz`` (or ``.csv``, or the Fed's ``scfp{YEAR}excel.zip``), given
by ``--data-dir``, ``CUSTSEG_DATA_DIR`` or ``custseg data use`` (see
:mod:`custseg.datasets.location`), is used instead, with no network.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from custseg import defaults, io
from custseg.dataset import Dataset
from custseg.datasets import location
from custseg.datasets.scf_dollars import dollar_year
from custseg.datasets.scf_labels import VARIABLE_LABELS, extract_value_labels, scf_label
from custseg.datasets.scf_variables import (
    CODED_VARIABLES,
    DEMOGRAPHIC_VARIABLES,
    DOLLAR_VARIABLES,
    PERSONA_VARIABLES,
    POPULATIONS,
    REQUIRED_COLUMNS,
    TRAIT_WORDS,
)
from custseg.errors import CustsegError
from custseg.formatting import counted
from custseg.roles import is_flag

DATA_DIR_ENV = location.DATA_DIR_ENV
BASE_URL_ENV = "CUSTSEG_SCF_BASE_URL"
DEFAULT_BASE_URL = "https://www.federalreserve.gov/econres/files/"


@dataclass(frozen=True)
class ScfRelease:
    """One survey year of the summary extract and what a valid copy of it looks like."""

    year: int
    n_rows: int

    @property
    def name(self) -> str:
        return f"scf{self.year}"

    @property
    def archive(self) -> str:
        return f"scfp{self.year}excel.zip"

    @property
    def member(self) -> str:
        return f"SCFP{self.year}.csv"


RELEASES = {
    release.name: release for release in (ScfRelease(2019, 28_885), ScfRelease(2022, 22_975))
}

def release_for(name: str) -> ScfRelease:
    """The release addressed as ``scf2019``/``scf2022``.

    Raises
    ------
    CustsegError
        If the name is not a known SCF dataset.
    """
    key = name.strip().lower()
    if key not in RELEASES:
        raise CustsegError(
            f"Unknown dataset {name!r}.",
            hint=f"Built-in datasets: {', '.join(RELEASES)}; or pass a path to a CSV/Parquet file.",
        )
    return RELEASES[key]


def is_scf_name(name: str) -> bool:
    return re.fullmatch(r"scf\d{4}", name.strip().lower()) is not None


def local_copy(release: ScfRelease) -> Path | None:
    """The release's file in the data folder, or None when no data folder is set."""
    folder = location.data_folder()
    if folder is None:
        return None
    found = location.files_in(folder.path).get(release.year)
    if found is not None:
        return found
    raise CustsegError(
        f"{folder.path} ({folder.origin}) holds no SCFP{release.year}.csv.gz, "
        f"SCFP{release.year}.csv or {release.archive}.",
        hint=_how_to_provide(release),
    )


def _local_copy_hint(release: ScfRelease) -> str:
    return (
        f"`custseg data use PATH` remembers a folder holding SCFP{release.year}.csv.gz for every "
        "later command; `--data-dir PATH` (before the command) or "
        f"{DATA_DIR_ENV}=PATH uses it once."
    )


def _how_to_provide(release: ScfRelease) -> str:
    return (
        f"Run `custseg data fetch scf --year {release.year}` with network access (it downloads "
        f"{release.archive} from the Federal Reserve and caches it), or use a local copy: "
        + _local_copy_hint(release)
    )


def download_failure(exc: Exception) -> str:
    """Why a download failed, in a few words."""
    import requests

    if isinstance(exc, requests.Timeout):
        return "the server did not answer in time"
    if isinstance(exc, requests.ConnectionError):
        return "the server could not be reached (no network connection, or a proxy or firewall)"
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return f"the server answered {exc.response.status_code} {exc.response.reason}"
    return str(exc) or type(exc).__name__


def _cached_copy(release: ScfRelease) -> Path:
    return io.cache_dir() / "scf" / f"scfp{release.year}.parquet"


def _provenance_file(release: ScfRelease) -> Path:
    return io.cache_dir() / "scf" / f"scfp{release.year}.json"


def validate(frame: pd.DataFrame, release: ScfRelease, *, origin: str) -> None:
    """Check that ``frame`` looks like the SCF summary extract of ``release``.

    Raises
    ------
    CustsegError
        Naming what is wrong: missing columns, a wrong row count or broken ids.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise CustsegError(
            f"{origin} is not the SCF {release.year} summary extract: it lacks the columns "
            f"{', '.join(missing)}.",
            hint=_how_to_provide(release),
        )
    if len(frame) != release.n_rows:
        raise CustsegError(
            f"{origin} has {counted(len(frame), 'row')}; the SCF {release.year} summary extract "
            f"has {release.n_rows:,} (a truncated or different file).",
            hint=_how_to_provide(release),
        )
    implicate = frame["Y1"] % 10
    if not ((frame["Y1"] // 10 == frame["YY1"]).all() and implicate.between(1, 5).all()):
        raise CustsegError(
            f"{origin} has household ids (YY1, Y1) that do not match.",
            hint=_how_to_provide(release),
        )


def fetch(name: str, *, force: bool = False, progressbar: bool = False) -> Path:
    """Download, check and cache the official extract; return the cached columnar copy.

    The archive is downloaded into a temporary folder and checked before anything reaches the
    cache, so a failed, corrupt or truncated download leaves the cache as it was.

    Parameters
    ----------
    name : str
        ``scf2019`` or ``scf2022``.
    force : bool, default False
        Download again even if a cached copy exists.
    progressbar : bool, default False
        Show pooch's download progress bar.
    """
    import pooch
    import requests

    release = release_for(name)
    target = _cached_copy(release)
    if target.is_file() and not force:
        return target
    base_url = os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL)
    url = base_url.rstrip("/") + "/" + release.archive
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".download-"))
    try:
        try:
            archive = Path(
                pooch.retrieve(
                    url,
                    known_hash=None,
                    fname=release.archive,
                    path=staging,
                    progressbar=progressbar,
                )
            )
        except (requests.RequestException, OSError) as exc:
            raise CustsegError(
                f"The download of the SCF {release.year} data failed: {download_failure(exc)} "
                f"({url}).",
                hint=f"Try again when the network is back (or set {BASE_URL_ENV} to a mirror), "
                "or use a local copy: " + _local_copy_hint(release),
            ) from None
        try:
            frame = io.read_table(archive)
            validate(frame, release, origin=f"The download from {url}")
        except CustsegError as err:
            raise CustsegError(
                err.message,
                hint="Download it again later, or use a local copy: " + _local_copy_hint(release),
            ) from None
        with io.atomic_file(target) as tmp:
            frame.to_parquet(tmp, index=False)
        with io.atomic_file(_provenance_file(release)) as tmp:
            io.write_json(
                tmp,
                {
                    "url": url,
                    "sha256": pooch.file_hash(str(archive)),
                    "downloaded": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                },
            )
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load(name: str) -> Dataset:
    """Load an SCF summary extract as a :class:`~custseg.dataset.Dataset`.

    A copy in ``$CUSTSEG_DATA_DIR`` wins; otherwise the cached download is used; with neither,
    the error says how to provide one.
    """
    release = release_for(name)
    local = local_copy(release)
    if local is not None:
        frame = io.read_table(local)
        validate(frame, release, origin=str(local))
        provenance = {
            "file": str(local),
            **dollar_year(frame, name=release.name, survey_year=release.year, path=local),
        }
    else:
        cached = _cached_copy(release)
        if not cached.is_file():
            raise CustsegError(
                f"The SCF {release.year} data is not on this machine yet.",
                hint=_how_to_provide(release),
            )
        frame = io.read_table(cached)
        validate(frame, release, origin=str(cached))
        provenance = {
            "file": str(cached),
            **io.read_json(_provenance_file(release)),
            **dollar_year(frame, name=release.name, survey_year=release.year),
        }
    return scf_dataset(frame, name=release.name, provenance=provenance)


def file_provenance(frame: pd.DataFrame, path: Path) -> dict:
    """Provenance of an SCF extract given by path: its release by row count, and its dollars."""
    release = next((r for r in RELEASES.values() if r.n_rows == len(frame)), None)
    if release is None:
        return {"file": str(path)}
    found = dollar_year(frame, name=release.name, survey_year=release.year, path=path)
    return {"file": str(path), "survey_year": release.year, **found}


def _flags(frame: pd.DataFrame) -> frozenset[str]:
    """Every column of 0s and 1s but ids, amounts (MORT3 is all 0 in 2019) and coded ones."""
    known = {"YY1", "Y1", "WGT"} | DOLLAR_VARIABLES | CODED_VARIABLES
    return frozenset(c for c in frame.columns if c not in known and is_flag(frame[c]))


def scf_dataset(frame: pd.DataFrame, *, name: str, provenance: dict | None = None) -> Dataset:
    """Describe a frame holding an SCF summary extract."""
    columns = set(frame.columns)
    flags = _flags(frame)
    return Dataset(
        name=name,
        frame=frame,
        id_columns=("YY1", "Y1"),
        weight_column="WGT",
        household_column="YY1",
        implicate_column="Y1",
        dollar_columns=DOLLAR_VARIABLES & columns,
        categorical_columns=CODED_VARIABLES & columns,
        flag_columns=flags,
        labels={k: v for k, v in VARIABLE_LABELS.items() if k in columns},
        value_labels=extract_value_labels(columns, flags),
        populations=POPULATIONS,
        provenance=dict(provenance or {}),
        label_fallback=scf_label,
        weight_unit="US households",
        descriptor_columns=PERSONA_VARIABLES,
        demographic_columns=tuple(c for c in DEMOGRAPHIC_VARIABLES if c in columns),
        trait_words=TRAIT_WORDS,
        default_n_features=defaults.SCF_RANKED_FEATURES,
    )
