"""Writing a segmentation run to its output folder, all or nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from custseg import io
from custseg.errors import CustsegError
from custseg.model import MODEL_FILENAME
from custseg.report import run_report
from custseg.segmentation import SegmentationResult

ASSIGNMENT_MODES = ("rows", "households")
REPORT_FILE = "figures.html"


@dataclass(frozen=True)
class RunData:
    """What a run folder holds, as the report needs it: from a fresh result or from disk."""

    summary: dict[str, Any]
    sweep: pd.DataFrame
    profiles: pd.DataFrame
    points: pd.DataFrame

    @classmethod
    def from_result(cls, result: SegmentationResult) -> RunData:
        return cls(result.summary(), result.sweep.table, result.profiles, result.hover_frame())

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> RunData:
        """Read a run folder written by :func:`save_run`.

        Raises
        ------
        CustsegError
            If a file is missing or unreadable.
        """
        folder = Path(folder)
        if not (folder / "summary.json").is_file():
            raise CustsegError(
                f"{folder} is not a custseg run folder (no summary.json).",
                hint="Point at the --out folder of custseg segment.",
            )
        summary = io.read_json(folder / "summary.json")
        if not isinstance(summary, dict):
            raise CustsegError(
                f"{folder / 'summary.json'} is damaged: it holds a JSON "
                f"{type(summary).__name__}, not the object custseg writes.",
                hint="Run custseg segment again to rewrite the folder.",
            )
        return cls(
            summary,
            io.read_table(folder / "sweep.csv"),
            io.read_table(folder / "profiles.csv"),
            io.read_table(folder / "pca.csv"),
        )


def save_run(
    result: SegmentationResult,
    out: str | os.PathLike[str],
    *,
    per_household: bool = False,
    write_to: str | None = None,
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write every output of ``result`` into the folder ``out``, replacing a previous run there.

    ``per_household`` writes one row per household (majority segment and agreement) to
    ``assignments.csv`` instead of one per row. ``write_to`` also writes the assignments to a
    database table or Parquet file (see :func:`custseg.io.write_table`), last, so that a
    failure there leaves no output folder either.

    The files are written to a temporary folder that is renamed onto ``out`` only when all of
    them are complete.

    Returns
    -------
    Path
        The output folder.
    """
    with io.atomic_output_dir(out) as staging:
        write_run(
            result,
            staging,
            per_household=per_household,
            write_to=write_to,
            extra_tables=extra_tables,
        )
    return Path(out)


def write_run(
    result: SegmentationResult,
    folder: Path,
    *,
    per_household: bool = False,
    write_to: str | None = None,
    extra_tables: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Write every output of ``result`` into the (staging) ``folder``; see :func:`save_run`."""
    assignments = result.household_assignments() if per_household else result.assignments
    _write_common(folder, RunData.from_result(result), result.model)
    io.write_csv(folder / "assignments.csv", assignments)
    for name, table in (extra_tables or {}).items():
        io.write_csv(folder / name, table)
    if write_to:
        io.write_table(assignments, write_to)


def _write_common(staging: Path, run: RunData, model) -> None:
    """The files every run folder has, whichever engine made it."""
    io.write_json(staging / "summary.json", run.summary)
    io.write_csv(staging / "sweep.csv", run.sweep)
    io.write_csv(staging / "profiles.csv", run.profiles)
    io.write_csv(staging / "pca.csv", run.points)
    model.save(staging / MODEL_FILENAME)
    io.write_text(staging / REPORT_FILE, run_report(run))


def save_distributed_run(result, out: str | os.PathLike[str]) -> Path:
    """Write a :class:`custseg.distributed.DistributedResult` like :func:`save_run`, with the
    assignments as a partitioned Parquet dataset (``assignments/``) written by the cluster.
    """
    with io.atomic_output_dir(out) as staging:
        _write_common(
            staging,
            RunData(result.summary, result.sweep, result.profiles, result.points),
            result.model,
        )
        io.write_partitioned(result.assignments, staging / "assignments")
    return Path(out)
