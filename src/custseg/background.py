"""A call that runs in a daemon thread while the caller does other work."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

R = TypeVar("R")


class Background(Generic[R]):
    """``function()`` in a daemon thread (an error elsewhere does not wait for it);
    :meth:`result` waits and returns its value or raises its exception."""

    def __init__(self, function: Callable[[], R]) -> None:
        self._outcome: tuple[bool, object] | None = None

        def run() -> None:
            try:
                self._outcome = (True, function())
            except BaseException as exc:  # re-raised in the caller's thread
                self._outcome = (False, exc)

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def result(self) -> R:
        self._thread.join()
        succeeded, value = self._outcome
        if not succeeded:
            raise value
        return value
