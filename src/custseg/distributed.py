"""The Dask engine: segment a table too large for one process on a dask.distributed cluster.

Everything that touches every row runs on the cluster, partition by partition, and is never
collected: column statistics and trimmed variances (from approximate quantiles), scaling, the
Lloyd iterations of every k, inertia, Calinski-Harabasz and Davies-Bouldin, segment sizes and
means, and the assignments (written as partitioned Parquet). What needs rows side by side uses
a seeded sample of at most ``SAMPLE_ROWS`` rows collected to this process, and says so: k-means++
initialisation, the silhouette, the 2-D PCA view and the segment medians.

The first pass (features, scaling, the sample) is in :mod:`custseg.distributed_plan`, Lloyd's
iterations in :mod:`custseg.distributed_lloyd`; this module runs them and builds the result.
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
from custseg.distributed_lloyd import (
    DistributedFit,
    _dispersion,
    _fits_in_cluster_memory,
    _nearest,
    _ordered,
    _scaled,
    lloyd,
)
from custseg.distributed_plan import Plan, plan
from custseg.errors import CustsegError
from custseg.formatting import counted, percent
from custseg.metrics import SILHOUETTE_SAMPLE, silhouette_scores
from custseg.model import SegmentModel
from custseg.recommend import recommend_k, smallest_segment
from custseg.segmentation import OUT_OF_RANGE_QUANTILE, SegmentationConfig, versions
from custseg.stats import principal_components


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
            f"Segment {segment}: {counted(row['n_rows'], 'row')} ({percent(row['share'])} of rows)"
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
