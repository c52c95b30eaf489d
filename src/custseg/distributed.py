"""The Dask engine: segment a table too large for one process on a dask.distributed cluster.

Everything that touches every row runs on the cluster, partition by partition, and is never
collected: column statistics and trimmed variances (from approximate quantiles), scaling, the
Lloyd iterations of every k, inertia, Calinski-Harabasz and Davies-Bouldin, segment sizes and
means, and the assignments (written as partitioned Parquet). What needs rows side by side uses
a seeded sample of at most ``SAMPLE_ROWS`` rows collected to this process, and says so:
k-means++ initialisation, the silhouette, the 2-D PCA view and the segment medians.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from custseg import drift
from custseg.diagnostics import diagnose
from custseg.errors import CustsegError
from custseg.metrics import SILHOUETTE_SAMPLE, silhouette_scores
from custseg.model import SegmentModel
from custseg.recommend import recommend_k, smallest_segment
from custseg.roles import ID_NAME
from custseg.segmentation import OUT_OF_RANGE_QUANTILE, SegmentationConfig, versions
from custseg.selection import DEFAULT_TRIM
from custseg.stats import principal_components

SAMPLE_ROWS = 100_000
MAX_ITER = 300
#: Lloyd stops when no centre moves by more than this (in standard deviations, squared sum).
TOLERANCE = 1e-4


@contextlib.contextmanager
def connect(scheduler: str | None = None) -> Iterator[Any]:
    """A dask.distributed client: to ``scheduler``, or to a LocalCluster sized to this machine.

    Raises
    ------
    CustsegError
        If the scheduler cannot be reached.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise CustsegError(
            "The dask engine needs Dask.", hint="pip install 'custseg[dask]'"
        ) from None
    try:
        if scheduler:
            client = Client(scheduler, timeout="10s")
            cluster = None
        else:
            cluster = LocalCluster(dashboard_address="127.0.0.1:0", host="127.0.0.1")
            client = Client(cluster)
    except (OSError, TimeoutError) as exc:
        raise CustsegError(
            f"Could not reach the Dask scheduler at {scheduler}: {exc}",
            hint="Check the address (tcp://HOST:8786), or leave out --scheduler "
            "to start a local cluster.",
        ) from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def read(source: str):
    """A lazy Dask DataFrame over a Parquet file, folder or glob, or a CSV glob.

    Raises
    ------
    CustsegError
        If nothing matches or the files cannot be read.
    """
    import dask.dataframe as dd

    path = Path(source)
    if "*" not in source and not path.exists():
        raise CustsegError(f"No such file or folder: {source}")
    try:
        if source.lower().endswith((".csv", ".csv.gz", ".tsv")) or "*.csv" in source.lower():
            return dd.read_csv(
                source, sep="\t" if ".tsv" in source.lower() else ",", assume_missing=True
            )
        if path.is_dir() or "*" in source or source.lower().endswith((".parquet", ".pq")):
            return dd.read_parquet(source)
    except (OSError, ValueError) as exc:
        raise CustsegError(f"Could not read {source}: {exc}") from None
    raise CustsegError(
        f"The dask engine reads Parquet (a file, folder or glob) or CSV globs, not {source}."
    )


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


def _partials(block: np.ndarray, weights: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Per-cluster weight, coordinate sums, squared and plain distance sums and row count of
    one block."""
    k, d = centers.shape
    # |x - c|^2 = |x|^2 - 2 x.c + |c|^2: an (n, k) matrix instead of an (n, k, d) one.
    distances = (block**2).sum(axis=1)[:, None] - 2 * block @ centers.T + (centers**2).sum(axis=1)
    labels = distances.argmin(axis=1)
    nearest = np.maximum(distances[np.arange(len(labels)), labels], 0)
    out = np.zeros((k, d + 4))
    out[:, 0] = np.bincount(labels, weights=weights, minlength=k)
    for j in range(d):
        out[:, 1 + j] = np.bincount(labels, weights=weights * block[:, j], minlength=k)
    out[:, d + 1] = np.bincount(labels, weights=weights * nearest, minlength=k)
    out[:, d + 2] = np.bincount(labels, weights=weights * np.sqrt(nearest), minlength=k)
    out[:, d + 3] = np.bincount(labels, minlength=k)
    return out


@dataclass(frozen=True)
class DistributedFit:
    """One k fitted on the cluster; per-cluster arrays in segment order once ordered."""

    k: int
    centers: np.ndarray
    weights: np.ndarray
    inertia: float
    spread: np.ndarray
    rows: np.ndarray
    n_iter: int


def _scaled(ddf, the_plan: Plan):
    """The model-space matrix and the weights as Dask arrays (missing values at the mean)."""
    import dask.array as da

    values = ddf[the_plan.features].astype(float)
    weights = ddf[the_plan.weight].astype(float) if the_plan.weight else 1.0
    both = values.assign(__weight__=weights).to_dask_array(lengths=True)
    Z = (both[:, :-1] - the_plan.means) / the_plan.scales
    return da.where(da.isnan(Z), 0.0, Z), both[:, -1]


#: The scaled matrix is kept in the workers' memory when it takes at most this share of it.
PERSIST_SHARE = 0.25


def _fits_in_cluster_memory(nbytes: float) -> bool:
    from distributed import get_client

    workers = get_client().scheduler_info()["workers"].values()
    limit = sum(worker.get("memory_limit") or 0 for worker in workers)
    return bool(limit) and nbytes <= PERSIST_SHARE * limit


def _pass(Z, w, centers: np.ndarray) -> np.ndarray:
    """One pass over the data: the per-cluster partials of every row block, summed."""
    import dask

    # Z and w are slices of one array with a chunk per partition and every column in it, so
    # their row blocks pair up.
    blocks = Z.to_delayed().ravel()
    weights = w.to_delayed().ravel()
    partials = [
        dask.delayed(_partials)(block, weight, centers)
        for block, weight in zip(blocks, weights, strict=True)
    ]
    (totals,) = _compute(dask.delayed(sum)(partials))
    return totals


def lloyd(
    Z,
    w,
    centers: np.ndarray,
    *,
    max_iter: int = MAX_ITER,
    progress: Callable[[], None] | None = None,
) -> DistributedFit:
    """Lloyd iterations over Dask arrays from ``centers``, one pass over the data each, then a
    final pass for the inertia and the spread of every cluster."""
    d = centers.shape[1]
    n_iter = 0
    while n_iter < max_iter:
        totals = _pass(Z, w, centers)
        counts = totals[:, 0]
        moved = centers.copy()
        filled = counts > 0  # an emptied cluster keeps its centre
        moved[filled] = totals[filled, 1 : d + 1] / counts[filled, None]
        shift = float(((moved - centers) ** 2).sum())
        centers, n_iter = moved, n_iter + 1
        if progress is not None:
            progress()
        if shift <= TOLERANCE:
            break
    totals = _pass(Z, w, centers)
    counts = totals[:, 0]
    spread = np.divide(totals[:, d + 2], counts, out=np.zeros_like(counts), where=counts > 0)
    return DistributedFit(
        centers.shape[0],
        centers,
        counts,
        float(totals[:, d + 1].sum()),
        spread,
        totals[:, d + 3].astype(int),
        n_iter,
    )


def _ordered(fit: DistributedFit) -> DistributedFit:
    """Segments numbered largest first, as the local engine numbers them."""
    order = np.lexsort((*fit.centers.T[::-1], -fit.weights))
    return DistributedFit(
        fit.k,
        fit.centers[order],
        fit.weights[order],
        fit.inertia,
        fit.spread[order],
        fit.rows[order],
        fit.n_iter,
    )


def _dispersion(fit: DistributedFit, overall: np.ndarray, n_rows: int) -> tuple[float, float]:
    """Calinski-Harabasz (weights rescaled to the row count) and Davies-Bouldin from the
    per-cluster sums of the final pass."""
    scale = n_rows / fit.weights.sum()
    between = scale * float((fit.weights * ((fit.centers - overall) ** 2).sum(axis=1)).sum())
    within = scale * fit.inertia
    k = fit.k
    calinski = 1.0 if within == 0 else between * (n_rows - k) / (within * (k - 1))
    separation = np.linalg.norm(fit.centers[:, None, :] - fit.centers[None, :, :], axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (fit.spread[:, None] + fit.spread[None, :]) / separation
    ratio[~np.isfinite(ratio)] = 0
    np.fill_diagonal(ratio, 0)
    return calinski, float(ratio.max(axis=1).mean())


def _nearest(Z: np.ndarray, centers: np.ndarray) -> np.ndarray:
    distances = (Z**2).sum(axis=1)[:, None] - 2 * Z @ centers.T + (centers**2).sum(axis=1)
    return distances.argmin(axis=1)


@dataclass(frozen=True)
class DistributedResult:
    """A segmentation computed on a cluster, shaped like a run folder's contents."""

    summary: dict[str, Any]
    sweep: pd.DataFrame
    profiles: pd.DataFrame
    points: pd.DataFrame
    model: SegmentModel
    assignments: Any  # a lazy Dask DataFrame of the ids and the segment


def _model(
    the_plan: Plan,
    sample_z: np.ndarray,
    fit: DistributedFit,
    config: SegmentationConfig,
    source: str,
) -> SegmentModel:
    """The same kind of saved model as the local engine's, built from the cluster's numbers."""
    sample = the_plan.sample[the_plan.features].to_numpy(float)
    imputer = SimpleImputer(strategy="mean").fit(sample)
    imputer.statistics_ = the_plan.means.copy()  # the cluster filled gaps with the full mean
    scaler = StandardScaler().fit(sample)
    scaler.mean_, scaler.scale_, scaler.var_ = the_plan.means, the_plan.scales, the_plan.scales**2
    # Fitting on the centres themselves, from the centres, gives a fitted estimator whose
    # cluster_centers_ are exactly the cluster's.
    kmeans = KMeans(n_clusters=fit.k, init=fit.centers, n_init=1, max_iter=1).fit(fit.centers)
    mean, components, _ = principal_components(sample_z)
    nearest = kmeans.transform(sample_z).min(axis=1)
    return SegmentModel(
        pipeline=Pipeline(
            [("preprocess", Pipeline([("impute", imputer), ("scale", scaler)])), ("kmeans", kmeans)]
        ),
        features=the_plan.features,
        projection_mean=mean,
        projection_components=components,
        metadata={
            "source": source,
            "population": "all",
            "where": [],
            "k": fit.k,
            "n_rows": the_plan.n_rows,
            "numeric_features": the_plan.features,
            "categorical_features": [],
            "transform": "none",
            "scale": "standard",
            "weight": the_plan.weight,
            "random_state": config.random_state,
            "feature_labels": {f: f for f in the_plan.features},
            "engine": "dask",
            "distance_cutoff": float(np.quantile(nearest, OUT_OF_RANGE_QUANTILE)),
            "segment_names": {str(s): f"Segment {s}" for s in range(1, fit.k + 1)},
            "drift_reference": {
                # Feature bins from the sample; segment shares exact, from the last pass.
                **drift.reference(
                    the_plan.sample[the_plan.features],
                    kmeans.predict(sample_z) + 1,
                    k=fit.k,
                    sample_weight=(
                        the_plan.sample[the_plan.weight].to_numpy(float)
                        if the_plan.weight
                        else None
                    ),
                ),
                "segment_shares": [float(w) for w in fit.weights / fit.weights.sum()],
            },
        },
    )


def _profiles(the_plan: Plan, fit: DistributedFit, sample_labels: np.ndarray) -> pd.DataFrame:
    """Segment sizes and means from the final Lloyd pass (the centres are the segments' means,
    in scaled units); medians from the sample."""
    means = fit.centers * the_plan.scales + the_plan.means
    sample = the_plan.sample
    rows = []
    for index in range(fit.k):
        segment = index + 1
        members = sample[the_plan.features][sample_labels == index]
        row: dict[str, Any] = {
            "segment": segment,
            "n_rows": int(fit.rows[index]),
            "share": float(fit.weights[index] / fit.weights.sum()),
        }
        if the_plan.weight:
            row["weighted_count"] = float(fit.weights[index])
        row["name"] = f"Segment {segment}"
        row["size"] = (
            f"Segment {segment}: {row['n_rows']:,} rows ({100 * row['share']:.1f}% of rows)"
        )
        for j, feature in enumerate(the_plan.features):
            row[f"{feature}_mean"] = float(means[index, j])
            row[f"{feature}_median"] = float(members[feature].median()) if len(members) else np.nan
        row["description"] = (
            f"{row['size']}; medians estimated from a sample of {len(sample):,} rows."
        )
        rows.append(row)
    return pd.DataFrame(rows)


def segment(
    source: str, config: SegmentationConfig, *, progress: Callable[[], None] | None = None
) -> DistributedResult:
    """Segment ``source`` on the current Dask client (see :func:`connect`).

    Raises
    ------
    CustsegError
        For unreadable sources, unsuitable options, or a failed distributed computation.
    """
    if config.transform not in ("none", "auto") or config.scale != "standard":
        raise CustsegError(
            "The dask engine scales with the standard scaler and no transform.",
            hint="Use --transform none --scale standard, or --engine local.",
        )
    ddf = read(source)
    the_plan = plan(ddf, config)
    Z, w = _scaled(ddf, the_plan)
    held = _fits_in_cluster_memory(Z.nbytes)
    if held:  # otherwise every pass streams the partitions again: memory bounded, slower
        Z, w = Z.persist(), w.persist()
    sample = the_plan.sample
    sample_z = (
        sample[the_plan.features]
        .fillna(dict(zip(the_plan.features, the_plan.means, strict=True)))
        .to_numpy(float)
        - the_plan.means
    ) / the_plan.scales
    sample_w = sample[the_plan.weight].to_numpy(float) if the_plan.weight else None
    overall = np.average(sample_z, axis=0, weights=sample_w)
    fits, rows = {}, []
    for k in config.ks:
        if k >= len(sample_z):
            raise CustsegError(f"k={k} needs more rows than the sample's {len(sample_z):,}.")
        init = KMeans(n_clusters=k, n_init=config.n_init, random_state=config.random_state)
        init.fit(sample_z, sample_weight=sample_w)
        fits[k] = _ordered(lloyd(Z, w, init.cluster_centers_, progress=progress))
        calinski, davies = _dispersion(fits[k], overall, the_plan.n_rows)
        rows.append(
            {
                "k": k,
                "inertia": fits[k].inertia,
                "calinski_harabasz": calinski,
                "davies_bouldin": davies,
            }
        )
    labels = {k: _nearest(sample_z, fit.centers) for k, fit in fits.items()}
    # The sample is already random: its first rows are a seeded subsample for the O(n^2) part.
    few = slice(0, SILHOUETTE_SAMPLE)
    silhouettes = silhouette_scores(
        sample_z[few],
        {k: lab[few] for k, lab in labels.items()},
        sample_weight=None if sample_w is None else sample_w[few],
    )
    sweep = pd.DataFrame(rows)
    sweep.insert(2, "silhouette", sweep["k"].map(silhouettes))
    # Segment sizes from the (random) sample, as the medians are.
    sweep["min_segment_share"] = [smallest_segment(labels[k_], sample_w)[0] for k_ in sweep["k"]]
    recommendation = recommend_k(
        sweep[sweep["k"].between(*config.k_range)], min_share=config.min_segment
    )
    k = config.k or recommendation.k
    model = _model(the_plan, sample_z, fits[k], config, source)
    segments = ddf[the_plan.features].map_partitions(
        lambda part: pd.Series(model.predict(part), index=part.index, name="segment"),
        meta=("segment", "int64"),
    )
    profiles = _profiles(the_plan, fits[k], labels[k])
    coords = model.project(sample_z)
    points = pd.concat(
        [
            sample[the_plan.ids],
            pd.DataFrame({"pc1": coords[:, 0], "pc2": coords[:, 1], "segment": labels[k] + 1}),
            sample[the_plan.features],
        ],
        axis=1,
    )
    _, _, ratio = principal_components(sample_z, sample_weight=sample_w)
    summary = {
        "source": source,
        "engine": "dask",
        "population": {"name": "all", "description": "every row", "conditions": []},
        "n_rows": the_plan.n_rows,
        "features": [
            {"name": f, "label": f, "score": float(the_plan.scores.get(f, np.nan))}
            for f in the_plan.features
        ],
        "candidate_scores": [
            {"name": str(c), "label": str(c), "score": float(s)}
            for c, s in the_plan.scores.iloc[:10].items()
        ],
        "numeric_features": the_plan.features,
        "selection": (
            {"method": "named"}
            if config.features
            else {"method": config.select, "approximate_quantiles": True}
        ),
        "transform": "none",
        "scale": "standard",
        "weight": the_plan.weight,
        "k": k,
        "k_range": list(config.k_range),
        "recommended": {
            "k": recommendation.k,
            "reason": recommendation.reason,
            "elbow_k": recommendation.elbow_k,
            "best_silhouette_k": recommendation.best_silhouette_k,
            "qualified": recommendation.qualified,
            "min_segment_share": config.min_segment,
            "rule": recommendation.rule,
        },
        "metrics": {
            name: float(value)
            for name, value in sweep.set_index("k").loc[k].items()
            if name != "min_segment_share"
        },
        "silhouette": {
            "rows": int(min(len(sample_z), SILHOUETTE_SAMPLE)),
            "sampled": True,
            "sample_seed": config.random_state,
        },
        "pca": {
            "explained_variance_ratio": [float(r) for r in ratio],
            "space": "scaled features, on the sample",
        },
        "lloyd_iterations": {str(k_): fit.n_iter for k_, fit in fits.items()},
        "matrix_held_in_memory": held,
        "random_state": config.random_state,
        "versions": versions(),
        "warnings": [
            warning.to_dict()
            for warning in diagnose(
                segments=labels[k] + 1,
                k=k,
                weights=sample_w,
                model_space=pd.DataFrame(sample_z, columns=the_plan.features),
                silhouette=float(silhouettes[k]),
                explained_variance_ratio=list(ratio),
                min_share=config.min_segment,
                no_qualifying_k=None if recommendation.qualified else recommendation.reason,
            )
        ],
        "notes": [
            "Trimmed variances use Dask's approximate quantiles for the cut points.",
            f"The k-means++ initialisation, the silhouette, the PCA view and the medians use a "
            f"seeded sample of {len(sample_z):,} rows.",
            "Missing feature values are filled with the feature's mean.",
        ],
    }
    return DistributedResult(
        summary, sweep, profiles, points, model, ddf[the_plan.ids].assign(segment=segments)
    )
