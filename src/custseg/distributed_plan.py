"""The Dask engine's first pass: features, scaling statistics and a sample, computed once on
the cluster before any k (see :mod:`custseg.distributed`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from custseg.config import SegmentationConfig
from custseg.errors import CustsegError
from custseg.roles import ID_NAME
from custseg.selection import DEFAULT_TRIM

SAMPLE_ROWS = 100_000


def _compute(*collections):
    import dask

    try:
        return dask.compute(*collections)
    except CustsegError:
        raise
    except Exception as exc:  # schema clashes, unreadable files, dead workers
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CustsegError(
            f"The distributed computation failed: {message}",
            hint="Check that every partition has the same columns and types; nothing was written.",
        ) from None


@dataclass(frozen=True)
class Plan:
    """What the cluster computed once, before any k: features, scaling and a sample."""

    features: list[str]
    ids: list[str]
    scores: pd.Series
    means: np.ndarray
    scales: np.ndarray
    n_rows: int
    sample: pd.DataFrame
    weight: str | None


def _candidates(ddf, config: SegmentationConfig) -> tuple[list[str], list[str]]:
    numeric = [c for c, dtype in ddf.dtypes.items() if pd.api.types.is_numeric_dtype(dtype)]
    ids = [c for c in ddf.columns if ID_NAME.search(str(c))]
    excluded = {*ids, *([config.weight] if config.weight not in (None, "auto") else [])}
    return [c for c in numeric if c not in excluded], ids


def plan(ddf, config: SegmentationConfig) -> Plan:
    """Choose features and compute scaling statistics on the cluster; collect a sample."""
    if config.categorical or config.where or config.population != "all":
        raise CustsegError(
            "The dask engine segments numeric features of the whole table.",
            hint="Filter the Parquet data first, or use --engine local.",
        )
    candidates, ids = _candidates(ddf, config)
    weight = None if config.weight in (None, "auto") else config.weight
    if weight is not None and weight not in ddf.columns:
        raise CustsegError(f"No column {weight!r} for --weight.")
    if config.features:
        missing = [f for f in config.features if f not in candidates]
        if missing:
            raise CustsegError(f"{', '.join(missing)} is not a numeric column of the source.")
        candidates = list(config.features)
    trim = 0.0 if config.select == "variance" else DEFAULT_TRIM
    frame = ddf[candidates]
    low, high = frame.quantile(trim), frame.quantile(1 - trim)
    (n_rows,) = _compute(frame.shape[0])
    if n_rows == 0:
        raise CustsegError("The source has no rows.")
    low, high = _compute(low, high)
    columns = [
        frame[c].where((frame[c] >= low[c]) & (frame[c] <= high[c])).var(ddof=0) for c in candidates
    ]
    scores = pd.Series(_compute(*columns), index=candidates, dtype=float)
    scores = scores[scores > 0].sort_values(ascending=False)
    if scores.empty:
        raise CustsegError("No numeric column varies, so there is nothing to segment on.")
    n_features = len(config.features) or config.n_features or min(len(scores), 10)
    features = list(config.features) or list(scores.index[:n_features])
    values = ddf[features]
    if weight is None:
        means, variances = _compute(values.mean(), values.var(ddof=0))
    else:
        w = ddf[weight]
        total, sums = _compute(w.sum(), values.mul(w, axis=0).sum())
        means = sums / total
        columns = [*features, weight]
        partial = ddf[columns].map_partitions(
            _weighted_squares,
            features,
            weight,
            means.to_numpy(dtype=float),
            meta=pd.DataFrame(columns=features, dtype=float),
        )
        (squares,) = _compute(partial.sum())
        variances = squares / total
    scales = np.sqrt(variances.to_numpy(dtype=float))
    scales[scales == 0] = 1.0
    fraction = min(1.0, SAMPLE_ROWS / n_rows)
    (sample,) = _compute(
        ddf[[*ids, *features, *([weight] if weight else [])]].sample(
            frac=fraction, random_state=config.random_state
        )
    )
    return Plan(
        features,
        ids,
        scores,
        means.to_numpy(dtype=float),
        scales,
        int(n_rows),
        sample.reset_index(drop=True),
        weight,
    )


def _weighted_squares(
    part: pd.DataFrame, features: list[str], weight: str, means: np.ndarray
) -> pd.DataFrame:
    """One partition's weighted sums of squared deviations from ``means``."""
    squares = (part[features].to_numpy(dtype=float) - means) ** 2 * part[weight].to_numpy(
        dtype=float
    )[:, None]
    return pd.DataFrame([np.nansum(squares, axis=0)], columns=features)
