"""Every SCF variable and code reads in plain words of our own, and 0/1 columns are flags."""

import re

import pandas as pd
import pytest

from custseg.datasets import scf
from custseg.datasets.scf_labels import VALUE_LABELS, VARIABLE_LABELS

pytestmark = pytest.mark.scf

YEARS = ("2019", "2022")


@pytest.fixture(scope="module", params=YEARS)
def extract(request, shared_data) -> pd.DataFrame:
    """The coded columns of one year's extract (all columns' names, only these columns' values)."""
    path = shared_data / f"SCFP{request.param}.csv.gz"
    names = pd.read_csv(path, encoding="utf-8-sig", nrows=0).columns
    coded = [c for c in names if c in scf.CODED_VARIABLES]
    return pd.read_csv(path, encoding="utf-8-sig", usecols=coded).reindex(columns=names)


@pytest.fixture(scope="module")
def codebook(shared_data) -> pd.Series:
    return pd.read_csv(shared_data / "scf_codebook.csv").set_index("variable")["label"]


def _plain(text: str) -> str:
    """Text without case, punctuation or the codebook's ", 2019 dollars" ending."""
    text = re.sub(r",?\s*\d{4} dollars$", "", text.strip().lower())
    return re.sub(r"[^a-z0-9]", "", text)


def test_every_column_of_both_years_has_a_label(extract):
    unlabelled = [c for c in extract.columns if c not in VARIABLE_LABELS]
    assert unlabelled == []
    assert all(VARIABLE_LABELS[c] and VARIABLE_LABELS[c] != c for c in extract.columns)


def test_labels_are_our_own_words(codebook):
    copied = [v for v, text in codebook.items() if _plain(VARIABLE_LABELS[v]) == _plain(text)]
    assert copied == []


def test_labels_tell_variables_apart():
    labels = pd.Series(VARIABLE_LABELS)
    assert not labels.duplicated().any(), labels[labels.duplicated(keep=False)]


def test_no_column_is_labelled_as_one_of_its_codes():
    # "Married or partnered: Married or partnered" tells a reader nothing.
    doubled = [c for c, codes in VALUE_LABELS.items() if VARIABLE_LABELS[c] in codes.values()]
    assert doubled == []


def test_every_code_in_the_data_has_a_label(extract):
    coded = [c for c in extract.columns if c in scf.CODED_VARIABLES]
    unlabelled = {
        column: sorted(set(extract[column].dropna().astype(int)) - set(VALUE_LABELS[column]))
        for column in coded
        if column in VALUE_LABELS
    }
    assert {column: codes for column, codes in unlabelled.items() if codes} == {}
    assert set(coded) <= set(VALUE_LABELS)


@pytest.mark.parametrize(
    ("variable", "label"),
    [
        ("SAVRES6", "Saves for retirement"),
        ("EMERGBORR", "Would borrow in an emergency"),
        ("SPENDMOR", "Would spend more if assets gained value"),
    ],
)
def test_examples_read_as_plain_words(scf2019, variable, label):
    assert scf2019.label(variable) == label


def test_flags_are_shares_not_numeric_candidates(scf2019):
    assert {"LATE", "SAVED", "HBUS", "TURNFEAR", "SAVRES1"} <= scf2019.flag_columns
    # MORT3 holds only 0 in 2019 but is an amount; KIDS is a count; INCCAT is coded.
    assert not {"MORT3", "KIDS", "INCCAT", "YY1", "WGT"} & scf2019.flag_columns
    assert not scf2019.flag_columns & set(scf2019.candidate_features())
    assert scf2019.value_label("LATE", 1) == "Yes" and scf2019.value_label("HBUS", 1) != "Yes"


@pytest.mark.parametrize(
    ("columns", "label"),
    [(["RACE"], "Asian, other or several"), (["RACE", "RACECL5"], "Other or several")],
)
def test_race_labels_follow_the_year(columns, label):
    # Before 2022 (no RACECL5) the extract folds Asian respondents into code 5.
    frame = pd.DataFrame({c: [1, 5] for c in ["YY1", "Y1", "WGT", *columns]})
    assert scf.scf_dataset(frame, name="scf").value_label("RACE", 5) == label
