"""The Dataset a newcomer holds: the pandas habits (len, shape, head) and a readable repr."""

import pandas as pd
import pytest

from custseg.dataset import Dataset, Population, from_frame


@pytest.fixture
def survey():
    frame = pd.DataFrame({"id": [1, 2, 3], "wgt": [10.0, 20.0, 30.0], "income": [5.0, 6.0, 7.0]})
    return Dataset(
        name="survey",
        frame=frame,
        id_columns=("id",),
        weight_column="wgt",
        weight_unit="households",
        populations={"all": Population("all", "every row"), "rich": Population("rich", "some")},
        provenance={"dollars_of": 2019},
    )


def test_a_dataset_answers_like_its_table(blobs):
    dataset = from_frame(blobs, name="blobs", id_columns=("customer",))
    assert len(dataset) == 90 and dataset.shape == (90, 4)
    assert list(dataset.columns) == ["customer", "spend", "visits", "flat"]
    pd.testing.assert_frame_equal(dataset.head(), blobs.head())
    pd.testing.assert_frame_equal(dataset.head(2), blobs.head(2))
    assert not isinstance(dataset, pd.DataFrame)


def test_repr_says_what_the_dataset_is_in_one_line(survey, blobs):
    assert repr(survey) == (
        "Dataset('survey': 3 rows x 3 columns; ids id; weight wgt (households); "
        "populations all, rich; in 2019 dollars)"
    )
    plain = from_frame(blobs, name="blobs.csv", id_columns=("customer",))
    assert repr(plain) == "Dataset('blobs.csv': 90 rows x 4 columns; ids customer)"
