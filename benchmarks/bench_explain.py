"""Time what explains a run (rules, segment vs population, chart numbers) next to the fit it
explains, on a generated table of N customers x 10 skewed amounts, in the same process.

    python benchmarks/bench_explain.py [--rows 1000000] [--k 5]

Prints each part's time and the explanation's time as a share of the fit (KMeans for k = 2..6,
n_init 10, no bootstrap), so the cost of writing the explanation into every run folder is known.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from custseg import SegmentationConfig, finish, prepare, run_sweep
from custseg.dataset import from_frame
from custseg.rules_run import result_rules
from custseg.segment_charts import result_charts
from custseg.segment_compare import result_comparison


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    centres = rng.normal(3, 1, size=(6, 10))
    groups = rng.integers(0, 6, args.rows)
    amounts = np.exp(centres[groups] + rng.normal(size=(args.rows, 10)))
    dataset = from_frame(
        pd.DataFrame(amounts, columns=[f"amount_{i}" for i in range(10)]), name="generated"
    )
    config = SegmentationConfig(k_range=(2, 6), k=args.k, bootstrap=0, transform="log")
    start = time.perf_counter()
    prepared = prepare(dataset, config)
    result = finish(prepared, run_sweep(prepared))
    fit = time.perf_counter() - start
    print(f"{args.rows:,} rows: fit (k = 2..6) {fit:.2f} s")
    total = 0.0
    for name, part in (
        ("rules", result_rules),
        ("segment vs population", result_comparison),
        ("chart numbers", result_charts),
    ):
        start = time.perf_counter()
        part(result)
        elapsed = time.perf_counter() - start
        total += elapsed
        print(f"  {name}: {elapsed:.2f} s")
    print(f"explanation {total:.2f} s = {total / fit:.0%} of the fit")


if __name__ == "__main__":
    main()
