"""Population stability index and the drift report, on hand-checkable data."""

import numpy as np
import pandas as pd
import pytest

from custseg import drift


def test_psi_of_known_shares():
    expected = 0.25 * np.log(1.5) - 0.25 * np.log(0.5)  # (a-e)ln(a/e) summed by hand
    assert drift.population_stability_index([0.5, 0.5], [0.25, 0.75]) == pytest.approx(expected)
    assert drift.population_stability_index([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]) == 0.0


def test_empty_bin_is_floored_not_infinite():
    value = drift.population_stability_index([0.5, 0.5], [1.0, 0.0])
    assert np.isfinite(value) and value > drift.PSI_LARGE


@pytest.mark.parametrize(
    ("psi", "expected"),
    [(0.0, "stable"), (0.099, "stable"), (0.1, "moderate"), (0.25, "moderate"), (0.26, "large")],
)
def test_reading(psi, expected):
    assert drift.reading(psi) == expected


def test_decile_edges_unweighted_and_weighted():
    values = np.arange(1, 101, dtype=float)
    assert drift.decile_edges(values) == [10.0 * i for i in range(1, 10)]
    # Weight the top half 9 times more: nine tenths of the weight lies above 50.
    weights = np.where(values > 50, 9.0, 1.0)
    edges = drift.decile_edges(values, weights)
    assert edges[0] == 50.0 and edges[1] > 50
    assert drift.decile_edges(np.array([np.nan, np.nan])) == []


def test_bin_shares_with_ties_and_missing():
    values = np.array([0, 0, 0, 0, 1, 2, 3, np.nan, np.inf, 5], dtype=float)
    edges = drift.decile_edges(values)
    shares = drift.bin_shares(values, edges)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[-1] == pytest.approx(0.2)  # NaN and inf are missing
    assert len(edges) == len(set(edges))


def _training(seed=0, n=2_000):
    rng = np.random.default_rng(seed)
    values = pd.DataFrame({"spend": rng.lognormal(3, 1, n), "visits": rng.normal(10, 2, n)})
    segments = np.where(values["spend"] > np.median(values["spend"]), 1, 2)
    segments[values["visits"] > 13] = 3
    return values, segments


def test_training_rows_show_no_drift():
    values, segments = _training()
    reference = drift.reference(values, segments, k=3)
    report = drift.drift_report(reference, values, segments, np.zeros(len(values), bool))
    assert report["largest_psi"] == 0.0 and report["level"] == "stable"
    assert report["warnings"] == []
    assert [s["share_now"] for s in report["segments"]] == reference["segment_shares"]


def test_a_fresh_sample_of_the_same_population_is_stable():
    values, segments = _training(seed=0)
    reference = drift.reference(values, segments, k=3)
    new_values, new_segments = _training(seed=1)
    report = drift.drift_report(reference, new_values, new_segments, np.zeros(2_000, bool))
    assert report["largest_psi"] < 0.05 and report["level"] == "stable"


def test_shifted_rows_show_large_drift_and_a_warning():
    values, segments = _training()
    reference = drift.reference(values, segments, k=3)
    shifted = values.assign(visits=values["visits"] + 2)  # one standard deviation up
    moved = np.where(shifted["visits"] > 13, 3, segments)
    out = np.zeros(len(values), bool)
    out[:100] = True
    report = drift.drift_report(
        reference, shifted, moved, out, labels={"visits": "Trips to the store"}
    )
    by_feature = {f["feature"]: f for f in report["features"]}
    assert by_feature["visits"]["psi"] > drift.PSI_LARGE
    assert by_feature["spend"]["psi"] == 0.0
    assert report["segment_psi"] > drift.PSI_MODERATE
    assert report["out_of_range_rate"] == pytest.approx(0.05)
    assert report["level"] == "large"
    assert any("Trips to the store (visits) (PSI" in w for w in report["warnings"])
    assert any("outside the training data" in w for w in report["warnings"])


def test_weighted_reference_and_weighted_scoring():
    values, segments = _training()
    weights = np.where(segments == 3, 5.0, 1.0)
    reference = drift.reference(values, segments, k=3, sample_weight=weights)
    shares = np.bincount(segments, weights=weights)[1:] / weights.sum()
    assert reference["weighted"] and reference["segment_shares"] == pytest.approx(shares)
    same = drift.drift_report(
        reference, values, segments, np.zeros(len(values), bool), sample_weight=weights
    )
    assert same["largest_psi"] == 0.0
    unweighted = drift.drift_report(reference, values, segments, np.zeros(len(values), bool))
    assert unweighted["segment_psi"] > drift.PSI_LARGE  # the weights matter


def test_merged_reference_adds_shares():
    reference = {"weighted": False, "segment_shares": [0.4, 0.3, 0.2, 0.1], "features": {}}
    merged = drift.merged_reference(reference, [1, 2, 3, 3])
    assert merged["segment_shares"] == pytest.approx([0.4, 0.3, 0.3])


def test_edges_from_a_seeded_sample_on_large_inputs(monkeypatch):
    values, segments = _training(n=4_000)
    full = drift.reference(values, segments, k=3)
    monkeypatch.setattr(drift, "EDGE_SAMPLE_ROWS", 1_000)
    sampled = drift.reference(values, segments, k=3, random_state=7)
    assert sampled == drift.reference(values, segments, k=3, random_state=7)
    assert sampled["features"]["visits"]["edges"] != full["features"]["visits"]["edges"]
    np.testing.assert_allclose(
        sampled["features"]["visits"]["edges"], full["features"]["visits"]["edges"], atol=0.3
    )
    report = drift.drift_report(sampled, values, segments, np.zeros(len(values), bool))
    assert report["largest_psi"] == 0.0
