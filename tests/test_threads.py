"""Native threads by problem size, the --threads budget, and results that do not depend on it."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from custseg import threads
from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.segmentation import SegmentationConfig, finish, prepare, run_sweep


def _openmp_threads() -> int:
    return next(i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp")


@pytest.fixture
def customers():
    rng = np.random.default_rng(1)
    centres = rng.normal(0, 4, size=(4, 3))
    values = centres[rng.integers(0, 4, 600)] + rng.normal(size=(600, 3))
    import pandas as pd

    frame = pd.DataFrame(values, columns=["spend", "visits", "tenure"])
    return from_frame(frame.assign(customer=np.arange(600)), name="customers")


def test_budget_precedence(monkeypatch):
    monkeypatch.setenv(threads.THREADS_ENV, "3")
    assert threads.current() == 3
    with threads.budget(1):
        assert threads.current() == 1
    with threads.budget(None):
        assert threads.current() == 3
    monkeypatch.delenv(threads.THREADS_ENV)
    assert threads.current() == threads.available_cores()


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_bad_environment_value_is_a_clear_error(monkeypatch, value):
    monkeypatch.setenv(threads.THREADS_ENV, value)
    with pytest.raises(CustsegError, match=threads.THREADS_ENV):
        threads.current()


def test_small_fits_use_one_native_thread_large_ones_the_budget():
    with threads.budget(2):
        assert threads.for_problem(10_000) == 1
        assert threads.for_problem(threads.SMALL_PROBLEM) == 2
        with threads.for_fit(500, 4):
            assert _openmp_threads() == 1
    with threads.budget(1):
        assert threads.for_problem(10 * threads.SMALL_PROBLEM) == 1


def test_parallel_map_keeps_order_reports_progress_and_limits_each_worker():
    seen = []

    def work(item):
        return item * 10, _openmp_threads(), threads.current()

    with threads.budget(2):
        results = threads.parallel_map(work, range(6), done=lambda: seen.append(1))
    assert [r[0] for r in results] == [0, 10, 20, 30, 40, 50]
    assert {r[1] for r in results} == {1}  # one native thread per worker
    assert {r[2] for r in results} == {1}  # and what a worker calls gets a budget of 1
    assert len(seen) == 6


def test_results_do_not_depend_on_threads(customers):
    config = SegmentationConfig(k_range=(2, 5), bootstrap=4, n_init=3, transform="none")
    runs = []
    for count in (1, 2, 3):
        with threads.budget(count):
            prepared = prepare(customers, config)
            result = finish(prepared, run_sweep(prepared), k=4)
        runs.append(result)
    first = runs[0]
    for other in runs[1:]:
        np.testing.assert_array_equal(other.segments, first.segments)
        assert other.sweep.table.equals(first.sweep.table)  # inertia, metrics and stability
        np.testing.assert_array_equal(other.pca.to_numpy(), first.pca.to_numpy())


def test_cli_threads_option_is_checked(tmp_path, capsys, shared_data):
    from custseg.cli import run

    source = str(shared_data / "customers" / "mall_customers.csv")
    assert run(["segment", source, "--out", str(tmp_path / "o"), "--threads", "0"]) == 1
    assert "--threads 0 must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
