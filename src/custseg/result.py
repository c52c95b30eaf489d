"""A finished segmentation and its JSON summary."""

from __future__ import annotations

import datetime as dt
import platform
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sklearn

from custseg import preprocess
from custseg._version import __version__
from custseg.config import SELECTIONS, SegmentationConfig
from custseg.diagnostics import Diagnostic
from custseg.errors import CustsegError
from custseg.model import SegmentModel
from custseg.personas import Persona
from custseg.precision import IMPUTATION_ONLY, MIN_HOUSEHOLDS
from custseg.preparation import Prepared
from custseg.recommend import MIN_SEGMENT_HOUSEHOLDS
from custseg.stability import BOOTSTRAP_MAX_ROWS, RESAMPLE_N_INIT
from custseg.survey import ImplicateReport
from custseg.sweep import Sweep


@dataclass(frozen=True)
class SegmentationResult:
    """A finished segmentation: what was done, the sweep, and the final model's outputs.

    Attributes
    ----------
    segments : ndarray of shape (n_samples,)
        Segment numbers 1..k, largest (by weight) first.
    profiles : DataFrame of shape (k, ...)
        Size (in rows, weighted count and words), spread across implicates, feature means and
        medians, persona and demographic make-up of every segment.
    personas : list of Persona
    implicates : ImplicateReport or None
        For multiply-imputed surveys.
    warnings : list of Diagnostic
        What a reader should be warned about (:mod:`custseg.diagnostics`).
    """

    prepared: Prepared
    sweep: Sweep
    k: int
    segments: np.ndarray
    model: SegmentModel
    pca: pd.DataFrame
    explained_variance_ratio: np.ndarray
    profiles: pd.DataFrame
    personas: list[Persona]
    implicates: ImplicateReport | None
    warnings: list[Diagnostic] = field(default_factory=list)

    @property
    def config(self) -> SegmentationConfig:
        return self.prepared.config

    @property
    def features(self) -> list[str]:
        return self.prepared.features

    @property
    def metrics(self) -> dict[str, float]:
        row = self.sweep.table.set_index("k").loc[self.k]
        sizes = {"k", "min_segment_share", "min_segment_households"}  # in sweep.csv, not metrics
        return {name: float(row[name]) for name in self.sweep.table.columns if name not in sizes}

    def id_frame(self) -> pd.DataFrame:
        """The id columns of the rows used (or their row number in the source)."""
        dataset = self.prepared.dataset
        rows = self.prepared.rows
        if dataset.id_columns:
            return dataset.frame.loc[rows, list(dataset.id_columns)].reset_index(drop=True)
        return pd.DataFrame({"row": np.asarray(rows)})

    def hover_frame(self, extras: Sequence[str] = ()) -> pd.DataFrame:
        """Ids, ``pc1, pc2, segment``, then the features and ``extras`` of every row."""
        dataset = self.prepared.dataset
        ids = self.id_frame()
        columns = [c for c in dict.fromkeys([*self.features, *extras]) if c not in ids]
        rows = self.prepared.rows
        values = pd.DataFrame({c: dataset.frame.loc[rows, c].to_numpy() for c in columns})
        return pd.concat([ids, self.pca, values], axis=1)

    @property
    def assignments(self) -> pd.DataFrame:
        """Ids and segment number (1..k; 0 unassigned) of every row used; for a mixture model
        also the membership ``probability`` and the ``borderline`` flag."""
        frame = self.id_frame().assign(segment=self.segments)
        probability = self.sweep.fits[self.k].probability
        if probability is not None:
            threshold = self.model.metadata["borderline_probability"]
            frame = frame.assign(probability=probability, borderline=probability < threshold)
        return frame

    def household_assignments(self) -> pd.DataFrame:
        """One row per household: majority segment and the share of its rows that agree.

        Raises
        ------
        CustsegError
            If the dataset has no household id.
        """
        from custseg.survey import household_assignments

        households = self.prepared.households
        if households is None:
            raise CustsegError(
                f"{self.prepared.dataset.name} has no household id, so "
                "assignments can only be given per row."
            )
        frame = household_assignments(households, self.segments, self.prepared.weights)
        return frame.rename(columns={"household": self.prepared.dataset.household_column})

    def summary(self) -> dict[str, Any]:
        """Everything about the run that a person or another tool needs, JSON-ready."""
        prepared, dataset = self.prepared, self.prepared.dataset
        config = self.config
        scores = prepared.feature_scores
        weighted = prepared.weights is not None
        return {
            "source": dataset.name,
            "provenance": dataset.provenance,
            "population": {
                "name": prepared.selection.population,
                "description": prepared.selection.description,
                "conditions": list(prepared.selection.conditions),
            },
            "n_rows": prepared.n_rows,
            "n_rows_population": prepared.n_rows + prepared.dropped_rows,
            "dropped_rows": prepared.dropped_rows,
            "weighted_total": float(prepared.weights.sum()) if weighted else None,
            "features": [
                {
                    "name": f,
                    "label": dataset.label(f),
                    "score": float(scores[f]) if f in scores.index else None,
                }
                for f in prepared.features
            ],
            "selection": self._selection(),
            "candidate_scores": [
                {"name": c, "label": dataset.label(c), "score": float(scores[c])}
                for c in scores.index[:10]
            ],
            "numeric_features": prepared.numeric,
            "dollar_features": [f for f in prepared.features if f in dataset.dollar_columns],
            "flag_features": prepared.flags,
            "columns": [
                {"column": str(r.column), "role": r.role, "reason": r.reason}
                for r in dataset.column_roles
            ],
            "transform": prepared.transform,
            "transform_scales": preprocess.scaled_asinh_scales(
                prepared.preprocessor, prepared.numeric
            ),
            "categorical_features": prepared.categorical,
            "scale": config.scale,
            "weight": prepared.weight_column,
            "weighting": WEIGHTING_NOTE if weighted else "unweighted",
            "method": self.method_summary(),
            "dollars_of": dataset.provenance.get("dollars_of"),
            "standard_errors": (
                f"share_se and count_se: {IMPUTATION_ONLY} (spread across implicates); "
                f"segments resting on fewer than {MIN_HOUSEHOLDS} sample households are flagged "
                "(few_households)"
            ),
            "k": self.k,
            "k_range": list(config.k_range),
            "recommended": {
                "k": self.sweep.recommendation.k,
                "reason": self.sweep.recommendation.reason,
                "elbow_k": self.sweep.recommendation.elbow_k,
                "best_silhouette_k": self.sweep.recommendation.best_silhouette_k,
                "qualified": self.sweep.recommendation.qualified,
                "excluded": {str(k): why for k, why in self.sweep.recommendation.excluded.items()},
                "min_segment_share": config.min_segment,
                "min_segment_households": (
                    MIN_SEGMENT_HOUSEHOLDS if prepared.households is not None else None
                ),
                "rule": self.sweep.recommendation.rule,
            },
            "metrics": self.metrics,
            "metric_space": "transformed and scaled features (the space the model was fit in)",
            "silhouette": self.sweep.silhouette_info,
            "stability": (
                {
                    "bootstrap_resamples": config.bootstrap,
                    "unit": "households" if prepared.households is not None else "rows",
                    "measure": "mean adjusted Rand index against the full-data fit",
                    "rows_per_resample": min(prepared.n_rows, BOOTSTRAP_MAX_ROWS),
                    "restarts_per_resample": min(config.n_init, RESAMPLE_N_INIT),
                    "subsampled": prepared.n_rows > BOOTSTRAP_MAX_ROWS,
                }
                if config.bootstrap
                else None
            ),
            "implicates": self.implicates.to_dict() if self.implicates else None,
            "pca": {
                "explained_variance_ratio": [float(r) for r in self.explained_variance_ratio],
                "space": "transformed and scaled features",
            },
            "segments": [
                self._segment_summary(row, persona)
                for row, persona in zip(
                    self.profiles.to_dict("records"), self.personas, strict=True
                )
            ],
            "random_state": config.random_state,
            "n_init": config.n_init,
            "engine": config.engine,
            "config": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(config).items()
            },
            "versions": versions(),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "warnings": [warning.to_dict() for warning in self.warnings],
            "notes": list(prepared.warnings),
        }

    def _selection(self) -> dict[str, Any]:
        config, prepared = self.config, self.prepared
        if config.features:
            return {"method": "named"}
        if config.select != "auto":
            return {
                "method": config.select,
                "trim_each_tail": SELECTIONS[config.select],
                "n_features": config.n_features,
                "space": "original units",
            }
        population = prepared.dataset.populations[prepared.selection.population]
        return {
            "method": "auto",
            "n_features": config.n_features,
            "space": "model space (transformed and scaled); score: 10%-trimmed variance of "
            "the standardized feature",
            "preferred": list(population.features),
            "preferred_reason": population.features_reason,
            "skipped": [skipped.to_dict() for skipped in prepared.skipped],
        }

    def method_summary(self) -> dict[str, Any]:
        """The method, how it was fitted (sampling, weights) and its figures for this k."""
        fit = self.sweep.fits[self.k]
        summary = {**self.sweep.method, **{key: v for key, v in fit.columns.items()}}
        summary.update(fit.details)
        if fit.probability is not None:
            summary["borderline_share"] = float(
                np.average(
                    fit.probability < self.model.metadata["borderline_probability"],
                    weights=self.prepared.weights,
                )
            )
        return summary

    @staticmethod
    def _segment_summary(row: dict[str, Any], persona: Persona) -> dict[str, Any]:
        keys = (
            "n_rows",
            "share",
            "weighted_count",
            "sample_households",
            "few_households",
            "share_se",
            "share_min",
            "share_max",
            "count_se",
            "count_min",
            "count_max",
        )
        return {
            "segment": int(row["segment"]),
            "name": persona.name,
            "size": row["size"],
            **{key: row[key] for key in keys if key in row},
            "description": persona.description,
            "distinguishing": [_trait_record(t) for t in persona.traits],
            "make_up": persona.make_up,
        }


def _trait_record(trait) -> dict[str, Any]:
    """A distinguishing variable for summary.json: medians, or for a yes/no flag its shares."""
    record = {
        "variable": trait.variable,
        "label": trait.label,
        "standardized_difference": trait.difference,
    }
    if trait.share:
        return {
            **record,
            "statistic": "share",
            "segment_share": trait.segment_median,
            "population_share": trait.population_median,
        }
    return {
        **record,
        "statistic": "median",
        "segment_median_percentile": trait.percentile,
        "segment_median": trait.segment_median,
        "population_median": trait.population_median,
    }


WEIGHTING_NOTE = (
    "Scaling, feature selection, KMeans (sample_weight), inertia, silhouette (weighted mean of "
    "per-row values, with weighted cluster means), Calinski-Harabasz (weights rescaled to sum "
    "to the row count), Davies-Bouldin (weighted cluster scatter), PCA, profiles and segment "
    "sizes all use the weights."
)


def versions() -> dict[str, str]:
    """Versions of custseg and the libraries that determine its numbers."""
    return {
        "custseg": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
    }
