import pandas as pd
import pytest

from custseg.errors import CustsegError
from custseg.rfm import customer_table, rfm_groups


@pytest.fixture
def transactions():
    return pd.DataFrame(
        {
            "who": ["a", "a", "b", "c", "c", "c"],
            "when": [
                "2025-01-01",
                "2025-03-01",
                "2025-02-15",
                "2024-12-01",
                "2025-01-10",
                "2025-03-10",
            ],
            "paid": [10.0, 30.0, 5.0, 100.0, 50.0, 50.0],
        }
    )


def test_recency_frequency_monetary_by_hand(transactions):
    table, as_of = customer_table(
        transactions, customer="who", date="when", amount="paid", as_of="2025-03-31"
    )
    table = table.set_index("who")
    assert as_of == pd.Timestamp("2025-03-31")
    assert table.loc["a", "recency_days"] == 30 and table.loc["a", "frequency"] == 2
    assert table.loc["c", "monetary"] == 200 and table.loc["c", "tenure_days"] == 120
    assert table.loc["a", "avg_order_value"] == 20
    assert table.loc["c", "f_score"] > table.loc["b", "f_score"]
    assert table.loc["c", "r_score"] > table.loc["b", "r_score"]


def test_default_as_of_is_the_day_after_the_last_order(transactions):
    _, as_of = customer_table(transactions, customer="who", date="when", amount="paid")
    assert as_of == pd.Timestamp("2025-03-11")


@pytest.mark.parametrize(
    ("scores", "group"),
    [
        ((5, 5, 5), "Champions"),
        ((1, 5, 5), "Can't lose them"),
        ((3, 4, 1), "Loyal"),
        ((2, 3, 1), "At risk"),
        ((5, 1, 1), "New customers"),
        ((4, 1, 1), "Promising"),
        ((3, 3, 3), "Need attention"),
        ((3, 1, 1), "About to sleep"),
        ((2, 1, 1), "Hibernating"),
        ((1, 1, 1), "Lost"),
    ],
)
def test_rfm_rules(scores, group):
    r, f, m = (pd.Series([s]) for s in scores)
    assert rfm_groups(r, f, m).iloc[0] == group


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paid": ["x", 1, 2, 3, 4, 5]}, "^1 entry of paid cannot be read as a number"),
        ({"when": ["yesterday"] * 6}, "^6 entries of when cannot be read as a date"),
    ],
)
def test_bad_transactions(transactions, change, message):
    with pytest.raises(CustsegError, match=message):
        customer_table(transactions.assign(**change), customer="who", date="when", amount="paid")


def test_as_of_before_last_order(transactions):
    with pytest.raises(CustsegError, match="before the last transaction"):
        customer_table(transactions, customer="who", date="when", amount="paid", as_of="2025-01-01")


def test_missing_column(transactions):
    with pytest.raises(CustsegError, match="no column 'amount'"):
        customer_table(transactions, customer="who", date="when", amount="amount")


def test_the_id_keeps_its_name_and_money_is_in_cents():
    # 16.05 + 16.05 + 16.05 is 48.150000000000006 in floating point.
    transactions = pd.DataFrame(
        {"customer_id": ["a"] * 3 + ["b"], "day": ["2025-01-02"] * 4, "total": [16.05] * 3 + [1.0]}
    )
    table, _ = customer_table(transactions, customer="customer_id", date="day", amount="total")
    assert table.columns[0] == "customer_id" and "customer" not in table
    a = table.set_index("customer_id").loc["a"]
    assert str(a["monetary"]) == "48.15" and str(a["avg_order_value"]) == "16.05"


def test_an_id_named_like_a_measure_is_refused(transactions):
    with pytest.raises(CustsegError, match="'frequency' has the name of a column"):
        customer_table(
            transactions.rename(columns={"who": "frequency"}),
            customer="frequency",
            date="when",
            amount="paid",
        )
