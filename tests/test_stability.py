import numpy as np
import pytest

from custseg.engine import LocalEngine, MethodOptions, get_method
from custseg.engine.kmeans import KMeansMethod
from custseg.stability import RESAMPLE_N_INIT, bootstrap_stability, canonical_order

KMEANS = {"method": get_method("kmeans"), "options": MethodOptions()}


@pytest.fixture
def fits(blobs):
    Z = blobs[["spend", "visits"]].to_numpy()
    engine = LocalEngine()
    return Z, {
        k: engine.fit_kmeans(Z, k, sample_weight=None, random_state=0, n_init=3) for k in (3, 6)
    }


def test_true_structure_is_stable_and_overfitting_is_not(fits):
    Z, by_k = fits
    stability = bootstrap_stability(Z, by_k, **KMEANS, n_boot=8, n_init=3)
    assert stability[3] == pytest.approx(1.0)
    assert stability[6] < 0.9


def test_whole_households_are_resampled(fits):
    Z, by_k = fits
    groups = np.repeat(np.arange(18), 5)  # 18 "households" of 5 rows
    seen = []

    class Recording(KMeansMethod):
        def refit_all(self, Z_rows, fits, **kwargs):
            seen.append(Z_rows.copy())  # KMeans centres its input in place
            return super().refit_all(Z_rows, fits, **kwargs)

    bootstrap_stability(
        Z,
        {3: by_k[3]},
        method=Recording(),
        options=MethodOptions(),
        n_boot=3,
        groups=groups,
        n_init=1,
    )
    assert len(seen) == 4  # the full data in canonical order, then 3 resamples
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
            **KMEANS,
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

    class Recording(KMeansMethod):
        def refit_all(self, Z_rows, fits, **kwargs):
            sizes.extend(len(Z_rows) for _ in fits)
            return super().refit_all(Z_rows, fits, **kwargs)

    groups = np.repeat(np.arange(45), 2)  # 45 "households" of 2 rows
    stability = bootstrap_stability(
        Z,
        {3: by_k[3]},
        method=Recording(),
        options=MethodOptions(),
        n_boot=4,
        groups=groups,
        n_init=1,
        max_rows=30,
    )
    # The rows are not in canonical order, so the full data is refitted once first.
    assert sizes == [90, 30, 30, 30, 30]  # then 15 households of 2 rows each time
    assert stability[3] == pytest.approx(1.0)  # and the clear structure is still found


@pytest.mark.parametrize(("n_init", "resample_n_init"), [(8, 2), (1, 2)])
def test_resamples_restart_fewer_times_than_the_full_data_refit(fits, n_init, resample_n_init):
    Z, by_k = fits
    seen = []

    class Recording(KMeansMethod):
        def refit_all(self, Z_rows, fits, **kwargs):
            seen.append(kwargs["n_init"])
            return super().refit_all(Z_rows, fits, **kwargs)

    bootstrap_stability(
        Z,
        {3: by_k[3]},
        method=Recording(),
        options=MethodOptions(),
        n_boot=2,
        n_init=n_init,
        resample_n_init=resample_n_init,
    )
    # The full data in canonical order first, with the run's restarts, then each resample.
    assert seen == [n_init, *[min(n_init, resample_n_init)] * 2]


@pytest.mark.slow
@pytest.mark.scf
def test_fewer_resample_restarts_keep_the_default_runs_stability_and_k(scf2019):
    """README command 1: the stability column with RESAMPLE_N_INIT restarts per resample stays
    within 0.1 of the one with the run's 10, and the recommended k is the same."""
    from custseg.recommend import MIN_SEGMENT_HOUSEHOLDS
    from custseg.segmentation import SegmentationConfig, prepare, run_sweep
    from custseg.sweep import method_options

    prepared = prepare(scf2019, SegmentationConfig(population="small-business"))
    sweep = run_sweep(prepared)
    assert prepared.config.n_init > RESAMPLE_N_INIT
    full = bootstrap_stability(
        prepared.Z,
        sweep.fits,
        method=KMEANS["method"],
        options=method_options(prepared),
        n_boot=prepared.config.bootstrap,
        groups=prepared.households,
        sample_weight=prepared.weights,
        random_state=prepared.config.random_state,
        n_init=prepared.config.n_init,
        resample_n_init=prepared.config.n_init,
    )
    table = sweep.table.assign(stability=sweep.table["k"].map(full))
    np.testing.assert_allclose(sweep.table["stability"], table["stability"], atol=0.1)
    recommended = KMEANS["method"].recommend(
        table, min_share=prepared.config.min_segment, min_households=MIN_SEGMENT_HOUSEHOLDS
    )
    assert recommended.k == sweep.recommendation.k == 2


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


@pytest.mark.parametrize(("n_init", "restarts"), [(10, RESAMPLE_N_INIT), (2, 2)])
def test_summary_says_how_often_each_resample_restarts(blobs, n_init, restarts):
    from custseg.dataset import from_frame
    from custseg.segmentation import segment

    result = segment(from_frame(blobs, name="blobs"), k_range=(2, 3), bootstrap=2, n_init=n_init)
    assert result.summary()["stability"]["restarts_per_resample"] == restarts
