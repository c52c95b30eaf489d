"""How many native (BLAS/OpenMP) threads custseg's fits use, and running independent fits side by
side.

Small fits gain nothing from OpenMP threads and lose everything when the cores are busy (other
users, dashboard workers, notebooks): a thread that waits for a core stalls the whole parallel
loop. So a fit below :data:`SMALL_PROBLEM` values (rows x features) runs on one thread, and a
larger one on the run's thread budget; independent fits (bootstrap resamples, the k of a small
sweep) run side by side, one native thread each, as many at a time as the budget allows.

The budget is, in order: :func:`budget` around the call, the ``CUSTSEG_THREADS`` environment
variable (which the CLI's ``--threads`` sets), or the cores this process may use. Results do not
depend on it: a single-threaded fit is deterministic, and a fit's result does not depend on the
other fits running beside it.

Use it as ``with custseg.threads.budget(2): custseg.segment(...)``.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from custseg.errors import CustsegError

THREADS_ENV = "CUSTSEG_THREADS"
#: Fits of fewer values (rows x features) than this run on one native thread: below it, thread
#: start-up and synchronisation cost more than the work they share.
SMALL_PROBLEM = 2_000_000

_budget: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "custseg_threads", default=None
)
T = TypeVar("T")
R = TypeVar("R")


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def check(threads: int, source: str = "--threads") -> int:
    """``threads`` if it is a usable thread count.

    Raises
    ------
    CustsegError
        Below 1.
    """
    if threads < 1:
        raise CustsegError(
            f"{source} {threads} must be at least 1.",
            hint=f"Use 1 on a busy machine, up to {available_cores()} here.",
        )
    return threads


def current() -> int:
    """The thread budget in force: :func:`budget`, else ``$CUSTSEG_THREADS``, else the cores."""
    chosen = _budget.get()
    if chosen is not None:
        return chosen
    configured = os.environ.get(THREADS_ENV, "").strip()
    if configured:
        try:
            value = int(configured)
        except ValueError:
            raise CustsegError(
                f"{THREADS_ENV}={configured!r} is not a whole number.",
                hint=f"Set it to a thread count such as 1 or {available_cores()}, or unset it.",
            ) from None
        return check(value, THREADS_ENV + "=")
    return available_cores()


def set_process_default(threads: int) -> None:
    """Make ``threads`` this process's budget (as ``CUSTSEG_THREADS`` would): the CLI's
    ``--threads``, which also reaches the threads a server starts."""
    os.environ[THREADS_ENV] = str(check(threads))


@contextlib.contextmanager
def budget(threads: int | None) -> Iterator[int]:
    """Run the block with at most ``threads`` threads (None: the environment or the cores)."""
    token = _budget.set(None if threads is None else check(threads))
    try:
        yield current()
    finally:
        _budget.reset(token)


def for_problem(n_values: int) -> int:
    """Native threads for one fit over ``n_values`` values (rows x features)."""
    return 1 if n_values < SMALL_PROBLEM else current()


@functools.cache
def _controller():
    """One threadpoolctl controller: finding the native libraries takes milliseconds, limiting
    them through a known controller microseconds."""
    import sklearn.cluster  # noqa: F401  (loads the OpenMP runtime the fits use)
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def native(threads: int) -> Iterator[None]:
    """Limit BLAS and OpenMP to ``threads`` threads in this thread for the block.

    threadpoolctl sets OpenMP's limit for the calling thread and BLAS's for the process.
    """
    with _controller().limit(limits=threads):
        yield


@contextlib.contextmanager
def for_fit(n_rows: int, n_features: int) -> Iterator[None]:
    """One fit's native threads, by its size (see :func:`for_problem`)."""
    with native(for_problem(n_rows * n_features)):
        yield


def map_fits(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    n_values: int,
    done: Callable[[], None] | None = None,
) -> list[R]:
    """``[function(item) for item in items]`` for fits over ``n_values`` values each: side by
    side (:func:`parallel_map`) when they are small enough for one native thread, else one after
    another, each on the whole budget. Either way the results are the same (see the module
    docstring); ``function`` must not change data another call reads."""
    if for_problem(n_values) == 1:
        return parallel_map(function, items, done=done)
    results = []
    for item in items:
        results.append(function(item))
        if done is not None:
            done()
    return results


def parallel_map(
    function: Callable[[T], R],
    items: Iterable[T],
    *,
    done: Callable[[], None] | None = None,
) -> list[R]:
    """``[function(item) for item in items]``, up to the thread budget at a time.

    Each call runs with one native thread (and a budget of 1 for what it calls), in a thread of
    this process: the fits release the GIL and share the data without copying it. The results
    keep the items' order; ``done`` is called in the calling thread after each result. Every call
    must be independent of the others and of the order they run in.
    """
    items = list(items)
    workers = min(current(), len(items))

    def single_threaded(item: T) -> R:
        with budget(1), native(1):
            return function(item)

    if workers <= 1:
        results = []
        for item in items:
            results.append(single_threaded(item))
            if done is not None:
                done()
        return results
    from joblib import Parallel, delayed

    results = []
    with native(1):  # BLAS's limit is per process: keep it at 1 while the workers run
        for result in Parallel(n_jobs=workers, backend="threading", return_as="generator")(
            delayed(single_threaded)(item) for item in items
        ):
            results.append(result)
            if done is not None:
                done()
    return results
