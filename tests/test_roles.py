import numpy as np
import pandas as pd
import pytest

from custseg.dataset import from_frame
from custseg.errors import CustsegError
from custseg.roles import infer_roles


@pytest.fixture
def table():
    n = 60
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "CustomerID": np.arange(1000, 1000 + n),
            "email": [f"user{i}@example.com" for i in range(n)],
            "signup": pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d"),
            "country": rng.choice(["PT", "ES", "FR"], n),
            "channel": rng.integers(1, 3, n),
            "spend": rng.gamma(2, 50, n),
            "visits": rng.integers(0, 40, n),
            "source": "web",
            "notes": [f"free text number {i} about things" for i in range(n)],
            "score": [str(x) for x in rng.integers(0, 100, n - 2)] + ["n/a", "unknown"],
        }
    )


def roles(frame, **kwargs):
    return {r.column: (r.role, r.reason) for r in infer_roles(frame, **kwargs)}


def test_inferred_roles(table):
    found = roles(table)
    assert found["CustomerID"][0] == "id"
    assert found["email"][0] == "id"  # unique text
    assert found["signup"] == ("excluded", "date")
    assert found["country"] == ("categorical", "text with 3 values")
    assert found["channel"] == ("categorical", "2 integer codes")
    assert found["spend"][0] == found["visits"][0] == "numeric"
    assert found["source"] == ("excluded", "constant ('web')")
    assert found["score"][0] == "excluded"
    assert "mixed types: 2 non-numeric entries" in found["score"][1]


def test_dates_and_free_text_are_not_features():
    frame = pd.DataFrame(
        {
            "when": ["2024-01-05", "2024-02-01", "2024-01-05"] * 30,
            "text": [f"comment {i % 70}" for i in range(90)],
        }
    )
    found = roles(frame)
    assert found["when"] == ("excluded", "date")
    assert found["text"][0] == "excluded" and found["text"][1].startswith("free text")


def test_overrides_win(table):
    found = roles(table, ids=("email",), categorical=("visits",), exclude=("spend",))
    assert found["email"] == ("id", "--id")
    assert found["CustomerID"][0] == "excluded"  # another unique column, not the id
    assert found["visits"] == ("categorical", "--categorical")
    assert found["spend"] == ("excluded", "--exclude")


def test_unknown_override_column(table):
    with pytest.raises(CustsegError, match="No column 'nope'"):
        infer_roles(table, exclude=("nope",))


def test_duplicate_ids_are_refused(table):
    table.loc[5, "CustomerID"] = table.loc[4, "CustomerID"]
    with pytest.raises(CustsegError, match="1 duplicate values"):
        from_frame(table, name="t", id_columns=("CustomerID",))


def test_plain_dataset_features(table):
    dataset = from_frame(table, name="t")
    assert set(dataset.candidate_features()) == {"spend", "visits"}
    assert dataset.categorical_features == ("country", "channel")


@pytest.mark.parametrize("name", ["customer_id", "CustomerID", "Member No"])
def test_id_column_with_a_duplicate_is_not_a_silent_feature(name):
    frame = pd.DataFrame({name: np.arange(100), "spend": np.linspace(1, 50, 100)})
    frame.loc[5, name] = 6
    role = infer_roles(frame)[0]
    assert role.role == "excluded"
    assert "1 repeat(s), e.g. 6" in role.reason and "id with duplicates" in role.reason
    dataset = from_frame(frame, name="t.csv")
    assert name not in dataset.candidate_features()


def test_a_numeric_column_with_many_repeats_stays_a_feature():
    frame = pd.DataFrame({"order_id": np.arange(100) % 50, "spend": np.linspace(1, 50, 100)})
    assert infer_roles(frame)[0].role == "numeric"


def test_a_very_long_column_name_is_classified_in_linear_time():
    import time

    name = "x" * 200_000 + "ID"
    start = time.perf_counter()
    role = infer_roles(pd.DataFrame({name: np.arange(50)}))[0]
    assert time.perf_counter() - start < 5
    assert role.role == "id"


@pytest.mark.parametrize(
    "values",
    [[0, 1, 1, 0] * 5, [0.0, 1.0, None, 1.0] * 5, [True, False, True, True] * 5],
    ids=["integers", "floats with a gap", "booleans"],
)
def test_yes_no_columns_are_flags(values):
    frame = pd.DataFrame({"member": values, "spend": np.arange(20.0)})
    role, reason = roles(frame)["member"]
    assert role == "flag" and "yes/no" in reason
    dataset = from_frame(frame, name="t")
    assert dataset.flag_columns == {"member"}
    # Used as a category (one-hot), never ranked by variance; its codes read Yes/No.
    assert dataset.categorical_features == ("member",)
    assert dataset.candidate_features() == ["spend"]
    assert dataset.value_label("member", 1) == "Yes" and dataset.value_label("member", 0) == "No"
