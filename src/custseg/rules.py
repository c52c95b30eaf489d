"""Segments as short rules: a shallow decision tree fitted to the segments, read as sentences
and as SQL ``WHERE`` clauses.

The tree is fitted (with the survey or row weights) on the model's features in original units
after the model's own imputation; categorical features enter as one-hot "is X" indicators. Each
leaf of the tree becomes a rule for the segment that makes up most of its weight; sibling leaves
of one segment are merged first, so a segment gets one or a few rules. Every threshold is moved,
within the gap between the two data values the tree split between, to the roundest number
there: the rule selects the same rows and reads "under $239k" rather than "at most
$238,950.5". Rules are evaluated in double precision with ``x < t`` exactly as the SQL clause
compares, so the rows a rule selects in Python and in a database are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from custseg.rule_text import RuleWords
from custseg.rule_tree import Condition, design_matrix, tree_leaves

DEFAULT_DEPTH = 3
#: Every leaf holds at least this weighted share of the rows: a rule for a handful of rows
#: is noise, not a description.
MIN_LEAF_SHARE = 0.01
#: A rule is strong when at least this (weighted) share of the rows it selects is in its
#: segment...
MIN_PRECISION = 0.7
#: ... and it selects at least this share of its segment. Weaker rules are kept, marked weak and
#: listed apart; a segment's combined rule (its description and SQL in ``summary.json``) ORs only
#: its strong rules.
MIN_COVERAGE = 0.05
#: The tree is fitted on a seeded sample of at most this many rows (a depth-3 tree gains
#: nothing from more, and fitting on millions takes long); rules are measured on every row.
TREE_ROWS = 100_000


@dataclass(frozen=True)
class Rule:
    """The conditions of one leaf, ANDed, and how well they pick out their segment.

    Attributes
    ----------
    precision : float
        Weighted share of the rows the rule selects that are in the segment.
    coverage : float
        Weighted share of the segment that the rule selects.
    share : float
        Weighted share of the population that the rule selects.
    """

    segment: int
    conditions: tuple[Condition, ...]
    description: str
    sql: str
    n_rows: int
    share: float
    precision: float
    coverage: float

    @property
    def strong(self) -> bool:
        return is_strong(self.precision, self.coverage)


def is_strong(precision: float, coverage: float) -> bool:
    """True for a rule precise enough and large enough to stand for its segment."""
    return precision >= MIN_PRECISION and coverage >= MIN_COVERAGE


def strong_rules(rules: pd.DataFrame) -> pd.Series:
    """Which rows of a rules table are strong rules (from the thresholds for a table written
    before rules were marked)."""
    if "strong" in rules:
        return rules["strong"].astype(bool)
    return pd.Series(
        [is_strong(p, c) for p, c in zip(rules["precision"], rules["coverage"], strict=True)],
        index=rules.index,
        dtype=bool,
    )


def strength_sentence(
    strong: Mapping[int, Sequence[bool]], noun: str = "customers", *, ruleless: bool = False
) -> str:
    """How many rules are strong, by what measure, and which segments have none (with
    ``ruleless``, also the segments without any rule).

    ``strong`` maps every segment (those without any rule too) to its rules' strength.
    """
    flags = [flag for flags in strong.values() for flag in flags]
    n_weak = flags.count(False)
    sentence = (
        f"{flags.count(True)} of {len(flags)} rule{'' if len(flags) == 1 else 's'} "
        f"{'is' if flags.count(True) == 1 else 'are'} strong: at least {MIN_PRECISION:.0%} of "
        f"the {noun} each selects are in its segment (precision), and it selects at least "
        f"{MIN_COVERAGE:.0%} of the segment (coverage)."
    )
    if n_weak:
        sentence += (
            f" The {'weak rule is' if n_weak == 1 else f'{n_weak} weak rules are'} listed "
            "apart and left out of each segment's combined rule and SQL."
        )
    without = [s for s, flags in strong.items() if flags and not any(flags)]
    if without:
        many = len(without) > 1
        subject = segments_phrase(without)
        sentence += (
            f" {subject[0].upper()}{subject[1:]} {'have' if many else 'has'} only weak rules: a "
            f"tree of this depth does not pick {'them' if many else 'it'} out well."
        )
    missing = [s for s, flags in strong.items() if not flags]
    if ruleless and missing:
        many = len(missing) > 1
        subject = segments_phrase(missing)
        sentence += (
            f" {subject[0].upper()}{subject[1:]} {'have' if many else 'has'} no rule: "
            f"{'they are' if many else 'it is'} the majority of no leaf of the tree (a deeper "
            f"--rule-depth may find {'them' if many else 'it'})."
        )
    return sentence


def segments_phrase(numbers: Sequence[int]) -> str:
    """``'segment 3'``, ``'segments 3 and 4'``, ``'segments 5, 10 and 12'``."""
    listed = [str(n) for n in numbers]
    if len(listed) == 1:
        return f"segment {listed[0]}"
    return f"segments {', '.join(listed[:-1])} and {listed[-1]}"


@dataclass(frozen=True)
class RuleSet:
    """The rules of every segment and the tree's overall fidelity.

    Attributes
    ----------
    fidelity : float
        Weighted share of rows whose rule (leaf) names their own segment.
    rules : list of Rule
    segment_stats : dict of int to dict
        Per segment, the precision, coverage and row count of its strong rules together.
    """

    rules: list[Rule]
    fidelity: float
    max_depth: int
    segments: list[int]
    names: Mapping[int, str]
    features: list[str]
    fill: Mapping[str, Any]
    population_sql: str
    weighted: bool
    segment_stats: dict[int, dict[str, float]] = field(default_factory=dict)

    def rule_mask(self, rule: Rule, values: pd.DataFrame) -> np.ndarray:
        """The rows of ``values`` (original units, missing values allowed) that ``rule``
        selects, filling missing values as the model does."""
        columns = list(dict.fromkeys(c.column for c in rule.conditions))
        # Infinite amounts are missing to the model, so they are filled like missing ones.
        filled = values[columns].replace([np.inf, -np.inf], np.nan).fillna(dict(self.fill))
        mask = np.ones(len(values), dtype=bool)
        for condition in rule.conditions:
            mask &= condition.mask(filled)
        return mask

    def for_segment(self, segment: int) -> list[Rule]:
        return [r for r in self.rules if r.segment == segment]

    def to_frame(self) -> pd.DataFrame:
        """One row per rule: ``segment, name, rule, description, precision, coverage, share,
        n_rows, sql_where``."""
        rows = []
        for segment in self.segments:
            for position, rule in enumerate(self.for_segment(segment), start=1):
                rows.append(
                    {
                        "segment": segment,
                        "name": self.names.get(segment, f"Segment {segment}"),
                        "rule": position,
                        "description": rule.description,
                        "precision": rule.precision,
                        "coverage": rule.coverage,
                        "share": rule.share,
                        "strong": rule.strong,
                        "n_rows": rule.n_rows,
                        "sql_where": rule.sql,
                    }
                )
        columns = ["segment", "name", "rule", "description", "precision", "coverage", "share"]
        return pd.DataFrame(rows, columns=[*columns, "strong", "n_rows", "sql_where"])

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: fidelity, settings and every segment's rules; a segment's combined
        description, SQL, precision and coverage are those of its strong rules."""
        segments = []
        for segment in self.segments:
            rules = self.for_segment(segment)
            strong = [r for r in rules if r.strong]
            stats = self.segment_stats.get(segment, {})
            if len(strong) > 1:
                description = " or ".join(f"({r.description})" for r in strong)
            elif strong:
                description = strong[0].description
            elif rules:
                description = "no strong rule: its leaves of the tree are too mixed or too small"
            else:
                description = "no rule: the tree never predicts this segment at this depth"
            segments.append(
                {
                    "segment": segment,
                    "name": self.names.get(segment, f"Segment {segment}"),
                    "description": description,
                    "sql_where": " OR ".join(f"({r.sql})" for r in strong) if strong else None,
                    **stats,
                    "rules": [
                        {
                            "description": r.description,
                            "sql_where": r.sql,
                            "precision": r.precision,
                            "coverage": r.coverage,
                            "share": r.share,
                            "strong": r.strong,
                            "n_rows": r.n_rows,
                        }
                        for r in rules
                    ],
                }
            )
        return {
            "fidelity": self.fidelity,
            "max_depth": self.max_depth,
            "weighted": self.weighted,
            "features": self.features,
            "imputed_values": {k: python_value(v) for k, v in self.fill.items()},
            "population_sql": self.population_sql,
            "min_precision": MIN_PRECISION,
            "min_coverage": MIN_COVERAGE,
            "measures": (
                "precision: share of the rows a rule selects that are in its segment; coverage: "
                "share of the segment the rule selects; fidelity: share of all rows whose rule "
                "names their segment" + (" (all weighted)" if self.weighted else "") + "; a rule "
                f"is strong with precision of at least {MIN_PRECISION:.0%} and coverage of at "
                f"least {MIN_COVERAGE:.0%}, and a segment's description, sql_where, precision, "
                "coverage and n_rows are those of its strong rules together"
            ),
            "segments": segments,
        }


def python_value(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can hold."""
    return value.item() if isinstance(value, np.generic) else value


def segment_rules(
    values: pd.DataFrame,
    segments: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    feature_names: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
    fill: Mapping[str, Any] | None = None,
    labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[Any, str]] | None = None,
    money_columns: Sequence[str] = (),
    names: Mapping[int, str] | None = None,
    population_sql: str = "",
    max_depth: int = DEFAULT_DEPTH,
    random_state: int | None = 0,
) -> RuleSet:
    """Fit a depth-limited tree to ``segments`` and read every segment's rules from it.

    Parameters
    ----------
    values : DataFrame of shape (n_samples, n_columns)
        The features in original units (source column names); missing values are filled from
        ``fill`` (the model's imputation) before fitting and in every rule.
    segments : ndarray of shape (n_samples,)
        Segment numbers.
    weights : ndarray of shape (n_samples,), optional
        Survey or row weights for the tree and every measure.
    feature_names : sequence of str, optional
        The columns to use (default: all of ``values``).
    categorical : sequence of str
        Columns used as one-hot "is X" conditions; the others are numeric.
    fill : mapping of column to value, optional
        The imputed value of each column; required for columns with missing values.
    labels : mapping of column to label
        Words for the columns in the descriptions.
    value_labels : mapping of column to mapping of category to label
        Words for coded categories ("Education is Bachelor's or more", not "is 4").
    money_columns : sequence of str
        Columns whose thresholds are written as dollars.
    names : mapping of segment to name
    population_sql : str
        SQL condition of the population, ANDed to every rule's clause.
    max_depth : int, default 3
    random_state : int, optional
        Seeds the tree's tie-breaking between equally good splits.

    Returns
    -------
    RuleSet
    """
    from sklearn.tree import DecisionTreeClassifier

    features = list(feature_names or values.columns)
    categorical = [c for c in categorical if c in features]
    fill = dict(fill or {})
    filled = pd.DataFrame(index=values.index)
    for column in features:
        series = values[column]
        if column not in categorical:
            series = pd.Series(values[column].to_numpy(dtype=float), index=values.index)
            series = series.where(np.isfinite(series))
        if series.isna().any():
            if column not in fill:
                raise ValueError(f"{column} has missing values and no imputed value in fill")
            series = series.fillna(fill[column])
        filled[column] = series
    design, columns, scales = design_matrix(filled, features, categorical)
    segments = np.asarray(segments)
    w = np.ones(len(segments)) if weights is None else np.asarray(weights, dtype=float)
    tree = DecisionTreeClassifier(
        max_depth=max_depth, min_weight_fraction_leaf=MIN_LEAF_SHARE, random_state=random_state
    )
    fit_rows = slice(None)
    if len(segments) > TREE_ROWS:
        rng = np.random.default_rng(random_state)
        fit_rows = np.sort(rng.choice(len(segments), TREE_ROWS, replace=False))
    tree.fit(design[fit_rows], segments[fit_rows], sample_weight=w[fit_rows])
    leaves = tree_leaves(tree, columns, filled, categorical, scales)
    context = RuleWords(labels or {}, set(money_columns), fill, population_sql, value_labels or {})
    classes = np.unique(segments)
    predicted = np.zeros(len(segments), dtype=segments.dtype)
    rules, masks = [], []
    for conditions in leaves:
        mask = np.ones(len(segments), dtype=bool)
        for condition in conditions:
            mask &= condition.mask(filled)
        if not mask.any():
            continue
        totals = [w[mask & (segments == s)].sum() for s in classes]
        segment = classes[int(np.argmax(totals))]
        predicted[mask] = segment
        members = segments == segment
        selected = w[mask].sum()
        masks.append(mask)
        rules.append(
            Rule(
                segment=int(segment),
                conditions=conditions,
                description=context.describe(conditions),
                sql=context.sql(conditions),
                n_rows=int(mask.sum()),
                share=float(selected / w.sum()),
                precision=float(w[mask & members].sum() / selected) if selected else 0.0,
                coverage=float(w[mask & members].sum() / w[members].sum()),
            )
        )
    stats = {}
    for segment in classes:
        members = segments == segment
        chosen = np.zeros(len(segments), dtype=bool)
        for rule, mask in zip(rules, masks, strict=True):
            if rule.segment == segment and rule.strong:
                chosen |= mask
        stats[int(segment)] = {
            "precision": float(w[chosen & members].sum() / w[chosen].sum())
            if chosen.any()
            else 0.0,
            "coverage": float(w[chosen & members].sum() / w[members].sum()),
            "n_rows": int(chosen.sum()),
        }
    rules.sort(key=lambda r: (r.segment, not r.strong, -r.share))
    return RuleSet(
        rules=rules,
        fidelity=float(w[predicted == segments].sum() / w.sum()),
        max_depth=max_depth,
        segments=[int(s) for s in classes],
        names={int(k): v for k, v in (names or {}).items()},
        features=features,
        fill={c: fill[c] for c in features if c in fill},
        population_sql=population_sql,
        weighted=weights is not None,
        segment_stats=stats,
    )
