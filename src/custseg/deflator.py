"""Dollar amounts of different survey years on one basis, as the Fed's SCF bulletins do.

The Federal Reserve states every SCF dollar figure in the dollars of a survey year using the
Bureau of Labor Statistics' consumer price index research series using current methods,
R-CPI-U-RS (called CPI-U-RS until 2023), all items, US city average, September of each survey
year (the survey's interviews centre on it). Source of the index: BLS,
https://www.bls.gov/cpi/research-series/r-cpi-u-rs-home.htm (December 1977 = 100). The values
below are those of the Fed's own bulletin code for the summary extract
(https://www.federalreserve.gov/econres/files/bulletin.macro.txt, where they are written times
ten: 3775 for 2019, 4376 for 2022).

Checked against the Fed's published figures: 2019 median net worth $121.7k in 2019 dollars is
$141.1k in 2022 dollars (121,760 x 437.6 / 377.5 = 141,144), and the real changes 2019 to 2022
computed from the two extracts with this index are median income +2.6%, mean income +14.8% and
median net worth +36.5%, which round to the bulletin's +3%, +15% and +37%. Mean net worth comes
out at +22.4% against the bulletin's +23%: the public extract's means are slightly lower than the
Fed's internal figures in both years (disclosure review alters the top of the public file), not
an effect of the index.
"""

from __future__ import annotations

from collections.abc import Mapping

from custseg.errors import CustsegError

#: R-CPI-U-RS, September of each SCF survey year (December 1977 = 100), as used by the Fed.
CPI_U_RS_SEPTEMBER: dict[int, float] = {
    1989: 189.8,
    1992: 211.2,
    1995: 226.1,
    1998: 240.0,
    2001: 261.4,
    2004: 278.5,
    2007: 305.8,
    2010: 320.4,
    2013: 343.8,
    2016: 354.8,
    2019: 377.5,
    2022: 437.6,
}
DEFAULT_INDEX_NAME = "R-CPI-U-RS, September (the Fed's SCF deflator)"


def dollar_factor(from_year: int | None, to_year: int | None, cpi: Mapping[int, float]) -> float:
    """Multiply ``from_year`` dollars by this to get ``to_year`` dollars.

    Raises
    ------
    CustsegError
        If a year has no index value.
    """
    if from_year is None or to_year is None or from_year == to_year:
        return 1.0
    missing = [year for year in (from_year, to_year) if year not in cpi]
    if missing:
        raise CustsegError(
            f"No price index value for {', '.join(map(str, missing))}.",
            hint="Give one with --cpi YEAR=VALUE (R-CPI-U-RS, September, as the Fed uses).",
        )
    return cpi[to_year] / cpi[from_year]


def price_index(overrides: Mapping[int, float] | None = None) -> dict[int, float]:
    """The Fed's index with the given years replaced."""
    return {**CPI_U_RS_SEPTEMBER, **(overrides or {})}


def index_name(overrides: Mapping[int, float] | None = None) -> str:
    """How to name the index in reports: the Fed's, or the user's values where given."""
    if not overrides:
        return DEFAULT_INDEX_NAME
    given = ", ".join(f"{year} = {value:g}" for year, value in sorted(overrides.items()))
    return f"{DEFAULT_INDEX_NAME}, with the values given by --cpi ({given})"


def parse_cpi(items: list[str]) -> dict[int, float]:
    """Read ``["2019=377.5", ...]``.

    Raises
    ------
    CustsegError
        For an item that is not YEAR=VALUE with a positive value.
    """
    cpi = {}
    for item in items:
        year, _, value = item.partition("=")
        try:
            cpi[int(year)] = float(value)
        except ValueError:
            raise CustsegError(
                f"Cannot read --cpi {item!r}.", hint="Write YEAR=VALUE, e.g. --cpi 2022=437.6."
            ) from None
        if not cpi[int(year)] > 0:
            raise CustsegError(f"--cpi {item!r} must be positive.")
    return cpi
