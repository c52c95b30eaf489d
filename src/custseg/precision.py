"""Survey estimates stated to the precision the data supports.

A weighted count from a few hundred sample households is not known to the household: sizes are
given to two significant figures and never finer than 10,000 households; shares and changes to
0.1 percentage point, each with its standard error, which for the SCF summary extract is the
imputation part only.
"""

from __future__ import annotations

import math

IMPUTATION_ONLY = "imputation uncertainty only"
#: Estimates resting on fewer sample households than this are flagged.
MIN_HOUSEHOLDS = 30
#: Appended to every standard error shown.
SE_LABEL = f"SE, {IMPUTATION_ONLY}"


def rounded_count(value: float) -> float:
    """Two significant figures, and no finer than the nearest 10,000."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    unit = max(10 ** (math.floor(math.log10(abs(value))) - 1), 10_000)
    return round(value / unit) * unit


def survey_count(value: float) -> str:
    """``578574 -> '580,000'``, ``15_660_000 -> '16 M'``; ``'<10,000'`` below that."""
    if value is None or not math.isfinite(value):
        return "n/a"
    if 0 < abs(value) < 5_000:
        return "<10,000"
    rounded = rounded_count(value)
    if abs(rounded) >= 1e6:
        return f"{rounded / 1e6:.3g} M"
    return f"{rounded:,.0f}"


def share_with_se(share: float, se: float | None = None) -> str:
    """``0.2574, 0.0097 -> '25.7% ± 1.0'`` (points)."""
    text = f"{100 * share:.1f}%"
    if se is not None and math.isfinite(se):
        text += f" ± {100 * se:.1f}"
    return text


def points_with_se(points: float, se: float | None = None) -> str:
    """A change in percentage points, ``'+5.6 ± 1.8'``."""
    text = f"{points:+.1f}"
    if se is not None and math.isfinite(se):
        text += f" ± {se:.1f}"
    return text


def few_households_note(households: float, minimum: int) -> str:
    """The warning attached to an estimate resting on fewer than ``minimum`` households."""
    return (
        f"rests on {households:.0f} sample households (fewer than {minimum}): too few for a "
        "reliable estimate"
    )
