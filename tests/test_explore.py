"""Exploratory numbers, checked against pandas on the raw file."""

import numpy as np
import pytest

from custseg.dataset import from_frame
from custseg.explore import dollar_summary, explore, share_by_group, share_table


@pytest.mark.scf
def test_business_owner_shares(scf2019, scf2019_raw):
    table = share_table(scf2019, "HBUS").set_index("code")
    assert table.loc[1, "share"] == pytest.approx((scf2019_raw["HBUS"] == 1).mean())
    weighted = scf2019_raw.groupby("HBUS")["WGT"].sum() / scf2019_raw["WGT"].sum()
    assert table.loc[1, "weighted_share"] == pytest.approx(weighted[1])
    assert round(table.loc[1, "share"], 3) == 0.274 and round(weighted[1], 3) == 0.134


@pytest.mark.scf
def test_income_groups_by_ownership(scf2019, scf2019_raw):
    table = share_by_group(scf2019, "INCCAT", "HBUS", weighted=False)
    expected = scf2019_raw.groupby("HBUS")["INCCAT"].value_counts(normalize=True)
    assert table.loc["Percentile 90-100", "Business owner"] == pytest.approx(expected[(1, 6)])
    np.testing.assert_allclose(table.sum(axis=0), 1.0)


@pytest.mark.scf
def test_weighted_median_net_worth_near_published(scf2019):
    summary = dollar_summary(scf2019, ["NETWORTH"]).iloc[0]
    assert summary["median"] == pytest.approx(121_700, rel=0.01)  # the Fed's published 2019 figure


@pytest.mark.scf
def test_scf_exploration_sections(scf2019):
    exploration = explore(scf2019)
    assert {"HBUS", "TURNFEAR", "AGECL"} <= set(exploration.shares)
    assert "5,777 households" in " ".join(exploration.overview)
    assert "128.6 M" in " ".join(exploration.overview)
    assert exploration.income_by_ownership.shape == (6, 4)


def test_plain_table_exploration(blobs):
    exploration = explore(from_frame(blobs, name="t.csv", id_columns=("customer",)))
    assert not exploration.shares and exploration.income_by_ownership is None
    assert not exploration.amounts_are_money
    assert list(exploration.dollars["variable"]) == ["spend", "visits"]
    roles = exploration.columns.set_index("column")["role"]
    assert roles["customer"] == "id" and roles["spend"] == "numeric"
