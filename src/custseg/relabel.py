"""An analyst's edit of a segmentation: rename segments, merge segments, renumber by size.

Pure: it checks the edit against the current segments and says which new segment every old one
becomes. Applying it to a run folder (recomputing profiles and the rest) is
:mod:`custseg.run_edit`'s job.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from custseg.errors import CustsegError

#: Longest segment name accepted (it becomes a column value, a file name and a heading).
MAX_NAME_LENGTH = 60


@dataclass(frozen=True)
class SegmentEdit:
    """Renames and merges of segments 1..k_before, and the new numbering they lead to.

    Attributes
    ----------
    new_segment : ndarray of shape (k_before,)
        The new number (1..k_after) of old segment ``i`` at position ``i - 1``; new numbers
        run from the largest segment (by weighted size) down.
    names : dict of int to str or None
        The new segments' names: given with ``--name``, kept from before for a segment that
        is neither renamed nor merged, or None (merged without a name: named afresh from its
        recomputed profile).
    renamed : dict of int to str
        Given names, by old segment number.
    merged : list of list of int
        The merged groups, by old segment numbers.
    """

    new_segment: np.ndarray
    names: dict[int, str | None]
    renamed: dict[int, str]
    merged: list[list[int]]

    @property
    def k_before(self) -> int:
        return int(self.new_segment.size)

    @property
    def k_after(self) -> int:
        return int(self.new_segment.max())

    def apply(self, segments: np.ndarray) -> np.ndarray:
        """New segment numbers of shape (n_samples,) for old ones (1..k_before)."""
        return self.new_segment[np.asarray(segments, dtype=int) - 1]

    def description(self) -> str:
        """The edit in a sentence, for the report."""
        parts = [
            f"merged segments {' and '.join(map(str, group))} into segment "
            f"{self.new_segment[group[0] - 1]}"
            for group in self.merged
        ]
        parts += [
            f'renamed segment {old} (now {self.new_segment[old - 1]}) to "{name}"'
            for old, name in self.renamed.items()
        ]
        return f"Edited: {'; '.join(parts)} ({self.k_before} segments to {self.k_after})."

    def record(self) -> dict[str, Any]:
        """The edit as an entry of the run's ``edits`` history."""
        return {
            "at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "description": self.description(),
            "renamed": {str(old): name for old, name in self.renamed.items()},
            "merged": [list(group) for group in self.merged],
            "k_before": self.k_before,
            "k_after": self.k_after,
            "renumbered": {str(old): int(new) for old, new in enumerate(self.new_segment, start=1)},
        }


def _segment_number(text: str, option: str, k: int) -> int:
    text = text.strip()
    if not re.fullmatch(r"\d+", text):
        raise CustsegError(
            f"{option} {text!r}: segments are named by their number.",
            hint='For example --name 2="Debt-laden founders" --merge 4,5',
        )
    number = int(text)
    if not 1 <= number <= k:
        raise CustsegError(
            f"{option}: there is no segment {number}; this run has segments 1-{k}.",
            hint="See the run's profiles.csv for the segments and their numbers.",
        )
    return number


def check_name(name: str) -> str:
    """``name`` stripped, after checking it is usable as a segment name.

    Raises
    ------
    CustsegError
        If it is empty, longer than :data:`MAX_NAME_LENGTH` or holds control characters.
    """
    name = name.strip()
    if not name:
        raise CustsegError("--name: a segment name cannot be empty.")
    if len(name) > MAX_NAME_LENGTH:
        raise CustsegError(
            f"--name: {name[:20]!r}... is {len(name)} characters long; the limit is "
            f"{MAX_NAME_LENGTH}.",
            hint="Shorten it; the description says the rest.",
        )
    if any(unicodedata.category(c).startswith("C") for c in name):
        raise CustsegError("--name: a segment name cannot hold control characters.")
    return name


def parse_renames(items: Iterable[str], k: int) -> dict[int, str]:
    """``["2=Debt-laden founders"]`` as {2: "Debt-laden founders"}, checked against 1..k."""
    renames: dict[int, str] = {}
    for item in items:
        number, sep, name = item.partition("=")
        if not sep:
            raise CustsegError(
                f"--name {item!r} needs SEGMENT=NAME.",
                hint='For example --name 2="Debt-laden founders"',
            )
        segment = _segment_number(number, "--name", k)
        if segment in renames:
            raise CustsegError(f"--name gives segment {segment} two names; give it one.")
        renames[segment] = check_name(name)
    return renames


def parse_merges(items: Iterable[str], k: int) -> list[list[int]]:
    """``["4,5"]`` as [[4, 5]], checked: two or more segments each, none in two groups."""
    groups: list[list[int]] = []
    seen: set[int] = set()
    for item in items:
        group = sorted({_segment_number(part, "--merge", k) for part in item.split(",")})
        if len(group) < 2:
            raise CustsegError(
                f"--merge {item!r} names one segment; a merge needs two or more.",
                hint="For example --merge 4,5",
            )
        if twice := seen.intersection(group):
            raise CustsegError(
                f"--merge: segment {min(twice)} is in two merge groups.",
                hint="List each group once, e.g. --merge 3,4,5",
            )
        seen.update(group)
        groups.append(group)
    return groups


def plan_edit(
    sizes: Sequence[float],
    names: Mapping[int, str],
    *,
    renames: Mapping[int, str],
    merges: Sequence[Sequence[int]],
) -> SegmentEdit:
    """Check an edit of segments 1..k and work out the new numbering.

    Parameters
    ----------
    sizes : array-like of shape (k,)
        The (weighted) size of every current segment; merged sizes add up.
    names : mapping of int to str
        The current names.
    renames, merges
        From :func:`parse_renames` and :func:`parse_merges`.

    Raises
    ------
    CustsegError
        For an edit that changes nothing, leaves fewer than 2 segments, gives one merged
        segment two names, or gives two segments the same name.
    """
    k = len(sizes)
    if not renames and not merges:
        raise CustsegError(
            "Nothing to change.", hint='Give --name 2="New name" and/or --merge 4,5.'
        )
    group_of = {s: min(group) for group in merges for s in group}
    leaders = sorted({group_of.get(s, s) for s in range(1, k + 1)})
    if len(leaders) < 2:
        raise CustsegError(
            f"Merging {', '.join(map(str, range(1, k + 1)))} would leave a single segment.",
            hint="Keep at least two segments.",
        )
    size_of = {leader: 0.0 for leader in leaders}
    for segment in range(1, k + 1):
        size_of[group_of.get(segment, segment)] += float(sizes[segment - 1])
    order = sorted(leaders, key=lambda leader: (-size_of[leader], leader))
    new_of_leader = {leader: position for position, leader in enumerate(order, start=1)}
    new_segment = np.array([new_of_leader[group_of.get(s, s)] for s in range(1, k + 1)])
    new_names: dict[int, str | None] = {}
    for leader in leaders:
        members = [s for s in range(1, k + 1) if group_of.get(s, s) == leader]
        given = [renames[s] for s in members if s in renames]
        if len(given) > 1:
            raise CustsegError(
                f"--name gives the merged segment {'+'.join(map(str, members))} "
                f"{len(given)} names; give it one."
            )
        kept = names.get(leader) if len(members) == 1 else None
        new_names[new_of_leader[leader]] = given[0] if given else kept
    # Names the analyst gives must be unique; names kept from before are left as they were.
    chosen = [n for n in new_names.values() if n]
    if duplicated := sorted({n for n in renames.values() if chosen.count(n) > 1}):
        raise CustsegError(
            f"Two segments would both be called {duplicated[0]!r}.",
            hint="Give each segment its own name.",
        )
    return SegmentEdit(
        new_segment=new_segment, names=new_names, renamed=dict(renames), merged=list(merges)
    )


def slug(name: str, *, max_length: int = 40) -> str:
    """A file-name-safe form of a segment name: lower-case ASCII words joined by dashes."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return text[:max_length].rstrip("-") or "segment"
