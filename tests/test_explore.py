"""Exploratory numbers, checked against pandas on the raw file."""

import numpy as np
import pandas as pd
import pytest

from custseg import figures_explore
from custseg.dataset import from_frame
from custseg.explore import dollar_summary, explore, share_by_group, share_table


def _pandas_weighted_quantile(values: pd.Series, weights: pd.Series, q: float) -> float:
    """The smallest value whose cumulative weight share reaches q (the Fed's convention)."""
    frame = pd.DataFrame({"v": values, "w": weights}).dropna().sort_values("v", kind="stable")
    share = frame["w"].cumsum() / frame["w"].sum()
    return float(frame.loc[share >= q, "v"].iloc[0])


@pytest.fixture(scope="module")
def exploration(scf2019):
    return explore(scf2019)


@pytest.mark.scf
def test_every_weighted_share_matches_pandas(exploration, scf2019_raw):
    total = scf2019_raw["WGT"].sum()
    for column, (table, _) in exploration.shares.items():
        expected = scf2019_raw.groupby(column)["WGT"].sum()
        got = table.set_index("code")
        np.testing.assert_allclose(got["weighted_count"], expected.loc[got.index])
        np.testing.assert_allclose(got["weighted_share"], expected.loc[got.index] / total)
    weighted = exploration.income_by_ownership.filter(like="(weighted)")
    expected = pd.crosstab(
        scf2019_raw["INCCAT"],
        scf2019_raw["HBUS"],
        values=scf2019_raw["WGT"],
        aggfunc="sum",
        normalize="columns",
    )
    np.testing.assert_allclose(weighted.to_numpy(), expected.to_numpy())


@pytest.mark.scf
def test_every_weighted_amount_matches_pandas(exploration, scf2019_raw):
    w = scf2019_raw["WGT"]
    for row in exploration.dollars.itertuples():
        v = scf2019_raw[row.variable]
        assert row.median == _pandas_weighted_quantile(v, w, 0.5)
        assert row.p10 == _pandas_weighted_quantile(v, w, 0.1)
        assert row.p90 == _pandas_weighted_quantile(v, w, 0.9)
        assert row.mean == pytest.approx((v * w).sum() / w.sum())
        assert row.share_zero == pytest.approx(w[v == 0].sum() / w.sum())
        assert row.share_negative == pytest.approx(w[v < 0].sum() / w.sum())
    columns = exploration.columns.set_index("column")
    for column in ("INCOME", "NETWORTH", "AGE", "KIDS"):
        assert columns.loc[column, "median_weighted"] == _pandas_weighted_quantile(
            scf2019_raw[column], w, 0.5
        )
        assert columns.loc[column, "median_rows"] == scf2019_raw[column].median()
    # The example: the weighted median income is the $59.1k of the text.
    assert round(columns.loc["INCOME", "median_weighted"], -2) == 59_100


@pytest.mark.scf
def test_histograms_count_weighted_households(exploration, scf2019_raw):
    values = exploration.distributions["INCOME"]
    weights = exploration.distribution_weights["INCOME"]
    positive = scf2019_raw[scf2019_raw["INCOME"] > 0]
    assert weights.sum() == pytest.approx(positive["WGT"].sum())
    fig = figures_explore.distribution_figure(
        values, label="Income", weights=weights, unit="US households", dollars_of=2019
    )
    assert fig.data[0].y.sum() == pytest.approx(positive["WGT"].sum())
    assert fig.layout.yaxis.title.text == "US households (weighted)"
    assert "2019 $" in fig.layout.xaxis.title.text


@pytest.mark.scf
def test_explore_report_labels_weights_and_dollars(exploration):
    from custseg.report_explore import explore_report

    page = explore_report(exploration)
    assert "median (weighted)" in page and "median of rows (unweighted)" in page
    assert "in 2019 dollars" in page
    assert "Income (previous year) (weighted, 2019 dollars): median $59.1k" in page
    households = exploration.columns.set_index("column").loc["YY1", "distinct"]
    assert f"<td>{households:,}</td>" in page  # counts with thousands separators


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


def test_plain_table_report_does_not_repeat_names_as_labels(blobs):
    from custseg.report_explore import explore_report

    table = blobs.assign(channel=np.arange(90) % 2 + 1, active=np.arange(90) % 3 == 0)
    page = explore_report(explore(from_frame(table, name="t.csv", id_columns=("customer",))))
    assert "<th>column</th>" in page and "<th>code</th>" in page
    assert "<th>label</th>" not in page and "<th>meaning</th>" not in page
    assert "<td>spend</td>" in page and page.count("<td>spend</td>") == 2  # amounts, columns


@pytest.mark.scf
def test_flags_are_reported_as_weighted_shares(exploration, scf2019_raw):
    flags = exploration.flags.set_index("variable")
    w = scf2019_raw["WGT"]
    for column in ("LATE", "SAVED", "EMERGBORR"):
        assert flags.loc[column, "share_yes"] == pytest.approx(scf2019_raw[column].mean())
        expected = w[scf2019_raw[column] == 1].sum() / w.sum()
        assert flags.loc[column, "share_yes_weighted"] == pytest.approx(expected)
    assert flags.loc["SAVRES6", "label"] == "Saves for retirement"
    columns = exploration.columns.set_index("column")
    assert columns.loc["LATE", "role"] == "flag" and pd.isna(columns.loc["LATE", "median_rows"])


@pytest.mark.scf
def test_every_scf_column_says_why_it_has_its_role(exploration):
    columns = exploration.columns.set_index("column")
    assert (columns["why"].str.len() > 0).all()
    assert columns.loc["WGT", "why"].startswith("survey weight")
    assert "always 0" in columns.loc["PAYORE3", "why"]  # constant in 2019


@pytest.mark.scf
def test_coded_categories_are_shares_with_their_meaning(exploration, scf2019_raw):
    codes = exploration.categories.set_index(["variable", "code"])
    assert codes.loc[("EDUC", 12), "code_label"] == "Bachelor's degree"
    assert codes.loc[("SPENDMOR", 1), "code_label"] == "Strongly agree"
    w = scf2019_raw["WGT"]
    expected = w[scf2019_raw["WSAVED"] == 3].sum() / w.sum()
    assert codes.loc[("WSAVED", 3), "weighted_share"] == pytest.approx(expected)
    assert not {"HBUS", "AGECL"} & set(exploration.categories["variable"])  # own sections


@pytest.mark.scf
def test_a_population_drops_what_it_holds_constant(scf2019):
    from custseg.population import select_population

    owners = explore(select_population(scf2019, "small-business").dataset)
    assert "HBUS" not in owners.shares and owners.income_by_ownership is None
    assert "TURNFEAR" in owners.shares


def test_plain_table_codes_and_flags(blobs):
    blobs = blobs.assign(
        member=np.arange(len(blobs)) % 2, region=np.where(blobs.index % 3, "north", "south")
    )
    exploration = explore(from_frame(blobs, name="t.csv", id_columns=("customer",)))
    assert list(exploration.flags["variable"]) == ["member"]
    assert exploration.flags["share_yes"].iloc[0] == pytest.approx(0.5)
    regions = exploration.categories.set_index("code")
    assert set(regions.index) == {"north", "south"} and (regions["code_label"] == "").all()
