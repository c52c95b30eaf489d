"""The command line as a user runs it: start-up, whole runs, and a run on a busy machine.

Every time is the wall time of a fresh process (median of --repeat runs), measured side by side in
this one run, so the ratios hold on a busy machine too:

- ``custseg --version`` and ``custseg --help`` (goal: under 1 s each);
- the seed reproduction command against a plain pandas + scikit-learn script doing the seed's work
  (read the CSV, small-business owners, 5 trimmed-variance features, StandardScaler + KMeans
  k = 2..12 with inertia and silhouette, PCA, CSV outputs) (goal: at most 0.5x);
- the default run (README command 1) against the same script (goal: at most 1x);
- the default run while ``--burners`` processes (default: one per core) spin on every core,
  against the same run on the idle machine (goal: at most about 2x). Child processes get the
  environment a user has: no OMP_NUM_THREADS / OPENBLAS_NUM_THREADS / CUSTSEG_THREADS.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_cli.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
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
DEFAULT = "segment scf2019 --population small-business --k 3".split()
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "CUSTSEG_THREADS")


def user_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}


def wall(command: list[str], repeat: int) -> float:
    """Median wall time of running ``command`` as a fresh process."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, env=user_environment(), capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


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

    subprocess.run(run(SEED, "warm"), check=True, env=user_environment(), capture_output=True)
    version = wall([*custseg, "--version"], args.repeat)
    help_ = wall([*custseg, "--help"], args.repeat)
    plain = wall([sys.executable, str(script), str(folder / "plain")], args.repeat)
    seed = wall(run(SEED, "seed"), args.repeat)
    default = wall(run(DEFAULT, "default"), args.repeat)
    burners = [multiprocessing.Process(target=burn, daemon=True) for _ in range(args.burners)]
    for process in burners:
        process.start()
    try:
        busy = wall(run(DEFAULT, "busy"), args.repeat)
        busy_plain = wall([sys.executable, str(script), str(folder / "plain")], args.repeat)
    finally:
        for process in burners:
            process.terminate()
    print(f"medians of {args.repeat} fresh processes each (wall time)")
    print(f"custseg --version {version:.2f} s (goal < 1 s: {'met' if version < 1 else 'NOT met'})")
    print(f"custseg --help    {help_:.2f} s (goal < 1 s: {'met' if help_ < 1 else 'NOT met'})")
    print(f"plain pandas + scikit-learn script: {plain:.2f} s")
    print(f"seed reproduction {seed:.2f} s: {verdict(seed / plain, 0.5)} the plain script")
    print(f"default run       {default:.2f} s: {verdict(default / plain, 1.0)} the plain script")
    print(
        f"default run with {args.burners} CPU burners {busy:.2f} s: "
        f"{verdict(busy / default, 2.0)} the idle run "
        f"(the plain script: {busy_plain / plain:.2f}x its idle time)"
    )


if __name__ == "__main__":
    main()
