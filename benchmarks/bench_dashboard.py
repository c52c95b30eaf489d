"""The dashboard over HTTP: time to interactive, first visits and revisits of every k, 1 and 20
clients on 2 server processes, on the SCF population and on a generated 1M-row table.

For each table it starts a production server (gunicorn, 2 worker processes with 4 threads each;
``--preload``, as the README advises: the opening configuration is computed once before the
workers fork, see ``custseg.dashboard.app.create_server``), then:

- time to interactive: from the server's start until the page is served and the opening view's
  answers have come (the segments and explaining callbacks, sent at once on two connections, as
  the browser does on load);
- early moves: one client moves k over 2..12 once as soon as the page is interactive, on a new
  connection per request (so either worker may answer): what a user who starts at once gets;
- warm-up: until every worker has finished its background precompute (its CPU time has not
  grown for 3 s, which the figure includes) and the status callback says every k of two ways of
  choosing features is ready, on every one of several new connections;
- one client moves k over 2..12 in the opening configuration: the first pass asks for every k
  for the first time (first visits), the later passes revisit;
- 20 clients at once move k over 2..12 with features chosen another way (also precomputed):
  their first pass is the first time the server is asked for those views (each k is asked for
  by 20 clients within moments), the later passes revisit.

Every k move asks for the segments and the explaining callbacks, as the browser does; both
answers count. It prints p50/p95 of each next to its goal, the largest answer of a k move and
of a full view (a feature-choice move), and the seed app's way of answering a k move (reselect,
refit, rescore, re-project) timed in this process. The clients run as threads of this process,
on the same machine as the server.

    CUSTSEG_DATA_DIR=../shared/data python benchmarks/bench_dashboard.py [--rounds 3] [--rows N]
        [--workers 2] [--threads 4] [--no-preload]

Goals: p95 < 50 ms for one client and < 250 ms for 20 on 2 workers, answers < 200 kB, a 1M-row
table interactive in < 60 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import psutil
import requests
from bench_scale import generate
from scipy.stats.mstats import trimmed_var
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from custseg.dashboard import ids
from custseg.dashboard.callbacks import CONTROL_IDS, CONTROLS, controls_from_state
from custseg.dashboard.state import ViewState
from custseg.datasets import load_dataset

KS = range(2, 13)
CLIENTS = 20


@dataclass
class Timings:
    latencies: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    def add(self, other: Timings) -> None:
        self.latencies += other.latencies
        self.sizes += other.sizes

    def summary(self) -> str:
        p50, p95 = (percentile(self.latencies, q) for q in (50, 95))
        return f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, largest answer {max(self.sizes) / 1e3:.0f} kB"


class Dashboard:
    """A running server's callbacks, asked the way the browser asks them."""

    def __init__(self, base: str) -> None:
        self.url = f"{base}/_dash-update-component"
        dependencies = requests.get(f"{base}/_dash-dependencies", timeout=30).json()
        self.callbacks = {
            name: next(d for d in dependencies if f"{component}." in d["output"])
            for name, component in (
                ("segments", ids.METRICS),
                ("explain", ids.EXPLAIN_CONTENT),
                ("status", ids.PRECOMPUTE_STATUS),
            )
        }
        self.defaults = self._opening_state(requests.get(f"{base}/_dash-layout", timeout=30).json())

    @staticmethod
    def _opening_state(layout) -> ViewState:
        """The controls' values in the served page."""
        values, stack = {}, [layout]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                props = node.get("props", {})
                if props.get("id") in CONTROL_IDS.values() and "value" in props:
                    values[props["id"]] = props["value"]
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
        fields = {name: values[control] for name, control in CONTROL_IDS.items()}
        return ViewState(**{**fields, "features": tuple(fields["features"] or ())})

    def body(self, name: str, state: ViewState, changed: str, extra=()) -> dict:
        callback = self.callbacks[name]
        inputs = [
            {"id": i, "property": p, "value": v}
            for (i, p), v in zip(CONTROLS, controls_from_state(state), strict=True)
        ]
        outputs = [
            {"id": o.split(".")[0], "property": o.split(".")[1]}
            for o in callback["output"].strip(".").split("...")
            if o
        ]
        return {
            "output": callback["output"],
            "outputs": outputs if len(outputs) > 1 else outputs[0],
            "inputs": [*extra, *inputs],
            "changedPropIds": [f"{changed}.value"],
            "state": [],
        }

    def ask(self, session, name, state, changed=ids.K, extra=(), timeout=600) -> tuple[float, int]:
        start = time.perf_counter()
        response = session.post(
            self.url, json=self.body(name, state, changed, extra), timeout=timeout
        )
        elapsed = time.perf_counter() - start
        response.raise_for_status()
        return elapsed, len(response.content)

    def ready(self, session, state: ViewState) -> bool:
        tick = [{"id": ids.PRECOMPUTE_TICK, "property": "n_intervals", "value": 1}]
        body = self.body("status", state, ids.PRECOMPUTE_TICK, tick)
        body["changedPropIds"] = [f"{ids.PRECOMPUTE_TICK}.n_intervals"]
        answer = session.post(self.url, json=body, timeout=60).json()
        return answer["response"][ids.PRECOMPUTE_TICK]["disabled"] is True

    def moves(
        self, state: ViewState, rounds: int, start: int = 0, *, fresh: bool = False
    ) -> tuple[Timings, Timings]:
        """k over 2..12 (from the ``start``-th k, wrapping) ``rounds`` times: the first pass and
        the later ones. One kept-alive connection, or a new one per request (``fresh``)."""
        session = requests if fresh else requests.Session()
        ks = [*KS[start:], *KS[:start]]
        passes = []
        for _ in range(rounds):
            timings = Timings()
            for k in ks:
                for name in ("segments", "explain"):
                    elapsed, size = self.ask(session, name, replace(state, k=k))
                    timings.latencies.append(elapsed)
                    timings.sizes.append(size)
            passes.append(timings)
        later = Timings()
        for timings in passes[1:]:
            later.add(timings)
        return passes[0], later


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(
    port: int, source: str | None, server: ServerSetup
) -> tuple[subprocess.Popen, float]:
    """The server and the seconds until it served the page."""
    arguments = [f"source={source!r}"] if source else []
    if server.preload:
        arguments.append("preload=True")
    app = f"create_server({', '.join(arguments)})"
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", *server.options()),
            *("--bind", f"127.0.0.1:{port}", "--timeout", "600"),
            f"custseg.dashboard.app:{app}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and process.poll() is None:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=5).raise_for_status()
            return process, time.perf_counter() - started
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


@dataclass(frozen=True)
class ServerSetup:
    workers: int
    threads: int
    preload: bool

    def options(self) -> list[str]:
        preload = ["--preload"] if self.preload else []
        return ["--workers", str(self.workers), "--threads", str(self.threads), *preload]

    def __str__(self) -> str:
        how = ", --preload" if self.preload else ""
        return f"{self.workers} workers x {self.threads} threads{how}"


def worker_cpu(server: subprocess.Popen) -> dict[int, float]:
    """CPU seconds of every process of the server (the master and its workers)."""
    master = psutil.Process(server.pid)
    seconds = {}
    for process in (master, *master.children()):
        with contextlib.suppress(psutil.NoSuchProcess):
            times = process.cpu_times()
            seconds[process.pid] = times.user + times.system
    return seconds


def server_memory(server: subprocess.Popen) -> float:
    """MB of memory of the server's processes, pages they share counted once (the sum of their
    proportional set sizes: a forked worker shares the pages it has not written)."""
    master = psutil.Process(server.pid)
    return sum(p.memory_full_info().pss for p in (master, *master.children())) / 2**20


def wait_until_idle(server: subprocess.Popen, quiet: float = 3.0, timeout: float = 900) -> None:
    """Until no process of the server has used more than a few percent of a core for ``quiet``
    seconds: every worker's background precompute is done."""
    deadline = time.monotonic() + timeout
    last, quiet_since = worker_cpu(server), time.monotonic()
    while time.monotonic() - quiet_since < quiet:
        if time.monotonic() > deadline:
            raise SystemExit("the server's workers did not finish precomputing")
        time.sleep(0.5)
        now = worker_cpu(server)
        if now.keys() != last.keys() or any(now[p] - last[p] > 0.02 for p in now):
            quiet_since = time.monotonic()
        last = now


def every_worker_ready(dashboard: Dashboard, states: list[ViewState], asks: int = 8) -> bool:
    """Whether the status callback says every k of ``states`` is ready on ``asks`` new
    connections each (the server's processes answer in turn, and each has its own caches)."""
    return all(dashboard.ready(requests, state) for state in states for _ in range(asks))


def percentile(latencies: list[float], q: float) -> float:
    return float(np.percentile(latencies, q)) * 1000


def measure(name: str, source: str | None, rounds: int, server_setup: ServerSetup) -> Timings:
    port = free_port()
    started = time.perf_counter()
    server, page = start_gunicorn(port, source, server_setup)
    try:
        dashboard = Dashboard(f"http://127.0.0.1:{port}")
        state = dashboard.defaults
        # the opening view, as the page asks on load: both callbacks at once
        with ThreadPoolExecutor(2) as pool:
            list(
                pool.map(
                    lambda callback: dashboard.ask(requests, callback, state, changed=ids.URL),
                    ("segments", "explain"),
                )
            )
        interactive = time.perf_counter() - started
        early, _ = dashboard.moves(state, 1, fresh=True)
        # another way of choosing features, also precomputed
        other = replace(state, select="variance" if state.select != "variance" else "auto")
        wait_until_idle(server)
        while not every_worker_ready(dashboard, [state, other]):
            time.sleep(1)
            wait_until_idle(server)
        warm = time.perf_counter() - started
        memory, cpu = server_memory(server), sum(worker_cpu(server).values())
        full = dashboard.ask(requests.Session(), "segments", other, changed=ids.SELECT)[1]
        first, again = dashboard.moves(state, rounds)
        with ThreadPoolExecutor(CLIENTS) as pool:
            results = list(
                pool.map(lambda c: dashboard.moves(other, rounds, start=c % 11), range(CLIENTS))
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    many_first, many_again = Timings(), Timings()
    for client_first, client_again in results:
        many_first.add(client_first)
        many_again.add(client_again)

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    def line(label: str, timings: Timings, goal_ms: float, goal: str) -> str:
        ok = percentile(timings.latencies, 95) < goal_ms
        return f"  {label:<27}{timings.summary()} ({goal}: {verdict(ok)})"

    one, many = "goal p95 < 50 ms for one client", f"goal p95 < 250 ms for {CLIENTS} on 2 workers"
    largest = max(first.sizes + again.sizes + many_first.sizes + many_again.sizes + [full])
    print(f"{name}, gunicorn {server_setup}:")
    print(
        f"  page served after {page:.1f} s, interactive after {interactive:.1f} s "
        f"(goal for 1M rows < 60 s: {verdict(interactive < 60)}), every worker's every k of "
        f"both configurations ready after {warm:.1f} s (server CPU time then {cpu:.0f} s, "
        f"memory {memory:.0f} MB, all processes, shared pages once)"
    )
    print(f"  {'k moves right after that:':<27}{early.summary()}")
    print(line("1 client, first visits:", first, 50, one))
    print(line("1 client, revisits:", again, 50, one))
    print(line(f"{CLIENTS} clients, first pass:", many_first, 250, many))
    print(line(f"{CLIENTS} clients, revisits:", many_again, 250, many))
    print(
        f"  largest answer {largest / 1e3:.0f} kB, full answer (feature-choice move) "
        f"{full / 1e3:.0f} kB (goal answers < 200 kB: {verdict(largest < 200_000)})"
    )
    return first


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated table (0: skip)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--no-preload", dest="preload", action="store_false", help="each worker loads the app"
    )
    args = parser.parse_args()
    server = ServerSetup(args.workers, args.threads, args.preload)
    folder = Path(tempfile.mkdtemp(prefix="custseg-bench-dashboard-"))
    os.environ.setdefault("CUSTSEG_CACHE_DIR", str(folder / "cache"))
    scf_first = measure("SCF 2019, small-business owners", None, args.rounds, server)
    if args.rows:
        parquet = generate(args.rows, folder)
        table = f"generated table, {args.rows:,} rows x 8 features"
        measure(table, str(parquet), args.rounds, server)

    scf = load_dataset("scf2019").frame
    owners = scf[(scf["HBUS"] == 1) & (scf["INCOME"] < 500_000)]
    seed_times = []
    for trimmed in (True, False):
        for k in KS:
            start = time.perf_counter()
            seed_style_move(owners, trimmed, k)
            seed_times.append(time.perf_counter() - start)
    seed95, ours95 = percentile(seed_times, 95), percentile(scf_first.latencies, 95)
    print(
        f"seed-style recompute of a k move, in this process: p50 "
        f"{np.percentile(seed_times, 50) * 1000:.0f} ms, p95 {seed95:.0f} ms "
        f"({seed95 / ours95:.0f}x the SCF first-visit p95)"
    )


if __name__ == "__main__":
    main()
