"""Implicates: household agreement and the imputation spread of segment sizes."""

import numpy as np
import pandas as pd
import pytest

from custseg import segment
from custseg.datasets.scf import scf_dataset
from custseg.errors import CustsegError
from custseg.survey import household_assignments, implicate_sizes


def test_identical_implicates_agree_fully():
    households = np.repeat([1, 2, 3], 5)
    segments = np.repeat([2, 1, 2], 5)
    table = household_assignments(households, segments)
    assert list(table["agreement"]) == [1.0, 1.0, 1.0]
    assert list(table["segment"]) == [2, 1, 2]


def test_majority_and_ties():
    households = np.array([7, 7, 7, 7, 7, 8, 8])
    segments = np.array([1, 2, 2, 2, 1, 3, 1])
    table = household_assignments(households, segments, np.ones(7)).set_index("household")
    assert table.loc[7, "segment"] == 2 and table.loc[7, "agreement"] == pytest.approx(0.6)
    assert table.loc[8, "segment"] == 1  # tie: the lower number
    assert table.loc[8, "weight"] == 2


def test_rubin_between_implicate_standard_error():
    # Two implicates, equal weights: segment 1 has shares 0.5 and 0.75.
    implicates = np.array([1, 1, 1, 1, 2, 2, 2, 2])
    by_implicate = {1: np.array([1, 1, 2, 2]), 2: np.array([1, 1, 1, 2])}
    sizes = implicate_sizes(implicates, by_implicate, np.ones(8), 2).set_index("segment")
    between = np.var([0.5, 0.75], ddof=1)
    assert sizes.loc[1, "share_se"] == pytest.approx(np.sqrt(1.5 * between))
    assert sizes.loc[1, "share_min"] == 0.5 and sizes.loc[1, "share_max"] == 0.75
    assert sizes.loc[1, "count_max"] == 6  # 3 rows x weight 1 x 2 implicates


def _survey(small: int, large: int):
    """``small + large`` households x 5 identical implicates in two clear groups, SCF-shaped."""
    rng = np.random.default_rng(4)
    base = np.concatenate([rng.normal(100, 5, small), rng.normal(1000, 30, large)])
    n = small + large
    households = np.arange(1, n + 1)
    frame = pd.DataFrame(
        {
            "YY1": np.repeat(households, 5),
            "Y1": np.repeat(households, 5) * 10 + np.tile(np.arange(1, 6), n),
            "WGT": np.repeat(rng.uniform(100, 300, n), 5),
            "INCOME": np.repeat(base, 5),
            "NETWORTH": np.repeat(base * 3, 5),
        }
    )
    return scf_dataset(frame, name="mini")


@pytest.fixture
def mini_survey():
    """40 households x 5 identical implicates in two clear groups, SCF-shaped."""
    return _survey(25, 15)


def test_sample_households_are_written_with_thousands_separators():
    result = segment(_survey(1_234, 40), k=2, k_range=(2, 3), bootstrap=0)
    assert "; 1,234 sample households)" in result.profiles.loc[0, "size"]


def test_identical_implicates_give_full_agreement_and_zero_spread(mini_survey):
    result = segment(mini_survey, k=2, k_range=(2, 3), bootstrap=0)
    report = result.implicates
    assert report.all_agree_share == 1.0 and report.mean_agreement == 1.0
    assert report.households == 40 and report.n_implicates == 5
    np.testing.assert_allclose(result.profiles["share_se"], 0, atol=1e-12)
    per_household = result.household_assignments()
    assert list(per_household.columns) == ["YY1", "segment", "agreement", "rows", "weight"]
    assert len(per_household) == 40


def test_weighted_counts_are_households(mini_survey):
    result = segment(mini_survey, k=2, k_range=(2, 3), bootstrap=0)
    assert result.profiles["weighted_count"].sum() == pytest.approx(mini_survey.frame["WGT"].sum())
    assert result.prepared.weight_column == "WGT"


def test_first_implicate_scales_weights_to_households(mini_survey):
    first = segment(mini_survey, k=2, k_range=(2, 3), bootstrap=0, implicates="first")
    assert first.prepared.n_rows == 40
    assert first.profiles["weighted_count"].sum() == pytest.approx(mini_survey.frame["WGT"].sum())


def test_separate_fits_are_aligned_to_the_pooled_segments(mini_survey):
    separate = segment(mini_survey, k=2, k_range=(2, 3), bootstrap=0, implicates="separate")
    np.testing.assert_allclose(separate.profiles["share_se"], 0, atol=1e-12)
    assert separate.implicates.mode == "separate"


def test_implicate_modes_need_a_survey(blobs):
    from custseg.dataset import from_frame

    with pytest.raises(CustsegError, match="needs a multiply-imputed survey"):
        segment(from_frame(blobs, name="t"), implicates="first", k=3, k_range=(2, 3))
