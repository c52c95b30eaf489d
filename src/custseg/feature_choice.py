"""``--select auto``: features that answer the population's question, none a near-duplicate
of another.

The candidates are the population's own feature set (in its order of priority), then the other
numeric columns ranked in model space: after the transform and scaling the model uses, by the
10%-trimmed variance of the standardized column, i.e. the share of its spread carried by the
middle 80% of the (weighted) rows rather than by a few extreme ones. Walking that order, a
candidate is skipped when it is (nearly) a linear combination of the features already chosen
(:func:`custseg.collinearity.guard`), and the skip is recorded with its numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custseg import preprocess
from custseg.collinearity import Skipped, guard, weighted_correlation
from custseg.dataset import Dataset, Population
from custseg.formatting import label_and_name
from custseg.selection import DEFAULT_TRIM, variance_scores

#: Ranking and the guard look at a seeded sample of at most this many rows: correlations from
#: 100,000 rows are within about 0.005 of the full table's.
SELECTION_SAMPLE = 100_000
#: Numeric columns plain tables use by default (at most).
MAX_DEFAULT_FEATURES = 10


@dataclass(frozen=True)
class AutoSelection:
    """The chosen features, every candidate's model-space score, and what was skipped."""

    features: list[str]
    scores: pd.Series
    skipped: list[Skipped]
    preferred: list[str]


def _varying(frame: pd.DataFrame, column: str) -> bool:
    values = frame[column].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    return values.size > 1 and bool((values != values[0]).any())


def candidate_order(dataset: Dataset, population: Population, categorical: set[str]) -> list[str]:
    """The population's features, then the dataset's descriptors (or every numeric column)."""
    allowed = set(dataset.candidate_features()) - categorical
    preferred = [c for c in population.features if c in allowed]
    others = dataset.descriptor_columns or tuple(dataset.candidate_features())
    pool = [*preferred, *(c for c in others if c in allowed and c not in preferred)]
    return [c for c in pool if _varying(dataset.frame, c)]


def select_auto(
    dataset: Dataset,
    population: Population,
    *,
    categorical: set[str],
    n_features: int | None,
    transform: str,
    scale: str,
    weights: np.ndarray | None,
    random_state: int = 0,
) -> AutoSelection:
    """Choose features in model space, skipping near-duplicates.

    Parameters
    ----------
    dataset : Dataset
        The population's rows.
    population : Population
        Its feature set comes first.
    n_features : int, optional
        How many to keep (the population's set first, then the best-ranked others); by
        default the population's feature set less its near-duplicates, or every numeric
        column (at most ``MAX_DEFAULT_FEATURES``).
    transform, scale : str
        As the run will apply them (``auto`` resolved per column).
    weights : ndarray of shape (n_rows,), optional
    """
    pool = candidate_order(dataset, population, categorical)
    preferred = [c for c in population.features if c in pool]
    if not pool:
        return AutoSelection([], pd.Series(dtype=float), [], preferred)
    frame, sample_weights = dataset.frame, weights
    if len(frame) > SELECTION_SAMPLE:
        rows = np.sort(
            np.random.default_rng(random_state).choice(len(frame), SELECTION_SAMPLE, replace=False)
        )
        frame = frame.iloc[rows]
        sample_weights = None if weights is None else weights[rows]
    values = preprocess.clean_numeric(frame, pool)
    if transform == "log":  # log cannot take negative amounts: such columns are not candidates
        pool = [c for c in pool if not (values[c] < 0).any()]
        preferred = [c for c in preferred if c in pool]
        values = values[pool]
    chosen_transform, _, transformed = preprocess.choose_transform(
        values, transform, dataset.dollar_columns
    )
    _, Z = preprocess.fit(
        pool,
        [],
        values,
        transform=chosen_transform,
        scale=scale,
        weights=sample_weights,
        transformed=transformed,
    )
    mean = np.average(Z, axis=0, weights=sample_weights)
    sd = np.sqrt(np.average((Z - mean) ** 2, axis=0, weights=sample_weights))
    standardized = (Z - mean) / np.where(sd > 0, sd, 1.0)
    scores = pd.Series(
        variance_scores(standardized, trim=DEFAULT_TRIM, sample_weight=sample_weights), index=pool
    )
    rest = scores.drop(preferred).sort_values(ascending=False, kind="stable")
    # The population's set stands on its own unless more features are asked for.
    order = preferred if preferred and not n_features else [*preferred, *rest.index]
    n = n_features or len(preferred) or min(len(pool), MAX_DEFAULT_FEATURES)
    chosen, skipped = guard(
        weighted_correlation(Z, sample_weights),
        pool,
        order,
        n=n,
        shown=lambda column: label_and_name(dataset.label(column), column),
    )
    return AutoSelection(
        chosen, scores.sort_values(ascending=False, kind="stable"), skipped, preferred
    )
