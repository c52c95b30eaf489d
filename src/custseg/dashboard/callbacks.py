"""Dash callbacks: short functions that wire the controls to the cached analysis.

Each callback's body is a plain function of its inputs (tested without a browser); ``register``
only attaches them to an app.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, dcc, html, no_update

from custseg import figures
from custseg.dashboard import ids, scatter
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.state import K_MAX, ViewState, from_search
from custseg.errors import CustsegError
from custseg.formatting import percent

#: ViewState field -> the control that sets it; the callbacks' inputs follow this order.
CONTROL_IDS = {
    "dataset": ids.DATASET,
    "population": ids.POPULATION,
    "weighted": ids.WEIGHTED,
    "trimmed": ids.TRIMMED,
    "n_features": ids.N_FEATURES,
    "features": ids.FEATURES,
    "transform": ids.TRANSFORM,
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
]


def state_from_controls(*values) -> ViewState:
    """The view state of the control values, in ``CONTROL_IDS`` order."""
    raw = dict(zip(CONTROL_IDS, values, strict=True))
    return ViewState(
        dataset=raw["dataset"],
        population=raw["population"],
        weighted=bool(raw["weighted"]),
        trimmed=bool(raw["trimmed"]),
        n_features=int(raw["n_features"]),
        features=tuple(raw["features"] or ()),
        transform=raw["transform"],
        k=int(raw["k"]),
    )


def controls_from_state(state: ViewState) -> list:
    """The control values of a view state, in ``CONTROL_IDS`` order."""
    values = (getattr(state, name) for name in CONTROL_IDS)
    return [list(value) if isinstance(value, tuple) else value for value in values]


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


def segments_children(analysis: Analysis, values: list, *, only_k_moved: bool = False) -> list:
    """Metrics, recommendation, the five figures and the profile table for the controls.

    When only k moved, the browser already shows this configuration's points: the scatter gets
    a patch of its colours and the variance figure (which does not depend on k) is left alone.
    """
    try:
        view = analysis.view(state_from_controls(*values))
    except CustsegError as err:
        alert = dbc.Alert(str(err), color="warning", className="mb-0")
        return [alert, "", *[no_update] * 5, "", ""]
    metrics = [html.H5(line, className="mb-1") for line in view.metrics[:2]]
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
    pca = (
        scatter.k_move_patch(view.pca_segments, k=view.k, k_max=K_MAX) if only_k_moved else view.pca
    )
    return [
        metrics,
        view.recommendation,
        no_update if only_k_moved else view.variance,
        view.sweep,
        pca,
        view.profile,
        view.sizes,
        table,
        personas,
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


def compare_children(analysis: Analysis, values: list) -> list:
    """The years tab: how the current segments' shares differ in the other survey year."""
    state = state_from_controls(*values)
    try:
        comparison = analysis.comparison(state)
    except CustsegError as err:
        return [dbc.Alert(str(err), color="warning")]
    if comparison is None:
        return [html.P("Comparing years needs a built-in survey with another year.")]
    base, other = comparison.base, comparison.other
    table = comparison.table[
        ["segment", "name", f"share_{base}", f"share_{other}", "change_points"]
    ]
    shown = table.assign(
        **{c: table[c].map(percent) for c in table if c.startswith("share")},
        change_points=table["change_points"].map("{:+.1f}".format),
    )
    factor = comparison.dollar_factors[other]
    return [
        html.P(
            f"The segments fitted on {base} applied to {other}; {other} dollar features "
            f"multiplied by {factor:.4f} (CPI-U) to put them in {comparison.dollars_of} "
            "dollars. Error bars: imputation standard errors."
        ),
        dcc.Graph(figure=figures.compare_figure(comparison.table, base=base, other=other)),
        dbc.Table.from_dataframe(
            shown.rename(columns={"change_points": "change (points)"}), striped=True, size="sm"
        ),
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
        only_k = ctx.triggered_prop_ids.keys() == {f"{ids.K}.value"}
        return segments_children(analysis, list(values), only_k_moved=only_k)

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
        Output(ids.COMPARE_CONTENT, "children"),
        Input(ids.TABS, "value"),
        *[Input(i, p) for i, p in CONTROLS],
    )
    def _compare(tab, *values):
        return compare_children(analysis, list(values)) if tab == ids.TAB_COMPARE else no_update

    @app.callback(
        Output(ids.EXPLORE_CONTENT, "children"),
        Input(ids.DATASET, "value"),
        Input(ids.TABS, "value"),
    )
    def _explore(dataset, tab):
        return explore_children(analysis, dataset) if tab == ids.TAB_EXPLORE else no_update
