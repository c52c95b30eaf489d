import pandas as pd
import pytest

from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.population import Condition, parse_condition, select_population


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("INCOME<500000", Condition("INCOME", "<", 500000.0)),
        ("HBUS == 1", Condition("HBUS", "==", 1.0)),
        ("HBUS=1", Condition("HBUS", "==", 1.0)),
        ("AGE>=65", Condition("AGE", ">=", 65.0)),
        ("Gender == 'Female'", Condition("Gender", "==", "Female")),
        ("Annual Income (k$) > 50", Condition("Annual Income (k$)", ">", 50.0)),
        ("x != -1.5", Condition("x", "!=", -1.5)),
    ],
)
def test_parse(text, expected):
    assert parse_condition(text) == expected


@pytest.mark.parametrize("text", ["INCOME", "<5", "INCOME<", "a<<b", "__import__('os')", "x =< 3"])
def test_malformed_conditions_are_refused(text):
    with pytest.raises(CustsegError, match="Cannot read the condition"):
        parse_condition(text)


@pytest.fixture
def shoppers():
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "Gender": ["Male", "Female", "Female", "Male"],
            "Annual Income (k$)": [15, 60, 90, 30],
        }
    )
    return from_frame(frame, name="shoppers.csv", id_columns=("id",))


def test_conditions_combine_with_and(shoppers):
    selection = select_population(shoppers, "all", ["Gender == Female", "Annual Income (k$) > 70"])
    assert list(selection.dataset.frame["id"]) == [3]
    assert selection.conditions == ("Gender == Female", "Annual Income (k$) > 70")


@pytest.mark.parametrize(
    ("population", "where", "message"),
    [
        ("rich", [], "Unknown population 'rich'"),
        ("all", ["Height > 2"], "names no column"),
        ("all", ["Gender > 'A'"], "orders text"),
        ("all", ["Annual Income (k$) == 'high'"], "compares the numeric column"),
        ("all", ["Annual Income (k$) > 1000"], "No row"),
    ],
)
def test_bad_populations(shoppers, population, where, message):
    with pytest.raises(CustsegError, match=message.replace("(", r"\(").replace(")", r"\)")):
        select_population(shoppers, population, where)
