import numpy as np
import pytest

from custseg import segment
from custseg.compare import CPI_U, compare, dollar_factor, parse_cpi
from custseg.errors import CustsegError


def test_dollar_factor_puts_2022_amounts_in_2019_dollars():
    assert dollar_factor(2022, 2019, CPI_U) == pytest.approx(255.657 / 292.655)
    assert dollar_factor(2019, 2019, CPI_U) == 1.0
    with pytest.raises(CustsegError, match="No CPI value for 1850"):
        dollar_factor(1850, 2019, CPI_U)


@pytest.mark.parametrize(("items", "expected"), [([], {}), (["2022=300"], {2022: 300.0})])
def test_parse_cpi(items, expected):
    assert parse_cpi(items) == expected


@pytest.mark.parametrize("item", ["2022", "x=3", "2022=-1"])
def test_bad_cpi(item):
    with pytest.raises(CustsegError):
        parse_cpi([item])


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
        "scf2022": pytest.approx(255.657 / 292.655),
    }
    np.testing.assert_allclose(
        table["change_points"], 100 * (table["share_scf2022"] - table["share_scf2019"])
    )
    assert (table["share_se_scf2022"] > 0).all()
    # The 2022 owners' weighted total is the 2022 count of small-business owners.
    owners = scf2022.frame.query("HBUS == 1 and INCOME < 500000")
    assert table["count_scf2022"].sum() == pytest.approx(owners["WGT"].sum())
