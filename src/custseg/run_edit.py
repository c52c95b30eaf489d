"""Reload a run's training rows, and rewrite a run folder after its segments are edited.

A run folder records how its data was loaded (``summary.json``: ``provenance.load`` and
``config``). :func:`reload_training` loads the same rows again through the same loader and
scores them with the saved model, checking that they still give the run's assignments (so a
source that changed since the run is refused, not silently used). :func:`relabel_run` applies a
:class:`custseg.relabel.SegmentEdit` and rewrites the folder: model (segment map, names, drift
reference), assignments, profiles and personas, summary (with an ``edits`` history) and report.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from custseg import drift, io
from custseg.config import SegmentationConfig
from custseg.datasets import builtin_names, load_dataset
from custseg.errors import CustsegError
from custseg.explain import Explanation, explain, save_explanation
from custseg.metrics import sweep_metrics
from custseg.model import LEGACY_MODEL_FILENAME, MODEL_FILENAME, SegmentModel
from custseg.preparation import Prepared, prepare
from custseg.relabel import SegmentEdit, parse_merges, parse_renames, plan_edit
from custseg.report import run_report
from custseg.result import SegmentationResult
from custseg.run_outputs import read_summary, was_written
from custseg.runs import REPORT_FILE, RunData
from custseg.segmentation import _profile_table
from custseg.survey import household_assignments, implicate_report

#: Outputs that an edit makes stale and that are removed rather than left wrong: the static
#: figure exports (rebuild them with ``custseg report RUN --export png``).
STALE_OUTPUTS = ("figures",)


@dataclass(frozen=True)
class TrainingRows:
    """A run's training rows, loaded again, and the saved model's view of them.

    Attributes
    ----------
    prepared : Prepared
        The population, its rows, original values and weights, as at the run.
    scores : DataFrame of shape (n_samples, 5)
        :meth:`SegmentModel.score` of every training row, in the run's row order.
    ids : DataFrame of shape (n_samples, n_ids)
        The id columns of the rows (or their row number), as in ``assignments.csv``.
    """

    prepared: Prepared
    scores: pd.DataFrame
    ids: pd.DataFrame

    @property
    def segments(self) -> np.ndarray:
        return self.scores["segment"].to_numpy()


def _load_spec(summary: dict[str, Any], source: str | None) -> dict[str, Any]:
    recorded = (summary.get("provenance") or {}).get("load")
    if source is not None:
        return {**(recorded or {}), "source": source}
    if recorded is None:
        if summary.get("source") in builtin_names():
            return {"source": summary["source"]}
        raise CustsegError(
            "This run does not record where its data came from (it predates that record).",
            hint="Pass the source it was segmented from with --source.",
        )
    if io.REDACTED in recorded["source"]:
        raise CustsegError(
            "The run's source is a database whose password is not stored.",
            hint="Pass the source again, with its password, as --source URL.",
        )
    return recorded


def _config(summary: dict[str, Any]) -> SegmentationConfig:
    known = SegmentationConfig.__dataclass_fields__
    recorded = {
        key: tuple(value) if isinstance(value, list) else value
        for key, value in summary["config"].items()
        if key in known
    }
    # The same choices, so that feature selection (and its scores, which the explaining charts
    # use) is made again as at the run; no resampling, which only the sweep needs.
    return replace(SegmentationConfig(**recorded), bootstrap=0)


def refuse_dask_run(summary: dict[str, Any]) -> None:
    """Stop for a run of the Dask engine, which records no rows to edit or export.

    Raises
    ------
    CustsegError
        Naming what to do instead.
    """
    if summary.get("engine") == "dask":
        raise CustsegError(
            "Runs of the Dask engine cannot be edited or exported from here yet.",
            hint="Segment with --engine local, or score the data with custseg predict.",
        )


def reload_training(
    folder: Path, summary: dict[str, Any], model: SegmentModel, *, source: str | None = None
) -> TrainingRows:
    """Load a run's training rows again and score them with ``model``.

    Raises
    ------
    CustsegError
        For a run of the Dask engine, a source that cannot be found, or rows that no longer
        match the run (a source changed since).
    """
    refuse_dask_run(summary)
    spec = _load_spec(summary, source)
    dataset = load_dataset(
        spec["source"],
        id_columns=tuple(spec.get("id_columns") or ()),
        weight_column=spec.get("weight_column"),
        categorical=tuple(spec.get("categorical") or ()),
        exclude=tuple(spec.get("exclude") or ()),
        sheet=spec.get("sheet"),
    )
    if spec.get("labels"):
        dataset = dataset.with_labels(*io.read_labels(spec["labels"]))
    prepared = prepare(dataset, _config(summary))
    changed = CustsegError(
        f"{spec['source']} no longer gives the rows of this run.",
        hint="The source changed since the run; segment it again, or pass the original "
        "data with --source.",
    )
    if prepared.n_rows != summary["n_rows"] or prepared.features != list(model.features):
        raise changed
    frame = dataset.frame.loc[prepared.rows]
    scores = model.score(frame).reset_index(drop=True)
    ids = (
        frame[list(dataset.id_columns)].reset_index(drop=True)
        if dataset.id_columns
        else pd.DataFrame({"row": np.asarray(prepared.rows)})
    )
    assignments = io.read_table(folder / "assignments.csv")
    if "agreement" in assignments.columns:
        expected = household_assignments(prepared.households, scores["segment"].to_numpy())
        same = np.array_equal(expected["segment"], assignments["segment"])
    else:
        # The ids as they read back from a CSV file, like assignments.csv's.
        written = pd.read_csv(StringIO(ids.to_csv(index=False)))
        same = np.array_equal(scores["segment"], assignments["segment"]) and all(
            (assignments[c].astype(str) == written[c].astype(str)).all()
            for c in ids.columns
            if c in assignments.columns
        )
    if not same or not _same_values(folder, frame, model.numeric_features):
        raise changed
    return TrainingRows(prepared, scores, ids)


def _same_values(folder: Path, frame: pd.DataFrame, features: list[str]) -> bool:
    """Whether the rows hold the feature values recorded in the run's ``pca.csv``."""
    points = io.read_table(folder / "pca.csv")
    if len(points) != len(frame):
        return False
    recorded = [f for f in features if f in points.columns]
    return all(
        np.allclose(
            pd.to_numeric(points[f], errors="coerce").to_numpy(dtype=float),
            frame[f].to_numpy(dtype=float),
            rtol=1e-9,
            atol=0,
            equal_nan=True,
        )
        for f in recorded
    )


def _metrics(
    model: SegmentModel, training: TrainingRows, segments: np.ndarray, k: int
) -> dict[str, float]:
    prepared = training.prepared
    Z = model.transform(prepared.dataset.frame.loc[prepared.rows])
    weights = prepared.weights if prepared.weights is not None else np.ones(len(Z))
    labels = segments - 1
    one_hot = np.eye(k)[labels] * weights[:, None]
    centres = (one_hot.T @ Z) / one_hot.sum(axis=0)[:, None]
    inertia = float(np.sum(weights * np.sum((Z - centres[labels]) ** 2, axis=1)))
    table, _ = sweep_metrics(
        Z,
        {k: labels},
        sample_weight=prepared.weights,
        max_rows=prepared.config.silhouette_max_rows,
        random_state=prepared.config.random_state,
    )
    return {"inertia": inertia, **{c: float(v) for c, v in table.loc[k].items()}}


def refresh_explanations(
    staging: Path, result: SegmentationResult, summary: dict[str, Any]
) -> tuple[dict[str, Any], Explanation]:
    """Recompute what explains the segments (decision-tree rules, the segment-vs-population
    table, the explaining charts' numbers) for the edited segmentation and write it.

    Parameters
    ----------
    staging : Path
        The run's new folder, being written.
    result : SegmentationResult
        The edited segmentation (``sweep`` is None: the k sweep is not refitted).
    summary : dict
        The edited ``summary.json``.

    Returns
    -------
    summary : dict
        With the new rules.
    explanation : Explanation
    """
    explanation = explain(result)
    save_explanation(staging, explanation)
    return {**summary, "rules": explanation.rules_summary}, explanation


def _edited_result(
    folder: Path, edit: SegmentEdit, model: SegmentModel, training: TrainingRows, summary: dict
) -> SegmentationResult:
    """The segmentation after ``edit``: recomputed profiles, personas, implicate spread, and
    the model with its segment map, names and drift reference."""
    segments = edit.apply(training.segments)
    k = edit.k_after
    prepared = training.prepared
    implicates = None
    if prepared.implicates is not None:
        weights = prepared.weights if prepared.weights is not None else np.ones(prepared.n_rows)
        implicates = implicate_report(
            "pooled", prepared.households, prepared.implicates, segments, weights, k
        )
    profiles, personas = _profile_table(prepared, segments, k, implicates)
    names = {s: edit.names[s] or personas[s - 1].name for s in range(1, k + 1)}
    personas = [replace(p, name=names[p.segment]) for p in personas]
    profiles["name"] = [names[s] for s in profiles["segment"]]
    metadata = {
        **model.metadata,
        "segment_map": [int(s) for s in edit.apply(model.segment_of_cluster)],
        "k": k,
        "segment_names": {str(s): n for s, n in names.items()},
    }
    if "drift_reference" in metadata:
        metadata["drift_reference"] = drift.merged_reference(
            metadata["drift_reference"], edit.new_segment
        )
    points = io.read_table(folder / "pca.csv")
    return SegmentationResult(
        prepared=prepared,
        sweep=None,
        k=k,
        segments=segments,
        model=replace(model, metadata=metadata),
        pca=pd.DataFrame(
            {"pc1": points["pc1"], "pc2": points["pc2"], "segment": edit.apply(points["segment"])}
        ),
        explained_variance_ratio=np.asarray(summary["pca"]["explained_variance_ratio"]),
        profiles=profiles,
        personas=personas,
        implicates=implicates,
    )


def relabel_run(
    folder: str | os.PathLike[str],
    *,
    names: list[str],
    merges: list[str],
    source: str | None = None,
    write_to: str | None = None,
) -> tuple[SegmentEdit, list[str]]:
    """Rename and merge a run's segments and rewrite its folder, all or nothing.

    Parameters
    ----------
    names : list of str
        ``SEGMENT=NAME`` items.
    merges : list of str
        ``A,B[,C...]`` items: segments to merge into one.
    source : str, optional
        Load the training data from here instead of the recorded source.
    write_to : str, optional
        Also write the edited assignments to this table or Parquet file (see
        :func:`custseg.io.write_table`), last, so that a failure there leaves the run as it was.

    Returns
    -------
    edit : SegmentEdit
    removed : list of str
        Outputs removed because the edit made them stale.
    """
    folder = Path(folder)
    if write_to:
        io.check_write_target(write_to)  # before the run and its training data are read
    summary = read_summary(folder)
    refuse_dask_run(summary)
    # Before any work: a folder custseg did not write is not rewritten, whatever it holds.
    io.check_replaceable(folder, "The run folder")
    model = SegmentModel.load(folder)  # names --no-model for a run written without it
    k = model.k
    current_names = {int(s): n for s, n in model.metadata.get("segment_names", {}).items()}
    edit = plan_edit(
        [s["share"] for s in summary["segments"]],
        current_names,
        renames=parse_renames(names, k),
        merges=parse_merges(merges, k),
    )
    training = reload_training(folder, summary, model, source=source)
    result = _edited_result(folder, edit, model, training, summary)
    summary = {
        **summary,
        "k": result.k,
        "kmeans_k": int(model.pipeline[-1].n_clusters),
        "metrics": _metrics(result.model, training, result.segments, result.k),
        "implicates": result.implicates.to_dict() if result.implicates else None,
        "segments": [
            SegmentationResult._segment_summary(row, persona)
            for row, persona in zip(
                result.profiles.to_dict("records"), result.personas, strict=True
            )
        ],
        "edits": [*summary.get("edits", []), edit.record()],
    }
    points = io.read_table(folder / "pca.csv").assign(segment=result.pca["segment"])
    assignments = io.read_table(folder / "assignments.csv")
    if "agreement" in assignments.columns:
        prepared = training.prepared
        assignments = household_assignments(
            prepared.households, result.segments, prepared.weights
        ).rename(columns={"household": prepared.dataset.household_column})
    else:
        assignments["segment"] = result.segments

    removed = [name for name in STALE_OUTPUTS if (folder / name).exists()]
    with io.atomic_output_dir(folder, option="The run folder") as staging:
        # The model is written again below, in the current format, replacing an older run's.
        io.copy_folder(folder, staging, skip=(*STALE_OUTPUTS, LEGACY_MODEL_FILENAME))
        # A run written with --no-report stays without the report and its explanation.
        reported = was_written(summary, "report")
        if reported:
            summary, explanation = refresh_explanations(staging, result, summary)
        io.write_csv(staging / "profiles.csv", result.profiles)
        io.write_csv(staging / "pca.csv", points)
        io.write_csv(staging / "assignments.csv", assignments)
        io.write_json(staging / "summary.json", summary)
        result.model.save(staging / MODEL_FILENAME)
        if reported:
            sweep = io.read_table(staging / "sweep.csv")
            run = RunData(summary, sweep, result.profiles, points, explanation)
            io.write_text(staging / REPORT_FILE, run_report(run))
        if write_to:
            io.write_table(assignments, write_to)
    return edit, removed
