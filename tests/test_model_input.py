"""What a saved model scores: DataFrames, and the other table shapes Python users hold."""

import re

import numpy as np
import pandas as pd
import pytest

from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.model_input import as_table

FEATURES = ["spend", "visits"]
ROWS = pd.DataFrame({"spend": [1.0, 2.5, 4.0], "visits": [3, 1, 2], "region": ["n", "s", "n"]})


@pytest.mark.parametrize(
    "as_input",
    [
        lambda rows: rows,
        lambda rows: from_frame(rows, name="new"),
        lambda rows: rows.to_dict("list"),
        lambda rows: rows.to_dict("records"),
        lambda rows: tuple(rows.to_dict("records")),
    ],
    ids=["frame", "dataset", "dict of columns", "records", "tuple of records"],
)
def test_tables_become_the_same_frame(as_input):
    pd.testing.assert_frame_equal(as_table(as_input(ROWS), FEATURES), ROWS)


@pytest.mark.parametrize("as_customer", [lambda row: row, lambda row: row.to_dict()])
def test_one_customer_becomes_one_row(as_customer):
    table = as_table(as_customer(ROWS.iloc[1]), FEATURES)
    assert table.shape == (1, 3)
    assert table.iloc[0].to_dict() == {"spend": 2.5, "visits": 1, "region": "s"}
    assert pd.api.types.is_numeric_dtype(table["spend"])


@pytest.mark.parametrize(
    ("data", "got", "hint"),
    [
        (None, "got None", "Pass a pandas DataFrame, a custseg Dataset, a dict of columns"),
        (np.zeros((2, 2)), "got ndarray", r"DataFrame\(values, columns=model.features\)"),
        ("customers.csv", "got str", r"custseg.load_dataset\(path\)"),
        ([[1.0, 2.0]], "got list", "a list of such dicts"),
        (3.5, "got float", "Pass a pandas DataFrame"),
    ],
    ids=["none", "array", "path", "list of lists", "number"],
)
def test_what_is_not_a_table_is_refused_saying_what_is_expected(data, got, hint):
    with pytest.raises(CustsegError) as caught:
        as_table(data, FEATURES)
    assert caught.value.message == (
        f"A model scores a table of customers with the columns spend, visits; {got}."
    )
    assert re.search(hint, caught.value.hint)


def test_columns_of_different_lengths_are_refused():
    with pytest.raises(CustsegError, match="columns do not line up"):
        as_table({"spend": [1.0, 2.0], "visits": [3.0]}, FEATURES)
