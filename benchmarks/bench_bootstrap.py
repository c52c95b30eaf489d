"""Time the bootstrap stability alone against the same resamples refitted through scikit-learn's
KMeans estimator and scored with its adjusted_rand_score, in the same process.

Prints medians of wall and CPU time (user + system) for the seed reproduction's data and the
default run's (SCF 2019 small-business, 10 resamples of every k = 2..12), with one thread and
with the run's thread budget, and checks that both ways give the same stability.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_bootstrap.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from unittest import mock

from sklearn.metrics import adjusted_rand_score

from custseg import SegmentationConfig, load_dataset, prepare, run_sweep, stability, threads
from custseg.config import REFERENCE
from custseg.engine import LocalEngine
from custseg.engine.kmeans import KMeansMethod
from custseg.sweep import method_options

RUNS = {
    "seed": REFERENCE,
    "default": SegmentationConfig(population="small-business"),
}


class EstimatorRefits(KMeansMethod):
    """The baseline: every refit a scikit-learn KMeans estimator, labels from its predict."""

    def refit_all(self, Z, fits, *, sample_weight, random_state, n_init, options):
        engine = LocalEngine()
        return {
            k: engine.fit_kmeans(
                Z.copy(), k, sample_weight=sample_weight, random_state=random_state, n_init=n_init
            )
            for k in fits
        }


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(function) -> tuple[float, float, dict]:
    cpu, start = cpu_seconds(), time.perf_counter()
    result = function()
    return time.perf_counter() - start, cpu_seconds() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    dataset = load_dataset("scf2019")
    for name, config in RUNS.items():
        prepared = prepare(dataset, config)
        sweep = run_sweep(prepared)
        options = method_options(prepared)

        def bootstrap(method, prepared=prepared, sweep=sweep, options=options):
            with threads.for_fit(*prepared.Z.shape):
                return stability.bootstrap_stability(
                    prepared.Z,
                    sweep.fits,
                    method=method,
                    options=options,
                    n_boot=prepared.config.bootstrap,
                    groups=prepared.households,
                    sample_weight=prepared.weights,
                    random_state=prepared.config.random_state,
                    n_init=prepared.config.n_init,
                )

        def baseline():
            with mock.patch.object(stability, "adjusted_rand_index", adjusted_rand_score):
                return bootstrap(EstimatorRefits())

        for budget in (1, threads.current()):
            times: dict[str, list[tuple[float, float]]] = {"baseline": [], "custseg": []}
            with threads.budget(budget):
                for _ in range(args.repeat):  # taking turns, so that the machine's load hits both
                    *base, expected = timed(baseline)
                    *ours, result = timed(lambda: bootstrap(KMeansMethod()))
                    assert result == expected, "the bootstrap's stability changed"
                    times["baseline"].append(tuple(base))
                    times["custseg"].append(tuple(ours))
            wall = {key: statistics.median(t[0] for t in value) for key, value in times.items()}
            cpu = {key: statistics.median(t[1] for t in value) for key, value in times.items()}
            ratio = wall["custseg"] / wall["baseline"], cpu["custseg"] / cpu["baseline"]
            print(
                f"{name} ({prepared.Z.shape[0]:,} x {prepared.Z.shape[1]}), {budget} thread(s): "
                f"baseline wall {wall['baseline']:.3f} s (CPU {cpu['baseline']:.3f} s), custseg "
                f"wall {wall['custseg']:.3f} s (CPU {cpu['custseg']:.3f} s); ratio wall "
                f"{ratio[0]:.2f}, CPU {ratio[1]:.2f}"
            )


if __name__ == "__main__":
    main()
