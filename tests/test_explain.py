"""A run folder keeps the rules, the segment-vs-population table and the chart numbers, and the
report rebuilt from the folder shows them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from custseg.cli import run
from custseg.report import run_report
from custseg.runs import RunData


@pytest.fixture(scope="module")
def mall_run(tmp_path_factory, shared_data):
    out = tmp_path_factory.mktemp("runs") / "mall"
    source = str(shared_data / "customers" / "mall_customers.csv")
    assert run(["segment", source, "--rule-depth", "2", "--bootstrap", "0", "--out", str(out)]) == 0
    return out


def test_run_folder_carries_rules_comparison_and_charts(mall_run):
    summary = json.loads((mall_run / "summary.json").read_text())
    rules = pd.read_csv(mall_run / "rules.csv")
    assert summary["rules"]["max_depth"] == 2
    assert 0.5 < summary["rules"]["fidelity"] <= 1
    assert list(rules.columns) == [
        "segment",
        "name",
        "rule",
        "description",
        "precision",
        "coverage",
        "share",
        "strong",
        "n_rows",
        "sql_where",
    ]
    described = {r["description"] for s in summary["rules"]["segments"] for r in s["rules"]}
    assert described == set(rules["description"])
    assignments = pd.read_csv(mall_run / "assignments.csv")
    by_segment = rules.groupby("segment")["n_rows"].sum()
    assert by_segment.sum() == len(assignments)  # the leaves cover every customer once
    comparison = pd.read_csv(mall_run / "compare_segments.csv")
    assert {"index", "effect_size", "base", "small_base"} <= set(comparison.columns)
    charts = json.loads((mall_run / "charts.json").read_text())
    assert set(charts) == {"silhouette", "boxes", "correlation", "percentile_ranks"}


def test_report_rebuilt_from_the_folder_shows_every_explaining_section(mall_run):
    page = run_report(RunData.load(mall_run))
    for title in (
        "Rules",
        "Segment vs population",
        "How well separated",
        "Features by segment",
        "Feature correlations",
    ):
        assert f"<h2>{title}</h2>" in page
    assert "SQL WHERE clauses" in page and "COALESCE(&quot;Age&quot;" in page
    assert "coloured by its percentile in the population" in page
    assert run(["report", str(mall_run)]) == 0


def test_rule_depth_out_of_range_is_a_clear_error(tmp_path, shared_data, capsys):
    source = str(shared_data / "customers" / "mall_customers.csv")
    status = run(["segment", source, "--rule-depth", "0", "--out", str(tmp_path / "x")])
    assert status == 1
    assert "--rule-depth 0 must be from 1 to 8" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
