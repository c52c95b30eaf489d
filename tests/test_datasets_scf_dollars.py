import pandas as pd
import pytest

from custseg import load_dataset
from custseg.datasets import scf_dollars
from custseg.datasets.scf import DATA_DIR_ENV
from custseg.errors import CustsegError

pytestmark = pytest.mark.scf


@pytest.mark.parametrize("year", [2019, 2022])
def test_shared_copies_are_recognised_by_checksum(year):
    dataset = load_dataset(f"scf{year}")
    assert dataset.provenance["dollars_of"] == year
    assert "sha256 of a known copy" in dataset.provenance["dollars_how"]


@pytest.fixture(scope="module")
def reissued_2019(tmp_path_factory, scf2019_raw):
    """The 2019 extract as the Fed re-issues it today: every amount in 2022 dollars."""
    folder = tmp_path_factory.mktemp("reissued")
    frame = scf2019_raw.copy()
    dollar_columns = load_dataset("scf2019").dollar_columns
    money = [c for c in frame.columns if c in dollar_columns]
    frame[money] = (frame[money] * 437.6 / 377.5).round()
    frame.to_csv(folder / "SCFP2019.csv", index=False)
    return folder


def test_reissued_copy_is_recognised_by_its_median_income(reissued_2019, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(reissued_2019))
    dataset = load_dataset("scf2019")
    assert dataset.provenance["dollars_of"] == 2022
    assert "$68,45" in dataset.provenance["dollars_how"]
    by_path = load_dataset(str(reissued_2019 / "SCFP2019.csv"))
    assert by_path.provenance["dollars_of"] == 2022


def test_statement_contradicting_the_data_is_refused(reissued_2019, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(reissued_2019))
    monkeypatch.setenv(scf_dollars.DOLLARS_OF_ENV, "scf2019=2019")
    with pytest.raises(CustsegError, match="in 2022 dollars"):
        load_dataset("scf2019")


@pytest.fixture(scope="module")
def unknown_dollars(tmp_path_factory, scf2019_raw):
    """A copy in dollars custseg has no index value for (a re-issue after a later survey)."""
    folder = tmp_path_factory.mktemp("unknown")
    frame = scf2019_raw.copy()
    frame[["INCOME", "NETWORTH"]] = frame[["INCOME", "NETWORTH"]] * 1.25
    frame.to_csv(folder / "SCFP2019.csv", index=False)
    return folder


def test_unknown_dollar_year_must_be_stated(unknown_dollars, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(unknown_dollars))
    monkeypatch.delenv(scf_dollars.DOLLARS_OF_ENV, raising=False)
    with pytest.raises(CustsegError, match="Cannot tell which year's dollars") as error:
        load_dataset("scf2019")
    assert "CUSTSEG_DOLLARS_OF=scf2019=YEAR" in error.value.hint
    monkeypatch.setenv(scf_dollars.DOLLARS_OF_ENV, "scf2022=2022,scf2019=2025")
    dataset = load_dataset("scf2019")
    assert dataset.provenance["dollars_of"] == 2025
    assert dataset.provenance["dollars_how"].startswith("stated")


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("2022", "scf2019", 2022),
        ("scf2019=2022", "scf2022", None),
        (" scf2022 = 2022", "scf2022", 2022),
    ],
)
def test_stated_year(monkeypatch, text, name, expected):
    monkeypatch.setenv(scf_dollars.DOLLARS_OF_ENV, text)
    assert scf_dollars.stated_year(name) == expected


def test_unreadable_statement(monkeypatch):
    monkeypatch.setenv(scf_dollars.DOLLARS_OF_ENV, "scf2019=soon")
    with pytest.raises(CustsegError, match="Cannot read CUSTSEG_DOLLARS_OF"):
        scf_dollars.stated_year("scf2019")


def test_fingerprint_matches_the_published_median(scf2019_raw):
    year, median = scf_dollars.fingerprint_year(scf2019_raw, 2019)
    assert year == 2019 and median == pytest.approx(59_050.84, abs=0.01)
    frame = pd.DataFrame({"INCOME": [1.0, 2.0], "WGT": [1.0, 1.0]})
    assert scf_dollars.fingerprint_year(frame, 2019)[0] is None
