"""The dashboard's component tree (no callbacks here)."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from custseg.dashboard import ids
from custseg.dashboard.state import K_MAX, K_MIN, N_FEATURES_MAX, ViewState
from custseg.engine import METHODS, get_method
from custseg.preprocess import TRANSFORM_CHOICES

#: The --select choices as the feature-choice control names them.
SELECT_LABELS = {
    "auto": "auto",
    "trimmed-variance": "trimmed variance",
    "variance": "variance",
}


def _navbar(title: str) -> dbc.Navbar:
    return dbc.Navbar(
        dbc.Container(html.H1(title, className="h3 text-white my-1")),
        color="primary",
        dark=True,
        className="mb-3",
    )


#: Every chart's toolbar: no Plotly logo.
GRAPH_CONFIG = {"displaylogo": False}


def _graph(graph_id: str) -> dcc.Loading:
    return dcc.Loading(dcc.Graph(id=graph_id, config=GRAPH_CONFIG, className="mb-3"), type="circle")


def _control(label: str, component) -> html.Div:
    return html.Div([dbc.Label(label, className="fw-semibold mb-1"), component], className="mb-3")


def _toggle(component_id: str, value: bool, on: str, off: str) -> dcc.RadioItems:
    return dcc.RadioItems(
        id=component_id,
        value=value,
        inline=True,
        options=[{"label": on, "value": True}, {"label": off, "value": False}],
    )


def controls(
    defaults: ViewState,
    dataset_options: list[dict],
    population_options: list[dict],
    feature_options: list[dict],
) -> dbc.Card:
    """The settings column: dataset, population, features, transform, k, download."""
    return dbc.Card(
        dbc.CardBody(
            [
                _control(
                    "Dataset",
                    dcc.Dropdown(
                        id=ids.DATASET,
                        options=dataset_options,
                        value=defaults.dataset,
                        clearable=False,
                    ),
                ),
                _control(
                    "Population",
                    dcc.RadioItems(
                        id=ids.POPULATION, options=population_options, value=defaults.population
                    ),
                ),
                _control(
                    "Survey weights",
                    _toggle(ids.WEIGHTED, defaults.weighted, "weighted", "unweighted"),
                ),
                _control(
                    "Choose features by",
                    dcc.RadioItems(
                        id=ids.SELECT,
                        value=defaults.select,
                        inline=True,
                        options=[{"label": text, "value": v} for v, text in SELECT_LABELS.items()],
                    ),
                ),
                _control(
                    "Number of features (by variance)",
                    dcc.Slider(
                        id=ids.N_FEATURES,
                        min=1,
                        max=N_FEATURES_MAX,
                        step=1,
                        value=defaults.n_features,
                        disabled=defaults.select == "auto",
                        marks={i: str(i) for i in range(1, N_FEATURES_MAX + 1)},
                    ),
                ),
                _control(
                    "Or pick features",
                    dcc.Dropdown(
                        id=ids.FEATURES,
                        options=feature_options,
                        value=list(defaults.features),
                        multi=True,
                        placeholder="Chosen as above",
                    ),
                ),
                _control(
                    "Transform",
                    dcc.RadioItems(
                        id=ids.TRANSFORM,
                        value=defaults.transform,
                        inline=True,
                        options=[{"label": t, "value": t} for t in TRANSFORM_CHOICES],
                    ),
                ),
                _control(
                    "Method",
                    dcc.Dropdown(
                        id=ids.METHOD,
                        value=defaults.method,
                        clearable=False,
                        options=[{"label": get_method(m).label, "value": m} for m in METHODS],
                    ),
                ),
                _control(
                    "Number of segments (k)",
                    dcc.Slider(
                        id=ids.K,
                        min=K_MIN,
                        max=K_MAX,
                        step=1,
                        value=defaults.k,
                        marks={i: str(i) for i in range(K_MIN, K_MAX + 1)},
                    ),
                ),
                dbc.Button(
                    "Download assignments (CSV)",
                    id=ids.DOWNLOAD_BUTTON,
                    color="primary",
                    className="w-100",
                ),
                dcc.Download(id=ids.DOWNLOAD),
            ]
        ),
        className="shadow-sm",
    )


def segments_tab() -> html.Div:
    """Metrics, variance, k choice, the PCA scatter and the segment profiles."""
    return html.Div(
        [
            html.Div(id=ids.SAMPLE_NOTE),
            html.Div(id=ids.PRECOMPUTE_STATUS),
            dcc.Interval(id=ids.PRECOMPUTE_TICK, interval=1_000),
            dbc.Card(
                dbc.CardBody(
                    [
                        dcc.Loading(html.Div(id=ids.METRICS), type="dot"),
                        html.Div(id=ids.RECOMMENDATION, className="text-muted mb-0"),
                    ]
                ),
                className="mb-3 shadow-sm",
            ),
            # Each chart gets the column's full width: side by side on a laptop screen, the
            # long feature and segment names left the axes too little room.
            _graph(ids.VARIANCE_GRAPH),
            _graph(ids.SWEEP_GRAPH),
            _graph(ids.PCA_GRAPH),
            dcc.Loading(html.Div(id=ids.METHOD_DETAILS, className="mt-3"), type="dot"),
            _graph(ids.SIZES_GRAPH),
            _graph(ids.PROFILE_GRAPH),
            dcc.Loading(html.Div(id=ids.PROFILE_TABLE), type="dot"),
            html.H4("Personas", className="mt-3"),
            dcc.Loading(html.Div(id=ids.PERSONAS), type="dot"),
            dcc.Loading(html.Div(id=ids.EXPLAIN_CONTENT, className="mt-3"), type="dot"),
        ],
        className="pt-3",
    )


def page(
    title: str,
    defaults: ViewState,
    dataset_options: list[dict],
    population_options: list[dict],
    feature_options: list[dict],
) -> html.Div:
    """The whole page."""
    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh=False),
            _navbar(title),
            dbc.Container(
                [
                    html.Div(id=ids.NOTICE),
                    dbc.Row(
                        [
                            dbc.Col(
                                controls(
                                    defaults, dataset_options, population_options, feature_options
                                ),
                                lg=3,
                                className="mb-3",
                            ),
                            dbc.Col(
                                dcc.Tabs(
                                    id=ids.TABS,
                                    value=ids.TAB_SEGMENTS,
                                    children=[
                                        dcc.Tab(
                                            label="Segments",
                                            value=ids.TAB_SEGMENTS,
                                            children=segments_tab(),
                                        ),
                                        dcc.Tab(
                                            label="Explore data",
                                            value=ids.TAB_EXPLORE,
                                            children=dcc.Loading(
                                                html.Div(id=ids.EXPLORE_CONTENT, className="pt-3"),
                                                type="circle",
                                            ),
                                        ),
                                        dcc.Tab(
                                            label="Compare years",
                                            value=ids.TAB_COMPARE,
                                            children=dcc.Loading(
                                                html.Div(id=ids.COMPARE_CONTENT, className="pt-3"),
                                                type="circle",
                                            ),
                                        ),
                                    ],
                                ),
                                lg=9,
                            ),
                        ]
                    ),
                ],
                fluid=True,
            ),
        ]
    )


def run_page(run) -> html.Div:
    """A saved run (:class:`custseg.runs.RunData`): the report's figures, segments and
    personas, without controls (the model is not refitted)."""
    from custseg.dashboard.explain_view import run_tables
    from custseg.precision import size_table
    from custseg.report import run_figures

    summary = run.summary
    shown = run_figures(run)
    return html.Div(
        [
            _navbar(f"Saved run: {summary['source']}"),
            dbc.Container(
                [
                    dbc.Alert(
                        f"{summary['n_rows']:,} rows, k={summary['k']}"
                        f"{' on Dask' if summary.get('engine') == 'dask' else ''}. "
                        f"{summary['recommended']['reason']}",
                        color="light",
                    ),
                    *[
                        dbc.Alert(
                            f"{w['code']}: {w['message']}" if isinstance(w, dict) else str(w),
                            color="warning",
                        )
                        for w in summary.get("warnings", [])
                    ],
                    *[
                        dcc.Graph(id=f"run-{name}", figure=figure, config=GRAPH_CONFIG)
                        for name, figure in shown.items()
                    ],
                    dbc.Table.from_dataframe(size_table(run.profiles), striped=True, size="sm"),
                    *[
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.H5(f"Segment {row.segment}: {row.name}"),
                                    html.P(row.description, className="mb-0"),
                                ]
                            ),
                            className="mb-2 shadow-sm",
                        )
                        for row in run.profiles.itertuples()
                    ],
                    *run_tables(run),
                ],
                fluid=True,
            ),
        ]
    )
