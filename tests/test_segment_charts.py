"""The numbers behind the explaining charts, and the figures drawn from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import silhouette_samples

from custseg import figures, figures_explain
from custseg.segment_charts import (
    box_data,
    correlation_data,
    percentile_rank_data,
    silhouette_data,
    weighted_quantiles,
)
from custseg.stats import weighted_quantile


@pytest.fixture
def blobs():
    rng = np.random.default_rng(0)
    Z = np.vstack([rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (40, 2))])
    return Z, np.repeat([1, 2], [60, 40])


@pytest.mark.parametrize("weighted", [False, True])
def test_weighted_quantiles_agree_with_the_single_quantile(weighted):
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=101), rng.uniform(0.1, 2, 101) if weighted else None
    qs = [0.05, 0.25, 0.5, 0.75, 0.95]
    expected = [weighted_quantile(x, q, w) for q in qs]
    np.testing.assert_allclose(weighted_quantiles(x, qs, w), expected)


def test_silhouette_values_are_sklearns_sorted_within_segment(blobs):
    Z, segments = blobs
    data = silhouette_data(Z, segments)
    expected = silhouette_samples(Z, segments)
    assert data["sampled"] is False and data["n_shown"] == 100
    assert data["segment"] == [1] * 60 + [2] * 40
    np.testing.assert_allclose(data["value"][:60], np.sort(expected[:60])[::-1])


def test_silhouette_sample_is_stratified_and_says_so(blobs):
    Z, segments = blobs
    Z = np.vstack([Z, Z[:5] + 20])
    segments = np.concatenate([segments, [3] * 5])
    data = silhouette_data(Z, segments, max_rows=50)
    assert data["sampled"] and data["n_rows"] == 105
    assert data["segment"].count(3) == 5  # small segments are kept whole
    assert 50 <= data["n_shown"] <= 70
    fig = figures_explain.silhouette_figure(data, names={1: "Alpha"})
    assert [t.name for t in fig.data] == ["1: Alpha", "Segment 2", "Segment 3"]
    assert "a stratified sample of" in fig.layout.title.text


def test_box_data_and_figure_use_weighted_quantiles_and_a_log_axis_when_skewed():
    rng = np.random.default_rng(1)
    values = pd.DataFrame({"wealth": rng.lognormal(11, 2, 300), "age": rng.normal(50, 10, 300)})
    segments = np.repeat([1, 2], 150)
    w = rng.uniform(0.5, 2, 300)
    records = box_data(values, segments, w)
    one = next(r for r in records if r["feature"] == "wealth" and r["segment"] == 1)
    assert one["median"] == pytest.approx(weighted_quantile(values.wealth[:150], 0.5, w[:150]))
    assert one["p95"] == pytest.approx(weighted_quantile(values.wealth[:150], 0.95, w[:150]))
    assert one["mean"] == pytest.approx(np.average(values.wealth[:150], weights=w[:150]))
    fig = figures_explain.box_figure(records, labels={"wealth": "Wealth"}, money_columns=["wealth"])
    assert fig.layout.annotations[0].text == "Wealth (log scale)"
    assert fig.layout.annotations[1].text == "age"
    wealth_box = fig.data[1]
    assert wealth_box.median[0] == pytest.approx(np.log10(1 + one["median"]))
    assert "$" in fig.layout.yaxis.ticktext[-1]
    age_box = next(t for t in fig.data if t.xaxis == "x2" and t.x[0] == "2")
    age_two = next(r for r in records if r["feature"] == "age" and r["segment"] == 2)
    assert age_box.q1[0] == pytest.approx(age_two["q1"])


def test_correlation_is_spearman_when_unweighted_and_marks_chosen():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"a": rng.normal(size=200)})
    frame["b"] = frame["a"] ** 3 + rng.normal(scale=0.5, size=200)
    frame["c"] = rng.normal(size=200)
    frame.loc[::10, "c"] = np.nan
    data = correlation_data(frame, ["a", "b", "c"], ["b"])
    assert data["features"] == ["b", "a", "c"] and data["chosen"] == ["b"]
    assert data["matrix"][0][1] == pytest.approx(spearmanr(frame.b, frame.a)[0])
    known = frame.dropna()
    assert data["matrix"][1][2] == pytest.approx(spearmanr(known.a, known.c)[0])
    fig = figures_explain.correlation_figure(data)
    assert list(fig.data[0].x) == ["★ b", "a", "c"]


def test_percentile_ranks_read_the_same_for_every_feature():
    values = pd.DataFrame({"x": np.arange(1.0, 11.0), "y": np.arange(10.0, 0.0, -1) * 1000})
    segments = np.repeat([1, 2], 5)
    data = percentile_rank_data(values, segments)
    assert data["medians"] == [[3.0, 8000.0], [8.0, 3000.0]]
    # median 3 of 1..10: 2 values below, one equal: (2 + 0.5) / 10
    assert data["ranks"] == [[25.0, 75.0], [75.0, 25.0]]
    fig = figures_explain.percentile_profile_figure(
        data, labels={"x": "X"}, money_columns=["y"], names={1: "Low x", 2: "High x"}
    )
    assert list(fig.data[0].y) == ["1: Low x", "2: High x"]
    assert fig.data[0].text[0][1] == "$8k" and fig.data[0].zmid == 50


def test_a_flag_reads_as_its_share_of_yes_coloured_by_its_gap_to_everyones():
    # segment 1: 4 of 5 say yes (80%), segment 2: 1 of 5 (20%); everyone 50%
    values = pd.DataFrame(
        {"x": np.arange(1.0, 11.0), "owns": [1, 1, 1, 1, 0, 0, 0, 0, 1, 0]}, dtype=float
    )
    segments = np.repeat([1, 2], 5)
    data = percentile_rank_data(values, segments, flags=["owns"])
    assert data["flags"] == ["owns"]
    assert data["shares"] == [[None, 0.8], [None, 0.2]]
    assert data["population_shares"] == [None, 0.5]
    heat = figures_explain.percentile_profile_figure(data, labels={"owns": "Owns"}).data[0]
    assert [list(row) for row in heat.text] == [["3", "80%"], ["8", "20%"]]
    # a numeric feature keeps its median's percentile; a flag is 50 + its points above everyone
    np.testing.assert_allclose(heat.z, [[25.0, 80.0], [75.0, 20.0]])
    assert heat.customdata[1][1] == "20% yes (everyone: 50%; 30 points below)"
    assert heat.customdata[0][0] == "median 3, percentile 25 in the population"
    assert "yes/no" in heat.colorbar.title.text


def test_weighted_flag_shares_use_the_weights():
    values = pd.DataFrame({"owns": [1.0, 0.0, 1.0, np.nan]})
    data = percentile_rank_data(
        values, np.array([1, 1, 2, 2]), np.array([3.0, 1.0, 1.0, 5.0]), flags=["owns"]
    )
    assert data["shares"] == [[0.75], [1.0]]
    assert data["population_shares"] == [0.8]


@pytest.mark.parametrize(("ratio", "caution"), [([0.7, 0.2], False), ([0.85, 0.1], True)])
def test_pca_caption_shows_the_variance_and_cautions_when_pc1_dominates(ratio, caution):
    pca = pd.DataFrame({"pc1": [0.0, 1.0], "pc2": [0.0, 1.0], "segment": [1, 2]})
    title = figures.pca_figure(pca, explained_variance_ratio=ratio).layout.title.text
    assert f"shows {sum(ratio):.1%}" in title.replace("0%", "0%")
    assert ("Caution" in title) is caution
