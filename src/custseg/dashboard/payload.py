"""Callback answers as plain JSON values, built once and sent many times.

Dash writes an answer with orjson when it holds only dicts, lists, strings, numbers and numeric
arrays; a component object or a :class:`dash.Patch` anywhere in it sends the whole answer down a
pure-Python path that costs about 18 ms per 50 kB. The dashboard caches its answers already
converted by :func:`plain`, so a cached answer costs about a millisecond to send. The browser
receives the same JSON either way.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """``value`` with every component and patch replaced by its JSON form, numpy values by
    Python lists and numbers."""
    if hasattr(value, "to_plotly_json"):
        return plain(value.to_plotly_json())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value
