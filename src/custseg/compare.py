"""Applying a fitted segmentation to another dataset (another survey year) and comparing shares.

Everything in dollars is put on the model's dollar basis with the Fed's price index
(:mod:`custseg.deflator`): a 2022 amount is multiplied by CPI(2019) / CPI(2022) before a model
fitted on 2019 dollars scores it, and every dollar limit of the population or of ``--where``
(``INCOME < 500000`` in 2019 dollars) is rebased the other way, so the 2022 population is the
2019 definition in real terms.

Standard errors are the imputation part only (spread across implicates); the change's is
``sqrt(se_base**2 + se_other**2)``, the two survey years being independent samples.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg.dataset import Dataset
from custseg.deflator import CPI_U_RS_SEPTEMBER, dollar_factor, index_name, parse_cpi, price_index
from custseg.errors import CustsegError
from custseg.headlines import real_changes
from custseg.model import SegmentModel
from custseg.population import select_population
from custseg.precision import MIN_HOUSEHOLDS
from custseg.survey import implicate_sizes

__all__ = ["CPI_U_RS_SEPTEMBER", "Comparison", "compare", "dollar_factor", "parse_cpi", "score"]


@dataclass(frozen=True)
class Comparison:
    """Segment shares of the same model in two datasets.

    Attributes
    ----------
    table : DataFrame
        Per segment: ``segment, name``, then for each dataset ``share_<name>``,
        ``count_<name>`` (weighted), ``households_<name>`` (sample households: rows / implicates)
        and ``share_se_<name>`` (imputation SE, surveys); ``change_points``, ``change_se_points``
        and ``few_households`` (an estimate rests on fewer than ``min_households``).
    dollar_factors : dict of dataset name to float
        What each dataset's dollar features were multiplied by.
    dollars_of : int or None
        The dollars the model (and the comparison) is stated in.
    dataset_dollars : dict of dataset name to int or None
        The dollar year of each dataset as loaded.
    populations : dict of dataset name to str
        Each dataset's population as selected (with rebased dollar limits).
    headlines : DataFrame
        :func:`custseg.headlines.real_changes` of the two years, levels in ``headline_dollars``.
    """

    base: str
    other: str
    table: pd.DataFrame
    dollar_factors: dict[str, float]
    dollars_of: int | None
    population: str
    index: str = ""
    dataset_dollars: dict[str, int | None] = field(default_factory=dict)
    populations: dict[str, str] = field(default_factory=dict)
    headlines: pd.DataFrame = field(default_factory=pd.DataFrame)
    headline_dollars: int | None = None
    min_households: int = MIN_HOUSEHOLDS


def _factor(dataset: Dataset, model: SegmentModel, cpi: Mapping[int, float]) -> float:
    """What ``dataset``'s dollars are multiplied by to be in the model's dollars."""
    own, target = dataset.provenance.get("dollars_of"), model.metadata.get("dollars_of")
    if (own is None) != (target is None):
        missing = dataset.name if own is None else "the model's training data"
        raise CustsegError(
            f"The dollar year of {missing} is unknown, so its amounts cannot be put on the "
            "same basis.",
            hint="For an SCF copy, state it: CUSTSEG_DOLLARS_OF=scf2019=YEAR.",
        )
    return dollar_factor(own, target, cpi)


def _selection(model: SegmentModel, dataset: Dataset, factor: float):
    population = model.metadata.get("population", "all")
    if population not in dataset.populations:
        raise CustsegError(
            f"{dataset.name} has no population {population!r}, which the model was fitted on."
        )
    return select_population(
        dataset, population, model.metadata.get("where", []), dollar_rebase=1 / factor
    )


def score(
    model: SegmentModel, dataset: Dataset, *, cpi: Mapping[int, float]
) -> tuple[pd.DataFrame, float]:
    """Segments of a dataset's population under ``model``, with dollars rebased.

    Returns
    -------
    frame : DataFrame with columns ``segment, weight, implicate``
    factor : the multiplier applied to the dollar features (and divided into dollar limits)
    """
    factor = _factor(dataset, model, cpi)
    subset = _selection(model, dataset, factor).dataset
    frame = subset.frame[model.features].astype(float)
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
    implicates = scored["implicate"].to_numpy()
    n_implicates = len(np.unique(implicates))
    rows = np.bincount(scored["segment"], minlength=k + 1)[1:]
    table = pd.DataFrame(
        {
            "segment": np.arange(1, k + 1),
            f"share_{label}": sizes / sizes.sum(),
            f"count_{label}": sizes,
            f"households_{label}": rows / n_implicates,
        }
    )
    if n_implicates > 1:
        by_implicate = {
            int(m): scored["segment"].to_numpy()[implicates == m] for m in np.unique(implicates)
        }
        spread = implicate_sizes(implicates, by_implicate, scored["weight"].to_numpy(), k)
        table[f"share_se_{label}"] = spread["share_se"].to_numpy()
    return table


def compare(
    model: SegmentModel,
    base: Dataset,
    other: Dataset,
    *,
    cpi: Mapping[int, float] | None = None,
    min_households: int = MIN_HOUSEHOLDS,
) -> Comparison:
    """Score ``base`` (the training data) and ``other`` with ``model`` and compare shares.

    Parameters
    ----------
    model : SegmentModel
    base, other : Dataset
        Typically scf2019 and scf2022.
    cpi : mapping of year to price index value, optional
        Replaces years of the Fed's R-CPI-U-RS September values
        (:data:`custseg.deflator.CPI_U_RS_SEPTEMBER`).
    min_households : int, default 30
        Segments resting on fewer sample households in either year are flagged.
    """
    index = price_index(cpi)
    k = model.k
    scored_base, base_factor = score(model, base, cpi=index)
    scored_other, other_factor = score(model, other, cpi=index)
    table = _shares(scored_base, k, base.name).merge(
        _shares(scored_other, k, other.name), on="segment"
    )
    names = model.metadata.get("segment_names", {})
    table.insert(1, "name", [names.get(str(s), f"Segment {s}") for s in table["segment"]])
    table["change_points"] = 100 * (table[f"share_{other.name}"] - table[f"share_{base.name}"])
    se_columns = [f"share_se_{base.name}", f"share_se_{other.name}"]
    if all(c in table for c in se_columns):
        table["change_se_points"] = 100 * np.hypot(table[se_columns[0]], table[se_columns[1]])
    table["few_households"] = (
        table[[f"households_{base.name}", f"households_{other.name}"]].min(axis=1) < min_households
    )
    selections = {
        d.name: _selection(model, d, f) for d, f in ((base, base_factor), (other, other_factor))
    }
    dataset_dollars = {d.name: d.provenance.get("dollars_of") for d in (base, other)}
    headline_dollars = None
    headlines = pd.DataFrame()
    if None not in dataset_dollars.values() and {"INCOME", "NETWORTH"} <= set(base.frame):
        headline_dollars = max(dataset_dollars.values())
        population = model.metadata.get("population", "all")
        extra = (
            {
                selections[base.name].description: (
                    selections[base.name].dataset,
                    selections[other.name].dataset,
                )
            }
            if population != "all" or model.metadata.get("where")
            else {}
        )
        headlines = real_changes(
            base, other, cpi=index, dollars_of=headline_dollars, populations=extra
        )
    return Comparison(
        base=base.name,
        other=other.name,
        table=table,
        dollar_factors={base.name: base_factor, other.name: other_factor},
        dollars_of=model.metadata.get("dollars_of"),
        population=model.metadata.get("population_description", ""),
        index=index_name(cpi),
        dataset_dollars=dataset_dollars,
        populations={name: s.description for name, s in selections.items()},
        headlines=headlines,
        headline_dollars=headline_dollars,
        min_households=min_households,
    )
