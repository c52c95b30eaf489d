"""Audiences: every assigned customer of a run with its segment, ready for a CRM or ad platform.

One table (ids, segment, name, distance, margin, flags) built from a run's reloaded training
rows (:func:`custseg.run_edit.reload_training`), at the grain of the run's ``assignments.csv``
(rows, or households of a survey), and written as one file per segment.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg import io
from custseg.errors import CustsegError
from custseg.relabel import slug
from custseg.run_edit import TrainingRows
from custseg.survey import household_assignments

AUDIENCE_FORMATS = ("csv", "parquet")
MANIFEST = "audiences.json"
SCORE_COLUMNS = ("segment", "segment_name", "distance", "margin", "out_of_range", "imputed")


def audience_table(
    training: TrainingRows, names: dict[str, str], *, per_household: bool = False
) -> pd.DataFrame:
    """Ids, ``segment, segment_name, distance, margin, out_of_range, imputed`` of every
    assigned customer.

    With ``per_household`` (a survey run whose assignments are per household) there is one
    line per household: its majority segment, ``agreement`` (share of its rows there), the mean
    distance and smallest margin of its rows, out of range if any row is, and the most
    imputed values of any row.
    """
    scores = training.scores.assign(segment_name=training.scores["segment"].astype(str).map(names))
    if not per_household:
        return pd.concat([training.ids, scores[list(SCORE_COLUMNS)]], axis=1)
    prepared = training.prepared
    column = prepared.dataset.household_column
    majority = household_assignments(prepared.households, training.segments)
    per_row = scores.assign(household=prepared.households).groupby("household")
    table = pd.DataFrame(
        {
            column: majority["household"].to_numpy(),
            "segment": majority["segment"].to_numpy(),
            "agreement": majority["agreement"].to_numpy(),
        }
    )
    households = majority["household"]
    table["segment_name"] = table["segment"].astype(str).map(names)
    table["distance"] = per_row["distance"].mean().loc[households].to_numpy()
    table["margin"] = per_row["margin"].min().loc[households].to_numpy()
    table["out_of_range"] = per_row["out_of_range"].any().loc[households].to_numpy()
    table["imputed"] = per_row["imputed"].max().loc[households].to_numpy()
    return table


def audience_files(table: pd.DataFrame, names: dict[str, str], fmt: str) -> dict[int, str]:
    """File name of every segment's audience: ``segment-<n>-<slug of its name>.<fmt>``."""
    return {
        int(s): f"segment-{int(s)}-{slug(names.get(str(s), ''))}.{fmt}"
        for s in sorted(table["segment"].unique())
    }


def write_audiences(
    table: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    names: dict[str, str],
    fmt: str = "csv",
    run: str = "",
) -> dict[str, Any]:
    """Write one file per segment and a manifest (``audiences.json``) into ``folder``, which
    is replaced as a whole only when every file is complete.

    Returns
    -------
    dict
        The manifest: the files, their segments, names and customer counts.

    Raises
    ------
    CustsegError
        For an unknown format, or a folder custseg did not write.
    """
    if fmt not in AUDIENCE_FORMATS:
        raise CustsegError(
            f"Unknown audience format {fmt!r}.",
            hint=f"Choose one of: {', '.join(AUDIENCE_FORMATS)}.",
        )
    files = audience_files(table, names, fmt)
    manifest = {
        "run": run,
        "format": fmt,
        "customers": int(len(table)),
        "columns": [str(c) for c in table.columns],
        "segments": [
            {
                "segment": segment,
                "name": names.get(str(segment), ""),
                "file": file,
                "customers": int(np.sum(table["segment"] == segment)),
            }
            for segment, file in files.items()
        ],
    }
    with io.atomic_output_dir(folder, option="--audiences") as staging:
        for segment, file in files.items():
            io.write_frame(table[table["segment"] == segment], staging / file)
        io.write_json(staging / MANIFEST, manifest)
    return manifest


def is_per_household(run_folder: Path) -> bool:
    """Whether a run's ``assignments.csv`` has one line per household."""
    columns = io.read_table(run_folder / "assignments.csv").columns
    return "agreement" in columns
