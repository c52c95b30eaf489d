import numpy as np
import pytest

from custseg.engine import LocalEngine
from custseg.stability import bootstrap_stability, canonical_order


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


def test_canonical_order_ignores_the_row_order():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(50, 3)).round(1)
    groups = rng.integers(0, 12, 50)
    weights = rng.uniform(1, 2, 50)
    shuffle = rng.permutation(50)
    first = canonical_order(Z, groups, weights)
    second = canonical_order(Z[shuffle], groups[shuffle], weights[shuffle])
    np.testing.assert_array_equal(Z[first], Z[shuffle][second])
    np.testing.assert_array_equal(groups[first], groups[shuffle][second])
    assert (np.diff(groups[first]) >= 0).all()  # whole households together, by id


@pytest.mark.parametrize("households", [False, True])
def test_stability_does_not_change_with_the_row_order(households):
    rng = np.random.default_rng(7)
    Z = rng.normal(size=(120, 2))  # no real structure: each k's fit is fragile
    groups = np.repeat(np.arange(40), 3) if households else None
    shuffle = rng.permutation(120)
    engine = LocalEngine()

    def stability(rows):
        fits = {
            k: engine.fit_kmeans(Z[rows], k, sample_weight=None, random_state=0, n_init=2)
            for k in (2, 3, 4)
        }
        return bootstrap_stability(
            Z[rows],
            fits,
            engine=engine,
            n_boot=4,
            n_init=2,
            groups=None if groups is None else groups[rows],
        )

    assert stability(np.arange(120)) == stability(shuffle)


def test_shuffled_table_gives_the_same_stability_and_k(shared_data):
    from custseg.dataset import from_frame
    from custseg.io import read_table
    from custseg.segmentation import segment

    frame = read_table(shared_data / "customers" / "mall_customers.csv")
    shuffled = frame.sample(frac=1, random_state=1).reset_index(drop=True)
    results = [
        segment(from_frame(table, name="mall.csv"), k_range=(2, 6), bootstrap=6)
        for table in (frame, shuffled)
    ]
    first, second = (result.sweep for result in results)
    np.testing.assert_array_equal(first.table["stability"], second.table["stability"])
    assert first.recommendation.k == second.recommendation.k


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
    # The rows are not in canonical order, so the full data is refitted once first.
    assert sizes == [90, 30, 30, 30, 30]  # then 15 households of 2 rows each time
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
