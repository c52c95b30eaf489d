"""The report's sections that explain segments: rules, segment vs population, silhouettes,
box plots and correlations (from a run's :class:`custseg.explain.Explanation`)."""

from __future__ import annotations

import html
from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from custseg import figures_explain
from custseg.formatting import money, number, percent
from custseg.rules import (
    MIN_COVERAGE,
    MIN_PRECISION,
    is_strong,
    segments_phrase,
    strength_sentence,
    strong_rules,
)


def segment_names(profiles: pd.DataFrame) -> dict[int, str]:
    if "name" not in profiles:
        return {}
    return {int(s): str(n) for s, n in zip(profiles["segment"], profiles["name"], strict=True)}


def explain_figures(run) -> dict[str, go.Figure]:
    """The explaining figures of a run (none for a run folder written without them); the
    ``profiles`` heatmap replaces the report's plain one."""
    if run.explanation is None:
        return {}
    charts, summary = run.explanation.charts, run.summary
    labels = {f["name"]: f["label"] for f in summary["features"]}
    money_columns = summary.get("dollar_features", [])
    names = segment_names(run.profiles)
    dollars_of = summary.get("dollars_of") or (summary.get("provenance") or {}).get("dollars_of")
    return {
        "profiles": figures_explain.percentile_profile_figure(
            charts["percentile_ranks"],
            labels=labels,
            money_columns=money_columns,
            names=names,
            dollars_of=dollars_of,
        ),
        "silhouette": figures_explain.silhouette_figure(charts["silhouette"], names=names),
        "boxes": figures_explain.box_figure(
            charts["boxes"],
            labels=labels,
            money_columns=money_columns,
            names=names,
            dollars_of=dollars_of,
        ),
        "correlation": figures_explain.correlation_figure(charts["correlation"]),
    }


def rules_sentences(rules_summary: Mapping) -> list[str]:
    """The fidelity in words, and what precision and coverage mean (of the population's
    ``noun``, "customers" for a run folder written without it)."""
    if not rules_summary:
        return []
    weighted = " (weighted)" if rules_summary.get("weighted") else ""
    noun = rules_summary.get("noun", "customers")
    sentences = [
        f"A decision tree of depth {rules_summary['max_depth']} on the model's features "
        f"(original units, missing values filled as the model fills them) agrees with the "
        f"segments for {percent(rules_summary['fidelity'])} of the population{weighted}.",
        f"Precision: share of the {noun} a rule selects that are in its segment. Coverage: "
        "share of the segment that the rule selects. Each rule's SQL WHERE clause selects the "
        f"same {noun} from the source table.",
    ]
    segments = rules_summary.get("segments", [])
    sentences.append(
        strength_sentence(
            {
                s["segment"]: [is_strong(r["precision"], r["coverage"]) for r in s["rules"]]
                for s in segments
            },
            noun,
        )
    )
    missing = [s["segment"] for s in segments if not s["rules"]]
    if missing:
        sentences.append(
            f"No leaf of the tree has {segments_phrase(missing)} as its majority: too small (a "
            "leaf holds at least 1% of the population) or too mixed with others to describe at "
            "this depth; a deeper tree (--rule-depth) may find "
            f"{'it' if len(missing) == 1 else 'them'}."
        )
    return sentences


#: Heading of the weak rules, listed apart.
WEAK_RULES = (
    f"Weak rules: precision under {MIN_PRECISION:.0%} or coverage under {MIN_COVERAGE:.0%} of "
    "their segment"
)


def rules_display(rules: pd.DataFrame, *, strong: bool = True) -> pd.DataFrame:
    """The strong (or the weak) rules for people: percentages, no SQL."""
    kept = rules[strong_rules(rules) == strong]
    shown = kept[["segment", "name", "rule", "description", "precision", "coverage", "share"]]
    return shown.assign(**{c: shown[c].map(percent) for c in ("precision", "coverage", "share")})


def sql_headings(rules: pd.DataFrame) -> list[tuple[str, str]]:
    """Every rule's heading (``'Segment 1, rule 2'``, ``' (weak)'`` added for a weak rule) and
    its SQL ``WHERE`` clause."""
    return [
        (f"Segment {r.segment}, rule {r.rule}" + ("" if strong else " (weak)"), r.sql_where)
        for r, strong in zip(rules.itertuples(), strong_rules(rules), strict=True)
    ]


def comparison_display(table: pd.DataFrame, segment: int) -> pd.DataFrame:
    """One segment's rows of the comparison, most distinctive first, formatted."""
    rows = table[table["segment"] == segment].copy()
    rows = rows.reindex(rows["effect_size"].abs().sort_values(ascending=False).index)

    def value(v, unit):
        if pd.isna(v):
            return ""
        return percent(v) if unit == "share" else money(v) if unit == "dollars" else number(v)

    units = [u if isinstance(u, str) else "" for u in rows["unit"]]  # read back: "" is NaN
    shown = pd.DataFrame(
        {
            "variable": [
                f"{label}: {level}" if isinstance(level, str) and level else label
                for label, level in zip(rows["label"], rows["level"], strict=True)
            ],
            "statistic": rows["statistic"],
        }
    )
    for column, title in (
        ("segment_value", "segment"),
        ("rest_value", "rest"),
        ("population_value", "population"),
    ):
        shown[title] = [value(v, u) for v, u in zip(rows[column], units, strict=True)]
    shown["index"] = rows["index"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}")
    shown["effect size"] = rows["effect_size"].map(lambda v: "" if pd.isna(v) else f"{v:+.2f}")
    shown["base"] = [
        f"{b:,}" + (" (small)" if small else "")
        for b, small in zip(rows["base"], rows["small_base"].astype(bool), strict=True)
    ]
    return shown


COMPARISON_NOTE = (
    "Index: 100 x segment / population (above 100: over-represented). Effect size: the "
    "segment against the rest, Cohen's d (difference of means over the pooled standard "
    "deviation) for numeric variables and Cohen's h for shares; about 0.2 is small, 0.5 medium, "
    "0.8 large. Base: the segment's households (surveys) or rows with a value; below 30 it is "
    "flagged small. Weighted where the run is."
)


def explain_sections(run, shown: Mapping[str, str], section, paragraphs, table_html) -> list[str]:
    """The report's HTML sections, given the rendered figures and the page helpers."""
    explanation = run.explanation
    if explanation is None:
        return []
    sql = "".join(
        f"<p><b>{heading}</b></p><pre>{html.escape(where)}</pre>"
        for heading, where in sql_headings(explanation.rules)
    )
    weak = rules_display(explanation.rules, strong=False)
    weak_html = (
        f"<details><summary>{html.escape(WEAK_RULES)} ({len(weak)})</summary>"
        f"{table_html(weak)}</details>"
        if len(weak)
        else ""
    )
    names = segment_names(run.profiles)
    comparisons = "".join(
        f"<details><summary>{html.escape(figures_explain.segment_label(s, names))}</summary>"
        f"{table_html(comparison_display(explanation.comparison, s))}</details>"
        for s in names or sorted(explanation.comparison["segment"].unique())
    )
    return [
        section(
            "Rules",
            paragraphs(rules_sentences(explanation.rules_summary)),
            table_html(rules_display(explanation.rules)),
            weak_html,
            f"<details><summary>SQL WHERE clauses</summary>{sql}</details>",
        ),
        section("Segment vs population", paragraphs([COMPARISON_NOTE]), comparisons),
        section("How well separated", shown["silhouette"]),
        section("Features by segment", shown["boxes"]),
        section("Feature correlations", shown["correlation"]),
    ]
