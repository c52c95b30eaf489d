"""Segment names that agree with the numbers they summarise.

A name is built from a segment's distinguishing traits (see :mod:`custseg.personas`): a trait
names the segment only when the segment's median sits clearly above or below the population's
median (by percentile rank), the word says which way it really lies ("wealthy" only when the
median net worth is higher, "with negative net worth" when it is below zero), a name uses at most
one word per concept (net worth and total assets both speak of wealth), and no two segments of a
run share a name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from custseg.formatting import percent

#: A trait names a segment when the segment median's percentile rank in the population differs
#: from the population median's by at least this much (the 35th/65th percentile for a median at
#: the 50th).
NOTABLE_SHIFT = 0.15
#: Traits (and categories) a name may use.
MAX_NAMED_TRAITS = 3
#: A category names a segment ("mostly Horeca") when it holds at least this share of the
#: segment and at least MAJORITY_LIFT times its share of the population.
MAJORITY_SHARE = 0.75
MAJORITY_LIFT = 1.5


class TraitWords(NamedTuple):
    """How a variable reads in a name.

    ``high``/``low`` are adjectives ("older") or phrases starting with "with" ("with heavy
    debts"); ``concept`` groups variables that say the same thing (at most one per name);
    ``negative`` replaces ``low`` when the segment's median is below zero.
    """

    high: str
    low: str
    concept: str | None = None
    negative: str | None = None


@dataclass(frozen=True)
class NamingTrait:
    """What naming needs to know of one distinguishing variable.

    For a yes/no flag (``share`` true) the "medians" are the shares of yes and ``shift`` their
    difference.
    """

    variable: str
    label: str
    shift: float
    segment_median: float
    population_median: float
    share: bool = False


#: Words for common columns of plain customer tables, found by a word in the column's label.
COMMON_WORDS = {
    "age": TraitWords("older", "younger", "age"),
    "income": TraitWords("higher-income", "lower-income", "income"),
}


def plain_label(label: str) -> str:
    """A label without units in brackets: ``'Spending Score (1-100)' -> 'Spending Score'``."""
    return re.sub(r"\s*[(\[][^)\]]*[)\]]", "", label).replace("_", " ").strip() or label


def words_for(variable: str, label: str, words: Mapping[str, tuple[str, ...]]) -> TraitWords:
    """The words of ``variable``: the dataset's own, a common column's, or built from its label
    (units in brackets left out: "Spending Score (1-100)" reads "spending score")."""
    if variable in words:
        return TraitWords(*words[variable])
    plain = plain_label(label)
    for keyword, common in COMMON_WORDS.items():
        if re.search(rf"\b{keyword}\b", plain, flags=re.IGNORECASE):
            return common
    return TraitWords(f"with high {plain.lower()}", f"with low {plain.lower()}")


def trait_word(trait: NamingTrait, words: Mapping[str, tuple[str, ...]]) -> str | None:
    """The word for a trait, or None when the medians do not support one.

    The direction comes from the medians themselves, never from a mean: a "high" word needs the
    segment's median above the population's.
    """
    if abs(trait.shift) < NOTABLE_SHIFT:
        return None
    if trait.share and trait.variable not in words:
        return f"({plain_label(trait.label)}: {percent(trait.segment_median, 0)})"
    entry = words_for(trait.variable, trait.label, words)
    if trait.segment_median > trait.population_median:
        return entry.high
    if trait.segment_median < trait.population_median:
        if entry.negative and trait.segment_median < 0:
            return entry.negative
        return entry.low
    return None


def compose(noun: str, named: Sequence[str], majority: str | None = None) -> str:
    """``["older", "with heavy debts", "(Owns a home: 90%)"]`` -> ``"Older customers with
    heavy debts (Owns a home: 90%)"``; a majority joins the aside ("(mostly Retail; ...)")."""
    shares = [w[1:-1] for w in named if w.startswith("(")]
    asides = [f"mostly {majority}"] * bool(majority) + shares
    named = [w for w in named if not w.startswith("(")]
    adjectives = [w for w in named if not w.startswith("with ")]
    phrases = [w.removeprefix("with ") for w in named if w.startswith("with ")]
    if not named and not shares:
        name = f"typical {noun}"
    elif not named:
        name = noun
    else:
        name = ", ".join(adjectives) + (" " if adjectives else "") + noun
        if phrases:
            name += " with " + _series(phrases)
    if asides:
        name += f" ({'; '.join(asides)})"
    return name[0].upper() + name[1:]


def name_words(
    traits: Sequence[NamingTrait], words: Mapping[str, tuple[str, ...]], *, limit: int
) -> list[tuple[str, str]]:
    """Up to ``limit`` (concept, word) pairs from the traits, strongest first, one per concept."""
    chosen: list[tuple[str, str]] = []
    for trait in traits:
        word = trait_word(trait, words)
        if word is None:
            continue
        concept = words_for(trait.variable, trait.label, words).concept or trait.variable
        if any(concept == c for c, _ in chosen):
            continue
        chosen.append((concept, word))
        if len(chosen) == limit:
            break
    return chosen


def segment_names(
    traits: Mapping[int, Sequence[NamingTrait]],
    words: Mapping[str, tuple[str, ...]],
    noun: str,
    majorities: Mapping[int, str | None] | None = None,
) -> dict[int, str]:
    """A unique, truthful name for every segment.

    Parameters
    ----------
    traits : segment number -> its traits, most distinguishing first
    words : variable -> :class:`TraitWords` (or a plain tuple of its fields)
    noun : what the rows are ("small-business owners")
    majorities : segment number -> a dominant category's label, if any

    Segments that would share a name get their next distinguishing trait; if they still
    collide, their position among themselves on the variable that separates them most ("(lower
    income of 2 look-alikes)"); the segment number settles anything left.
    """
    majorities = majorities or {}
    segments = sorted(traits)
    limit = {s: MAX_NAMED_TRAITS - (1 if majorities.get(s) else 0) for s in segments}
    chosen = {s: name_words(traits[s], words, limit=limit[s]) for s in segments}
    names = {s: compose(noun, [w for _, w in chosen[s]], majorities.get(s)) for s in segments}
    for group in _collisions(names):
        for s in group:
            extra = name_words(traits[s], words, limit=len(chosen[s]) + 1)
            names[s] = compose(noun, [w for _, w in extra], majorities.get(s))
    for group in _collisions(names):
        names.update(_by_position(group, traits, names))
    for group in _collisions(names):
        names.update({s: f"{names[s]}, segment {s}" for s in group})
    return names


def _collisions(names: Mapping[int, str]) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for segment, name in names.items():
        groups.setdefault(name, []).append(segment)
    return [group for group in groups.values() if len(group) > 1]


def _by_position(
    group: Sequence[int], traits: Mapping[int, Sequence[NamingTrait]], names: Mapping[int, str]
) -> dict[int, str]:
    """Name segments that look alike by where they sit among themselves on the variable that
    tells them apart: "(lower income of 2 look-alikes)". The words are relative to the
    look-alikes, never to the population, so a higher-income segment may be the lower-income of
    two higher-income ones without the name contradicting itself."""
    shared = set.intersection(*({t.variable for t in traits[s] if not t.share} for s in group))
    if not shared:
        return {}

    def spread(variable: str) -> float:
        shifts = [next(t.shift for t in traits[s] if t.variable == variable) for s in group]
        return max(shifts) - min(shifts)

    variable = max(sorted(shared), key=spread)
    if spread(variable) == 0:
        return {}
    by_shift = sorted(
        group, key=lambda s: next(t.shift for t in traits[s] if t.variable == variable)
    )
    label = plain_label(next(t.label for t in traits[group[0]] if t.variable == variable))
    positions = _position_words(len(group))
    return {
        s: _add_aside(names[s], f"{positions[i]} {label.lower()} of {len(group)} look-alikes")
        for i, s in enumerate(by_shift)
    }


def _position_words(n: int) -> list[str]:
    """``['lowest', '2nd-lowest', 'middle', '2nd-highest', 'highest']`` for ``n = 5``."""
    if n == 2:
        return ["lower", "higher"]
    words = []
    for i in range(n):
        from_top = n - 1 - i
        if 2 * i + 1 == n:
            words.append("middle")
        elif i <= from_top:
            words.append("lowest" if i == 0 else f"{_ordinal(i + 1)}-lowest")
        else:
            words.append("highest" if from_top == 0 else f"{_ordinal(from_top + 1)}-highest")
    return words


def _ordinal(n: int) -> str:
    """``2 -> '2nd'``, ``11 -> '11th'``."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _add_aside(name: str, aside: str) -> str:
    """``'A (mostly X)'`` + ``'y'`` -> ``'A (mostly X; y)'``; ``'A'`` + ``'y'`` -> ``'A (y)'``
    (a name ends in a bracket only when it has an aside: words leave units in brackets out)."""
    if name.endswith(")"):
        return f"{name[:-1]}; {aside})"
    return f"{name} ({aside})"


def _series(items: Sequence[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
