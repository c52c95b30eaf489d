"""The segmentation core: population -> features -> transform -> scale -> k sweep -> model.

Pure computation: no files, no plotting, no command line. :func:`prepare` does everything up to
the model-space matrix, :func:`run_sweep` fits every k, and :func:`finish` turns one k into a
:class:`SegmentationResult`. :func:`segment` runs all three.
"""

from __future__ import annotations

import datetime as dt
import platform
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, RobustScaler, StandardScaler

from custseg._version import __version__
from custseg.dataset import Dataset, is_numeric
from custseg.engine import KMeansFit, get_engine
from custseg.errors import CustsegError
from custseg.metrics import SILHOUETTE_MAX_ROWS, sweep_metrics
from custseg.model import SegmentModel
from custseg.population import Selection, select_population
from custseg.profiles import profile_segments
from custseg.recommend import Recommendation, recommend_k
from custseg.selection import DEFAULT_TRIM, rank_features
from custseg.stats import principal_components

TRANSFORMS: dict[str, Callable[[Any], Any] | None] = {
    "none": None,
    "log": np.log1p,
    "asinh": np.arcsinh,
}
SCALERS = {"standard": StandardScaler, "robust": RobustScaler}
SELECTIONS = {"trimmed-variance": DEFAULT_TRIM, "variance": 0.0}
SWEEP_COLUMNS = ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin"]


def parse_k_range(text: str) -> tuple[int, int]:
    """Read ``"2-12"`` as (2, 12).

    Raises
    ------
    CustsegError
        If the text is not two whole numbers joined by a dash, in order, from 2 up.
    """
    match = re.fullmatch(r"\s*(\d+)\s*[-:]\s*(\d+)\s*", text)
    if not match:
        raise CustsegError(
            f"Cannot read the k range {text!r}.", hint="Write it as LOW-HIGH, e.g. 2-12."
        )
    return int(match[1]), int(match[2])


@dataclass(frozen=True, kw_only=True)
class SegmentationConfig:
    """Every choice of a segmentation run; the same names as the CLI options.

    Parameters
    ----------
    population : str, default "all"
        A named population of the dataset (``small-business``...).
    where : tuple of str
        Extra ``COLUMN OP VALUE`` conditions, all of which must hold.
    select : {"trimmed-variance", "variance"}
        How to choose features when ``features`` is empty.
    n_features : int, default 5
    features : tuple of str
        Features named explicitly (overrides ``select``).
    transform : {"none", "log", "asinh"}
        Applied before scaling; ``asinh`` handles negative amounts.
    scale : {"standard", "robust"}
    k_range : (int, int), default (2, 12)
        The sweep, inclusive.
    k : int, optional
        The final number of segments; the recommended k when None.
    random_state : int, default 42
        Seeds KMeans and the silhouette sample.
    weight : str, optional
        A column of row weights.
    n_init : int, default 10
        KMeans restarts per k.
    engine : str, default "local"
    silhouette_max_rows : int, default 20000
        Above this many rows the silhouette is estimated on a seeded sample.
    """

    population: str = "all"
    where: tuple[str, ...] = ()
    select: str = "trimmed-variance"
    n_features: int = 5
    features: tuple[str, ...] = ()
    transform: str = "none"
    scale: str = "standard"
    k_range: tuple[int, int] = (2, 12)
    k: int | None = None
    random_state: int = 42
    weight: str | None = None
    n_init: int = 10
    engine: str = "local"
    silhouette_max_rows: int = SILHOUETTE_MAX_ROWS

    def __post_init__(self) -> None:
        for value, choices, option in (
            (self.select, SELECTIONS, "--select"),
            (self.transform, TRANSFORMS, "--transform"),
            (self.scale, SCALERS, "--scale"),
        ):
            if value not in choices:
                raise CustsegError(
                    f"Unknown {option} {value!r}.", hint=f"Choose one of: {', '.join(choices)}."
                )
        low, high = self.k_range
        if low < 2 or high < low:
            raise CustsegError(
                f"The k range {low}-{high} is invalid: it must start at 2 or more "
                "and not end below its start."
            )
        if self.k is not None and self.k < 2:
            raise CustsegError(
                f"k={self.k} is too small: a segmentation needs at least 2 segments."
            )
        if self.n_features < 1:
            raise CustsegError(f"--n-features {self.n_features} must be at least 1.")
        if self.n_init < 1:
            raise CustsegError(f"n_init={self.n_init} must be at least 1.")

    @property
    def ks(self) -> list[int]:
        """Every k to fit: the range, plus the chosen k if it lies outside."""
        ks = set(range(self.k_range[0], self.k_range[1] + 1))
        if self.k is not None:
            ks.add(self.k)
        return sorted(ks)


@dataclass(frozen=True)
class Prepared:
    """A population's feature matrix in model space, ready for any k.

    Attributes
    ----------
    selection : Selection
    features : list of str
    feature_scores : pandas.Series
        The selection score of every candidate, highest first (empty if features were named).
    values : DataFrame of shape (n_samples, n_features)
        The features in original units, rows with non-finite values dropped.
    weights : ndarray of shape (n_samples,) or None
    dropped_rows : int
    preprocessor : Pipeline
        Fitted ``transform -> scale`` steps.
    Z : ndarray of shape (n_samples, n_features)
        The matrix KMeans, silhouette and PCA work on.
    warnings : list of str
    """

    config: SegmentationConfig
    selection: Selection
    features: list[str]
    feature_scores: pd.Series
    values: pd.DataFrame
    weights: np.ndarray | None
    dropped_rows: int
    preprocessor: Pipeline
    Z: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def dataset(self) -> Dataset:
        return self.selection.dataset

    @property
    def n_rows(self) -> int:
        return self.Z.shape[0]


def _weights(dataset: Dataset, column: str | None) -> np.ndarray | None:
    if column is None:
        return None
    dataset.require_columns([column], purpose="--weight")
    series = dataset.frame[column]
    if not is_numeric(series):
        raise CustsegError(f"The weight column {column} is not numeric.")
    weights = series.to_numpy(dtype=float)
    if not np.isfinite(weights).all() or (weights < 0).any() or weights.sum() <= 0:
        raise CustsegError(
            f"The weight column {column} must hold finite, non-negative numbers "
            "that are not all zero."
        )
    return weights


def _check_named_features(dataset: Dataset, features: tuple[str, ...]) -> list[str]:
    dataset.require_columns(list(features), purpose="--features")
    reserved = dataset.reserved_columns()
    if duplicates := sorted({f for f in features if features.count(f) > 1}):
        raise CustsegError(f"--features names {', '.join(duplicates)} more than once.")
    for feature in features:
        column = dataset.frame[feature]
        if feature in reserved:
            raise CustsegError(f"{feature} is an id or weight column and cannot be a feature.")
        if not is_numeric(column):
            raise CustsegError(
                f"The feature {feature} is not numeric (it holds "
                f"{column.dtype} values such as {column.dropna().iloc[0]!r})."
                if column.notna().any()
                else f"The feature {feature} is empty.",
                hint="Choose numeric columns as features.",
            )
        finite = column[np.isfinite(column.to_numpy(dtype=float))]
        if finite.empty:
            raise CustsegError(f"The feature {feature} has no finite value in this population.")
        if finite.nunique() < 2:
            raise CustsegError(
                f"The feature {feature} is constant ({finite.iloc[0]}) in this "
                "population, so it cannot separate segments.",
                hint="Drop it from --features.",
            )
    return list(features)


def _choose_features(
    dataset: Dataset, config: SegmentationConfig, weights: np.ndarray | None
) -> tuple[list[str], pd.Series]:
    if config.features:
        return _check_named_features(dataset, config.features), pd.Series(dtype=float)
    candidates = dataset.candidate_features()
    scores = rank_features(
        dataset.frame, candidates, trim=SELECTIONS[config.select], sample_weight=weights
    )
    if scores.empty:
        raise CustsegError(
            f"No numeric column of {dataset.name} varies in this population, so there is "
            "nothing to segment on.",
            hint="Name numeric features with --features, or widen the population.",
        )
    return list(scores.index[: config.n_features]), scores


def _build_preprocessor(
    config: SegmentationConfig, values: pd.DataFrame, weights: np.ndarray | None
) -> tuple[Pipeline, np.ndarray, list[str]]:
    notes: list[str] = []
    steps: list[tuple[str, Any]] = []
    data: Any = values
    function = TRANSFORMS[config.transform]
    if function is not None:
        if config.transform == "log" and (values < 0).any().any():
            negative = [c for c in values.columns if (values[c] < 0).any()]
            raise CustsegError(
                f"--transform log cannot take negative values, and {', '.join(negative)} has some.",
                hint="Use --transform asinh, which handles signed amounts.",
            )
        transformer = FunctionTransformer(function, feature_names_out="one-to-one")
        data = transformer.fit_transform(data)
        steps.append(("transform", transformer))
    scaler = SCALERS[config.scale]()
    if weights is not None and config.scale == "standard":
        scaler.fit(data, sample_weight=weights)
    else:
        scaler.fit(data)
        if weights is not None:
            notes.append("Robust scaling uses unweighted medians and quartiles.")
    steps.append(("scale", scaler))
    return Pipeline(steps), np.asarray(scaler.transform(data), dtype=float), notes


def prepare(dataset: Dataset, config: SegmentationConfig) -> Prepared:
    """Filter, choose features, drop non-finite rows and move to model space.

    Raises
    ------
    CustsegError
        For any input that cannot be segmented as asked.
    """
    selection = select_population(dataset, config.population, config.where)
    population = selection.dataset
    weights = _weights(population, config.weight)
    features, scores = _choose_features(population, config, weights)
    warnings: list[str] = []
    if len(features) < config.n_features and not config.features:
        warnings.append(
            f"Only {len(features)} numeric column(s) vary in this population, fewer "
            f"than --n-features {config.n_features}: using all of them."
        )
    values = population.frame[features].astype(float)
    finite = np.isfinite(values.to_numpy()).all(axis=1)
    dropped = int((~finite).sum())
    if dropped:
        bad = [c for c in features if not np.isfinite(values[c].to_numpy()).all()]
        warnings.append(
            f"Dropped {dropped:,} of {len(values):,} rows with missing or infinite "
            f"values in {', '.join(bad)}."
        )
        values = values.loc[finite]
        weights = None if weights is None else weights[finite]
        if weights is not None and weights.sum() <= 0:
            raise CustsegError("Every row left after dropping missing values has zero weight.")
    n_rows = len(values)
    if n_rows <= max(config.ks):
        raise CustsegError(
            f"The population has {n_rows:,} usable rows, too few for k up to {max(config.ks)} "
            "(k must be below the number of rows).",
            hint="Lower --k / --k-range or widen the population.",
        )
    preprocessor, Z, notes = _build_preprocessor(config, values, weights)
    distinct = np.unique(Z, axis=0).shape[0] if n_rows <= 200_000 else n_rows
    if distinct <= max(config.ks):
        raise CustsegError(
            f"The population has only {distinct} distinct points, too few for k up "
            f"to {max(config.ks)}.",
            hint="Lower --k / --k-range.",
        )
    return Prepared(
        config=config,
        selection=selection,
        features=features,
        feature_scores=scores,
        values=values,
        weights=weights,
        dropped_rows=dropped,
        preprocessor=preprocessor,
        Z=Z,
        warnings=warnings + notes,
    )


@dataclass(frozen=True)
class Sweep:
    """Every k of a sweep: the fits and their metrics."""

    fits: dict[int, KMeansFit]
    table: pd.DataFrame
    silhouette_info: dict[str, Any]
    recommendation: Recommendation


def run_sweep(prepared: Prepared, *, progress: Callable[[int], None] | None = None) -> Sweep:
    """Fit KMeans for every k of the configuration and score each fit.

    Parameters
    ----------
    progress : callable, optional
        Called with each k once it is fitted.
    """
    config = prepared.config
    engine = get_engine(config.engine)
    fits: dict[int, KMeansFit] = {}
    for k in config.ks:
        fits[k] = engine.fit_kmeans(
            prepared.Z,
            k,
            sample_weight=prepared.weights,
            random_state=config.random_state,
            n_init=config.n_init,
        )
        if progress is not None:
            progress(k)
    metrics, info = sweep_metrics(
        prepared.Z,
        {k: fit.labels for k, fit in fits.items()},
        sample_weight=prepared.weights,
        max_rows=config.silhouette_max_rows,
        random_state=config.random_state,
    )
    table = metrics.reset_index()
    table.insert(1, "inertia", [fits[k].inertia for k in table["k"]])
    in_range = table[table["k"].between(*config.k_range)]
    return Sweep(fits, table[SWEEP_COLUMNS], info, recommend_k(in_range))


@dataclass(frozen=True)
class SegmentationResult:
    """A finished segmentation: what was done, the sweep, and the final model's outputs."""

    prepared: Prepared
    sweep: Sweep
    k: int
    segments: np.ndarray
    model: SegmentModel
    pca: pd.DataFrame
    explained_variance_ratio: np.ndarray
    profiles: pd.DataFrame

    @property
    def config(self) -> SegmentationConfig:
        return self.prepared.config

    @property
    def features(self) -> list[str]:
        return self.prepared.features

    @property
    def metrics(self) -> dict[str, float]:
        row = self.sweep.table.set_index("k").loc[self.k]
        return {name: float(row[name]) for name in SWEEP_COLUMNS[1:]}

    def id_frame(self) -> pd.DataFrame:
        """The id columns of the rows used (or their row number in the source)."""
        dataset = self.prepared.dataset
        rows = self.prepared.values.index
        if dataset.id_columns:
            return dataset.frame.loc[rows, list(dataset.id_columns)].reset_index(drop=True)
        return pd.DataFrame({"row": np.asarray(rows)})

    @property
    def assignments(self) -> pd.DataFrame:
        """Ids and segment number (1..k) of every row used."""
        return self.id_frame().assign(segment=self.segments)

    def summary(self) -> dict[str, Any]:
        """Everything about the run that a person or another tool needs, JSON-ready."""
        prepared, dataset = self.prepared, self.prepared.dataset
        config = self.config
        scores = prepared.feature_scores
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
            "features": [
                {
                    "name": f,
                    "label": dataset.label(f),
                    "score": float(scores[f]) if f in scores.index else None,
                }
                for f in prepared.features
            ],
            "selection": (
                {"method": "named"}
                if config.features
                else {
                    "method": config.select,
                    "trim_each_tail": SELECTIONS[config.select],
                    "n_features": config.n_features,
                }
            ),
            "transform": config.transform,
            "scale": config.scale,
            "weight": config.weight,
            "k": self.k,
            "k_range": list(config.k_range),
            "recommended": {
                "k": self.sweep.recommendation.k,
                "reason": self.sweep.recommendation.reason,
                "elbow_k": self.sweep.recommendation.elbow_k,
                "best_silhouette_k": self.sweep.recommendation.best_silhouette_k,
            },
            "metrics": self.metrics,
            "metric_space": "transformed and scaled features (the space the model was fit in)",
            "silhouette": self.sweep.silhouette_info,
            "pca": {
                "explained_variance_ratio": [float(r) for r in self.explained_variance_ratio],
                "space": "transformed and scaled features",
            },
            "segment_sizes": {
                str(int(row.segment)): int(row.n_rows) for row in self.profiles.itertuples()
            },
            "random_state": config.random_state,
            "n_init": config.n_init,
            "engine": config.engine,
            "config": {
                key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(config).items()
            },
            "versions": versions(),
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "warnings": list(prepared.warnings),
        }


def versions() -> dict[str, str]:
    """Versions of custseg and the libraries that determine its numbers."""
    return {
        "custseg": __version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scikit-learn": sklearn.__version__,
    }


def finish(prepared: Prepared, sweep: Sweep, k: int | None = None) -> SegmentationResult:
    """Build the result for ``k`` (default: the configured or recommended k) from a sweep."""
    k = k or prepared.config.k or sweep.recommendation.k
    if k not in sweep.fits:
        raise CustsegError(
            f"k={k} was not part of the sweep ({min(sweep.fits)}-{max(sweep.fits)})."
        )
    fit = sweep.fits[k]
    segments = fit.labels + 1
    mean, components, ratio = principal_components(prepared.Z, sample_weight=prepared.weights)
    dataset = prepared.dataset
    model = SegmentModel(
        pipeline=Pipeline([*prepared.preprocessor.steps, ("kmeans", fit.estimator)]),
        features=prepared.features,
        projection_mean=mean,
        projection_components=components,
        metadata={
            "source": dataset.name,
            "population": prepared.selection.description,
            "k": k,
            "n_rows": prepared.n_rows,
            "feature_labels": {f: dataset.label(f) for f in prepared.features},
            "transform": prepared.config.transform,
            "scale": prepared.config.scale,
            "weight": prepared.config.weight,
            "random_state": prepared.config.random_state,
        },
    )
    coords = model.project(prepared.Z)
    result_pca = pd.DataFrame({"pc1": coords[:, 0], "pc2": coords[:, 1], "segment": segments})
    profiles = profile_segments(prepared.values, segments, k=k, sample_weight=prepared.weights)
    return SegmentationResult(
        prepared=prepared,
        sweep=sweep,
        k=k,
        segments=segments,
        model=model,
        pca=result_pca,
        explained_variance_ratio=ratio,
        profiles=profiles,
    )


def segment(
    dataset: Dataset | str,
    config: SegmentationConfig | None = None,
    *,
    progress: Callable[[int], None] | None = None,
    **options: Any,
) -> SegmentationResult:
    """Run a whole segmentation.

    Parameters
    ----------
    dataset : Dataset or str
        A loaded dataset, or a source name/path for :func:`custseg.load_dataset`.
    config : SegmentationConfig, optional
        All choices; alternatively pass them as keyword ``options``.
    progress : callable, optional
        Called with each k of the sweep once it is fitted.

    Examples
    --------
    >>> result = segment("scf2019", population="small-business", k=3)  # doctest: +SKIP
    >>> result.profiles  # doctest: +SKIP
    """
    if isinstance(dataset, str):
        from custseg.datasets import load_dataset

        dataset = load_dataset(dataset)
    if config is None:
        config = SegmentationConfig(**options)
    elif options:
        raise TypeError("pass either config or keyword options, not both")
    prepared = prepare(dataset, config)
    return finish(prepared, run_sweep(prepared, progress=progress))
