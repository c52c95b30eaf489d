"""Getting the SCF: a local copy, or a download checked before it reaches the cache."""

import gzip
import http.server
import shutil
import threading
import zipfile
from functools import partial

import pandas as pd
import pytest

from custseg import io
from custseg.datasets import load_dataset, scf
from custseg.errors import CustsegError

pytestmark = pytest.mark.scf


def test_local_copy_has_roles_and_labels(scf2019):
    assert scf2019.n_rows == 28_885
    assert scf2019.id_columns == ("YY1", "Y1")
    assert scf2019.weight_column == "WGT"
    assert set(scf2019.implicates().unique()) == {1, 2, 3, 4, 5}
    assert {"NETWORTH", "INCOME", "BUS"} <= scf2019.dollar_columns
    assert "INCCAT" in scf2019.categorical_columns
    assert scf2019.label("NETWORTH") == "Net worth"
    assert scf2019.label("PAYEDU3") == "Payment on third student loan"
    assert scf2019.value_label("INCCAT", 6) == "Percentile 90-100"
    assert not {"YY1", "Y1", "WGT", "INCCAT"} & set(scf2019.candidate_features())
    assert scf2019.frame["WGT"].sum() == pytest.approx(128_642_431, rel=1e-6)


def test_scf_file_given_by_path_is_recognised(shared_data):
    dataset = load_dataset(shared_data / "SCFP2022.csv.gz")
    assert dataset.n_rows == 22_975 and dataset.weight_column == "WGT"


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv(io.CACHE_ENV, str(cache))
    monkeypatch.delenv(scf.DATA_DIR_ENV, raising=False)
    return cache


def test_missing_data_names_both_ways(empty_cache):
    with pytest.raises(CustsegError) as info:
        load_dataset("scf2019")
    text = str(info.value)
    assert "custseg data fetch scf --year 2019" in text and "CUSTSEG_DATA_DIR" in text


def test_data_dir_without_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv(scf.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(CustsegError, match="holds no SCFP2022.csv.gz"):
        load_dataset("scf2022")


def test_unknown_dataset_name():
    with pytest.raises(CustsegError, match="Unknown dataset 'scf1850'"):
        load_dataset("scf1850")


def test_local_file_with_wrong_columns(tmp_path, monkeypatch):
    (tmp_path / "SCFP2019.csv").write_text("YY1,Y1,WGT\n1,11,2.0\n")
    monkeypatch.setenv(scf.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(CustsegError, match="lacks the columns HBUS"):
        load_dataset("scf2019")


@pytest.fixture(scope="module")
def fed_site(tmp_path_factory, shared_data):
    """A local stand-in for the Fed's file server: good, truncated and corrupt archives."""
    root = tmp_path_factory.mktemp("fed")
    good, truncated, corrupt = root / "good", root / "truncated", root / "corrupt"
    for folder in (good, truncated, corrupt):
        folder.mkdir()
    archive = good / "scfp2022excel.zip"
    with (
        gzip.open(shared_data / "SCFP2022.csv.gz", "rb") as source,
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
        target.open("SCFP2022.csv", "w") as member,
    ):
        shutil.copyfileobj(source, member)
    data = archive.read_bytes()
    (truncated / archive.name).write_bytes(data[: len(data) // 2])
    (corrupt / archive.name).write_bytes(data[:1000] + bytes(5000) + data[6000:])
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_download_checks_and_caches(fed_site, empty_cache, monkeypatch):
    monkeypatch.setenv(scf.BASE_URL_ENV, f"{fed_site}/good/")
    path = scf.fetch("scf2022")
    assert path.parent == empty_cache / "scf"
    assert sorted(p.name for p in path.parent.iterdir()) == ["scfp2022.json", "scfp2022.parquet"]
    dataset = load_dataset("scf2022")
    assert dataset.n_rows == 22_975
    assert dataset.provenance["url"] == f"{fed_site}/good/scfp2022excel.zip"
    assert len(dataset.provenance["sha256"]) == 64
    monkeypatch.setenv(scf.BASE_URL_ENV, f"{fed_site}/nowhere/")
    assert scf.fetch("scf2022") == path  # cached: no second download


@pytest.mark.parametrize("folder", ["truncated", "corrupt", "missing"])
def test_bad_download_leaves_nothing(fed_site, empty_cache, monkeypatch, folder):
    monkeypatch.setenv(scf.BASE_URL_ENV, f"{fed_site}/{folder}/")
    with pytest.raises(CustsegError):
        scf.fetch("scf2022")
    leftovers = [p for p in empty_cache.rglob("*") if p.is_file()]
    assert leftovers == []
    with pytest.raises(CustsegError, match="not on this machine"):
        load_dataset("scf2022")


@pytest.mark.parametrize("variable", ["TURNDOWN", "FEARDENIAL", "TURNFEAR", "CRDAPP"])
def test_credit_questions_cover_the_past_12_months(variable):
    # Since 2016 the SCF asks about the past 12 months (the codebook's CRDAPP note says so).
    assert "past 12 months" in scf.VARIABLE_LABELS[variable]
    assert "5 years" not in scf.POPULATIONS["credit-fearful"].description
    assert "past 12 months" in scf.POPULATIONS["credit-fearful"].description


def test_every_label_agrees_with_the_codebook_on_periods(shared_data):
    """Labels state the reference period wherever the Fed's codebook states one."""
    import pandas as pd

    codebook = pd.read_csv(shared_data / "scf_codebook.csv").set_index("variable")["label"]
    credit = {"TURNDOWN", "FEARDENIAL", "TURNFEAR", "CRDAPP"}
    for variable, label in scf.VARIABLE_LABELS.items():
        text = str(codebook.get(variable, "")).lower()
        if variable in credit:
            continue
        if "5 years" in text or "five years" in text:
            assert "5 years" in label, variable
        elif "past year" in text or "last year" in text or "past 12 months" in text:
            assert "year" in label or "12 months" in label, variable


def test_a_file_of_the_wrong_length_is_refused_with_its_row_count():
    one_row = pd.DataFrame({column: [1] for column in scf.REQUIRED_COLUMNS})
    with pytest.raises(CustsegError, match=r"copy\.csv has 1 row; the SCF 2019 summary extract"):
        scf.validate(one_row, scf.release_for("scf2019"), origin="copy.csv")
