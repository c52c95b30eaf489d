"""Each segmentation method on data built for it: it recovers the truth where KMeans does not;
its saved predictor reproduces the training labels and survives the model file."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from custseg import io
from custseg.engine import METHODS, NOISE, MethodOptions, get_method
from custseg.engine.base import fit_rows
from custseg.engine.density import CoreDistanceAssigner, min_cluster_sizes
from custseg.engine.gmm import GaussianMixtureMethod
from custseg.engine.prototypes import category_codes
from custseg.errors import CustsegError
from custseg.model import TRUSTED_TYPES


def _standardized(Z):
    return (Z - Z.mean(axis=0)) / Z.std(axis=0)


def elongated():
    """Three parallel stripes, long in x and thin in y: KMeans cuts across them."""
    rng = np.random.default_rng(0)
    stripes = [rng.normal(size=(300, 2)) * [6, 0.4] + [0, 2.5 * i] for i in range(3)]
    return _standardized(np.vstack(stripes)), np.repeat([0, 1, 2], 300), 3, MethodOptions()


def nested():
    """A large group made of three nearby subgroups, and a small tight group: at k=2 KMeans
    splits the large group (and joins part of it to the small one); Ward keeps it whole."""
    rng = np.random.default_rng(0)
    parts = [rng.normal(size=(100, 2)) * 0.5 + c for c in ([-1.7, 1.7], [0, 1.7], [-1.7, 3.45])]
    small = rng.normal(size=(60, 2)) * 0.25 + [2.6, 3.1]
    truth = np.r_[np.zeros(300), np.ones(60)]
    return _standardized(np.vstack([*parts, small])), truth, 2, MethodOptions()


def noisy():
    """Three tight clusters in uniform background noise (the noise is its own group)."""
    rng = np.random.default_rng(0)
    clusters = [rng.normal(size=(300, 2)) * 0.3 + c for c in ([0, 0], [4, 0], [0, 4])]
    noise = rng.uniform(-6, 10, size=(150, 2))
    truth = np.r_[np.repeat([0, 1, 2], 300), np.full(150, -1)]
    return np.vstack([*clusters, noise]), truth, 3, MethodOptions()


def mixed():
    """Two numeric groups, one category that follows them (90%) and six answers that follow an
    unrelated hidden trait: one-hot KMeans splits by the six answers, k-prototypes (which
    weighs a mismatch gamma ~ 0.5 instead of 2) by the groups."""
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1], 300)
    numeric = _standardized(rng.normal(size=(600, 2)) + np.array([[0, 0], [4, 4]])[truth])
    follows = np.where(rng.random(600) < 0.9, truth, rng.integers(0, 2, 600))
    hidden = rng.integers(0, 2, 600)
    answers = [np.where(rng.random(600) < 0.95, hidden, 1 - hidden) for _ in range(6)]
    blocks = [np.eye(2)[c] for c in [follows, *answers]]
    options = MethodOptions(n_numeric=2, category_sizes=(2,) * 7)
    return np.hstack([numeric, *blocks]), truth, 2, options


CASES = {"gmm": elongated, "ward": nested, "hdbscan": noisy, "kprototypes": mixed}


def _fit(name, Z, k, options, weights=None, ks=None):
    return get_method(name).fit_all(
        Z,
        ks or [k],
        sample_weight=weights,
        random_state=0,
        n_init=10,
        options=options,
    )


@pytest.mark.parametrize("name", CASES)
def test_method_recovers_its_structure_where_kmeans_does_not(name):
    Z, truth, k, options = CASES[name]()
    ks = range(2, 7) if name == "hdbscan" else None  # HDBSCAN finds k itself
    fit = _fit(name, Z, k, options, ks=ks)[k]
    kmeans = _fit("kmeans", Z, k, options)[k]
    assert adjusted_rand_score(truth, fit.labels) >= 0.9
    assert adjusted_rand_score(truth, kmeans.labels) < 0.9


@pytest.mark.parametrize("name", list(METHODS))
@pytest.mark.parametrize("weighted", [False, True])
def test_predict_reproduces_training_labels_and_numbering(name, weighted):
    Z, _, k, options = (CASES.get(name) or elongated)()
    weights = np.random.default_rng(1).uniform(0.5, 3, len(Z)) if weighted else None
    method = get_method(name)
    for fit in _fit(name, Z, k, options, weights, ks=range(2, 5)).values():
        np.testing.assert_array_equal(method.labels(fit.estimator, Z), fit.labels)
        assigned = fit.labels[fit.labels != NOISE]
        sizes = np.bincount(assigned, weights=None if weights is None else weights[fit.labels >= 0])
        assert len(sizes) == fit.k and np.all(np.diff(sizes) <= 0)  # largest first


@pytest.mark.parametrize("name", list(METHODS))
def test_estimators_load_with_the_trusted_types(name, tmp_path):
    Z, _, k, options = (CASES.get(name) or elongated)()
    fit = next(iter(_fit(name, Z, k, options, ks=range(2, 5)).values()))
    io.save_model(tmp_path / "m.custseg", {"estimator": fit.estimator}, trusted=TRUSTED_TYPES)
    loaded = io.load_model(tmp_path / "m.custseg", trusted=TRUSTED_TYPES)["estimator"]
    np.testing.assert_array_equal(get_method(name).labels(loaded, Z), fit.labels)


def test_mixture_probabilities_and_bic_columns():
    Z, _, _, options = elongated()
    fits = _fit("gmm", Z, 3, options, ks=[2, 3, 4])
    assert fits[3].columns["bic"] < fits[2].columns["bic"]
    probability = fits[3].probability
    assert probability.shape == (len(Z),) and np.all((probability > 0.3) & (probability <= 1))
    assignment = GaussianMixtureMethod().assign(fits[3].estimator, Z)
    np.testing.assert_allclose(assignment.probability, probability)


def test_weighted_fit_without_weights_resamples_by_weight():
    weights = np.r_[np.full(10, 100.0), np.full(990, 1.0)]  # 10 rows hold half the weight
    chosen = fit_rows(1000, weights, max_rows=None, takes_weights=False, random_state=0)
    assert chosen.resampled and chosen.sample_weight is None
    share = np.isin(chosen.rows, np.arange(10)).mean()
    assert 0.45 < share < 0.55
    native = fit_rows(1000, weights, max_rows=200, takes_weights=True, random_state=0)
    assert native.sampled and len(native.rows) == 200
    np.testing.assert_array_equal(native.sample_weight, weights[native.rows])


def test_ward_samples_large_tables_and_assigns_every_row(monkeypatch):
    Z, _, _, options = nested()
    monkeypatch.setattr(get_method("ward"), "max_fit_rows", 100)
    fit = _fit("ward", Z, 2, options)[2]
    assert len(fit.labels) == len(Z)
    described = get_method("ward").describe(n_rows=len(Z), weighted=False, options=options)
    assert described["sampled"] and "sample of 100 of 360 rows" in described["sampling"]
    assert fit.details["dendrogram"]["heights"][0] >= fit.details["dendrogram"]["heights"][1]


def test_hdbscan_noise_rule():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]])
    assigner = CoreDistanceAssigner(
        points=points,
        point_labels=np.array([0, 0, -1]),
        core_distances=np.array([0.5, 0.5, 2.0]),
        centers=np.array([[0.05, 0.0]]),
    ).fit()
    new = np.array([[0.3, 0.0], [1.0, 0.0], [5.1, 5.0]])
    # within a core distance: its segment; beyond: unassigned; next to noise: unassigned
    np.testing.assert_array_equal(assigner.predict(new), [0, -1, -1])
    assert min_cluster_sizes(1000) == [10, 20, 30, 50, 80, 120, 200]


def test_unseen_category_costs_a_mismatch_everywhere():
    Z = np.array([[0.5, 1, 0, 0], [0.5, 0, 0, 0]])  # second row: an unseen category
    np.testing.assert_array_equal(category_codes(Z, 1, (3,)), [[0], [-1]])


def test_kprototypes_needs_categories():
    with pytest.raises(CustsegError, match="no categorical feature"):
        get_method("kprototypes").check(MethodOptions(n_numeric=3))


def test_unknown_method():
    with pytest.raises(CustsegError, match="Choose one of: kmeans, gmm"):
        get_method("spectral")


def test_mixture_names_a_lone_household_in_the_singular():
    table = pd.DataFrame(
        {
            "k": [2, 3],
            "inertia": [10.0, 5.0],
            "silhouette": [0.5, 0.4],
            "stability": [0.9, 0.9],
            "bic": [100.0, 90.0],
            "min_segment_share": [0.3, 0.3],
            "min_segment_households": [40, 1],
        }
    )
    result = GaussianMixtureMethod().recommend(table, min_share=0.02, min_households=30)
    assert result.excluded[3] == "1 household" and result.k == 2
