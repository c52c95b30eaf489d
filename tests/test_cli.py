"""The command line: outputs on disk, and one clear message for bad input."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from custseg.cli import run

REFERENCE_ARGS = [
    "segment",
    "scf2019",
    "--population",
    "small-business",
    "--select",
    "trimmed-variance",
    "--n-features",
    "5",
    "--transform",
    "none",
    "--scale",
    "standard",
    "--weight",
    "none",
    "--k",
    "3",
    "--k-range",
    "2-12",
    "--random-state",
    "42",
]


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "reference"
    assert run([*REFERENCE_ARGS, "--out", str(out)]) == 0
    return out


@pytest.mark.scf
def test_reference_run_writes_every_output(reference_run):
    names = {p.name for p in reference_run.iterdir()}
    assert names == {
        ".custseg-run",
        "summary.json",
        "sweep.csv",
        "assignments.csv",
        "profiles.csv",
        "pca.csv",
        "model.custseg",
        "figures.html",
        "rules.csv",
        "compare_segments.csv",
        "charts.json",
    }
    summary = json.loads((reference_run / "summary.json").read_text())
    assert summary["n_rows"] == 4364 and summary["k"] == 3
    assert [f["name"] for f in summary["features"]] == [
        "ASSET",
        "NETWORTH",
        "NFIN",
        "NHNFIN",
        "BUS",
    ]
    assert summary["recommended"]["reason"]
    assert set(summary["metrics"]) == {
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "stability",
    }
    assert summary["weight"] is None and summary["weighting"] == "unweighted"
    assert summary["versions"]["scikit-learn"]
    sweep = pd.read_csv(reference_run / "sweep.csv")
    assert list(sweep.columns) == [
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "stability",
        "min_segment_share",
        "min_segment_households",
    ]
    assert list(sweep["k"]) == list(range(2, 13))
    codes = {w["code"] for w in summary["warnings"]}
    assert {"collinear_features", "dominant_component", "dominant_segment"} <= codes
    profiles = pd.read_csv(reference_run / "profiles.csv")
    assert list(profiles.columns[:3]) == ["segment", "n_rows", "share"]
    assert {"BUS_mean", "BUS_median"} <= set(profiles.columns)
    pca = pd.read_csv(reference_run / "pca.csv")
    assert list(pca.columns[:5]) == ["YY1", "Y1", "pc1", "pc2", "segment"]
    assert set(pca.columns[5:]) == {"BUS", "NHNFIN", "NFIN", "NETWORTH", "ASSET"}
    assignments = pd.read_csv(reference_run / "assignments.csv")
    assert (
        assignments["segment"].value_counts().sort_index().tolist() == profiles["n_rows"].tolist()
    )
    html = (reference_run / "figures.html").read_text()
    assert "plotly" in html and "Segment profiles" in html
    assert "<h2>Warnings</h2>" in html and "dominant_component" in html


@pytest.mark.scf
def test_same_seed_gives_same_labels(reference_run, tmp_path):
    assert run([*REFERENCE_ARGS, "--out", str(tmp_path / "again")]) == 0
    first = pd.read_csv(reference_run / "assignments.csv")
    pd.testing.assert_frame_equal(first, pd.read_csv(tmp_path / "again" / "assignments.csv"))


@pytest.fixture
def customers(tmp_path):
    path = tmp_path / "customers.csv"
    rows = ["id,spend,visits,city"] + [
        f"{i},{(i % 3) * 100 + i % 7},{(i % 3) * 10 + i % 5},x" for i in range(60)
    ]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_plain_table_with_ids(customers, tmp_path):
    out = tmp_path / "out"
    assert (
        run(["segment", str(customers), "--id", "id", "--k-range", "2-5", "--out", str(out)]) == 0
    )
    assert list(pd.read_csv(out / "assignments.csv").columns) == ["id", "segment"]


def test_skipped_features_and_warnings_are_printed(customers, tmp_path, capsys):
    table = pd.read_csv(customers).assign(spend_again=lambda t: t["spend"] * 2 + 1)
    table.to_csv(customers, index=False)
    out = tmp_path / "out"
    assert run(["segment", str(customers), "--id", "id", "--k", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr()
    summary = json.loads((out / "summary.json").read_text())
    skipped = summary["selection"]["skipped"]
    assert {"spend", "spend_again"} & {s["name"] for s in skipped}  # a copy of the other
    for feature in skipped:
        assert f"Skipped feature {feature['name']}" in " ".join(printed.err.split())
    for warning in summary["warnings"]:
        assert f"Warning ({warning['code']})" in printed.out
    strong = sum(r["strong"] for s in summary["rules"]["segments"] for r in s["rules"])
    assert f"Rules (rules.csv): {strong} of " in " ".join(printed.out.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["segment", "missing.csv"], "No such file"),
        (["segment", "{customers}", "--population", "rich"], "Unknown population 'rich'"),
        (["segment", "{customers}", "--features", "spend,height"], "no column 'height'"),
        (["segment", "{customers}", "--features", "city"], "not numeric"),
        (["segment", "{customers}", "--k", "60"], "too few for --k 60"),
        (["segment", "{customers}", "--k", "1"], "at least 2 segments"),
        (["segment", "{customers}", "--where", "spend >> 3"], "Cannot read the condition"),
        (["segment", "{customers}", "--where", "spend > 10000"], "No row"),
        (["segment", "{customers}", "--k-range", "twelve"], "Cannot read the k range"),
        (["segment", "{customers}", "--transform", "sqrt"], "Unknown --transform"),
        (["segment", "{customers}", "--min-segment", "0.7"], "--min-segment 0.7 must be"),
        (["segment", "{customers}", "--select", "random"], "Unknown --select"),
        (["segment", "{customers}", "--weight", "visitz"], "no column 'visitz'"),
        (["explore", "scf1850"], "Unknown dataset"),
        (["explore", "{customers}", "--population", "rich"], "Unknown population 'rich'"),
        (["data", "fetch", "census"], "Unknown dataset family"),
    ],
)
def test_bad_input_one_message_no_output(args, message, customers, tmp_path, capsys):
    out = tmp_path / "out"
    argv = [a.replace("{customers}", str(customers)) for a in args] + ["--out", str(out)]
    if args[0] == "data":
        argv = argv[:-2]
    assert run(argv) == 1
    err = capsys.readouterr().err
    assert message in " ".join(err.split())
    assert "Traceback" not in err
    assert not out.exists()


def test_usage_error_exit_status(capsys):
    assert run(["segment"]) == 2
    assert "Missing argument" in capsys.readouterr().err


def test_installed_script_prints_no_traceback(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "custseg", "segment", "nope.csv", "--out", str(tmp_path / "o")],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 1
    assert "No such file" in completed.stderr and "Traceback" not in completed.stderr


@pytest.mark.scf
def test_explore_report(tmp_path):
    assert run(["explore", "scf2019", "--out", str(tmp_path / "eda")]) == 0
    html = (tmp_path / "eda" / "report.html").read_text()
    assert "27.4% of rows are business owners" in html
    assert "13.4% of households" in html
    assert "90-100" in html and 'src="http' not in html


def test_explore_selected_rows(customers, tmp_path):
    out = tmp_path / "eda"
    assert run(["explore", str(customers), "--where", "spend >= 100", "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "Exploring customers.csv: selected rows" in html
    assert "has 40 rows and 4 columns: every row, where spend &gt;= 100" in html


def test_version(capsys):
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.startswith("custseg ")


@pytest.mark.scf
def test_survey_weighted_run_per_household_and_compare(tmp_path):
    out = tmp_path / "weighted"
    args = [
        "segment",
        "scf2019",
        "--population",
        "small-business",
        "--k",
        "3",
        "--bootstrap",
        "2",
        "--assignments",
        "households",
        "--out",
        str(out),
    ]
    assert run(args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["weight"] == "WGT" and "KMeans (sample_weight)" in summary["weighting"]
    first = summary["segments"][0]
    assert first["size"].startswith("Segment 1: ") and "US households (" in first["size"]
    assert "of small-business owners; " in first["size"]
    assert first["size"].endswith("sample households)")
    assert summary["implicates"]["n_implicates"] == 5
    assert sum(s["weighted_count"] for s in summary["segments"]) == pytest.approx(
        summary["weighted_total"]
    )
    assignments = pd.read_csv(out / "assignments.csv")
    assert list(assignments.columns) == ["YY1", "segment", "agreement", "rows", "weight"]
    assert assignments["YY1"].is_unique
    profiles = pd.read_csv(out / "profiles.csv")
    assert {"name", "size", "share_se", "description", "AGECL=Under 35"} <= set(profiles.columns)

    compared = tmp_path / "compare"
    assert run(["compare", str(out), "scf2022", "--out", str(compared)]) == 0
    table = pd.read_csv(compared / "compare.csv")
    assert list(table["segment"]) == [1, 2, 3]
    page = (compared / "report.html").read_text()
    assert "How segment shares moved (amounts in 2019 dollars)" in page
    assert "imputation uncertainty only" in page and "R-CPI-U-RS" in page
    compare_summary = json.loads((compared / "summary.json").read_text())
    assert compare_summary["dataset_dollars"] == {"scf2019": 2019, "scf2022": 2022}
    headlines = pd.DataFrame(compare_summary["headlines"]["figures"])
    assert len(headlines) == 8 and compare_summary["headlines"]["dollars_of"] == 2022
    assert {"change_se_points", "few_households", "households_scf2022"} <= set(table.columns)
