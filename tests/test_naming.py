"""Segment names agree with the medians, use one word per concept and are unique."""

import numpy as np
import pandas as pd
import pytest

from custseg.naming import (
    NamingTrait,
    TraitWords,
    _position_words,
    compose,
    segment_names,
    trait_word,
)
from custseg.personas import describe_segments, percentile_rank

WEALTH_WORDS = {
    "NETWORTH": TraitWords("wealthy", "less wealthy", "wealth", "with negative net worth"),
    "ASSET": TraitWords("asset-rich", "asset-light", "wealth"),
    "AGE": TraitWords("older", "younger", "age"),
}


def describe(frame, segments, words=WEALTH_WORDS, weights=None, **kwargs):
    k = int(segments.max())
    return describe_segments(
        frame,
        segments,
        k,
        labels={c: c.lower() for c in frame},
        noun="owners",
        size_texts={s: f"Segment {s}" for s in range(1, k + 1)},
        money_columns=[c for c in frame if c != "AGE"],
        words=words,
        weights=weights,
        **kwargs,
    )


def test_percentile_rank_counts_ties_half():
    values = np.array([0.0, 0, 0, 10, 20])
    assert percentile_rank(values, 0.0) == pytest.approx(0.3)
    assert percentile_rank(values, 20.0) == pytest.approx(0.9)
    assert percentile_rank(values, 20.0, np.array([1, 1, 1, 1, 4.0])) == pytest.approx(6 / 8)


def test_a_few_fortunes_do_not_make_a_segment_wealthy():
    # Segment 1's mean net worth is far above everyone's (two fortunes) by more than the 0.2 sd
    # that used to name a segment, but its median is close to the population's.
    networth = np.array([10.0, 20, 30, 40, 50, 1e9, 2e9, 10, 20, 30, 40, 50])
    segments = np.array([1] * 7 + [2] * 5)
    personas = describe(pd.DataFrame({"NETWORTH": networth}), segments)
    assert personas[0].traits[0].difference > 0.2
    assert "wealthy" not in personas[0].name.lower()


def test_negative_median_net_worth_reads_as_negative_not_less_wealthy():
    networth = np.array([-5e4, -4e4, -3e4, 1e5, 2e5, 3e5, 4e5, 5e5, 6e5])
    segments = np.array([1, 1, 1, 2, 2, 2, 3, 3, 3])
    names = [p.name for p in describe(pd.DataFrame({"NETWORTH": networth}), segments)]
    assert names[0] == "Owners with negative net worth"
    assert names[2] == "Wealthy owners"


def test_one_word_per_concept():
    frame = pd.DataFrame(
        {"NETWORTH": [1.0, 2, 3, 100, 200, 300], "ASSET": [2.0, 3, 4, 200, 300, 400]}
    )
    personas = describe(frame, np.array([1, 1, 1, 2, 2, 2]))
    assert {t.variable for t in personas[0].traits[:2]} == {"NETWORTH", "ASSET"}
    assert [p.name for p in personas] == ["Asset-light owners", "Asset-rich owners"]


@pytest.mark.parametrize(
    ("segment_median", "population_median", "word"),
    [(5.0, 1.0, "older"), (1.0, 5.0, "younger"), (3.0, 3.0, None)],
)
def test_the_word_follows_the_medians(segment_median, population_median, word):
    trait = NamingTrait("AGE", "age", 0.4, segment_median, population_median)
    assert trait_word(trait, WEALTH_WORDS) == word


def test_small_shifts_name_nothing():
    assert trait_word(NamingTrait("AGE", "age", 0.1, 50, 40), WEALTH_WORDS) is None


def _trait(variable, shift, median=1.0):
    return NamingTrait(variable, variable.lower(), shift, median + shift, median)


def test_colliding_names_take_the_next_trait():
    traits = {
        1: [_trait("NETWORTH", 0.4), _trait("AGE", 0.3)],
        2: [_trait("NETWORTH", 0.4), _trait("AGE", -0.3)],
    }
    assert segment_names(traits, WEALTH_WORDS, "owners") == {
        1: "Wealthy, older owners",
        2: "Wealthy, younger owners",
    }


def test_lookalike_segments_are_told_apart_among_themselves():
    traits = {s: [_trait("NETWORTH", 0.3 + 0.05 * s), _trait("AGE", 0.01 * s)] for s in (1, 2, 3)}
    names = segment_names(traits, WEALTH_WORDS, "owners")
    assert names == {
        1: "Wealthy owners (lowest networth of 3 look-alikes)",
        2: "Wealthy owners (middle networth of 3 look-alikes)",
        3: "Wealthy owners (highest networth of 3 look-alikes)",
    }


def test_a_lookalike_position_never_reads_as_the_opposite_trait():
    """Two higher-income segments: the one with the lower income of the two is still named
    higher-income, and its position says it is relative to the other, within any aside."""
    traits = {
        s: [NamingTrait("INCOME", "Income (previous year)", 0.2 * s, 50.0 + s, 40.0)]
        for s in (1, 2)
    }
    names = segment_names(traits, {}, "households", {1: "Sex: Male", 2: "Sex: Male"})
    assert names == {
        1: "Higher-income households (mostly Sex: Male; lower income of 2 look-alikes)",
        2: "Higher-income households (mostly Sex: Male; higher income of 2 look-alikes)",
    }


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (2, ["lower", "higher"]),
        (4, ["lowest", "2nd-lowest", "2nd-highest", "highest"]),
        (5, ["lowest", "2nd-lowest", "middle", "2nd-highest", "highest"]),
    ],
)
def test_position_words_rank_from_both_ends(n, words):
    assert _position_words(n) == words


def test_identical_segments_still_get_unique_names():
    traits = {s: [_trait("AGE", 0.0)] for s in (1, 2)}
    names = segment_names(traits, WEALTH_WORDS, "owners")
    assert len(set(names.values())) == 2


def test_common_columns_of_plain_tables_read_naturally():
    frame = pd.DataFrame(
        {"Age": [20.0, 22, 24, 60, 62, 64], "Spending Score (1-100)": [90.0, 80, 85, 10, 5, 8]}
    )
    personas = describe_segments(
        frame,
        np.array([1, 1, 1, 2, 2, 2]),
        2,
        labels={},
        noun="customers",
        size_texts={1: "a", 2: "b"},
    )
    assert [p.name for p in personas] == [
        "Younger customers with high spending score",
        "Older customers with low spending score",
    ]


def test_a_dominant_category_names_the_segment():
    frame = pd.DataFrame({"AGE": [30.0, 31, 32, 33, 60, 61, 62, 63]})
    demographics = {
        1: {"Channel": {"Horeca": 1.0}},
        2: {"Channel": {"Horeca": 0.25, "Retail": 0.75}},
    }
    personas = describe(
        frame,
        np.array([1, 1, 1, 1, 2, 2, 2, 2]),
        demographics=demographics,
        demographic_labels={"Channel": "Channel"},
    )
    # Horeca is 62.5% of everyone: 100% is a lift of 1.6; Retail's 75% vs 37.5% is 2.0.
    assert personas[0].name == "Younger owners (mostly Channel: Horeca)"
    assert personas[1].name == "Older owners (mostly Channel: Retail)"


def test_a_yes_no_flag_reads_as_a_share_not_a_median():
    """A 0/1 feature: its median (0 or 1) says little, so the name and the description give
    the share of yes against the population's, and the shift is the difference of the shares."""
    frame = pd.DataFrame(
        {
            "AGE": [30.0, 31, 32, 33, 34, 60, 61, 62, 63, 64],
            "HDEBT": [1.0, 1, 1, 1, 0, 0, 0, 0, 0, 1],
        }
    )
    personas = describe_segments(
        frame,
        np.repeat([1, 2], 5),
        2,
        labels={"AGE": "Age", "HDEBT": "Has any debt (any kind)"},
        noun="owners",
        size_texts={1: "Segment 1", 2: "Segment 2"},
        words=WEALTH_WORDS,
        flag_columns=["HDEBT"],
    )
    assert [p.name for p in personas] == [
        "Younger owners (Has any debt: 80%)",
        "Older owners (Has any debt: 20%)",
    ]
    flag = next(t for t in personas[0].traits if t.variable == "HDEBT")
    assert (flag.share, flag.segment_median, flag.population_median) == (True, 0.8, 0.5)
    assert flag.shift == pytest.approx(0.3)
    assert "Shares against all owners: Has any debt (any kind) 80% (all: 50%)." in (
        personas[0].description
    )
    assert "Medians against all owners: Age 32 (all: 47)." in personas[0].description


@pytest.mark.parametrize(
    ("named", "majority", "name"),
    [
        (["(Owns a home: 90%)"], None, "Owners (Owns a home: 90%)"),
        (
            ["older", "(Owns a home: 90%)"],
            "Region: North",
            "Older owners (mostly Region: North; Owns a home: 90%)",
        ),
        ([], "Region: North", "Typical owners (mostly Region: North)"),
    ],
)
def test_shares_and_a_majority_share_one_aside(named, majority, name):
    assert compose("owners", named, majority) == name
