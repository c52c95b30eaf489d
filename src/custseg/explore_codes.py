"""Yes/no flags and coded categories summarised as shares, for ``custseg explore``.

A flag's mean is the share of yes, and a category code's median is no quantity at all, so both
are reported as shares: of rows, and of the population when the dataset has a weight.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from custseg.dataset import Dataset

#: Coded columns with more codes than this are left to the column table.
MAX_CODES_SHOWN = 20


def weights_of(dataset: Dataset) -> np.ndarray | None:
    """The dataset's row weights, or None when it has none."""
    if dataset.weight_column and dataset.weight_column in dataset.frame:
        return dataset.frame[dataset.weight_column].to_numpy(dtype=float)
    return None


def flag_summary(dataset: Dataset) -> pd.DataFrame:
    """The share of yes (1 or true) of every flag, among the rows where it is known.

    Returns
    -------
    DataFrame with one row per flag, in column order: ``variable, label, share_yes`` (of rows)
    and, with a weight, ``share_yes_weighted``; ``missing`` is the share of rows without a value.
    """
    weights = weights_of(dataset)
    rows = []
    for column in (c for c in dataset.frame.columns if c in dataset.flag_columns):
        values = dataset.frame[column]
        known = values.notna().to_numpy()
        yes = values.to_numpy()[known].astype(float) == 1
        row = {
            "variable": column,
            "label": dataset.label(column),
            "share_yes": float(yes.mean()) if yes.size else np.nan,
        }
        if weights is not None:
            w = weights[known]
            row["share_yes_weighted"] = float(w[yes].sum() / w.sum()) if w.sum() > 0 else np.nan
        row["missing"] = float(1 - known.mean())
        rows.append(row)
    columns = ["variable", "label", "share_yes", "share_yes_weighted", "missing"]
    return pd.DataFrame(rows, columns=columns if weights is not None else columns[:3] + ["missing"])


def category_summary(dataset: Dataset, columns: list[str]) -> pd.DataFrame:
    """Every code of every column in ``columns`` with its label and shares (of the rows where
    the column is known).

    Returns
    -------
    DataFrame with one row per (column, code): ``variable, label, code, code_label, share``
    (of rows) and, with a weight, ``weighted_share``.
    """
    weights = weights_of(dataset)
    parts = []
    for column in columns:
        codes = dataset.frame[column]
        known = codes.notna().to_numpy()
        rows = codes.value_counts(normalize=True).sort_index()
        part = pd.DataFrame(
            {
                "variable": column,
                "label": dataset.label(column),
                "code": rows.index,
                "code_label": [_meaning(dataset, column, c) for c in rows.index],
                "share": rows.to_numpy(),
            }
        )
        if weights is not None:
            totals = pd.Series(weights[known]).groupby(codes.to_numpy()[known]).sum()
            part["weighted_share"] = part["code"].map(totals / totals.sum()).to_numpy()
        parts.append(part)
    if not parts:
        return pd.DataFrame(columns=["variable", "label", "code", "code_label", "share"])
    return pd.concat(parts, ignore_index=True)


def _meaning(dataset: Dataset, column: str, code: object) -> str:
    """A code's label; blank for a text code without one, which is its own meaning."""
    label = dataset.value_label(column, code)
    return "" if isinstance(code, str) and label == code else label
