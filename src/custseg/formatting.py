"""Numbers as people read them: one style for every output (CLI, reports, dashboard).

Plain numbers keep three significant digits and name millions and billions ("65.6 M"); money
reads "$1.23M"; weighted counts (households) are rounded to the precision a survey supports
("12 M", "580,000"); counted nouns agree with their number ("1 customer", "2 customers").
"""

from __future__ import annotations

import math

from custseg.precision import rounded_count

_LARGE = ((1e12, "T"), (1e9, "B"), (1e6, "M"))


def money(value: float) -> str:
    """``1234567 -> '$1.23M'``; negative amounts keep their sign."""
    if value is None or not math.isfinite(value):
        return "n/a"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for divisor, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= divisor:
            return f"{sign}${value / divisor:.3g}{suffix}"
    return f"{sign}${value:,.0f}"


def percent(share: float, digits: int = 1) -> str:
    """``0.1234 -> '12.3%'``."""
    if share is None or not math.isfinite(share):
        return "n/a"
    if 0 < abs(share) < 0.5 * 10 ** -(digits + 2):
        return f"<{10**-digits:.{digits}f}%"
    return f"{100 * share:.{digits}f}%"


def count(value: float, *, significant: int = 2) -> str:
    """A weighted count (households) to the precision a survey supports: ``significant``
    figures and no finer than 10,000, in millions from a million on.

    ``15_660_000 -> '16 M'``, ``578_574 -> '580,000'``, ``3_000 -> '<10,000'``;
    ``count(128_642_431, significant=4) -> '128.6 M'`` (a total the weights fix).
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    if 0 < abs(value) < 5_000:
        return "<10,000"
    rounded = rounded_count(value, significant=significant)
    if abs(rounded) >= 1e6:
        return f"{rounded / 1e6:.{max(significant, 3)}g} M"
    return f"{rounded:,.0f}"


def number(value: float) -> str:
    """Plain numbers as people read them: ``65574500 -> '65.6 M'``, ``1888.2 -> '1,888'``,
    ``303.287 -> '303'``, ``0.35412 -> '0.354'``."""
    if value is None or not math.isfinite(value):
        return "n/a"
    for divisor, suffix in _LARGE:
        if abs(value) >= divisor:
            return f"{value / divisor:.3g} {suffix}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in agreement: ``'1 customer'``, ``'2,345 customers'``,
    ``counted(1, 'entry', 'entries') -> '1 entry'``."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def label_and_name(label: str, name: str) -> str:
    """A column's label followed by its name, ``'Age of head (AGE)'``, unless the label already
    shows the name: ``label_and_name('Age', 'Age') -> 'Age'``."""
    return label if name in label else f"{label} ({name})"
