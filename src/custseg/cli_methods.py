"""``custseg segment --method all``: every applicable method side by side."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text

from custseg import io
from custseg.cli import err_console, out_console
from custseg.config import SegmentationConfig
from custseg.dataset import Dataset
from custseg.formatting import counted
from custseg.methods import MethodComparison, compare_methods
from custseg.sweep import describe_method

METHODS_FILE = "methods.csv"
METHODS_PAGE = "methods.html"


def print_method(prepared) -> None:
    """Say how the method will be fitted (sampling, weights) before it runs."""
    described = describe_method(prepared)
    if described["name"] != "kmeans":
        err_console.print(
            Text.assemble(
                ("Method:", "yellow"),
                f" {described['label']}: {described['sampling']}; weights: "
                f"{described['weights']}."
                + (f" Note: {described['note']}." if "note" in described else ""),
            )
        )


def save_comparison(
    comparison: MethodComparison,
    out: Path,
    *,
    per_household: bool = False,
    row_format: str = "auto",
    report: bool = True,
    model: bool = True,
) -> None:
    """``OUT/methods.csv`` and ``OUT/summary.json`` (the comparison), ``OUT/methods.html``
    (the agreement heat map; not with ``report=False``), and a run folder ``OUT/<method>/``
    for every method (with the report and model as asked); all or nothing."""
    from custseg.runs import save_run

    with io.atomic_output_dir(out) as staging:
        io.write_csv(staging / METHODS_FILE, comparison.table)
        io.write_json(staging / "summary.json", comparison.summary())
        if report:
            io.write_text(staging / METHODS_PAGE, _methods_page(comparison))
        for name, result in comparison.results.items():
            save_run(
                result,
                staging / name,
                per_household=per_household,
                row_format=row_format,
                report=report,
                model=model,
            )


def _methods_page(comparison: MethodComparison) -> str:
    from custseg.method_figures import method_agreement_figure
    from custseg.report import figure_html, page, section, table_html

    shown = comparison.table.round(3).drop(columns="label")
    return page(
        "Segmentation methods compared",
        f"{counted(len(comparison.results), 'method')}, each at its recommended k",
        [
            section(
                "Methods",
                table_html(shown),
                figure_html(method_agreement_figure(comparison.table)),
            )
        ],
    )


def segment_all(
    dataset: Dataset,
    config: SegmentationConfig,
    out: Path,
    *,
    per_household: bool = False,
    row_format: str = "auto",
    report: bool = True,
    model: bool = True,
) -> None:
    """Fit every applicable method, write the comparison and print it."""
    comparison = compare_methods(
        dataset, config, progress=lambda name: err_console.print(f"Fitting {name}...")
    )
    save_comparison(
        comparison,
        out,
        per_household=per_household,
        row_format=row_format,
        report=report,
        model=model,
    )
    for name, reason in comparison.skipped.items():
        err_console.print(Text.assemble((f"Skipped {name}:", "yellow"), f" {reason}"))
    table = Table("method", "k", "silhouette", "stability", "smallest", "unassigned")
    for row in comparison.table.itertuples():
        table.add_row(
            row.method,
            str(row.k),
            f"{row.silhouette:.3f}",
            "" if row.stability != row.stability else f"{row.stability:.2f}",
            f"{row.smallest_segment:.1%}",
            f"{row.unassigned_share:.1%}",
        )
    out_console.print(table)
    names = list(comparison.table["method"])
    agreement = Table("ARI", *names, title="Agreement between methods (adjusted Rand index)")
    for row in comparison.table.itertuples():
        agreement.add_row(row.method, *(f"{getattr(row, f'ari_{n}'):.2f}" for n in names))
    out_console.print(agreement)
    page = f", {METHODS_PAGE}" if report else ""
    out_console.print(f"Wrote {out} ({METHODS_FILE}{page} and a run folder per method)")
