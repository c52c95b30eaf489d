"""The ``custseg`` command: parses options, calls the core, prints results."""

from __future__ import annotations

import atexit
import contextlib
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from custseg import defaults
from custseg._version import __version__
from custseg.errors import CustsegError
from custseg.terminal_text import ProgressLines, clip, clip_message, os_error_message

if __name__ == "__main__":
    # ``python -m custseg.cli``: run the app of the imported module, whose commands register
    # themselves against ``custseg.cli`` (this file run as __main__ would be a second copy).
    from custseg.cli import main as _main

    _main()


def _without_value_type(params: list) -> list:
    """Flags take no value: their help shows ``--debug / --no-debug``, not ``<bool>`` after it."""
    for param in params:
        if getattr(param, "is_flag", False):
            param.metavar = ""
    return params


class _Group(typer.core.TyperGroup):
    """The command groups, with flags (``--help`` included) shown without a value type."""

    def get_params(self, ctx):
        return _without_value_type(super().get_params(ctx))

    def get_command(self, ctx, cmd_name):
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            _without_value_type([*command.params, command.get_help_option(ctx)])
        return command


app = typer.Typer(
    cls=_Group,
    help="Customer segments you can act on.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(
    cls=_Group, help="Get and inspect the built-in datasets.", no_args_is_help=True
)
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
WhereOption = Annotated[
    list[str] | None,
    typer.Option(
        metavar="<condition>",
        help='Condition COLUMN OP VALUE, e.g. "INCOME<500000"; repeatable.',
    ),
]
ThreadsOption = Annotated[
    int | None,
    typer.Option(
        help="Most threads to use (default: $CUSTSEG_THREADS, else the cores; 1 on a busy "
        "machine). Results do not depend on it.",
    ),
]


def _use_threads(count: int | None) -> None:
    """--threads for the rest of this process (the fits and the dashboard's server threads)."""
    if count is not None:
        from custseg import threads

        threads.set_process_default(count)


@contextlib.contextmanager
def _progress(label: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A progress bar on stderr in a terminal, progress lines elsewhere (CI logs, files);
    yields the step callback."""
    if not err_console.is_terminal:
        yield ProgressLines(label, total, err_console.print).advance
        return
    columns = [
        TextColumn(label),
        *([BarColumn()] if total else []),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err_console, transient=True) as progress:
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
    from custseg import io
    from custseg.datasets import load_dataset, record_load_options

    # The labels file is small: read first, so a typo in its name fails before a long load.
    own_labels = io.read_labels(labels) if labels is not None else None
    dataset = load_dataset(
        source,
        id_columns=_split(id_columns),
        categorical=_split(categorical),
        exclude=_split(exclude),
        sheet=sheet,
    )
    if own_labels is None:
        return dataset
    labelled = dataset.with_labels(*own_labels)
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
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder holding the SCF files (SCFP2019.csv.gz...) for this command; "
            "before $CUSTSEG_DATA_DIR and the folder set by `custseg data use`.",
        ),
    ] = None,
) -> None:
    """Customer segments you can act on."""
    if data_dir is not None:
        from custseg.datasets import location

        location.set_process_data_dir(data_dir)


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


@data_app.command("use")
def data_use(
    path: Annotated[
        Path, typer.Argument(help="Folder holding SCFP2019.csv.gz and/or SCFP2022.csv.gz.")
    ],
) -> None:
    """Remember a folder of SCF files for every later command (no variable to set)."""
    from custseg.datasets import location

    folder, files = location.remember(path)
    found = ", ".join(f"{year}: {file.name}" for year, file in sorted(files.items()))
    out_console.print(f"Using {folder} for the SCF data ({found}).")
    out_console.print(f"Remembered in {location.config_file()}.")


@data_app.command("list")
def data_list() -> None:
    """List the built-in datasets, whether each is available here, and where data comes from."""
    from custseg import io
    from custseg.datasets import builtin_names, load_dataset, location

    table = Table("dataset", "status")
    ready = 0
    for name in builtin_names():
        try:
            dataset = load_dataset(name)
            dollars = dataset.provenance.get("dollars_of")
            table.add_row(name, f"ready ({dataset.provenance.get('file')}; in {dollars} dollars)")
            ready += 1
        except CustsegError as err:
            table.add_row(name, err.message)
    out_console.print(table)
    try:
        folder = location.data_folder()
    except CustsegError as err:
        folder, origin = None, err.message
    else:
        origin = None
    if folder is not None:
        out_console.print(f"Data folder: {folder.path} (from {folder.origin}).")
    else:
        out_console.print(origin or f"No data folder set: downloads in {io.cache_dir() / 'scf'}.")
    if ready < len(builtin_names()):
        out_console.print(
            "To get the data: `custseg data use PATH` remembers a folder holding "
            "SCFP2019.csv.gz / SCFP2022.csv.gz (`--data-dir PATH` uses one for a single "
            "command), or `custseg data fetch scf --year 2019` downloads the Federal "
            "Reserve's extract."
        )


@app.command()
def explore(
    source: SourceArgument,
    out: OutOption,
    id_columns: IdOption = None,
    categorical: CategoricalOption = None,
    exclude: ExcludeOption = None,
    sheet: SheetOption = None,
    labels: LabelsOption = None,
    population: Annotated[
        str,
        typer.Option(help="Explore this named population: all, small-business, credit-fearful."),
    ] = defaults.POPULATION,
    where: WhereOption = None,
) -> None:
    """Write an exploratory HTML report (DIR/report.html) of a dataset."""
    from custseg import io
    from custseg.explore import explore as run_explore
    from custseg.limits import check_magnitudes
    from custseg.population import select_population
    from custseg.report_explore import explore_report

    io.check_replaceable(out, "--out")
    dataset = _load(
        source,
        id_columns=id_columns,
        categorical=categorical,
        exclude=exclude,
        sheet=sheet,
        labels=labels,
    )
    selection = select_population(dataset, population, where or ())
    check_magnitudes(selection.dataset.frame, selection.dataset.candidate_features())
    page = explore_report(run_explore(selection.dataset, population=selection))
    with io.atomic_output_dir(out) as staging:
        io.write_text(staging / "report.html", page)
    out_console.print(f"Wrote {out / 'report.html'}")


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip()) if text else ()


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
    finally:
        _forget_data_dir()
    return status if isinstance(status, int) else 0


def _forget_data_dir() -> None:
    """--data-dir holds for one command line, also when several run in one process."""
    if "custseg.datasets.location" in sys.modules:
        sys.modules["custseg.datasets.location"].set_process_data_dir(None)


def _print_error(message: str, hint: str | None = None) -> None:
    err_console.print(Text.assemble(("Error:", "bold red"), " " + clip_message(message)))
    if hint:
        err_console.print(clip_message(hint))


def main() -> None:
    """Entry point of the ``custseg`` script."""
    _end_process(run())


def _end_process(status: int) -> None:
    """Exit with ``status`` as Python would, but without its last step: after the exit
    handlers, Python unloads every module one by one, which takes 0.3-0.4 s of CPU once pandas,
    SciPy and scikit-learn are loaded, for nothing: every output is complete and in place, and
    custseg's own threads are daemons that Python would not wait for either."""
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_handlers is None:  # not CPython: the usual exit
        sys.exit(status)
    run_exit_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed, or a reader gone (| head)
            stream.flush()
    os._exit(status)


# The commands live in modules of their own; registered here, in the order --help lists them.
from custseg.cli_activation import export, relabel  # noqa: E402
from custseg.cli_reports import compare, dashboard, predict, report, rfm  # noqa: E402
from custseg.cli_segment import segment  # noqa: E402

for _command in (segment, report, predict, rfm, compare, dashboard, relabel, export):
    app.command(_command.__name__)(_command)
