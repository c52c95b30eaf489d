import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from custseg.metrics import calinski_harabasz, davies_bouldin, silhouette_scores, sweep_metrics


@pytest.fixture(scope="module")
def points():
    return np.random.default_rng(0).normal(size=(600, 4))


@pytest.fixture(scope="module")
def labelings(points):
    return {
        k: KMeans(n_clusters=k, n_init=1, random_state=0).fit(points).labels_ for k in range(2, 7)
    }


def test_silhouette_equals_sklearn_for_every_k(points, labelings):
    scores = silhouette_scores(points, labelings)
    for k, labels in labelings.items():
        assert scores[k] == pytest.approx(silhouette_score(points, labels), abs=1e-10)


@pytest.mark.parametrize("k", [2, 4, 6])
def test_other_metrics_equal_sklearn(points, labelings, k):
    labels = labelings[k]
    assert calinski_harabasz(points, labels, k) == pytest.approx(
        calinski_harabasz_score(points, labels), rel=1e-10
    )
    assert davies_bouldin(points, labels, k) == pytest.approx(
        davies_bouldin_score(points, labels), rel=1e-10
    )


def test_hand_checked_silhouette():
    # Two pairs on a line: a = 1, b = mean distance to the other pair.
    Z = np.array([[0.0], [1.0], [10.0], [11.0]])
    labels = np.array([0, 0, 1, 1])
    b = np.array([10.5, 9.5, 9.5, 10.5])
    expected = np.mean((b - 1) / b)
    assert silhouette_scores(Z, {2: labels})[2] == pytest.approx(expected)


def test_singleton_cluster_scores_zero_like_sklearn():
    Z = np.array([[0.0], [1.0], [2.0], [50.0]])
    labels = np.array([0, 0, 0, 1])
    assert silhouette_scores(Z, {2: labels})[2] == pytest.approx(silhouette_score(Z, labels))


def test_constant_weights_change_nothing(points, labelings):
    plain = silhouette_scores(points, labelings)
    weighted = silhouette_scores(points, labelings, sample_weight=np.full(len(points), 7.0))
    for k in labelings:
        assert weighted[k] == pytest.approx(plain[k])
        assert davies_bouldin(points, labelings[k], k, np.full(len(points), 7.0)) == pytest.approx(
            davies_bouldin(points, labelings[k], k)
        )


def test_weights_shift_the_score():
    Z = np.array([[0.0], [1.0], [10.0], [11.0], [5.0]])
    labels = np.array([0, 0, 1, 1, 1])
    plain = silhouette_scores(Z, {2: labels})[2]
    heavy_outlier = silhouette_scores(Z, {2: labels}, sample_weight=np.array([1, 1, 1, 1, 10.0]))
    assert heavy_outlier[2] < plain


def test_large_inputs_are_sampled_with_a_seed(points, labelings):
    frame, info = sweep_metrics(points, labelings, max_rows=200, random_state=3)
    again, _ = sweep_metrics(points, labelings, max_rows=200, random_state=3)
    assert info == {"rows": 200, "sampled": True, "sample_seed": 3}
    assert frame.equals(again)
    full, full_info = sweep_metrics(points, labelings)
    assert not full_info["sampled"]
    assert frame["silhouette"].to_numpy() == pytest.approx(full["silhouette"].to_numpy(), abs=0.05)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([0, 0, 1, 1, 2], [1, 1, 0, 0, 0]),
        ([0, 0, 1, 1], [5, 5, 2, 2]),  # the same partition, other numbers
        ([-1, -1, 0, 1, 1, 0], [0, 1, 0, 1, 2, 2]),  # unassigned customers as one group
        ([0, 0, 0], [0, 1, 2]),
        ([3], [0]),
    ],
)
def test_adjusted_rand_index_equals_sklearn(a, b):
    from sklearn.metrics import adjusted_rand_score

    from custseg.metrics import adjusted_rand_index

    assert adjusted_rand_index(np.array(a), np.array(b)) == adjusted_rand_score(a, b)


def test_adjusted_rand_index_equals_sklearn_on_random_labellings():
    from sklearn.metrics import adjusted_rand_score

    from custseg.metrics import adjusted_rand_index

    rng = np.random.default_rng(4)
    for _ in range(20):
        a, b = rng.integers(-1, 6, 400), rng.integers(-1, 9, 400)
        assert adjusted_rand_index(a, b) == adjusted_rand_score(a, b)
