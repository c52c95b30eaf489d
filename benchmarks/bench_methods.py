"""Time and peak memory of every segmentation method beside KMeans, at growing row counts.

Each method fits a sweep of k (HDBSCAN: its grid of minimum segment sizes) on a generated
model-space matrix (5 scaled numeric features from 6 groups, plus two one-hot categories, so
that k-prototypes applies) and assigns every row, as ``custseg segment`` does before scoring.
Ward (5,000 rows) and HDBSCAN (20,000 rows) fit on a seeded sample above their limit and
assign the rest. Times and peaks are reported as ratios to KMeans in the same process.

    python benchmarks/bench_methods.py [--rows 10000,100000,1000000] [--ks 2-6] [--n-init 3]
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc

import numpy as np

from custseg.engine import METHODS, MethodOptions, get_method
from custseg.segmentation import parse_k_range

N_NUMERIC = 5
CATEGORY_SIZES = (3, 2)


def generate(rows: int) -> np.ndarray:
    """Model-space rows: scaled numeric features from 6 groups, then two one-hot blocks."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, size=(6, N_NUMERIC))
    groups = rng.integers(0, 6, rows)
    numeric = centres[groups] + rng.normal(size=(rows, N_NUMERIC))
    numeric = (numeric - numeric.mean(axis=0)) / numeric.std(axis=0)
    blocks = [np.eye(size)[(groups + rng.integers(0, 2, rows)) % size] for size in CATEGORY_SIZES]
    return np.hstack([numeric, *blocks])


def measured(function):
    """Wall time and peak traced memory (bytes above the start) of ``function()``."""
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    function()
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="10000,100000,1000000")
    parser.add_argument("--ks", default="2-6")
    parser.add_argument("--n-init", type=int, default=3)
    parser.add_argument("--methods", default=",".join(METHODS))
    args = parser.parse_args()
    low, high = parse_k_range(args.ks)
    ks = list(range(low, high + 1))
    options = MethodOptions(n_numeric=N_NUMERIC, category_sizes=CATEGORY_SIZES)
    names = args.methods.split(",")
    for rows in (int(r) for r in args.rows.split(",")):
        Z = generate(rows)
        print(f"\n{rows:,} rows x {Z.shape[1]} columns ({Z.nbytes / 2**20:.0f} MB); k {low}-{high}")
        print(f"{'method':<12} {'seconds':>9} {'x KMeans':>9} {'peak MB':>9} {'x KMeans':>9}")
        baseline = None
        for name in names:

            def fit(name=name, Z=Z):
                get_method(name).fit_all(
                    Z,
                    ks,
                    sample_weight=None,
                    random_state=0,
                    n_init=args.n_init,
                    options=options,
                )

            elapsed, peak = measured(fit)
            if baseline is None:
                baseline = (elapsed, peak)
            print(
                f"{name:<12} {elapsed:>9.2f} {elapsed / baseline[0]:>9.1f} "
                f"{peak / 2**20:>9.0f} {peak / baseline[1]:>9.1f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
