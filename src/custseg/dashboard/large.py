"""Large tables in the dashboard: fit on a seeded sample, offer the full fit on the command line.

Above :data:`SAMPLE_ROWS` rows the dashboard fits every configuration on a seeded random sample
(whole households for a survey, the weights scaled so that they still sum to the table's total),
so the page answers within a minute at a million rows; the page says so and shows the
``custseg segment`` command that fits the current view on every row, and the command that opens
its run folder read-only.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from custseg.config import SegmentationConfig
from custseg.dataset import Dataset

#: Tables with more rows than this are fitted on a seeded sample of this many rows.
SAMPLE_ROWS = 100_000
#: KMeans restarts per k on such a sample: on 100,000 rows of the benchmark's 6-group table the
#: best of 3 restarts came within 1% of the best of 10's inertia at every k = 2..12 (the same at
#: the recommended k) in a third of the time.
SAMPLE_N_INIT = 3
#: Bootstrap resamples of every k on such a sample (the table's own default is 5).
SAMPLE_BOOTSTRAP = 2


@dataclass(frozen=True)
class Table:
    """The rows the dashboard fits on and how many rows the source has."""

    dataset: Dataset
    source_rows: int

    @property
    def sampled(self) -> bool:
        return self.dataset.n_rows < self.source_rows

    def note(self) -> str:
        """`` (a seeded random sample of 1,000,000)`` when sampled, else nothing."""
        return f" (a seeded random sample of {self.source_rows:,})" if self.sampled else ""


def sample_table(dataset: Dataset, *, max_rows: int = SAMPLE_ROWS, random_state: int = 0) -> Table:
    """``dataset`` itself up to ``max_rows`` rows, else a seeded sample of about that many.

    A survey (a dataset with a household column) is sampled by whole households, so that every
    implicate of a household stays together. Survey weights are scaled by the total over the
    sample's total, so counts of households stay in the table's units.
    """
    n_rows = dataset.n_rows
    if n_rows <= max_rows:
        return Table(dataset, n_rows)
    rng = np.random.default_rng(random_state)
    frame = dataset.frame
    household = dataset.household_column
    if household:
        ids = frame[household].to_numpy()
        unique = np.unique(ids)
        chosen = rng.choice(unique, max(1, round(len(unique) * max_rows / n_rows)), replace=False)
        keep = np.flatnonzero(np.isin(ids, chosen))
    else:
        keep = np.sort(rng.choice(n_rows, max_rows, replace=False))
    sample = frame.iloc[keep].copy()
    weight = dataset.weight_column
    if weight and weight in sample:
        total = frame[weight].sum()
        sample[weight] = sample[weight] * (total / sample[weight].sum())
    return Table(dataset.with_frame(sample), n_rows)


def nameable(features: tuple[str, ...]) -> bool:
    """Whether ``--features`` can name these columns: it splits on commas and strips spaces."""
    return all("," not in f and f == f.strip() for f in features)


def shell_quote(argument: str) -> str:
    """``argument`` quoted for bash and zsh, every character shown: a name holding a control
    character (a terminal escape, say one that ends a bracketed paste) or a text-direction
    override is written ``$'...'`` with escapes, so the copied command is what the page shows."""
    if argument.isprintable():
        return shlex.quote(argument)
    escaped = "".join(c if c.isprintable() and c not in "\\'" else _escape(c) for c in argument)
    return f"$'{escaped}'"


def _escape(character: str) -> str:
    if character in "\\'":
        return "\\" + character
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x80 else f"\\U{code:08x}"


def full_fit_commands(source: str, config: SegmentationConfig, k: int | None) -> list[str]:
    """The shell commands that fit ``config`` at ``k`` (None: the recommended k) on every row of
    ``source`` and open the result read-only: ``custseg segment ... --out DIR`` and
    ``custseg dashboard DIR``."""
    folder = f"runs/{Path(source).stem or 'table'}" + ("" if k is None else f"-k{k}")
    options = ["--population", config.population]
    if k is not None:
        options += ["--k", str(k)]
    if config.features:
        options += ["--features", ",".join(config.features)]
    else:
        options += ["--select", config.select]
        if config.n_features:
            options += ["--n-features", str(config.n_features)]
    options += ["--transform", config.transform, "--method", config.method]
    if config.weight is None:
        options += ["--weight", "none"]
    segment = ["custseg", "segment", source, *options, "--out", folder]
    return [
        " ".join(map(shell_quote, segment)),
        " ".join(map(shell_quote, ["custseg", "dashboard", folder])),
    ]
