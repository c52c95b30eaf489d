import numpy as np
import pandas as pd
import pytest

from custseg import SegmentationConfig, prepare
from custseg.collinearity import collinear_features, guard, r_squared, weighted_correlation
from custseg.dataset import Dataset, Population, from_frame


@pytest.fixture
def columns():
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, 2_000))
    return pd.DataFrame(
        {
            "a": a,
            "a_copy": a + 0.1 * rng.normal(size=2_000),  # r ~ 0.995 with a
            "b": b,
            "a_plus_b": a + b + 0.05 * rng.normal(size=2_000),  # r ~ 0.7 with each, R^2 ~ 1
            "c": c,
        }
    )


def test_weighted_correlation_matches_numpy(columns):
    X = columns.to_numpy()
    np.testing.assert_allclose(weighted_correlation(X), np.corrcoef(X.T), atol=1e-12)
    weights = np.ones(len(X))
    weights[:10] = 2.0  # as if the first ten rows appeared twice
    exact = np.corrcoef(np.vstack([X, X[:10]]).T)
    np.testing.assert_allclose(weighted_correlation(X, weights), exact, atol=1e-12)


def test_guard_skips_a_close_pair_and_a_sum(columns):
    names = list(columns)
    correlation = weighted_correlation(columns.to_numpy())
    assert r_squared(correlation, 3, [0, 2]) > 0.99
    chosen, skipped = guard(correlation, names, names, n=5)
    assert chosen == ["a", "b", "c"]
    by_name = {s.name: s for s in skipped}
    assert by_name["a_copy"].numbers["with"] == "a" and by_name["a_copy"].numbers["r"] > 0.99
    assert "R^2" in by_name["a_plus_b"].reason and by_name["a_plus_b"].numbers["r_squared"] > 0.95


def test_guard_names_features_as_people_read_them(columns):
    correlation = weighted_correlation(columns.to_numpy())
    names = list(columns)
    _, skipped = guard(correlation, names, names, n=5, shown=lambda c: f"Label of {c} ({c})")
    by_name = {s.name: s for s in skipped}
    assert by_name["a_copy"].shown == "Label of a_copy (a_copy)"
    assert "with Label of a (a) (|r| above" in by_name["a_copy"].reason
    assert "from Label of a (a), Label of b (b)" in by_name["a_plus_b"].reason
    assert by_name["a_copy"].to_dict()["name"] == "a_copy"


def test_guard_stops_at_n(columns):
    correlation = weighted_correlation(columns.to_numpy())
    chosen, skipped = guard(correlation, list(columns), ["c", "b", "a"], n=2)
    assert chosen == ["c", "b"] and skipped == []


def test_collinear_features_lists_pairs_and_sums(columns):
    pairs, explained = collinear_features(weighted_correlation(columns.to_numpy()), list(columns))
    assert [(a, b) for a, b, _ in pairs] == [("a", "a_copy")]
    assert "a_plus_b" in {name for name, _ in explained}


def test_plain_table_default_skips_near_duplicates(columns):
    dataset = from_frame(columns.assign(id=np.arange(len(columns))), name="t.csv")
    prepared = prepare(dataset, SegmentationConfig(k_range=(2, 3)))
    assert {"a_copy", "a_plus_b"} & {s.name for s in prepared.skipped}
    kept = weighted_correlation(prepared.Z)
    np.fill_diagonal(kept, 0)
    assert np.abs(kept).max() <= 0.9


def test_population_feature_set_comes_first_and_is_guarded(columns):
    frame = columns.assign(id=np.arange(len(columns)))
    population = Population("p", "everyone", features=("c", "a", "a_copy"), noun="people")
    dataset = Dataset(name="t", frame=frame, id_columns=("id",), populations={"p": population})
    prepared = prepare(dataset, SegmentationConfig(population="p", k_range=(2, 3)))
    assert prepared.features == ["c", "a"]
    assert [s.name for s in prepared.skipped] == ["a_copy"]
    # the seed's method keeps its ranking, near-duplicates included
    seed = prepare(
        dataset,
        SegmentationConfig(population="p", select="variance", n_features=5, k_range=(2, 3)),
    )
    assert set(seed.features) == set(columns) and seed.skipped == []
