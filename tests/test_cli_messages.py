"""Messages print user text as it is: brackets are text, not Rich markup."""

from __future__ import annotations

import sys

from custseg.cli import run


def test_missing_dask_hint_keeps_the_extra(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    status = run(["segment", str(tmp_path / "*.parquet"), "--engine", "dask", "--out", "o"])
    err = capsys.readouterr().err
    assert status == 1
    assert "The dask engine needs Dask." in err
    assert "pip install 'custseg[dask]'" in err


def test_bracketed_paths_and_values_are_printed_whole(tmp_path, capsys):
    missing = tmp_path / "[red]sales[/red].csv"
    assert run(["segment", str(missing), "--out", str(tmp_path / "o")]) == 1
    printed = "".join(capsys.readouterr().err.split())  # Rich wraps long lines
    assert "".join(f"No such file: {missing}".split()) in printed
