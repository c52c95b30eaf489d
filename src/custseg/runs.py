"""Writing a segmentation run to its output folder, all or nothing."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from custseg import io
from custseg.errors import CustsegError
from custseg.model import MODEL_FILENAME
from custseg.run_outputs import OUTPUTS_KEY, outputs_record, read_summary
from custseg.segmentation import SegmentationResult

if TYPE_CHECKING:  # the explanation and the report load only for runs that write them
    from custseg.explain import Explanation

ASSIGNMENT_MODES = ("rows", "households")
REPORT_FILE = "figures.html"
#: Per-row outputs (assignments, pca): Parquet above PARQUET_ABOVE_ROWS rows, unless asked.
ROW_FORMATS = ("auto", "csv", "parquet")
PARQUET_ABOVE_ROWS = 100_000


def row_file(name: str, n_rows: int, row_format: str = "auto") -> str:
    """``name.csv`` or ``name.parquet`` for a per-row output of ``n_rows`` rows.

    Raises
    ------
    CustsegError
        For an unknown format.
    """
    if row_format not in ROW_FORMATS:
        raise CustsegError(
            f"Unknown --format {row_format!r}.", hint=f"Choose one of: {', '.join(ROW_FORMATS)}."
        )
    if row_format == "auto":
        row_format = "parquet" if n_rows > PARQUET_ABOVE_ROWS else "csv"
    return f"{name}.{row_format}"


@dataclass(frozen=True)
class RunData:
    """What a run folder holds, as the report needs it: from a fresh result or from disk."""

    summary: dict[str, Any]
    sweep: pd.DataFrame
    profiles: pd.DataFrame
    points: pd.DataFrame
    explanation: Explanation | None = None

    @classmethod
    def from_result(cls, result: SegmentationResult, *, explained: bool = True) -> RunData:
        """The run of ``result``; ``explained=False`` leaves out the explanation (rules,
        segment vs population, chart numbers), which only the report and dashboard show."""
        if not explained:
            return cls(result.summary(), result.sweep.table, result.profiles, result.hover_frame())
        from custseg.explain import explain

        explanation = explain(result)
        summary = {**result.summary(), "rules": explanation.rules_summary}
        return cls(summary, result.sweep.table, result.profiles, result.hover_frame(), explanation)

    @classmethod
    def load(cls, folder: str | os.PathLike[str]) -> RunData:
        """Read a run folder written by :func:`save_run`.

        Raises
        ------
        CustsegError
            If a file is missing or unreadable.
        """
        folder = Path(folder)
        io.refuse_comparison_folder(folder)
        summary = read_summary(folder)
        from custseg.explain import load_explanation

        points = folder / "pca.parquet"
        return cls(
            summary,
            io.read_table(folder / "sweep.csv"),
            io.read_table(folder / "profiles.csv"),
            io.read_table(points if points.is_file() else folder / "pca.csv"),
            load_explanation(folder, summary),
        )


@contextlib.contextmanager
def damaged_run(folder: str | os.PathLike[str]) -> Iterator[None]:
    """One message for a failure while pages are built from a run's files: each file was
    readable, so they no longer fit together (edited by hand, or mixed from two runs)."""
    try:
        yield
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise CustsegError(
            f"{folder} is damaged: its files do not describe a run ({type(exc).__name__}: {exc}).",
            hint="Run custseg segment again to rewrite the folder.",
        ) from None


def save_run(
    result: SegmentationResult,
    out: str | os.PathLike[str],
    *,
    per_household: bool = False,
    write_to: str | None = None,
    extra_tables: dict[str, pd.DataFrame] | None = None,
    row_format: str = "auto",
    report: bool = True,
    model: bool = True,
) -> Path:
    """Write the outputs of ``result`` into the folder ``out``, replacing a previous run there.

    ``per_household`` writes one row per household (majority segment and agreement) to
    ``assignments.csv`` instead of one per row. ``write_to`` also writes the assignments to a
    database table or Parquet file (see :func:`custseg.io.write_table`), last, so that a
    failure there leaves no output folder either. ``row_format`` chooses the per-row outputs'
    format (assignments, pca; see :func:`row_file`). ``report=False`` leaves out the report
    and the files that explain the segments (which are computed only for it: rules, segment
    vs population, chart numbers), ``model=False`` the model file (``--no-report``,
    ``--no-model``); ``summary.json``'s ``outputs`` records which were written.

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
            row_format=row_format,
            report=report,
            model=model,
        )
    return Path(out)


def write_run(
    result: SegmentationResult,
    folder: Path,
    *,
    per_household: bool = False,
    write_to: str | None = None,
    extra_tables: dict[str, pd.DataFrame] | None = None,
    row_format: str = "auto",
    report: bool = True,
    model: bool = True,
) -> None:
    """Write the outputs of ``result`` into the (staging) ``folder``; see :func:`save_run`."""
    assignments = result.household_assignments() if per_household else result.assignments
    run = RunData.from_result(result, explained=report)
    _write_common(folder, run, result.model if model else None, row_format, report=report)
    io.write_frame(assignments, folder / row_file("assignments", len(assignments), row_format))
    for name, table in (extra_tables or {}).items():
        io.write_csv(folder / name, table)
    if write_to:
        io.write_table(assignments, write_to)


def _write_common(
    staging: Path, run: RunData, model, row_format: str = "auto", *, report: bool = True
) -> None:
    """The files of a run folder, whichever engine made it: the model unless it is None, the
    report (and the explanation, if computed) if ``report``."""
    outputs = outputs_record(report=report, model=model is not None)
    io.write_json(staging / "summary.json", {**run.summary, OUTPUTS_KEY: outputs})
    io.write_csv(staging / "sweep.csv", run.sweep)
    io.write_csv(staging / "profiles.csv", run.profiles)
    io.write_frame(run.points, staging / row_file("pca", len(run.points), row_format))
    if model is not None:
        model.save(staging / MODEL_FILENAME)
    if not report:
        return
    from custseg.explain import save_explanation
    from custseg.report import run_report

    if run.explanation is not None:
        save_explanation(staging, run.explanation)
    io.write_text(staging / REPORT_FILE, run_report(run))


def save_distributed_run(
    result, out: str | os.PathLike[str], *, report: bool = True, model: bool = True
) -> Path:
    """Write a :class:`custseg.distributed.DistributedResult` like :func:`save_run`, with the
    assignments as a partitioned Parquet dataset (``assignments/``) written by the cluster.
    """
    with io.atomic_output_dir(out) as staging:
        _write_common(
            staging,
            RunData(result.summary, result.sweep, result.profiles, result.points),
            result.model if model else None,
            report=report,
        )
        io.write_partitioned(result.assignments, staging / "assignments")
    return Path(out)
