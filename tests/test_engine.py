import numpy as np

from custseg.engine import LocalEngine, get_engine


def test_clusters_numbered_largest_first_and_predict_agrees(blobs):
    Z = blobs[["spend", "visits"]].to_numpy()
    fit = LocalEngine().fit_kmeans(Z, 3, sample_weight=None, random_state=0, n_init=4)
    assert list(np.bincount(fit.labels)) == [40, 30, 20]
    np.testing.assert_array_equal(fit.estimator.predict(Z), fit.labels)


def test_weights_decide_the_order(blobs):
    Z = blobs[["spend", "visits"]].to_numpy()
    weights = np.where(np.arange(90) >= 70, 10.0, 1.0)  # the 20-point group weighs most
    fit = LocalEngine().fit_kmeans(Z, 3, sample_weight=weights, random_state=0, n_init=4)
    assert np.bincount(fit.labels)[0] == 20


def test_numbering_does_not_depend_on_seed(blobs):
    Z = blobs[["spend", "visits"]].to_numpy()
    runs = [
        get_engine("local").fit_kmeans(Z, 3, sample_weight=None, random_state=seed, n_init=1).labels
        for seed in (0, 1, 2)
    ]
    for labels in runs[1:]:
        np.testing.assert_array_equal(labels, runs[0])
