"""The segments view's explaining part: rules, segment vs population, silhouettes, box plots and
correlations, for the current controls (live) or a saved run (read-only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import lru_cache

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Dash, Input, Output, dcc, html

from custseg.dashboard import ids
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.callbacks import CONTROLS, checked_state, notice
from custseg.dashboard.layout import GRAPH_CONFIG
from custseg.dashboard.payload import plain
from custseg.dashboard.state import ViewState
from custseg.dashboard.views import lean
from custseg.errors import CustsegError
from custseg.explain import Explanation, explain
from custseg.report_explain import (
    COMPARISON_NOTE,
    WEAK_RULES,
    comparison_display,
    rules_display,
    rules_sentences,
    segment_names,
    sql_headings,
)
from custseg.run_outputs import left_out_message, was_written

FIGURES = ("silhouette", "boxes", "correlation")
#: Rows of each segment's comparison with the population shown (most distinctive first): all of
#: them (about 40 on the SCF) for 12 segments would be a 350 kB answer.
COMPARISON_ROWS = 10


def compact_table(frame: pd.DataFrame) -> dcc.Markdown:
    """A striped Bootstrap table as one escaped HTML string: a tenth of the bytes of a tree of
    cell components, for the long tables (every variable of every segment)."""
    markup = frame.to_html(
        index=False, border=0, escape=True, classes="table table-sm table-striped"
    )
    return dcc.Markdown(
        " ".join(line.strip() for line in markup.splitlines()), dangerously_allow_html=True
    )


def shown_rows(table: pd.DataFrame, rows: int = COMPARISON_ROWS) -> list:
    """The first ``rows`` rows of a segment's comparison (the most distinctive), saying how many
    were left out."""
    shown = [compact_table(table.head(rows))]
    if len(table) > rows:
        shown.append(
            html.Small(
                f"The {rows} most distinctive of {len(table)} variables; the run folder's "
                "explain report (custseg segment ... --out DIR) lists them all.",
                className="text-muted",
            )
        )
    return shown


def _card(title: str, *children) -> dbc.Card:
    return dbc.Card(dbc.CardBody([html.H4(title), *children]), className="mb-3 shadow-sm")


def _weak_rules(rules: pd.DataFrame) -> list:
    """The weak rules, folded away under a heading that says why they are apart (none: [])."""
    weak = rules_display(rules, strong=False)
    if weak.empty:
        return []
    table = dbc.Table.from_dataframe(weak, striped=True, hover=True, size="sm")
    return [html.Details([html.Summary(f"{WEAK_RULES} ({len(weak)})"), table])]


def tables(explanation: Explanation, names: Mapping[int, str]) -> list:
    """The rules (with their SQL) and the segment-vs-population tables as cards."""
    rules = explanation.rules
    sql = [html.Div([html.B(heading), html.Pre(where)]) for heading, where in sql_headings(rules)]
    segments = names or {int(s): "" for s in sorted(explanation.comparison["segment"].unique())}
    comparisons = [
        html.Details(
            [
                html.Summary(f"Segment {s}: {name}" if name else f"Segment {s}"),
                *shown_rows(comparison_display(explanation.comparison, s)),
            ]
        )
        for s, name in segments.items()
    ]
    return [
        _card(
            "Rules",
            *[html.P(s) for s in rules_sentences(explanation.rules_summary)],
            dbc.Table.from_dataframe(rules_display(rules), striped=True, hover=True, size="sm"),
            *_weak_rules(rules),
            html.Details([html.Summary("SQL WHERE clauses"), *sql]),
        ),
        _card(
            "Segment vs population", html.P(COMPARISON_NOTE, className="text-muted"), *comparisons
        ),
    ]


def explain_children(explanation: Explanation, names: Mapping[int, str], figures: dict) -> list:
    """Tables, then the silhouette, box-plot and correlation figures."""
    graphs = [dcc.Graph(figure=lean(figures[name]), config=GRAPH_CONFIG) for name in FIGURES]
    return [*tables(explanation, names), *graphs]


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


def cached_children(analysis: Analysis) -> Callable[[ViewState], list]:
    """:func:`view_children` as plain JSON values (:mod:`custseg.dashboard.payload`), computed
    once per configuration and k (states that resolve alike share it; see
    :meth:`Analysis.resolve`), for the callback and the background precompute."""

    @lru_cache(maxsize=256)
    def cached(key: ViewState) -> list:
        return plain(view_children(analysis, key))

    def children(state: ViewState) -> list:
        key = replace(analysis.resolve(state), k=state.k)
        return analysis.once(("explain", key), lambda: cached(key))

    return children


def register(app: Dash, analysis: Analysis, defaults: ViewState, explained) -> None:
    """Fill the explaining part of the segments view whenever the controls move (``explained``:
    :func:`cached_children`); every control value is checked against what the server serves
    (refused values become defaults)."""

    @app.callback(Output(ids.EXPLAIN_CONTENT, "children"), *[Input(i, p) for i, p in CONTROLS])
    def _explain(*values):
        checked = checked_state(analysis, defaults, list(values))
        try:
            return notice(checked.messages) + explained(analysis.resolved(checked.state))
        except CustsegError as err:
            return [dbc.Alert(str(err), color="warning")]


def run_tables(run) -> list:
    """The rules and comparison cards of a saved run (none if it was written without them;
    a note if ``--no-report`` left them out)."""
    if run.explanation is None:
        if was_written(run.summary, "report"):
            return []
        return [dbc.Alert(f"This run was {left_out_message('report')}.", color="light")]
    return tables(run.explanation, segment_names(run.profiles))
