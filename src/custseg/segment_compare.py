"""Each segment against the rest and the whole population, variable by variable.

For every segment and every feature and profile variable: the segment's value, the rest's, the
population's, an index (100 x segment / population), an effect size of the segment against the
rest (Cohen's d with the pooled within-group standard deviation for numeric variables, Cohen's h
for shares) and the base the segment's value rests on (households for multiply-imputed surveys,
rows otherwise), flagged when small. Weighted when weights are given. Missing values are left out
of each variable's numbers (its base says how many rows or households remain).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from custseg.segment_charts import segment_quantiles

#: A segment value resting on fewer households (surveys) or rows than this is flagged.
SMALL_BASE = 30
#: Coded categories reported besides the dataset's demographic ones, when it has them.
EXTRA_PROFILE_CATEGORIES = ("HOUSECL", "MARRIED", "OCCAT1")
COLUMNS = [
    "segment",
    "name",
    "variable",
    "label",
    "level",
    "statistic",
    "unit",
    "segment_value",
    "rest_value",
    "population_value",
    "index",
    "effect_size",
    "segment_median",
    "population_median",
    "base",
    "small_base",
]


def compare_segments(
    frame: pd.DataFrame,
    segments: np.ndarray,
    *,
    numeric: Sequence[str],
    categorical: Sequence[str] = (),
    weights: np.ndarray | None = None,
    households: np.ndarray | None = None,
    labels: Mapping[str, str] | None = None,
    value_labels: Mapping[str, Mapping[object, str]] | None = None,
    names: Mapping[int, str] | None = None,
    money_columns: Sequence[str] = (),
    small_base: int = SMALL_BASE,
) -> pd.DataFrame:
    """The segment-vs-population table.

    Parameters
    ----------
    frame : DataFrame of shape (n_samples, n_columns)
        The population's rows, in original units.
    segments : ndarray of shape (n_samples,)
        Segment numbers.
    numeric, categorical : sequence of str
        Columns compared by their mean, and by the share of each of their values.
    weights : ndarray of shape (n_samples,), optional
    households : ndarray of shape (n_samples,), optional
        Household ids: the base counts households rather than rows.
    labels : mapping of column to label
    value_labels : mapping of column to mapping of code to label
    names : mapping of segment to name
    money_columns : sequence of str
        Numeric columns holding money (``unit`` "dollars").
    small_base : int, default 30

    Returns
    -------
    DataFrame
        One row per segment x variable (x category for categorical variables), columns
        ``COLUMNS``: ``statistic`` is ``mean`` or ``share``; ``index`` is 100 x segment /
        population; ``effect_size`` is Cohen's d (numeric) or h (shares), segment against the
        rest; ``base`` counts the segment's households or rows with a value.
    """
    segments = np.asarray(segments)
    w = np.ones(len(segments)) if weights is None else np.asarray(weights, dtype=float)
    labels, value_labels, names = labels or {}, value_labels or {}, names or {}
    order, codes = np.unique(segments, return_inverse=True)
    if households is not None:  # numbered once: every base counts distinct numbers
        households = pd.factorize(np.asarray(households), use_na_sentinel=False)[0]
    rows: list[dict] = []
    for column in numeric:
        x = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        known = np.isfinite(x)
        medians = segment_quantiles(x, segments, order, weights, [0.5])
        rows += _numeric_rows(x, known, codes, w, order, households, medians)
        for row in rows[-len(order) :]:
            row.update(
                variable=column,
                label=labels.get(column, column),
                level="",
                unit="dollars" if column in money_columns else "",
            )
    for column in categorical:
        values = frame[column]
        known = values.notna().to_numpy()
        for level in sorted(values.dropna().unique(), key=_sort_key):
            x = (values == level).to_numpy(dtype=float)
            rows += _share_rows(x, known, codes, w, order, households)
            text = value_labels.get(column, {}).get(level, str(level))
            for row in rows[-len(order) :]:
                row.update(
                    variable=column, label=labels.get(column, column), level=text, unit="share"
                )
    table = pd.DataFrame(rows)
    if table.empty:
        return pd.DataFrame(columns=COLUMNS)
    table["name"] = [names.get(int(s), f"Segment {s}") for s in table["segment"]]
    table["small_base"] = table["base"] < small_base
    return table[COLUMNS].sort_values(["segment"], kind="stable").reset_index(drop=True)


def _sort_key(value):
    return (0, value, "") if isinstance(value, (int, float, np.number)) else (1, 0, str(value))


def _bases(codes, known, k, households) -> np.ndarray:
    """Rows (or distinct households, numbered from 0) with a value, per segment code."""
    if households is None:
        return np.bincount(codes[known], minlength=k)
    n_households = int(households.max()) + 1 if len(households) else 1
    pairs = np.unique(codes[known].astype(np.int64) * n_households + households[known])
    return np.bincount(pairs // n_households, minlength=k)


def _index(segment_value: float, population_value: float) -> float:
    return 100 * segment_value / population_value if population_value else float("nan")


def _group_sums(x, known, codes, w, k):
    """Per segment code, and overall: weight, weighted sum and weighted sum of squares."""
    c, xw, ww = codes[known], x[known], w[known]
    W = np.bincount(c, weights=ww, minlength=k)
    S = np.bincount(c, weights=ww * xw, minlength=k)
    Q = np.bincount(c, weights=ww * xw * xw, minlength=k)
    return W, S, Q


def _ratio(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _numeric_rows(x, known, codes, w, order, households, medians) -> list[dict]:
    k = len(order)
    W, S, Q = _group_sums(x, known, codes, w, k)
    total_w, total_s, total_q = W.sum(), S.sum(), Q.sum()
    m_in, m_out = _ratio(S, W), _ratio(total_s - S, total_w - W)
    population = total_s / total_w if total_w else float("nan")
    # within-group sums of squares of the segment and of the rest
    ss_in = np.where(W > 0, Q - S * np.nan_to_num(m_in), 0.0)
    ss_out = np.where(total_w - W > 0, (total_q - Q) - (total_s - S) * np.nan_to_num(m_out), 0.0)
    pooled = np.sqrt(np.maximum(ss_in + ss_out, 0.0) / total_w) if total_w else np.zeros(k)
    bases = _bases(codes, known, k, households)
    return [
        {
            "segment": int(segment),
            "statistic": "mean",
            "segment_value": float(m_in[i]),
            "rest_value": float(m_out[i]),
            "population_value": float(population),
            "index": _index(float(m_in[i]), population),
            "effect_size": float((m_in[i] - m_out[i]) / pooled[i])
            if pooled[i] > 0
            else float("nan"),
            "segment_median": medians[int(segment)][0],
            "population_median": medians[0][0],
            "base": int(bases[i]),
        }
        for i, segment in enumerate(order)
    ]


def _share_rows(x, known, codes, w, order, households) -> list[dict]:
    k = len(order)
    W, S, _ = _group_sums(x, known, codes, w, k)
    p_in, p_out = _ratio(S, W), _ratio(S.sum() - S, W.sum() - W)
    population = S.sum() / W.sum() if W.sum() else float("nan")
    bases = _bases(codes, known, k, households)
    return [
        {
            "segment": int(segment),
            "statistic": "share",
            "segment_value": float(p_in[i]),
            "rest_value": float(p_out[i]),
            "population_value": float(population),
            "index": _index(float(p_in[i]), population),
            "effect_size": cohens_h(p_in[i], p_out[i]),
            "segment_median": float("nan"),
            "population_median": float("nan"),
            "base": int(bases[i]),
        }
        for i, segment in enumerate(order)
    ]


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h between two proportions: 2 asin(sqrt p1) - 2 asin(sqrt p2)."""
    return float(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2)))


def profile_variables(dataset, features: Sequence[str], categorical: Sequence[str]):
    """The numeric and categorical variables a run's segments are compared on: its features,
    the dataset's descriptors and demographics (SCF), or every numeric and categorical column
    (plain tables)."""
    from custseg.dataset import is_numeric

    frame = dataset.frame
    numeric_features = [f for f in features if f not in categorical]
    numeric = [
        c
        for c in dict.fromkeys([*numeric_features, *dataset.descriptors(numeric_features)])
        if c in frame.columns and is_numeric(frame[c]) and c not in dataset.categorical_columns
    ]
    groups = [*dataset.demographic_columns, *categorical]
    groups += [c for c in EXTRA_PROFILE_CATEGORIES if c in dataset.categorical_columns]
    if not dataset.descriptor_columns:  # a plain table: every categorical column
        groups += sorted(dataset.categorical_columns)
    reserved = dataset.reserved_columns()
    groups = [c for c in dict.fromkeys(groups) if c in frame.columns and c not in reserved]
    return numeric, groups


def result_comparison(result, *, small_base: int = SMALL_BASE) -> pd.DataFrame:
    """The segment-vs-population table of a :class:`custseg.segmentation.SegmentationResult`."""
    prepared = result.prepared
    dataset = prepared.dataset
    numeric, groups = profile_variables(dataset, prepared.features, prepared.categorical)
    frame = dataset.frame.loc[prepared.rows, [*numeric, *groups]]
    return compare_segments(
        frame,
        result.segments,
        numeric=numeric,
        categorical=groups,
        weights=prepared.weights,
        households=prepared.households,
        labels={c: dataset.label(c) for c in [*numeric, *groups]},
        value_labels=dataset.value_labels,
        names={p.segment: p.name for p in result.personas},
        money_columns=[c for c in numeric if c in dataset.dollar_columns],
        small_base=small_base,
    )
