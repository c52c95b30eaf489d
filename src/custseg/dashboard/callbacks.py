"""Dash callbacks: short functions that wire the controls to the cached analysis.

Each callback's body is a plain function of its inputs (tested without a browser); ``register``
only attaches them to an app.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from custseg.dashboard import ids
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.state import ViewState, from_search
from custseg.errors import CustsegError

CONTROLS = [
    (ids.DATASET, "value"),
    (ids.POPULATION, "value"),
    (ids.TRIMMED, "value"),
    (ids.N_FEATURES, "value"),
    (ids.FEATURES, "value"),
    (ids.TRANSFORM, "value"),
    (ids.K, "value"),
]
SEGMENT_OUTPUTS = [
    (ids.METRICS, "children"),
    (ids.RECOMMENDATION, "children"),
    (ids.VARIANCE_GRAPH, "figure"),
    (ids.SWEEP_GRAPH, "figure"),
    (ids.PCA_GRAPH, "figure"),
    (ids.PROFILE_GRAPH, "figure"),
    (ids.SIZES_GRAPH, "figure"),
    (ids.PROFILE_TABLE, "children"),
]


def state_from_controls(
    dataset, population, trimmed, n_features, features, transform, k
) -> ViewState:
    return ViewState(
        dataset=dataset,
        population=population,
        trimmed=bool(trimmed),
        n_features=int(n_features),
        features=tuple(features or ()),
        transform=transform,
        k=int(k),
    )


def controls_from_state(state: ViewState) -> list:
    return [
        state.dataset,
        state.population,
        state.trimmed,
        state.n_features,
        list(state.features),
        state.transform,
        state.k,
    ]


def sync_url(
    analysis: Analysis, defaults: ViewState, triggered: str | None, search: str | None, values: list
) -> list:
    """On load the URL sets the controls; afterwards the controls set the URL."""
    if triggered == ids.URL:
        state = from_search(
            search,
            defaults=defaults,
            datasets=analysis.datasets,
            populations=analysis.populations(defaults.dataset),
        )
        return [no_update, *controls_from_state(state)]
    return [state_from_controls(*values).to_search(), *[no_update] * len(CONTROLS)]


def segments_children(analysis: Analysis, values: list) -> list:
    """Metrics, recommendation, the five figures and the profile table for the controls."""
    try:
        view = analysis.view(state_from_controls(*values))
    except CustsegError as err:
        alert = dbc.Alert(str(err), color="warning", className="mb-0")
        return [alert, "", *[no_update] * 5, ""]
    metrics = [html.H5(line, className="mb-1") for line in view.metrics[:2]]
    metrics += [html.Div(line) for line in view.metrics[2:]]
    table = dbc.Table.from_dataframe(view.profile_table, striped=True, hover=True, size="sm")
    return [
        metrics,
        view.recommendation,
        view.variance,
        view.sweep,
        view.pca,
        view.profile,
        view.sizes,
        table,
    ]


def explore_children(analysis: Analysis, dataset: str) -> list:
    """The EDA tab: one card per section."""
    return [
        dbc.Card(
            dbc.CardBody(
                [
                    html.H4(section.title),
                    *[html.P(s) for s in section.sentences],
                    *[dcc.Graph(figure=f) for f in section.figures],
                ]
            ),
            className="mb-3 shadow-sm",
        )
        for section in analysis.explore_sections(dataset)
    ]


def register(app: Dash, analysis: Analysis, defaults: ViewState) -> None:
    """Attach every callback of the dashboard to ``app``."""

    @app.callback(
        Output(ids.URL, "search"),
        *[Output(i, p) for i, p in CONTROLS],
        Input(ids.URL, "search"),
        *[Input(i, p) for i, p in CONTROLS],
    )
    def _sync_url(search, *values):
        return sync_url(analysis, defaults, ctx.triggered_id, search, list(values))

    @app.callback(
        Output(ids.POPULATION, "options"),
        Output(ids.FEATURES, "options"),
        Input(ids.DATASET, "value"),
    )
    def _dataset_options(dataset):
        return analysis.population_options(dataset), analysis.feature_options(dataset)

    @app.callback(*[Output(i, p) for i, p in SEGMENT_OUTPUTS], *[Input(i, p) for i, p in CONTROLS])
    def _segments(*values):
        return segments_children(analysis, list(values))

    @app.callback(
        Output(ids.DOWNLOAD, "data"),
        Input(ids.DOWNLOAD_BUTTON, "n_clicks"),
        *[State(i, p) for i, p in CONTROLS],
        prevent_initial_call=True,
    )
    def _download(_clicks, *values):
        state = state_from_controls(*values)
        name = f"{state.dataset}-{state.population}-k{state.k}-assignments.csv"
        return dcc.send_data_frame(analysis.assignments(state).to_csv, name, index=False)

    @app.callback(
        Output(ids.EXPLORE_CONTENT, "children"),
        Input(ids.DATASET, "value"),
        Input(ids.TABS, "value"),
    )
    def _explore(dataset, tab):
        return explore_children(analysis, dataset) if tab == ids.TAB_EXPLORE else no_update
