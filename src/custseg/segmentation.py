"""The segmentation core: population -> features -> transform -> scale -> k sweep -> model.

Pure computation: no files, no plotting, no command line. :func:`prepare` does everything up to
the model-space matrix, :func:`run_sweep` fits every k, and :func:`finish` turns one k into a
:class:`SegmentationResult`. :func:`segment` runs all three.
"""

from __future__ import annotations

import datetime as dt
import platform
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import Pipeline

from custseg import preprocess
from custseg._version import __version__
from custseg.dataset import Dataset, is_numeric
from custseg.engine import KMeansFit, get_engine
from custseg.errors import CustsegError
from custseg.formatting import percent
from custseg.metrics import SILHOUETTE_MAX_ROWS, sweep_metrics
from custseg.model import SegmentModel
from custseg.personas import Persona, describe_segments, make_up
from custseg.population import Selection, select_population
from custseg.precision import IMPUTATION_ONLY, MIN_HOUSEHOLDS, survey_count
from custseg.preprocess import SCALERS, TRANSFORM_CHOICES
from custseg.profiles import profile_segments
from custseg.recommend import Recommendation, recommend_k
from custseg.selection import DEFAULT_TRIM, rank_features
from custseg.stability import bootstrap_stability
from custseg.stats import principal_components
from custseg.survey import IMPLICATE_MODES, ImplicateReport, implicate_report, separate_fits

MISSING_MODES = ("impute", "drop")
SELECTIONS = {"trimmed-variance": DEFAULT_TRIM, "variance": 0.0}


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
    n_features : int, optional
        How many numeric features to select; by default 5 for the SCF and every numeric column
        (at most 10) for other tables.
    features : tuple of str
        Features named explicitly (overrides ``select``); categorical ones are one-hot encoded.
    categorical : tuple of str
        Extra columns to treat as categorical features.
    transform : {"auto", "none", "log", "asinh"}
        Applied to numeric features before scaling; ``asinh`` handles negative amounts, and
        ``auto`` picks log/asinh for strongly skewed features and none otherwise.
    missing : {"impute", "drop"}
        Missing values: imputed inside the saved model (median, most frequent category), or
        their rows dropped.
    scale : {"standard", "robust"}
    k_range : (int, int), default (2, 12)
        The sweep, inclusive.
    k : int, optional
        The final number of segments; the recommended k when None.
    random_state : int, default 42
        Seeds KMeans and the silhouette sample.
    weight : str or None, default "auto"
        A column of row weights; "auto" uses the dataset's survey weight (``WGT`` for the SCF,
        none for plain tables); None fits unweighted.
    implicates : {"pooled", "first", "separate"}
        For multiply-imputed surveys: fit on all rows with the weights (pooled), on implicate 1
        only, or also refit every implicate on its own to measure the spread of the results
        (separate; the saved model is the pooled one).
    bootstrap : int, default 10
        Resamples (of households, or rows) for the stability of every k; 0 skips it.
    n_init : int, default 10
        KMeans restarts per k.
    engine : str, default "local"
    silhouette_max_rows : int, default 20000
        Above this many rows the silhouette is estimated on a seeded sample.
    """

    population: str = "all"
    where: tuple[str, ...] = ()
    select: str = "trimmed-variance"
    n_features: int | None = None
    features: tuple[str, ...] = ()
    categorical: tuple[str, ...] = ()
    transform: str = "auto"
    missing: str = "impute"
    scale: str = "standard"
    k_range: tuple[int, int] = (2, 12)
    k: int | None = None
    random_state: int = 42
    weight: str | None = "auto"
    implicates: str = "pooled"
    bootstrap: int = 10
    n_init: int = 10
    engine: str = "local"
    silhouette_max_rows: int = SILHOUETTE_MAX_ROWS

    def __post_init__(self) -> None:
        for value, choices, option in (
            (self.select, SELECTIONS, "--select"),
            (self.transform, TRANSFORM_CHOICES, "--transform"),
            (self.missing, MISSING_MODES, "--missing"),
            (self.scale, SCALERS, "--scale"),
            (self.implicates, IMPLICATE_MODES, "--implicates"),
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
        if self.n_features is not None and self.n_features < 1:
            raise CustsegError(f"--n-features {self.n_features} must be at least 1.")
        if self.n_init < 1:
            raise CustsegError(f"n_init={self.n_init} must be at least 1.")
        if self.bootstrap < 0:
            raise CustsegError(f"--bootstrap {self.bootstrap} must be 0 or more.")

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
        Numeric features, then categorical ones.
    categorical : list of str
        The categorical features (one-hot encoded).
    feature_scores : pandas.Series
        The selection score of every candidate, highest first (empty if features were named).
    rows : pandas.Index
        The source rows used (after the population filter and any dropped rows).
    transform : str
        The transform applied ("auto" resolved).
    weights : ndarray of shape (n_samples,) or None
    weight_column : str or None
        The weight actually used ("auto" resolved).
    dropped_rows : int
    preprocessor : Pipeline
        Fitted imputation, transform, scaling and one-hot encoding.
    Z : ndarray of shape (n_samples, n_features)
        The matrix KMeans, silhouette and PCA work on.
    warnings : list of str
    """

    config: SegmentationConfig
    selection: Selection
    features: list[str]
    categorical: list[str]
    feature_scores: pd.Series
    rows: pd.Index
    transform: str
    weights: np.ndarray | None
    weight_column: str | None
    dropped_rows: int
    preprocessor: ColumnTransformer
    Z: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def numeric(self) -> list[str]:
        return [f for f in self.features if f not in self.categorical]

    @cached_property
    def values(self) -> pd.DataFrame:
        """The numeric features in original units, missing values left missing.

        Built on first use rather than kept from :func:`prepare`, so that the sweep of a large
        table holds only the model-space matrix.
        """
        return preprocess.clean_numeric(self.dataset.frame.loc[self.rows], self.numeric)

    @property
    def dataset(self) -> Dataset:
        return self.selection.dataset

    @property
    def n_rows(self) -> int:
        return self.Z.shape[0]

    def column(self, name: str) -> np.ndarray:
        """A column of the population, for the rows used."""
        return self.dataset.frame.loc[self.rows, name].to_numpy()

    @cached_property
    def households(self) -> np.ndarray | None:
        """Household id of every row used, for multiply-imputed surveys."""
        column = self.dataset.household_column
        return self.column(column) if column else None

    @cached_property
    def implicates(self) -> np.ndarray | None:
        """Implicate number of every row used, for multiply-imputed surveys."""
        column = self.dataset.implicate_column
        return self.column(column) % 10 if column else None


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


def _check_named_features(
    dataset: Dataset, features: tuple[str, ...], categorical: set[str]
) -> list[str]:
    dataset.require_columns(list(features), purpose="--features")
    reserved = dataset.reserved_columns()
    if duplicates := sorted({f for f in features if features.count(f) > 1}):
        raise CustsegError(f"--features names {', '.join(duplicates)} more than once.")
    for feature in features:
        column = dataset.frame[feature]
        if feature in reserved:
            raise CustsegError(f"{feature} is an id or weight column and cannot be a feature.")
        if column.notna().sum() == 0:
            raise CustsegError(f"The feature {feature} has no value in this population.")
        if feature in categorical:
            continue
        if not is_numeric(column):
            raise CustsegError(
                f"The feature {feature} is not numeric (it holds {column.dtype} values such as "
                f"{column.dropna().iloc[0]!r}).",
                hint="Choose numeric columns, or declare it with --categorical.",
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
) -> tuple[list[str], list[str], pd.Series]:
    """Numeric features, categorical features, and the selection scores."""
    categorical = {*dataset.categorical_features, *config.categorical}
    if config.features:
        named = _check_named_features(dataset, config.features, categorical)
        return (
            [f for f in named if f not in categorical],
            [f for f in named if f in categorical],
            pd.Series(dtype=float),
        )
    candidates = [c for c in dataset.candidate_features() if c not in categorical]
    scores = rank_features(
        dataset.frame, candidates, trim=SELECTIONS[config.select], sample_weight=weights
    )
    chosen_categorical = [
        c for c in dataset.frame.columns if c in categorical and dataset.frame[c].nunique() > 1
    ]
    if scores.empty and not chosen_categorical:
        raise CustsegError(
            f"No column of {dataset.name} varies in this population, so there is "
            "nothing to segment on.",
            hint="Name features with --features, or widen the population.",
        )
    n_features = config.n_features or dataset.default_n_features or min(len(scores), 10)
    return list(scores.index[:n_features]), chosen_categorical, scores


def _distinct_rows(Z: np.ndarray, *, enough: int) -> int:
    """How many distinct rows Z has, or any number >= ``enough`` once that many are seen
    (sorting all rows of a large matrix is slow, and a few thousand usually settle it)."""
    distinct = np.unique(Z[:5_000], axis=0).shape[0]
    if distinct >= enough or Z.shape[0] <= 5_000:
        return distinct
    return np.unique(Z, axis=0).shape[0]


def _missing(values: pd.DataFrame, categories: pd.DataFrame) -> pd.Series:
    counts = pd.concat([values.isna().sum(), categories.isna().sum()]).astype(int)
    return counts[counts > 0]


def _implicate_subset(dataset: Dataset, mode: str) -> tuple[Dataset, float]:
    """The rows an implicate mode fits on, and the factor that keeps weights summing to the
    population (implicate 1 alone stands for a fifth of the households)."""
    implicates = dataset.implicates()
    if implicates is None:
        if mode != "pooled":
            raise CustsegError(
                f"--implicates {mode} needs a multiply-imputed survey; "
                f"{dataset.name} has no implicates.",
                hint="Leave --implicates at pooled.",
            )
        return dataset, 1.0
    if mode != "first":
        return dataset, 1.0
    return dataset.with_frame(dataset.frame[implicates.to_numpy() == 1]), float(
        implicates.nunique()
    )


def prepare(dataset: Dataset, config: SegmentationConfig) -> Prepared:
    """Filter, choose features, handle missing values and move to model space.

    Raises
    ------
    CustsegError
        For any input that cannot be segmented as asked.
    """
    dataset, weight_factor = _implicate_subset(dataset, config.implicates)
    selection = select_population(dataset, config.population, config.where)
    population = selection.dataset
    weight_column = dataset.weight_column if config.weight == "auto" else config.weight
    weights = _weights(population, weight_column)
    if weights is not None:
        weights = weights * weight_factor
    numeric, categorical, scores = _choose_features(population, config, weights)
    warnings: list[str] = []
    if config.n_features and len(numeric) < config.n_features and not config.features:
        warnings.append(
            f"Only {len(numeric)} numeric column(s) vary in this population, fewer "
            f"than --n-features {config.n_features}: using all of them."
        )
    values = preprocess.clean_numeric(population.frame, numeric)
    categories = population.frame[categorical]
    missing = _missing(values, categories)
    dropped = 0
    if not missing.empty:
        where = ", ".join(f"{column} ({count:,})" for column, count in missing.items())
        if config.missing == "drop":
            complete = (values.notna().all(axis=1) & categories.notna().all(axis=1)).to_numpy()
            dropped = int((~complete).sum())
            warnings.append(
                f"Dropped {dropped:,} of {len(values):,} rows with missing or "
                f"infinite values in {where}."
            )
            values, categories = values.loc[complete], categories.loc[complete]
            weights = None if weights is None else weights[complete]
            if weights is not None and weights.sum() <= 0:
                raise CustsegError("Every row left after dropping missing values has zero weight.")
        else:
            warnings.append(
                f"Imputed missing or infinite values (median; most frequent category) in {where}."
            )
    n_rows = len(values)
    if n_rows <= max(config.ks):
        raise CustsegError(
            f"The population has {n_rows:,} usable rows, too few for k up to {max(config.ks)} "
            "(k must be below the number of rows).",
            hint="Lower --k / --k-range or widen the population.",
        )
    transform, reason = preprocess.choose_transform(values, config.transform)
    if config.transform == "auto":
        warnings.append(f"Transform: {transform}, because {reason}.")
    if weights is not None and config.scale == "robust":
        warnings.append("Robust scaling uses unweighted medians and quartiles.")
    preprocessor, Z = preprocess.fit(
        numeric,
        categorical,
        pd.concat([values, categories], axis=1) if categorical else values,
        transform=transform,
        scale=config.scale,
        weights=weights,
    )
    distinct = _distinct_rows(Z, enough=max(config.ks) + 1)
    if distinct <= max(config.ks):
        raise CustsegError(
            f"The population has only {distinct} distinct points, too few for k up "
            f"to {max(config.ks)}.",
            hint="Lower --k / --k-range.",
        )
    return Prepared(
        config=config,
        selection=selection,
        features=[*numeric, *categorical],
        categorical=categorical,
        feature_scores=scores,
        rows=values.index,
        transform=transform,
        weights=weights,
        weight_column=weight_column,
        dropped_rows=dropped,
        preprocessor=preprocessor,
        Z=Z,
        warnings=warnings,
    )


@dataclass(frozen=True)
class Sweep:
    """Every k of a sweep: the fits and their metrics."""

    fits: dict[int, KMeansFit]
    table: pd.DataFrame
    silhouette_info: dict[str, Any]
    recommendation: Recommendation


def sweep_steps(config: SegmentationConfig) -> int:
    """How many progress steps :func:`run_sweep` reports: one per k, one per bootstrap."""
    return len(config.ks) + config.bootstrap


def run_sweep(prepared: Prepared, *, progress: Callable[[], None] | None = None) -> Sweep:
    """Fit KMeans for every k of the configuration, score each fit and test its stability.

    Parameters
    ----------
    progress : callable, optional
        Called after each k is fitted and after each bootstrap resample.
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
            progress()
    metrics, info = sweep_metrics(
        prepared.Z,
        {k: fit.labels for k, fit in fits.items()},
        sample_weight=prepared.weights,
        max_rows=config.silhouette_max_rows,
        random_state=config.random_state,
    )
    table = metrics.reset_index()
    table.insert(1, "inertia", [fits[k].inertia for k in table["k"]])
    if config.bootstrap:
        stability = bootstrap_stability(
            prepared.Z,
            fits,
            engine=engine,
            n_boot=config.bootstrap,
            groups=prepared.households,
            sample_weight=prepared.weights,
            random_state=config.random_state,
            n_init=config.n_init,
            progress=progress,
        )
        table["stability"] = table["k"].map(stability)
    in_range = table[table["k"].between(*config.k_range)]
    return Sweep(fits, table, info, recommend_k(in_range))


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

    @property
    def config(self) -> SegmentationConfig:
        return self.prepared.config

    @property
    def features(self) -> list[str]:
        return self.prepared.features

    @property
    def metrics(self) -> dict[str, float]:
        row = self.sweep.table.set_index("k").loc[self.k]
        return {name: float(row[name]) for name in self.sweep.table.columns if name != "k"}

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
        """Ids and segment number (1..k) of every row used."""
        return self.id_frame().assign(segment=self.segments)

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
            "selection": (
                {"method": "named"}
                if config.features
                else {
                    "method": config.select,
                    "trim_each_tail": SELECTIONS[config.select],
                    "n_features": config.n_features,
                }
            ),
            "candidate_scores": [
                {"name": c, "label": dataset.label(c), "score": float(scores[c])}
                for c in scores.index[:10]
            ],
            "numeric_features": prepared.numeric,
            "dollar_features": [f for f in prepared.features if f in dataset.dollar_columns],
            "columns": [
                {"column": str(r.column), "role": r.role, "reason": r.reason}
                for r in dataset.column_roles
            ],
            "transform": prepared.transform,
            "categorical_features": prepared.categorical,
            "scale": config.scale,
            "weight": prepared.weight_column,
            "weighting": WEIGHTING_NOTE if weighted else "unweighted",
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
            },
            "metrics": self.metrics,
            "metric_space": "transformed and scaled features (the space the model was fit in)",
            "silhouette": self.sweep.silhouette_info,
            "stability": (
                {
                    "bootstrap_resamples": config.bootstrap,
                    "unit": "households" if prepared.households is not None else "rows",
                    "measure": "mean adjusted Rand index against the full-data fit",
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
            "warnings": list(prepared.warnings),
        }

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
            "distinguishing": [
                {
                    "variable": t.variable,
                    "label": t.label,
                    "standardized_difference": t.difference,
                    "segment_median": t.segment_median,
                    "population_median": t.population_median,
                }
                for t in persona.traits
            ],
            "make_up": persona.make_up,
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


def _sample_households(prepared: Prepared, profiles: pd.DataFrame) -> np.ndarray | None:
    """Sample households behind each segment: its rows over the number of implicates."""
    if prepared.implicates is None:
        return None
    return profiles["n_rows"].to_numpy() / len(np.unique(prepared.implicates))


def _size_texts(prepared: Prepared, profiles: pd.DataFrame) -> list[str]:
    dataset, selection = prepared.dataset, prepared.selection
    noun = dataset.populations[selection.population].noun
    if prepared.weights is None:
        return [
            f"Segment {int(r.segment)}: {r.n_rows:,} rows ({percent(r.share)} of {noun})"
            for r in profiles.itertuples()
        ]
    unit = dataset.weight_unit or "weighted rows"
    households = _sample_households(prepared, profiles)
    texts = []
    for i, r in enumerate(profiles.itertuples()):
        size = f"{survey_count(r.weighted_count)} {unit}"
        text = f"Segment {int(r.segment)}: {size} ({percent(r.share)} of {noun}"
        if households is not None:
            text += f"; {households[i]:.0f} sample households"
            if households[i] < MIN_HOUSEHOLDS:
                text += f", fewer than {MIN_HOUSEHOLDS}: too few for a reliable estimate"
        texts.append(text + ")")
    return texts


def _implicates(
    prepared: Prepared, fit: KMeansFit, segments: np.ndarray, k: int
) -> ImplicateReport | None:
    implicates = prepared.implicates
    if implicates is None:
        return None
    weights = prepared.weights if prepared.weights is not None else np.ones(prepared.n_rows)
    by_implicate = None
    if prepared.config.implicates == "separate":
        by_implicate = separate_fits(
            prepared.Z,
            implicates,
            weights,
            fit.centers,
            engine=get_engine(prepared.config.engine),
            random_state=prepared.config.random_state,
            n_init=prepared.config.n_init,
        )
    return implicate_report(
        prepared.config.implicates,
        prepared.households,
        implicates,
        segments,
        weights,
        k,
        by_implicate,
    )


def _personas(
    prepared: Prepared, segments: np.ndarray, k: int, size_texts: list[str]
) -> list[Persona]:
    dataset = prepared.dataset
    descriptors = [
        c
        for c in dataset.descriptors(prepared.numeric)
        if c in dataset.frame.columns
        and is_numeric(dataset.frame[c])
        and c not in dataset.categorical_columns
    ]
    frame = dataset.frame.loc[prepared.rows]
    groups = list(dict.fromkeys([*dataset.demographic_columns, *prepared.categorical]))
    demographics = make_up(frame, segments, k, groups, dataset.value_labels, prepared.weights)
    return describe_segments(
        frame[descriptors],
        segments,
        k,
        labels={c: dataset.label(c) for c in descriptors},
        noun=dataset.populations[prepared.selection.population].noun,
        size_texts=dict(enumerate(size_texts, start=1)),
        weights=prepared.weights,
        money_columns=[c for c in descriptors if c in dataset.dollar_columns],
        words=dataset.trait_words,
        demographics=demographics,
        demographic_labels={c: dataset.label(c) for c in groups},
    )


def _profile_table(
    prepared: Prepared, segments: np.ndarray, k: int, implicates: ImplicateReport | None
) -> tuple[pd.DataFrame, list[Persona]]:
    """``segment, n_rows, share`` (+ weighted count and implicate spread), the persona's name
    and size in words, feature means and medians, then description and make-up."""
    profiles = profile_segments(prepared.values, segments, k=k, sample_weight=prepared.weights)
    size_texts = _size_texts(prepared, profiles)
    personas = _personas(prepared, segments, k, size_texts)
    position = list(profiles.columns).index(f"{prepared.features[0]}_mean")
    inserted = {}
    if implicates is not None and implicates.n_implicates > 1:
        spread = implicates.sizes.drop(columns="segment")
        if prepared.weights is None:
            spread = spread.drop(columns=[c for c in spread if c.startswith("count")])
        inserted.update({column: spread[column].to_numpy() for column in spread})
    inserted.update({"name": [p.name for p in personas], "size": size_texts})
    if prepared.dataset.provenance.get("dollars_of"):
        # profiles.csv holds money medians: say in which year's dollars, on every row.
        inserted["dollars_of"] = prepared.dataset.provenance["dollars_of"]
    households = _sample_households(prepared, profiles)
    if households is not None:
        inserted.update(
            {"sample_households": households, "few_households": households < MIN_HOUSEHOLDS}
        )
    for offset, (column, values) in enumerate(inserted.items()):
        profiles.insert(position + offset, column, values)
    profiles["description"] = [p.description for p in personas]
    profiles["distinguishing"] = [
        "; ".join(f"{t.label} ({t.difference:+.2f} sd)" for t in p.traits) for p in personas
    ]
    for persona in personas:
        for variable, shares in persona.make_up.items():
            for label, share in shares.items():
                profiles.loc[persona.segment - 1, f"{variable}={label}"] = share
    return profiles, personas


#: Scored customers farther from their centre than this quantile of the training rows'
#: distances are flagged as outside the training data.
OUT_OF_RANGE_QUANTILE = 0.999


def _distance_cutoff(Z: np.ndarray, fit: KMeansFit) -> float:
    distances = np.linalg.norm(Z - fit.centers[fit.labels], axis=1)
    return float(np.quantile(distances, OUT_OF_RANGE_QUANTILE))


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
        pipeline=Pipeline([("preprocess", prepared.preprocessor), ("kmeans", fit.estimator)]),
        features=prepared.features,
        projection_mean=mean,
        projection_components=components,
        metadata={
            "source": dataset.name,
            "population": prepared.selection.population,
            "population_description": prepared.selection.description,
            "conditions": list(prepared.selection.conditions),
            "where": list(prepared.config.where),
            "k": k,
            "n_rows": prepared.n_rows,
            "feature_labels": {f: dataset.label(f) for f in prepared.features},
            "numeric_features": prepared.numeric,
            "categorical_features": prepared.categorical,
            "transform": prepared.transform,
            "distance_cutoff": _distance_cutoff(prepared.Z, fit),
            "scale": prepared.config.scale,
            "weight": prepared.weight_column,
            "random_state": prepared.config.random_state,
            "dollars_of": dataset.provenance.get("dollars_of"),
            "dollar_features": [f for f in prepared.features if f in dataset.dollar_columns],
        },
    )
    coords = model.project(prepared.Z)
    result_pca = pd.DataFrame({"pc1": coords[:, 0], "pc2": coords[:, 1], "segment": segments})
    implicates = _implicates(prepared, fit, segments, k)
    profiles, personas = _profile_table(prepared, segments, k, implicates)
    model.metadata["segment_names"] = {str(p.segment): p.name for p in personas}
    return SegmentationResult(
        prepared=prepared,
        sweep=sweep,
        k=k,
        segments=segments,
        model=model,
        pca=result_pca,
        explained_variance_ratio=ratio,
        profiles=profiles,
        personas=personas,
        implicates=implicates,
    )


def segment(
    dataset: Dataset | str,
    config: SegmentationConfig | None = None,
    *,
    progress: Callable[[], None] | None = None,
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
        Called after each step of the sweep (see :func:`sweep_steps`).

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
