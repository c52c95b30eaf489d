"""Every k of a configuration computed ahead of the user, by one background thread.

Once a configuration's sweep is done, each k's view (segments, profiles, personas, figures, the
rules and explaining charts) is computed in the order a user is likely to reach it: the k the page
shows, the recommended k, then its neighbours outward. The results land in the analysis' caches,
so moving the k slider is a lookup whether or not that k was visited before.

One thread does all of it, on the process' thread budget (:mod:`custseg.threads`), so a busy
server is not oversubscribed; a request that arrives before the thread reaches its k computes it
itself (the analysis computes each key once, whoever asks first). The configurations asked for
most recently go first; at most :data:`MAX_PENDING` wait, older ones are dropped.

A server that loads the application once and forks its workers from it (gunicorn
``--preload``) gets workers that carry on where the loading process was: a fork waits until the
thread is between two steps (so it holds no lock a worker would wait on forever), and each
worker starts its own thread on the work left (threads do not survive a fork).
:meth:`Precomputer.compute_before_fork` computes a configuration in the loading process itself,
so that every worker starts with it ready.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from custseg import threads
from custseg.dashboard.state import K_MAX, K_MIN, ViewState
from custseg.errors import CustsegError

T = TypeVar("T")

#: Configurations waiting for the background thread; a new request pushes out the oldest.
MAX_PENDING = 4
#: Configurations whose progress is remembered (for the status line).
MAX_REMEMBERED = 64

log = logging.getLogger(__name__)
#: Every precomputer of this process, paused and restarted around a fork.
_live: weakref.WeakSet[Precomputer] = weakref.WeakSet()
_forking: list[Precomputer] = []


def precompute_order(recommended: int, ks: Sequence[int], *, first: int | None = None) -> list[int]:
    """The swept ``ks`` in the order they are computed: ``first`` (the k the page shows), the
    recommended k, then its neighbours outward (one below, one above, two below...).

    >>> precompute_order(4, range(2, 8), first=3)
    [3, 4, 5, 2, 6, 7]
    """
    swept = set(ks)
    order = [first] if first in swept else []
    for k in sorted(swept, key=lambda k: (abs(k - recommended), k)):
        if k not in order:
            order.append(k)
    return order


@dataclass(frozen=True)
class Progress:
    """How many of a configuration's k are ready, of how many."""

    ready: int
    total: int

    @property
    def done(self) -> bool:
        return self.ready >= self.total


class Precomputer:
    """The background thread that fills the caches for every k of the configurations asked for.

    Parameters
    ----------
    resolve : callable
        ``resolve(state)``: the configuration a state resolves to (states that resolve alike are
        computed once).
    sweep : callable
        ``sweep(state)``: the recommended k of the state's sweep and every k it fitted
        (computing the sweep).
    steps : sequence of callables
        Called with the state at every k, in :func:`precompute_order`; their results are
        cached by their owners (the analysis, the explaining view).
    thread_budget : int, optional
        Native threads the background work may use (default: the process' budget).
    """

    def __init__(
        self,
        *,
        resolve: Callable[[ViewState], Hashable],
        sweep: Callable[[ViewState], tuple[int, Sequence[int]]],
        steps: Sequence[Callable[[ViewState], Any]],
        thread_budget: int | None = None,
    ) -> None:
        self._resolve = resolve
        self._sweep = sweep
        self._steps = tuple(steps)
        self._budget = thread_budget or threads.current()
        self._pending: deque[ViewState] = deque()
        self._ready: OrderedDict[Hashable, set[int]] = OrderedDict()
        self._condition = threading.Condition()
        self._busy = False
        self._current: ViewState | None = None
        self._totals: dict[Hashable, int] = {}
        self._thread: threading.Thread | None = None
        self._paused = False  # for a fork, between two steps
        self._in_step = False
        _live.add(self)

    def request(self, state: ViewState, *, urgent: bool = True, start: bool = True) -> None:
        """Compute every k of ``state``'s configuration in the background (no-op when done or
        waiting). ``urgent`` puts it first in line, else last. ``start=False`` only queues it,
        for the thread a forked worker starts (or the next request, or the next question about
        progress)."""
        try:
            key = self._resolve(state)
        except CustsegError:
            return  # nothing to compute; the view shows the message
        with self._condition:
            known = {s.sweep_key() for s in (self._current, *self._pending) if s is not None}
            if state.sweep_key() in known or self._progress(key).done:
                return
            if urgent:
                self._pending.appendleft(state)
            else:
                self._pending.append(state)
            while len(self._pending) > MAX_PENDING:
                self._pending.pop()
            if start:
                self._start()
            self._condition.notify()

    def compute_before_fork(self, state: ViewState) -> None:
        """Compute every k of ``state``'s configuration now, in the calling thread, on one
        native thread: an OpenMP runtime that has run threads hangs in a forked child the first
        time it runs threads again, so a process whose workers fork from it must not use more
        than one."""
        with threads.budget(1), threads.native(1):
            self._compute(state)

    def _start(self) -> None:
        """Start the thread if it is not running (called with the condition held)."""
        if self._pending and (self._thread is None or not self._thread.is_alive()):
            self._thread = threading.Thread(
                target=self._run, name="custseg-precompute", daemon=True
            )
            self._thread.start()

    def progress(self, state: ViewState) -> Progress:
        """How far the background work on ``state``'s configuration is (starting the thread if
        work is waiting for one)."""
        key = self._resolve(state)
        with self._condition:
            self._start()
            return self._progress(key)

    def _before_fork(self) -> None:
        """Hold the thread between two steps, and this object's lock, until the fork is done
        (unless the thread itself forks, in a step)."""
        self._condition.acquire()
        self._paused = True
        if threading.current_thread() is not self._thread:
            self._condition.wait_for(lambda: not self._in_step)

    def _after_fork_in_parent(self) -> None:
        self._paused = False
        self._condition.notify_all()
        self._condition.release()

    def _after_fork_in_child(self) -> None:
        """The thread did not come along: a new lock (the old one's waiters are gone), the
        configuration it was on back at the head of the line, and a thread of this process."""
        self._condition = threading.Condition()
        self._paused = False
        if self._current is not None:
            self._pending.appendleft(self._current)
        self._busy, self._current, self._thread = False, None, None
        with self._condition:
            self._start()

    def _progress(self, key: Hashable) -> Progress:
        total = self._totals.get(key, K_MAX - K_MIN + 1)
        return Progress(len(self._ready.get(key, ())), total)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until nothing is pending (True) or ``timeout`` seconds passed (False)."""
        with self._condition:
            return self._condition.wait_for(
                lambda: not self._pending and not self._busy, timeout=timeout
            )

    def _run(self) -> None:
        with threads.budget(self._budget):
            while True:
                with self._condition:
                    self._condition.wait_for(lambda: bool(self._pending))
                    state = self._pending.popleft()
                    self._busy, self._current = True, state
                try:
                    self._compute(state)
                except CustsegError:
                    pass  # the request that asks for this view shows the message
                except Exception:  # a failed configuration must not stop the others
                    log.exception("precomputing the dashboard views of %s failed", state)
                finally:
                    with self._condition:
                        self._busy, self._current = False, None
                        self._condition.notify_all()

    def _step(self, function: Callable[[ViewState], T], state: ViewState) -> T:
        """``function(state)``, unless a fork is under way: then after it."""
        with self._condition:
            self._condition.wait_for(lambda: not self._paused)
            self._in_step = True
        try:
            return function(state)
        finally:
            with self._condition:
                self._in_step = False
                self._condition.notify_all()

    def _compute(self, state: ViewState) -> None:
        key = self._step(self._resolve, state)
        recommended, ks = self._step(self._sweep, state)
        with self._condition:
            self._totals[key] = len(ks)
            self._ready.setdefault(key, set())
            self._ready.move_to_end(key)
            while len(self._ready) > MAX_REMEMBERED:
                self._totals.pop(self._ready.popitem(last=False)[0], None)
        for k in precompute_order(recommended, ks, first=state.k):
            moved = replace(state, k=k)
            for step in self._steps:
                self._step(step, moved)
            with self._condition:
                self._ready.setdefault(key, set()).add(k)


def _before_fork() -> None:
    _forking[:] = list(_live)
    for precomputer in _forking:
        precomputer._before_fork()


def _after_fork_in_parent() -> None:
    for precomputer in _forking:
        precomputer._after_fork_in_parent()
    _forking.clear()


def _after_fork_in_child() -> None:
    for precomputer in _forking:
        precomputer._after_fork_in_child()
    _forking.clear()


os.register_at_fork(
    before=_before_fork,
    after_in_parent=_after_fork_in_parent,
    after_in_child=_after_fork_in_child,
)
