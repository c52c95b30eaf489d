"""Every value a browser sends is checked here against what the server was started with.

Anyone can POST to ``/_dash-update-component`` without the page, so a callback's inputs are
hostile until checked: each one passes through ``CHECKS`` before it reaches the analysis. A value
outside the server's choices (a dataset it was not started with, a path, SQL, a population or
feature the dataset lacks, an out-of-range k, a wrong type, an oversized list or name) is replaced
by the default, and a message on the page says so. The app refuses to start with a control that
has no check here, so a new control cannot skip this.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from custseg.config import SELECT_CHOICES
from custseg.dashboard import ids
from custseg.dashboard.state import K_MAX, K_MIN, N_FEATURES_MAX, ViewState
from custseg.engine import METHODS
from custseg.preprocess import TRANSFORM_CHOICES

#: Largest request body the server reads (Flask answers 413 above it); callbacks need ~2 kB.
MAX_REQUEST_BYTES = 1_000_000
#: Longest URL query string read.
MAX_SEARCH_LENGTH = 4_000
#: Longest dataset, population or feature name accepted.
MAX_NAME_LENGTH = 200
#: Most features a user may name.
MAX_NAMED_FEATURES = 30
TABS = (ids.TAB_SEGMENTS, ids.TAB_EXPLORE, ids.TAB_COMPARE)
_SHOWN = 60  # characters of a refused value echoed in a message


class Rejected(ValueError):
    """A browser value outside the server's choices; the text says what is accepted."""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


def _name(value: Any, allowed: Sequence[str], what: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_NAME_LENGTH or value not in allowed:
        raise Rejected(f"not {what}")
    return value


def _integer(value: Any, low: int, high: int) -> int:
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not integral or not low <= value <= high:
        raise Rejected(f"not a whole number from {low} to {high}")
    return int(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise Rejected("not on or off")
    return value


def _features(analysis, dataset: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > MAX_NAMED_FEATURES:
        raise Rejected(f"not a list of at most {MAX_NAMED_FEATURES} feature names")
    allowed = analysis.feature_names(dataset)
    unknown = [v for v in value if not isinstance(v, str) or v not in allowed]
    if unknown:
        raise Rejected(f"{_shown(unknown[0])} is not a feature of {dataset}")
    if len(set(value)) < len(value):
        raise Rejected("a feature is named twice")
    return tuple(value)


#: ViewState field -> check(analysis, checked dataset, value) returning the clean value or
#: raising Rejected. "dataset" comes first: the other checks depend on it.
CHECKS: dict[str, Callable[[Any, str, Any], Any]] = {
    "dataset": lambda a, _d, v: _name(v, a.datasets, "a dataset this dashboard serves"),
    "population": lambda a, d, v: _name(v, a.populations(d), f"a population of {d}"),
    "weighted": lambda _a, _d, v: _boolean(v),
    "select": lambda _a, _d, v: _name(v, SELECT_CHOICES, "a way of choosing features"),
    "n_features": lambda _a, _d, v: _integer(v, 1, N_FEATURES_MAX),
    "features": _features,
    "transform": lambda _a, _d, v: _name(v, TRANSFORM_CHOICES, "a transform custseg offers"),
    # None: the recommended k (the opening view, before the page shows which k that is).
    "k": lambda _a, _d, v: None if v is None else _integer(v, K_MIN, K_MAX),
    "method": lambda _a, _d, v: _name(v, METHODS, "a segmentation method custseg offers"),
}


def require_checks(fields: Sequence[str]) -> None:
    """Fail at start-up if a control has no check (a developer's error, not a user's)."""
    missing = [f for f in fields if f not in CHECKS]
    if missing:
        raise RuntimeError(f"dashboard controls without a check in validate.CHECKS: {missing}")


@dataclass(frozen=True)
class Checked:
    """A clean view state and one message per value that was replaced by its default."""

    state: ViewState
    messages: list[str]


def _fallback(analysis, defaults: ViewState, field: str, dataset: str) -> Any:
    value = getattr(defaults, field)
    if field == "population":
        populations = analysis.populations(dataset)
        return value if value in populations else populations[0]
    return value


def view_state(
    analysis, defaults: ViewState, fields: Sequence[str], values: Sequence[Any]
) -> Checked:
    """The view state of raw control values (``fields[i]`` is set by ``values[i]``).

    Parameters
    ----------
    analysis : Analysis
        Knows the served datasets and each one's populations and features.
    defaults : ViewState
        What the server opened on; replaces every refused value.
    fields : sequence of str, length n_controls
    values : sequence, length n_controls
        As sent by the browser: any JSON value.
    """
    if not isinstance(values, Sequence) or len(values) != len(fields):
        return Checked(defaults, ["The page sent an unexpected set of settings; showing defaults."])
    clean: dict[str, Any] = {}
    messages = []
    for field, value in zip(fields, values, strict=True):
        dataset = clean.get("dataset", defaults.dataset)
        try:
            clean[field] = CHECKS[field](analysis, dataset, value)
        except Rejected as reason:
            clean[field] = _fallback(analysis, defaults, field, dataset)
            label = field.replace("_", " ")
            messages.append(
                f"Ignored the {label} {_shown(value)}: {reason}. Using {clean[field]!r} instead."
            )
    return Checked(ViewState(**{**vars(defaults), **clean}), messages)


def dataset(analysis, defaults: ViewState, value: Any) -> Checked:
    """Only the dataset checked (for the callbacks that need nothing else)."""
    try:
        name = CHECKS["dataset"](analysis, defaults.dataset, value)
        return Checked(ViewState(**{**vars(defaults), "dataset": name}), [])
    except Rejected as reason:
        message = f"Ignored the dataset {_shown(value)}: {reason}. Using {defaults.dataset!r}."
        return Checked(defaults, [message])


def tab(value: Any) -> str:
    """The tab asked for, or the segments tab."""
    return value if isinstance(value, str) and value in TABS else ids.TAB_SEGMENTS


def ticks(value: Any) -> int:
    """The count of a timer's ticks (only read to know that it fired), or 0 for anything else."""
    try:
        return _integer(value, 0, 10**9)
    except Rejected:
        return 0


def search(value: Any) -> tuple[str, list[str]]:
    """The URL query string if it is one of reasonable length, else an empty one."""
    if value is None:
        return "", []
    if not isinstance(value, str) or len(value) > MAX_SEARCH_LENGTH:
        return "", ["Ignored the settings in the address: not a query string custseg reads."]
    return value, []


def search_resets(text: str, state: ViewState) -> list[str]:
    """A message naming the settings in the address that ``state`` does not follow."""
    asked = {key: values[-1] for key, values in parse_qs(text.lstrip("?")).items()}
    used = {key: values[-1] for key, values in parse_qs(state.to_search().lstrip("?")).items()}
    ignored = sorted(key[:_SHOWN] for key, value in asked.items() if used.get(key) != value)
    if not ignored:
        return []
    names = ", ".join(ignored)
    return [f"Ignored settings in the address that this dashboard cannot use: {names}."]
