"""Time the reference analysis against a plain scikit-learn loop in the same process.

Prints wall times and ratios (custseg / baseline), so results compare across machines.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_sweep.py [--repeat 3]

Targets (2 cores): the full k=2..12 sweep with all four metrics under 1 s; loading from the
columnar cache several times faster than parsing the CSV.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from custseg import SegmentationConfig, load_dataset, prepare, run_sweep
from custseg.datasets import scf

# The seed's analysis: unweighted, and no bootstrap (the baseline computes the four metrics).
REFERENCE = SegmentationConfig(
    population="small-business", k=3, k_range=(2, 12), random_state=42, weight=None, bootstrap=0
)
# custseg's default for the SCF: survey-weighted, with 10 bootstrap resamples for stability.
SURVEY_DEFAULT = SegmentationConfig(population="small-business", k=3)


def best_of(repeat: int, function) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def baseline_sweep(X: pd.DataFrame) -> None:
    """What a notebook does: refit and rescore every k from scratch."""
    for k in range(2, 13):
        model = make_pipeline(StandardScaler(), KMeans(n_clusters=k, n_init=10, random_state=42))
        labels = model.fit_predict(X)
        Z = model[0].transform(X)
        silhouette_score(Z, labels)
        calinski_harabasz_score(Z, labels)
        davies_bouldin_score(Z, labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["CUSTSEG_CACHE_DIR"] = tempfile.mkdtemp(prefix="custseg-bench-")
    source = scf.local_copy(scf.release_for("scf2019"))

    parse = best_of(1, lambda: pd.read_csv(source, encoding="utf-8-sig", low_memory=False))
    load_dataset("scf2019")  # fills the columnar cache
    cached = best_of(args.repeat, lambda: load_dataset("scf2019"))
    print(
        f"load: CSV parse {parse:.3f} s, custseg cached load {cached:.3f} s, "
        f"ratio {cached / parse:.2f}"
    )

    dataset = load_dataset("scf2019")
    prepared = prepare(dataset, REFERENCE)
    X = prepared.values
    baseline = best_of(args.repeat, lambda: baseline_sweep(X))
    ours = best_of(args.repeat, lambda: run_sweep(prepared))
    full = best_of(args.repeat, lambda: run_sweep(prepare(dataset, REFERENCE)))
    print(
        f"sweep k=2..12, 4 metrics, {len(X):,} rows: baseline {baseline:.3f} s, custseg "
        f"{ours:.3f} s (ratio {ours / baseline:.2f}, {baseline / ours:.1f}x faster); "
        f"with population filter and feature selection {full:.3f} s"
    )
    print(f"target sweep < 1 s: {'met' if ours < 1 else 'NOT met'}")
    survey = best_of(1, lambda: run_sweep(prepare(dataset, SURVEY_DEFAULT)))
    print(f"survey default (weighted, 10 household bootstraps of every k): {survey:.2f} s")


if __name__ == "__main__":
    main()
