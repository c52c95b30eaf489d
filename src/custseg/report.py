"""Self-contained HTML pages (plotly.js inlined once, so they open offline)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from custseg import figures
from custseg.explore import Exploration, describe_amounts
from custseg.formatting import count, money, number, percent
from custseg.survey import UNCERTAINTY_NOTE

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:#222;
background:#f7f7f9}
main{max-width:1100px;margin:auto;padding:24px}
h1{font-size:1.7rem;margin-bottom:0}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:4px}
section{background:#fff;border-radius:8px;padding:12px 20px;margin:16px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
table{border-collapse:collapse;font-size:.9rem;margin:8px 0}
th,td{padding:4px 10px;border-bottom:1px solid #eee;text-align:right}
th:first-child,td:first-child{text-align:left}
.muted{color:#666;font-size:.9rem}
"""


def figure_html(fig: go.Figure) -> str:
    """A figure as a ``<div>``; the page supplies plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def table_html(
    frame: pd.DataFrame, formatters: Mapping[str, Callable[[object], str]] | None = None
) -> str:
    """A DataFrame as an HTML table, formatting the named columns."""
    return frame.to_html(
        index=False, formatters=dict(formatters or {}), border=0, na_rep="", float_format=number
    )


def paragraphs(sentences: list[str]) -> str:
    return "".join(f"<p>{html.escape(s)}</p>" for s in sentences)


def section(title: str, *parts: str) -> str:
    return f"<section><h2>{html.escape(title)}</h2>{''.join(parts)}</section>"


def page(title: str, subtitle: str, body: list[str]) -> str:
    """A complete HTML document with plotly.js inlined."""
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style>"
        f"<script type='text/javascript'>{plotly.offline.get_plotlyjs()}</script></head>"
        f"<body><main><h1>{html.escape(title)}</h1><p class='muted'>{html.escape(subtitle)}</p>"
        f"{''.join(body)}</main></body></html>"
    )


def explore_report(exploration: Exploration) -> str:
    """The HTML page of ``custseg explore``."""
    dataset = exploration.dataset
    body = [section("Overview", paragraphs(exploration.overview))]
    titles = {
        "HBUS": "Business owners",
        "TURNFEAR": "Credit-fearful households",
        "AGECL": "Age of the household head",
        "EDCL": "Education of the household head",
        "RACE": "Race and ethnicity",
    }
    share_formats = {"share": percent, "weighted_share": percent, "weighted_count": count}
    for column, (table, sentences) in exploration.shares.items():
        title = titles.get(column, dataset.label(column))
        body.append(
            section(
                title,
                paragraphs(sentences),
                table_html(table.drop(columns="code"), share_formats),
                figure_html(figures.share_figure(table, title=title)),
            )
        )
    if exploration.income_by_ownership is not None:
        table = exploration.income_by_ownership
        shown = table.rename_axis("income percentile").reset_index()
        body.append(
            section(
                "Income group by business ownership",
                paragraphs(exploration.income_sentences),
                table_html(shown, {c: percent for c in table.columns}),
                figure_html(
                    figures.grouped_share_figure(
                        table,
                        title="Income group (percentile) of owners and non-owners",
                        x_title="income percentile group",
                    )
                ),
            )
        )
    if exploration.dollars is not None:
        as_money = exploration.amounts_are_money
        fmt = money if as_money else number
        summary = exploration.dollars
        parts = [
            paragraphs(describe_amounts(summary, as_money=as_money)),
            table_html(
                summary,
                {
                    "p10": fmt,
                    "median": fmt,
                    "mean": fmt,
                    "p90": fmt,
                    "share_zero": percent,
                    "share_negative": percent,
                },
            ),
        ]
        parts += [
            figure_html(
                figures.distribution_figure(
                    exploration.distributions[column],
                    label=dataset.label(column),
                    as_money=as_money,
                )
            )
            for column in summary["variable"]
        ]
        weighted = " (weighted)" if dataset.weight_column else ""
        body.append(section(("Money" if as_money else "Numeric") + f" variables{weighted}", *parts))
    if exploration.columns is not None:
        body.append(section("Columns", table_html(exploration.columns, {"missing": percent})))
    return page(f"Exploring {dataset.name}", "custseg explore", body)


def figures_report(result) -> str:
    """The ``figures.html`` page of a segmentation run."""
    dataset = result.prepared.dataset
    labels = {f: dataset.label(f) for f in result.hover_frame().columns[3:]}
    money_columns = [f for f in result.features if f in dataset.dollar_columns]
    body = []
    scores = result.prepared.feature_scores
    if not scores.empty:
        body.append(
            section(
                "Feature selection",
                figure_html(
                    figures.variance_figure(
                        scores,
                        labels={c: dataset.label(c) for c in scores.index[:10]},
                        selected=result.features,
                        trimmed=result.config.select == "trimmed-variance",
                    )
                ),
            )
        )
    recommendation = result.sweep.recommendation
    body.append(
        section(
            "Choosing k",
            paragraphs([recommendation.reason]),
            figure_html(
                figures.sweep_figure(result.sweep.table, k=result.k, recommended_k=recommendation.k)
            ),
        )
    )
    hover = result.hover_frame()
    body.append(
        section(
            "Segments",
            figure_html(figures.segment_size_figure(result.profiles)),
            figure_html(
                figures.pca_figure(
                    hover,
                    explained_variance_ratio=result.explained_variance_ratio,
                    hover_columns=labels,
                    money_columns=money_columns,
                )
            ),
            figure_html(
                figures.profile_figure(
                    result.profiles,
                    features=result.prepared.numeric,
                    labels=labels,
                    money_columns=money_columns,
                )
            ),
        )
    )
    body.append(section("Personas", *persona_cards(result)))
    weighting = (
        f"Weighted by {result.prepared.weight_column}."
        if result.prepared.weight_column
        else "Unweighted: every row counts once."
    )
    subtitle = (
        f"{dataset.name}: {result.prepared.selection.description}; "
        f"{result.prepared.n_rows:,} rows; k={result.k}. {weighting}"
    )
    return page("Segmentation", subtitle, body)


def persona_cards(result) -> list[str]:
    """Sizes in people's terms, imputation spread, and every segment's persona."""
    parts = []
    report = result.implicates
    if report is not None:
        parts.append(
            paragraphs(
                [
                    f"Across the {report.n_implicates} implicates ({report.mode}), "
                    f"{percent(report.all_agree_share)} of the {report.households:,} households "
                    "have all their rows in one segment; mean agreement "
                    f"{percent(report.mean_agreement)}.",
                    UNCERTAINTY_NOTE,
                ]
            )
        )
    columns = [
        c
        for c in ("segment", "name", "size", "share_se", "share_min", "share_max")
        if c in result.profiles
    ]
    parts.append(
        table_html(
            result.profiles[columns], {c: percent for c in ("share_se", "share_min", "share_max")}
        )
    )
    for persona in result.personas:
        colour = figures.segment_colour(persona.segment)
        parts.append(
            f"<div style='border-left:6px solid {colour};padding:4px 12px;margin:10px 0'>"
            f"<h3 style='margin:4px 0'>Segment {persona.segment}: {html.escape(persona.name)}"
            f"</h3><p>{html.escape(persona.description)}</p></div>"
        )
    return parts


def compare_report(comparison) -> str:
    """The HTML page of ``custseg compare``."""
    base, other = comparison.base, comparison.other
    factors = "; ".join(
        f"{name} dollars x {factor:.4f}" for name, factor in comparison.dollar_factors.items()
    )
    sentences = [
        f"The segmentation fitted on {base} ({comparison.population}) applied to {other}. "
        f"Dollar features on a {comparison.dollars_of} basis: {factors} (CPI-U).",
    ]
    for row in comparison.table.itertuples():
        change = row.change_points
        sentences.append(
            f"Segment {row.segment} ({row.name}): {percent(getattr(row, f'share_{base}'))} in "
            f"{base}, {percent(getattr(row, f'share_{other}'))} in {other} "
            f"({change:+.1f} points)."
        )
    shares = {c: percent for c in comparison.table if c.startswith("share")}
    return page(
        f"{base} and {other}",
        "custseg compare",
        [
            section(
                "How segment shares moved",
                paragraphs(sentences),
                table_html(comparison.table, {**shares, "change_points": lambda v: f"{v:+.2f}"}),
                figure_html(figures.compare_figure(comparison.table, base=base, other=other)),
            )
        ],
    )
