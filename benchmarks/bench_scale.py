"""A million customers end to end: the CLI as a process next to bare scikit-learn as a process.

Generates N customers x 8 features as Parquet, then runs, side by side in this one run (medians of
--repeat), each as a fresh process with its wall time and peak memory (maximum resident set):

- bare: read the Parquet file with pandas, StandardScaler + KMeans (n_init 10) for k = 2..8;
- custseg: ``custseg segment FILE --k-range 2-8 --bootstrap 0 --transform none --k 4`` with every
  output (summary, sweep, profiles, personas, model, report, per-row assignments and PCA).

Goals: at 1M rows wall time within 1.3x bare and peak memory within 1.5x; at 4M rows under 2x
bare; the run folder's report a few MB at any size. It also times the loads (CSV first read, CSV
again from the columnar cache, Parquet, a folder of Parquet parts) in this process.

    python benchmarks/bench_scale.py [--rows 1000000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

N_FEATURES = 8
BARE = textwrap.dedent(
    """
    import sys
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_parquet(sys.argv[1])
    X = frame.drop(columns="customer_id").to_numpy()
    Z = StandardScaler().fit_transform(X)
    for k in range(2, 9):
        KMeans(n_clusters=k, n_init=10, random_state=42).fit(Z)
    """
)


def generate(rows: int, folder: Path) -> Path:
    """Customers from 6 groups with different spending profiles, as one Parquet file and as a
    folder of 4 parts."""
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, size=(6, N_FEATURES))
    groups = rng.integers(0, 6, rows)
    values = centres[groups] + rng.normal(size=(rows, N_FEATURES))
    frame = pd.DataFrame(values, columns=[f"feature_{i}" for i in range(N_FEATURES)])
    frame.insert(0, "customer_id", np.arange(rows))
    parquet = folder / "customers.parquet"
    frame.to_parquet(parquet, index=False)
    (folder / "parts").mkdir()
    for part, chunk in enumerate(np.array_split(np.arange(rows), 4)):
        frame.iloc[chunk].to_parquet(folder / "parts" / f"part-{part}.parquet", index=False)
    return parquet


def process(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of ``command`` run as a fresh process.

    The peak is sampled every 10 ms (a forked child's kernel high-water mark would include this
    large parent's memory).
    """
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    watched = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):
            peak = max(peak, watched.memory_info().rss)
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    if child.returncode != 0:
        raise SystemExit(f"{command} failed: {child.stderr.read().decode()[-2000:]}")
    return elapsed, peak / 2**20


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def goal(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x (goal <= {target}x: {'met' if ratio <= target else 'NOT met'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="custseg-scale-"))
    os.environ["CUSTSEG_CACHE_DIR"] = str(folder / "cache")
    parquet = generate(args.rows, folder)
    bare_script = folder / "bare.py"
    bare_script.write_text(BARE)
    matrix_mb = args.rows * N_FEATURES * 8 / 2**20

    from custseg import io

    csv = folder / "customers.csv"
    pd.read_parquet(parquet).to_csv(csv, index=False)
    loads = {
        "CSV first read": timed(lambda: io.read_table(csv)),
        "CSV again (columnar cache)": timed(lambda: io.read_table(csv)),
        "Parquet file": timed(lambda: io.read_table(parquet)),
        "Parquet folder (4 parts)": timed(lambda: io.read_table(folder / "parts")),
        "pandas.read_csv alone": timed(lambda: pd.read_csv(csv)),
    }

    ours_command = [
        *(sys.executable, "-m", "custseg", "segment", str(parquet)),
        *("--k-range", "2-8", "--k", "4", "--bootstrap", "0", "--transform", "none"),
        *("--out", str(folder / "run")),
    ]
    bare_runs, our_runs = [], []
    for _ in range(args.repeat):  # interleaved, so both see the same machine load
        bare_runs.append(process([sys.executable, str(bare_script), str(parquet)]))
        our_runs.append(process(ours_command))
    bare_time = statistics.median(t for t, _ in bare_runs)
    bare_peak = statistics.median(m for _, m in bare_runs)
    our_time = statistics.median(t for t, _ in our_runs)
    our_peak = statistics.median(m for _, m in our_runs)
    outputs = {p.name: p.stat().st_size / 2**20 for p in sorted((folder / "run").iterdir())}

    print(f"{args.rows:,} rows x {N_FEATURES} features ({matrix_mb:.0f} MB as float64)")
    print("load: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in loads.items()))
    print(
        f"end to end, k=2..8, n_init 10, medians of {args.repeat}: bare scikit-learn "
        f"{bare_time:.1f} s / {bare_peak:.0f} MB peak; custseg segment {our_time:.1f} s / "
        f"{our_peak:.0f} MB peak"
    )
    time_goal = 1.3 if args.rows <= 1_000_000 else 2.0
    print(f"wall time: {goal(our_time / bare_time, time_goal)} bare")
    print(f"peak memory: {goal(our_peak / bare_peak, 1.5)} bare")
    print("run folder: " + ", ".join(f"{name} {mb:.1f} MB" for name, mb in outputs.items()))
    report_mb = outputs.get("figures.html", 0)
    print(f"report {report_mb:.1f} MB (goal: a few MB: {'met' if report_mb < 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
