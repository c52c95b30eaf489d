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
from custseg.engine import METHODS, get_method
from custseg.errors import CustsegError
from custseg.limits import check_magnitudes
from custseg.model_input import as_table, model_step

MODEL_FORMAT = "custseg-model"
MODEL_FORMAT_VERSION = 1
#: The model file of a run folder (custseg's format: see :mod:`custseg.model_file`).
MODEL_FILENAME = "model.custseg"
#: The model file of run folders written before that format (skops); still read.
LEGACY_MODEL_FILENAME = "model.skops"
_ARTIFACT_KEYS = ("pipeline", "features", "projection_mean", "projection_components", "metadata")
#: Every class and function a model file may name: the preprocessing, the estimator of every
#: method in custseg.engine (scikit-learn's, or custseg's predictors where scikit-learn has
#: none), the element-wise transforms and OneHotEncoder's dtype. Loading refuses a file naming
#: anything else before it builds any object.
TRUSTED_TYPES = [
    "sklearn.pipeline.Pipeline",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.impute._base.SimpleImputer",
    "sklearn.preprocessing._function_transformer.FunctionTransformer",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.RobustScaler",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.cluster._kmeans.KMeans",
    "sklearn.mixture._gaussian_mixture.GaussianMixture",
    "numpy.log1p",
    "numpy.arcsinh",
    "numpy.float64",
    "custseg.transforms.ScaledAsinh",
    "custseg.engine.base.NearestCentre",
    "custseg.engine.density.CoreDistanceAssigner",
    "custseg.engine.prototypes.PrototypeAssigner",
]


def model_file_of(folder: Path) -> Path | None:
    """The model file in a run folder: ``model.custseg``, else an older run's ``model.skops``."""
    for name in (MODEL_FILENAME, LEGACY_MODEL_FILENAME):
        if (folder / name).is_file():
            return folder / name
    return None


@dataclass
class SegmentModel:
    """A fitted segmentation: preprocessing, the segmentation method and the 2-D projection.

    Parameters
    ----------
    pipeline : sklearn.pipeline.Pipeline
        ``preprocess -> METHOD`` (``kmeans``, ``gmm``...), fitted on a DataFrame of
        ``features``; the last step is scored by ``custseg.engine``'s method of that name.
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
        """The number of segments (not counting segment 0, the unassigned, if any; fewer
        than the method's clusters after a merge)."""
        return int(self.segment_of_cluster.max())

    @property
    def method(self) -> str:
        return str(self.metadata.get("method", "kmeans"))

    @property
    def segment_of_cluster(self) -> np.ndarray:
        """Segment number (1..k) of every cluster of the method, of shape (n_clusters,).

        The identity unless ``custseg relabel`` merged segments; then ``metadata["segment_map"]``
        holds it (models without it load as before).
        """
        mapping = self.metadata.get("segment_map")
        if mapping is None:
            estimator = self.pipeline[-1]
            n_clusters = getattr(estimator, "n_clusters", None) or estimator.n_components
            return np.arange(1, int(n_clusters) + 1)
        return np.asarray(mapping, dtype=int)

    def _segments(self, labels: np.ndarray) -> np.ndarray:
        """Segment numbers of method labels: 0 for unassigned (-1), else through the map."""
        return np.where(labels < 0, 0, self.segment_of_cluster[np.maximum(labels, 0)])

    @property
    def numeric_features(self) -> list[str]:
        return list(self.metadata.get("numeric_features", self.features))

    @property
    def segment_names(self) -> dict[int, str]:
        """The name of every segment, by segment number."""
        return {int(s): str(n) for s, n in self.metadata.get("segment_names", {}).items()}

    def _checked_input(self, data: Any) -> pd.DataFrame:
        frame = as_table(data, self.features)
        missing = [column for column in self.features if column not in frame.columns]
        if missing:
            raise CustsegError(
                f"The input lacks the model's columns: {', '.join(missing)}.",
                hint=f"The model reads {', '.join(self.features)}: score a table with the same "
                "columns as the training data.",
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
        check_magnitudes(values, numeric)
        return values

    def transform(self, frame: Any) -> np.ndarray:
        """Model-space coordinates of shape (n_samples, n_model_features).

        ``frame`` is a DataFrame with the model's ``features`` as columns (or a Dataset, a dict
        of columns, one customer as a dict, a list of them: see
        :func:`custseg.model_input.as_table`). Missing values are imputed as in training;
        unseen categories encode as all zeros.

        Raises
        ------
        CustsegError
            If ``frame`` is not a table, lacks a feature, or has text in a numeric feature.
        """
        return self._preprocess(self._checked_input(frame))

    def _preprocess(self, checked: pd.DataFrame) -> np.ndarray:
        preprocessor = self.pipeline[0]
        with model_step("preprocessing"):
            Z = preprocessor.transform(preprocess.model_input(preprocessor, checked))
        width = get_method(self.method).centres(self.pipeline[-1]).shape[1]
        if Z.ndim != 2 or Z.shape[1] != width:
            raise CustsegError(
                f"The model's preprocessing makes {Z.shape[-1]} values per customer, but its "
                f"centres have {width}: the model is damaged.",
                hint="Refit the model with custseg segment.",
            )
        return Z

    def predict(self, frame: Any) -> np.ndarray:
        """Segment numbers (1..k; 0 for unassigned) of shape (n_samples,).

        ``frame`` as for :meth:`transform`.
        """
        Z = self.transform(frame)
        with model_step("segmentation"):
            return self._segments(get_method(self.method).labels(self.pipeline[-1], Z))

    def score(self, frame: Any) -> pd.DataFrame:
        """Segment, distance to its centre, margin over the next-nearest centre, and a flag.

        ``frame`` as for :meth:`transform`; the result has its index.

        Returns
        -------
        DataFrame of shape (n_samples, 5), or 7 for a mixture model
            ``segment`` (0: unassigned by a density method); ``distance`` (model space, to
            its segment's centre, or the nearest centre when unassigned); ``margin`` (distance
            to the nearest centre of another segment minus ``distance``: small means a
            borderline customer); ``out_of_range`` (farther from its centre than 99.9% of the
            training rows); ``imputed`` (how many of the row's model inputs were missing); for
            a mixture model ``probability`` (of the segment) and ``borderline`` (probability
            below the model's ``borderline_probability``).
        """
        checked = self._checked_input(frame)
        Z = self._preprocess(checked)
        with model_step("segmentation"):
            assignment = get_method(self.method).assign(self.pipeline[-1], Z)
        distances, labels = assignment.distances, assignment.labels
        segment_of_cluster = self.segment_of_cluster
        segments = self._segments(labels)
        own = np.where(labels < 0, distances.argmin(axis=1), labels)
        nearest = distances[np.arange(len(own)), own]
        # Merged segments own several centres: the margin is to the nearest *other* segment.
        other = np.where(segment_of_cluster[None, :] == segments[:, None], np.inf, distances)
        cutoff = self.metadata.get("distance_cutoff", np.inf)
        scores = pd.DataFrame(
            {
                "segment": segments,
                "distance": nearest,
                "margin": other.min(axis=1) - nearest,
                "out_of_range": nearest > cutoff,
                "imputed": checked.isna().sum(axis=1).to_numpy(),
            },
            index=checked.index,
        )
        if assignment.probability is not None:
            scores["probability"] = assignment.probability
            scores["borderline"] = assignment.probability < self.metadata.get(
                "borderline_probability", 0.0
            )
        return scores

    def project(self, model_space: np.ndarray) -> np.ndarray:
        """2-D coordinates of shape (n_samples, 2) for model-space points."""
        coords = (model_space - self.projection_mean) @ self.projection_components.T
        if coords.shape[1] == 1:
            coords = np.hstack([coords, np.zeros_like(coords)])
        return coords

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the model to ``path`` (custseg's model file format: no pickle, so loading it
        runs no code; see :mod:`custseg.model_file`)."""
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
            trusted=TRUSTED_TYPES,
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> SegmentModel:
        """Read a model written by :meth:`save`: its ``model.custseg``, or the run folder that
        holds it (``custseg segment --out``); older runs' ``model.skops`` files load too.

        Examples
        --------
        >>> model = SegmentModel.load("runs/small-business")  # doctest: +SKIP
        >>> model.predict(new_customers)  # doctest: +SKIP

        Raises
        ------
        CustsegError
            If the file is not a custseg model, is from an incompatible version, or holds
            types other than scikit-learn's and numpy's.
        """
        path = Path(path)
        if path.is_dir():
            io.refuse_comparison_folder(path)
            found = model_file_of(path)
            if found is None:
                from custseg.run_outputs import require

                require(path, "model")  # a run written with --no-model says so
                raise CustsegError(
                    f"{path} is not a run folder: it has no {MODEL_FILENAME}.",
                    hint="Point at a folder written by custseg segment --out, or at a model file.",
                )
            path = found
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
        problem = _artifact_problem(artifact)
        if problem:
            raise CustsegError(
                f"{path} is a damaged custseg model: {problem}.",
                hint="Refit the model with custseg segment.",
            )
        return cls(
            pipeline=artifact["pipeline"],
            features=list(artifact["features"]),
            projection_mean=np.asarray(artifact["projection_mean"], dtype=float),
            projection_components=np.asarray(artifact["projection_components"], dtype=float),
            metadata=dict(artifact["metadata"]),
        )


def _is_names(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)


def _artifact_problem(artifact: dict[str, Any]) -> str | None:
    """What is wrong with the structure of a loaded artifact, or None when it is sound.

    Every object in it is of a trusted type, but the keys, their types and the shapes may still
    be anything a hand-made file holds.
    """
    missing = [key for key in _ARTIFACT_KEYS if key not in artifact]
    if missing:
        return f"it has no {', '.join(missing)}"
    pipeline, features, metadata = artifact["pipeline"], artifact["features"], artifact["metadata"]
    if not isinstance(pipeline, Pipeline) or len(pipeline.steps) < 2:
        return "its pipeline is not a scikit-learn Pipeline of preprocessing and a segmentation"
    method = metadata.get("method", "kmeans") if isinstance(metadata, dict) else None
    if method not in METHODS:
        return "its segmentation method is not one custseg knows"
    estimator = pipeline[-1]
    centres = get_method(method).centres(estimator)
    size = getattr(estimator, "n_clusters", None) or getattr(estimator, "n_components", None)
    if not (
        hasattr(estimator, "predict")
        and isinstance(centres, np.ndarray)
        and centres.ndim == 2
        and centres.shape[0] >= 2
        and np.issubdtype(centres.dtype, np.floating)
        and np.isfinite(centres).all()
        and size == centres.shape[0]
    ):
        return f"its last step is not a fitted {method} with at least 2 finite centres"
    if not hasattr(pipeline[0], "transform"):
        return "its first step is not a preprocessing transformer"
    if not _is_names(features) or not features or len(set(features)) != len(features):
        return "its features are not a list of distinct column names"
    if not isinstance(metadata, dict) or not isinstance(metadata.get("source"), str):
        return "its metadata is not a mapping with the source's name"
    for key in ("numeric_features", "categorical_features"):
        if key in metadata and not (
            _is_names(metadata[key]) and set(metadata[key]) <= set(features)
        ):
            return f"its {key} are not among its features"
    if not isinstance(metadata.get("segment_names", {}), dict):
        return "its segment names are not a mapping"
    cutoff = metadata.get("distance_cutoff", 0.0)
    if isinstance(cutoff, bool) or not isinstance(cutoff, int | float | np.number):
        return "its distance cutoff is not a number"
    try:
        mean = np.asarray(artifact["projection_mean"], dtype=float)
        components = np.asarray(artifact["projection_components"], dtype=float)
    except (TypeError, ValueError):
        return "its projection is not numeric"
    width = centres.shape[1]
    if mean.shape != (width,) or components.ndim != 2 or components.shape[1] != width:
        return f"its projection does not match its {width} model dimensions"
    if not 1 <= components.shape[0] <= 2:
        return "its projection is not to one or two dimensions"
    return _edit_problem(metadata, centres.shape[0])


def _edit_problem(metadata: dict[str, Any], n_clusters: int) -> str | None:
    """What is wrong with the segment map and drift reference that newer models carry."""
    mapping = metadata.get("segment_map")
    k = n_clusters
    if mapping is not None:
        try:
            numbers = [int(v) for v in mapping]
        except (TypeError, ValueError):
            return "its segment map is not a list of segment numbers"
        k = max(numbers, default=0)
        if len(numbers) != n_clusters or sorted(set(numbers)) != list(range(1, k + 1)):
            return f"its segment map {numbers} does not number {n_clusters} centres' segments"
    reference = metadata.get("drift_reference")
    if reference is None:
        return None
    try:
        shares = np.asarray(reference["segment_shares"], dtype=float)
        bins = [
            (np.asarray(f["edges"], dtype=float), np.asarray(f["shares"], dtype=float))
            for f in reference["features"].values()
        ]
    except (TypeError, ValueError, KeyError, AttributeError):
        return "its drift reference is not a table of shares"
    if shares.shape != (k,) or any(s.shape != (e.size + 2,) for e, s in bins):
        return "its drift reference does not match its segments and bins"
    return None
