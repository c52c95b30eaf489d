"""Building and serving the dashboard."""

from __future__ import annotations

import importlib.resources
from dataclasses import replace
from pathlib import Path

import dash_bootstrap_components as dbc  # noqa: F401  (registers the component library)
from dash import Dash
from flask import Blueprint
from werkzeug.serving import WSGIRequestHandler

from custseg import defaults as run_defaults
from custseg.config import SELECT_CHOICES
from custseg.dashboard import callbacks, explain_view, layout, status, validate
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.precompute import Precomputer
from custseg.dashboard.state import N_FEATURES_MAX, ViewState
from custseg.datasets import builtin_names, scf
from custseg.errors import CustsegError

STYLESHEET_ROUTE = "/_custseg/css"


def _bootstrap_blueprint() -> Blueprint:
    # Bootstrap (Flatly theme) served from an installed package, so the page needs no CDN.
    folder = (
        importlib.resources.files("flask_bootstrap")
        / "static"
        / "bootstrap5"
        / "css"
        / "bootswatch"
        / "flatly"
    )
    return Blueprint(
        "custseg_css", __name__, static_folder=str(folder), static_url_path=STYLESHEET_ROUTE
    )


def create_app(
    source: str = run_defaults.DASHBOARD_SOURCE,
    *,
    population: str | None = None,
    warm: bool = True,
    preload: bool = False,
) -> Dash:
    """The dashboard for ``source`` (a built-in dataset or a file), opening on ``population``
    with the command line's defaults (:mod:`custseg.defaults`): the opening view shows the
    segments ``custseg segment SOURCE --population POPULATION`` finds.

    A finished run folder (the ``--out`` of ``custseg segment``, from either engine) opens as a
    read-only view of that run instead: a model fitted on a cluster is explored without
    refitting.

    Parameters
    ----------
    population : str, optional
        Default: ``small-business`` for the SCF (the README's main job), ``all`` for other
        tables.
    warm : bool, default True
        Compute every k's view of each configuration shown in a background thread, starting
        right away with the opening configuration (then the other ways of choosing
        features); False computes each view when it is asked for.
    preload : bool, default False
        For a server that loads the application once and forks its workers from it (gunicorn
        ``--preload``): every k of the opening configuration is computed here, before this
        returns (on one native thread, see :meth:`Precomputer.compute_before_fork`), so that
        every worker starts with it ready and shares its memory; each worker computes the other
        configurations in its own background thread. Only with ``warm``.

    Raises
    ------
    CustsegError
        If the source cannot be loaded or the population does not exist.
    """
    if (Path(source) / "summary.json").is_file():
        return create_run_app(source)
    builtin = scf.is_scf_name(source)
    datasets = builtin_names() if builtin else [source]
    analysis = Analysis(datasets=datasets)
    dataset = analysis.dataset(source)
    population = population or (
        run_defaults.DASHBOARD_SCF_POPULATION if builtin else run_defaults.POPULATION
    )
    if population not in dataset.populations:
        raise CustsegError(
            f"Unknown population {population!r} for {dataset.name}.",
            hint=f"Choose one of: {', '.join(dataset.populations)}.",
        )
    defaults = ViewState(dataset=source, population=population)
    if not builtin:
        # The variance rankings' slider opens on all numeric columns, up to its maximum.
        candidates = dataset.candidate_features()
        defaults = replace(
            defaults,
            weighted=dataset.weight_column is not None,
            n_features=max(1, min(len(candidates), N_FEATURES_MAX)),
        )
    app = _new_app()
    title = "Survey of Consumer Finances" if builtin else f"Customer segments: {dataset.name}"
    app.layout = layout.page(
        title,
        defaults,
        dataset_options=[{"label": Path(name).name, "value": name} for name in datasets],
        population_options=analysis.population_options(source),
        feature_options=analysis.feature_options(source),
    )
    explained = explain_view.cached_children(analysis)
    answers = callbacks.segments_answers(analysis, defaults)
    precomputer = None
    if warm:
        precomputer = Precomputer(
            resolve=analysis.resolve,
            sweep=lambda state: _swept(analysis, state),
            # The answers to a k move and to any other move, ready to send, and the explaining
            # part.
            steps=(lambda s: answers(s, True), lambda s: answers(s, False), explained),
        )
        # The opening view first, then the other ways of choosing features.
        if preload:
            precomputer.compute_before_fork(defaults)
        else:
            precomputer.request(defaults)
        for select in SELECT_CHOICES:
            if select != defaults.select:
                # A preloading process leaves them to its workers: it serves no one.
                precomputer.request(
                    replace(defaults, select=select), urgent=False, start=not preload
                )
    callbacks.register(app, analysis, defaults, answers, precomputer)
    explain_view.register(app, analysis, defaults, explained)
    status.register(app, analysis, defaults, precomputer)
    return app


def _swept(analysis: Analysis, state: ViewState) -> tuple[int, list[int]]:
    """The recommended k of ``state``'s sweep and every k it fitted."""
    _, sweep = analysis.sweep(state)
    return sweep.recommendation.k, sorted(sweep.fits)


def _new_app() -> Dash:
    app = Dash(
        __name__,
        title="custseg dashboard",
        external_stylesheets=[f"{STYLESHEET_ROUTE}/bootstrap.min.css"],
    )
    app.server.register_blueprint(_bootstrap_blueprint())
    # Callback requests are a few kB; a larger body is refused (413) before it is read.
    app.server.config["MAX_CONTENT_LENGTH"] = validate.MAX_REQUEST_BYTES
    return app


def create_run_app(folder: str) -> Dash:
    """A read-only dashboard of a saved run: its report's figures, segments and personas."""
    from custseg.runs import RunData, damaged_run

    run = RunData.load(folder)
    app = _new_app()
    with damaged_run(folder):
        app.layout = layout.run_page(run)
    return app


class QuietRequestHandler(WSGIRequestHandler):
    """The development server's request handler, logging only the requests that failed.

    Every move of a control is a request, so the default line per request buries the start-up
    address and the errors; failed requests (status 400 and above) and errors stay logged.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        status = str(code)
        if status.isdigit() and int(status) < 400:
            return
        super().log_request(code, size)


def create_server(
    source: str = run_defaults.DASHBOARD_SOURCE,
    population: str | None = None,
    *,
    preload: bool = False,
):
    """The WSGI application, for production servers, e.g. ``gunicorn --preload --workers 2
    --threads 4 'custseg.dashboard.app:create_server(preload=True)'``.

    ``preload=True`` computes the opening view's every k before returning, for a server that
    forks its workers afterwards (see :func:`create_app`); a server that does not would have
    each worker compute it, on one thread, before it answers.
    """
    return create_app(source, population=population, preload=preload).server
