"""Bring your own customers: the real Mall and Wholesale tables, end to end on the CLI."""

import json

import duckdb
import pandas as pd
import pytest

from custseg.cli import run


@pytest.fixture(scope="module")
def tables(shared_data):
    return shared_data / "customers"


@pytest.fixture(scope="module")
def mall_run(tables, tmp_path_factory):
    out = tmp_path_factory.mktemp("mall") / "run"
    assert run(["segment", str(tables / "mall_customers.csv"), "--out", str(out)]) == 0
    return out


def test_mall_defaults_give_readable_segments(mall_run):
    summary = json.loads((mall_run / "summary.json").read_text())
    roles = {c["column"]: c["role"] for c in summary["columns"]}
    assert roles == {
        "CustomerID": "id",
        "Gender": "categorical",
        "Age": "numeric",
        "Annual Income (k$)": "numeric",
        "Spending Score (1-100)": "numeric",
    }
    assert summary["categorical_features"] == ["Gender"]
    assert 3 <= summary["k"] <= 6
    profiles = pd.read_csv(mall_run / "profiles.csv")
    assert {"Annual Income (k$)_median", "Gender=Female", "name", "description"} <= set(
        profiles.columns
    )
    assert profiles["name"].is_unique
    assert pd.read_csv(mall_run / "assignments.csv").columns.tolist() == ["CustomerID", "segment"]
    report = (mall_run / "figures.html").read_text()
    assert "Personas" in report and profiles["name"][0] in report
    # A label that is the column's name is not repeated after it.
    assert "Age (Age)" not in report and "(Spending Score (1-100))" not in report


def test_wholesale_defaults_scaled_asinh_and_codes(tables, tmp_path):
    out = tmp_path / "wholesale"
    assert run(["segment", str(tables / "wholesale_customers.csv"), "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["transform"] == "scaled-asinh"  # the spending columns are strongly skewed
    assert (out / "figures.html").read_text().count("Transform: scaled-asinh") == 1
    assert set(summary["transform_scales"]) == set(summary["numeric_features"])
    assert summary["categorical_features"] == ["Channel", "Region"]
    assert len(summary["numeric_features"]) == 6


def test_predict_reproduces_training_assignments(mall_run, tables, tmp_path):
    scored = tmp_path / "scored.parquet"
    assert (
        run(
            [
                "predict",
                str(mall_run),
                "--input",
                str(tables / "mall_customers.csv"),
                "--out",
                str(scored),
            ]
        )
        == 0
    )
    result = pd.read_parquet(scored)
    assert list(result.columns) == [
        "CustomerID",
        "segment",
        "segment_name",
        "distance",
        "margin",
        "out_of_range",
        "imputed",
    ]
    training = pd.read_csv(mall_run / "assignments.csv")
    assert (result["segment"].to_numpy() == training["segment"].to_numpy()).all()


def test_predict_bad_input_writes_nothing(mall_run, tables, tmp_path, capsys):
    partial = tmp_path / "partial.csv"
    pd.read_csv(tables / "mall_customers.csv").drop(columns="Age").to_csv(partial, index=False)
    out = tmp_path / "scored.csv"
    assert run(["predict", str(mall_run), "--input", str(partial), "--out", str(out)]) == 1
    assert "lacks the model's columns: Age" in capsys.readouterr().err
    assert not out.exists()


def test_tampered_model_is_refused(mall_run, tables, tmp_path, capsys):
    broken = tmp_path / "model.custseg"
    data = (mall_run / "model.custseg").read_bytes()
    broken.write_bytes(data[: len(data) // 3])
    assert (
        run(
            [
                "predict",
                str(broken),
                "--input",
                str(tables / "mall_customers.csv"),
                "--out",
                str(tmp_path / "s.csv"),
            ]
        )
        == 1
    )
    assert "not a readable custseg model" in capsys.readouterr().err


def test_write_to_duckdb(tables, tmp_path):
    database = tmp_path / "shop.duckdb"
    out = tmp_path / "run"
    assert (
        run(
            [
                "segment",
                str(tables / "mall_customers.csv"),
                "--k",
                "4",
                "--bootstrap",
                "0",
                "--out",
                str(out),
                "--write-to",
                f"duckdb:///{database}?table=segments",
            ]
        )
        == 0
    )
    with duckdb.connect(str(database), read_only=True) as connection:
        assert connection.execute("SELECT count(*) FROM segments").fetchone() == (200,)


def test_failed_write_to_leaves_no_output(tables, tmp_path, capsys):
    out = tmp_path / "run"
    target = f"duckdb:///{tmp_path}/missing/dir/shop.duckdb?table=segments"
    assert (
        run(
            [
                "segment",
                str(tables / "mall_customers.csv"),
                "--k",
                "3",
                "--bootstrap",
                "0",
                "--out",
                str(out),
                "--write-to",
                target,
            ]
        )
        == 1
    )
    assert "Could not write" in capsys.readouterr().err
    assert not out.exists()


def test_report_rebuild_and_png_export(mall_run):
    (mall_run / "figures.html").unlink()
    assert run(["report", str(mall_run), "--export", "png"]) == 0
    assert "Choosing k" in (mall_run / "figures.html").read_text()
    pngs = sorted(p.name for p in (mall_run / "figures").glob("*.png"))
    assert pngs == [
        "boxes.png",
        "correlation.png",
        "k_choice.png",
        "pca.png",
        "profiles.png",
        "silhouette.png",
        "sizes.png",
        "variance.png",
    ]
    assert all((mall_run / "figures" / name).read_bytes()[:4] == b"\x89PNG" for name in pngs)


def test_rfm_to_segments(tmp_path):
    transactions = tmp_path / "orders.csv"
    customers = [(i * 7) % 40 + (i % 3) * (i % 5) for i in range(600)]  # 44, uneven counts
    rows = ["order;customer;day;total"] + [
        f"{i};c{c};2025-{1 + i % 12:02d}-{1 + i % 28:02d};{10 + (i * 37) % 200}"
        for i, c in enumerate(customers)
    ]
    transactions.write_text("\n".join(rows) + "\n")
    out, segments = tmp_path / "customers.csv", tmp_path / "rfm-run"
    assert (
        run(
            [
                "rfm",
                str(transactions),
                "--customer",
                "customer",
                "--date",
                "day",
                "--amount",
                "total",
                "--as-of",
                "2026-01-01",
                "--out",
                str(out),
                "--segment-out",
                str(segments),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert len(table) == 44 and table["frequency"].sum() == 600
    crosstab = pd.read_csv(segments / "rfm_vs_segments.csv")
    assert crosstab.drop(columns="rfm_group").to_numpy().sum() == 44


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("id,spend\n", "header but no rows"),
        ("id,spend,spend\n1,2,3\n", "duplicate column names"),
        (
            "name,city\n" + "".join(f"person {i} text,place {i} text\n" for i in range(80)),
            "No column",
        ),
        ("id,spend\n1,5\n2,7\n3,9\n", "too few for --k-range 2-12"),
    ],
)
def test_bad_tables_on_the_cli(tmp_path, content, message, capsys):
    source = tmp_path / "bad.csv"
    source.write_text(content)
    out = tmp_path / "out"
    assert run(["segment", str(source), "--out", str(out)]) == 1
    assert message in " ".join(capsys.readouterr().err.split())
    assert not out.exists()


def test_duplicate_ids_on_the_cli(tmp_path, capsys):
    source = tmp_path / "dup.csv"
    source.write_text("cid,spend\n" + "".join(f"{i % 30},{i}\n" for i in range(60)))
    assert run(["segment", str(source), "--id", "cid", "--out", str(tmp_path / "o")]) == 1
    assert "duplicate values" in capsys.readouterr().err


def test_mixed_type_feature_on_the_cli(tmp_path, capsys):
    source = tmp_path / "mixed.csv"
    source.write_text(
        "id,spend,visits\n"
        + "".join(f"{i},{'abc' if i == 3 else i * 2},{i % 7}\n" for i in range(60))
    )
    assert (
        run(["segment", str(source), "--features", "spend,visits", "--out", str(tmp_path / "o")])
        == 1
    )
    assert "not numeric" in capsys.readouterr().err
