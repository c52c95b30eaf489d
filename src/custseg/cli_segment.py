"""The ``segment`` command: options, the local or Dask engine, and what it prints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from custseg import defaults
from custseg.background import Background
from custseg.cli import (
    CategoricalOption,
    ExcludeOption,
    IdOption,
    LabelsOption,
    OutOption,
    SheetOption,
    SourceArgument,
    ThreadsOption,
    WhereOption,
    _load,
    _print_roles,
    _progress,
    _split,
    _use_threads,
    err_console,
    out_console,
)
from custseg.errors import CustsegError
from custseg.formatting import counted
from custseg.terminal_text import clip, clip_message


def segment(
    source: SourceArgument,
    out: OutOption,
    population: Annotated[
        str, typer.Option(help="Named population: all, small-business, credit-fearful (SCF).")
    ] = defaults.POPULATION,
    where: WhereOption = None,
    select: Annotated[
        str,
        typer.Option(
            help="auto (the population's feature set, or the numeric columns ranked in model "
            "space, near-duplicates skipped), or the seed's trimmed-variance or variance."
        ),
    ] = defaults.SELECT,
    n_features: Annotated[
        int | None,
        typer.Option(
            help="Numeric features to select (default: 5 for the SCF, all up to 10 "
            "for other tables)."
        ),
    ] = defaults.N_FEATURES,
    features: Annotated[
        str | None, typer.Option(help="Comma-separated features to use instead of selecting.")
    ] = None,
    transform: Annotated[
        str,
        typer.Option(
            help="auto (scaled-asinh for money and strongly skewed features), none, log, "
            "asinh or scaled-asinh."
        ),
    ] = defaults.TRANSFORM,
    scale: Annotated[str, typer.Option(help="standard or robust.")] = defaults.SCALE,
    missing: Annotated[
        str, typer.Option(help="Missing values: impute (in the saved model) or drop the rows.")
    ] = defaults.MISSING,
    k_range: Annotated[str, typer.Option(help="The k sweep, LOW-HIGH.")] = defaults.k_range_text(),
    k: Annotated[
        int | None, typer.Option(help="Number of segments (default: recommended).")
    ] = defaults.K,
    min_segment: Annotated[
        float,
        typer.Option(
            help="Smallest segment a recommended k may have, as a share of the (weighted) "
            "population (surveys: also 30 households)."
        ),
    ] = defaults.MIN_SEGMENT,
    random_state: Annotated[
        int, typer.Option(help="Seed for every random choice.")
    ] = defaults.RANDOM_STATE,
    rule_depth: Annotated[
        int, typer.Option(help="Depth of the decision tree whose leaves are the rules (1-8).")
    ] = defaults.RULE_DEPTH,
    weight: Annotated[
        str,
        typer.Option(help="auto (the survey weight: WGT for the SCF), none, or a weight column."),
    ] = defaults.WEIGHT,
    implicates: Annotated[
        str, typer.Option(help="Multiply-imputed surveys: pooled, first or separate.")
    ] = defaults.IMPLICATES,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap resamples for stability (0 to skip).")
    ] = defaults.BOOTSTRAP,
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
    ] = defaults.ENGINE,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            help="kmeans, gmm (Gaussian mixture), ward (hierarchical), hdbscan (density, "
            "with unassigned outliers), kprototypes (numeric + categorical), or all (every "
            "applicable method side by side: methods.csv and a run folder each)."
        ),
    ] = defaults.METHOD,
    covariance: Annotated[
        str, typer.Option(help="gmm covariance type: full, diag, tied or spherical.")
    ] = defaults.COVARIANCE,
    threads: ThreadsOption = None,
    row_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="Per-row outputs (assignments, pca): auto (Parquet above 100,000 rows, "
            "else CSV), csv or parquet.",
        ),
    ] = "auto",
    no_report: Annotated[
        bool,
        typer.Option(
            "--no-report",
            help="Leave out the report (figures.html) and the files that explain the segments "
            "(rules.csv, compare_segments.csv, charts.json), and skip computing them.",
        ),
    ] = False,
    no_model: Annotated[
        bool,
        typer.Option(
            "--no-model",
            help="Leave out the model file (predict, compare, export and relabel need it).",
        ),
    ] = False,
) -> None:
    """Segment a dataset: select features, sweep k, fit, profile, and write the results."""
    _use_threads(threads)
    report, model = not no_report, not no_model
    # Outputs, targets and option combinations are checked first, with only the light file
    # code loaded; then the options of the fit; all before the data loads and the fit runs.
    chosen_engine = _check_outputs(source, out, write_to, engine, scheduler, method)
    loading = None
    if chosen_engine == "local":
        # The data loads (mostly Parquet decoding, which releases the GIL) while the fitting
        # code imports; its errors are raised where the data is needed, after the fit's options
        # are checked, as before.
        loading = Background(
            lambda: _load(
                source,
                id_columns=id_columns,
                categorical=categorical,
                exclude=exclude,
                sheet=sheet,
                labels=labels,
            )
        )
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
        method="kmeans" if method == "all" else method,
        covariance=covariance,
    )
    if chosen_engine == "dask":
        from custseg.cli_dask import segment_distributed

        segment_distributed(source, config, out, scheduler, report=report, model=model)
        return
    if assignments not in ASSIGNMENT_MODES:
        raise CustsegError(
            f"Unknown --assignments {assignments!r}.",
            hint=f"Choose one of: {', '.join(ASSIGNMENT_MODES)}.",
        )
    row_file("assignments", 0, row_format)
    dataset = loading.result()
    _print_roles(dataset)
    from custseg.cli_methods import print_method, segment_all

    if method == "all":
        segment_all(
            dataset,
            config,
            out,
            per_household=assignments == "households",
            row_format=row_format,
            report=report,
            model=model,
        )
        return
    prepared = prepare(dataset, config)
    for warning in prepared.warnings:
        err_console.print(Text.assemble(("Note:", "yellow"), " " + clip_message(warning)))
    for skipped in prepared.skipped:
        err_console.print(
            Text.assemble(
                ("Skipped feature", "yellow"),
                f" {clip_message(skipped.shown or skipped.name)}: {clip_message(skipped.reason)}",
            )
        )
    print_method(prepared)
    fitted = prepared.config  # the sweep as cut to the rows there are
    label = f"Fitting k={fitted.ks[0]}-{fitted.ks[-1]}" + (
        f" and {counted(fitted.bootstrap, 'bootstrap resample')}" if fitted.bootstrap else ""
    )
    with _progress(label, sweep_steps(fitted)) as advance:
        sweep = run_sweep(prepared, progress=advance)
    result = finish(prepared, sweep)
    save_run(
        result,
        out,
        per_household=assignments == "households",
        write_to=write_to,
        row_format=row_format,
        report=report,
        model=model,
    )
    _print_result(result, out)


def _check_outputs(
    source: str,
    out: Path,
    write_to: str | None,
    engine: str,
    scheduler: str | None,
    method: str,
) -> str:
    """Refuse outputs, targets and option combinations that would fail after the fit; return
    the engine to use."""
    from custseg.io import check_replaceable, check_write_target

    check_replaceable(out, "--out")
    if write_to is not None:
        if method == "all":
            raise CustsegError(
                "--write-to writes one segmentation's assignments; --method all fits several.",
                hint="Choose one --method to write, or leave out --write-to.",
            )
        check_write_target(write_to)
    from custseg.cli_dask import choose_engine

    chosen = choose_engine(engine, source)
    if scheduler is not None and chosen != "dask":
        raise CustsegError(
            "--scheduler is the address of a Dask cluster; it needs --engine dask.",
            hint="Add --engine dask, or leave out --scheduler.",
        )
    if chosen == "dask" and method != "kmeans":
        raise CustsegError(
            f"--method {method} runs in memory; the Dask engine fits KMeans only.",
            hint="Use --engine local, or --method kmeans on Dask.",
        )
    if chosen == "dask" and write_to is not None:
        raise CustsegError(
            "--write-to is not available with the Dask engine: its assignments are "
            "written as partitioned Parquet in the --out folder.",
            hint="Leave out --write-to, or use --engine local.",
        )
    return chosen


def _print_result(result, out: Path) -> None:
    from custseg.formatting import label_and_name, number, percent
    from custseg.precision import SE_LABEL, SHARE_RANGE_HEADING, SHARE_SE_HEADING, size_table

    prepared = result.prepared
    out_console.print(
        Text.assemble(
            (clip(prepared.dataset.name), "bold"),
            f": {clip_message(prepared.selection.description)}, {prepared.n_rows:,} rows",
        )
    )
    label = prepared.dataset.label
    out_console.print(
        "Features: " + ", ".join(clip(label_and_name(label(f), f)) for f in result.features)
    )
    recommendation = result.sweep.recommendation
    # An unqualified recommendation's reason is also the no_qualifying_k warning: said once.
    reason = (
        "no k qualifies; see the no_qualifying_k warning below."
        if any(w.code == "no_qualifying_k" for w in result.warnings)
        else recommendation.reason
    )
    out_console.print(f"Recommended k={recommendation.k}: " + clip_message(reason))
    metrics = result.metrics
    out_console.print(
        f"k={result.k}: inertia {number(metrics['inertia'])}, silhouette "
        f"{metrics['silhouette']:.3f}, Calinski-Harabasz "
        f"{number(metrics['calinski_harabasz'])}, Davies-Bouldin "
        f"{metrics['davies_bouldin']:.3f}"
    )
    if result.implicates is not None:
        report = result.implicates
        fits = "one model per implicate" if report.mode == "separate" else "one model"
        out_console.print(
            f"Implicates ({report.mode}: {fits}): {percent(report.all_agree_share)} of "
            f"{report.households:,} households have all rows in one segment; mean agreement "
            f"{percent(report.mean_agreement)}"
        )
        spread = size_table(result.profiles)
        if SHARE_SE_HEADING in spread:
            out_console.print(
                f"Segment shares across the {report.n_implicates} implicates (± {SE_LABEL}; "
                "lowest to highest): "
                + "; ".join(
                    f"segment {row['segment']}: {row[SHARE_SE_HEADING]} "
                    f"({row[SHARE_RANGE_HEADING]})"
                    for row in spread.to_dict("records")
                )
            )
    # Unweighted, the size is already the rows ("65 rows (32.5% of customers)").
    weighted = prepared.weights is not None
    table = Table("segment", "persona", "size", *(["rows"] if weighted else []))
    for row in result.profiles.itertuples():
        table.add_row(
            str(row.segment),
            clip_message(row.name),
            row.size.split(": ", 1)[1],
            *([f"{row.n_rows:,}"] if weighted else []),
        )
    out_console.print(table)
    for warning in result.warnings:
        out_console.print(
            Text.assemble(
                ("Warning", "bold yellow"), f" ({warning.code}): {clip_message(warning.message)}"
            )
        )
    noun = prepared.dataset.populations[prepared.selection.population].noun
    _print_rules(out, [int(s) for s in result.profiles["segment"]], noun)
    out_console.print(f"Wrote {out}")


def _print_rules(out: Path, segments: list[int], noun: str) -> None:
    """How many of the rules in the run folder are strong (none printed without the file)."""
    from custseg import io
    from custseg.explain import RULES_FILE
    from custseg.rules import strength_sentence, strong_rules

    path = Path(out) / RULES_FILE
    if not path.is_file():
        return
    rules = io.read_table(path)
    strong = strong_rules(rules)
    by_segment = {s: list(strong[rules["segment"] == s]) for s in segments}
    sentence = strength_sentence(by_segment, noun, ruleless=True)
    out_console.print(f"Rules ({RULES_FILE}): {sentence}")
