"""Dash callbacks: short functions that wire the controls to the cached analysis.

Each callback's body is a plain function of its inputs (tested without a browser); ``register``
only attaches them to an app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from custseg import compare_text, figures
from custseg.dashboard import ids, scatter, validate, views
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.layout import GRAPH_CONFIG
from custseg.dashboard.payload import plain
from custseg.dashboard.precompute import Precomputer
from custseg.dashboard.state import K_MAX, ViewState, from_search
from custseg.errors import CustsegError
from custseg.recommend import RULE

#: ViewState field -> the control that sets it; the callbacks' inputs follow this order.
CONTROL_IDS = {
    "dataset": ids.DATASET,
    "population": ids.POPULATION,
    "weighted": ids.WEIGHTED,
    "select": ids.SELECT,
    "n_features": ids.N_FEATURES,
    "features": ids.FEATURES,
    "transform": ids.TRANSFORM,
    "method": ids.METHOD,
    "k": ids.K,
}
CONTROLS = [(control, "value") for control in CONTROL_IDS.values()]
SEGMENT_OUTPUTS = [
    (ids.METRICS, "children"),
    (ids.RECOMMENDATION, "children"),
    (ids.VARIANCE_GRAPH, "figure"),
    (ids.SWEEP_GRAPH, "figure"),
    (ids.PCA_GRAPH, "figure"),
    (ids.PROFILE_GRAPH, "figure"),
    (ids.SIZES_GRAPH, "figure"),
    (ids.PROFILE_TABLE, "children"),
    (ids.PERSONAS, "children"),
    (ids.METHOD_DETAILS, "children"),
]


def checked_state(analysis: Analysis, defaults: ViewState, values: list) -> validate.Checked:
    """The view state of the control values (in ``CONTROL_IDS`` order), every value checked
    against what the server serves; refused values become defaults, with a message."""
    return validate.view_state(analysis, defaults, list(CONTROL_IDS), values)


def notice(messages: list[str]) -> list:
    """One warning per refused value, for the page."""
    return [dbc.Alert(message, color="warning", className="mb-2") for message in messages]


def controls_from_state(state: ViewState) -> list:
    """The control values of a view state, in ``CONTROL_IDS`` order."""
    values = (getattr(state, name) for name in CONTROL_IDS)
    return [list(value) if isinstance(value, tuple) else value for value in values]


def sync_url(
    analysis: Analysis, defaults: ViewState, triggered: str | None, search: str | None, values: list
) -> list:
    """On load the URL sets the controls (and the notice says what it could not use; without a
    k, the slider moves to the recommended one); afterwards the controls set the URL."""
    if triggered == ids.URL:
        text, messages = validate.search(search)
        parsed = from_search(
            text,
            defaults=defaults,
            datasets=analysis.datasets,
            populations=analysis.populations(defaults.dataset),
        )
        checked = checked_state(analysis, defaults, controls_from_state(parsed))
        messages += validate.search_resets(text, checked.state)  # names every key refused
        address = checked.state.to_search() if messages else no_update  # drop what was refused
        try:
            state = analysis.resolved(checked.state)
        except CustsegError:  # the segments view says what is wrong with this configuration
            state = checked.state
        return [address, *controls_from_state(state), notice(messages)]
    state = checked_state(analysis, defaults, values).state
    return [state.to_search(), *[no_update] * len(CONTROLS), no_update]


def segments_children(
    analysis: Analysis, defaults: ViewState, values: list, *, only_k_moved: bool = False
) -> list:
    """Metrics, recommendation, the five figures and the profile table for the controls.

    When only k moved (and every value was valid), the browser already shows this
    configuration's points and curves: the scatter gets a patch of its colours, the sweep figure
    one of its chosen-k markers, and the variance figure (which does not depend on k) is left
    alone.
    """
    checked = checked_state(analysis, defaults, values)
    only_k_moved = only_k_moved and not checked.messages
    try:
        view = analysis.view(checked.state)
    except CustsegError as err:
        alert = dbc.Alert(str(err), color="warning", className="mb-0")
        return [[*notice(checked.messages), alert], "", *[no_update] * 5, "", "", ""]
    metrics = notice(checked.messages)
    metrics += [html.H5(line, className="mb-1") for line in view.metrics[:2]]
    metrics += [html.Div(line) for line in view.metrics[2:]]
    table = dbc.Table.from_dataframe(view.profile_table, striped=True, hover=True, size="sm")
    personas = [
        dbc.Card(
            dbc.CardBody(
                [
                    html.H5(f"Segment {p.segment}: {p.name}", className="card-title"),
                    html.P(p.description, className="mb-0"),
                ]
            ),
            className="mb-2 shadow-sm",
        )
        for p in view.personas
    ]
    details = [html.P(sentence, className="mb-1") for sentence in view.method_sentences]
    if view.dendrogram is not None:
        details.append(dcc.Graph(figure=view.dendrogram, config=GRAPH_CONFIG))
    warnings = [
        dbc.Alert(warning, color="warning", className="mt-2 mb-0 py-1") for warning in view.warnings
    ]
    rule = html.Details(
        [html.Summary("How k is recommended"), html.Small(RULE)], className="small mt-1"
    )
    pca = (
        scatter.k_move_patch(view.pca_segments, k=view.k, k_max=K_MAX) if only_k_moved else view.pca
    )
    return [
        metrics,
        [html.Span(view.recommendation), rule, *warnings],
        no_update if only_k_moved else view.variance,
        views.sweep_k_patch(view.sweep) if only_k_moved else view.sweep,
        pca,
        view.profile,
        view.sizes,
        table,
        personas,
        details,
    ]


def segments_answers(analysis: Analysis, defaults: ViewState) -> Callable[[ViewState, bool], list]:
    """:func:`segments_children` of a checked state as plain JSON values
    (:mod:`custseg.dashboard.payload`), computed once per state and kind of move (a k move or
    any other), for the callback and the background precompute."""

    @lru_cache(maxsize=2048)
    def answer(state: ViewState, only_k_moved: bool) -> list:
        values = controls_from_state(state)
        return plain(segments_children(analysis, defaults, values, only_k_moved=only_k_moved))

    return answer


def explore_children(
    analysis: Analysis, defaults: ViewState, dataset: str, population: str
) -> list:
    """The EDA tab of the chosen dataset and population: one card per section."""
    checked = validate.view_state(
        analysis, defaults, ["dataset", "population"], [dataset, population]
    )
    state = checked.state
    return notice(checked.messages) + [
        dbc.Card(
            dbc.CardBody(
                [
                    html.H4(section.title),
                    *[html.P(s) for s in section.sentences],
                    *[dcc.Graph(figure=f, config=GRAPH_CONFIG) for f in section.figures],
                ]
            ),
            className="mb-3 shadow-sm",
        )
        for section in analysis.explore_sections(state.dataset, state.population)
    ]


def compare_children(analysis: Analysis, defaults: ViewState, values: list) -> list:
    """The years tab: how the current segments' shares differ in the other survey year."""
    checked = checked_state(analysis, defaults, values)
    messages = notice(checked.messages)
    try:
        comparison = analysis.comparison(checked.state)
    except CustsegError as err:
        return [*messages, dbc.Alert(str(err), color="warning")]
    if comparison is None:
        return [*messages, html.P("Comparing years needs a built-in survey with another year.")]
    headlines = compare_text.headline_table(comparison)
    return [
        *messages,
        *[html.P(s) for s in compare_text.basis_sentences(comparison)],
        dcc.Graph(
            figure=figures.compare_figure(
                comparison.table, base=comparison.base, other=comparison.other
            ),
            config=GRAPH_CONFIG,
        ),
        dbc.Table.from_dataframe(compare_text.segment_table(comparison), striped=True, size="sm"),
        *(
            [
                html.H5(f"Headline figures in {comparison.headline_dollars} dollars"),
                *[html.P(s) for s in compare_text.headline_sentences(comparison)],
                dbc.Table.from_dataframe(headlines, striped=True, size="sm"),
            ]
            if not headlines.empty
            else []
        ),
    ]


def download(analysis: Analysis, defaults: ViewState, values: list):
    """The assignments CSV of the controls' view; nothing for values the server does not serve."""
    checked = checked_state(analysis, defaults, values)
    if checked.messages:
        return no_update
    state = analysis.resolved(checked.state)
    sample = "-sample" if analysis.table(state.dataset).sampled else ""  # of a large table
    table = Path(state.dataset).stem  # not the server's path to it
    name = f"{table}-{state.population}-k{state.k}{sample}-assignments.csv"
    return dcc.send_data_frame(analysis.assignments(state).to_csv, name, index=False)


def register(
    app: Dash,
    analysis: Analysis,
    defaults: ViewState,
    answers: Callable[[ViewState, bool], list],
    precomputer: Precomputer | None = None,
) -> None:
    """Attach every callback of the dashboard to ``app``; each checks what the browser sent
    (:mod:`custseg.dashboard.validate`). ``answers`` (:func:`segments_answers`) serves the
    segments view; every configuration shown is handed to ``precomputer``, which computes its
    other k ahead of the user."""
    validate.require_checks(list(CONTROL_IDS))

    @app.callback(
        Output(ids.URL, "search"),
        *[Output(i, p) for i, p in CONTROLS],
        Output(ids.NOTICE, "children"),
        Input(ids.URL, "search"),
        *[Input(i, p) for i, p in CONTROLS],
    )
    def _sync_url(search, *values):
        return sync_url(analysis, defaults, ctx.triggered_id, search, list(values))

    @app.callback(Output(ids.N_FEATURES, "disabled"), Input(ids.SELECT, "value"))
    def _n_features_used(select):
        return select == "auto"  # the population's feature set has its own size

    @app.callback(
        Output(ids.POPULATION, "options"),
        Output(ids.FEATURES, "options"),
        Input(ids.DATASET, "value"),
    )
    def _dataset_options(dataset):
        name = validate.dataset(analysis, defaults, dataset).state.dataset
        return analysis.population_options(name), analysis.feature_options(name)

    @app.callback(*[Output(i, p) for i, p in SEGMENT_OUTPUTS], *[Input(i, p) for i, p in CONTROLS])
    def _segments(*values):
        only_k = ctx.triggered_prop_ids.keys() == {f"{ids.K}.value"}
        checked = checked_state(analysis, defaults, list(values))
        if checked.messages:  # refused values: the answer says so, and is not cached
            return segments_children(analysis, defaults, list(values), only_k_moved=only_k)
        children = answers(checked.state, only_k)
        if precomputer is not None and not only_k:
            precomputer.request(checked.state)
        return children

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.DOWNLOAD_BUTTON, "n_clicks"),
        *[State(i, p) for i, p in CONTROLS],
        prevent_initial_call=True,
    )
    def _download(_clicks, *values):
        return download(analysis, defaults, list(values))

    @app.callback(
        Output(ids.COMPARE_CONTENT, "children"),
        Input(ids.TABS, "value"),
        *[Input(i, p) for i, p in CONTROLS],
    )
    def _compare(tab, *values):
        if validate.tab(tab) != ids.TAB_COMPARE:
            return no_update
        return compare_children(analysis, defaults, list(values))

    @app.callback(
        Output(ids.EXPLORE_CONTENT, "children"),
        Input(ids.DATASET, "value"),
        Input(ids.POPULATION, "value"),
        Input(ids.TABS, "value"),
    )
    def _explore(dataset, population, tab):
        if validate.tab(tab) != ids.TAB_EXPLORE:
            return no_update
        return explore_children(analysis, defaults, dataset, population)
