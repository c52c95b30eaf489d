"""The seed's reference analysis on the real 2019 SCF file, checked independently."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats.mstats import trimmed_var
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from custseg import SegmentationConfig, segment
from custseg.config import REFERENCE

pytestmark = pytest.mark.scf


@pytest.fixture(scope="module")
def result(scf2019):
    return segment(scf2019, REFERENCE)


@pytest.fixture(scope="module")
def owners(scf2019_raw):
    return scf2019_raw[(scf2019_raw["HBUS"] == 1) & (scf2019_raw["INCOME"] < 500_000)].copy()


def test_population_and_features(result, owners):
    assert result.prepared.n_rows == len(owners) == 4364
    candidates = owners.drop(columns=["YY1", "Y1", "WGT"])
    top5 = candidates.apply(trimmed_var).sort_values().tail(5).index
    assert set(result.features) == set(top5) == {"BUS", "NHNFIN", "NFIN", "NETWORTH", "ASSET"}


def test_sweep_inertia_equals_plain_sklearn(result, owners):
    X = owners[["BUS", "NHNFIN", "NFIN", "NETWORTH", "ASSET"]]
    expected = [
        make_pipeline(StandardScaler(), KMeans(n_clusters=k, n_init=10, random_state=42))
        .fit(X)[-1]
        .inertia_
        for k in range(2, 13)
    ]
    np.testing.assert_allclose(result.sweep.table["inertia"], expected, rtol=1e-9)


def test_silhouette_and_pca_in_model_space(result, owners):
    Z = StandardScaler().fit_transform(owners[result.features])
    labels = result.segments
    assert result.metrics["silhouette"] == pytest.approx(silhouette_score(Z, labels), abs=1e-9)
    reference = PCA(n_components=2).fit(Z)
    np.testing.assert_allclose(
        result.explained_variance_ratio, reference.explained_variance_ratio_, rtol=1e-9
    )
    np.testing.assert_allclose(
        np.abs(result.pca[["pc1", "pc2"]].to_numpy()), np.abs(reference.transform(Z)), atol=1e-8
    )


def test_profiles_match_groupby(result, owners):
    grouped = owners.assign(segment=result.segments).groupby("segment")
    np.testing.assert_allclose(result.profiles["n_rows"], grouped.size())
    np.testing.assert_allclose(result.profiles["ASSET_median"], grouped["ASSET"].median())
    np.testing.assert_allclose(result.profiles["BUS_mean"], grouped["BUS"].mean())
    assert list(result.profiles["n_rows"]) == sorted(result.profiles["n_rows"], reverse=True)


def test_assignments_carry_household_ids(result, owners):
    assignments = result.assignments
    assert list(assignments.columns) == ["YY1", "Y1", "segment"]
    pd.testing.assert_series_equal(assignments["Y1"], owners["Y1"].reset_index(drop=True))


def test_large_population_samples_silhouette(scf2019):
    result = segment(
        scf2019,
        SegmentationConfig(
            features=("INCOME", "NETWORTH"), k=3, k_range=(2, 4), transform="asinh", n_init=2
        ),
    )
    assert result.prepared.n_rows == 28_885
    assert result.sweep.silhouette_info == {"rows": 10_000, "sampled": True, "sample_seed": 42}


def test_seed_run_states_its_warnings(result):
    """The seed's choices reproduce exactly, and the run says what is wrong with them."""
    warnings = {w.code: w for w in result.warnings}
    assert {"collinear_features", "dominant_component", "dominant_segment"} <= set(warnings)
    assert warnings["dominant_component"].numbers["pc1_share"] == pytest.approx(0.954, abs=5e-4)
    assert warnings["dominant_segment"].numbers["share"] == pytest.approx(0.947, abs=5e-4)
    pairs = {tuple(sorted(p[:2])) for p in warnings["collinear_features"].numbers["pairs"]}
    assert ("ASSET", "NETWORTH") in pairs
    summary = result.summary()
    assert [w["code"] for w in summary["warnings"]] == [w.code for w in result.warnings]
