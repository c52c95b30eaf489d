"""The bootstrap's KMeans refits return exactly what scikit-learn's estimator does."""

import numpy as np
import pytest
from sklearn.cluster import KMeans

from custseg import threads
from custseg.engine import LocalEngine, MethodOptions
from custseg.engine.kmeans import KMeansMethod
from custseg.engine.kmeans_restarts import kmeans, nearest_centre


def _data(case: str) -> tuple[np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(len(case))
    Z = rng.normal(size=(300, 4)) * [1.0, 30.0, 0.2, 5.0] + [0.0, 100.0, -3.0, 0.0]
    if case == "ties":  # few distinct values: tied distances, duplicate rows
        return np.round(Z / [1.0, 30.0, 0.2, 5.0]), None
    return Z, rng.uniform(0.1, 8.0, 300) if case == "weighted" else None


@pytest.mark.parametrize("case", ["plain", "weighted", "ties"])
@pytest.mark.parametrize(("k", "n_init", "seed"), [(2, 1, 0), (5, 5, 11), (9, 10, 2**31 - 2)])
def test_same_fit_as_sklearn_kmeans(case, k, n_init, seed):
    Z, weights = _data(case)
    before = Z.copy()
    with threads.for_fit(*Z.shape):  # the native threads custseg gives a fit of this size
        expected = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(
            Z, sample_weight=weights
        )
    result = kmeans(Z, k, sample_weight=weights, random_state=seed, n_init=n_init)
    np.testing.assert_array_equal(result.labels, expected.labels_)
    np.testing.assert_array_equal(result.centers, expected.cluster_centers_)
    assert (result.inertia, result.n_iter) == (expected.inertia_, expected.n_iter_)
    np.testing.assert_array_equal(nearest_centre(Z, result.centers), expected.predict(Z))
    np.testing.assert_array_equal(Z, before)


def test_too_few_rows_is_an_error_as_in_kmeans():
    with pytest.raises(ValueError, match="n_samples=2 should be >= n_clusters=3"):
        kmeans(np.zeros((2, 2)), 3, sample_weight=None, random_state=0, n_init=1)


@pytest.mark.parametrize("weighted", [False, True])
def test_refits_match_the_local_engine(weighted):
    Z, weights = _data("weighted" if weighted else "plain")
    weights = weights if weighted else None
    engine = LocalEngine()
    fits = {
        k: engine.fit_kmeans(Z.copy(), k, sample_weight=weights, random_state=3, n_init=4)
        for k in (2, 4)
    }
    refits = KMeansMethod().refit_all(
        Z, fits, sample_weight=weights, random_state=3, n_init=4, options=MethodOptions()
    )
    for k, fit in fits.items():
        np.testing.assert_array_equal(refits[k].labels, fit.labels)
        np.testing.assert_array_equal(refits[k].centers, fit.centers)
        assert refits[k].inertia == fit.inertia
        np.testing.assert_array_equal(refits[k].estimator.predict(Z), fit.estimator.predict(Z))
