"""``custseg segment --engine dask``: the run on a Dask cluster and what it prints."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from custseg.cli import _progress, err_console, out_console
from custseg.terminal_text import clip, clip_message


def segment_distributed(
    source: str, config, out: Path, scheduler: str | None, *, report: bool, model: bool
) -> None:
    from custseg import distributed
    from custseg.runs import save_distributed_run

    with distributed.connect(scheduler) as client:
        err_console.print(f"Dask dashboard: {client.dashboard_link}")
        with _progress("Lloyd passes on the cluster", None) as advance:
            result = distributed.segment(source, config, progress=advance)
        save_distributed_run(result, out, report=report, model=model)
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
