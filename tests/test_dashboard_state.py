import pytest

from custseg.dashboard.state import ViewState, from_search

DATASETS = ["scf2019", "scf2022"]
POPULATIONS = ["all", "small-business", "credit-fearful"]


def read(search):
    return from_search(search, defaults=ViewState(), datasets=DATASETS, populations=POPULATIONS)


def test_round_trip():
    state = ViewState(
        dataset="scf2022",
        population="credit-fearful",
        select="variance",
        n_features=3,
        features=("INCOME", "NETWORTH"),
        transform="asinh",
        k=7,
    )
    assert read(state.to_search()) == state


@pytest.mark.parametrize(
    ("search", "field", "expected"),
    [
        ("?dataset=/etc/passwd", "dataset", "scf2019"),
        ("?population=everyone", "population", "small-business"),
        ("?k=40", "k", None),
        ("?k=abc", "k", None),
        ("?n_features=0", "n_features", 5),
        ("?transform=__import__", "transform", "auto"),
        ("?select=variance", "select", "variance"),
        ("?select=trimmed", "select", "auto"),
        ("", "k", None),
        (None, "dataset", "scf2019"),
    ],
)
def test_unknown_values_fall_back_to_defaults(search, field, expected):
    assert getattr(read(search), field) == expected


def test_sweep_key_ignores_k():
    assert ViewState(k=3).sweep_key() == ViewState(k=9).sweep_key()
    assert ViewState(select="auto").sweep_key() != ViewState(select="variance").sweep_key()


def test_the_recommended_k_stays_out_of_the_address():
    assert "k=" not in ViewState().to_search()
    assert "k=4" in ViewState(k=4).to_search()
