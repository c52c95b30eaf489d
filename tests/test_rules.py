"""Rules: known rules recovered from synthetic data, and every rule's SQL selecting in DuckDB
exactly the rows the rule selects in Python, on synthetic data, the Mall table and the SCF."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

import custseg
from custseg.report_explain import rules_display, rules_sentences, sql_headings
from custseg.rule_text import RuleWords
from custseg.rule_tree import _round_cut
from custseg.rules import segment_rules, strength_sentence, strong_rules
from custseg.rules_run import result_rules


def _sql_rows(con: duckdb.DuckDBPyConnection, table: str, id_column: str, where: str) -> set:
    query = f'SELECT "{id_column}" FROM {table} WHERE {where}'
    return {row[0] for row in con.execute(query).fetchall()}


def _check_against_sql(rules, values, ids, segments, weights, con, table, id_column):
    """Each rule's SQL row set equals its Python row set; precision and coverage recomputed from
    the SQL rows and the assignments equal the reported ones."""
    w = pd.Series(np.ones(len(ids)) if weights is None else weights, index=ids)
    assigned = pd.Series(segments, index=ids)
    assert rules.rules
    for rule in rules.rules:
        python_rows = set(np.asarray(ids)[rules.rule_mask(rule, values)])
        sql_rows = _sql_rows(con, table, id_column, rule.sql)
        assert sql_rows == python_rows, rule.description
        chosen = list(sql_rows)
        in_segment = assigned[chosen] == rule.segment
        precision = w[chosen][in_segment.to_numpy()].sum() / w[chosen].sum()
        coverage = w[chosen][in_segment.to_numpy()].sum() / w[assigned == rule.segment].sum()
        assert rule.precision == pytest.approx(precision)
        assert rule.coverage == pytest.approx(coverage)
    # A segment's combined SQL (its strong rules ORed) selects what its measures say.
    for segment in rules.to_dict()["segments"]:
        if segment["sql_where"] is None:
            continue
        chosen = list(_sql_rows(con, table, id_column, segment["sql_where"]))
        in_segment = (assigned[chosen] == segment["segment"]).to_numpy()
        assert len(chosen) == segment["n_rows"]
        assert segment["precision"] == pytest.approx(w[chosen][in_segment].sum() / w[chosen].sum())
        members = w[assigned == segment["segment"]].sum()
        assert segment["coverage"] == pytest.approx(w[chosen][in_segment].sum() / members)


def test_known_rules_are_recovered_exactly():
    rng = np.random.default_rng(0)
    values = pd.DataFrame({"spend": rng.integers(0, 21, 600), "visits": rng.integers(0, 11, 600)})
    segments = np.where(values["spend"] >= 10, 3, np.where(values["visits"] >= 5, 1, 2))
    rules = segment_rules(
        values, segments, labels={"spend": "Annual spend"}, money_columns=["spend"]
    )
    assert rules.fidelity == 1.0
    texts = {r.segment: r.description for r in rules.rules}
    assert texts == {
        1: "Annual spend under $10 and visits of 5 or more",
        2: "Annual spend under $10 and visits under 5",
        3: "Annual spend of $10 or more",
    }
    assert all(r.precision == 1.0 and r.coverage == 1.0 for r in rules.rules)
    frame = rules.to_frame()
    assert list(frame["segment"]) == [1, 2, 3]
    assert frame.loc[2, "sql_where"] == '"spend" >= 10.0'


def test_weights_decide_the_majority_of_a_leaf():
    values = pd.DataFrame({"x": [1.0, 1.0, 1.0, 2.0]})
    segments = np.array([1, 1, 2, 2])
    unweighted = segment_rules(values, segments, max_depth=1)
    weighted = segment_rules(values, segments, weights=np.array([1.0, 1.0, 10.0, 1.0]), max_depth=1)
    assert unweighted.fidelity == pytest.approx(0.75)
    assert weighted.fidelity == pytest.approx(11 / 13)
    assert [r.segment for r in weighted.rules] == [2]
    assert weighted.to_dict()["segments"][0]["rules"] == []
    sentences = rules_sentences(weighted.to_dict())
    assert "84.6% of the population (weighted)" in sentences[0]
    assert sentences[-1].startswith("No leaf of the tree has segment 1 as its majority")
    assert sentences[-1].endswith("may find it.")


def _weak_tail():
    """Segment 1 below 60, segment 2 above, but the top 5% mixes 60% of segment 1 with 2."""
    x = np.arange(1000) / 10
    segments = np.where(x < 60, 1, 2)
    tail = np.flatnonzero(x >= 95)
    segments[tail[np.arange(50) % 5 < 3]] = 1
    return pd.DataFrame({"id": np.arange(1000), "x": x}), segments


def test_weak_rules_are_marked_listed_apart_and_left_out_of_the_segment_sql():
    source, segments = _weak_tail()
    rules = segment_rules(source[["x"]], segments, max_depth=2)
    assert [(r.segment, r.description, r.strong) for r in rules.rules] == [
        (1, "X under 60", True),
        (1, "X of 95 or more", False),  # precision 60%, 4.8% of segment 1
        (2, "X from 60 to under 95", True),
    ]
    frame = rules.to_frame()
    assert list(frame["strong"]) == [True, False, True]
    assert list(frame["rule"]) == [1, 2, 1]  # strong rules first
    first = rules.to_dict()["segments"][0]
    assert first["sql_where"] == '("x" < 60.0)' and first["description"] == "X under 60"
    assert first["n_rows"] == 600 and first["coverage"] == pytest.approx(600 / 630)
    assert [r["strong"] for r in first["rules"]] == [True, False]
    assert list(rules_display(frame)["description"]) == ["X under 60", "X from 60 to under 95"]
    assert list(rules_display(frame, strong=False)["precision"]) == ["60.0%"]
    assert [h for h, _ in sql_headings(frame)] == [
        "Segment 1, rule 1",
        "Segment 1, rule 2 (weak)",
        "Segment 2, rule 1",
    ]
    sentence = rules_sentences(rules.to_dict())[2]
    assert sentence.startswith("2 of 3 rules are strong: at least 70% of the customers")
    assert "The weak rule is listed apart" in sentence
    sentences = rules_sentences({**rules.to_dict(), "noun": "small-business owners"})
    assert sentences[1].startswith("Precision: share of the small-business owners a rule")
    assert "at least 70% of the small-business owners each selects" in sentences[2]
    con = duckdb.connect()
    con.register("source", source)
    _check_against_sql(rules, source, source["id"].to_numpy(), segments, None, con, "source", "id")


def test_a_table_written_before_rules_were_marked_is_split_by_the_thresholds():
    source, segments = _weak_tail()
    frame = segment_rules(source[["x"]], segments, max_depth=2).to_frame().drop(columns="strong")
    assert list(strong_rules(frame)) == [True, False, True]


@pytest.mark.parametrize(
    ("strong", "expected"),
    [
        ({1: [True], 2: [True]}, "2 of 2 rules are strong"),
        ({1: [True], 2: []}, "1 of 1 rule is strong"),
        ({1: [True, False], 2: [False]}, "Segment 2 has only weak rules"),
        ({1: [True], 2: [False], 3: [False, False]}, "Segments 2 and 3 have only weak rules"),
    ],
)
def test_strength_sentence_counts_and_names_segments_without_a_strong_rule(strong, expected):
    assert expected in strength_sentence(strong)
    assert "no rule" not in strength_sentence(strong)


def test_strength_sentence_can_name_segments_without_any_rule():
    sentence = strength_sentence({1: [True], 2: [], 3: []}, "households", ruleless=True)
    assert sentence.startswith("1 of 1 rule is strong: at least 70% of the households")
    assert sentence.endswith(
        "Segments 2 and 3 have no rule: they are the majority of no leaf of the tree (a deeper "
        "--rule-depth may find them)."
    )


@pytest.mark.parametrize("seed", range(20))
def test_round_cut_splits_the_values_as_the_tree_does(seed):
    rng = np.random.default_rng(seed)
    values = np.unique(np.round(rng.lognormal(8, 3, 200) * rng.choice([-1, 1], 200), 2))
    threshold = (values[50] + values[51]) / 2
    cut = _round_cut(values, threshold)
    np.testing.assert_array_equal(values < cut, values <= threshold)


def test_sql_matches_python_with_missing_values_categories_and_awkward_names():
    rng = np.random.default_rng(1)
    n = 500
    source = pd.DataFrame(
        {
            "id": np.arange(n),
            'Annual "spend" ($)': rng.gamma(2, 1500, n).round(2),
            "visits per year": rng.integers(0, 30, n).astype(float),
            "Region": rng.choice(["North", "South", "O'Hara"], n),
            "w": rng.uniform(0.5, 3, n),
        }
    )
    source.loc[rng.choice(n, 60, replace=False), 'Annual "spend" ($)'] = np.nan
    source.loc[rng.choice(n, 40, replace=False), "Region"] = None
    spend = source['Annual "spend" ($)'].fillna(2000.0)
    region = source["Region"].fillna("South")
    segments = np.where(spend > 3000, 1, np.where(region == "O'Hara", 2, 3))
    features = ['Annual "spend" ($)', "visits per year", "Region"]
    rules = segment_rules(
        source[features],
        segments,
        weights=source["w"].to_numpy(),
        categorical=["Region"],
        fill={'Annual "spend" ($)': 2000.0, "visits per year": 14.0, "Region": "South"},
        population_sql='"w" > 0',
    )
    assert rules.fidelity > 0.95
    assert any("Region is O'Hara" in r.description for r in rules.rules)
    con = duckdb.connect()
    con.register("source", source)
    _check_against_sql(
        rules,
        source[features],
        source["id"].to_numpy(),
        segments,
        source["w"].to_numpy(),
        con,
        "source",
        "id",
    )


def test_every_rule_of_the_mall_run_selects_the_same_customers_in_duckdb(shared_data):
    path = shared_data / "customers" / "mall_customers.csv"
    result = custseg.segment(str(path), bootstrap=0)
    rules = result_rules(result)
    assert rules.fidelity >= 0.9
    con = duckdb.connect()
    con.execute(f"CREATE VIEW mall AS SELECT * FROM read_csv('{path}')")
    frame = result.prepared.dataset.frame.loc[result.prepared.rows]
    _check_against_sql(
        rules,
        frame,
        frame["CustomerID"].to_numpy(),
        result.segments,
        None,
        con,
        "mall",
        "CustomerID",
    )


def test_scf_small_business_rules_are_faithful_and_exact_in_duckdb(scf2019, shared_data):
    result = custseg.segment(scf2019, population="small-business", bootstrap=0)
    rules = result_rules(result)
    assert rules.fidelity >= 0.85
    assert rules.population_sql.startswith('"HBUS" = 1.0 AND "INCOME" < 500000.0')
    con = duckdb.connect()
    # DuckDB reads the shared file itself, so the check does not go through custseg's loader;
    # a table, not a view, so the file is read once rather than once per rule.
    con.execute(f"CREATE TABLE scf AS SELECT * FROM read_csv('{shared_data / 'SCFP2019.csv.gz'}')")
    frame = result.prepared.dataset.frame.loc[result.prepared.rows]
    _check_against_sql(
        rules,
        frame,
        frame["Y1"].to_numpy(),
        result.segments,
        result.prepared.weights,
        con,
        "scf",
        "Y1",
    )
    everyone = _sql_rows(con, "scf", "Y1", rules.population_sql)
    assert everyone == set(frame["Y1"])


@pytest.mark.parametrize("missing", ["impute", "drop"])
def test_population_sql_keeps_the_rows_pandas_keeps(missing):
    rng = np.random.default_rng(2)
    n = 400
    source = pd.DataFrame(
        {
            "customer": [f"c{i}" for i in range(n)],
            "spend": rng.gamma(2, 100, n),
            "visits": rng.poisson(5, n).astype(float),
            "Region": rng.choice(["North", "South", None], n),
        }
    )
    source.loc[::17, "spend"] = np.nan
    dataset = custseg.dataset.from_frame(source, name="shop", exclude=("Region",))
    result = custseg.segment(
        dataset,
        where=("Region != North", "visits >= 2"),
        missing=missing,
        bootstrap=0,
        k_range=(2, 4),
    )
    rules = result_rules(result)
    con = duckdb.connect()
    con.register("shop", source)
    frame = dataset.frame.loc[result.prepared.rows]
    assert _sql_rows(con, "shop", "customer", rules.population_sql) == set(frame["customer"])
    _check_against_sql(
        rules, frame, frame["customer"].to_numpy(), result.segments, None, con, "shop", "customer"
    )


def test_coded_categories_are_described_by_their_labels(scf2019):
    result = custseg.segment(
        scf2019,
        population="small-business",
        features=("NETWORTH", "EDCL"),
        categorical=("EDCL",),
        k=3,
        bootstrap=0,
    )
    rules = result_rules(result)
    texts = " ".join(r.description for r in rules.rules)
    assert "Education is Bachelor's or more" in texts
    assert "Education is not Bachelor's or more" in texts
    assert rules.fidelity > 0.8


def test_implicate_one_population_in_sql(scf2019):
    result = custseg.segment(
        scf2019, population="credit-fearful", implicates="first", k=3, bootstrap=0
    )
    rules = result_rules(result)
    assert rules.population_sql.endswith('"Y1" % 10 = 1')
    con = duckdb.connect()
    con.register("scf", scf2019.frame)
    frame = result.prepared.dataset.frame.loc[result.prepared.rows]
    assert _sql_rows(con, "scf", "Y1", rules.population_sql) == set(frame["Y1"])


@pytest.mark.parametrize(
    ("value", "as_money", "text"),
    [
        (239000.0, "$239k", "239,000"),
        (1458000.0, "$1.458M", "1,458,000"),
        (-790.0, "-$790", "-790"),
        (12.5, "$12.5", "12.5"),
        (8281.0, "$8.281k", "8,281"),
    ],
)
def test_thresholds_are_written_without_rounding(value, as_money, text):
    words = RuleWords({}, {"amount"}, {}, "")
    assert words.value("amount", value) == as_money
    assert words.value("count", value) == text
