"""Commands around a run and its data: ``report``, ``predict``, ``rfm``, ``compare`` and
``dashboard``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from custseg import defaults
from custseg.cli import (
    IdOption,
    OutOption,
    SheetOption,
    ThreadsOption,
    _load,
    _use_threads,
    err_console,
    out_console,
)
from custseg.cli_activation import report_drift
from custseg.errors import CustsegError
from custseg.formatting import counted
from custseg.terminal_text import clip_message


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
    from custseg.run_outputs import left_out_message, was_written
    from custseg.runs import REPORT_FILE, RunData, damaged_run

    if export and export not in io.EXPORT_FORMATS:
        raise CustsegError(
            f"Unknown --export {export!r}.", hint=f"Choose one of: {', '.join(io.EXPORT_FORMATS)}."
        )
    run = RunData.load(run_dir)
    if (run_dir / REPORT_FILE).exists() and not is_custseg_folder(run_dir):
        raise CustsegError(
            f"{run_dir} was not written by this custseg (it has no {MARKER_FILE} marker), so "
            f"its {REPORT_FILE} will not be replaced.",
            hint="Run custseg segment again to write a fresh run folder.",
        )
    with damaged_run(run_dir):
        page = run_report(run)
        figures = run_figures(run) if export else None
    if figures is not None:
        io.export_figures(figures, run_dir / "figures", export)
    with io.atomic_file(run_dir / REPORT_FILE) as tmp:
        io.write_text(tmp, page)
    if not was_written(run.summary, "report"):
        err_console.print(
            f"Note: {run_dir} was {left_out_message('report')}; this report shows its tables "
            "and figures only."
        )
    out_console.print(
        f"Wrote {run_dir / REPORT_FILE}"
        + (f" and {run_dir / 'figures'}/*.{export}" if export else "")
    )


def predict(
    model: Annotated[Path, typer.Argument(help="A segment output folder or its model.custseg.")],
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

    io.check_frame_file(out, "--out")
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
        f"Scored {counted(len(result), 'customer')} into {segment_model.k} segments: "
        f"{counted(flagged, 'customer')} outside the training data, "
        f"{counted(imputed, 'customer')} with missing values imputed. Wrote {out}"
    )
    report_drift(segment_model, dataset.frame, scored, out)


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
    """Build a customer table (recency, frequency, monetary value, RFM groups) from orders."""
    from custseg import io
    from custseg.dataset import from_frame
    from custseg.rfm import customer_table
    from custseg.runs import write_run
    from custseg.segmentation import SegmentationConfig
    from custseg.segmentation import segment as run_segment

    io.check_frame_file(out, "--out")
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
        dataset = from_frame(table, name=Path(str(out)).name, id_columns=(customer,))
        varying = tuple(
            c for c in ("recency_days", "frequency", "monetary") if table[c].nunique() > 1
        )
        # As many segments as the customers allow (at most the usual 12), and any failure
        # named after the option that asked for it.
        high = min(12, len(table) - 1)
        try:
            if high < 2:
                raise CustsegError(
                    f"There {'is' if len(table) == 1 else 'are'} only "
                    f"{counted(len(table), 'customer')}."
                )
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
        f"{counted(len(table), 'customer')} as of {reference.date()}: "
        + ", ".join(f"{name} {n:,}" for name, n in counts.items())
    )
    out_console.print(f"Wrote {out}" + (f" and {segment_out}" if segment_out else ""))


def compare(
    run_dir: Annotated[
        Path, typer.Argument(help="A segment output folder (or its model.custseg).")
    ],
    other: Annotated[str, typer.Argument(help="The dataset to apply it to, e.g. scf2022.")],
    out: OutOption,
    base: Annotated[
        str | None, typer.Option(help="The training dataset (default: the model's source).")
    ] = None,
    cpi: Annotated[
        list[str] | None,
        typer.Option(
            metavar="<year=value>",
            help="Price index value YEAR=VALUE replacing the Fed's R-CPI-U-RS (September) for "
            "that year; repeatable.",
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
    overrides = parse_cpi(cpi or [])
    model = SegmentModel.load(run_dir)
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


def dashboard(
    source: Annotated[
        str,
        typer.Argument(
            help="scf2019, scf2022, a table (any source segment accepts), or a "
            "finished run folder to view read-only (from either engine)."
        ),
    ] = defaults.DASHBOARD_SOURCE,
    population: Annotated[
        str | None, typer.Option(help="Opening population (default: small-business for the SCF).")
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8050,
    debug: Annotated[bool, typer.Option(help="Dash debug mode (reloader, error pages).")] = False,
    threads: ThreadsOption = None,
) -> None:
    """Serve the interactive dashboard (development server; see the README for production)."""
    if not 1 <= port <= 65535:
        raise CustsegError(f"--port {port} is not a port.", hint="Use a number from 1 to 65535.")
    _use_threads(threads)
    from custseg.dashboard import create_app
    from custseg.dashboard.app import QuietRequestHandler

    app_ = create_app(source, population=population)
    err_console.print(f"custseg dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    app_.run(host=host, port=port, debug=debug, request_handler=QuietRequestHandler)
