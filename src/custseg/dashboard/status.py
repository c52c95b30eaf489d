"""Two notes above the segments view: how far the background precompute of every k is, and,
for a table fitted on a sample, its size and the commands that fit every row instead."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc, html

from custseg.dashboard import ids, large, validate
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.callbacks import CONTROLS, checked_state
from custseg.dashboard.precompute import Precomputer
from custseg.dashboard.state import ViewState
from custseg.errors import CustsegError


def precompute_status(
    analysis: Analysis, precomputer: Precomputer | None, defaults: ViewState, values: list
) -> tuple[list, bool]:
    """The progress line of the controls' configuration (empty once every k is ready, or
    without a background precompute) and whether the page may stop asking."""
    if precomputer is None:
        return [], True
    state = checked_state(analysis, defaults, values).state
    try:
        progress = precomputer.progress(state)
    except CustsegError:
        return [], True  # the segments view shows the message
    if progress.done:
        return [], True
    line = (
        f" Preparing every k in the background: {progress.ready} of {progress.total} ready. "
        "Until then a k that is not ready takes a few seconds."
    )
    alert = dbc.Alert([dbc.Spinner(size="sm"), line], color="info", className="mb-2 py-2")
    return [alert], False


def _command(text: str, command_id: str) -> html.Div:
    return html.Div(
        [
            html.Code(text, id=command_id, className="user-select-all"),
            dcc.Clipboard(target_id=command_id, title="Copy", className="ms-2 d-inline-block"),
        ],
        className="mb-1",
    )


def sample_note(analysis: Analysis, defaults: ViewState, values: list) -> list:
    """For a table fitted on a sample: the sample's size, and the commands that fit the current
    view on every row and then open the run folder read-only. Nothing for other tables."""
    state = checked_state(analysis, defaults, values).state
    table = analysis.table(state.dataset)
    if not table.sampled:
        return []
    config = analysis.config(state)
    try:
        resolved = analysis.config(analysis.resolve(state))
        state = analysis.resolved(state)  # the opening view's k: the recommended one
    except CustsegError:  # the segments view shows the message; the command keeps the options
        resolved = config
    if large.nameable(resolved.features):  # else the command says how they were chosen
        config = resolved
    fit, view = large.full_fit_commands(state.dataset, config, state.k)
    return [
        dbc.Alert(
            [
                html.Div(
                    f"Fitted on a seeded random sample of {table.dataset.n_rows:,} of "
                    f"{table.source_rows:,} rows ({config.n_init} KMeans restarts and "
                    f"{config.bootstrap} bootstrap resamples per k), so that every view answers "
                    "at once. To fit this view on every row, run:"
                ),
                _command(fit, "full-fit-command"),
                html.Div(
                    "(add --engine dask for a Parquet folder or a CSV glob), then open the run "
                    "read-only:"
                ),
                _command(view, "open-run-command"),
            ],
            color="light",
            className="mb-2 small",
        )
    ]


def register(
    app: Dash, analysis: Analysis, defaults: ViewState, precomputer: Precomputer | None
) -> None:
    """Attach both notes' callbacks; the timer's ticks and the controls are checked
    (:mod:`custseg.dashboard.validate`)."""

    @app.callback(
        Output(ids.PRECOMPUTE_STATUS, "children"),
        Output(ids.PRECOMPUTE_TICK, "disabled"),
        Input(ids.PRECOMPUTE_TICK, "n_intervals"),
        *[Input(i, p) for i, p in CONTROLS],
    )
    def _status(ticks, *values):
        validate.ticks(ticks)
        children, done = precompute_status(analysis, precomputer, defaults, list(values))
        return children, done

    @app.callback(Output(ids.SAMPLE_NOTE, "children"), *[Input(i, p) for i, p in CONTROLS])
    def _sample(*values):
        return sample_note(analysis, defaults, list(values))
