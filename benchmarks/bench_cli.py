"""The command line as a user runs it: start-up, whole runs, and a run on a busy machine.

Every time is the wall time of a fresh process (median of --repeat runs; the CPU time of user and
system, which a busy machine inflates less, beside it), measured side by side in this one run, so
the ratios hold on a busy machine too:

- ``custseg --version`` and ``custseg --help`` (goal: under 1 s each);
- the seed reproduction with the script's outputs (``--bootstrap 0 --no-report --no-model``:
  sweep.csv, pca.csv and the other tables, no bootstrap, report or model) against a plain
  pandas + scikit-learn script doing the seed's work (read the CSV, small-business owners,
  5 trimmed-variance features, StandardScaler + KMeans k = 2..12 with inertia and silhouette,
  PCA, CSV outputs) (goal: at most 0.5x), with the columnar copy of the CSV already cached
  (every run after the first) and, for reference, on a first run that parses the CSV into an
  empty cache; and the seed command with every output (bootstrap, report, model), for
  reference against the same script;
- the default run (README command 1) against the same script (goal: at most 1x);
- the default run while ``--burners`` processes (default: one per core) spin on every core,
  against the same run on the idle machine (goal: at most about 2x). Child processes get the
  environment a user has: no OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / CUSTSEG_THREADS.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_cli.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PLAIN_SCRIPT = textwrap.dedent(
    """
    import os, sys
    import pandas as pd
    from scipy.stats.mstats import trimmed_var
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import StandardScaler

    data = os.path.join(os.environ["CUSTSEG_DATA_DIR"], "SCFP2019.csv.gz")
    out = sys.argv[1]
    df = pd.read_csv(data)
    owners = df[(df["HBUS"] == 1) & (df["INCOME"] < 500_000)]
    features = owners.apply(trimmed_var, limits=(0.1, 0.1)).sort_values().tail(5).index
    X = StandardScaler().fit_transform(owners[features])
    rows = []
    for k in range(2, 13):
        model = KMeans(n_clusters=k, n_init=10, random_state=42).fit(X)
        rows.append((k, model.inertia_, silhouette_score(X, model.labels_)))
    pd.DataFrame(rows, columns=["k", "inertia", "silhouette"]).to_csv(f"{out}/sweep.csv")
    final = KMeans(n_clusters=3, n_init=10, random_state=42).fit(X)
    pcs = PCA(n_components=2, random_state=42).fit_transform(X)
    pd.DataFrame({"pc1": pcs[:, 0], "pc2": pcs[:, 1], "segment": final.labels_}).to_csv(
        f"{out}/pca.csv")
    """
)
SEED = (
    "segment scf2019 --population small-business --select trimmed-variance --n-features 5 "
    "--transform none --scale standard --weight none --k 3 --k-range 2-12 --random-state 42"
).split()
#: The seed reproduction writing the script's outputs: no bootstrap, report or model.
LEAN = "--bootstrap 0 --no-report --no-model".split()
DEFAULT = "segment scf2019 --population small-business".split()
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "CUSTSEG_THREADS")


def user_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}


@dataclass(frozen=True)
class Timing:
    """Medians over the repeats: wall seconds, and CPU seconds (user + system) of the process."""

    wall: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.wall:.2f} s (CPU {self.cpu:.2f} s)"


def run_once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def timed(
    commands: dict[str, list[str]],
    repeat: int,
    *,
    fresh_cache: Callable[[], str] | None = None,
) -> dict[str, Timing]:
    """Run every command as a fresh process ``repeat`` times, taking turns (so that a change
    in the machine's load hits all of them alike); each run gets a new, empty
    CUSTSEG_CACHE_DIR from ``fresh_cache`` if given."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            env = user_environment()
            if fresh_cache is not None:
                env["CUSTSEG_CACHE_DIR"] = fresh_cache()
            samples[name].append(run_once(command, env))
    return {
        name: Timing(
            statistics.median(wall for wall, _ in runs), statistics.median(cpu for _, cpu in runs)
        )
        for name, runs in samples.items()
    }


def load_average() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg())


def burn() -> None:
    while True:
        pass


def verdict(ratio: float, goal: float) -> str:
    return f"{ratio:.2f}x (goal <= {goal}x: {'met' if ratio <= goal else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="custseg-cli-"))
    os.environ.setdefault("CUSTSEG_CACHE_DIR", str(folder / "cache"))
    script = folder / "plain.py"
    script.write_text(PLAIN_SCRIPT)
    (folder / "plain").mkdir()
    custseg = [sys.executable, "-m", "custseg"]

    def run(options: list[str], name: str) -> list[str]:
        return [*custseg, *options, "--out", str(folder / name)]

    caches = (str(folder / f"cold-cache-{n}") for n in itertools.count())
    plain_command = [sys.executable, str(script), str(folder / "plain")]
    load_before = load_average()
    cold = timed({"cold": run(SEED + LEAN, "cold")}, args.repeat, fresh_cache=lambda: next(caches))[
        "cold"
    ]
    subprocess.run(run(SEED, "warm"), check=True, env=user_environment(), capture_output=True)
    start_up = timed(
        {"version": [*custseg, "--version"], "help": [*custseg, "--help"]}, args.repeat
    )
    idle = timed(
        {
            "plain": plain_command,
            "lean": run(SEED + LEAN, "lean"),
            "seed": run(SEED, "seed"),
            "default": run(DEFAULT, "default"),
        },
        args.repeat,
    )
    version, help_ = start_up["version"], start_up["help"]
    plain, lean, seed, default = idle["plain"], idle["lean"], idle["seed"], idle["default"]
    load_idle = load_average()
    burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(args.burners)]
    for process in burners:
        process.start()
    try:
        busy_runs = timed({"busy": run(DEFAULT, "busy"), "plain": plain_command}, args.repeat)
    finally:
        for process in burners:
            process.terminate()
    busy, busy_plain = busy_runs["busy"], busy_runs["plain"]
    print(f"medians of {args.repeat} fresh processes each: wall time (CPU time, user + system)")
    print(f"load average (1, 5, 15 min) before: {load_before}; before the burners: {load_idle}")
    print(f"custseg --version {version} (goal < 1 s: {'met' if version.wall < 1 else 'NOT met'})")
    print(f"custseg --help    {help_} (goal < 1 s: {'met' if help_.wall < 1 else 'NOT met'})")
    print(f"plain pandas + scikit-learn script: {plain}")
    print(
        f"seed reproduction with the script's outputs ({' '.join(LEAN)}) {lean}: "
        f"{verdict(lean.wall / plain.wall, 0.5)} the plain script"
    )
    print(
        f"  the same, first run (parses the CSV into an empty cache) {cold}: "
        f"{cold.wall / plain.wall:.2f}x the plain script (for reference: later runs read the cache)"
    )
    print(
        f"seed reproduction with every output (bootstrap, report, model) {seed}: "
        f"{seed.wall / plain.wall:.2f}x the plain script"
    )
    print(
        f"default run       {default}: {verdict(default.wall / plain.wall, 1.0)} the plain script"
    )
    print(
        f"default run with {args.burners} CPU burners {busy}: "
        f"{verdict(busy.wall / default.wall, 2.0)} the idle run "
        f"(the plain script: {busy_plain.wall / plain.wall:.2f}x its idle time)"
    )


if __name__ == "__main__":
    main()
