import numpy as np
import pandas as pd
import pytest

from custseg import segment
from custseg.compare import compare
from custseg.datasets.scf import scf_dataset
from custseg.deflator import CPI_U_RS_SEPTEMBER
from custseg.errors import CustsegError
from custseg.population import select_population

TO_2022 = 437.6 / 377.5


def _survey(year: int, households: pd.DataFrame) -> pd.DataFrame:
    """An SCF-like table: every household 5 times (implicates), amounts in ``year`` dollars."""
    factor = 1.0 if year == 2019 else TO_2022
    rows = households.loc[households.index.repeat(5)].reset_index(drop=True)
    implicate = np.tile(np.arange(1, 6), len(households))
    rng = np.random.default_rng(year)
    for column in ("INCOME", "NETWORTH", "ASSET"):
        # Implicates differ a little, as imputations do, but never across a threshold row's limit.
        noise = 1 + rng.uniform(-0.002, 0.002, len(rows))
        rows[column] = rows[column] * noise * factor
    rows["Y1"] = rows["YY1"] * 10 + implicate
    rows["WGT"] = 1000.0
    return rows


@pytest.fixture(scope="module")
def two_years():
    """60 business-owning households; four threshold rows sit just inside or outside the
    limits INCOME < 500,000 and NETWORTH < 1,000,000 in 2019 dollars."""
    rng = np.random.default_rng(0)
    n = 60
    households = pd.DataFrame(
        {
            "YY1": np.arange(1, n + 1),
            "HBUS": 1,
            "INCOME": rng.uniform(20_000, 300_000, n),
            "NETWORTH": rng.uniform(10_000, 800_000, n),
        }
    )
    households["ASSET"] = households["NETWORTH"] * 1.5
    households.loc[0, "INCOME"] = 490_000  # in: 568,000 in 2022 dollars
    households.loc[1, "INCOME"] = 510_000  # out: 591,000 in 2022 dollars
    households.loc[2, "NETWORTH"] = 950_000  # in: 1.10 M in 2022 dollars
    households.loc[3, "NETWORTH"] = 1_050_000  # out
    return tuple(
        scf_dataset(_survey(year, households), name=f"scf{year}", provenance={"dollars_of": year})
        for year in (2019, 2022)
    )


def _households_scored(comparison, name):
    return comparison.table[f"count_{name}"].sum() / 1000 / 5


@pytest.mark.parametrize(
    ("population", "where", "kept"),
    [
        ("small-business", [], 59),  # household 2 is out: INCOME 510,000 (2019 dollars)
        ("all", ["NETWORTH<1000000"], 59),  # household 4 is out
        ("small-business", ["NETWORTH<1000000"], 58),
    ],
)
def test_dollar_limits_select_the_same_households_in_real_terms(two_years, population, where, kept):
    base, other = two_years
    result = segment(
        base,
        population=population,
        where=where,
        features=["NETWORTH", "ASSET"],
        k=2,
        bootstrap=0,
        transform="none",
    )
    comparison = compare(result.model, base, other)
    assert _households_scored(comparison, "scf2019") == pytest.approx(kept)
    assert _households_scored(comparison, "scf2022") == pytest.approx(kept)
    if population == "small-business":
        assert "INCOME < 579,603" in comparison.populations["scf2022"]
    # The nominal limits (2019 figures read as 2022 dollars) drop the households just inside.
    nominal = select_population(other, population, where).dataset
    assert nominal.n_rows / 5 < kept


def test_change_has_a_standard_error_and_small_segments_are_flagged(two_years):
    base, other = two_years
    result = segment(base, features=["NETWORTH", "ASSET"], k=3, bootstrap=0, transform="none")
    table = compare(result.model, base, other, min_households=25).table
    expected = 100 * np.hypot(table["share_se_scf2019"], table["share_se_scf2022"])
    np.testing.assert_allclose(table["change_se_points"], expected)
    np.testing.assert_allclose(
        table["households_scf2019"] * 5 * 1000, table["count_scf2019"]
    )  # every row weighs 1000 here
    smallest = table[["households_scf2019", "households_scf2022"]].min(axis=1)
    assert (table["few_households"] == (smallest < 25)).all()


def test_unknown_dollar_year_is_refused(two_years):
    base, other = two_years
    result = segment(base, features=["NETWORTH", "ASSET"], k=2, bootstrap=0, transform="none")
    unknown = scf_dataset(other.frame, name="scf2022", provenance={})
    with pytest.raises(CustsegError, match="dollar year of scf2022 is unknown"):
        compare(result.model, base, unknown)


def test_cpi_override_changes_the_factor(two_years):
    base, other = two_years
    result = segment(base, features=["NETWORTH", "ASSET"], k=2, bootstrap=0, transform="none")
    comparison = compare(result.model, base, other, cpi={2022: 400.0})
    assert comparison.dollar_factors["scf2022"] == pytest.approx(377.5 / 400.0)
    assert "2022 = 400" in comparison.index


@pytest.mark.scf
def test_2019_model_on_2022(scf2019, shared_data):
    from custseg import load_dataset

    scf2022 = load_dataset("scf2022")
    result = segment(scf2019, population="small-business", k=3, bootstrap=0)
    comparison = compare(result.model, scf2019, scf2022)
    table = comparison.table
    np.testing.assert_allclose(table["share_scf2019"], result.profiles["share"])
    assert table["share_scf2022"].sum() == pytest.approx(1.0)
    assert comparison.dollar_factors == {
        "scf2019": 1.0,
        "scf2022": pytest.approx(CPI_U_RS_SEPTEMBER[2019] / CPI_U_RS_SEPTEMBER[2022]),
    }
    np.testing.assert_allclose(
        table["change_points"], 100 * (table["share_scf2022"] - table["share_scf2019"])
    )
    assert (table["share_se_scf2022"] > 0).all()
    # The 2022 population is the 2019 definition in real terms: income under $500,000 of 2019.
    frame = scf2022.frame
    owners = frame[(frame["HBUS"] == 1) & (frame["INCOME"] < 500_000 * TO_2022)]
    assert table["count_scf2022"].sum() == pytest.approx(owners["WGT"].sum())
    nominal = scf2022.frame.query("HBUS == 1 and INCOME < 500000")
    assert len(owners) - len(nominal) > 100  # the rows the nominal limit wrongly dropped
    assert set(comparison.headlines["population"]) == {
        "all households",
        comparison.populations["scf2019"],
    }


@pytest.mark.scf
def test_headline_real_changes_match_the_fed(scf2019):
    """The Fed's 2022 bulletin: real changes 2019-2022 of +3% (median income), +15% (mean
    income), +37% (median net worth) and +23% (mean net worth), 2019 median net worth $141.1k
    in 2022 dollars."""
    from custseg import load_dataset

    result = segment(scf2019, population="small-business", k=2, bootstrap=0)
    comparison = compare(result.model, scf2019, load_dataset("scf2022"))
    assert comparison.headline_dollars == 2022
    table = comparison.headlines.query("population == 'all households'").set_index(
        ["variable", "statistic"]
    )
    changes = 100 * table["change"]
    assert round(changes[("INCOME", "median")]) == 3
    assert round(changes[("INCOME", "mean")]) == 15
    assert round(changes[("NETWORTH", "median")]) == 37
    # The public extract's mean net worth is a little below the Fed's internal figure in both
    # years (748.8k and 1,063.7k published): 22.4% here against the bulletin's 22.5%.
    assert changes[("NETWORTH", "mean")] == pytest.approx(
        1063.7 / (748.8 * TO_2022) * 100 - 100, abs=0.3
    )
    assert round(table.loc[("NETWORTH", "median"), "value_scf2019"], -2) == 141_100
    assert (table["change_se"] > 0).all()
    # The README's table of these figures.
    readme = {
        ("INCOME", "median"): (68.5, 70.3, 2.6, 1.3),
        ("INCOME", "mean"): (123.2, 141.4, 14.8, 1.7),
        ("NETWORTH", "median"): (141.1, 192.7, 36.5, 2.7),
        ("NETWORTH", "mean"): (865.7, 1059.5, 22.4, 2.1),
    }
    for key, expected in readme.items():
        row = table.loc[key]
        measured = (
            round(row["value_scf2019"] / 1000, 1),
            round(row["value_scf2022"] / 1000, 1),
            round(100 * row["change"], 1),
            round(100 * row["change_se"], 1),
        )
        assert measured == expected, key


@pytest.mark.scf
def test_readme_population_figures(shared_data):
    """The README's counts of small-business owners: rows, households and weighted households,
    and what the nominal 2022 limit would drop, recomputed with pandas."""
    columns = ["YY1", "WGT", "HBUS", "INCOME"]
    frames = {
        year: pd.read_csv(shared_data / f"SCFP{year}.csv.gz", usecols=columns)
        for year in (2019, 2022)
    }

    def owners(frame, limit):
        chosen = frame[(frame["HBUS"] == 1) & (frame["INCOME"] < limit)]
        return len(chosen), chosen["YY1"].nunique(), chosen["WGT"].sum()

    assert owners(frames[2019], 500_000)[:2] == (4_364, 887)
    assert round(owners(frames[2019], 500_000)[2] / 1e6, 2) == 15.66
    real = owners(frames[2022], 500_000 * TO_2022)
    nominal = owners(frames[2022], 500_000)
    assert real[:2] == (3_550, 724) and round(real[2] / 1e6, 2) == 17.26
    assert (real[0] - nominal[0], real[1] - nominal[1]) == (230, 44)
    assert round((real[2] - nominal[2]) / 1e6, 2) == 0.48


def test_segment_table_writes_sample_households_with_separators(two_years):
    from custseg.compare_text import segment_table

    base, other = two_years
    result = segment(base, features=["NETWORTH", "ASSET"], k=2, bootstrap=0, transform="none")
    comparison = compare(result.model, base, other)
    comparison.table["households_scf2019"] = 1234.4  # as in a run on all households
    assert set(segment_table(comparison)["sample households scf2019"]) == {"1,234"}
