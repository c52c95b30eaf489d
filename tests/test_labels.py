"""Users label the codes and columns of their own tables with --labels FILE."""

import json

import pandas as pd
import pytest

from custseg import io
from custseg.cli import run
from custseg.datasets.scf_labels import VALUE_LABELS
from custseg.errors import CustsegError

LABELS = (
    "variable,code,label\n"
    "Channel,1,Horeca\nChannel,2,Retail\n"
    "Region,1,Lisbon\nRegion,2,Oporto\nRegion,3,Other region\n"
    "Detergents_Paper,,Detergents and paper\n"
)


@pytest.fixture
def labels_file(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text(LABELS)
    return path


def test_read_labels(labels_file):
    variables, codes = io.read_labels(labels_file)
    assert variables == {"Detergents_Paper": "Detergents and paper"}
    assert codes["Channel"] == {1: "Horeca", 2: "Retail"}
    assert codes["Region"][3] == "Other region"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,text\nChannel,Horeca\n", "needs the columns variable and label"),
        ("variable,code,label\nChannel,one,Horeca\n", "not a whole number"),
    ],
)
def test_bad_labels_files(tmp_path, content, message):
    path = tmp_path / "labels.csv"
    path.write_text(content)
    with pytest.raises(CustsegError, match=message):
        io.read_labels(path)


def test_wholesale_segments_speak_in_the_users_labels(shared_data, labels_file, tmp_path):
    out = tmp_path / "run"
    table = shared_data / "customers" / "wholesale_customers.csv"
    args = ["segment", str(table), "--bootstrap", "2", "--labels", str(labels_file)]
    assert run([*args, "--out", str(out)]) == 0
    profiles = pd.read_csv(out / "profiles.csv")
    assert {"Channel=Horeca", "Channel=Retail", "Region=Other region"} <= set(profiles.columns)
    assert "channel Horeca" in profiles["description"].str.cat()
    summary = json.loads((out / "summary.json").read_text())
    labels = {f["name"]: f["label"] for f in summary["features"]}
    assert labels["Detergents_Paper"] == "Detergents and paper"


def test_labels_for_a_missing_column_are_refused(shared_data, tmp_path, capsys):
    path = tmp_path / "labels.csv"
    path.write_text("variable,code,label\nChanel,1,Horeca\n")
    table = shared_data / "customers" / "wholesale_customers.csv"
    out = tmp_path / "run"
    assert run(["segment", str(table), "--labels", str(path), "--out", str(out)]) == 1
    assert "Chanel" in capsys.readouterr().err
    assert not out.exists()


def test_scf_income_groups_read_as_percentiles():
    assert VALUE_LABELS["INCCAT"][1] == "Percentile 0-20"
    assert VALUE_LABELS["NWCAT"][5] == "Percentile 90-100"
