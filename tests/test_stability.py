import numpy as np
import pytest

from custseg.engine import LocalEngine
from custseg.stability import bootstrap_stability


@pytest.fixture
def fits(blobs):
    Z = blobs[["spend", "visits"]].to_numpy()
    engine = LocalEngine()
    return Z, {
        k: engine.fit_kmeans(Z, k, sample_weight=None, random_state=0, n_init=3) for k in (3, 6)
    }


def test_true_structure_is_stable_and_overfitting_is_not(fits):
    Z, by_k = fits
    stability = bootstrap_stability(Z, by_k, engine=LocalEngine(), n_boot=8, n_init=3)
    assert stability[3] == pytest.approx(1.0)
    assert stability[6] < 0.9


def test_whole_households_are_resampled(fits):
    Z, by_k = fits
    groups = np.repeat(np.arange(18), 5)  # 18 "households" of 5 rows
    seen = []

    class Recording(LocalEngine):
        def fit_kmeans(self, Z_rows, k, **kwargs):
            seen.append(Z_rows.copy())  # KMeans centres its input in place
            return super().fit_kmeans(Z_rows, k, **kwargs)

    bootstrap_stability(Z, {3: by_k[3]}, engine=Recording(), n_boot=3, groups=groups, n_init=1)
    for rows in seen:
        assert len(rows) == 90
        # every drawn household contributes its 5 rows together
        matches = (rows[:, None, :] == Z[None, :, :]).all(axis=2).argmax(axis=1)
        counts = np.bincount(groups[matches], minlength=18)
        assert np.all(counts % 5 == 0)


def test_large_data_resamples_about_max_rows(fits):
    Z, by_k = fits
    sizes = []

    class Recording(LocalEngine):
        def fit_kmeans(self, Z_rows, k, **kwargs):
            sizes.append(len(Z_rows))
            return super().fit_kmeans(Z_rows, k, **kwargs)

    groups = np.repeat(np.arange(45), 2)  # 45 "households" of 2 rows
    stability = bootstrap_stability(
        Z, {3: by_k[3]}, engine=Recording(), n_boot=4, groups=groups, n_init=1, max_rows=30
    )
    assert sizes == [30] * 4  # 15 households of 2 rows each time
    assert stability[3] == pytest.approx(1.0)  # and the clear structure is still found


def test_rows_of_chosen_groups_match_group_by_group_concatenation():
    from custseg.stability import _rows_of

    rng = np.random.default_rng(3)
    groups = rng.integers(0, 7, 40)
    unique, inverse = np.unique(groups, return_inverse=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.searchsorted(inverse[order], np.arange(len(unique) + 1))
    chosen = rng.integers(0, len(unique), 12)
    expected = np.concatenate([order[starts[g] : starts[g + 1]] for g in chosen])
    np.testing.assert_array_equal(_rows_of(chosen, order, starts), expected)
