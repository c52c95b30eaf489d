"""Survey estimates stated to the precision the data supports.

A weighted count from a few hundred sample households is not known to the household: sizes are
given to two significant figures and never finer than 10,000 households; shares and changes to
0.1 percentage point, each with its standard error, which for the SCF summary extract is the
imputation part only.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the number formatters import this module; they load no pandas
    import pandas as pd

IMPUTATION_ONLY = "imputation uncertainty only"
#: Estimates resting on fewer sample households than this are flagged.
MIN_HOUSEHOLDS = 30
#: Appended to every standard error shown.
SE_LABEL = f"SE, {IMPUTATION_ONLY}"


def rounded_count(value: float, *, significant: int = 2) -> float:
    """``significant`` figures, and no finer than the nearest 10,000."""
    if value is None or not math.isfinite(value) or value == 0:
        return value
    unit = max(10 ** (math.floor(math.log10(abs(value))) - significant + 1), 10_000)
    return round(value / unit) * unit


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
        f"rests on {households:,.0f} sample households (fewer than {minimum}): too few for a "
        "reliable estimate"
    )


#: The headings of :func:`size_table`'s spread columns.
SHARE_SE_HEADING = f"share (± {SE_LABEL})"
SHARE_RANGE_HEADING = "share across implicates (lowest to highest)"


def size_table(profiles: pd.DataFrame) -> pd.DataFrame:
    """Segment sizes as people read them: one row per segment with ``segment``, ``name``,
    ``size`` (the size in words) and, for multiply-imputed surveys, the share with its standard
    error and its range across implicates, formatted as percentages.

    Parameters
    ----------
    profiles : DataFrame of shape (k, n_columns)
        Segment profiles with ``segment, name, size, share`` and optionally ``share_se,
        share_min, share_max`` (fractions).
    """
    import pandas as pd

    shown = pd.DataFrame(
        {
            "segment": profiles["segment"].to_numpy(),
            "name": profiles["name"].to_numpy(),
            # "Segment 2: 3.8 M US households (...)" reads "3.8 M US households (...)" in a row
            # that already names the segment.
            "size": [str(size).split(": ", 1)[-1] for size in profiles["size"]],
        }
    )
    if "share_se" in profiles:
        shown[SHARE_SE_HEADING] = [
            share_with_se(share, se)
            for share, se in zip(profiles["share"], profiles["share_se"], strict=True)
        ]
    if {"share_min", "share_max"} <= set(profiles.columns):
        shown[SHARE_RANGE_HEADING] = [
            f"{100 * low:.1f}% to {100 * high:.1f}%" if math.isfinite(low) else ""
            for low, high in zip(profiles["share_min"], profiles["share_max"], strict=True)
        ]
    return shown
