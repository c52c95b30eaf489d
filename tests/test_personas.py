import itertools
import re

import numpy as np
import pandas as pd
import pytest

from custseg.personas import Trait, describe_segments, standardized_differences


@pytest.fixture
def customers():
    return pd.DataFrame(
        {"AGE": [30.0, 32, 34, 60, 62, 64], "INCOME": [1e4, 2e4, 3e4, 2e5, 3e5, 4e5]}
    )


SEGMENTS = np.array([1, 1, 1, 2, 2, 2])
WORDS = {"AGE": ("older", "younger"), "INCOME": ("high-income", "lower-income")}


def describe(values, segments=SEGMENTS):
    return describe_segments(
        values,
        segments,
        2,
        labels={"AGE": "Age", "INCOME": "Income"},
        noun="customers",
        size_texts={1: "Segment 1: 3", 2: "Segment 2: 3"},
        money_columns=["INCOME"],
        words=WORDS,
    )


def test_standardized_difference_by_hand(customers):
    diffs = standardized_differences(customers[["AGE"]], SEGMENTS, 2)
    age = customers["AGE"]
    expected = (age[:3].mean() - age.mean()) / age.std(ddof=0)
    assert diffs.loc[1, "AGE"] == pytest.approx(expected)


def test_names_from_largest_differences(customers):
    personas = describe(customers)
    assert personas[0].name == "Younger, lower-income customers"
    assert personas[1].name == "Older, high-income customers"
    assert personas[1].traits[0].variable in {"AGE", "INCOME"}
    assert "Income $300k (all: $115k)" in personas[1].description


def test_names_are_stable_and_follow_the_profile(customers):
    assert [p.name for p in describe(customers)] == [p.name for p in describe(customers)]
    flipped = customers.assign(INCOME=customers["INCOME"][::-1].to_numpy())
    assert describe(flipped)[1].name == "Older, lower-income customers"


def test_a_segment_at_the_population_mean_is_typical():
    frame = pd.DataFrame({"AGE": [20.0, 20, 40, 40, 60, 60], "INCOME": 5e4})
    personas = describe_segments(
        frame,
        np.array([1, 1, 2, 2, 3, 3]),
        3,
        labels={},
        noun="customers",
        size_texts={1: "a", 2: "b", 3: "c"},
        words=WORDS,
    )
    assert [p.name for p in personas] == [
        "Younger customers",
        "Typical customers",
        "Older customers",
    ]


def test_unknown_variables_become_phrases():
    frame = pd.DataFrame({"Spending Score": [90.0, 95, 10, 5]})
    personas = describe_segments(
        frame,
        np.array([1, 1, 2, 2]),
        2,
        labels={"Spending Score": "spending score"},
        noun="shoppers",
        size_texts={1: "a", 2: "b"},
    )
    assert personas[0].name == "Shoppers with high spending score"


def _weighted_median(values, weights):
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    share = np.cumsum(weights) / weights.sum()
    return values[np.searchsorted(share, 0.5)]


def _says(name, word):
    """Whether a name uses a word ("wealthy" is not in "less wealthy")."""
    return re.search(rf"(?<![\w-])(?<!less ){re.escape(word)}(?![\w-])", name, re.I) is not None


@pytest.mark.scf
@pytest.mark.parametrize("population", ["small-business", "credit-fearful", "all"])
def test_scf_names_are_unique_and_agree_with_weighted_medians(scf2019, population):
    from custseg import segment
    from custseg.datasets.scf import TRAIT_WORDS

    result = segment(scf2019, population=population, bootstrap=0)
    names = [p.name for p in result.personas]
    assert len(set(names)) == len(names)
    frame = scf2019.frame.loc[result.prepared.rows]
    weights = frame["WGT"].to_numpy()
    checked = 0
    for persona, variable in itertools.product(result.personas, TRAIT_WORDS):
        words = TRAIT_WORDS[variable]
        members = result.segments == persona.segment
        x = frame[variable].to_numpy(dtype=float)
        inside = _weighted_median(x[members], weights[members])
        everyone = _weighted_median(x, weights)
        if _says(persona.name, words.high):
            assert inside > everyone, (persona.name, variable)
        elif words.negative and _says(persona.name, words.negative):
            assert inside < 0, (persona.name, variable)
        elif _says(persona.name, words.low):
            assert inside < everyone, (persona.name, variable)
        else:
            continue
        checked += 1
    assert checked >= len(names) - 1


@pytest.mark.parametrize(
    ("trait", "record", "text"),
    [
        (
            Trait("NETWORTH", "Net worth", -0.5, 10.0, 20.0, percentile=31.0, shift=-0.19),
            {"statistic": "median", "segment_median": 10.0, "segment_median_percentile": 31.0},
            "Net worth (median at percentile 31; -0.50 sd)",
        ),
        (
            Trait("HDEBT", "Has any debt", 0.6, 0.9, 0.7, float("nan"), 0.2, share=True),
            {"statistic": "share", "segment_share": 0.9, "population_share": 0.7},
            "Has any debt (90% yes against 70%; +0.60 sd)",
        ),
    ],
)
def test_a_flag_is_recorded_by_its_shares_and_a_number_by_its_median(trait, record, text):
    from custseg.result import _trait_record
    from custseg.segmentation import _trait_text

    written = _trait_record(trait)
    assert record.items() <= written.items()
    assert ("segment_median" in written) == (not trait.share)
    assert _trait_text(trait) == text
