"""relabel, export and drift from the command line: round trips on known groups."""

import hashlib
import json

import duckdb
import numpy as np
import pandas as pd
import pytest
from skops_models import as_skops_run

from custseg.cli import run
from custseg.model import LEGACY_MODEL_FILENAME, MODEL_FILENAME, SegmentModel
from custseg.runs import RunData

CENTRES = [(0.0, 0.0), (8.0, 0.0), (0.0, 8.0), (8.0, 8.0)]
SIZES = (60, 45, 30, 25)


def _groups(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = [
        pd.DataFrame(rng.normal(centre, 1.0, size=(n, 2)), columns=["spend", "visits"])
        for centre, n in zip(CENTRES, SIZES, strict=True)
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame.insert(0, "customer_id", np.arange(1000, 1000 + len(frame)))
    frame["weight"] = np.where(frame["spend"] > 4, 3.0, 1.0)
    return frame


def _snapshot(folder):
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module", params=["unweighted", "weighted"])
def base_run(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    source = folder / "customers.csv"
    _groups().to_csv(source, index=False)
    out = folder / "run"
    args = ["segment", str(source), "--out", str(out), "--features", "spend,visits", "--k", "4"]
    args += ["--k-range", "2-5", "--bootstrap", "0", "--transform", "none"]
    args += ["--weight", "weight" if request.param == "weighted" else "none"]
    assert run(args) == 0
    return source, out


@pytest.fixture
def run_copy(base_run, tmp_path):
    import shutil

    source, out = base_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    return source, copy


def _predict(run_dir, source, out):
    assert run(["predict", str(run_dir), "--input", str(source), "--out", str(out)]) == 0
    return pd.read_csv(out)


def test_relabel_merge_round_trips_through_predict(run_copy, tmp_path):
    source, run_dir = run_copy
    before = pd.read_csv(run_dir / "assignments.csv")
    old_summary = json.loads((run_dir / "summary.json").read_text())
    assert run(["relabel", str(run_dir), "--name", "2=Debt-laden founders", "--merge", "3,4"]) == 0

    after = pd.read_csv(run_dir / "assignments.csv")
    summary = json.loads((run_dir / "summary.json").read_text())
    (edit,) = summary["edits"]
    renumbered = {int(old): new for old, new in edit["renumbered"].items()}
    assert after["segment"].tolist() == [renumbered[s] for s in before["segment"]]
    assert summary["k"] == 3 and summary["kmeans_k"] == 4 and edit["merged"] == [[3, 4]]
    assert edit["description"].startswith("Edited: merged segments 3 and 4 into segment")
    assert edit["description"] in (run_dir / "figures.html").read_text().replace("&quot;", '"')
    assert edit["renamed"] == {"2": "Debt-laden founders"}

    scored = _predict(run_dir, source, tmp_path / "scored.csv")
    assert scored["segment"].tolist() == after["segment"].tolist()
    named = renumbered[2]
    assert set(scored.loc[scored["segment"] == named, "segment_name"]) == {"Debt-laden founders"}

    # Profiles are recomputed for the merged segments, numbered by size.
    profiles = pd.read_csv(run_dir / "profiles.csv")
    shares = profiles["share"].to_numpy()
    assert list(profiles["segment"]) == [1, 2, 3] and (np.diff(shares) <= 0).all()
    old_shares = {s["segment"]: s["share"] for s in old_summary["segments"]}
    merged = renumbered[3]
    assert shares[merged - 1] == pytest.approx(old_shares[3] + old_shares[4])
    assert profiles.loc[merged - 1, "n_rows"] == int((before["segment"].isin([3, 4])).sum())
    data = _groups()
    members = (after["segment"] == merged).to_numpy()
    if summary["weight"]:
        w = data["weight"].to_numpy()[members]
        expected = np.average(data["spend"].to_numpy()[members], weights=w)
    else:
        expected = data["spend"].to_numpy()[members].mean()
    assert profiles.loc[merged - 1, "spend_mean"] == pytest.approx(expected)
    assert [s["name"] for s in summary["segments"]][named - 1] == "Debt-laden founders"

    # The saved model, the report and the dashboard's run view all carry the edit.
    model = SegmentModel.load(run_dir)
    assert model.k == 3 and model.metadata["segment_names"][str(named)] == "Debt-laden founders"
    assert "Debt-laden founders" in (run_dir / "figures.html").read_text()
    from custseg.dashboard.layout import run_page

    assert "Debt-laden founders" in str(run_page(RunData.load(run_dir)))
    pca = pd.read_csv(run_dir / "pca.csv")
    assert pca["segment"].tolist() == after["segment"].tolist()


def test_edits_compose(run_copy, tmp_path):
    source, run_dir = run_copy
    table = tmp_path / "assignments.parquet"
    assert run(["relabel", str(run_dir), "--merge", "1,2", "--write-to", str(table)]) == 0
    pd.testing.assert_frame_equal(
        pd.read_parquet(table), pd.read_csv(run_dir / "assignments.csv"), check_dtype=False
    )
    assert run(["relabel", str(run_dir), "--merge", "2,3", "--name", "1=Everyone else"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert len(summary["edits"]) == 2 and summary["k"] == 2
    assert SegmentModel.load(run_dir).metadata["segment_map"] in ([1, 1, 2, 2], [2, 2, 1, 1])
    scored = _predict(run_dir, source, tmp_path / "scored.csv")
    assert (
        scored["segment"].tolist() == pd.read_csv(run_dir / "assignments.csv")["segment"].tolist()
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "9=Nine"], "no segment 9"),
        (["--merge", "3"], "names one segment"),
        (["--name", "2="], "cannot be empty"),
        (["--name", f"2={'n' * 61}"], "the limit is 60"),
        (["--merge", "1,2,3,4"], "single segment"),
        ([], "Nothing to change"),
    ],
)
def test_bad_relabel_leaves_the_run_unchanged(run_copy, args, message, capsys):
    _, run_dir = run_copy
    before = _snapshot(run_dir)
    assert run(["relabel", str(run_dir), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert _snapshot(run_dir) == before
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".")]


def test_changed_source_is_refused(run_copy, tmp_path, capsys):
    _, run_dir = run_copy
    other = tmp_path / "other.csv"
    _groups(seed=5).to_csv(other, index=False)
    before = _snapshot(run_dir)
    assert run(["relabel", str(run_dir), "--merge", "1,2", "--source", str(other)]) == 1
    assert "no longer gives the rows of this run" in capsys.readouterr().err
    assert _snapshot(run_dir) == before


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_lists_every_customer_once(run_copy, tmp_path, fmt):
    _, run_dir = run_copy
    assert run(["relabel", str(run_dir), "--name", "1=Big spenders"]) == 0
    out = tmp_path / "audiences"
    database = tmp_path / "crm.duckdb"
    target = f"duckdb:///{database}?table=audiences"
    assert (
        run(
            ["export", str(run_dir), "--audiences", str(out), "--format", fmt]
            + ["--write-to", target]
        )
        == 0
    )
    manifest = json.loads((out / "audiences.json").read_text())
    files = sorted(out.glob(f"*.{fmt}"))
    assert [f.name for f in files] == sorted(s["file"] for s in manifest["segments"])
    assert "segment-1-big-spenders." + fmt in [f.name for f in files]
    read = pd.read_csv if fmt == "csv" else pd.read_parquet
    table = pd.concat([read(f) for f in files], ignore_index=True)
    assignments = pd.read_csv(run_dir / "assignments.csv")
    assert len(table) == len(assignments) and table["customer_id"].is_unique
    merged = assignments.merge(table, on="customer_id", suffixes=("", "_export"))
    assert (merged["segment"] == merged["segment_export"]).all()
    expected = {"customer_id", "segment", "segment_name", "distance", "margin", "out_of_range"}
    assert expected <= set(table.columns)
    assert (table["margin"] >= 0).all() and (table["distance"] >= 0).all()
    for f, entry in zip(files, sorted(manifest["segments"], key=lambda s: s["file"]), strict=True):
        part = read(f)
        assert set(part["segment"]) == {entry["segment"]} and len(part) == entry["customers"]
        assert set(part["segment_name"]) == {entry["name"]}
    with duckdb.connect(str(database), read_only=True) as connection:
        stored = connection.execute("SELECT count(*), count(DISTINCT customer_id) FROM audiences")
        assert stored.fetchone() == (len(assignments), len(assignments))


def test_export_refuses_a_folder_it_did_not_write(run_copy, tmp_path, capsys):
    _, run_dir = run_copy
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert run(["export", str(run_dir), "--audiences", str(out)]) == 1
    assert "did not write" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert run(["export", str(run_dir)]) == 1


def test_drift_beside_the_scored_file(base_run, tmp_path, capsys):
    source, run_dir = base_run
    weighted = json.loads((run_dir / "summary.json").read_text())["weight"] is not None
    _predict(run_dir, source, tmp_path / "same" / "scored.csv")
    same = json.loads((tmp_path / "same" / "drift.json").read_text())
    assert same["largest_psi"] == pytest.approx(0.0, abs=1e-12) and same["warnings"] == []
    assert same["weighting"].startswith("weighted by the input's weight" if weighted else "unw")

    shifted = _groups().assign(visits=lambda f: f["visits"] + 6)
    shifted_path = tmp_path / "shifted.csv"
    shifted.to_csv(shifted_path, index=False)
    capsys.readouterr()
    _predict(run_dir, shifted_path, tmp_path / "moved" / "scored.csv")
    moved = json.loads((tmp_path / "moved" / "drift.json").read_text())
    printed = capsys.readouterr().err
    assert "Warning: " in printed and "[yellow]" not in printed  # no markup shown as text
    assert moved["level"] == "large" and moved["warnings"]
    psi = {f["feature"]: f["psi"] for f in moved["features"]}
    assert psi["visits"] > 0.25 and psi["spend"] == pytest.approx(0.0, abs=1e-12)
    assert moved["segment_psi"] > 0.25

    # Without the weight column the shares now are unweighted, and the file says so.
    unweighted_input = tmp_path / "no_weight.csv"
    _groups().drop(columns="weight").to_csv(unweighted_input, index=False)
    _predict(run_dir, unweighted_input, tmp_path / "nw" / "scored.csv")
    report = json.loads((tmp_path / "nw" / "drift.json").read_text())
    assert report["weighting"].startswith("unweighted")
    if weighted:
        assert report["segment_psi"] > 0.01


def test_predict_counts_agree_with_their_number(base_run, tmp_path, capsys):
    source, run_dir = base_run
    one = tmp_path / "one.csv"
    _groups().head(1).assign(spend=1e6).to_csv(one, index=False)
    _predict(run_dir, one, tmp_path / "scored.csv")
    printed = " ".join(capsys.readouterr().out.split())  # Rich wraps long lines
    assert "Scored 1 customer into 4 segments: 1 customer outside the training data, " in printed
    assert "0 customers with missing values imputed" in printed


@pytest.mark.scf
def test_scf_households_relabel_export_and_drift(scf2019, tmp_path):
    """The survey path: weighted, five implicates, assignments per household."""
    run_dir = tmp_path / "run"
    args = ["segment", "scf2019", "--population", "small-business", "--where", "INCOME<500000"]
    args += ["--k", "4", "--k-range", "3-4", "--bootstrap", "0", "--assignments", "households"]
    assert run([*args, "--out", str(run_dir)]) == 0
    assert run(["relabel", str(run_dir), "--merge", "3,4", "--name", "1=Main street"]) == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["k"] == 3 and summary["implicates"]["n_implicates"] == 5
    assert sum(s["share"] for s in summary["segments"]) == pytest.approx(1.0)
    from custseg.dashboard.layout import run_page
    from custseg.precision import SHARE_SE_HEADING

    # The run view and the report show the share with its SE, in words and percentages.
    for shown in (str(run_page(RunData.load(run_dir))), (run_dir / "figures.html").read_text()):
        assert SHARE_SE_HEADING in shown and "share_se" not in shown

    frame = scf2019.frame
    training = frame[(frame["HBUS"] == 1) & (frame["INCOME"] < 500000)]
    source = tmp_path / "training.parquet"
    training.to_parquet(source)
    scored_path = tmp_path / "scored" / "scored.parquet"
    assert run(["predict", str(run_dir), "--input", str(source), "--out", str(scored_path)]) == 0
    scored = pd.read_parquet(scored_path)
    from custseg.survey import household_assignments

    majority = household_assignments(scored["YY1"].to_numpy(), scored["segment"].to_numpy())
    households = pd.read_csv(run_dir / "assignments.csv")
    assert majority["segment"].tolist() == households["segment"].tolist()
    report = json.loads((scored_path.parent / "drift.json").read_text())
    assert report["weighting"].startswith("weighted by the input's WGT")
    assert report["largest_psi"] < 1e-9 and report["level"] == "stable"

    out = tmp_path / "audiences"
    assert run(["export", str(run_dir), "--audiences", str(out)]) == 0
    table = pd.concat([pd.read_csv(f) for f in out.glob("*.csv")], ignore_index=True)
    assert len(table) == len(households) and table["YY1"].is_unique
    assert set(table["YY1"]) == set(households["YY1"])
    assert table["agreement"].between(0.2, 1).all()


def test_relabel_reloads_with_the_runs_own_labels(shared_data, tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("variable,code,label\nChannel,1,Horeca\nChannel,2,Retail\n")
    out = tmp_path / "run"
    table = shared_data / "customers" / "wholesale_customers.csv"
    args = ["segment", str(table), "--bootstrap", "0", "--k", "4", "--labels", str(labels)]
    assert run([*args, "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["provenance"]["load"]["labels"] == str(labels.resolve())
    assert run(["relabel", str(out), "--merge", "3,4"]) == 0
    profiles = pd.read_csv(out / "profiles.csv")
    assert {"Channel=Horeca", "Channel=Retail"} <= set(profiles.columns)
    assert not any(c.startswith("Channel=1") for c in profiles.columns)


def test_a_failure_while_rewriting_leaves_the_run_unchanged(run_copy, monkeypatch, capsys):
    _, run_dir = run_copy
    before = _snapshot(run_dir)

    def broken_report(run):
        raise OSError("disk full")

    monkeypatch.setattr("custseg.run_edit.run_report", broken_report)
    assert run(["relabel", str(run_dir), "--merge", "1,2"]) == 1
    assert "disk full" in capsys.readouterr().err
    assert _snapshot(run_dir) == before
    assert not [p for p in run_dir.parent.iterdir() if p.name.startswith(".")]


def test_rules_and_comparisons_are_recomputed_for_the_edited_segments(run_copy):
    _, run_dir = run_copy
    (run_dir / "figures").mkdir()
    (run_dir / "figures" / "pca.png").write_bytes(b"png")
    assert run(["relabel", str(run_dir), "--merge", "3,4", "--name", "1=Big spenders"]) == 0
    assert not (run_dir / "figures").exists()
    summary = json.loads((run_dir / "summary.json").read_text())
    assignments = pd.read_csv(run_dir / "assignments.csv")
    rules = pd.read_csv(run_dir / "rules.csv")
    assert set(rules["segment"]) <= {1, 2, 3}
    assert [s["segment"] for s in summary["rules"]["segments"]] == [1, 2, 3]
    names = {s["segment"]: s["name"] for s in summary["segments"]}
    assert all(rules["name"] == rules["segment"].map(names))
    assert "Big spenders" in set(rules["name"])
    # The blobs are separable: a shallow tree reproduces the merged segments almost exactly.
    assert summary["rules"]["fidelity"] >= 0.9
    comparison = pd.read_csv(run_dir / "compare_segments.csv")
    assert set(comparison["segment"]) == {1, 2, 3}
    # Each rule's SQL selects rows whose share in its (edited) segment is the rule's precision.
    source, _ = run_copy
    segment_of = dict(zip(assignments["customer_id"], assignments["segment"], strict=True))
    weights = dict(zip(_groups()["customer_id"], _groups()["weight"], strict=True))
    use_weights = summary["weight"] is not None
    with duckdb.connect() as connection:
        for row in rules.itertuples():
            ids = connection.execute(
                f"SELECT customer_id FROM read_csv_auto('{source}') WHERE {row.sql_where}"
            ).fetchall()
            w = np.array([weights[i] if use_weights else 1.0 for (i,) in ids])
            inside = np.array([segment_of[i] == row.segment for (i,) in ids])
            assert (w * inside).sum() / w.sum() == pytest.approx(row.precision, abs=1e-6)


def test_text_ids_with_leading_zeros_from_parquet(tmp_path):
    data = _groups().assign(customer_id=lambda f: [f"{i:07d}" for i in range(len(f))])
    source = tmp_path / "customers.parquet"
    data.to_parquet(source)
    out = tmp_path / "run"
    args = ["segment", str(source), "--features", "spend,visits", "--k", "4", "--bootstrap", "0"]
    assert run([*args, "--id", "customer_id", "--out", str(out)]) == 0
    assert run(["relabel", str(out), "--merge", "3,4"]) == 0
    assert (
        run(["export", str(out), "--audiences", str(tmp_path / "aud"), "--format", "parquet"]) == 0
    )
    table = pd.concat([pd.read_parquet(f) for f in (tmp_path / "aud").glob("*.parquet")])
    assert sorted(table["customer_id"]) == list(data["customer_id"])


def test_older_models_without_a_drift_reference_still_predict(run_copy, tmp_path, capsys):
    source, run_dir = run_copy
    model = SegmentModel.load(run_dir)
    del model.metadata["drift_reference"]
    model.save(run_dir / MODEL_FILENAME)
    scored = _predict(run_dir, source, tmp_path / "scored.csv")
    assert len(scored) == sum(SIZES)
    assert "No drift report" in capsys.readouterr().err
    assert not (tmp_path / "drift.json").exists()


@pytest.mark.parametrize("base_run", ["unweighted"], indirect=True)
def test_runs_with_a_skops_model_score_export_and_relabel(run_copy, tmp_path):
    source, run_dir = run_copy
    as_skops_run(run_dir)
    scored = _predict(run_dir, source, tmp_path / "scored.csv")
    trained = pd.read_csv(run_dir / "assignments.csv")
    assert scored["segment"].tolist() == trained["segment"].tolist()
    assert run(["export", str(run_dir), "--audiences", str(tmp_path / "aud")]) == 0
    assert run(["relabel", str(run_dir), "--name", "1=Big spenders"]) == 0
    assert (run_dir / MODEL_FILENAME).is_file() and not (run_dir / LEGACY_MODEL_FILENAME).exists()
    assert SegmentModel.load(run_dir).segment_names[1] == "Big spenders"
