"""A comparison of two survey years in words and rounded tables (report, dashboard, CLI, JSON)."""

from __future__ import annotations

import math

import pandas as pd

from custseg.compare import Comparison
from custseg.formatting import count, money
from custseg.precision import (
    IMPUTATION_ONLY,
    SE_LABEL,
    few_households_note,
    points_with_se,
    share_with_se,
)

_FIGURES = {"median": "Median", "mean": "Mean"}
_VARIABLES = {"INCOME": "income", "NETWORTH": "net worth"}


def _se(row: dict, column: str) -> float | None:
    value = row.get(column)
    return None if value is None or not math.isfinite(value) else value


def basis_sentences(comparison: Comparison) -> list[str]:
    """What was compared, in which dollars, and with which index."""
    base, other = comparison.base, comparison.other
    factors = "; ".join(
        f"{name} amounts (in {comparison.dataset_dollars.get(name)} dollars) x {factor:.4f}"
        for name, factor in comparison.dollar_factors.items()
    )
    sentences = [
        f"The segmentation fitted on {base} applied to {other}. All amounts in "
        f"{comparison.dollars_of} dollars: {factors} ({comparison.index}).",
        *(
            f"Population in {name}: {description}."
            for name, description in comparison.populations.items()
        ),
        f"Standard errors (±) are {IMPUTATION_ONLY}: the spread across the 5 implicates; "
        "sampling uncertainty needs the Fed's replicate weights, which the summary extract does "
        "not carry, and is larger. The change's SE combines both years'.",
    ]
    return sentences


def segment_sentences(comparison: Comparison) -> list[str]:
    """One sentence per segment: shares, change with its SE, and a flag when too few."""
    base, other = comparison.base, comparison.other
    sentences = []
    for row in comparison.table.to_dict("records"):
        sentence = (
            f"Segment {row['segment']} ({row['name']}): "
            f"{share_with_se(row[f'share_{base}'], _se(row, f'share_se_{base}'))} in {base}, "
            f"{share_with_se(row[f'share_{other}'], _se(row, f'share_se_{other}'))} in {other}: "
            f"{points_with_se(row['change_points'], _se(row, 'change_se_points'))} points."
        )
        if row["few_households"]:
            fewest = min(row[f"households_{base}"], row[f"households_{other}"])
            sentence += f" Caution: {few_households_note(fewest, comparison.min_households)}."
        sentences.append(sentence)
    return sentences


def segment_table(comparison: Comparison) -> pd.DataFrame:
    """The per-segment table as people read it: rounded, SEs labelled, small segments flagged."""
    base, other = comparison.base, comparison.other
    table = comparison.table
    shown = pd.DataFrame({"segment": table["segment"], "name": table["name"]})
    for name in (base, other):
        se = table.get(f"share_se_{name}")
        shown[f"share {name} (± {SE_LABEL})"] = [
            share_with_se(s, None if se is None else se.iloc[i])
            for i, s in enumerate(table[f"share_{name}"])
        ]
        shown[f"households {name} (weighted)"] = table[f"count_{name}"].map(count)
        shown[f"sample households {name}"] = table[f"households_{name}"].map("{:,.0f}".format)
    change_se = table.get("change_se_points")
    shown[f"change, points (± {SE_LABEL})"] = [
        points_with_se(c, None if change_se is None else change_se.iloc[i])
        for i, c in enumerate(table["change_points"])
    ]
    shown[f"fewer than {comparison.min_households} sample households"] = table[
        "few_households"
    ].map({True: "yes: unreliable", False: ""})
    return shown


def headline_table(comparison: Comparison) -> pd.DataFrame:
    """The headline figures of both years and their real change, rounded and labelled."""
    if comparison.headlines.empty:
        return pd.DataFrame()
    base, other = comparison.base, comparison.other
    rows = []
    for row in comparison.headlines.to_dict("records"):
        rows.append(
            {
                "population": row["population"],
                "figure": f"{_FIGURES[row['statistic']]} {_VARIABLES[row['variable']]}",
                f"{base} ({comparison.headline_dollars} dollars)": money(row[f"value_{base}"]),
                f"{other} ({comparison.headline_dollars} dollars)": money(row[f"value_{other}"]),
                f"real change (± {SE_LABEL})": (
                    f"{100 * row['change']:+.1f}% ± {100 * row['change_se']:.1f}"
                ),
            }
        )
    return pd.DataFrame(rows)


def headline_sentences(comparison: Comparison) -> list[str]:
    sentences = [f"Weighted, in {comparison.headline_dollars} dollars ({comparison.index})."]
    if {comparison.base, comparison.other} == {"scf2019", "scf2022"}:
        sentences.append(
            "For all households the Fed's 2022 bulletin publishes real changes 2019 to 2022 of "
            "+3% (median income), +15% (mean income), +37% (median net worth) and +23% (mean "
            "net worth). The public extract's mean net worth is slightly below the Fed's "
            "internal figure in both years, so its change comes out a little lower."
        )
    return sentences


def to_dict(comparison: Comparison, *, cpi_overrides: dict) -> dict:
    """The JSON summary of a comparison."""
    return {
        "base": comparison.base,
        "other": comparison.other,
        "population": comparison.population,
        "populations": comparison.populations,
        "dollars_of": comparison.dollars_of,
        "dataset_dollars": comparison.dataset_dollars,
        "dollar_factors": comparison.dollar_factors,
        "price_index": comparison.index,
        "cpi_overrides": cpi_overrides,
        "uncertainty": f"Standard errors are {IMPUTATION_ONLY} (spread across implicates).",
        "min_households": comparison.min_households,
        "segments": comparison.table.to_dict("records"),
        "headlines": {
            "dollars_of": comparison.headline_dollars,
            "note": f"weighted; levels in {comparison.headline_dollars} dollars; changes as "
            f"fractions; standard errors are {IMPUTATION_ONLY}",
            "figures": comparison.headlines.to_dict("records"),
        },
    }
