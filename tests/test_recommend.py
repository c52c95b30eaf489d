import numpy as np
import pandas as pd
import pytest

from custseg.recommend import elbow, recommend_k

KS = [2, 3, 4, 5, 6]
INERTIA = [100.0, 40.0, 30.0, 25.0, 22.0]  # elbow at k=3


def sweep(silhouette, stability=None):
    frame = pd.DataFrame({"k": KS, "inertia": INERTIA, "silhouette": silhouette})
    if stability is not None:
        frame["stability"] = stability
    return frame


def test_elbow_by_hand():
    assert elbow(pd.Series(KS).to_numpy(), pd.Series(INERTIA).to_numpy()) == 3


def test_stable_elbow_with_good_silhouette_wins():
    result = recommend_k(sweep([0.6, 0.55, 0.5, 0.4, 0.3], [0.9, 0.9, 0.9, 0.9, 0.9]))
    assert (result.k, result.elbow_k, result.best_silhouette_k) == (3, 3, 2)
    assert "k=3 is the elbow" in result.reason


def test_unstable_elbow_gives_way_to_nearest_stable_k():
    result = recommend_k(sweep([0.5, 0.5, 0.5, 0.5, 0.5], [0.9, 0.5, 0.8, 0.9, 0.9]))
    assert result.k == 2  # 2 and 4 are equally near the elbow; 2 is the more stable
    assert "does not qualify (stability 0.50 below 0.75)" in result.reason


def test_nearest_k_that_is_also_the_best_is_not_compared_with_itself():
    # k=3 (the elbow) is unstable; k=2, the nearest qualifying k, also has the best silhouette.
    result = recommend_k(sweep([0.6, 0.5, 0.4, 0.3, 0.2], [0.9, 0.5, 0.9, 0.9, 0.9]))
    assert result.k == 2 and result.best_silhouette_k == 2
    assert "k=2 is the nearest qualifying k and has the best qualifying silhouette" in result.reason
    assert "at k=2)" not in result.reason


@pytest.mark.parametrize(
    ("stability", "expected"),
    [
        # The elbow (k=3) is unstable; k=4, the nearest qualifying k, is close to k=5's best.
        (
            [0.9, 0.5, 0.95, 0.9, 0.9],
            "k=4 is the nearest qualifying k (silhouette 0.500, stability 0.95), within 0.1 of "
            "the best qualifying silhouette (0.600 at k=5).",
        ),
        (
            [0.9, 0.9, 0.95, 0.9, 0.9],
            "explain little more); k=3 (silhouette 0.520, stability 0.90) is within 0.1 of the "
            "best qualifying silhouette (0.600 at k=5).",
        ),
    ],
)
def test_a_k_within_reach_of_the_best_silhouette_is_named_once(stability, expected):
    result = recommend_k(sweep([0.55, 0.52, 0.5, 0.6, 0.3], stability))
    assert expected in result.reason


def test_overlapping_elbow_gives_way_to_best_silhouette():
    result = recommend_k(sweep([0.9, 0.5, 0.4, 0.3, 0.2]))
    assert result.k == 2 and "overlap" in result.reason


def test_nothing_stable_is_flagged():
    result = recommend_k(sweep([0.5] * 5, [0.3] * 5))
    assert result.k == 3 and "caution" in result.reason


@pytest.mark.parametrize("stability", [None, [1.0] * 5])
def test_without_or_with_full_stability_same_answer(stability):
    assert recommend_k(sweep([0.6, 0.55, 0.5, 0.4, 0.3], stability)).k == 3


def sized(silhouette, stability, shares, households=None):
    frame = sweep(silhouette, stability).assign(min_segment_share=shares)
    if households is not None:
        frame["min_segment_households"] = households
    return frame


def test_k_with_a_tiny_segment_is_never_recommended():
    table = sized([0.5] * 5, [0.9] * 5, [0.3, 0.005, 0.2, 0.1, 0.05])
    result = recommend_k(table, min_share=0.02)
    assert result.k != 3 and result.qualified
    assert result.excluded[3] == "smallest segment 0.5% of the population"
    assert "k=3 is the elbow" in result.reason and "does not qualify" in result.reason


def test_survey_segments_need_enough_households():
    table = sized([0.5] * 5, [0.9] * 5, [0.3] * 5, households=[100, 12, 100, 100, 100])
    result = recommend_k(table, min_share=0.02, min_households=30)
    assert result.k in (2, 4) and "12 households" in result.excluded[3]
    assert recommend_k(table, min_share=0.02).k == 3  # plain tables: no household minimum


def test_k_beaten_on_both_silhouette_and_stability_is_never_recommended():
    # the elbow k=3 is beaten by k=4 on both measures
    table = sized([0.45, 0.40, 0.42, 0.30, 0.20], [0.80, 0.85, 0.90, 0.80, 0.80], [0.3] * 5)
    result = recommend_k(table, min_share=0.02)
    assert result.k == 4
    assert result.excluded[3] == (
        "k=4 beats it on both silhouette (0.420 against 0.400) and stability (0.90 against 0.85)"
    )


def test_no_k_large_enough_takes_the_largest_smallest_segment_and_says_so():
    table = sized([0.9, 0.8, 0.7, 0.6, 0.5], [0.9] * 5, [0.01, 0.015, 0.005, 0.002, 0.001])
    result = recommend_k(table, min_share=0.02)
    assert result.k == 3 and not result.qualified
    assert "No k from 2 to 6" in result.reason and "largest smallest segment" in result.reason


def test_smallest_segment_by_hand():
    from custseg.recommend import smallest_segment

    labels = np.array([0, 0, 0, 1, 1, 2])
    share, households = smallest_segment(
        labels, np.array([1, 1, 1, 1, 1, 5.0]), np.array([7, 7, 8, 9, 9, 9])
    )
    assert share == pytest.approx(2 / 10) and households == 1
    assert smallest_segment(labels) == (pytest.approx(1 / 6), None)
