"""Replay the dashboard's own callbacks over HTTP and compare with a seed-style recompute.

For every k of 2..12 and both positions of the trimmed toggle, POST the segments callback to
``/_dash-update-component`` (as the browser does) and time the server's answer; then time the
seed app's way of answering the same move (reselect features, refit, rescore, re-project) in the
same process.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_dashboard.py [--rounds 5]

Target: p95 under 50 ms after warm-up, at least 20x faster than the seed-style path.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import threading
import time

import numpy as np
import requests
from scipy.stats.mstats import trimmed_var
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from werkzeug.serving import make_server

from custseg.dashboard import create_app, ids
from custseg.dashboard.callbacks import CONTROLS, SEGMENT_OUTPUTS, controls_from_state
from custseg.dashboard.state import ViewState
from custseg.datasets import load_dataset

KS = range(2, 13)


def callback_key(app) -> str:
    return next(key for key in app.callback_map if f"{ids.METRICS}.children" in key)


def payload(key: str, state: ViewState) -> dict:
    values = controls_from_state(state)
    return {
        "output": key,
        "outputs": [{"id": i, "property": p} for i, p in SEGMENT_OUTPUTS],
        "inputs": [
            {"id": i, "property": p, "value": v} for (i, p), v in zip(CONTROLS, values, strict=True)
        ],
        "changedPropIds": [f"{ids.K}.value"],
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("CUSTSEG_CACHE_DIR", tempfile.mkdtemp(prefix="custseg-bench-"))

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = create_app("scf2019", warm=False)
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/_dash-update-component"
    key = callback_key(app)
    session = requests.Session()

    start = time.perf_counter()
    for trimmed in (True, False):
        for k in KS:  # warm-up: the first request of a configuration computes its sweep
            session.post(
                url, json=payload(key, ViewState(weighted=False, trimmed=trimmed, k=k))
            ).raise_for_status()
    warm_up = time.perf_counter() - start

    latencies = []
    for _ in range(args.rounds):
        for trimmed in (True, False):
            for k in KS:
                body = payload(key, ViewState(weighted=False, trimmed=trimmed, k=k))
                start = time.perf_counter()
                response = session.post(url, json=body)
                latencies.append(time.perf_counter() - start)
                response.raise_for_status()
    server.shutdown()

    scf = load_dataset("scf2019").frame
    owners = scf[(scf["HBUS"] == 1) & (scf["INCOME"] < 500_000)]
    seed_times = []
    for trimmed in (True, False):
        for k in KS:
            start = time.perf_counter()
            seed_style_move(owners, trimmed, k)
            seed_times.append(time.perf_counter() - start)

    p50, p95 = percentiles(latencies)
    seed50, seed95 = percentiles(seed_times)
    print(f"warm-up (2 sweeps + first views): {warm_up:.2f} s")
    print(f"dashboard over HTTP, {len(latencies)} callbacks: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    print(
        f"seed-style recompute, {len(seed_times)} moves: p50 {seed50:.0f} ms, p95 {seed95:.0f} ms"
    )
    print(
        f"ratio p50 {seed50 / p50:.0f}x, p95 {seed95 / p95:.0f}x faster; target p95 < 50 ms: "
        f"{'met' if p95 < 50 else 'NOT met'}; target >= 20x: "
        f"{'met' if seed95 / p95 >= 20 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
