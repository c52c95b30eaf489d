"""Commands that act on a finished run: ``relabel``, ``export``, and the drift part of
``predict``. Registered on the app in :mod:`custseg.cli`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from custseg.cli import err_console, out_console
from custseg.errors import CustsegError
from custseg.formatting import counted

if TYPE_CHECKING:  # numpy and pandas load only when a command runs
    import numpy as np
    import pandas as pd

RunArgument = Annotated[Path, typer.Argument(help="A segment output folder.")]
SourceOverride = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Load the run's training data from here (default: the source the run records).",
    ),
]
DRIFT_FILE = "drift.json"


def relabel(
    run_dir: RunArgument,
    name: Annotated[
        list[str] | None,
        typer.Option(
            "--name",
            metavar="<segment=name>",
            help='Rename a segment: SEGMENT="New name"; repeatable.',
        ),
    ] = None,
    merge: Annotated[
        list[str] | None,
        typer.Option(
            "--merge", metavar="<segments>", help="Merge segments into one: 4,5; repeatable."
        ),
    ] = None,
    source: SourceOverride = None,
    write_to: Annotated[
        str | None,
        typer.Option(
            help="Also replace the assignments in this table or .parquet file (as segment "
            "--write-to does)."
        ),
    ] = None,
) -> None:
    """Rename or merge a run's segments (model, assignments, profiles, summary, report).

    The folder is rewritten as a whole; summary.json keeps the history of edits.
    """
    from custseg.run_edit import relabel_run

    edit, removed = relabel_run(
        run_dir, names=name or [], merges=merge or [], source=source, write_to=write_to
    )
    summary_segments = _read_summary(run_dir)["segments"]
    table = Table("segment", "was", "name", "share", title=f"{run_dir}: k={edit.k_after}")
    for entry in summary_segments:
        before = [
            str(old) for old, new in enumerate(edit.new_segment, 1) if new == entry["segment"]
        ]
        table.add_row(
            str(entry["segment"]), "+".join(before), entry["name"], f"{entry['share']:.1%}"
        )
    out_console.print(table)
    if removed:
        err_console.print(
            f"Removed stale {', '.join(removed)} (rebuild with custseg report {run_dir} --export)."
        )
    out_console.print(f"Rewrote {run_dir}")


def export(
    run_dir: RunArgument,
    audiences: Annotated[
        Path | None,
        typer.Option(help="Folder to write one file per segment to (replaced as a whole)."),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    write_to: Annotated[
        str | None,
        typer.Option(
            help="Also write all audiences as one table (duckdb:///file.db?table=T, "
            "sqlite:///file.db?table=T) or a .parquet file, replacing it atomically."
        ),
    ] = None,
    source: SourceOverride = None,
) -> None:
    """Export a run's customers, one file per segment, for a CRM or ad platform.

    Every assigned customer once: ids, segment, name, distance, margin and flags.
    """
    from custseg import io
    from custseg.audiences import (
        AUDIENCE_FORMATS,
        audience_table,
        is_per_household,
        write_audiences,
    )
    from custseg.model import SegmentModel
    from custseg.run_edit import reload_training

    if audiences is None and write_to is None:
        raise CustsegError(
            "Nothing to export to.", hint="Give --audiences DIR and/or --write-to TARGET."
        )
    if audiences is not None:
        if fmt not in AUDIENCE_FORMATS:
            raise CustsegError(
                f"Unknown --format {fmt!r}.", hint=f"Choose one of: {', '.join(AUDIENCE_FORMATS)}."
            )
        io.check_replaceable(audiences, "--audiences")
    if write_to is not None:
        io.check_write_target(write_to)
    summary = _read_summary(run_dir)
    model = SegmentModel.load(run_dir)
    training = reload_training(run_dir, summary, model, source=source)
    names = model.metadata.get("segment_names", {})
    table = audience_table(training, names, per_household=is_per_household(run_dir))
    if audiences is not None:
        manifest = write_audiences(table, audiences, names=names, fmt=fmt, run=str(run_dir))
        for entry in manifest["segments"]:
            out_console.print(
                f"Segment {entry['segment']} ({entry['name']}): "
                f"{counted(entry['customers'], 'customer')} -> {entry['file']}"
            )
        out_console.print(f"Wrote {counted(manifest['customers'], 'customer')} to {audiences}")
    if write_to is not None:
        io.write_table(table, write_to)
        out_console.print(
            f"Wrote {counted(len(table), 'customer')} to {io.redact_password(write_to)}"
        )


def _read_summary(run_dir: Path) -> dict[str, Any]:
    from custseg.run_outputs import read_summary

    return read_summary(run_dir)


def _scoring_weights(model, frame: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    """The scored rows' weights for the shares now, and how they were chosen."""
    import numpy as np
    import pandas as pd

    column = model.metadata.get("weight")
    if not column:
        return None, "unweighted, as the model was fitted"
    if column not in frame.columns:
        return None, (
            f"unweighted: the input has no {column} column (training shares are weighted by it)"
        )
    weights = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        return None, f"unweighted: the input's {column} values are not usable weights"
    return weights, f"weighted by the input's {column}, as at training"


def report_drift(model, frame: pd.DataFrame, scored: pd.DataFrame, out: Path) -> None:
    """Compare scored rows with the training data; write ``drift.json`` beside ``out`` and
    print the result."""
    from custseg import drift, io
    from custseg.preprocess import clean_numeric

    reference = model.metadata.get("drift_reference")
    if reference is None:
        err_console.print(
            "No drift report: this model was saved before custseg recorded its training "
            "distribution. Segment again to get one."
        )
        return
    weights, weighting = _scoring_weights(model, frame)
    report = drift.drift_report(
        reference,
        clean_numeric(frame, [f for f in model.numeric_features if f in reference["features"]]),
        scored["segment"].to_numpy(),
        scored["out_of_range"].to_numpy(),
        sample_weight=weights,
        names=model.metadata.get("segment_names", {}),
        labels=model.metadata.get("feature_labels", {}),
    )
    report = {"scored_file": str(out), "weighting": weighting, **report}
    path = Path(out).parent / DRIFT_FILE
    with io.atomic_file(path) as tmp:
        io.write_json(tmp, report)
    _print_drift(report, path)


def _print_drift(report: dict[str, Any], path: Path) -> None:
    table = Table("segment", "name", "training", "now", "change", title="Segment shares")
    for row in report["segments"]:
        table.add_row(
            str(row["segment"]),
            row["name"],
            f"{row['share_training']:.1%}",
            f"{row['share_now']:.1%}",
            f"{row['change_points']:+.1f} pts",
        )
    out_console.print(table)
    features = ", ".join(f"{f['feature']} {f['psi']:.3f}" for f in report["features"])
    out_console.print(
        f"Drift ({report['weighting']}): PSI of segment shares {report['segment_psi']:.3f} "
        f"({report['segment_reading']}); per feature: {features}; "
        f"{report['out_of_range_rate']:.2%} of rows out of range. Overall: {report['level']}."
    )
    for warning in report["warnings"]:
        err_console.print(Text.assemble(("Warning:", "bold yellow"), f" {warning}"))
    out_console.print(f"Wrote {path}")
