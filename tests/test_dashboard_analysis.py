"""The dashboard's cached analysis and callback bodies, without a browser."""

import base64
from dataclasses import replace

import dash_bootstrap_components as dbc
import numpy as np
import pandas as pd
import pytest
from dash import dcc, html, no_update

import custseg.dashboard.analysis as analysis_module
from custseg.dashboard import ids
from custseg.dashboard.analysis import Analysis
from custseg.dashboard.callbacks import (
    controls_from_state,
    explore_children,
    segments_children,
    sync_url,
)
from custseg.dashboard.state import ViewState
from custseg.dashboard.views import DISPLAY_POINTS
from custseg.formatting import number

pytestmark = pytest.mark.scf


def values(trace, key):
    """A trace's array, decoding plotly's base64 typed-array form."""
    data = trace[key]
    if isinstance(data, dict) and "bdata" in data:
        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"])
    return np.asarray(data)


# The seed's view: unweighted, five features by trimmed variance, untransformed, k=3.
REFERENCE = ViewState(
    dataset="scf2019",
    population="small-business",
    weighted=False,
    select="trimmed-variance",
    n_features=5,
    transform="none",
    k=3,
)


@pytest.fixture
def analysis(scf_analysis):
    return scf_analysis


def test_view_matches_the_core(analysis):
    view = analysis.view(REFERENCE)
    prepared, sweep = analysis.sweep(REFERENCE)
    inertia = sweep.table.set_index("k").loc[3, "inertia"]
    assert view.metrics[0] == f"Inertia (3 clusters): {number(inertia)}"
    assert view.metrics[1].startswith("Silhouette score (3 clusters): 0.")
    assert legend(view) == ["Segment 1", "Segment 2", "Segment 3"]
    assert prepared.n_rows == 4364
    assert len(values(view.pca["data"][0], "x")) == DISPLAY_POINTS  # a seeded sample, said so
    assert f"a random {DISPLAY_POINTS:,} of 4,364 points" in view.pca["layout"]["title"]["text"]
    assert list(view.variance["data"][0]["customdata"][-5:]) == [
        "BUS",
        "NHNFIN",
        "NFIN",
        "NETWORTH",
        "ASSET",
    ]
    assert list(view.profile_table.columns[:4]) == ["Segment", "Persona", "Size", "Rows"]
    # unweighted, a survey's segment is its rows and the households behind them (rows / 5)
    rows = view.profile_table["Rows"][0].replace(",", "")
    assert view.profile_table["Size"][0].startswith(f"{int(rows):,} rows (")
    assert view.profile_table["Size"][0].endswith(
        f"of small-business owners; {int(rows) / 5:,.0f} sample households)"
    )
    assert "Median Net worth (2019 $)" in view.profile_table.columns


def legend(view) -> list[str]:
    return [t["name"] for t in view.pca["data"][1:] if t["visible"]]


def test_every_k_reuses_one_sweep(analysis, monkeypatch):
    calls = []
    real = analysis_module.run_sweep
    monkeypatch.setattr(analysis_module, "run_sweep", lambda p: calls.append(1) or real(p))
    fresh = Analysis(datasets=["scf2019"], bootstrap=0)
    for k in range(2, 13):
        view = fresh.view(ViewState(k=k))
        assert legend(view) == [f"Segment {s}" for s in range(1, k + 1)]
        assert sorted(set(view.pca_segments)) == list(range(1, k + 1))
    assert len(calls) == 1
    assert fresh.view(ViewState(k=5)) is fresh.view(ViewState(k=5))


def test_toggle_changes_selected_features(analysis):
    untrimmed = analysis.view(replace(REFERENCE, select="variance"))
    bars = untrimmed.variance["data"][0]
    selected = [
        name
        for name, colour in zip(bars["customdata"], bars["marker"]["color"], strict=True)
        if colour == "#1f77b4"
    ]
    assert set(selected) == {"KGTOTAL", "NHNFIN", "NFIN", "NETWORTH", "ASSET"}
    assert untrimmed.variance["layout"]["title"]["text"].startswith("Variance")


def test_large_population_scatter_is_sampled(analysis):
    view = analysis.view(
        ViewState(population="all", features=("INCOME", "NETWORTH"), transform="asinh", k=3)
    )
    assert len(values(view.pca["data"][0], "x")) == len(view.pca_segments) == DISPLAY_POINTS
    assert f"a random {DISPLAY_POINTS:,} of 28,885 points" in view.pca["layout"]["title"]["text"]


def test_hover_shows_household_values(analysis):
    points = analysis.view(REFERENCE).pca["data"][0]
    template = points["hovertemplate"]
    assert template.startswith("Segment %{marker.color}<br>Household id: %{customdata[0]}")
    labels = [part.split(": ")[0] for part in template.split("<br>")[1:]]
    first = dict(zip(labels, points["customdata"][0], strict=True))
    assert first["Net worth"].startswith("$") and first["Age of head"].isdigit()


def test_sync_url_both_ways(analysis):
    values = controls_from_state(REFERENCE)
    loaded = sync_url(analysis, REFERENCE, ids.URL, "?k=7&population=all", values)
    assert loaded[0] is no_update and loaded[-2] == 7 and loaded[2] == "all"
    assert loaded[-1] == []  # nothing to report
    moved = sync_url(analysis, REFERENCE, ids.K, "?k=7", [*values[:-1], 9])
    assert "k=9" in moved[0] and all(v is no_update for v in moved[1:])


def test_segments_children_component_tree(analysis):
    children = segments_children(analysis, REFERENCE, controls_from_state(REFERENCE))
    metrics, recommendation, *figures, table, personas, method = children
    assert metrics[0].children.startswith("Inertia (3 clusters)")
    assert method[0].children.startswith("KMeans: fitted on all")
    assert recommendation[0].children.startswith("Recommended k = ")
    assert recommendation[1].children[0].children == "How k is recommended"
    warnings = [alert.children for alert in recommendation[2:]]  # the seed's view warns
    assert any(w.startswith("collinear_features: ") for w in warnings)
    assert isinstance(table, dbc.Table)
    assert len(figures) == 5
    assert [card.children.children[0].children.split(":")[0] for card in personas] == [
        "Segment 1",
        "Segment 2",
        "Segment 3",
    ]


def test_bad_feature_in_url_gives_a_message(analysis):
    values = controls_from_state(ViewState(features=("NOT_A_COLUMN",)))
    (alert, *metrics), *_ = segments_children(analysis, ViewState(), values)
    assert isinstance(alert, dbc.Alert) and "NOT_A_COLUMN" in alert.children
    assert metrics[0].children.startswith("Inertia")  # the default view


def test_explore_tab_sections(analysis):
    cards = explore_children(analysis, REFERENCE, "scf2019", "all")
    titles = [card.children.children[0].children for card in cards]
    assert titles[:3] == [
        "Overview",
        "Has a business (actively or passively managed)",
        "Credit-fearful (turned down or feared refusal, past 12 months)",
    ]
    assert "Income group by business ownership" in titles
    assert "Distributions (weighted), in 2019 dollars" in titles


@pytest.mark.parametrize(
    ("population", "shown", "rows"),
    [
        ("all", "Population: all households.", "28,885 rows"),
        ("credit-fearful", "Population: credit-fearful households", "4,623 rows"),
        ("no-such-group", "Population: small-business owners", "4,364 rows"),
    ],
)
def test_explore_tab_follows_the_population(analysis, population, shown, rows):
    cards = explore_children(analysis, REFERENCE, "scf2019", population)
    overview = next(c for c in cards if isinstance(c, dbc.Card)).children.children
    sentences = [p.children for p in overview[1:]]
    assert sentences[0].startswith(shown) and rows in sentences[1]
    refused = [c for c in cards if isinstance(c, dbc.Alert)]
    assert len(refused) == (population == "no-such-group")


def test_weighted_view_counts_us_households(analysis):
    view = analysis.view(ViewState(weighted=True, k=3))
    assert "weighted by WGT" in view.metrics[3]
    assert "US households" in view.profile_table["Size"][0]
    assert "households have all rows in one segment" in view.metrics[4]
    assert view.metrics[-1].startswith("Amounts in 2019 dollars")
    assert "Share ± SE (imputation uncertainty only)" in view.profile_table.columns


def test_assignments_download_frame(analysis):
    frame = analysis.assignments(REFERENCE)
    assert list(frame.columns) == ["YY1", "Y1", "segment"] and len(frame) == 4364


def test_compare_years_tab(analysis):
    from custseg.dashboard.callbacks import compare_children

    children = compare_children(analysis, REFERENCE, controls_from_state(REFERENCE))
    text = " ".join(c.children for c in children if isinstance(c, html.P))
    assert "applied to scf2022" in text and "0.8627" in text and "R-CPI-U-RS" in text
    assert "INCOME < 579,603" in text and "imputation uncertainty only" in text
    (graph,) = [c for c in children if isinstance(c, dcc.Graph)]
    assert [trace["name"] for trace in graph.figure["data"]] == ["scf2019", "scf2022"]
    segments, headlines = [c for c in children if isinstance(c, dbc.Table)]
    header = str(segments.children[0])
    assert "SE, imputation uncertainty only" in header and "sample households" in header
    assert "Median net worth" in str(headlines) and "2022 dollars" in str(headlines)


def test_compare_needs_another_year():
    from custseg.dashboard.callbacks import compare_children

    single = Analysis(datasets=["scf2019"])
    (message,) = compare_children(single, REFERENCE, controls_from_state(REFERENCE))
    assert "another year" in message.children


def test_explaining_view_has_rules_comparison_and_charts(analysis):
    from custseg.dashboard.explain_view import view_children

    children = view_children(analysis, REFERENCE)
    rules, comparison, *graphs = children
    assert rules.children.children[0].children == "Rules"
    assert "agrees with the segments for" in rules.children.children[1].children
    assert comparison.children.children[0].children == "Segment vs population"
    titles = [g.figure["layout"]["title"]["text"] for g in graphs]
    assert titles[0].startswith("Silhouette of every row")
    assert titles[1].startswith("Each feature by segment")
    assert "correlation" in titles[2]
    view = analysis.view(REFERENCE)
    assert view.profile["data"][0]["zmid"] == 50
    assert view.profile["data"][0]["y"][0].startswith("1: ")
    assert "of the variance" in view.pca["layout"]["title"]["text"]


def test_an_address_without_k_opens_on_the_recommended_k(analysis):
    opening = replace(REFERENCE, k=None)
    loaded = sync_url(analysis, opening, ids.URL, "", controls_from_state(opening))
    recommended = analysis.sweep(REFERENCE)[1].recommendation.k
    assert loaded[-2] == recommended and loaded[-1] == []
    assert analysis.view(opening) is analysis.view(replace(REFERENCE, k=recommended))


def test_weak_rules_are_folded_away_and_marked_in_the_sql():
    from custseg.dashboard.explain_view import tables
    from custseg.explain import Explanation
    from custseg.rules import segment_rules

    x = np.arange(1000) / 10
    segments = np.where(x < 60, 1, 2)
    segments[np.flatnonzero(x >= 95)[np.arange(50) % 5 < 3]] = 1  # a mixed top 5%
    rules = segment_rules(pd.DataFrame({"x": x}), segments, max_depth=2)
    explanation = Explanation(
        rules.to_frame(), rules.to_dict(), pd.DataFrame({"segment": []}), charts={}
    )
    card = str(tables(explanation, {})[0])
    assert "Weak rules: precision under 70% or coverage under 5% of their segment (1)" in card
    assert "Segment 1, rule 2 (weak)" in card and "2 of 3 rules are strong" in card


def test_the_profile_table_gives_a_flags_share_of_yes():
    from types import SimpleNamespace

    from custseg.dashboard.views import profile_table

    dataset = SimpleNamespace(label={"OWN": "Owns a home", "AGE": "Age"}.get, provenance={})
    result = SimpleNamespace(
        prepared=SimpleNamespace(dataset=dataset, numeric=["AGE", "OWN"], flags=["OWN"]),
        profiles=pd.DataFrame(
            {
                "segment": [1, 2],
                "name": ["Owners", "Renters"],
                "size": ["Size: 60 rows", "Size: 40 rows"],
                "n_rows": [60, 40],
                "AGE_median": [50.0, 30.0],
                "OWN_median": [1.0, 0.0],
                "OWN_mean": [0.78, 0.3],
            }
        ),
    )
    table = profile_table(result, dollars=[])
    assert list(table["Owns a home (share yes)"]) == ["78%", "30%"]
    assert list(table["Median Age"]) == ["50", "30"]
