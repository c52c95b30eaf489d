"""Exploratory summaries of a dataset: the numbers behind ``custseg explore``.

Shares are given unweighted (share of rows) and, when the dataset has a weight, weighted (share
of the population the weights stand for) side by side; medians and histograms are weighted when
there is a weight, and every figure says which it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custseg.dataset import Dataset, is_numeric
from custseg.explore_codes import MAX_CODES_SHOWN, category_summary, flag_summary, weights_of
from custseg.formatting import count, money, number, percent
from custseg.population import Selection
from custseg.roles import described_role
from custseg.stats import weighted_quantile

#: A gap between the share of rows and the weighted share that is worth a sentence.
REPRESENTATION_GAP = 0.01
#: The SCF dollar variables an analyst looks at first.
KEY_DOLLAR_VARIABLES = ("INCOME", "NETWORTH", "ASSET", "DEBT", "FIN", "NFIN", "HOUSES", "BUS")


_weights = weights_of


def share_table(dataset: Dataset, column: str) -> pd.DataFrame:
    """Rows and shares of each value of ``column``.

    Returns
    -------
    DataFrame with columns ``code, label, rows, share`` and, if weighted,
    ``weighted_count, weighted_share``.
    """
    weights = _weights(dataset)
    codes = dataset.frame[column]
    table = codes.value_counts().sort_index().rename("rows").reset_index()
    table.columns = ["code", "rows"]
    table.insert(1, "label", [dataset.value_label(column, c) for c in table["code"]])
    table["share"] = table["rows"] / table["rows"].sum()
    if weights is not None:
        totals = pd.Series(weights).groupby(codes.to_numpy()).sum()
        table["weighted_count"] = table["code"].map(totals).to_numpy()
        table["weighted_share"] = table["weighted_count"] / weights.sum()
    return table


def share_by_group(dataset: Dataset, column: str, group: str, *, weighted: bool) -> pd.DataFrame:
    """Distribution of ``column`` within each value of ``group`` (each group's shares sum to 1).

    Returns
    -------
    DataFrame indexed by the labels of ``column``, one column per label of ``group``.
    """
    weights = _weights(dataset) if weighted else None
    frame = pd.DataFrame(
        {
            "value": dataset.frame[column].to_numpy(),
            "group": dataset.frame[group].to_numpy(),
            "weight": np.ones(dataset.n_rows) if weights is None else weights,
        }
    )
    table = frame.pivot_table(
        index="value", columns="group", values="weight", aggfunc="sum", fill_value=0.0
    )
    table = table / table.sum(axis=0)
    table.index = [dataset.value_label(column, c) for c in table.index]
    table.columns = [dataset.value_label(group, c) for c in table.columns]
    return table


def dollar_summary(dataset: Dataset, columns: list[str]) -> pd.DataFrame:
    """Median, mean, 10th/90th percentiles and zero/negative shares of money columns.

    Weighted by the dataset's weight when it has one.
    """
    weights = _weights(dataset)
    rows = []
    for column in columns:
        values = dataset.frame[column].to_numpy(dtype=float)
        finite = np.isfinite(values)
        v = values[finite]
        w = None if weights is None else weights[finite]
        rows.append(
            {
                "variable": column,
                "label": dataset.label(column),
                "p10": weighted_quantile(v, 0.1, w),
                "median": weighted_quantile(v, 0.5, w),
                "mean": float(np.average(v, weights=w)) if v.size else np.nan,
                "p90": weighted_quantile(v, 0.9, w),
                "share_zero": float(np.average(v == 0, weights=w)) if v.size else np.nan,
                "share_negative": float(np.average(v < 0, weights=w)) if v.size else np.nan,
            }
        )
    return pd.DataFrame(rows)


def column_summary(dataset: Dataset) -> pd.DataFrame:
    """One row per column: role (and why), type, missing share, distinct values, range.

    ``min``/``max``, ``missing`` (share of rows) and ``distinct`` describe the rows;
    ``median_rows`` is the plain median of the rows and, with a weight, ``median_weighted`` the
    weighted one (the median of the population the weights stand for). Codes and flags have no
    median: their shares are in :func:`~custseg.explore_codes.flag_summary` and
    :func:`~custseg.explore_codes.category_summary`.
    """
    weights = _weights(dataset)
    rows = []
    inferred = {r.column: r for r in dataset.column_roles}
    for column in dataset.frame.columns:
        series = dataset.frame[column]
        found = inferred.get(column) or described_role(dataset, column)
        role, reason = found.role, found.reason
        numeric = is_numeric(series) and role not in ("flag", "category", "categorical")
        rows.append(
            {
                "column": column,
                "label": dataset.label(column),
                "role": role,
                "why": reason,
                "dtype": str(series.dtype),
                "missing": float(series.isna().mean()),
                "distinct": int(series.nunique()),
                "min": float(series.min()) if numeric and series.notna().any() else None,
                "median_rows": (
                    float(series.median())
                    if numeric and role != "id" and series.notna().any()
                    else None
                ),
                **(
                    {
                        "median_weighted": (
                            _weighted_median(series, weights)
                            if numeric and role not in ("id", "weight")
                            else None
                        )
                    }
                    if weights is not None
                    else {}
                ),
                "max": float(series.max()) if numeric and series.notna().any() else None,
            }
        )
    return pd.DataFrame(rows)


def _weighted_median(series: pd.Series, weights: np.ndarray) -> float | None:
    values = series.to_numpy(dtype=float)
    known = np.isfinite(values)
    return weighted_quantile(values[known], 0.5, weights[known]) if known.any() else None


@dataclass
class Exploration:
    """Everything ``custseg explore`` reports on a dataset.

    Attributes
    ----------
    overview : list of str
        Sentences about the table as a whole.
    shares : dict of str to (DataFrame, list of str)
        Coded variables: their share table and sentences stating the key numbers.
    income_by_ownership : DataFrame or None
        Income group distribution within owners and non-owners (SCF only).
    dollars : DataFrame or None
        :func:`dollar_summary` of the key money variables.
    distributions : dict of str to ndarray
        Positive values of each money variable (for log-axis histograms).
    distribution_weights : dict of str to ndarray
        Their weights, when the dataset has a weight (histograms then count the population).
    weight_unit : str
        What a histogram bar counts: the weight's unit ("US households") or "rows".
    dollars_of : int or None
        The year whose dollars the amounts are in.
    columns : DataFrame
        :func:`column_summary`.
    flags : DataFrame or None
        :func:`~custseg.explore_codes.flag_summary`, when the dataset has flags.
    categories : DataFrame or None
        :func:`~custseg.explore_codes.category_summary` of the coded columns not in ``shares``
        (with at most ``MAX_CODES_SHOWN`` codes), when there are any.
    population : str or None
        Which rows were explored ("population small-business"), when not the whole table.
    """

    dataset: Dataset
    overview: list[str]
    shares: dict[str, tuple[pd.DataFrame, list[str]]] = field(default_factory=dict)
    income_by_ownership: pd.DataFrame | None = None
    income_sentences: list[str] = field(default_factory=list)
    dollars: pd.DataFrame | None = None
    distributions: dict[str, np.ndarray] = field(default_factory=dict)
    distribution_weights: dict[str, np.ndarray] = field(default_factory=dict)
    columns: pd.DataFrame | None = None
    amounts_are_money: bool = True
    weight_unit: str = "rows"
    dollars_of: int | None = None
    flags: pd.DataFrame | None = None
    categories: pd.DataFrame | None = None
    population: str | None = None


def _scope(subset: Selection) -> str:
    if subset.population == "all":
        return "selected rows"
    return f"population {subset.population}"


def _overview(dataset: Dataset, subset: Selection | None) -> list[str]:
    shape = f"{dataset.n_rows:,} rows and {dataset.frame.shape[1]:,} columns"
    sentences = [
        f"{dataset.name} has {shape}."
        if subset is None
        else f"{dataset.name}, {_scope(subset)}, has {shape}: {subset.description}."
    ]
    if dataset.household_column:
        households = dataset.frame[dataset.household_column].nunique()
        implicates = dataset.implicates()
        n_implicates = implicates.nunique() if implicates is not None else 1
        sentences.append(
            f"Each of its {households:,} households appears {n_implicates} times, once per "
            "implicate (multiple imputation of missing answers): count households, not rows."
        )
    weights = _weights(dataset)
    if weights is not None:
        sentences.append(
            f"The weights ({dataset.weight_column}) sum to "
            f"{count(weights.sum(), significant=4)}: the number of units the sample stands for "
            "(US households for the SCF). Figures marked weighted describe that population; "
            "figures in rows describe the sample."
        )
    year = dataset.provenance.get("dollars_of")
    if year:
        how = dataset.provenance.get("dollars_how")
        sentences.append(f"Amounts are in {year} dollars" + (f" ({how})." if how else "."))
    return sentences


def _share_sentences(
    dataset: Dataset, column: str, table: pd.DataFrame, code: int, noun: str
) -> list[str]:
    row = table[table["code"] == code]
    if row.empty:
        return []
    unweighted = float(row["share"].iloc[0])
    sentence = f"{percent(unweighted)} of rows are {noun}"
    if "weighted_share" in table:
        weighted = float(row["weighted_share"].iloc[0])
        sentence += (
            f"; weighted, {percent(weighted)} of households are "
            f"({count(float(row['weighted_count'].iloc[0]))})."
        )
        if abs(unweighted - weighted) >= REPRESENTATION_GAP:
            gap = "over-represents" if unweighted > weighted else "under-represents"
            sentence += (
                f" The raw sample {gap} them: the survey deliberately samples some groups "
                "(the wealthy above all) more heavily, and the weights undo that."
            )
    else:
        sentence += "."
    return [sentence]


def explore(dataset: Dataset, *, population: Selection | None = None) -> Exploration:
    """Compute the exploratory summaries of ``dataset``.

    Parameters
    ----------
    dataset : Dataset
    population : Selection, optional
        How ``dataset``'s rows were chosen (:func:`custseg.population.select_population`), said
        in the overview and the title when it is not the whole table.
    """
    weights = _weights(dataset)
    subset = population if population is not None and population.conditions else None
    exploration = Exploration(
        dataset=dataset,
        overview=_overview(dataset, subset),
        population=_scope(subset) if subset else None,
        columns=column_summary(dataset),
        weight_unit=(dataset.weight_unit or "weighted count") if weights is not None else "rows",
        dollars_of=dataset.provenance.get("dollars_of"),
    )
    frame = dataset.frame
    for column, code, noun in (
        ("HBUS", 1, "business owners"),
        ("TURNFEAR", 1, "credit-fearful households"),
        ("AGECL", None, None),
        ("EDCL", None, None),
        ("RACE", None, None),
    ):
        # A column with one value in these rows (HBUS among business owners) says nothing.
        if column in frame and frame[column].nunique() > 1:
            table = share_table(dataset, column)
            sentences = _share_sentences(dataset, column, table, code, noun) if noun else []
            exploration.shares[column] = (table, sentences)
    # owners against the rest needs both groups (a population of owners only has one)
    if {"INCCAT", "HBUS"} <= set(frame.columns) and frame["HBUS"].nunique() > 1:
        rows = share_by_group(dataset, "INCCAT", "HBUS", weighted=False)
        owners, others = dataset.value_label("HBUS", 1), dataset.value_label("HBUS", 0)
        top = rows.index[-1]
        sentences = [
            f"{percent(rows.loc[top, owners])} of business-owner rows are in the top "
            f"income group ({top}), against {percent(rows.loc[top, others])} "
            "of other rows."
        ]
        table = rows.add_suffix(" (rows)")
        if dataset.weight_column:
            weighted = share_by_group(dataset, "INCCAT", "HBUS", weighted=True)
            sentences.append(
                f"Weighted to US households: {percent(weighted.loc[top, owners])} of owners and "
                f"{percent(weighted.loc[top, others])} of other households are in the top group."
            )
            table = table.join(weighted.add_suffix(" (weighted)"))
        exploration.income_by_ownership = table
        exploration.income_sentences = sentences
    money_columns = [c for c in KEY_DOLLAR_VARIABLES if c in frame and c in dataset.dollar_columns]
    if not money_columns:
        money_columns = dataset.candidate_features()[:8]
        exploration.amounts_are_money = False
    if money_columns:
        exploration.dollars = dollar_summary(dataset, money_columns)
        for column in money_columns:
            values = frame[column].to_numpy(dtype=float)
            shown = np.isfinite(values) & (values > 0)
            exploration.distributions[column] = values[shown]
            if weights is not None:
                exploration.distribution_weights[column] = weights[shown]
    if dataset.flag_columns:
        exploration.flags = flag_summary(dataset)
    coded = [
        c
        for c in frame.columns
        if c in dataset.categorical_columns
        and c not in dataset.flag_columns
        and c not in exploration.shares
        and 1 < frame[c].nunique() <= MAX_CODES_SHOWN
    ]
    if coded:
        exploration.categories = category_summary(dataset, coded)
    return exploration


def describe_amounts(
    summary: pd.DataFrame,
    *,
    as_money: bool = True,
    weighted: bool = False,
    dollars_of: int | None = None,
) -> list[str]:
    """One sentence per amount stating its median and spread (and whether weighted)."""
    fmt = money if as_money else number
    basis = ", ".join(
        part
        for part in (
            "weighted" if weighted else "rows, unweighted",
            f"{dollars_of} dollars" if as_money and dollars_of else "",
        )
        if part
    )
    return [
        f"{row.label} ({basis}): median {fmt(row.median)}, mean {fmt(row.mean)}, middle 80% "
        f"from {fmt(row.p10)} to {fmt(row.p90)}; {percent(row.share_zero)} zero"
        + (f", {percent(row.share_negative)} negative." if row.share_negative else ".")
        for row in summary.itertuples()
    ]
