import numpy as np
import pandas as pd
import pytest

from custseg import segment
from custseg.formatting import count
from custseg.precision import (
    MIN_HOUSEHOLDS,
    SHARE_RANGE_HEADING,
    SHARE_SE_HEADING,
    points_with_se,
    rounded_count,
    share_with_se,
    size_table,
)


@pytest.mark.parametrize(
    ("value", "rounded", "text"),
    [
        (578_574, 580_000, "580,000"),
        (15_660_000, 16_000_000, "16 M"),
        (1_634_000, 1_600_000, "1.6 M"),
        (26_000, 30_000, "30,000"),
        (128_642_431, 130_000_000, "130 M"),
        (0, 0, "0"),
    ],
)
def test_counts_to_two_significant_figures_and_no_finer_than_10k(value, rounded, text):
    assert rounded_count(value) == rounded
    assert count(value) == text


def test_small_counts_and_shares():
    assert count(3_000) == "<10,000"
    assert share_with_se(0.25743, 0.009678) == "25.7% ± 1.0"
    assert share_with_se(0.25743, float("nan")) == "25.7%"
    assert points_with_se(5.5977, 1.8485) == "+5.6 ± 1.8"


@pytest.mark.scf
def test_segment_sizes_are_rounded_and_thin_segments_flagged(scf2019):
    # The seed's features in dollars give a segment of a few very rich households.
    result = segment(
        scf2019,
        population="small-business",
        features=("ASSET", "NETWORTH", "NFIN", "NHNFIN", "BUS"),
        transform="none",
        k=3,
        bootstrap=0,
    )
    profiles = result.profiles
    np.testing.assert_allclose(profiles["sample_households"], profiles["n_rows"] / 5)
    assert (profiles["few_households"] == (profiles["sample_households"] < MIN_HOUSEHOLDS)).all()
    assert profiles["few_households"].any()
    for row in profiles.itertuples():
        assert count(row.weighted_count) in row.size
        assert f"{row.sample_households:,.0f} sample households" in row.size
        assert ("too few for a reliable estimate" in row.size) == row.few_households
    summary = result.summary()
    assert "imputation uncertainty only" in summary["standard_errors"]
    assert summary["dollars_of"] == 2019
    assert (profiles["dollars_of"] == 2019).all()


def test_size_table_shows_shares_with_their_se_as_percentages():
    profiles = pd.DataFrame(
        {
            "segment": [1, 2],
            "name": ["Savers", "Spenders"],
            "size": ["Segment 1: 12 M US households (75.6%)", "Segment 2: 3.8 M US households"],
            "share": [0.75643, 0.24357],
            "share_se": [0.01127, 0.01127],
            "share_min": [0.7401, 0.2341],
            "share_max": [0.7659, 0.2599],
        }
    )
    shown = size_table(profiles)
    assert list(shown.columns) == ["segment", "name", "size", SHARE_SE_HEADING, SHARE_RANGE_HEADING]
    assert "share_se" not in SHARE_SE_HEADING and "imputation uncertainty only" in SHARE_SE_HEADING
    assert shown["size"][0] == "12 M US households (75.6%)"
    assert list(shown[SHARE_SE_HEADING]) == ["75.6% ± 1.1", "24.4% ± 1.1"]
    assert shown[SHARE_RANGE_HEADING][1] == "23.4% to 26.0%"
    assert list(size_table(profiles.drop(columns=["share_se", "share_min", "share_max"]))) == [
        "segment",
        "name",
        "size",
    ]
