"""The segments view's explaining part: rules, segment vs population, silhouettes, box plots and
correlations, for the current controls (live) or a saved run (read-only)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache, partial

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from custseg.dashboard import ids
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.callbacks import CONTROLS, checked_state, notice
from custseg.dashboard.layout import GRAPH_CONFIG
from custseg.dashboard.state import ViewState
from custseg.errors import CustsegError
from custseg.explain import Explanation, explain
from custseg.report_explain import (
    COMPARISON_NOTE,
    comparison_display,
    rules_display,
    rules_sentences,
    segment_names,
)

FIGURES = ("silhouette", "boxes", "correlation")


def _card(title: str, *children) -> dbc.Card:
    return dbc.Card(dbc.CardBody([html.H4(title), *children]), className="mb-3 shadow-sm")


def tables(explanation: Explanation, names: Mapping[int, str]) -> list:
    """The rules (with their SQL) and the segment-vs-population tables as cards."""
    rules = explanation.rules
    sql = [
        html.Div([html.B(f"Segment {r.segment}, rule {r.rule}"), html.Pre(r.sql_where)])
        for r in rules.itertuples()
    ]
    segments = names or {int(s): "" for s in sorted(explanation.comparison["segment"].unique())}
    comparisons = [
        html.Details(
            [
                html.Summary(f"Segment {s}: {name}" if name else f"Segment {s}"),
                dbc.Table.from_dataframe(
                    comparison_display(explanation.comparison, s), striped=True, size="sm"
                ),
            ]
        )
        for s, name in segments.items()
    ]
    return [
        _card(
            "Rules",
            *[html.P(s) for s in rules_sentences(explanation.rules_summary)],
            dbc.Table.from_dataframe(rules_display(rules), striped=True, hover=True, size="sm"),
            html.Details([html.Summary("SQL WHERE clauses"), *sql]),
        ),
        _card(
            "Segment vs population", html.P(COMPARISON_NOTE, className="text-muted"), *comparisons
        ),
    ]


def explain_children(explanation: Explanation, names: Mapping[int, str], figures: dict) -> list:
    """Tables, then the silhouette, box-plot and correlation figures."""
    return [
        *tables(explanation, names),
        *[dcc.Graph(figure=figures[name], config=GRAPH_CONFIG) for name in FIGURES],
    ]


def view_children(analysis: Analysis, state: ViewState) -> list:
    """The explaining cards and figures of one view state."""
    from custseg.figures_explain import box_figure, correlation_figure, silhouette_figure

    result = analysis.result(state)
    explanation = explain(result)
    names = {p.segment: p.name for p in result.personas}
    dataset = result.prepared.dataset
    labels = {f: dataset.label(f) for f in result.features}
    money_columns = [f for f in result.features if f in dataset.dollar_columns]
    charts = explanation.charts
    figures = {
        "silhouette": silhouette_figure(charts["silhouette"], names=names),
        "boxes": box_figure(
            charts["boxes"],
            labels=labels,
            money_columns=money_columns,
            names=names,
            dollars_of=dataset.provenance.get("dollars_of"),
        ),
        "correlation": correlation_figure(charts["correlation"]),
    }
    return explain_children(explanation, names, figures)


def register(app: Dash, analysis: Analysis, defaults: ViewState) -> None:
    """Fill the explaining part of the segments view whenever the controls move; every control
    value is checked against what the server serves (refused values become defaults)."""
    explained = lru_cache(maxsize=64)(partial(view_children, analysis))

    @app.callback(Output(ids.EXPLAIN_CONTENT, "children"), *[Input(i, p) for i, p in CONTROLS])
    def _explain(*values):
        checked = checked_state(analysis, defaults, list(values))
        try:
            return notice(checked.messages) + explained(analysis.resolved(checked.state))
        except CustsegError as err:
            return [dbc.Alert(str(err), color="warning")]


def run_tables(run) -> list:
    """The rules and comparison cards of a saved run (none if it was written without them)."""
    if run.explanation is None:
        return []
    return tables(run.explanation, segment_names(run.profiles))
