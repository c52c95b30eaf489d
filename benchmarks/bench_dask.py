"""The Dask engine at scale, next to the local engine on the same data where it fits.

Generates N customers x 10 features as partitioned Parquet (written in slices, so the
generator itself stays small), runs the Dask engine on a LocalCluster(n_workers=2,
threads_per_worker=1) and prints wall time per Lloyd pass, total time and peak process memory
per worker; then times scikit-learn's KMeans per iteration on the same data when it fits in
memory.

    python benchmarks/bench_dask.py --rows 1000000 10000000 [--local-max 10000000]

Targets (2 cores): at 10 M rows the Dask engine within 3x of local scikit-learn per iteration;
100 M rows (run it outside CI) completes with worker memory bounded by a few partitions; time
linear in rows.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

N_FEATURES = 10
PARTITION_ROWS = 1_000_000


def generate(rows: int, folder: Path) -> Path:
    """Customers from 6 groups, as float32 Parquet partitions of PARTITION_ROWS rows."""
    target = folder / f"customers-{rows}"
    target.mkdir()
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, size=(6, N_FEATURES))
    for part, start in enumerate(range(0, rows, PARTITION_ROWS)):
        n = min(PARTITION_ROWS, rows - start)
        values = centres[rng.integers(0, 6, n)] + rng.normal(size=(n, N_FEATURES))
        frame = pd.DataFrame(
            values.astype(np.float32), columns=[f"feature_{i}" for i in range(N_FEATURES)]
        )
        frame.insert(0, "customer_id", np.arange(start, start + n))
        frame.to_parquet(target / f"part-{part:05d}.parquet", index=False)
    return target


def _stamp(times: list[float]) -> None:
    times.append(time.perf_counter())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--local-max", type=int, default=10_000_000)
    parser.add_argument("--k", type=int, default=6)
    args = parser.parse_args()

    from distributed import Client, LocalCluster
    from distributed.diagnostics import MemorySampler
    from sklearn.cluster import KMeans

    from custseg import SegmentationConfig, distributed

    folder = Path(tempfile.mkdtemp(prefix="custseg-dask-"))
    config = SegmentationConfig(k=args.k, k_range=(args.k, args.k), n_init=1, transform="none")
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster,
        Client(cluster),
    ):
        for rows in args.rows:
            source = generate(rows, folder)
            passes: list[float] = []
            sampler = MemorySampler()
            start = time.perf_counter()
            with sampler.sample("run", measure="process"):
                result = distributed.segment(str(source), config, progress=partial(_stamp, passes))
            total = time.perf_counter() - start
            per_pass = np.diff(passes).mean() if len(passes) > 1 else float("nan")
            peak = sampler.to_pandas()["run"].max() / 2 / 2**20
            print(
                f"{rows:>11,} rows: dask total {total:.1f} s, {len(passes)} Lloyd passes, "
                f"{per_pass:.3f} s per pass, peak process memory per worker ~{peak:,.0f} MB; "
                f"inertia {result.summary['metrics']['inertia']:.4g}"
            )
            if rows <= args.local_max:
                Z = pd.read_parquet(source).drop(columns="customer_id").to_numpy(np.float64)
                Z = (Z - Z.mean(axis=0)) / Z.std(axis=0)
                start = time.perf_counter()
                local = KMeans(n_clusters=args.k, n_init=1, random_state=42).fit(Z)
                local_time = time.perf_counter() - start
                print(
                    f"{'':>11}  local scikit-learn {local_time / local.n_iter_:.3f} s per "
                    f"iteration ({local.n_iter_} iterations); dask/local per iteration "
                    f"{per_pass / (local_time / local.n_iter_):.1f}x"
                )
                del Z


if __name__ == "__main__":
    main()
