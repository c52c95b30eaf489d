"""Personas: a short, data-derived name and description for every segment.

A segment is described by how it differs from its population: the standardized difference of
its (weighted) mean from the population mean, in population standard deviations, for every
descriptor variable. Money amounts are compared on an asinh (log-like, sign-keeping) scale so
that a few fortunes do not decide the description. The largest differences name the segment;
the same profile always gives the same name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from custseg.formatting import money, number, percent
from custseg.stats import weighted_quantile

#: Differences smaller than this (in standard deviations) do not name a segment.
NOTABLE_DIFFERENCE = 0.2
MAX_DISTINGUISHING = 5


@dataclass(frozen=True)
class Trait:
    """One distinguishing variable of a segment."""

    variable: str
    label: str
    difference: float
    segment_median: float
    population_median: float


@dataclass(frozen=True)
class Persona:
    """A segment's name, description, distinguishing variables and make-up."""

    segment: int
    name: str
    description: str
    traits: list[Trait]
    make_up: dict[str, dict[str, float]] = field(default_factory=dict)


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


def _name(traits: list[Trait], words: Mapping[str, tuple[str, str]], noun: str) -> str:
    adjectives, phrases = [], []
    for trait in traits[:3]:
        if abs(trait.difference) < NOTABLE_DIFFERENCE:
            break
        high, low = words.get(
            trait.variable, (f"with high {trait.label}", f"with low {trait.label}")
        )
        word = high if trait.difference > 0 else low
        # At most two of each, so that a name stays a name rather than a profile.
        if word.startswith("with ") and len(phrases) < 2:
            phrases.append(word.removeprefix("with "))
        elif not word.startswith("with ") and len(adjectives) < 2:
            adjectives.append(word)
    if not adjectives and not phrases:
        return f"Typical {noun}"
    name = ", ".join(adjectives) + (" " if adjectives else "") + noun
    if phrases:
        name += " with " + " and ".join(phrases)
    return name[0].upper() + name[1:]


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
    words: Mapping[str, tuple[str, str]] | None = None,
    demographics: Mapping[int, dict[str, dict[str, float]]] | None = None,
    demographic_labels: Mapping[str, str] | None = None,
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
    words : variable to (word when high, word when low); "with ..." words become phrases
    demographics : from :func:`make_up`
    """
    differences = standardized_differences(
        values, segments, k, weights=weights, money_columns=money_columns
    )
    words = dict(words or {})
    personas = []
    for segment in range(1, k + 1):
        row = differences.loc[segment]
        ranked = row.reindex(row.abs().sort_values(ascending=False, kind="stable").index)
        members = segments == segment
        traits = []
        for variable, difference in ranked.iloc[:MAX_DISTINGUISHING].items():
            x = values[variable].to_numpy(dtype=float)
            known = np.isfinite(x)
            w = None if weights is None else weights
            traits.append(
                Trait(
                    variable=variable,
                    label=labels.get(variable, variable),
                    difference=float(difference),
                    segment_median=weighted_quantile(
                        x[members & known], 0.5, None if w is None else w[members & known]
                    ),
                    population_median=weighted_quantile(
                        x[known], 0.5, None if w is None else w[known]
                    ),
                )
            )
        fmt = {v: (money if v in money_columns else number) for v in values.columns}
        comparisons = "; ".join(
            f"{t.label} {fmt[t.variable](t.segment_median)} (all: "
            f"{fmt[t.variable](t.population_median)})"
            for t in traits[:3]
        )
        sentences = [f"{size_texts[segment]}.", f"Medians against all {noun}: {comparisons}."]
        segment_make_up = (demographics or {}).get(segment, {})
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
                name=_name(traits, words, noun),
                description=" ".join(sentences),
                traits=traits,
                make_up=segment_make_up,
            )
        )
    return _distinct_names(personas, fmt)


def _distinct_names(
    personas: list[Persona], fmt: Mapping[str, Callable[[float], str]]
) -> list[Persona]:
    """Segments that differ from the population the same way get their top trait's median."""
    names = [p.name for p in personas]
    result = []
    for persona in personas:
        if names.count(persona.name) > 1 and persona.traits:
            top = persona.traits[0]
            median = fmt[top.variable](top.segment_median)
            persona = replace(persona, name=f"{persona.name} (median {top.label.lower()} {median})")
        result.append(persona)
    return result
