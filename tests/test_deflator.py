import pytest

from custseg.deflator import (
    CPI_U_RS_SEPTEMBER,
    dollar_factor,
    index_name,
    parse_cpi,
    price_index,
)
from custseg.errors import CustsegError


def test_the_feds_factor_from_2019_to_2022_dollars():
    # The Fed's 2019 median net worth, $121.7k in 2019 dollars, is $141.1k in 2022 dollars.
    factor = dollar_factor(2019, 2022, CPI_U_RS_SEPTEMBER)
    assert factor == pytest.approx(437.6 / 377.5)
    assert round(121_760 * factor, -2) == 141_100
    assert dollar_factor(2022, 2019, CPI_U_RS_SEPTEMBER) == pytest.approx(1 / factor)
    assert dollar_factor(2019, 2019, CPI_U_RS_SEPTEMBER) == 1.0
    with pytest.raises(CustsegError, match="No price index value for 1850"):
        dollar_factor(1850, 2019, CPI_U_RS_SEPTEMBER)


def test_overrides_replace_single_years():
    index = price_index({2022: 440.0})
    assert index[2022] == 440.0 and index[2019] == 377.5
    assert "R-CPI-U-RS" in index_name() and "2022 = 440" in index_name({2022: 440.0})


@pytest.mark.parametrize(("items", "expected"), [([], {}), (["2022=300"], {2022: 300.0})])
def test_parse_cpi(items, expected):
    assert parse_cpi(items) == expected


@pytest.mark.parametrize("item", ["2022", "x=3", "2022=-1", "2022=nan"])
def test_bad_cpi(item):
    with pytest.raises(CustsegError):
        parse_cpi([item])
