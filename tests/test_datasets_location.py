"""Where the SCF files are: --data-dir, then CUSTSEG_DATA_DIR, then the folder remembered by
`custseg data use`, then the download cache."""

import json

import pytest

from custseg import io
from custseg.cli import run
from custseg.datasets import location, scf
from custseg.errors import CustsegError


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    """A user config folder of this test only, and no data folder from the environment."""
    folder = tmp_path / "config"
    monkeypatch.setenv(location.CONFIG_DIR_ENV, str(folder))
    monkeypatch.delenv(location.DATA_DIR_ENV, raising=False)
    monkeypatch.setenv(io.CACHE_ENV, str(tmp_path / "cache"))
    return folder


def folder_with(path, *names):
    path.mkdir()
    for name in names:
        (path / name).write_bytes(b"")
    return path


def test_data_use_remembers_the_folder_for_every_later_command(config_dir, shared_data, capsys):
    assert location.data_folder() is None
    assert run(["data", "use", str(shared_data)]) == 0
    printed = "".join(capsys.readouterr().out.split())  # the terminal may wrap the path
    assert str(config_dir / location.CONFIG_FILE) in printed
    remembered = json.loads((config_dir / location.CONFIG_FILE).read_text())
    assert remembered == {"data_dir": str(shared_data.resolve())}
    release = scf.release_for("scf2022")
    assert scf.local_copy(release) == shared_data.resolve() / "SCFP2022.csv.gz"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "nowhere", "no such folder"),
        (lambda tmp: folder_with(tmp / "other", "customers.csv"), "holds none of the SCF files"),
        (lambda tmp: folder_with(tmp / "x", "SCFP2019.csv.gz") / "SCFP2019.csv.gz", "not a folder"),
    ],
)
def test_data_use_refuses_a_folder_without_the_files(config_dir, tmp_path, capsys, make, message):
    assert run(["data", "use", str(make(tmp_path))]) == 1
    assert message in words(capsys.readouterr().err)
    assert not config_dir.exists()  # nothing remembered


def test_resolution_order(config_dir, tmp_path, monkeypatch):
    remembered = folder_with(tmp_path / "remembered", "scfp2019excel.zip")
    variable = folder_with(tmp_path / "variable", "SCFP2019.csv")
    option = folder_with(tmp_path / "option", "SCFP2019.csv.gz")
    release = scf.release_for("scf2019")
    location.remember(remembered)
    assert scf.local_copy(release) == remembered / "scfp2019excel.zip"
    monkeypatch.setenv(location.DATA_DIR_ENV, str(variable))
    assert scf.local_copy(release) == variable / "SCFP2019.csv"
    location.set_process_data_dir(option)
    try:
        assert scf.local_copy(release) == option / "SCFP2019.csv.gz"
        with pytest.raises(CustsegError, match="--data-dir"):
            scf.local_copy(scf.release_for("scf2022"))  # the chosen folder has no 2022 file
    finally:
        location.set_process_data_dir(None)


def test_data_dir_option_holds_for_one_command(config_dir, tmp_path, capsys):
    folder = folder_with(tmp_path / "data", "SCFP2019.csv")
    assert run(["--data-dir", str(folder), "data", "list"]) == 0
    assert "(from --data-dir)" in words(capsys.readouterr().out)
    assert location.data_folder() is None


def test_list_says_how_to_get_the_data(config_dir, capsys):
    assert run(["data", "list"]) == 0
    listing = words(capsys.readouterr().out)
    assert "not on this machine yet" in listing and "No data folder set" in listing
    assert "custseg data use PATH" in listing and "custseg data fetch scf --year 2019" in listing


def test_a_damaged_config_file_is_named(config_dir):
    config_dir.mkdir()
    (config_dir / location.CONFIG_FILE).write_text('["not", "custseg settings"]')
    with pytest.raises(CustsegError, match="is damaged") as info:
        scf.load("scf2019")
    assert "custseg data use" in info.value.hint


def test_offline_fetch_says_why_and_offers_a_local_copy(config_dir, monkeypatch, capsys):
    monkeypatch.setenv(scf.BASE_URL_ENV, "http://127.0.0.1:9/")  # the discard port: refused
    assert run(["data", "fetch", "scf", "--year", "2022"]) == 1
    err = words(capsys.readouterr().err)
    assert "download of the SCF 2022 data failed: the server could not be reached" in err
    assert "custseg data use PATH" in err and "--data-dir PATH" in err
    assert "custseg data fetch" not in err  # not the command that just failed
