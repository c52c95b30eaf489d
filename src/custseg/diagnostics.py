"""What a reader of a segmentation should be warned about, from the numbers of a run.

Pure and method-agnostic: :func:`diagnose` takes plain arrays (segment labels, weights, the
numeric features in model space, the chosen k's silhouette and stability, the principal
components' shares, columns to compare with) from any clustering method and returns
:class:`Diagnostic` records. Their ``code`` is stable (tools may key on it), ``message`` is for
people and ``numbers`` holds what was measured.

Codes: ``collinear_features``, ``dominant_component``, ``weak_structure``,
``dominant_segment``, ``tiny_segment``, ``few_households``, ``unstable_k``,
``mirrors_column``, ``no_qualifying_k``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg.collinearity import (
    MAX_ABS_CORRELATION,
    MAX_R_SQUARED,
    collinear_features,
    weighted_correlation,
)
from custseg.formatting import label_and_name
from custseg.recommend import STABILITY_THRESHOLD

#: The first principal component carrying more than this share of the variance means the
#: features mostly measure one thing.
DOMINANT_COMPONENT = 0.8
#: Silhouette below this: weak structure (Kaufman and Rousseeuw: no substantial structure).
WEAK_SILHOUETTE = 0.25
#: One segment holding more than this share of the (weighted) population.
DOMINANT_SEGMENT = 0.9
#: Adjusted Rand index with an existing column above this: the segments mirror that column.
MIRROR_ARI = 0.5
#: Columns with more distinct values than this are not compared as categories.
MAX_CATEGORIES = 20


@dataclass(frozen=True)
class Diagnostic:
    """One warning about a run: a stable ``code``, a sentence, and the numbers behind it."""

    code: str
    message: str
    numbers: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "numbers": dict(self.numbers)}


def adjusted_rand(a: np.ndarray, b: np.ndarray) -> float:
    """Adjusted Rand index of two labellings of shape (n_samples,) (missing values form a
    category of their own); equal to :func:`sklearn.metrics.adjusted_rand_score`."""
    return _adjusted_rand_of_codes(*_codes(a), *_codes(b))


def _adjusted_rand_of_codes(a_codes: np.ndarray, a_n: int, b_codes: np.ndarray, b_n: int) -> float:
    """:func:`adjusted_rand` of two labellings numbered by :func:`_codes`."""
    table = np.bincount(a_codes * b_n + b_codes, minlength=a_n * b_n).astype(float)
    n = float(len(a_codes))

    def pairs(x: np.ndarray) -> float:
        return float((x * (x - 1) / 2).sum())

    both = pairs(table)
    rows, cols = pairs(table.reshape(a_n, b_n).sum(1)), pairs(table.reshape(a_n, b_n).sum(0))
    expected = rows * cols / (n * (n - 1) / 2) if n > 1 else 0.0
    top = (rows + cols) / 2
    return 1.0 if top == expected else float((both - expected) / (top - expected))


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    codes, uniques = pd.factorize(pd.Series(values), use_na_sentinel=False)
    return codes.astype(np.int64), max(len(uniques), 1)


def _segment_shares(segments: np.ndarray, weights: np.ndarray | None) -> pd.Series:
    w = np.ones(len(segments)) if weights is None else np.asarray(weights, dtype=float)
    shares = pd.Series(w).groupby(np.asarray(segments)).sum()
    return shares / shares.sum()


class _Said:
    """A column as a warning names it: its label with the name, ``'Net worth (NETWORTH)'``."""

    def __init__(self, labels: Mapping[str, str] | None) -> None:
        self.labels = labels or {}

    def __call__(self, name: str) -> str:
        return label_and_name(self.labels.get(name, name), name)


def _collinearity(
    model_space: pd.DataFrame, weights: np.ndarray | None, said: _Said
) -> list[Diagnostic]:
    names = list(model_space.columns)
    if len(names) < 2:
        return []
    correlation = weighted_correlation(model_space.to_numpy(dtype=float), weights)
    pairs, explained = collinear_features(correlation, names)
    if not pairs and not explained:
        return []
    parts = [f"{said(a)} and {said(b)} (r = {r:.3f})" for a, b, r in pairs]
    parts += [f"{said(name)} from the others (R^2 = {value:.3f})" for name, value in explained]
    return [
        Diagnostic(
            "collinear_features",
            "Some features are near-duplicates in model space, so what they share counts "
            f"twice: {'; '.join(parts)}. Drop one of each pair (--select auto does).",
            {
                "pairs": [[a, b, round(r, 4)] for a, b, r in pairs],
                "r_squared": [[name, round(value, 4)] for name, value in explained],
                "max_abs_correlation": MAX_ABS_CORRELATION,
                "max_r_squared": MAX_R_SQUARED,
            },
        )
    ]


def _sizes(
    segments: np.ndarray,
    weights: np.ndarray | None,
    households: np.ndarray | None,
    min_share: float,
    min_households: int | None,
) -> list[Diagnostic]:
    found = []
    shares = _segment_shares(segments, weights)
    largest = shares.idxmax()
    if shares[largest] > DOMINANT_SEGMENT:
        found.append(
            Diagnostic(
                "dominant_segment",
                f"Segment {largest} holds {shares[largest]:.1%} of the population: the "
                "segmentation mostly separates a few outliers from everyone else.",
                {
                    "segment": int(largest),
                    "share": round(float(shares[largest]), 4),
                    "threshold": DOMINANT_SEGMENT,
                },
            )
        )
    tiny = shares[shares < min_share]
    if len(tiny):
        found.append(
            Diagnostic(
                "tiny_segment",
                f"{_segments(tiny.index, 'holds', 'hold')} less than {min_share:.0%} "
                f"of the population ({'smallest ' if len(tiny) > 1 else ''}{tiny.min():.2%}): "
                "too small to act on.",
                {
                    "segments": [int(s) for s in tiny.index],
                    "smallest_share": round(float(tiny.min()), 5),
                    "min_share": min_share,
                },
            )
        )
    if households is not None and min_households:
        ids = pd.Series(np.asarray(households))
        counts = ids.groupby(np.asarray(segments)).nunique()
        # The sizes count a household by its share of rows (rows over implicates for the SCF);
        # the warning gives that count too, so its number matches theirs.
        shares = (1.0 / ids.map(ids.value_counts())).groupby(np.asarray(segments)).sum()
        few = counts[counts < min_households]
        if len(few):
            fewest = few.idxmin()
            found.append(
                Diagnostic(
                    "few_households",
                    f"{_segments(few.index, 'rests', 'rest')} on fewer than "
                    f"{min_households} surveyed households "
                    f"({'fewest: ' if len(few) > 1 else ''}{_both(few.min(), shares[fewest])}"
                    f"): {'their' if len(few) > 1 else 'its'} estimates hang on "
                    "a handful of interviews.",
                    {
                        "segments": [int(s) for s in few.index],
                        "fewest_households": int(few.min()),
                        "fewest_household_shares": round(float(shares[fewest]), 2),
                        "min_households": min_households,
                    },
                )
            )
    return found


def _mirrors(
    segments: np.ndarray, columns: Mapping[str, np.ndarray], features: Sequence[str], said: _Said
) -> list[Diagnostic]:
    found = []
    segment_codes = _codes(segments)
    for name, values in columns.items():
        distinct = pd.Series(values).nunique(dropna=False)
        if not 2 <= distinct <= MAX_CATEGORIES:
            continue
        ari = _adjusted_rand_of_codes(*segment_codes, *_codes(values))
        if ari > MIRROR_ARI:
            role = " (one of the features)" if name in features else ""
            found.append(
                Diagnostic(
                    "mirrors_column",
                    f"The segments largely reproduce the existing column {said(name)}{role} "
                    f"(adjusted Rand index {ari:.2f}): a cross-tab of it would tell much "
                    "the same story.",
                    {"column": name, "ari": round(ari, 4), "threshold": MIRROR_ARI},
                )
            )
    return sorted(found, key=lambda d: -d.numbers["ari"])


def _both(distinct: int, by_share: float) -> str:
    """``'8'``, or when the two counts differ ``'13 with rows in it; 12 counting each household
    by its share of rows, as the sizes do'``."""
    shared = "<1" if 0 < by_share < 0.5 else f"{by_share:,.0f}"
    if shared == f"{distinct:,}":
        return shared
    return (
        f"{distinct:,} with rows in it; {shared} counting each household by its share of rows, "
        "as the sizes do"
    )


def _segments(numbers: Sequence[int], verb_one: str, verb_many: str) -> str:
    """``'Segment 3 holds'`` or ``'Segments 3 and 4 hold'``: the subject of a warning."""
    numbers = [str(n) for n in numbers]
    if len(numbers) == 1:
        return f"Segment {numbers[0]} {verb_one}"
    return f"Segments {', '.join(numbers[:-1])} and {numbers[-1]} {verb_many}"


def diagnose(
    *,
    segments: np.ndarray,
    k: int,
    weights: np.ndarray | None = None,
    households: np.ndarray | None = None,
    model_space: pd.DataFrame | None = None,
    silhouette: float | None = None,
    stability: float | None = None,
    explained_variance_ratio: Sequence[float] = (),
    compare_columns: Mapping[str, np.ndarray] | None = None,
    features: Sequence[str] = (),
    min_share: float = 0.02,
    min_households: int | None = None,
    no_qualifying_k: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> list[Diagnostic]:
    """Every warning that applies to a run.

    Parameters
    ----------
    segments : ndarray of shape (n_samples,)
        The chosen segmentation's labels.
    k : int
    weights : ndarray of shape (n_samples,), optional
    households : ndarray of shape (n_samples,), optional
        Survey household ids: segments resting on few households are flagged.
    model_space : DataFrame of shape (n_samples, n_numeric), optional
        The numeric features as the model sees them (transformed, scaled), named.
    silhouette, stability : float, optional
        The chosen k's (weighted) silhouette and bootstrap stability.
    explained_variance_ratio : sequence of float
        Principal components' shares of the model-space variance, first first.
    compare_columns : mapping of str to ndarray of shape (n_samples,)
        Existing coded or categorical columns the segments might merely reproduce.
    features : sequence of str
        The features, to say when a mirrored column is one of them.
    min_share, min_households
        The smallest acceptable segment (as for the recommended k).
    no_qualifying_k : str, optional
        The recommender's explanation when no k met its conditions.
    labels : mapping of column name to label, optional
        Messages name columns by label and name ("Net worth (NETWORTH)"); ``numbers`` keep the
        plain names.
    """
    said = _Said(labels)
    found: list[Diagnostic] = []
    if no_qualifying_k:
        found.append(Diagnostic("no_qualifying_k", no_qualifying_k, {}))
    if model_space is not None:
        found += _collinearity(model_space, weights, said)
    if len(explained_variance_ratio) and explained_variance_ratio[0] > DOMINANT_COMPONENT:
        share = float(explained_variance_ratio[0])
        found.append(
            Diagnostic(
                "dominant_component",
                f"The first principal component carries {share:.1%} of the variance: the "
                "features mostly measure one thing, and the 2-D view shows little else.",
                {"pc1_share": round(share, 4), "threshold": DOMINANT_COMPONENT},
            )
        )
    if silhouette is not None and np.isfinite(silhouette) and silhouette < WEAK_SILHOUETTE:
        found.append(
            Diagnostic(
                "weak_structure",
                f"Silhouette {silhouette:.3f} at k={k} is below {WEAK_SILHOUETTE}: the "
                "segments overlap and cut a continuum rather than separate groups.",
                {"k": k, "silhouette": round(float(silhouette), 4), "threshold": WEAK_SILHOUETTE},
            )
        )
    found += _sizes(segments, weights, households, min_share, min_households)
    if stability is not None and np.isfinite(stability) and stability < STABILITY_THRESHOLD:
        found.append(
            Diagnostic(
                "unstable_k",
                f"k={k} is unstable: refits on bootstrap resamples agree with it only "
                f"{stability:.2f} (adjusted Rand index; {STABILITY_THRESHOLD} counts as stable).",
                {"k": k, "stability": round(float(stability), 4), "threshold": STABILITY_THRESHOLD},
            )
        )
    found += _mirrors(segments, compare_columns or {}, features, said)
    return found
