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
    assert "not stable under resampling" in result.reason


def test_overlapping_elbow_gives_way_to_best_silhouette():
    result = recommend_k(sweep([0.9, 0.5, 0.4, 0.3, 0.2]))
    assert result.k == 2 and "overlap" in result.reason


def test_nothing_stable_is_flagged():
    result = recommend_k(sweep([0.5] * 5, [0.3] * 5))
    assert result.k == 3 and "caution" in result.reason


@pytest.mark.parametrize("stability", [None, [1.0] * 5])
def test_without_or_with_full_stability_same_answer(stability):
    assert recommend_k(sweep([0.6, 0.55, 0.5, 0.4, 0.3], stability)).k == 3
