"""The default run on every shared table obeys the rules an analyst relies on: no recommended
segment under the minimum, no near-duplicate features, and warnings where they apply."""

import numpy as np
import pytest

from custseg import SegmentationConfig, load_dataset, segment
from custseg.collinearity import weighted_correlation
from custseg.diagnostics import WEAK_SILHOUETTE
from custseg.recommend import MIN_SEGMENT_HOUSEHOLDS

# Fewer restarts, resamples and k than the CLI's defaults keep this quick; the rules checked
# hold for any sweep.
FAST = {"bootstrap": 2, "n_init": 3, "k_range": (2, 8)}
RUNS = [
    *[
        (f"scf{year}", population)
        for year in (2019, 2022)
        for population in ("all", "small-business", "credit-fearful")
    ],
    ("customers/mall_customers.csv", "all"),
    ("customers/wholesale_customers.csv", "all"),
]


@pytest.fixture(scope="module", params=RUNS, ids=[f"{s.split('/')[-1]}-{p}" for s, p in RUNS])
def default_run(request, shared_data):
    source, population = request.param
    name = source if source.startswith("scf") else str(shared_data / source)
    return segment(load_dataset(name), SegmentationConfig(population=population, **FAST))


def test_recommended_segments_are_large_enough(default_run):
    row = default_run.sweep.table.set_index("k").loc[default_run.k]
    codes = {w.code for w in default_run.warnings}
    if default_run.sweep.recommendation.qualified:
        assert row["min_segment_share"] >= 0.02
        if "min_segment_households" in row:
            assert row["min_segment_households"] >= MIN_SEGMENT_HOUSEHOLDS
        assert not {"tiny_segment", "few_households"} & codes
    else:
        assert "no_qualifying_k" in codes


def test_no_near_duplicate_features_in_model_space(default_run):
    prepared = default_run.prepared
    correlation = weighted_correlation(prepared.Z[:, : len(prepared.numeric)], prepared.weights)
    np.fill_diagonal(correlation, 0)
    assert np.abs(correlation).max() <= 0.9
    assert "collinear_features" not in {w.code for w in default_run.warnings}


def test_weak_structure_is_said(default_run):
    silhouette = default_run.metrics["silhouette"]
    codes = {w.code for w in default_run.warnings}
    assert ("weak_structure" in codes) == (silhouette < WEAK_SILHOUETTE)


def test_scf_populations_use_their_feature_sets(default_run):
    prepared = default_run.prepared
    population = prepared.dataset.populations[prepared.selection.population]
    if population.features:
        assert prepared.numeric == [f for f in population.features if f in prepared.numeric]
        assert prepared.transform == "scaled-asinh"
        assert "AGE" not in default_run.summary()["transform_scales"]
