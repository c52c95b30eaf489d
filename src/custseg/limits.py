"""What custseg accepts: caps on the counts a user asks for, and on the size of the numbers.

A request beyond a cap would run for hours or days (``--bootstrap 100000000000``) or overflow
floating point (a column holding 1e308, whose square is infinite, makes every variance, inertia
and distance inf or NaN); it is refused with a message instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from custseg.errors import CustsegError

MAX_BOOTSTRAP = 1000
#: The largest k of a sweep or of --k: far beyond any segmentation a person can act on.
MAX_K = 100
MAX_N_FEATURES = 500
#: Seeds are what numpy's legacy generators (and so scikit-learn) accept: 0 <= seed < 2**32.
MAX_RANDOM_STATE = 2**32 - 1
#: Values (and weights) beyond this magnitude are refused: products of two of them, summed over
#: a hundred million rows, stay far below the float limit (1.8e308).
MAX_MAGNITUDE = 1e60


def check_counts(
    *, k_high: int, k: int | None, bootstrap: int, n_features: int | None, random_state: int
) -> None:
    """Refuse counts beyond the caps, naming the option and the cap.

    Raises
    ------
    CustsegError
    """
    for value, cap, option in (
        (k_high, MAX_K, "--k-range upper end"),
        (k, MAX_K, "--k"),
        (bootstrap, MAX_BOOTSTRAP, "--bootstrap"),
        (n_features, MAX_N_FEATURES, "--n-features"),
    ):
        if value is not None and value > cap:
            raise CustsegError(
                f"{option} {value:,} is more than custseg allows ({cap:,}).",
                hint=f"Use at most {cap:,}.",
            )
    if not 0 <= random_state <= MAX_RANDOM_STATE:
        raise CustsegError(
            f"--random-state {random_state} is out of range.",
            hint=f"Use a whole number from 0 to {MAX_RANDOM_STATE:,} (2**32 - 1).",
        )


def check_magnitudes(frame: pd.DataFrame, columns: Iterable[str], *, what: str = "column") -> None:
    """Refuse numeric ``columns`` holding finite values beyond :data:`MAX_MAGNITUDE`.

    Raises
    ------
    CustsegError
        Naming every such column and its largest magnitude.
    """
    too_large = {}
    for column in columns:
        values = np.abs(pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float))
        finite = values[np.isfinite(values)]
        if finite.size and finite.max() > MAX_MAGNITUDE:
            too_large[column] = finite.max()
    if too_large:
        listed = ", ".join(f"{column} (up to {peak:.3g})" for column, peak in too_large.items())
        raise CustsegError(
            f"The {what}{'' if len(too_large) == 1 else 's'} {listed} "
            f"hold{'s' if len(too_large) == 1 else ''} values too large "
            f"to compute with: custseg accepts magnitudes up to {MAX_MAGNITUDE:.0e}, beyond "
            "which variances and distances overflow to infinity.",
            hint="Rescale the column (e.g. divide it by a power of ten), or leave it out "
            "with --exclude.",
        )
