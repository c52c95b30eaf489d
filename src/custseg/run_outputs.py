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
