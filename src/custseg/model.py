"""The saved segmentation model: one artifact for the CLI, the dashboard and ``predict``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from custseg import io, preprocess
from custseg._version import __version__
from custseg.dataset import is_numeric
from custseg.errors import CustsegError

MODEL_FORMAT = "custseg-model"
MODEL_FORMAT_VERSION = 1
MODEL_FILENAME = "model.skops"
#: Types beyond skops' defaults that a custseg model holds (OneHotEncoder's dtype).
TRUSTED_TYPES = ["numpy.dtype"]


@dataclass
class SegmentModel:
    """A fitted segmentation: preprocessing, KMeans and the 2-D projection.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        ``transform -> scale -> kmeans``, fitted on a DataFrame of ``features``.
    features : list of str
        The input columns, in order.
    projection_mean : ndarray of shape (n_model_features,)
    projection_components : ndarray of shape (n_components, n_model_features)
        The PCA used for the 2-D view, in the space the model was fit in.
    metadata : dict
        How the model was made (source, population, k, labels of the features...).
    """

    pipeline: Pipeline
    features: list[str]
    projection_mean: np.ndarray
    projection_components: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def k(self) -> int:
        """The number of segments (fewer than KMeans clusters after a merge)."""
        return int(self.segment_of_cluster.max())

    @property
    def segment_of_cluster(self) -> np.ndarray:
        """Segment number (1..k) of every KMeans cluster, of shape (n_clusters,).

        The identity unless ``custseg relabel`` merged segments; then ``metadata["segment_map"]``
        holds it (models without it load as before).
        """
        mapping = self.metadata.get("segment_map")
        if mapping is None:
            return np.arange(1, int(self.pipeline[-1].n_clusters) + 1)
        return np.asarray(mapping, dtype=int)

    @property
    def numeric_features(self) -> list[str]:
        return list(self.metadata.get("numeric_features", self.features))

    def _checked_input(self, frame: pd.DataFrame) -> pd.DataFrame:
        missing = [column for column in self.features if column not in frame.columns]
        if missing:
            raise CustsegError(
                f"The input lacks the model's columns: {', '.join(missing)}.",
                hint="Score a table with the same columns as the training data.",
            )
        numeric = self.numeric_features
        wrong = [column for column in numeric if not is_numeric(frame[column])]
        if wrong:
            example = frame[wrong[0]].dropna()
            raise CustsegError(
                f"The model's numeric columns {', '.join(wrong)} are not numeric in the input"
                + (f" (e.g. {example.iloc[0]!r})." if len(example) else "."),
                hint="Fix those values, or score a table like the training data.",
            )
        values = frame[self.features].copy()
        values[numeric] = values[numeric].astype(float).replace([np.inf, -np.inf], np.nan)
        return values

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Model-space coordinates of shape (n_samples, n_model_features).

        Missing values are imputed as in training; unseen categories encode as all zeros.
        """
        return self._preprocess(self._checked_input(frame))

    def _preprocess(self, checked: pd.DataFrame) -> np.ndarray:
        preprocessor = self.pipeline[0]
        return preprocessor.transform(preprocess.model_input(preprocessor, checked))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Segment numbers (1..k) of shape (n_samples,)."""
        return self.segment_of_cluster[self.pipeline[-1].predict(self.transform(frame))]

    def score(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Segment, distance to its centre, margin over the next-nearest centre, and a flag.

        Returns
        -------
        DataFrame of shape (n_samples, 5)
            ``segment``; ``distance`` (model space); ``margin`` (distance to the nearest
            centre of another segment minus ``distance``: small means a borderline customer);
            ``out_of_range`` (farther from its centre than 99.9% of the training rows);
            ``imputed`` (how many
            of the row's model inputs were missing).
        """
        checked = self._checked_input(frame)
        Z = self._preprocess(checked)
        distances = self.pipeline[-1].transform(Z)
        segment_of_cluster = self.segment_of_cluster
        segments = segment_of_cluster[distances.argmin(axis=1)]
        nearest = distances.min(axis=1)
        # Merged segments own several centres: the margin is to the nearest *other* segment.
        other = np.where(segment_of_cluster[None, :] == segments[:, None], np.inf, distances)
        cutoff = self.metadata.get("distance_cutoff", np.inf)
        return pd.DataFrame(
            {
                "segment": segments,
                "distance": nearest,
                "margin": other.min(axis=1) - nearest,
                "out_of_range": nearest > cutoff,
                "imputed": checked.isna().sum(axis=1).to_numpy(),
            },
            index=frame.index,
        )

    def project(self, model_space: np.ndarray) -> np.ndarray:
        """2-D coordinates of shape (n_samples, 2) for model-space points."""
        coords = (model_space - self.projection_mean) @ self.projection_components.T
        if coords.shape[1] == 1:
            coords = np.hstack([coords, np.zeros_like(coords)])
        return coords

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to ``path`` (skops format)."""
        io.save_model(
            Path(path),
            {
                "format": MODEL_FORMAT,
                "format_version": MODEL_FORMAT_VERSION,
                "custseg_version": __version__,
                "pipeline": self.pipeline,
                "features": list(self.features),
                "projection_mean": self.projection_mean,
                "projection_components": self.projection_components,
                "metadata": self.metadata,
            },
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SegmentModel:
        """Read a model written by :meth:`save`.

        Raises
        ------
        CustsegError
            If the file is not a custseg model, is from an incompatible version, or holds
            types other than scikit-learn's and numpy's.
        """
        path = Path(path)
        if path.is_dir():
            path = path / MODEL_FILENAME
        artifact = io.load_model(path, trusted=TRUSTED_TYPES)
        if not isinstance(artifact, dict) or artifact.get("format") != MODEL_FORMAT:
            raise CustsegError(f"{path} is not a custseg model.")
        if artifact.get("format_version") != MODEL_FORMAT_VERSION:
            raise CustsegError(
                f"{path} was written by custseg {artifact.get('custseg_version')} in model format "
                f"{artifact.get('format_version')}; this custseg ({__version__}) reads format "
                f"{MODEL_FORMAT_VERSION}.",
                hint="Refit the model with this version of custseg.",
            )
        _check_segment_map(path, artifact)
        return cls(
            pipeline=artifact["pipeline"],
            features=list(artifact["features"]),
            projection_mean=np.asarray(artifact["projection_mean"]),
            projection_components=np.asarray(artifact["projection_components"]),
            metadata=dict(artifact["metadata"]),
        )


def _check_segment_map(path: Path, artifact: dict[str, Any]) -> None:
    mapping = artifact["metadata"].get("segment_map")
    if mapping is None:
        return
    n_clusters = int(artifact["pipeline"][-1].n_clusters)
    values = sorted(set(int(v) for v in mapping))
    if len(mapping) != n_clusters or values != list(range(1, len(values) + 1)):
        raise CustsegError(
            f"{path} has a damaged segment map ({list(mapping)} for {n_clusters} clusters).",
            hint="Run custseg relabel again on the original run, or refit the model.",
        )
