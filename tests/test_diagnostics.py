import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from custseg import SegmentationConfig, segment
from custseg.dataset import from_frame
from custseg.diagnostics import adjusted_rand, diagnose

RNG = np.random.default_rng(0)
SEGMENTS = np.repeat([1, 2, 3], [50, 30, 20])
INDEPENDENT = pd.DataFrame(RNG.normal(size=(100, 3)), columns=["x", "y", "z"])
CLEAN = {
    "segments": SEGMENTS,
    "k": 3,
    "model_space": INDEPENDENT,
    "silhouette": 0.7,
    "stability": 0.95,
    "explained_variance_ratio": [0.4, 0.35],
}


def codes(**changes):
    return [d.code for d in diagnose(**{**CLEAN, **changes})]


def test_a_clean_run_has_no_warnings():
    assert codes() == []


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"model_space": INDEPENDENT.assign(x2=INDEPENDENT["x"] * 2 + 0.01)}, "collinear_features"),
        ({"explained_variance_ratio": [0.85, 0.1]}, "dominant_component"),
        ({"silhouette": 0.2}, "weak_structure"),
        ({"segments": np.r_[np.ones(95, int), 2 * np.ones(5, int)], "k": 2}, "dominant_segment"),
        ({"segments": np.r_[np.repeat([1, 2], 50), 3], "k": 3}, "tiny_segment"),
        (
            {"households": np.r_[np.arange(80), np.repeat([80, 81], 10)], "min_households": 30},
            "few_households",
        ),
        ({"stability": 0.6}, "unstable_k"),
        ({"compare_columns": {"Channel": np.where(SEGMENTS == 1, "a", "b")}}, "mirrors_column"),
        ({"no_qualifying_k": "No k from 2 to 6 keeps every segment above 2%."}, "no_qualifying_k"),
    ],
)
def test_each_situation_is_warned_about(changes, code):
    found = diagnose(**{**CLEAN, **changes})
    assert [d.code for d in found] == [code]
    record = found[0].to_dict()
    assert set(record) == {"code", "message", "numbers"} and record["message"]


@pytest.mark.parametrize(
    ("segments", "households", "expected"),
    [
        (
            np.r_[np.repeat([1, 2], 50), 3],
            None,
            "Segment 3 holds less than 2% of the population (0.99%)",
        ),
        (
            np.r_[np.repeat([1, 2], 49), 3, 3, 4],
            None,
            "Segments 3 and 4 hold less than 2% of the population (smallest 0.99%)",
        ),
        (SEGMENTS, np.r_[np.arange(80), np.repeat([80, 81], 10)], "Segment 3 rests on fewer"),
        (SEGMENTS, np.r_[np.arange(50), np.repeat([50], 50)], "Segments 2 and 3 rest on fewer"),
    ],
)
def test_segment_warnings_agree_with_their_number(segments, households, expected):
    found = diagnose(
        **{**CLEAN, "segments": segments, "k": int(segments.max())},
        households=households,
        min_households=30,
    )
    messages = " ".join(d.message for d in found)
    assert expected in messages and "Segment(s)" not in messages


@pytest.mark.parametrize(
    ("changes", "said", "numbers"),
    [
        (
            {"model_space": INDEPENDENT.assign(x2=INDEPENDENT["x"] * 2 + 0.01)},
            "Spend (x) and Spend twice (x2) (r = 1.000)",
            {"pairs": [["x", "x2", 1.0]]},
        ),
        (
            {"compare_columns": {"CH": np.where(SEGMENTS == 1, "a", "b")}},
            "the existing column Sales channel (CH) (adjusted Rand index",
            {"column": "CH"},
        ),
    ],
)
def test_warnings_name_columns_by_label_and_name(changes, said, numbers):
    labels = {"x": "Spend", "x2": "Spend twice", "CH": "Sales channel"}
    [found] = diagnose(**{**CLEAN, **changes}, labels=labels)
    assert said in found.message
    assert numbers.items() <= found.numbers.items()


def test_few_households_counts_them_as_the_sizes_do_too():
    """Household 200 has 10 rows in segment 1 and 5 in segment 3: segment 3 has rows of 4
    households, but 3.3 counting each household by its share of rows (as sizes do)."""
    households = np.r_[
        np.arange(40),
        np.full(10, 200),
        np.arange(50, 80),
        np.full(5, 200),
        np.repeat([1, 2, 3], 5) + 200,
    ]
    [found] = diagnose(**CLEAN, households=households, min_households=30)
    assert found.numbers["segments"] == [3]
    assert "(4 with rows in it; 3 counting each household by its share of rows" in found.message
    assert found.message.endswith(": its estimates hang on a handful of interviews.")
    whole = np.r_[np.arange(80), np.repeat([80, 81], 10)]  # segment 3: 2 whole households
    [found] = diagnose(**CLEAN, households=whole, min_households=30)
    assert "fewer than 30 surveyed households (2): its estimates" in found.message


def test_weights_decide_segment_sizes():
    weights = np.r_[np.ones(50), np.full(50, 0.001)]  # segments 2 and 3 weigh almost nothing
    found = diagnose(**CLEAN, weights=weights)
    assert {d.code for d in found} == {"dominant_segment", "tiny_segment"}


def test_unrelated_column_is_not_a_mirror():
    column = RNG.integers(0, 3, size=100)
    assert codes(compare_columns={"Region": column}) == []


@pytest.mark.parametrize("seed", range(3))
def test_adjusted_rand_matches_sklearn(seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 4, 500), rng.integers(0, 3, 500)
    b[:300] = a[:300] % 3
    assert adjusted_rand(a, b) == pytest.approx(adjusted_rand_score(a, b), abs=1e-12)
    assert adjusted_rand(a, a) == 1.0


def test_segmenting_on_a_coded_column_is_flagged(blobs):
    """A table whose segments are its own Channel column: the run says so."""
    channel = np.repeat([1, 2, 2], [40, 30, 20])
    table = blobs.drop(columns="flat").assign(Channel=channel)
    result = segment(
        from_frame(table, name="t.csv", id_columns=("customer",)),
        SegmentationConfig(k=2, k_range=(2, 3), bootstrap=2, n_init=2),
    )
    mirrors = [w for w in result.warnings if w.code == "mirrors_column"]
    assert mirrors and mirrors[0].numbers["column"] == "Channel"
    assert mirrors[0].numbers["ari"] == pytest.approx(1.0)
    assert "mirrors_column" in {w["code"] for w in result.summary()["warnings"]}
