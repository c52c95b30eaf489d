"""Text bound for the terminal: user text cut to a readable length, and progress as lines.

Column names, file names and values come from the user's data and can be of any length; the CLI
prints them through these helpers (and with rich's markup and highlighting off), so a
100,000-character column name prints as a short name with an ellipsis instead of stalling the
terminal. A long job's progress goes to a log or a file as a few plain lines
(:class:`ProgressLines`), since a progress bar needs a terminal.
"""

from __future__ import annotations

import errno
import re
import time
from collections.abc import Callable

#: Names (columns, features, segments) are cut to this many characters.
NAME_LIMIT = 60
#: Within a message, a run of characters without a space (a path, a name) is cut to this many.
WORD_LIMIT = 200
#: A whole message is cut to this many characters.
MESSAGE_LIMIT = 2000
ELLIPSIS = "…"
_LONG_WORD = re.compile(rf"\S{{{WORD_LIMIT + 1},}}")


def clip(text: object, limit: int = NAME_LIMIT) -> str:
    """``text`` as a string of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def clip_message(text: object) -> str:
    """A message with every overlong word cut to :data:`WORD_LIMIT` characters and the whole to
    :data:`MESSAGE_LIMIT`."""
    return clip(
        _LONG_WORD.sub(lambda match: clip(match.group(), WORD_LIMIT), str(text)), MESSAGE_LIMIT
    )


def os_error_message(err: OSError) -> tuple[str, str]:
    """The message and hint for an error of the file system (a full disk, a read-only folder)."""
    where = f": {err.filename}" if err.filename else ""
    reason = err.strerror or str(err) or type(err).__name__
    hint = "Nothing was half-written: outputs are replaced only when complete."
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = "Free some disk space, or write the output elsewhere. " + hint
    elif err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "Write the output to a folder you may write to. " + hint
    return f"{reason}{where}.", hint


class ProgressLines:
    """Progress of a long job as plain lines, for output that is not a terminal (CI logs,
    files), where a progress bar would print nothing or garbage.

    A line when the job starts, then at most one every ``interval`` seconds, and one when the
    last step is done: ``Fitting k=2-12 and 10 resamples: 7/21 (33%), 12 s``.

    Parameters
    ----------
    label : str
    total : int or None
        Steps expected (None: unknown, lines count the steps done).
    write : callable
        Prints one line.
    interval : float
        Fewest seconds between two lines.
    clock : callable
        Seconds from a fixed origin (``time.monotonic``).
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        write: Callable[[str], object],
        *,
        interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.label, self.total, self.write = label, total, write
        self.interval, self.clock = interval, clock
        self.done = 0
        self.started = self.last = clock()
        write(f"{label}...")

    def advance(self) -> None:
        """Count one step done; print a line if it is time."""
        self.done += 1
        now = self.clock()
        if self.done == self.total or now - self.last >= self.interval:
            self.last = now
            self.write(self._line(now))

    def _line(self, now: float) -> str:
        elapsed = f"{now - self.started:,.0f} s"
        if not self.total:
            return f"{self.label}: {self.done:,} done, {elapsed}"
        return (
            f"{self.label}: {self.done:,}/{self.total:,} "
            f"({100 * self.done / self.total:.0f}%), {elapsed}"
        )
