"""Applying a fitted segmentation to another dataset (another survey year) and comparing shares.

Dollar features are put on the model's dollar basis first: a 2022 amount is multiplied by
CPI(2019) / CPI(2022) before a model fitted on 2019 dollars scores it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custseg.dataset import Dataset
from custseg.errors import CustsegError
from custseg.model import SegmentModel
from custseg.population import select_population
from custseg.survey import implicate_sizes

#: CPI-U, US city average, all items, annual average (1982-84 = 100), from the Bureau of Labor
#: Statistics. Override with ``cpi=`` / ``--cpi YEAR=VALUE``.
CPI_U = {2016: 240.007, 2019: 255.657, 2022: 292.655}


@dataclass(frozen=True)
class Comparison:
    """Segment shares of the same model in two datasets.

    Attributes
    ----------
    table : DataFrame
        Per segment: ``segment, name, share_<base>, share_<other>, change`` (percentage points),
        weighted counts and, for surveys, the imputation standard errors of the shares.
    dollar_factors : dict of dataset name to float
        What each dataset's dollar features were multiplied by.
    """

    base: str
    other: str
    table: pd.DataFrame
    dollar_factors: dict[str, float]
    dollars_of: int | None
    population: str


def dollar_factor(from_year: int | None, to_year: int | None, cpi: Mapping[int, float]) -> float:
    """Multiply ``from_year`` dollars by this to get ``to_year`` dollars.

    Raises
    ------
    CustsegError
        If a year has no CPI value.
    """
    if from_year is None or to_year is None or from_year == to_year:
        return 1.0
    missing = [year for year in (from_year, to_year) if year not in cpi]
    if missing:
        raise CustsegError(
            f"No CPI value for {', '.join(map(str, missing))}.",
            hint="Give one with --cpi YEAR=VALUE (CPI-U annual average).",
        )
    return cpi[to_year] / cpi[from_year]


def score(
    model: SegmentModel, dataset: Dataset, *, cpi: Mapping[int, float]
) -> tuple[pd.DataFrame, float]:
    """Segments of a dataset's population under ``model``, with dollars rebased.

    Returns
    -------
    frame : DataFrame with columns ``segment, weight, implicate``
    factor : the multiplier applied to the dollar features
    """
    population = model.metadata.get("population", "all")
    if population not in dataset.populations:
        raise CustsegError(
            f"{dataset.name} has no population {population!r}, which the model was fitted on."
        )
    subset = select_population(dataset, population, model.metadata.get("where", [])).dataset
    frame = subset.frame[model.features].astype(float)
    factor = dollar_factor(
        subset.provenance.get("dollars_of"), model.metadata.get("dollars_of"), cpi
    )
    dollars = [f for f in model.metadata.get("dollar_features", []) if f in frame]
    frame[dollars] = frame[dollars] * factor
    finite = np.isfinite(frame.to_numpy()).all(axis=1)
    weights = (
        subset.frame[subset.weight_column].to_numpy(dtype=float)
        if model.metadata.get("weight") and subset.weight_column
        else np.ones(len(frame))
    )
    implicates = subset.implicates()
    result = pd.DataFrame(
        {
            "segment": model.predict(frame.loc[finite]),
            "weight": weights[finite],
            "implicate": (implicates.to_numpy()[finite] if implicates is not None else 1),
        }
    )
    return result, factor


def _shares(scored: pd.DataFrame, k: int, label: str) -> pd.DataFrame:
    sizes = np.bincount(scored["segment"], weights=scored["weight"], minlength=k + 1)[1:]
    table = pd.DataFrame(
        {
            "segment": np.arange(1, k + 1),
            f"share_{label}": sizes / sizes.sum(),
            f"count_{label}": sizes,
        }
    )
    implicates = scored["implicate"].to_numpy()
    if len(np.unique(implicates)) > 1:
        by_implicate = {
            int(m): scored["segment"].to_numpy()[implicates == m] for m in np.unique(implicates)
        }
        spread = implicate_sizes(implicates, by_implicate, scored["weight"].to_numpy(), k)
        table[f"share_se_{label}"] = spread["share_se"].to_numpy()
    return table


def compare(
    model: SegmentModel, base: Dataset, other: Dataset, *, cpi: Mapping[int, float] | None = None
) -> Comparison:
    """Score ``base`` (the training data) and ``other`` with ``model`` and compare shares.

    Parameters
    ----------
    model : SegmentModel
    base, other : Dataset
        Typically scf2019 and scf2022.
    cpi : mapping of year to CPI value, optional
        Defaults to :data:`CPI_U`.
    """
    cpi = {**CPI_U, **(cpi or {})}
    k = model.k
    scored_base, base_factor = score(model, base, cpi=cpi)
    scored_other, other_factor = score(model, other, cpi=cpi)
    table = _shares(scored_base, k, base.name).merge(
        _shares(scored_other, k, other.name), on="segment"
    )
    names = model.metadata.get("segment_names", {})
    table.insert(1, "name", [names.get(str(s), f"Segment {s}") for s in table["segment"]])
    table["change_points"] = 100 * (table[f"share_{other.name}"] - table[f"share_{base.name}"])
    return Comparison(
        base=base.name,
        other=other.name,
        table=table,
        dollar_factors={base.name: base_factor, other.name: other_factor},
        dollars_of=model.metadata.get("dollars_of"),
        population=model.metadata.get("population_description", ""),
    )


def parse_cpi(items: list[str]) -> dict[int, float]:
    """Read ``["2019=255.657", ...]``.

    Raises
    ------
    CustsegError
        For an item that is not YEAR=VALUE with a positive value.
    """
    cpi = {}
    for item in items:
        year, _, value = item.partition("=")
        try:
            cpi[int(year)] = float(value)
        except ValueError:
            raise CustsegError(
                f"Cannot read --cpi {item!r}.", hint="Write YEAR=VALUE, e.g. --cpi 2022=292.655."
            ) from None
        if cpi[int(year)] <= 0:
            raise CustsegError(f"--cpi {item!r} must be positive.")
    return cpi
