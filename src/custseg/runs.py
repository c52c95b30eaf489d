"""Writing a segmentation run to its output folder, all or nothing."""

from __future__ import annotations

import os
from pathlib import Path

from custseg import io
from custseg.model import MODEL_FILENAME
from custseg.report import figures_report
from custseg.segmentation import SegmentationResult

ASSIGNMENT_MODES = ("rows", "households")
RUN_FILES = (
    "summary.json",
    "sweep.csv",
    "assignments.csv",
    "profiles.csv",
    "pca.csv",
    MODEL_FILENAME,
    "figures.html",
)


def save_run(
    result: SegmentationResult,
    out: str | os.PathLike[str],
    *,
    per_household: bool = False,
    write_to: str | None = None,
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
    assignments = result.household_assignments() if per_household else result.assignments
    with io.atomic_output_dir(out) as staging:
        io.write_json(staging / "summary.json", result.summary())
        io.write_csv(staging / "sweep.csv", result.sweep.table)
        io.write_csv(staging / "assignments.csv", assignments)
        io.write_csv(staging / "profiles.csv", result.profiles)
        io.write_csv(staging / "pca.csv", result.id_frame().join(result.pca))
        result.model.save(staging / MODEL_FILENAME)
        io.write_text(staging / "figures.html", figures_report(result))
        if write_to:
            io.write_table(assignments, write_to)
    return Path(out)
