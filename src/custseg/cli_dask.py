"""``custseg segment --engine``: choosing the engine, and the run on a Dask cluster."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from custseg.cli import _progress, err_console, out_console
from custseg.errors import CustsegError
from custseg.terminal_text import clip, clip_message

ENGINE_CHOICES = ("local", "dask", "auto")
#: --engine auto moves to Dask above this share of the free memory.
AUTO_MEMORY_SHARE = 0.25


def choose_engine(requested: str, source: str) -> str:
    """The engine of ``--engine``: ``auto`` says which it chose and why."""
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
