"""Personas: a short, data-derived name and description for every segment.

A segment is described by how it differs from its population, in robust, weighted terms: the
percentile rank of the segment's median within the population, compared with the population
median's own rank. The largest shifts name the segment (see :mod:`custseg.naming` for the
rules that keep names truthful and unique); the standardized difference of means (money on an
asinh scale, so that a few fortunes do not decide it) is reported beside them. The same profile
always gives the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg.formatting import money, number, percent
from custseg.naming import MAJORITY_LIFT, MAJORITY_SHARE, NamingTrait, segment_names
from custseg.stats import weighted_quantile

MAX_DISTINGUISHING = 5


@dataclass(frozen=True)
class Trait:
    """One distinguishing variable of a segment.

    ``percentile`` is the segment median's percentile rank (0-100) in the population;
    ``shift`` is that rank minus the population median's rank, as a share (-1..1);
    ``difference`` is the standardized difference of the means. For a yes/no flag (``share``
    true) a median says little: ``segment_median`` and ``population_median`` are the shares of
    yes, ``shift`` their difference and ``percentile`` is NaN.
    """

    variable: str
    label: str
    difference: float
    segment_median: float
    population_median: float
    percentile: float = 50.0
    shift: float = 0.0
    share: bool = False

    def compared(self, value: Callable[[float], str] = number) -> str:
        """``'Net worth $48.6k (all: $122k)'``, or for a flag ``'Has any debt 0% (all: 77%)'``."""
        if self.share:
            inner, overall = percent(self.segment_median, 0), percent(self.population_median, 0)
        else:
            inner, overall = value(self.segment_median), value(self.population_median)
        return f"{self.label} {inner} (all: {overall})"


@dataclass(frozen=True)
class Persona:
    """A segment's name, description, distinguishing variables and make-up."""

    segment: int
    name: str
    description: str
    traits: list[Trait]
    make_up: dict[str, dict[str, float]] = field(default_factory=dict)


def percentile_rank(values: np.ndarray, value: float, weights: np.ndarray | None = None) -> float:
    """Weighted mid-rank of ``value`` among ``values``, as a share in [0, 1].

    Ties count half, so a value shared by 60% of the population ranks at its middle.
    """
    w = np.ones(len(values)) if weights is None else weights
    total = w.sum()
    below = w[values < value].sum()
    equal = w[values == value].sum()
    return float((below + 0.5 * equal) / total) if total > 0 else 0.5


def standardized_differences(
    values: pd.DataFrame,
    segments: np.ndarray,
    k: int,
    *,
    weights: np.ndarray | None = None,
    money_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Segment mean minus population mean, in population standard deviations.

    Returns
    -------
    DataFrame of shape (k, n_variables), indexed by segment number (1..k)
    """
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    rows = {}
    for column in values.columns:
        x = values[column].to_numpy(dtype=float)
        if column in money_columns:
            x = np.arcsinh(x)
        finite = np.isfinite(x)
        mean = np.average(x[finite], weights=w[finite])
        sd = np.sqrt(np.average((x[finite] - mean) ** 2, weights=w[finite]))
        diffs = []
        for segment in range(1, k + 1):
            members = finite & (segments == segment)
            if sd == 0 or not members.any() or w[members].sum() == 0:
                diffs.append(0.0)
            else:
                diffs.append((np.average(x[members], weights=w[members]) - mean) / sd)
        rows[column] = diffs
    return pd.DataFrame(rows, index=pd.Index(range(1, k + 1), name="segment"))


def make_up(
    frame: pd.DataFrame,
    segments: np.ndarray,
    k: int,
    columns: Sequence[str],
    value_labels: Mapping[str, Mapping[int, str]],
    weights: np.ndarray | None = None,
) -> dict[int, dict[str, dict[str, float]]]:
    """Weighted shares of each coded category (age group, education...) within every segment."""
    w = np.ones(len(frame)) if weights is None else np.asarray(weights, dtype=float)
    result: dict[int, dict[str, dict[str, float]]] = {s: {} for s in range(1, k + 1)}
    for column in columns:
        codes = frame[column].to_numpy()
        labels = value_labels.get(column, {})
        for segment in range(1, k + 1):
            members = segments == segment
            total = w[members].sum()
            shares = pd.Series(w[members]).groupby(codes[members]).sum() / total
            result[segment][column] = {
                _code_label(labels, code): float(share)
                for code, share in shares.sort_index().items()
            }
    return result


def _code_label(labels: Mapping[int, str], code: object) -> str:
    try:
        return labels.get(int(code), str(code))
    except (TypeError, ValueError):
        return str(code)


def describe_segments(
    values: pd.DataFrame,
    segments: np.ndarray,
    k: int,
    *,
    labels: Mapping[str, str],
    noun: str,
    size_texts: Mapping[int, str],
    weights: np.ndarray | None = None,
    money_columns: Sequence[str] = (),
    words: Mapping[str, tuple[str, ...]] | None = None,
    demographics: Mapping[int, dict[str, dict[str, float]]] | None = None,
    demographic_labels: Mapping[str, str] | None = None,
    flag_columns: Sequence[str] = (),
) -> list[Persona]:
    """A persona for every segment.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_variables)
        The descriptor variables in original units.
    segments : ndarray of shape (n_samples,)
    labels : human label of every descriptor variable
    noun : what the rows are ("small-business owners", "customers")
    size_texts : segment number to its size in words
    words : variable to :class:`custseg.naming.TraitWords` (high, low, concept, negative)
    demographics : from :func:`make_up`
    flag_columns : sequence of str
        Yes/no (0/1) variables among ``values``: described by their share of yes, not a median.
    """
    differences = standardized_differences(
        values, segments, k, weights=weights, money_columns=money_columns
    )
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    traits = {
        s: _traits(values, segments, s, w, differences.loc[s], labels, set(flag_columns))
        for s in range(1, k + 1)
    }
    demographics = demographics or {}
    majorities = _majorities(demographics, segments, w, demographic_labels or {})
    names = segment_names(
        {
            s: [
                NamingTrait(
                    t.variable, t.label, t.shift, t.segment_median, t.population_median, t.share
                )
                for t in ts
            ]
            for s, ts in traits.items()
        },
        words or {},
        noun,
        majorities,
    )
    fmt = {v: (money if v in money_columns else number) for v in values.columns}
    personas = []
    for segment in range(1, k + 1):
        shown = traits[segment][:3]
        sentences = [f"{size_texts[segment]}."]
        for what, share in (("Medians", False), ("Shares", True)):
            compared = [t.compared(fmt[t.variable]) for t in shown if t.share == share]
            if compared:
                sentences.append(f"{what} against all {noun}: {'; '.join(compared)}.")
        segment_make_up = demographics.get(segment, {})
        if segment_make_up:
            largest = [
                f"{(demographic_labels or {}).get(c, c).lower()} {max(s, key=s.get)} "
                f"({percent(max(s.values()), 0)})"
                for c, s in segment_make_up.items()
                if s
            ]
            sentences.append("Most common: " + ", ".join(largest) + ".")
        personas.append(
            Persona(
                segment=segment,
                name=names[segment],
                description=" ".join(sentences),
                traits=traits[segment],
                make_up=segment_make_up,
            )
        )
    return personas


def _traits(
    values: pd.DataFrame,
    segments: np.ndarray,
    segment: int,
    w: np.ndarray,
    differences: pd.Series,
    labels: Mapping[str, str],
    flags: set[str],
) -> list[Trait]:
    """The segment's most distinguishing variables: largest percentile shift (for a flag, the
    difference of its shares) first."""
    members = segments == segment
    traits = []
    for variable in values.columns:
        x = values[variable].to_numpy(dtype=float)
        known = np.isfinite(x)
        inside = members & known
        if not inside.any():
            continue
        if variable in flags:
            inner = np.average(x[inside], weights=w[inside]) if w[inside].sum() > 0 else 0.0
            overall = np.average(x[known], weights=w[known]) if w[known].sum() > 0 else 0.0
            traits.append(
                Trait(
                    variable=variable,
                    label=labels.get(variable, variable),
                    difference=float(differences[variable]),
                    segment_median=float(inner),
                    population_median=float(overall),
                    percentile=float("nan"),
                    shift=float(inner - overall),
                    share=True,
                )
            )
            continue
        segment_median = weighted_quantile(x[inside], 0.5, w[inside])
        population_median = weighted_quantile(x[known], 0.5, w[known])
        rank = percentile_rank(x[known], segment_median, w[known])
        traits.append(
            Trait(
                variable=variable,
                label=labels.get(variable, variable),
                difference=float(differences[variable]),
                segment_median=segment_median,
                population_median=population_median,
                percentile=100 * rank,
                shift=rank - percentile_rank(x[known], population_median, w[known]),
            )
        )
    traits.sort(key=lambda t: (-round(abs(t.shift), 6), -abs(t.difference)))
    return traits[:MAX_DISTINGUISHING]


def _majorities(
    demographics: Mapping[int, dict[str, dict[str, float]]],
    segments: np.ndarray,
    w: np.ndarray,
    column_labels: Mapping[str, str],
) -> dict[int, str | None]:
    """A category that dominates a segment far beyond its population share ("Channel: Horeca")."""
    sizes = {s: w[segments == s].sum() for s in demographics}
    total = sum(sizes.values())
    result: dict[int, str | None] = {}
    for segment, columns in demographics.items():
        best = None
        for column, shares in columns.items():
            for category, share in shares.items():
                population = (
                    sum(
                        demographics[s].get(column, {}).get(category, 0.0) * sizes[s]
                        for s in demographics
                    )
                    / total
                )
                lift = share / population if population > 0 else 0.0
                if (
                    share >= MAJORITY_SHARE
                    and lift >= MAJORITY_LIFT
                    and (best is None or share > best[0])
                ):
                    best = (share, f"{column_labels.get(column, column)}: {category}")
        result[segment] = best[1] if best else None
    return result
