"""Segment a generated table of N customers x 10 features, next to a bare scikit-learn fit.

Prints load time (CSV and Parquet), fit time per k and peak memory for custseg and for bare
KMeans on the same array in the same process, and their ratios.

    python benchmarks/bench_scale.py [--rows 1000000] [--ks 2-6]

Targets: custseg's overhead over bare KMeans at most 10%; peak memory under 3x the feature
matrix; the silhouette sampled (never O(n^2)).
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler

from custseg import SegmentationConfig, io, prepare, run_sweep
from custseg.dataset import from_frame
from custseg.segmentation import parse_k_range

N_FEATURES = 10


def generate(rows: int, folder: Path) -> tuple[Path, Path]:
    """Customers from 6 groups with different spending profiles, as CSV and Parquet."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, size=(6, N_FEATURES))
    groups = rng.integers(0, 6, rows)
    values = centres[groups] + rng.normal(size=(rows, N_FEATURES))
    frame = pd.DataFrame(values, columns=[f"feature_{i}" for i in range(N_FEATURES)])
    frame.insert(0, "customer_id", np.arange(rows))
    csv, parquet = folder / "customers.csv", folder / "customers.parquet"
    frame.to_csv(csv, index=False)
    frame.to_parquet(parquet, index=False)
    return csv, parquet


def measured(function):
    """Wall time and peak traced memory (bytes above the start) of ``function()``."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = function()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--ks", default="2-6")
    parser.add_argument("--n-init", type=int, default=10)
    args = parser.parse_args()
    low, high = parse_k_range(args.ks)
    ks = list(range(low, high + 1))
    folder = Path(tempfile.mkdtemp(prefix="custseg-scale-"))
    os.environ["CUSTSEG_CACHE_DIR"] = str(folder / "cache")
    csv, parquet = generate(args.rows, folder)
    matrix_mb = args.rows * N_FEATURES * 8 / 2**20

    _, csv_first, _ = measured(lambda: io.read_table(csv))
    _, csv_cached, _ = measured(lambda: io.read_table(csv))
    frame, parquet_time, _ = measured(lambda: io.read_table(parquet))
    _, pandas_csv, _ = measured(lambda: pd.read_csv(csv))
    print(f"{args.rows:,} rows x {N_FEATURES} features ({matrix_mb:.0f} MB as float64)")
    print(
        f"load: CSV first {csv_first:.2f} s (pandas alone {pandas_csv:.2f} s), CSV again "
        f"(columnar cache) {csv_cached:.2f} s, Parquet {parquet_time:.2f} s"
    )

    X = frame.drop(columns="customer_id").to_numpy()

    def bare() -> None:
        Z = StandardScaler().fit_transform(X)
        for k in ks:
            KMeans(n_clusters=k, n_init=args.n_init, random_state=42).fit(Z)

    dataset = from_frame(frame, name="customers")
    config = SegmentationConfig(
        k_range=(low, high), n_init=args.n_init, bootstrap=0, transform="none"
    )

    def ours() -> None:
        run_sweep(prepare(dataset, config))

    _, bare_time, bare_peak = measured(bare)
    _, our_time, our_peak = measured(ours)
    print(
        f"fit k={low}..{high} (n_init={args.n_init}): bare scikit-learn {bare_time:.2f} s "
        f"({bare_time / len(ks):.2f} s per k), custseg with all four metrics "
        f"{our_time:.2f} s ({our_time / len(ks):.2f} s per k); overhead "
        f"{100 * (our_time / bare_time - 1):+.1f}% (target <= +10%)"
    )
    print(
        f"peak memory above the loaded table: bare {bare_peak / 2**20:.0f} MB "
        f"({bare_peak / 2**20 / matrix_mb:.1f}x the matrix), custseg "
        f"{our_peak / 2**20:.0f} MB ({our_peak / 2**20 / matrix_mb:.1f}x; target < 3x)"
    )


if __name__ == "__main__":
    main()
