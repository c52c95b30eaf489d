"""Numbers as people read them."""

from __future__ import annotations

import math


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


def count(value: float) -> str:
    """Large counts in words people use: ``128642431 -> '128.6 M'``."""
    if value >= 1e6:
        return f"{value / 1e6:.1f} M"
    return f"{value:,.0f}"


def number(value: float) -> str:
    """Plain numbers with three significant digits and thousands separators."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"
