"""Self-contained HTML pages (plotly.js inlined once, so they open offline)."""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.offline

from custseg import figures
from custseg.formatting import number, percent
from custseg.method_figures import dendrogram_figure
from custseg.precision import size_table
from custseg.report_explain import explain_figures, explain_sections

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


#: The report's PCA scatter shows at most this many points (a seeded random sample above it),
#: so that the page stays a few MB and opens in a browser at any number of rows.
REPORT_POINTS = 5_000


def _scatter_points(points: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    title = "Segments in two dimensions (PCA)"
    if len(points) <= REPORT_POINTS:
        return points, title
    keep = np.sort(np.random.default_rng(0).choice(len(points), REPORT_POINTS, replace=False))
    return points.iloc[keep], f"{title}: a random {REPORT_POINTS:,} of {len(points):,} points"


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
            # auto ranks by the trimmed variance of the standardized, transformed feature
            trimmed=summary["selection"].get("method") in ("trimmed-variance", "auto"),
        )
    result["k_choice"] = figures.sweep_figure(
        run.sweep,
        k=summary.get("kmeans_k", summary["k"]),
        recommended_k=summary["recommended"]["k"],
    )
    result["sizes"] = figures.segment_size_figure(run.profiles)
    points, title = _scatter_points(run.points)
    result["pca"] = figures.pca_figure(
        points,
        explained_variance_ratio=summary["pca"]["explained_variance_ratio"],
        hover_columns=figures.hover_columns(points, labels),
        money_columns=money_columns,
        title=title
        + (f"; amounts in {_dollars_of(summary)} dollars" if _dollars_of(summary) else ""),
    )
    explaining = explain_figures(run)
    # a run with its explanation has a richer profiles heatmap: the plain one is not drawn
    if "profiles" in explaining:
        result["profiles"] = explaining.pop("profiles")
    else:
        result["profiles"] = figures.profile_figure(
            run.profiles,
            features=numeric,
            labels=labels,
            money_columns=money_columns,
            flag_columns=summary.get("flag_features", []),
            dollars_of=_dollars_of(summary),
        )
    if tree := summary.get("method", {}).get("dendrogram"):
        result["dendrogram"] = dendrogram_figure(tree, k=summary["k"])
    result.update(explaining)
    return result


def run_report(run) -> str:
    """The report page of a segmentation run, from a :class:`custseg.runs.RunData`."""
    summary = run.summary
    shown = {name: figure_html(fig) for name, fig in run_figures(run).items()}
    body = [warnings_html(summary.get("warnings", []))] if summary.get("warnings") else []
    body.append(section("Data", paragraphs(_overview_sentences(summary)), *_roles_table(summary)))
    if "variance" in shown:
        body.append(
            section(
                "Feature selection", paragraphs(_selection_sentences(summary)), shown["variance"]
            )
        )
    recommended = summary["recommended"]
    body.append(
        section(
            "Choosing k",
            paragraphs(
                [
                    recommended["reason"],
                    *[recommended[key] for key in ("rule",) if key in recommended],
                ]
            ),
            shown["k_choice"],
        )
    )
    if method := summary.get("method"):
        body.append(
            section(
                f"Method: {method['label']}",
                paragraphs(method_sentences(method)),
                *([shown["dendrogram"]] if "dendrogram" in shown else []),
            )
        )
    dollars = _dollars_note(summary)
    body.append(section("Segments" + dollars, shown["sizes"], shown["pca"], shown["profiles"]))
    body.append(section("Personas" + dollars, *persona_cards(summary, run.profiles)))
    body += explain_sections(run, shown, section, paragraphs, table_html)
    weighting = (
        f"Weighted by {summary['weight']}."
        if summary.get("weight")
        else "Unweighted: every row counts once."
    )
    subtitle = (
        f"{summary['source']}: {summary['population']['description']}; "
        f"{summary['n_rows']:,} rows; k={summary['k']}. {weighting}"
        + (f" Amounts in {_dollars_of(summary)} dollars." if _dollars_of(summary) else "")
    )
    return page("Segmentation", subtitle, body)


def method_sentences(method: dict) -> list[str]:
    """The method, how it was fitted and how its weights were handled, in words."""
    sentences = [
        f"{method['label']}: {method['sampling']}; weights: {method['weights']}.",
    ]
    if "covariance_type" in method:
        sentences.append(
            f"Covariance type {method['covariance_type']}; a customer whose top membership "
            f"probability is below {method['borderline_probability']} is flagged borderline "
            f"({percent(method.get('borderline_share', 0))} of them)."
        )
    if "note" in method:
        sentences.append(f"Note: {method['note']}.")
    if "min_cluster_size_grid" in method:
        sentences.append(
            f"Minimum segment sizes tried: {', '.join(map(str, method['min_cluster_size_grid']))}"
            f" (min_samples {method['min_samples']}); the chosen one is "
            f"{method.get('min_cluster_size')}, leaving "
            f"{percent(method.get('unassigned_share', 0))} unassigned (segment 0)."
        )
    if "gamma" in method:
        sentences.append(
            f"Categories weigh gamma = {method['gamma']:.3f} per mismatch against squared "
            "distances on the scaled numeric features."
        )
    if "moved_from_branch" in method:
        sentences.append(
            f"Segments are the nearest Ward centre of every row (as predict assigns new "
            f"customers); {int(method['moved_from_branch']):,} fitted rows sit nearer another "
            "branch's centre than their own and moved."
        )
    return sentences


#: How the run's notes (and this page) begin the sentence that states the transform.
TRANSFORM_NOTE = "Transform: "


def _overview_sentences(summary: dict) -> list[str]:
    notes = list(summary.get("notes", []))
    # The note that says why the transform was chosen names it too: state the transform once.
    why = next((n for n in notes if n.startswith(TRANSFORM_NOTE)), None)
    weighting = f"weighted by {summary['weight']}." if summary.get("weight") else "unweighted."
    sentences = [
        f"{summary['n_rows']:,} rows of {summary['source']} "
        f"({summary['population']['description']}), segmented on "
        f"{', '.join(f['label'] for f in summary['features'])}.",
        *(
            [why, f"Scaling: {summary['scale']}; {weighting}"]
            if why
            else [
                f"{TRANSFORM_NOTE}{summary['transform']}; scaling: {summary['scale']}; {weighting}"
            ]
        ),
    ]
    if _dollars_of(summary):
        how = (summary.get("provenance") or {}).get("dollars_how")
        sentences.append(
            f"Amounts are in {_dollars_of(summary)} dollars" + (f" ({how})." if how else ".")
        )
    edits = [edit["description"] for edit in summary.get("edits", [])]
    return sentences + [n for n in notes if n is not why] + edits


def _selection_sentences(summary: dict) -> list[str]:
    selection = summary.get("selection", {})
    sentences = []
    if selection.get("preferred_reason"):
        sentences.append(f"Features for this population: {selection['preferred_reason']}.")
    sentences += [
        f"Skipped {s.get('shown', s['name'])}: {s['reason']}." for s in selection.get("skipped", [])
    ]
    return sentences


def warnings_html(warnings: list) -> str:
    """The run's warnings as a highlighted box (old run folders stored plain sentences)."""
    items = "".join(
        f"<li><b>{html.escape(w['code'])}</b>: {html.escape(w['message'])}</li>"
        if isinstance(w, dict)
        else f"<li>{html.escape(str(w))}</li>"
        for w in warnings
    )
    return (
        "<section id='warnings' style='border:2px solid #e0a800;background:#fff8e1;"
        f"padding:8px 16px;margin:12px 0'><h2>Warnings</h2><ul>{items}</ul></section>"
    )


def _dollars_of(summary: dict) -> int | None:
    return summary.get("dollars_of") or (summary.get("provenance") or {}).get("dollars_of")


def _dollars_note(summary: dict) -> str:
    year = _dollars_of(summary)
    return f" (amounts in {year} dollars)" if year and summary.get("dollar_features") else ""


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
    parts.append(table_html(size_table(profiles)))
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
    from custseg import compare_text

    base, other = comparison.base, comparison.other
    body = [
        section(
            f"How segment shares moved (amounts in {comparison.dollars_of} dollars)",
            paragraphs(compare_text.basis_sentences(comparison)),
            paragraphs(compare_text.segment_sentences(comparison)),
            table_html(compare_text.segment_table(comparison)),
            figure_html(figures.compare_figure(comparison.table, base=base, other=other)),
        )
    ]
    headlines = compare_text.headline_table(comparison)
    if not headlines.empty:
        body.append(
            section(
                f"Headline figures in {comparison.headline_dollars} dollars and their real change",
                paragraphs(compare_text.headline_sentences(comparison)),
                table_html(headlines),
            )
        )
    return page(
        f"{base} and {other}",
        f"custseg compare; amounts in {comparison.dollars_of} dollars",
        body,
    )
