import numpy as np
import pandas as pd
import pytest

from custseg import SegmentationConfig, segment
from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.segmentation import parse_k_range, prepare


@pytest.fixture
def shoppers(blobs):
    return from_frame(blobs, name="shoppers.csv", id_columns=("customer",))


def test_three_blobs_recommend_three_segments(shoppers):
    result = segment(shoppers, k_range=(2, 6), random_state=0)
    assert result.k == 3 == result.sweep.recommendation.k
    assert list(result.profiles["n_rows"]) == [40, 30, 20]
    assert sorted(result.features) == ["spend", "visits"]  # the constant column is never chosen
    assert list(result.sweep.table.columns) == [
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "stability",
        "min_segment_share",
    ]
    assert result.warnings == []  # well separated, stable, no near-duplicate features
    assert list(result.assignments.columns) == ["customer", "segment"]


def test_same_input_and_seed_give_same_labels(shoppers):
    first = segment(shoppers, k=3, k_range=(2, 4))
    second = segment(shoppers, k=3, k_range=(2, 4))
    np.testing.assert_array_equal(first.segments, second.segments)


def test_profiles_in_original_units(shoppers, blobs):
    result = segment(shoppers, k=3, k_range=(2, 4), transform="asinh", scale="robust")
    first = blobs.iloc[:40]
    row = result.profiles.iloc[0]
    assert row["spend_median"] == pytest.approx(first["spend"].median())
    assert row["visits_mean"] == pytest.approx(first["visits"].mean())
    assert row["share"] == pytest.approx(40 / 90)


def test_model_reproduces_training_assignments(shoppers, blobs):
    result = segment(shoppers, k=3, k_range=(2, 4), transform="asinh")
    np.testing.assert_array_equal(result.model.predict(blobs), result.segments)


def test_chosen_k_outside_range_is_fitted_too(shoppers):
    result = segment(shoppers, k=7, k_range=(2, 4))
    assert list(result.sweep.table["k"]) == [2, 3, 4, 7]
    assert result.sweep.recommendation.k in (2, 3, 4)


def test_weighted_run_reports_weighted_shares(blobs):
    frame = blobs.assign(weight=np.where(np.arange(90) < 40, 1.0, 3.0))
    dataset = from_frame(frame, name="w.csv", id_columns=("customer",), weight_column="weight")
    result = segment(dataset, k=3, k_range=(2, 4), weight="weight", features=("spend", "visits"))
    shares = result.profiles.set_index("n_rows")["share"]
    assert shares[40] == pytest.approx(40 / (40 + 150))
    assert result.profiles["weighted_count"].sum() == pytest.approx(190)


def test_non_finite_rows_are_dropped_and_counted(blobs):
    frame = blobs.copy()
    frame.loc[[0, 5], "spend"] = np.nan
    frame.loc[7, "visits"] = np.inf
    dataset = from_frame(frame, name="t")
    result = segment(dataset, k=3, k_range=(2, 4), features=("spend", "visits"), missing="drop")
    assert result.prepared.dropped_rows == 3
    assert result.prepared.warnings[0] == (
        "Dropped 3 of 90 rows with missing or infinite values in spend (2), visits (1)."
    )
    assert len(result.assignments) == 87
    assert 0 not in set(result.assignments["customer"])  # an inferred id


def test_missing_values_are_imputed_and_counted(blobs):
    frame = blobs.copy()
    frame.loc[[0, 5], "spend"] = np.nan
    frame.loc[7, "visits"] = np.inf
    dataset = from_frame(frame, name="t").with_labels({"spend": "Yearly outlay"}, {})
    result = segment(dataset, k=3, k_range=(2, 4), features=("spend", "visits"))
    assert result.prepared.dropped_rows == 0 and len(result.assignments) == 90
    assert result.prepared.warnings[0] == (
        "Imputed missing or infinite values (median; most "
        "frequent category) in Yearly outlay (spend) (2), visits (1)."
    )
    np.testing.assert_array_equal(result.model.predict(frame), result.segments)
    first = frame.iloc[:40]
    assert result.profiles.loc[0, "spend_median"] == pytest.approx(first["spend"].median())


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"features": ("nope",)}, "has no column 'nope'"),
        ({"features": ("flat", "spend")}, "constant"),
        ({"features": ("allnan",)}, "has no value"),
        ({"features": ("name",)}, "not numeric"),
        ({"features": ("customer",)}, "id or weight column"),
        ({"features": ("spend", "spend")}, "more than once"),
        ({"k": 95}, "too few for --k 95"),
        ({"k": 1}, "at least 2 segments"),
        ({"k_range": (1, 5)}, "k range 1-5 is invalid"),
        (
            {
                "where": (
                    "flat == 1",
                    "spend > 0",
                    "visits > 9",
                    "visits < 11",
                    "spend < 10.1",
                    "spend > 9.9",
                )
            },
            "No column|too few|distinct",
        ),
        ({"transform": "log", "features": ("neg",)}, "negative values"),
        ({"transform": "sqrt"}, "Unknown --transform"),
        ({"select": "random"}, "Unknown --select"),
        ({"weight": "spend"}, "non-negative"),
        ({"where": ("spend > 1000",)}, "No row"),
    ],
)
def test_bad_input_is_explained(blobs, options, message):
    frame = blobs.assign(allnan=np.nan, name="x", neg=-blobs["spend"])
    dataset = from_frame(frame, name="t.csv", id_columns=("customer",))
    with pytest.raises(CustsegError, match=message):
        segment(dataset, **options)


def test_fewer_columns_than_asked_uses_all_with_a_note(shoppers):
    result = segment(shoppers, n_features=4, k=3, k_range=(2, 3))
    assert len(result.features) == 2
    assert "Only 2 numeric column(s) vary" in result.prepared.warnings[0]


@pytest.mark.parametrize(("text", "expected"), [("2-12", (2, 12)), (" 3 : 5 ", (3, 5))])
def test_parse_k_range(text, expected):
    assert parse_k_range(text) == expected


def test_bad_k_range_text():
    with pytest.raises(CustsegError, match="Cannot read the k range"):
        parse_k_range("two to five")


def test_too_few_distinct_points():
    frame = pd.DataFrame({"a": [1.0, 2.0] * 10, "b": [3.0, 4.0] * 10})
    with pytest.raises(CustsegError, match="only 2 distinct points"):
        prepare(from_frame(frame, name="t"), SegmentationConfig(k_range=(2, 3)))


def test_weighted_kmeans_equals_rows_duplicated_by_integer_weights(blobs):
    weights = np.random.default_rng(5).integers(1, 5, size=len(blobs))
    weighted = from_frame(blobs.assign(w=weights.astype(float)), name="w", weight_column="w")
    duplicated = from_frame(blobs.loc[blobs.index.repeat(weights)].reset_index(drop=True), name="d")
    options = {"features": ("spend", "visits"), "k": 3, "k_range": (2, 4), "bootstrap": 0}
    a = segment(weighted, weight="w", **options)
    b = segment(duplicated, weight=None, **options)
    np.testing.assert_allclose(a.sweep.table["inertia"], b.sweep.table["inertia"], rtol=1e-6)
    np.testing.assert_allclose(a.profiles["weighted_count"], b.profiles["n_rows"])
    np.testing.assert_allclose(a.profiles["spend_mean"], b.profiles["spend_mean"])
    np.testing.assert_allclose(a.profiles["visits_median"], b.profiles["visits_median"])
    np.testing.assert_allclose(a.explained_variance_ratio, b.explained_variance_ratio)
    np.testing.assert_allclose(a.metrics["davies_bouldin"], b.metrics["davies_bouldin"])
