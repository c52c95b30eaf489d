import math

import pytest

from custseg.formatting import count, counted, label_and_name, number


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (35_151_700, "35.2 M"),  # an inertia the CLI printed as 3.51517e+07
        (30_911_300.99, "30.9 M"),  # and the dashboard as 30,911,300.99
        (-2_500_000_000, "-2.5 B"),
        (1888.24, "1,888"),
        (303.287, "303"),
        (0.35412, "0.354"),
        (math.nan, "n/a"),
    ],
)
def test_numbers_keep_three_significant_digits_and_name_millions(value, text):
    assert number(value) == text


@pytest.mark.parametrize(
    ("value", "options", "text"),
    [
        (8_312_345, {}, "8.3 M"),
        (609_303, {}, "610,000"),  # the same two-figure precision below a million
        (3_000, {}, "<10,000"),
        (128_642_431, {"significant": 4}, "128.6 M"),
    ],
)
def test_household_counts_have_one_style(value, options, text):
    assert count(value, **options) == text


@pytest.mark.parametrize(
    ("n", "args", "text"),
    [
        (1, ("customer",), "1 customer"),
        (0, ("customer",), "0 customers"),
        (2345, ("customer",), "2,345 customers"),
        (1, ("entry", "entries"), "1 entry"),
        (3, ("entry", "entries"), "3 entries"),
    ],
)
def test_counted_nouns_agree_with_their_number(n, args, text):
    assert counted(n, *args) == text


@pytest.mark.parametrize(
    ("label", "name", "text"),
    [
        ("Age", "Age", "Age"),
        ("Spending Score (1-100)", "Spending Score (1-100)", "Spending Score (1-100)"),
        ("Age of head", "AGE", "Age of head (AGE)"),
        ("Net worth", "NETWORTH", "Net worth (NETWORTH)"),
    ],
)
def test_a_label_that_shows_the_name_does_not_repeat_it(label, name, text):
    assert label_and_name(label, name) == text
