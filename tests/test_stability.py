import numpy as np
import pytest

from custseg.engine import LocalEngine, MethodOptions, get_method
from custseg.engine.kmeans import KMeansMethod
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
    stability = bootstrap_stability(
        Z, by_k, method=get_method("kmeans"), options=MethodOptions(), n_boot=8, n_init=3
    )
    assert stability[3] == pytest.approx(1.0)
    assert stability[6] < 0.9


def test_whole_households_are_resampled(fits):
    Z, by_k = fits
    groups = np.repeat(np.arange(18), 5)  # 18 "households" of 5 rows
    seen = []

    class Recording(KMeansMethod):
        def fit_all(self, Z_rows, ks, **kwargs):
            seen.append(Z_rows.copy())  # KMeans centres its input in place
            return super().fit_all(Z_rows, ks, **kwargs)

    bootstrap_stability(
        Z,
        {3: by_k[3]},
        method=Recording(),
        options=MethodOptions(),
        n_boot=3,
        groups=groups,
        n_init=1,
    )
    for rows in seen:
        assert len(rows) == 90
        # every drawn household contributes its 5 rows together
        matches = (rows[:, None, :] == Z[None, :, :]).all(axis=2).argmax(axis=1)
        counts = np.bincount(groups[matches], minlength=18)
        assert np.all(counts % 5 == 0)
