"""From a dataset to the model-space matrix: population, weights, features, missing values,
transform and scaling."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from custseg import preprocess
from custseg.collinearity import Skipped
from custseg.config import SELECTIONS, SegmentationConfig, fit_sweep_to
from custseg.dataset import Dataset, Population, is_numeric
from custseg.errors import CustsegError
from custseg.feature_choice import select_auto
from custseg.formatting import label_and_name
from custseg.limits import check_magnitudes
from custseg.population import Selection, select_population
from custseg.roles import yes_no_columns
from custseg.selection import rank_features


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
        Notes about the choices made (transform, dropped rows...), printed and kept in the
        summary as ``notes``.
    skipped : list of Skipped
        Candidate features ``--select auto`` passed over as near-duplicates, and why.
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
    skipped: list[Skipped] = field(default_factory=list)

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

    @cached_property
    def flags(self) -> list[str]:
        """The numeric features that are yes/no flags (0/1): read by their share of yes."""
        return yes_no_columns(self.values, self.dataset.flag_columns)

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
    check_magnitudes(dataset.frame, [column], what="weight column")
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
    dataset: Dataset, config: SegmentationConfig, population: Population, weights: np.ndarray | None
) -> tuple[list[str], list[str], pd.Series, list[Skipped]]:
    """Numeric features, categorical features, the selection scores and the skipped
    near-duplicates."""
    categorical = {*dataset.categorical_features, *config.categorical}
    if config.features:
        named = _check_named_features(dataset, config.features, categorical)
        check_magnitudes(dataset.frame, [f for f in named if f not in categorical])
        return (
            [f for f in named if f not in categorical],
            [f for f in named if f in categorical],
            pd.Series(dtype=float),
            [],
        )
    candidates = [c for c in dataset.candidate_features() if c not in categorical]
    check_magnitudes(dataset.frame, candidates)
    chosen_categorical = [
        c for c in dataset.frame.columns if c in categorical and dataset.frame[c].nunique() > 1
    ]
    skipped: list[Skipped] = []
    if config.select == "auto":
        auto = select_auto(
            dataset,
            population,
            categorical=categorical,
            n_features=config.n_features,
            transform=config.transform,
            scale=config.scale,
            weights=weights,
            random_state=config.random_state,
        )
        scores, numeric, skipped = auto.scores, auto.features, auto.skipped
    else:
        scores = rank_features(
            dataset.frame, candidates, trim=SELECTIONS[config.select], sample_weight=weights
        )
        n_features = config.n_features or dataset.default_n_features or min(len(scores), 10)
        numeric = list(scores.index[:n_features])
    if scores.empty and not chosen_categorical:
        raise CustsegError(
            f"No column of {dataset.name} varies in this population, so there is "
            "nothing to segment on.",
            hint="Name features with --features, or widen the population.",
        )
    return numeric, chosen_categorical, scores, skipped


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


def _population(
    dataset: Dataset, config: SegmentationConfig
) -> tuple[Selection, np.ndarray | None, str | None]:
    """The rows a run fits on, their weights and the weight column used."""
    dataset, weight_factor = _implicate_subset(dataset, config.implicates)
    selection = select_population(dataset, config.population, config.where)
    weight_column = dataset.weight_column if config.weight == "auto" else config.weight
    weights = _weights(selection.dataset, weight_column)
    if weights is not None:
        weights = weights * weight_factor
    return selection, weights, weight_column


def chosen_features(dataset: Dataset, config: SegmentationConfig) -> list[str]:
    """The features :func:`prepare` would fit on (numeric, then categorical), without moving the
    data to model space: two configurations that choose the same features (and agree on
    everything else) give the same fits.

    Raises
    ------
    CustsegError
        As :func:`prepare` does for the population, weights and features.
    """
    selection, weights, _ = _population(dataset, config)
    numeric, categorical, _, _ = _choose_features(
        selection.dataset, config, selection.dataset.populations[selection.population], weights
    )
    return [*numeric, *categorical]


def prepare(dataset: Dataset, config: SegmentationConfig) -> Prepared:
    """Filter, choose features, handle missing values and move to model space.

    Raises
    ------
    CustsegError
        For any input that cannot be segmented as asked.
    """
    selection, weights, weight_column = _population(dataset, config)
    population = selection.dataset
    numeric, categorical, scores, skipped = _choose_features(
        population, config, population.populations[selection.population], weights
    )
    warnings: list[str] = []
    if config.n_features and len(numeric) < config.n_features and not config.features:
        warnings.append(
            f"Only {len(numeric)} numeric column(s) vary in this population, fewer "
            f"than --n-features {config.n_features}: using all of them."
            if not skipped
            else f"Only {len(numeric)} numeric column(s) are left once near-duplicates are "
            f"skipped, fewer than --n-features {config.n_features}."
        )
    values = preprocess.clean_numeric(population.frame, numeric)
    categories = population.frame[categorical]
    missing = _missing(values, categories)
    dropped = 0
    if not missing.empty:
        where = ", ".join(
            f"{label_and_name(population.label(column), column)} ({count:,})"
            for column, count in missing.items()
        )
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
    config = fit_sweep_to(config, n_rows, f"{n_rows:,} usable rows", warnings)
    transform, reason, transformed = preprocess.choose_transform(
        values, config.transform, population.dollar_columns, label=population.label
    )
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
        transformed=transformed,
    )
    distinct = _distinct_rows(Z, enough=max(config.ks) + 1)
    config = fit_sweep_to(config, distinct, f"only {distinct:,} distinct points", warnings)
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
        skipped=skipped,
    )
