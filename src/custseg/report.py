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


def run_figures(run) -> dict[str, go.Figure]:
    """Every figure of a run's report, by file-friendly name."""
    summary = run.summary
    labels = {f["name"]: f["label"] for f in summary["features"]}
    labels.update({c["name"]: c["label"] for c in summary.get("candidate_scores", [])})
    money_columns = summary.get("dollar_features", [])
    numeric = summary.get("numeric_features", list(labels))
    result: dict[str, go.Figure] = {}
    scores = pd.Series(
        {c["name"]: c["score"] for c in summary.get("candidate_scores", [])}, dtype=float
    )
    if not scores.empty:
        result["variance"] = figures.variance_figure(
            scores,
            labels=labels,
            selected=[f["name"] for f in summary["features"]],
            trimmed=summary["selection"].get("method") == "trimmed-variance",
        )
    result["k_choice"] = figures.sweep_figure(
        run.sweep,
        k=summary.get("kmeans_k", summary["k"]),
        recommended_k=summary["recommended"]["k"],
    )
    result["sizes"] = figures.segment_size_figure(run.profiles)
    result["pca"] = figures.pca_figure(
        run.points,
        explained_variance_ratio=summary["pca"]["explained_variance_ratio"],
        hover_columns=figures.hover_columns(run.points, labels),
        money_columns=money_columns,
    )
    result["profiles"] = figures.profile_figure(
        run.profiles, features=numeric, labels=labels, money_columns=money_columns
    )
    return result


def run_report(run) -> str:
    """The report page of a segmentation run, from a :class:`custseg.runs.RunData`."""
    summary = run.summary
    shown = {name: figure_html(fig) for name, fig in run_figures(run).items()}
    body = [section("Data", paragraphs(_overview_sentences(summary)), *_roles_table(summary))]
    if "variance" in shown:
        body.append(section("Feature selection", shown["variance"]))
    body.append(
        section("Choosing k", paragraphs([summary["recommended"]["reason"]]), shown["k_choice"])
    )
    body.append(section("Segments", shown["sizes"], shown["pca"], shown["profiles"]))
    body.append(section("Personas", *persona_cards(summary, run.profiles)))
    weighting = (
        f"Weighted by {summary['weight']}."
        if summary.get("weight")
        else "Unweighted: every row counts once."
    )
    subtitle = (
        f"{summary['source']}: {summary['population']['description']}; "
        f"{summary['n_rows']:,} rows; k={summary['k']}. {weighting}"
    )
    return page("Segmentation", subtitle, body)


def _overview_sentences(summary: dict) -> list[str]:
    sentences = [
        f"{summary['n_rows']:,} rows of {summary['source']} "
        f"({summary['population']['description']}), segmented on "
        f"{', '.join(f['label'] for f in summary['features'])}.",
        f"Transform: {summary['transform']}; scaling: {summary['scale']}; "
        + (f"weighted by {summary['weight']}." if summary.get("weight") else "unweighted."),
    ]
    edits = [edit["description"] for edit in summary.get("edits", [])]
    return sentences + list(summary.get("warnings", [])) + edits


def _roles_table(summary: dict) -> list[str]:
    columns = summary.get("columns") or []
    return [table_html(pd.DataFrame(columns))] if columns else []


def persona_cards(summary: dict, profiles: pd.DataFrame) -> list[str]:
    """Sizes in people's terms, imputation spread, and every segment's persona."""
    parts = []
    report = summary.get("implicates")
    if report:
        parts.append(
            paragraphs(
                [
                    f"Across the {report['n_implicates']} implicates ({report['mode']}), "
                    f"{percent(report['households_all_rows_agree'])} of the "
                    f"{report['households']:,} households have all their rows in one segment; "
                    "mean agreement "
                    f"{percent(report['mean_agreement'])}.",
                    report["note"],
                ]
            )
        )
    spread = ("share_se", "share_min", "share_max")
    columns = [c for c in ("segment", "name", "size", *spread) if c in profiles]
    parts.append(table_html(profiles[columns], {c: percent for c in spread}))
    for row in profiles.itertuples():
        colour = figures.segment_colour(row.segment)
        parts.append(
            f"<div style='border-left:6px solid {colour};padding:4px 12px;margin:10px 0'>"
            f"<h3 style='margin:4px 0'>Segment {row.segment}: {html.escape(row.name)}"
            f"</h3><p>{html.escape(row.description)}</p></div>"
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
