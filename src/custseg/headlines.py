"""The SCF's headline figures (median and mean income and net worth) and their real changes.

Each figure is the weighted estimate over all rows; its standard error is the imputation part
only, ``sqrt((1 + 1/M) B)`` with B the variance of the M per-implicate estimates (sampling
variance needs the Fed's replicate weights, which the summary extract does not carry). The two
survey years are independent samples, so the change's variance is the sum of the two years'
(by the delta method for a ratio).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from custseg.dataset import Dataset
from custseg.deflator import dollar_factor
from custseg.stats import weighted_quantile

#: The figures the Fed's bulletins lead with, for all households.
HEADLINES = (
    ("INCOME", "median"),
    ("INCOME", "mean"),
    ("NETWORTH", "median"),
    ("NETWORTH", "mean"),
)


def _statistic(values: np.ndarray, weights: np.ndarray | None, statistic: str) -> float:
    if statistic == "median":
        return weighted_quantile(values, 0.5, weights)
    return float(np.average(values, weights=weights))


def estimate(
    dataset: Dataset, column: str, statistic: str, *, factor: float = 1.0
) -> tuple[float, float]:
    """Weighted ``statistic`` (``median`` or ``mean``) of ``column`` times ``factor``.

    Returns
    -------
    value : float
    imputation_se : float
        NaN when the dataset has a single implicate.
    """
    values = dataset.frame[column].to_numpy(dtype=float) * factor
    weights = (
        dataset.frame[dataset.weight_column].to_numpy(dtype=float)
        if dataset.weight_column
        else None
    )
    value = _statistic(values, weights, statistic)
    implicates = dataset.implicates()
    if implicates is None or implicates.nunique() < 2:
        return value, float("nan")
    numbers = implicates.to_numpy()
    per_implicate = np.array(
        [
            _statistic(
                values[numbers == m], None if weights is None else weights[numbers == m], statistic
            )
            for m in np.unique(numbers)
        ]
    )
    m = per_implicate.size
    return value, float(np.sqrt((1 + 1 / m) * per_implicate.var(ddof=1)))


def real_changes(
    base: Dataset,
    other: Dataset,
    *,
    cpi: Mapping[int, float],
    dollars_of: int,
    populations: Mapping[str, tuple[Dataset, Dataset]] | None = None,
) -> pd.DataFrame:
    """Headline figures of two survey years in ``dollars_of`` dollars and their real change.

    Parameters
    ----------
    base, other : Dataset
        Two SCF years, each with ``provenance["dollars_of"]``.
    cpi : mapping of year to price index value
    dollars_of : int
        The dollars the levels are stated in.
    populations : mapping of description to (base subset, other subset), optional
        Further populations to report besides all households.

    Returns
    -------
    DataFrame with one row per population x figure: ``population, variable, statistic,
    value_<base>, se_<base>, value_<other>, se_<other>, change, change_se`` (changes as
    fractions; levels in ``dollars_of`` dollars; standard errors are imputation only).
    """
    groups = {"all households": (base, other), **(populations or {})}
    rows = []
    for population, (first, second) in groups.items():
        for column, statistic in HEADLINES:
            if column not in first.frame or column not in second.frame:
                continue
            v1, se1 = estimate(
                first,
                column,
                statistic,
                factor=dollar_factor(first.provenance.get("dollars_of"), dollars_of, cpi),
            )
            v2, se2 = estimate(
                second,
                column,
                statistic,
                factor=dollar_factor(second.provenance.get("dollars_of"), dollars_of, cpi),
            )
            ratio = v2 / v1
            rows.append(
                {
                    "population": population,
                    "variable": column,
                    "statistic": statistic,
                    f"value_{base.name}": v1,
                    f"se_{base.name}": se1,
                    f"value_{other.name}": v2,
                    f"se_{other.name}": se2,
                    "change": ratio - 1,
                    "change_se": abs(ratio) * float(np.hypot(se1 / v1, se2 / v2)),
                }
            )
    return pd.DataFrame(rows)
