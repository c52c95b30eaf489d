"""Hostile requests to the dashboard's callbacks get the defaults or a message, never a file.

Every callback is POSTed to ``/_dash-update-component`` as a crafted client would, with foreign,
out-of-range and wrongly typed values in each slot, on the Flask test client of the app's server.
"""

import json
from dataclasses import replace

import pandas as pd
import pytest

import custseg.dashboard.analysis as analysis_module
from custseg.dashboard import create_app, ids, validate
from custseg.dashboard.app import create_server
from custseg.dashboard.callbacks import CONTROL_IDS, controls_from_state
from custseg.dashboard.state import ViewState

SECRET = "A-SECRET-VALUE"  # in the attacker's target file; must never come back


@pytest.fixture(scope="module")
def served(shared_data, tmp_path_factory):
    """The dashboard of one customer table, and a folder of files it must never touch."""
    folder = tmp_path_factory.mktemp("attacker")
    pd.DataFrame({"note": [SECRET] * 3, "amount": [4.0, 5.0, 6.0]}).to_csv(
        folder / "secret.csv", index=False
    )
    source = str(shared_data / "customers" / "mall_customers.csv")
    app = create_app(source, warm=False)
    return app, source, folder


@pytest.fixture(scope="module")
def recommended_k(served) -> int:
    """What the Python API recommends for the served table with every default: the k an
    address without one opens on."""
    from custseg import segment

    return segment(served[1]).sweep.recommendation.k


@pytest.fixture
def loads(monkeypatch):
    """Every dataset the analysis loads, by name."""
    names = []
    real = analysis_module.load_dataset

    def recording(name, *args, **kwargs):
        names.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(analysis_module, "load_dataset", recording)
    return names


def key_of(app, output: str) -> str:
    return next(key for key in app.callback_map if output in key)


def post(app, output: str, values: list, changed: str):
    """POST a callback as the browser does; ``values`` fill its inputs, then its states."""
    key = key_of(app, output)
    callback = app.callback_map[key]
    slots = [*callback["inputs"], *callback["state"]]
    filled = [{**slot, "value": value} for slot, value in zip(slots, values, strict=True)]
    declared = callback["output"]
    outputs = [
        {"id": o.component_id, "property": o.component_property}
        for o in (declared if isinstance(declared, list) else [declared])
    ]
    body = {
        "output": key,
        "outputs": outputs if isinstance(declared, list) else outputs[0],
        "inputs": filled[: len(callback["inputs"])],
        "state": filled[len(callback["inputs"]) :],
        "changedPropIds": [changed],
    }
    return app.server.test_client().post("/_dash-update-component", json=body)


def hostile(folder):
    """Field -> values a crafted request may carry; the issue's attacks first."""
    leak = folder / "leak.csv"
    return {
        "dataset": [
            str(folder / "secret.csv"),
            f"duckdb:///{folder}/x.duckdb?query=COPY (SELECT 42 AS a) TO '{leak}'",
            "duckdb:///x.duckdb?query=SELECT * FROM read_csv('/etc/passwd')",
            "scf2019",  # built in, but not what this server was started with
            None,
            7,
            ["a"],
            {"a": 1},
            "x" * 100_000,
        ],
        "population": ["rich", None, 3, "a" * 10_000, ["all"]],
        "weighted": ["yes", 2, None, [True]],
        "select": ["no", 0, None, "VARIANCE", "trimmed"],
        "n_features": [0, 11, -1, 1e308, "5", None, True, 2.5],
        "features": [
            ["NOT_A_COLUMN"],
            "Age",
            [1],
            ["Age"] * (validate.MAX_NAMED_FEATURES + 1),
            [{"a": 1}],
            ["x" * 1000],
            ["Age", "Age"],
            ["amount"],
        ],
        "transform": ["__import__", None, 7, "LOG"],
        "k": [1, 13, 10**100, "3", 3.5, True, -5],  # None is the recommended k
        "method": ["spectral", None, 7, "KMEANS", "x" * 1000, ["gmm"]],
    }


def cases(folder, defaults):
    base = controls_from_state(defaults)
    for position, field in enumerate(CONTROL_IDS):
        for value in hostile(folder)[field]:
            values = list(base)
            values[position] = value
            yield field, values


def nothing_sent(response) -> bool:
    return response.status_code == 204 or response.get_json() == {"multi": True, "response": {}}


def assert_untouched(folder, loads, source, *responses):
    assert sorted(p.name for p in folder.iterdir()) == ["secret.csv"]
    assert set(loads) <= {source}
    for response in responses:
        assert SECRET not in response.get_data(as_text=True)
        assert "root:" not in response.get_data(as_text=True)


def defaults_of(app) -> ViewState:
    values = {c.id: getattr(c, "value", None) for c in app.layout._traverse() if hasattr(c, "id")}
    fields = {f: values[i] for f, i in CONTROL_IDS.items()}
    return ViewState(**{**fields, "features": tuple(fields["features"])})


def test_segments_callback_answers_hostile_values_with_defaults_and_a_message(served, loads):
    app, source, folder = served
    defaults = defaults_of(app)
    # A move of another control than k gets the full answer (a k move alone gets a patch of
    # the scatter's colours); a hostile value must always get the full default answer.
    trigger = f"{CONTROL_IDS['transform']}.value"
    reference = post(app, ids.METRICS, controls_from_state(defaults), trigger)
    expected = reference.get_json()["response"]
    assert reference.status_code == 200
    for field, values in cases(folder, defaults):
        response = post(app, ids.METRICS, values, f"{CONTROL_IDS[field]}.value")
        assert response.status_code == 200, (field, values)
        answer = response.get_json()["response"]
        alert, *metrics = answer[ids.METRICS]["children"]
        label = field.replace("_", " ")
        assert alert["type"] == "Alert" and f"Ignored the {label}" in alert["props"]["children"]
        assert metrics == expected[ids.METRICS]["children"], field
        assert {k: v for k, v in answer.items() if k != ids.METRICS} == {
            k: v for k, v in expected.items() if k != ids.METRICS
        }
        assert_untouched(folder, loads, source, response)


@pytest.mark.parametrize("callback", [ids.DOWNLOAD, ids.COMPARE_CONTENT, ids.EXPLAIN_CONTENT])
def test_download_compare_and_explain_refuse_hostile_values(served, loads, callback):
    app, source, folder = served
    defaults = defaults_of(app)
    first = {ids.DOWNLOAD: [1], ids.COMPARE_CONTENT: [ids.TAB_COMPARE]}.get(callback, [])
    for field, values in cases(folder, defaults):
        response = post(app, callback, [*first, *values], f"{CONTROL_IDS[field]}.value")
        if callback == ids.DOWNLOAD:
            assert nothing_sent(response), field
        else:
            alert = response.get_json()["response"][callback]["children"][0]
            assert "Ignored the" in alert["props"]["children"]
        assert_untouched(folder, loads, source, response)
    good = post(app, ids.DOWNLOAD, [1, *controls_from_state(defaults)], "download-button.n_clicks")
    name = good.get_json()["response"][ids.DOWNLOAD]["data"]["filename"]
    # named after the table, not the server's path to it
    assert name.startswith("mall_customers-all-k") and name.endswith("-assignments.csv")


def test_explaining_part_refuses_hostile_values(served, loads):
    app, source, folder = served
    defaults = defaults_of(app)
    for field, values in cases(folder, defaults):
        response = post(app, ids.EXPLAIN_CONTENT, values, f"{CONTROL_IDS[field]}.value")
        children = response.get_json()["response"][ids.EXPLAIN_CONTENT]["children"]
        assert "Ignored the" in children[0]["props"]["children"], field
        assert "Rules" in str(children[1])
        assert_untouched(folder, loads, source, response)


def test_dataset_options_and_explore_refuse_foreign_datasets(served, loads):
    app, source, folder = served
    population = defaults_of(app).population
    options = post(app, "population.options", [source], f"{ids.DATASET}.value").get_json()
    for dataset in hostile(folder)["dataset"]:
        response = post(app, "population.options", [dataset], f"{ids.DATASET}.value")
        assert response.get_json() == options
        explore = post(
            app, ids.EXPLORE_CONTENT, [dataset, population, ids.TAB_EXPLORE], f"{ids.TABS}.value"
        )
        alert, *cards = explore.get_json()["response"][ids.EXPLORE_CONTENT]["children"]
        assert "Ignored the dataset" in alert["props"]["children"] and cards
        for tab in ("x", None, 5, [ids.TAB_EXPLORE]):
            ignored = post(
                app, ids.EXPLORE_CONTENT, [dataset, population, tab], f"{ids.TABS}.value"
            )
            assert nothing_sent(ignored)
        assert_untouched(folder, loads, source, response, explore)


def test_explore_refuses_foreign_populations(served, loads):
    app, source, folder = served
    for population in hostile(folder)["population"]:
        explore = post(
            app,
            ids.EXPLORE_CONTENT,
            [source, population, ids.TAB_EXPLORE],
            f"{ids.POPULATION}.value",
        )
        alert, *cards = explore.get_json()["response"][ids.EXPLORE_CONTENT]["children"]
        assert "Ignored the population" in alert["props"]["children"] and cards
        assert_untouched(folder, loads, source, explore)


@pytest.mark.parametrize(
    ("search", "ignored"),
    [
        ("?dataset=/etc/passwd&k=99", "dataset, k"),
        ("?features=NOT_A_COLUMN,Age&k=3", "cannot use: features."),
        ("?k=4&evil=1", "evil"),
        ("x" * 100_000, "not a query string"),
        (5, "not a query string"),
        (["?k=3"], "not a query string"),
    ],
)
def test_the_address_is_checked_and_the_page_says_what_was_ignored(
    served, loads, recommended_k, search, ignored
):
    app, source, folder = served
    defaults = defaults_of(app)
    values = [search, *controls_from_state(defaults)]
    response = post(app, ids.NOTICE, values, f"{ids.URL}.search")
    answer = response.get_json()["response"]
    assert ignored in json.dumps(answer[ids.NOTICE]["children"])
    kept_k = {"?k=4&evil=1": 4, "?features=NOT_A_COLUMN,Age&k=3": 3}
    state = replace(defaults, k=kept_k.get(search) if isinstance(search, str) else None)
    controls = {i: answer[i]["value"] for i in CONTROL_IDS.values()}
    shown = replace(state, k=state.k or recommended_k)  # the slider moves to the recommended k
    assert controls == dict(zip(CONTROL_IDS.values(), controls_from_state(shown), strict=True))
    assert answer[ids.URL]["search"] == state.to_search()  # the refused settings are dropped
    assert_untouched(folder, loads, source, response)


def test_a_control_sent_by_a_crafted_request_cannot_change_the_address(served, loads):
    app, source, folder = served
    defaults = defaults_of(app)
    values = [None, *controls_from_state(defaults)]
    values[1] = str(folder / "secret.csv")
    response = post(app, ids.NOTICE, values, f"{ids.DATASET}.value")
    search = response.get_json()["response"][ids.URL]["search"]
    assert search == defaults.to_search()
    assert_untouched(folder, loads, source, response)


def test_wrong_number_of_values_gives_defaults():
    checked = validate.view_state(None, ViewState(), list(CONTROL_IDS), [1, 2])
    assert checked.state == ViewState() and "unexpected set of settings" in checked.messages[0]


def test_every_control_has_a_check():
    validate.require_checks(list(CONTROL_IDS))
    with pytest.raises(RuntimeError, match="without a check"):
        validate.require_checks([*CONTROL_IDS, "not_a_control"])


@pytest.mark.parametrize("factory", ["create_app", "create_server"])
def test_large_requests_are_refused(served, factory):
    app, source, _folder = served
    server = app.server if factory == "create_app" else create_server(source)
    response = server.test_client().post(
        "/_dash-update-component",
        data=b"{" + b" " * 10_000_000 + b"}",
        content_type="application/json",
    )
    assert response.status_code == 413
    assert server.config["MAX_CONTENT_LENGTH"] == validate.MAX_REQUEST_BYTES


@pytest.mark.parametrize(
    ("value", "read"), [(5, 5), (0, 0), (None, 0), ("5", 0), (-1, 0), (True, 0), (2.5, 0)]
)
def test_timer_ticks_are_whole_numbers_or_zero(value, read):
    assert validate.ticks(value) == read


def test_status_and_sample_notes_refuse_hostile_values(served, loads):
    app, source, folder = served
    defaults = defaults_of(app)
    for field, values in cases(folder, defaults):
        for tick in (1, "x" * 10_000, None):
            status = post(
                app, ids.PRECOMPUTE_STATUS, [tick, *values], f"{CONTROL_IDS[field]}.value"
            )
            assert status.status_code == 200, field
        sample = post(app, ids.SAMPLE_NOTE, values, f"{CONTROL_IDS[field]}.value")
        assert sample.get_json()["response"][ids.SAMPLE_NOTE]["children"] == []  # not sampled
        assert_untouched(folder, loads, source, status, sample)


def test_feature_count_switch_refuses_nothing_but_counts_only_auto(served, loads):
    app, source, folder = served
    for select in [*hostile(folder)["select"], {"auto": 1}, ["auto"]]:
        response = post(app, "n-features.disabled", [select], f"{ids.SELECT}.value")
        assert response.get_json()["response"]["n-features"]["disabled"] is False, select
        assert_untouched(folder, loads, source, response)


#: The output that names each callback, for the tests above that send it hostile values.
HOSTILE_TESTED = (
    ids.NOTICE,
    "n-features.disabled",
    "population.options",
    ids.METRICS,
    ids.DOWNLOAD,
    ids.COMPARE_CONTENT,
    ids.EXPLORE_CONTENT,
    ids.EXPLAIN_CONTENT,
    ids.PRECOMPUTE_STATUS,
    ids.SAMPLE_NOTE,
)


def test_every_callback_is_sent_hostile_requests(served):
    """A new callback fails here until a test above sends it crafted values."""
    untested = [k for k in served[0].callback_map if not any(o in k for o in HOSTILE_TESTED)]
    assert not untested, f"callbacks without a hostile-request test: {untested}"
