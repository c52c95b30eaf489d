"""Which year's dollars a copy of the SCF summary extract is in, determined from its content.

The Fed re-issues every older extract in the dollars of its newest survey (a 2019 extract
downloaded in 2024 is in 2022 dollars), so the survey year says nothing about a copy's dollars.
A copy is recognised by

1. the sha256 of the file, for copies custseg knows (the shared test copies), else
2. its fingerprint: the weighted median of INCOME, which is known for each release in its own
   survey year's dollars and scales with the Fed's price index (R-CPI-U-RS, September) in any
   other year's dollars; a copy matches a dollar year when its median is within 0.5% of the
   expected one (adjacent survey years differ by at least 3%).

When neither settles it (a release re-issued in the dollars of a survey after 2022), the user
states it with ``CUSTSEG_DOLLARS_OF`` (``2022``, or ``scf2019=2022,scf2022=2022``), for the CLI,
the dashboard and Python alike. A statement that contradicts the fingerprint is refused.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from custseg.deflator import CPI_U_RS_SEPTEMBER, dollar_factor
from custseg.errors import CustsegError
from custseg.stats import weighted_quantile

DOLLARS_OF_ENV = "CUSTSEG_DOLLARS_OF"

#: sha256 of known copies: (survey year, dollar year, what the copy is).
KNOWN_FILES = {
    "8b59ddc7a09ee14c5932e51be23f1e5372614b2c651ab40aa0482e683d301e8d": (
        2019,
        2019,
        "SCFP2019.csv.gz as first released with the 2019 survey",
    ),
    "41c4ba0920fb8b21c81927e13eced19cfa65e323051b43131e31ad8fad244a4b": (
        2022,
        2022,
        "SCFP2022.csv.gz, the content of the Fed's scfp2022excel.zip",
    ),
}

#: Weighted median of INCOME over all rows of each release, in its own survey year's dollars.
MEDIAN_INCOME = {2019: 59_050.84, 2022: 70_259.27}
TOLERANCE = 0.005


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def median_income(frame: pd.DataFrame) -> float:
    return weighted_quantile(
        frame["INCOME"].to_numpy(dtype=float), 0.5, frame["WGT"].to_numpy(dtype=float)
    )


def fingerprint_year(frame: pd.DataFrame, survey_year: int) -> tuple[int | None, float]:
    """The dollar year whose expected median income the copy's matches, and that median."""
    observed = median_income(frame)
    if survey_year not in MEDIAN_INCOME:
        return None, observed
    for year in sorted(y for y in CPI_U_RS_SEPTEMBER if y >= survey_year):
        expected = MEDIAN_INCOME[survey_year] * dollar_factor(survey_year, year, CPI_U_RS_SEPTEMBER)
        if abs(observed / expected - 1) <= TOLERANCE:
            return year, observed
    return None, observed


def stated_year(name: str) -> int | None:
    """The dollar year the user stated for ``name`` (``scf2019``) in ``CUSTSEG_DOLLARS_OF``."""
    text = os.environ.get(DOLLARS_OF_ENV, "").strip()
    if not text:
        return None
    for item in text.split(","):
        key, _, value = item.strip().rpartition("=")
        if key and key.strip().lower() != name:
            continue
        try:
            return int(value)
        except ValueError:
            raise CustsegError(
                f"Cannot read {DOLLARS_OF_ENV}={text!r}.",
                hint="Write a year (2022) or DATASET=YEAR pairs (scf2019=2022,scf2022=2022).",
            ) from None
    return None


def dollar_year(
    frame: pd.DataFrame, *, name: str, survey_year: int, path: Path | None = None
) -> dict:
    """The dollar year of a copy of the ``survey_year`` extract, and how it was determined.

    Returns
    -------
    dict with ``dollars_of`` (int), ``dollars_how`` (str) and, for a file, ``sha256``.

    Raises
    ------
    CustsegError
        When it cannot be determined and was not stated, or the statement contradicts the data.
    """
    result: dict = {}
    known = None
    if path is not None and path.is_file():
        result["sha256"] = file_sha256(path)
        known = KNOWN_FILES.get(result["sha256"])
    matched, observed = fingerprint_year(frame, survey_year)
    stated = stated_year(name)
    if stated is not None:
        if matched is not None and matched != stated:
            raise CustsegError(
                f"{DOLLARS_OF_ENV} says {name} is in {stated} dollars, but its weighted median "
                f"income (${observed:,.0f}) is that of the {survey_year} survey in {matched} "
                "dollars.",
                hint=f"Drop the statement for {name} or correct it to {matched}.",
            )
        return {**result, "dollars_of": stated, "dollars_how": f"stated ({DOLLARS_OF_ENV})"}
    if known is not None and known[0] == survey_year:
        return {
            **result,
            "dollars_of": known[1],
            "dollars_how": f"sha256 of a known copy: {known[2]}, in {known[1]} dollars",
        }
    if matched is not None:
        return {
            **result,
            "dollars_of": matched,
            "dollars_how": (
                f"weighted median income ${observed:,.0f} is the {survey_year} survey's in "
                f"{matched} dollars"
            ),
        }
    raise CustsegError(
        f"Cannot tell which year's dollars this copy of the SCF {survey_year} extract is in "
        f"(weighted median income ${observed:,.0f} matches no known release); the Fed re-issues "
        "old surveys in the dollars of its newest one.",
        hint=f"State it: set {DOLLARS_OF_ENV}={name}=YEAR (the newest survey year at the time "
        "the file was downloaded from the Fed).",
    )
