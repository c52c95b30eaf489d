"""The outputs a run folder may leave out (``segment --no-report``, ``--no-model``): the record of
what a run wrote, in ``summary.json``'s ``outputs``, and the message for a command that needs
an output the run left out.

Folders written before the record existed hold every output.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from custseg.errors import CustsegError

#: Each optional output: the option of ``custseg segment`` that leaves it out, and what that
#: leaves out, in words.
OPTIONAL_OUTPUTS = {
    "report": (
        "--no-report",
        "the report and what explains the segments (rules, segment vs population, "
        "explaining charts)",
    ),
    "model": ("--no-model", "the model file that predict, compare, export and relabel need"),
}
#: The key of ``summary.json`` that records them.
OUTPUTS_KEY = "outputs"


def outputs_record(*, report: bool, model: bool) -> dict[str, bool]:
    """What ``summary.json`` records: whether the run wrote each optional output."""
    return {"report": bool(report), "model": bool(model)}


def was_written(summary: Mapping[str, Any], output: str) -> bool:
    """Whether the run of ``summary`` wrote ``output`` (older runs wrote everything)."""
    record = summary.get(OUTPUTS_KEY)
    return not isinstance(record, Mapping) or record.get(output, True) is not False


def left_out_message(output: str) -> str:
    """How a run came to lack ``output``: ``written with --no-... (custseg segment), which
    leaves out ...``."""
    option, what = OPTIONAL_OUTPUTS[output]
    return f"written with {option} (custseg segment), which leaves out {what}"


def require(folder: str | os.PathLike[str], output: str) -> None:
    """Stop with one clear message when the run in ``folder`` was written without ``output``.

    Does nothing for a folder without a readable ``summary.json`` (other checks name that).

    Raises
    ------
    CustsegError
        Naming the option that left the output out, and how to get it.
    """
    from custseg import io

    path = Path(folder) / "summary.json"
    if not path.is_file():
        return
    try:
        summary = io.read_json(path)
    except CustsegError:
        return
    if isinstance(summary, Mapping) and not was_written(summary, output):
        raise CustsegError(
            f"{folder} has no {output}: it was {left_out_message(output)}.",
            hint=f"Segment again without {OPTIONAL_OUTPUTS[output][0]}.",
        )


#: The parts of ``summary.json`` that commands read back, and the JSON type each must have.
_SUMMARY_PARTS = {
    "segments": list,
    "config": dict,
    "pca": dict,
    "provenance": dict,
    "edits": list,
    "n_rows": int,
}


def _summary_problem(summary: Any) -> str | None:
    """What makes ``summary`` other than the object custseg writes, or None."""
    if not isinstance(summary, dict):
        return f"it holds a JSON {type(summary).__name__}, not the object custseg writes"
    for key, kind in _SUMMARY_PARTS.items():
        value = summary.get(key)
        # Every run lists its segments but the Dask engine's, whose runs cannot be edited.
        needed = key == "segments" and summary.get("engine") != "dask"
        if (value is not None or needed) and (
            not isinstance(value, kind) or isinstance(value, bool)
        ):
            return f'its "{key}" entry is not a JSON {"object" if kind is dict else kind.__name__}'
    for entry in summary.get("segments") or []:
        if not (
            isinstance(entry, dict)
            and type(entry.get("segment")) is int
            and type(entry.get("share")) in (int, float)
            and isinstance(entry.get("name", ""), str)
        ):
            return "its segments are not a list of segment numbers, names and shares"
    return None


def read_summary(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``summary.json`` of the run in ``folder``, checked for the parts commands read back
    (a hand-edited file otherwise fails deep inside a command).

    Raises
    ------
    CustsegError
        If the folder has no summary.json, or it is not one custseg writes.
    """
    from custseg import io

    path = Path(folder) / "summary.json"
    if not path.is_file():
        raise CustsegError(
            f"{folder} is not a custseg run folder (no summary.json).",
            hint="Point at the --out folder of custseg segment.",
        )
    summary = io.read_json(path)
    problem = _summary_problem(summary)
    if problem:
        raise CustsegError(
            f"{path} is damaged: {problem}.",
            hint="Run custseg segment again to rewrite the folder.",
        )
    return summary
