"""The dashboard over HTTP under gunicorn: k moves from 1 and from 20 concurrent clients.

Starts the documented production server (gunicorn, 2 workers) on the SCF, warms both workers,
then replays the segments callback as the browser does (``POST /_dash-update-component`` with
``k`` as the changed input) for every k of 2..12 and both positions of the trimmed toggle: first
from one client, then from 20 clients at once. Prints p50/p95 latencies, the bytes of a k move's
answer against a full answer, and the seed app's way of answering the same moves (reselect, refit,
rescore, re-project) timed in this process.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_dashboard.py [--rounds 3]

Goals: p95 < 50 ms for one client and < 250 ms for 20 concurrent clients on 2 workers.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import requests
from scipy.stats.mstats import trimmed_var
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from custseg.dashboard import ids
from custseg.dashboard.callbacks import CONTROLS, SEGMENT_OUTPUTS, controls_from_state
from custseg.dashboard.state import ViewState
from custseg.datasets import load_dataset

KS = range(2, 13)


def callback_key(base: str) -> str:
    dependencies = requests.get(f"{base}/_dash-dependencies", timeout=30).json()
    return next(d["output"] for d in dependencies if f"{ids.METRICS}.children" in d["output"])


def payload(key: str, state: ViewState, changed: str = ids.K) -> dict:
    values = controls_from_state(state)
    return {
        "output": key,
        "outputs": [{"id": i, "property": p} for i, p in SEGMENT_OUTPUTS],
        "inputs": [
            {"id": i, "property": p, "value": v} for (i, p), v in zip(CONTROLS, values, strict=True)
        ],
        "changedPropIds": [f"{changed}.value"],
        "state": [],
    }


def seed_high_var_features(frame, trimmed: bool) -> list[str]:
    scores = frame.apply(trimmed_var) if trimmed else frame.var()
    return scores.sort_values().tail(5).index.to_list()


def seed_model(frame, trimmed: bool, k: int):
    X = frame[seed_high_var_features(frame, trimmed)]
    model = make_pipeline(StandardScaler(), KMeans(n_clusters=k, n_init=10, random_state=42))
    return X, model.fit(X)


def seed_style_move(frame, trimmed: bool, k: int) -> None:
    """What the seed app computes when k moves: its metrics and scatter callbacks, each of which
    reselects features and refits from scratch."""
    X, model = seed_model(frame, trimmed, k)  # metrics callback
    silhouette_score(X, model[-1].labels_)
    X = frame[seed_high_var_features(frame, trimmed)]  # scatter callback
    PCA(n_components=2, random_state=42).fit_transform(X)
    seed_model(frame, trimmed, k)


def percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50)) * 1000, float(np.percentile(times, 95)) * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "--workers", str(workers)),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "300"),
            "custseg.dashboard.app:create_server()",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and server.poll() is None:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5).raise_for_status()
            return server
        except requests.RequestException:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("gunicorn did not start")


def moves(url: str, key: str, rounds: int) -> list[float]:
    """One client moving k through 2..12 and back, in both toggle states, ``rounds`` times."""
    session = requests.Session()
    latencies = []
    for _ in range(rounds):
        for trimmed in (True, False):
            for k in KS:
                body = payload(key, ViewState(weighted=False, trimmed=trimmed, k=k))
                start = time.perf_counter()
                response = session.post(url, json=body, timeout=60)
                latencies.append(time.perf_counter() - start)
                response.raise_for_status()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("CUSTSEG_CACHE_DIR", tempfile.mkdtemp(prefix="custseg-bench-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    server = start_gunicorn(port, args.workers)
    try:
        url = f"{base}/_dash-update-component"
        key = callback_key(base)
        session = requests.Session()
        for _ in range(5 * args.workers):  # every worker computes both sweeps and every view
            for trimmed in (True, False):
                for k in KS:
                    state = ViewState(weighted=False, trimmed=trimmed, k=k)
                    session.post(url, json=payload(key, state), timeout=600).raise_for_status()
        warm_up = time.perf_counter() - start
        state = ViewState(weighted=False, k=5)
        full = len(session.post(url, json=payload(key, state, ids.TRIMMED)).content)
        moved = len(session.post(url, json=payload(key, state)).content)
        single = moves(url, key, args.rounds)
        with ThreadPoolExecutor(args.clients) as pool:
            many = [
                t
                for ts in pool.map(lambda _: moves(url, key, args.rounds), range(args.clients))
                for t in ts
            ]
    finally:
        server.terminate()
        server.wait(timeout=30)

    scf = load_dataset("scf2019").frame
    owners = scf[(scf["HBUS"] == 1) & (scf["INCOME"] < 500_000)]
    seed_times = []
    for trimmed in (True, False):
        for k in KS:
            start = time.perf_counter()
            seed_style_move(owners, trimmed, k)
            seed_times.append(time.perf_counter() - start)

    p50, p95 = percentiles(single)
    many50, many95 = percentiles(many)
    seed50, seed95 = percentiles(seed_times)
    print(f"gunicorn, {args.workers} workers; start and warm-up {warm_up:.1f} s")
    print(f"answer to a k move {moved / 1e3:.0f} kB; to another control {full / 1e3:.0f} kB")
    print(
        f"1 client, {len(single)} k moves: p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(goal p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'})"
    )
    print(
        f"{args.clients} concurrent clients, {len(many)} k moves: p50 {many50:.0f} ms, "
        f"p95 {many95:.0f} ms (goal p95 < 250 ms: {'met' if many95 < 250 else 'NOT met'})"
    )
    print(
        f"seed-style recompute, {len(seed_times)} moves in one process: p50 {seed50:.0f} ms, "
        f"p95 {seed95:.0f} ms ({seed95 / p95:.0f}x the 1-client p95)"
    )


if __name__ == "__main__":
    main()
