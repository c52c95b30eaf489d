"""Segment vs population: every number checked against a hand computation in pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custseg
from custseg.segment_compare import cohens_h, compare_segments, result_comparison


@pytest.fixture
def table():
    return pd.DataFrame(
        {
            "spend": [10.0, 20.0, np.nan, 40.0, 50.0, 60.0],
            "tier": ["a", "b", "a", "a", None, "b"],
            "segment": [1, 1, 1, 2, 2, 2],
            "w": [1.0, 2.0, 1.0, 1.0, 3.0, 1.0],
            "household": [1, 1, 2, 3, 3, 4],
        }
    )


@pytest.mark.parametrize("weighted", [True, False])
def test_numeric_rows_match_pandas(table, weighted):
    result = compare_segments(
        table,
        table["segment"].to_numpy(),
        numeric=["spend"],
        weights=table["w"].to_numpy() if weighted else None,
        households=table["household"].to_numpy(),
        small_base=2,
        money_columns=["spend"],
    )
    known = table.dropna(subset=["spend"])
    w = known["w"] if weighted else pd.Series(1.0, index=known.index)
    mean = lambda f: (f["spend"] * w[f.index]).sum() / w[f.index].sum()  # noqa: E731
    inside, rest = known[known.segment == 1], known[known.segment == 2]
    m1, m2, mp = mean(inside), mean(rest), mean(known)
    within = (w[inside.index] * (inside.spend - m1) ** 2).sum() + (
        w[rest.index] * (rest.spend - m2) ** 2
    ).sum()
    d = (m1 - m2) / np.sqrt(within / w.sum())
    row = result[result.segment == 1].iloc[0]
    assert row.segment_value == pytest.approx(m1)
    assert row.rest_value == pytest.approx(m2)
    assert row.population_value == pytest.approx(mp)
    assert row["index"] == pytest.approx(100 * m1 / mp)
    assert row.effect_size == pytest.approx(d)
    assert row.unit == "dollars"
    # segment 1 has households 1 (two rows with spend) and none else with spend: 1 household
    assert row.base == 1 and bool(row.small_base)
    assert result[result.segment == 2].iloc[0].base == 2


def test_shares_match_pandas_and_use_cohens_h(table):
    result = compare_segments(
        table,
        table["segment"].to_numpy(),
        numeric=[],
        categorical=["tier"],
        weights=table["w"].to_numpy(),
        names={1: "One"},
    )
    known = table.dropna(subset=["tier"])
    share = lambda f: f.w[f.tier == "a"].sum() / f.w.sum()  # noqa: E731
    p1, p2 = share(known[known.segment == 1]), share(known[known.segment == 2])
    row = result[(result.segment == 1) & (result.level == "a")].iloc[0]
    assert row["name"] == "One" and row.statistic == "share" and row.unit == "share"
    assert row.segment_value == pytest.approx(p1)
    assert row.rest_value == pytest.approx(p2)
    assert row.population_value == pytest.approx(share(known))
    assert row.effect_size == pytest.approx(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p2)))
    assert row.base == 3  # rows, without households
    assert cohens_h(0.5, 0.5) == 0.0


def test_scf_run_compares_features_and_demographics_per_household(scf2019):
    result = custseg.segment(scf2019, population="small-business", k=3, bootstrap=0)
    table = result_comparison(result)
    variables = set(table["variable"])
    assert set(result.features) <= variables
    assert {"AGECL", "EDCL", "INCCAT", "RACE", "HOUSECL", "INCOME"} <= variables
    shares = table[table.statistic == "share"].groupby(["segment", "variable"])["segment_value"]
    np.testing.assert_allclose(shares.sum(), 1.0)
    households = result.prepared.households
    for segment in (1, 2, 3):
        row = table[(table.segment == segment) & (table.variable == "AGECL")].iloc[0]
        assert row.base == len(np.unique(households[result.segments == segment]))
    frame = result.prepared.dataset.frame.loc[result.prepared.rows]
    w = result.prepared.weights
    members = result.segments == 2
    expected = np.average(frame["INCOME"][members], weights=w[members])
    row = table[(table.segment == 2) & (table.variable == "INCOME")].iloc[0]
    assert row.segment_value == pytest.approx(expected)
    assert row.unit == "dollars"


def test_plain_table_compares_every_numeric_and_categorical_column(shared_data):
    result = custseg.segment(str(shared_data / "customers" / "mall_customers.csv"), bootstrap=0)
    table = result_comparison(result)
    assert set(table["variable"]) == {
        "Age",
        "Annual Income (k$)",
        "Spending Score (1-100)",
        "Gender",
    }
    assert (table["base"] == table.groupby("segment")["base"].transform("max")).all()
    assert table["small_base"].equals(table["base"] < 30)
