"""Every tab of the dashboard at laptop screen sizes: screenshots, and the bounding boxes of every
chart's text checked for clipping and overlap (:mod:`browser_layout`).

One browser and one server serve the whole module; the views' fits are cached by the server, so
each size after the first costs only the drawing.
"""

import os
from pathlib import Path

import pytest
from browser_layout import layout_problems
from dash.testing.application_runners import ThreadedRunner
from dash.testing.wait import until

from custseg.dashboard import create_app, ids

pytestmark = [pytest.mark.browser, pytest.mark.scf]
ARTIFACTS = Path(
    os.environ.get("CUSTSEG_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")
)
TIMEOUT = 120
#: Common laptop screens (CSS pixels).
SIZES = ((1366, 768), (1440, 900))
#: Tab label -> (content element, text that shows the tab has finished loading).
TABS = {
    "Segments": (ids.EXPLAIN_CONTENT, "Segment vs population"),
    "Explore data": (ids.EXPLORE_CONTENT, "Distributions"),
    "Compare years": (ids.COMPARE_CONTENT, "Headline figures"),
}

_SETTLED = """
const loading = document.querySelector('[data-dash-is-loading="true"]');
const plots = [...document.querySelectorAll('.js-plotly-plot')].filter((p) => p.offsetParent);
if (loading || plots.some((p) => !p._fullLayout)) return null;
return plots.map((p) => Math.round(p.getBoundingClientRect().width)).join(',');
"""


@pytest.fixture
def browser(dashboard_browser):
    """The module's browser, at the first laptop size."""
    dashboard_browser.driver.set_window_size(*SIZES[0])
    return dashboard_browser


def settle(dash_duo):
    """Wait until no callback is loading and every graph has been drawn at its final width
    (a resize redraws the graphs)."""
    seen = []

    def steady():
        seen.append(dash_duo.driver.execute_script(_SETTLED))
        return seen[-1] is not None and seen[-2:] == [seen[-1]] * 2

    until(steady, timeout=TIMEOUT, poll=0.5)


def open_tab(dash_duo, label):
    dash_duo.find_element(f"#{ids.TABS}").find_element("xpath", f".//*[text()='{label}']").click()
    content, marker = TABS[label]
    dash_duo.wait_for_contains_text(f"#{content}", marker, timeout=TIMEOUT)
    settle(dash_duo)


def check_layout(dash_duo, name, size, *, min_graphs):
    """Assert every visible chart is tidy at ``size``, after saving a full-page screenshot."""
    graphs, problems = layout_problems(dash_duo.driver)
    width, height = size
    page_height = dash_duo.driver.execute_script("return document.body.scrollHeight")
    dash_duo.driver.set_window_size(width, max(height, page_height))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(str(ARTIFACTS / f"{name}-{width}x{height}.png"))
    dash_duo.driver.set_window_size(width, height)
    assert graphs >= min_graphs, f"{name}: only {graphs} charts drawn"
    assert not problems, f"{name} at {width}x{height}:\n" + "\n".join(problems)


def check_tab(dash_duo, label, name, *, min_graphs):
    """Open a tab and check it at every laptop size (a resize redraws; nothing is refetched)."""
    dash_duo.driver.set_window_size(*SIZES[0])
    open_tab(dash_duo, label)
    for size in SIZES:
        dash_duo.driver.set_window_size(*size)
        settle(dash_duo)
        check_layout(dash_duo, name, size, min_graphs=min_graphs)


@pytest.mark.parametrize(
    ("label", "name", "min_graphs"),
    [("Segments", "segments", 8), ("Explore data", "explore", 10), ("Compare years", "compare", 1)],
)
def test_every_tab_is_tidy_at_laptop_sizes(browser, label, name, min_graphs):
    browser.driver.get(browser.server_url + "/?population=small-business&k=3")
    check_tab(browser, label, name, min_graphs=min_graphs)
    if label == "Explore data":  # the tab follows the population control (here from the URL)
        text = browser.find_element(f"#{ids.EXPLORE_CONTENT}").text
        assert "Population: small-business owners" in text and "4,364 rows" in text


def test_a_method_view_and_its_population_are_tidy(browser):
    browser.driver.get(browser.server_url + "/?population=credit-fearful&method=ward&k=4")
    browser.wait_for_contains_text(f"#{ids.METHOD_DETAILS}", "Ward", timeout=TIMEOUT)
    check_tab(browser, "Segments", "segments-ward", min_graphs=9)
    check_tab(browser, "Explore data", "explore-credit-fearful", min_graphs=10)
    text = browser.find_element(f"#{ids.EXPLORE_CONTENT}").text
    assert "Population: credit-fearful households" in text and "4,623 rows" in text


def test_the_check_finds_clipped_and_overlapping_text(browser):
    """A chart drawn without the shared frame: its title runs under the toolbar and out of the
    figure, and its legend covers the axis title."""
    browser.driver.get(browser.server_url)
    settle(browser)
    browser.driver.execute_script(
        """
        const div = document.createElement('div');
        div.id = 'untidy-chart';
        document.getElementById(arguments[0]).prepend(div);
        return Plotly.newPlot(div, [{x: [1, 2], y: [3, 4], name: 'a'}, {x: [1], y: [2]}], {
          width: 400, height: 300, margin: {l: 0, r: 0, t: 10, b: 10},
          title: {text: 'A title far too long for a chart four hundred pixels wide, clipped'},
          xaxis: {title: {text: 'an axis title'}},
          yaxis: {automargin: false},
          legend: {orientation: 'h', y: -0.05},
        }, {displayModeBar: true});
        """,
        ids.METRICS,
    )
    _, problems = layout_problems(browser.driver)
    browser.driver.execute_script("document.getElementById('untidy-chart').remove()")
    mine = [p for p in problems if p.startswith("untidy-chart")]
    assert any("title" in p and "is clipped" in p for p in mine), problems
    assert any("overlaps toolbar" in p for p in mine), problems
    assert any("legend" in p and "overlaps" in p for p in mine), problems
    assert any("tick label" in p and "is clipped" in p for p in mine), problems


@pytest.fixture(scope="module")
def saved_run(shared_data, tmp_path_factory):
    from custseg.cli import run

    out = tmp_path_factory.mktemp("saved") / "run"
    table = shared_data / "customers" / "mall_customers.csv"
    assert run(["segment", str(table), "--k", "4", "--bootstrap", "0", "--out", str(out)]) == 0
    return out


def check_other_app(browser, app, loaded, name, *, min_graphs):
    """Serve ``app`` beside the module's dashboard and check its opening page at every size,
    once the element ``loaded[0]`` shows the text ``loaded[1]``."""
    with ThreadedRunner() as server:
        server.start(app)
        browser.driver.get(server.url)
        browser.wait_for_contains_text(*loaded, timeout=TIMEOUT)
        for size in SIZES:
            browser.driver.set_window_size(*size)
            settle(browser)
            check_layout(browser, name, size, min_graphs=min_graphs)


def test_a_saved_run_is_tidy(browser, saved_run):
    app = create_app(str(saved_run))
    check_other_app(browser, app, ("h1", "Saved run"), "saved-run", min_graphs=8)


def test_a_plain_table_is_tidy(browser, shared_data):
    app = create_app(str(shared_data / "customers" / "mall_customers.csv"), warm=False)
    loaded = (f"#{ids.EXPLAIN_CONTENT}", "Segment vs population")
    check_other_app(browser, app, loaded, "plain-table", min_graphs=8)
