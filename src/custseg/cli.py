"""The ``custseg`` command: parses options, calls the core, prints results."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from custseg._version import __version__
from custseg.errors import CustsegError
from custseg.terminal_text import clip, clip_message, os_error_message

app = typer.Typer(
    help="Customer segments you can act on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Get and inspect the built-in datasets.", no_args_is_help=True)
app.add_typer(data_app, name="data")

# User text (column names, values, paths) is printed as is: never read as markup, never
# highlighted (rich's highlighter takes minutes on a 100,000-character name).
out_console = Console(markup=False, highlight=False)
err_console = Console(stderr=True, markup=False, highlight=False)

OutOption = Annotated[Path, typer.Option("--out", "-o", help="Folder to write the results to.")]
SourceArgument = Annotated[
    str,
    typer.Argument(
        help="scf2019, scf2022, a CSV/TSV/Parquet/Excel file, or a SQL source "
        "(duckdb:///file.db?table=T, sqlite:///file.db?query=..., a SQLAlchemy URL)."
    ),
]
IdOption = Annotated[
    str | None, typer.Option("--id", help="Comma-separated id columns (inferred by default).")
]
CategoricalOption = Annotated[
    str | None, typer.Option(help="Comma-separated columns to treat as categorical.")
]
ExcludeOption = Annotated[
    str | None, typer.Option(help="Comma-separated columns never to use as features.")
]
SheetOption = Annotated[str | None, typer.Option(help="Excel sheet (default: the first).")]
LabelsOption = Annotated[
    Path | None,
    typer.Option(
        help="CSV of your own labels: variable,code,label for codes (Channel,1,Horeca), "
        "variable,label for columns."
    ),
]
ThreadsOption = Annotated[
    int | None,
    typer.Option(
        help="Most threads to use (default: $CUSTSEG_THREADS, else the cores; 1 on a busy "
        "machine). Results do not depend on it.",
    ),
]


def _import_in_background(*modules: str) -> None:
    """Import what the end of a command needs while its start works: loading and fitting
    spend most of their time in native code that releases the GIL."""
    import importlib
    import threading

    def load() -> None:
        for module in modules:
            with contextlib.suppress(ImportError):  # the foreground import reports it
                importlib.import_module(module)

    threading.Thread(target=load, daemon=True).start()


def _use_threads(count: int | None) -> None:
    """--threads for the rest of this process (the fits and the dashboard's server threads)."""
    if count is not None:
        from custseg import threads

        threads.set_process_default(count)


@contextlib.contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr in a terminal (silent in pipes); yields the step callback."""
    columns = [
        TextColumn(label),
        *([BarColumn()] if total else []),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(
        *columns, console=err_console, disable=not err_console.is_terminal, transient=True
    ) as progress:
        task = progress.add_task(label, total=total)
        yield lambda: progress.advance(task)


def _load(
    source: str,
    *,
    id_columns: str | None = None,
    categorical: str | None = None,
    exclude: str | None = None,
    sheet: str | None = None,
    labels: Path | None = None,
):
    from custseg.datasets import load_dataset

    dataset = load_dataset(
        source,
        id_columns=_split(id_columns),
        categorical=_split(categorical),
        exclude=_split(exclude),
        sheet=sheet,
    )
    if labels is None:
        return dataset
    from custseg import io
    from custseg.datasets import record_load_options

    labelled = dataset.with_labels(*io.read_labels(labels))
    return record_load_options(labelled, labels=str(Path(labels).expanduser().resolve()))


def _print_roles(dataset) -> None:
    if not dataset.column_roles:
        return
    table = Table(
        "column",
        "role",
        "why",
        title="Column roles (override with --id, --categorical, --exclude, --features)",
    )
    for role in dataset.column_roles:
        table.add_row(clip(role.column), role.role, clip_message(role.reason))
    err_console.print(table)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"custseg {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Customer segments you can act on."""


@data_app.command("fetch")
def data_fetch(
    dataset: Annotated[str, typer.Argument(help="Dataset family: scf.")],
    year: Annotated[int, typer.Option(help="Survey year: 2019 or 2022.")] = 2019,
    force: Annotated[bool, typer.Option(help="Download again even if cached.")] = False,
) -> None:
    """Download the Federal Reserve's SCF summary extract, check it and cache it."""
    from custseg.datasets import scf

    if dataset.lower() != "scf":
        raise CustsegError(
            f"Unknown dataset family {dataset!r}.", hint="Use: custseg data fetch scf"
        )
    path = scf.fetch(f"scf{year}", force=force, progressbar=err_console.is_terminal)
    out_console.print(f"SCF {year} is ready: {path}")


@data_app.command("list")
def data_list() -> None:
    """List the built-in datasets and whether each is available here."""
    from custseg.datasets import builtin_names, load_dataset

    table = Table("dataset", "status")
    for name in builtin_names():
        try:
            dataset = load_dataset(name)
            dollars = dataset.provenance.get("dollars_of")
            table.add_row(name, f"ready ({dataset.provenance.get('file')}; in {dollars} dollars)")
        except CustsegError as err:
            table.add_row(name, err.message)
    out_console.print(table)


@app.command()
def explore(
    source: SourceArgument,
    out: OutOption,
    id_columns: IdOption = None,
    categorical: CategoricalOption = None,
    exclude: ExcludeOption = None,
    sheet: SheetOption = None,
    labels: LabelsOption = None,
) -> None:
    """Write an exploratory HTML report (DIR/report.html) of a dataset."""
    from custseg import io
    from custseg.explore import explore as run_explore
    from custseg.limits import check_magnitudes
    from custseg.report import explore_report

    io.check_replaceable(out, "--out")
    dataset = _load(
        source,
        id_columns=id_columns,
        categorical=categorical,
        exclude=exclude,
        sheet=sheet,
        labels=labels,
    )
    check_magnitudes(dataset.frame, dataset.candidate_features())
    page = explore_report(run_explore(dataset))
    with io.atomic_output_dir(out) as staging:
        io.write_text(staging / "report.html", page)
    out_console.print(f"Wrote {out / 'report.html'}")


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip()) if text else ()


@app.command()
def segment(
    source: SourceArgument,
    out: OutOption,
    population: Annotated[
        str, typer.Option(help="Named population: all, small-business, credit-fearful (SCF).")
    ] = "all",
    where: Annotated[
        list[str] | None,
        typer.Option(help='Condition COLUMN OP VALUE, e.g. "INCOME<500000"; repeatable.'),
    ] = None,
    select: Annotated[
        str,
        typer.Option(
            help="auto (the population's feature set, or the numeric columns ranked in model "
            "space, near-duplicates skipped), or the seed's trimmed-variance or variance."
        ),
    ] = "auto",
    n_features: Annotated[
        int | None,
        typer.Option(
            help="Numeric features to select (default: 5 for the SCF, all up to 10 "
            "for other tables)."
        ),
    ] = None,
    features: Annotated[
        str | None, typer.Option(help="Comma-separated features to use instead of selecting.")
    ] = None,
    transform: Annotated[
        str, typer.Option(help="auto (log/asinh when strongly skewed), none, log or asinh.")
    ] = "auto",
    scale: Annotated[str, typer.Option(help="standard or robust.")] = "standard",
    missing: Annotated[
        str, typer.Option(help="Missing values: impute (in the saved model) or drop the rows.")
    ] = "impute",
    k_range: Annotated[str, typer.Option(help="The k sweep, LOW-HIGH.")] = "2-12",
    k: Annotated[
        int | None, typer.Option(help="Number of segments (default: recommended).")
    ] = None,
    min_segment: Annotated[
        float,
        typer.Option(
            help="Smallest segment a recommended k may have, as a share of the (weighted) "
            "population (surveys: also 30 households)."
        ),
    ] = 0.02,
    random_state: Annotated[int, typer.Option(help="Seed for every random choice.")] = 42,
    rule_depth: Annotated[
        int, typer.Option(help="Depth of the decision tree whose leaves are the rules (1-8).")
    ] = 3,
    weight: Annotated[
        str,
        typer.Option(help="auto (the survey weight: WGT for the SCF), none, or a weight column."),
    ] = "auto",
    implicates: Annotated[
        str, typer.Option(help="Multiply-imputed surveys: pooled, first or separate.")
    ] = "pooled",
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for stability (0 to skip).")
    ] = 10,
    assignments: Annotated[
        str, typer.Option(help="assignments.csv per row or per household (surveys).")
    ] = "rows",
    id_columns: IdOption = None,
    categorical: CategoricalOption = None,
    exclude: ExcludeOption = None,
    sheet: SheetOption = None,
    labels: LabelsOption = None,
    write_to: Annotated[
        str | None,
        typer.Option(
            help="Also write the assignments to a table (duckdb:///file.db?table=T, "
            "sqlite:///file.db?table=T) or a .parquet file, replacing it atomically."
        ),
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="local, dask (a Parquet folder/glob or CSV glob on a Dask "
            "cluster), or auto (dask when the source is larger than a quarter of "
            "the free memory)."
        ),
    ] = "local",
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")
    ] = None,
    threads: ThreadsOption = None,
    row_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Per-row outputs (assignments, pca): auto (Parquet above 100,000 rows, "
            "else CSV), csv or parquet.",
        ),
    ] = "auto",
) -> None:
    """Segment a dataset: select features, sweep k, fit, profile, and write the results."""
    _use_threads(threads)
    from custseg.io import check_replaceable
    from custseg.runs import ASSIGNMENT_MODES, row_file, save_run
    from custseg.segmentation import (
        SegmentationConfig,
        finish,
        parse_k_range,
        prepare,
        run_sweep,
        sweep_steps,
    )

    config = SegmentationConfig(
        population=population,
        where=tuple(where or ()),
        select=select,
        n_features=n_features,
        features=_split(features),
        transform=transform,
        scale=scale,
        k_range=parse_k_range(k_range),
        k=k,
        min_segment=min_segment,
        random_state=random_state,
        rule_depth=rule_depth,
        weight=None if weight.lower() == "none" else weight,
        implicates=implicates,
        bootstrap=bootstrap,
        missing=missing,
        categorical=_split(categorical),
    )
    check_replaceable(out, "--out")
    if _engine(engine, source) == "dask":
        _segment_distributed(source, config, out, scheduler)
        return
    if assignments not in ASSIGNMENT_MODES:
        raise CustsegError(
            f"Unknown --assignments {assignments!r}.",
            hint=f"Choose one of: {', '.join(ASSIGNMENT_MODES)}.",
        )
    row_file("assignments", 0, row_format)  # an unknown --format fails before any work
    _import_in_background("skops.io")  # the model writer, while the data loads and fits run
    dataset = _load(
        source,
        id_columns=id_columns,
        categorical=categorical,
        exclude=exclude,
        sheet=sheet,
        labels=labels,
    )
    _print_roles(dataset)
    prepared = prepare(dataset, config)
    for warning in prepared.warnings:
        err_console.print(Text.assemble(("Note:", "yellow"), " " + clip_message(warning)))
    for skipped in prepared.skipped:
        err_console.print(
            Text.assemble(
                ("Skipped feature", "yellow"),
                f" {clip_message(skipped.name)}: {clip_message(skipped.reason)}",
            )
        )
    with _progress("Fitting k and resampling", sweep_steps(config)) as advance:
        sweep = run_sweep(prepared, progress=advance)
    result = finish(prepared, sweep)
    save_run(
        result,
        out,
        per_household=assignments == "households",
        write_to=write_to,
        row_format=row_format,
    )
    _print_result(result, out)


@app.command()
def report(
    run_dir: Annotated[Path, typer.Argument(help="A segment output folder.")],
    export: Annotated[
        str | None,
        typer.Option(help="Also export every figure as png, pdf or svg to RUN_DIR/figures/."),
    ] = None,
) -> None:
    """Rebuild the HTML report of a run (RUN_DIR/figures.html) from its files."""
    from custseg import io
    from custseg.output_dirs import MARKER_FILE, is_custseg_folder
    from custseg.report import run_figures, run_report
    from custseg.runs import REPORT_FILE, RunData

    run = RunData.load(run_dir)
    if (run_dir / REPORT_FILE).exists() and not is_custseg_folder(run_dir):
        raise CustsegError(
            f"{run_dir} was not written by this custseg (it has no {MARKER_FILE} marker), so "
            f"its {REPORT_FILE} will not be replaced.",
            hint="Run custseg segment again to write a fresh run folder.",
        )
    try:
        page = run_report(run)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise CustsegError(
            f"{run_dir} is damaged: its files do not describe a run ({type(exc).__name__}: {exc}).",
            hint="Run custseg segment again to rewrite the folder.",
        ) from None
    if export:
        io.export_figures(run_figures(run), run_dir / "figures", export)
    with io.atomic_file(run_dir / REPORT_FILE) as tmp:
        io.write_text(tmp, page)
    out_console.print(
        f"Wrote {run_dir / REPORT_FILE}"
        + (f" and {run_dir / 'figures'}/*.{export}" if export else "")
    )


@app.command()
def predict(
    model: Annotated[Path, typer.Argument(help="A segment output folder or its model.skops.")],
    input_source: Annotated[
        str, typer.Option("--input", help="The customers to score (any source segment accepts).")
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Scored table: a .csv or .parquet file.")
    ],
    id_columns: IdOption = None,
    sheet: SheetOption = None,
) -> None:
    """Score new customers with a saved model: segment, distance, margin, out-of-range flag."""
    from custseg import io
    from custseg.model import SegmentModel

    segment_model = SegmentModel.load(model)
    dataset = _load(input_source, id_columns=id_columns, sheet=sheet)
    scored = segment_model.score(dataset.frame)
    names = segment_model.metadata.get("segment_names", {})
    scored.insert(1, "segment_name", [names.get(str(s), "") for s in scored["segment"]])
    ids = [c for c in dataset.id_columns if c not in segment_model.features]
    import pandas as pd

    result = pd.concat([dataset.frame[ids], scored], axis=1)
    io.write_frame(result, out)
    flagged = int(scored["out_of_range"].sum())
    imputed = int((scored["imputed"] > 0).sum())
    out_console.print(
        f"Scored {len(result):,} customers into {segment_model.k} segments; "
        f"{flagged:,} lie outside the training data, {imputed:,} had missing "
        f"values imputed. Wrote {out}"
    )
    report_drift(segment_model, dataset.frame, scored, out)


@app.command()
def rfm(
    transactions: Annotated[str, typer.Argument(help="Transactions: any source segment accepts.")],
    customer: Annotated[str, typer.Option(help="The customer id column.")],
    date: Annotated[str, typer.Option(help="The transaction date column.")],
    amount: Annotated[str, typer.Option(help="The transaction amount column.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Customer table: .csv or .parquet.")],
    as_of: Annotated[
        str | None,
        typer.Option(
            help="Measure recency from this date (default: the day after the last transaction)."
        ),
    ] = None,
    segment_out: Annotated[
        Path | None,
        typer.Option(
            help="Also segment the customers on recency, frequency and "
            "monetary value into this folder, next to their RFM groups."
        ),
    ] = None,
    sheet: SheetOption = None,
) -> None:
    """Build a customer table (recency, frequency, monetary value, RFM groups) from
    transactions."""
    from custseg import io
    from custseg.dataset import from_frame
    from custseg.rfm import customer_table
    from custseg.runs import write_run
    from custseg.segmentation import SegmentationConfig
    from custseg.segmentation import segment as run_segment

    if segment_out is not None:
        io.check_replaceable(segment_out, "--segment-out")
    source = (
        io.read_sql(transactions)
        if io.is_sql(transactions)
        else io.read_table(transactions, sheet=sheet)
    )
    table, reference = customer_table(
        source, customer=customer, date=date, amount=amount, as_of=as_of
    )
    result = None
    if segment_out is not None:
        dataset = from_frame(table, name=Path(str(out)).name, id_columns=("customer",))
        varying = tuple(
            c for c in ("recency_days", "frequency", "monetary") if table[c].nunique() > 1
        )
        # As many segments as the customers allow (at most the usual 12), and any failure
        # named after the option that asked for it.
        high = min(12, len(table) - 1)
        try:
            if high < 2:
                raise CustsegError(f"There are only {len(table)} customers.")
            result = run_segment(dataset, SegmentationConfig(features=varying, k_range=(2, high)))
        except CustsegError as err:
            raise CustsegError(
                f"Cannot segment the customers for --segment-out: {err.message}",
                hint="Leave out --segment-out, or use transactions of more customers.",
            ) from None
    if result is None:
        io.write_frame(table, out)
    else:
        import pandas as pd

        groups = pd.crosstab(table["rfm_group"], result.segments).add_prefix("segment_")
        # The customer table is written inside the folder's staging, so neither output
        # appears unless both are complete.
        with io.atomic_output_dir(segment_out, option="--segment-out") as staging:
            write_run(result, staging, extra_tables={"rfm_vs_segments.csv": groups.reset_index()})
            io.write_frame(table, out)
    counts = table["rfm_group"].value_counts()
    out_console.print(
        f"{len(table):,} customers as of {reference.date()}: "
        + ", ".join(f"{name} {n:,}" for name, n in counts.items())
    )
    out_console.print(f"Wrote {out}" + (f" and {segment_out}" if segment_out else ""))


@app.command()
def compare(
    run_dir: Annotated[Path, typer.Argument(help="A segment output folder (or its model.skops).")],
    other: Annotated[str, typer.Argument(help="The dataset to apply it to, e.g. scf2022.")],
    out: OutOption,
    base: Annotated[
        str | None, typer.Option(help="The training dataset (default: the model's source).")
    ] = None,
    cpi: Annotated[
        list[str] | None,
        typer.Option(
            help="Price index value YEAR=VALUE replacing the Fed's R-CPI-U-RS (September) for "
            "that year; repeatable."
        ),
    ] = None,
) -> None:
    """Apply a fitted segmentation to another year and show how segment shares moved."""
    from custseg import io
    from custseg.compare import compare as run_compare
    from custseg.compare import parse_cpi
    from custseg.compare_text import segment_sentences, to_dict
    from custseg.datasets import load_dataset
    from custseg.model import SegmentModel
    from custseg.report import compare_report

    io.check_replaceable(out, "--out")
    model = SegmentModel.load(run_dir)
    overrides = parse_cpi(cpi or [])
    comparison = run_compare(
        model, load_dataset(base or model.metadata["source"]), load_dataset(other), cpi=overrides
    )
    with io.atomic_output_dir(out) as staging:
        io.write_csv(staging / "compare.csv", comparison.table)
        io.write_json(staging / "summary.json", to_dict(comparison, cpi_overrides=overrides))
        io.write_text(staging / "report.html", compare_report(comparison))
    for sentence in segment_sentences(comparison):
        out_console.print(clip_message(sentence))
    out_console.print(f"Wrote {out}")


@app.command()
def dashboard(
    source: Annotated[
        str,
        typer.Argument(
            help="scf2019, scf2022, a table (any source segment accepts), or a "
            "finished run folder to view read-only (from either engine)."
        ),
    ] = "scf2019",
    population: Annotated[
        str | None, typer.Option(help="Opening population (default: small-business for the SCF).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    debug: Annotated[bool, typer.Option(help="Dash debug mode (reloader, error pages).")] = False,
    threads: ThreadsOption = None,
) -> None:
    """Serve the interactive dashboard (development server; see the README for production)."""
    _use_threads(threads)
    from custseg.dashboard import create_app

    if not 1 <= port <= 65535:
        raise CustsegError(f"--port {port} is not a port.", hint="Use a number from 1 to 65535.")
    app_ = create_app(source, population=population)
    err_console.print(f"custseg dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    app_.run(host=host, port=port, debug=debug)


ENGINE_CHOICES = ("local", "dask", "auto")
#: --engine auto moves to Dask above this share of the free memory.
AUTO_MEMORY_SHARE = 0.25


def _engine(requested: str, source: str) -> str:
    if requested not in ENGINE_CHOICES:
        raise CustsegError(
            f"Unknown --engine {requested!r}.", hint=f"Choose one of: {', '.join(ENGINE_CHOICES)}."
        )
    if requested != "auto":
        return requested
    import glob

    import psutil

    paths = [Path(p) for p in (glob.glob(source) or [source]) if Path(p).exists()]
    files = [f for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file()]
    size = sum(f.stat().st_size for f in files)
    limit = AUTO_MEMORY_SHARE * psutil.virtual_memory().available
    chosen = "dask" if size > limit else "local"
    err_console.print(
        f"--engine auto: the source is {size / 2**20:,.0f} MB on disk, "
        f"{'more' if chosen == 'dask' else 'less'} than a quarter of the free "
        f"memory ({limit / 2**20:,.0f} MB): using the {chosen} engine."
    )
    return chosen


def _segment_distributed(source: str, config, out: Path, scheduler: str | None) -> None:
    from custseg import distributed
    from custseg.runs import save_distributed_run

    with distributed.connect(scheduler) as client:
        err_console.print(f"Dask dashboard: {client.dashboard_link}")
        with _progress("Lloyd passes on the cluster", None) as advance:
            result = distributed.segment(source, config, progress=advance)
        save_distributed_run(result, out)
    summary = result.summary
    out_console.print(
        Text.assemble(
            (clip(source), "bold"),
            f" on Dask: {summary['n_rows']:,} rows; features "
            f"{', '.join(clip(f['name']) for f in summary['features'])}",
        )
    )
    out_console.print(
        f"Recommended k={summary['recommended']['k']}: "
        + clip_message(summary["recommended"]["reason"])
    )
    for row in result.profiles.itertuples():
        out_console.print(f"  {row.size}")
    out_console.print(f"Wrote {out} (assignments as partitioned Parquet in {out / 'assignments'})")


def _print_result(result, out: Path) -> None:
    from custseg.formatting import percent

    prepared = result.prepared
    out_console.print(
        Text.assemble(
            (clip(prepared.dataset.name), "bold"),
            f": {clip_message(prepared.selection.description)}, {prepared.n_rows:,} rows",
        )
    )
    out_console.print("Features: " + ", ".join(clip(f) for f in result.features))
    out_console.print(
        f"Recommended k={result.sweep.recommendation.k}: "
        + clip_message(result.sweep.recommendation.reason)
    )
    metrics = result.metrics
    out_console.print(
        f"k={result.k}: inertia {metrics['inertia']:.6g}, silhouette "
        f"{metrics['silhouette']:.3f}, Calinski-Harabasz "
        f"{metrics['calinski_harabasz']:.4g}, Davies-Bouldin "
        f"{metrics['davies_bouldin']:.3f}"
    )
    if result.implicates is not None:
        report = result.implicates
        out_console.print(
            f"Implicates ({report.mode}): {percent(report.all_agree_share)} of "
            f"{report.households:,} households have all rows in one segment; mean agreement "
            f"{percent(report.mean_agreement)}"
        )
    table = Table("segment", "persona", "size", "rows")
    for row in result.profiles.itertuples():
        table.add_row(
            str(row.segment),
            clip_message(row.name),
            row.size.split(": ", 1)[1],
            f"{row.n_rows:,}",
        )
    out_console.print(table)
    for warning in result.warnings:
        out_console.print(
            Text.assemble(
                ("Warning", "bold yellow"), f" ({warning.code}): {clip_message(warning.message)}"
            )
        )
    out_console.print(f"Wrote {out}")


def run(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv``; return the exit status instead of exiting.

    User errors print one message (no traceback) and return 1; usage errors return 2.
    """
    try:
        status = app(args=argv, prog_name="custseg", standalone_mode=False)
    except CustsegError as err:
        _print_error(err.message, err.hint)
        return 1
    except OSError as err:  # the disk, not the input: full, read-only, gone...
        _print_error(*os_error_message(err))
        return 1
    except typer.TyperException as err:  # usage errors: unknown option, missing argument...
        err.show(file=sys.stderr)
        return err.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("Interrupted.")
        return 130
    return status if isinstance(status, int) else 0


def _print_error(message: str, hint: str | None = None) -> None:
    err_console.print(Text.assemble(("Error:", "bold red"), " " + clip_message(message)))
    if hint:
        err_console.print(clip_message(hint))


def main() -> None:
    """Entry point of the ``custseg`` script."""
    sys.exit(run())


from custseg.cli_activation import export, relabel, report_drift  # noqa: E402

app.command("relabel")(relabel)
app.command("export")(export)
