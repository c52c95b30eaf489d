"""The dashboard in real headless Chromium: load, move k, flip the toggle, change population."""

import os
from pathlib import Path

import pytest
from dash.testing.application_runners import ThreadedRunner
from dash.testing.composite import DashComposite
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from custseg.dashboard import create_app, ids

pytestmark = [pytest.mark.browser, pytest.mark.scf]
ARTIFACTS = Path(
    os.environ.get("CUSTSEG_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")
)
TIMEOUT = 60


def plotted(dash_duo, graph_id, expression):
    return dash_duo.driver.execute_script(
        f"const p = document.querySelector('#{graph_id} .js-plotly-plot');"
        f"return p && p._fullData ? {expression} : null;"
    )


def segment_names(dash_duo):
    return plotted(
        dash_duo,
        ids.PCA_GRAPH,
        "p._fullData.filter(t => t.visible === true && t.name !== 'points').map(t => t.name)",
    )


def wait_for_segments(dash_duo, k):
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", f"Inertia ({k} clusters)", timeout=TIMEOUT)
    expected = [f"Segment {i}" for i in range(1, k + 1)]
    until(lambda: segment_names(dash_duo) == expected, timeout=TIMEOUT)


def choose(dash_duo, radio_id, label):
    for option in dash_duo.find_elements(f"#{radio_id} label"):
        if option.text.strip() == label:
            option.click()
            return
    raise AssertionError(f"no option {label!r} in #{radio_id}")


@pytest.fixture(scope="module")
def served(request, tmp_path_factory):
    """One server and one Chromium for the module: Chromium starts once, and the server's cached
    fits carry over from test to test. Each test opens its own page."""
    with (
        ThreadedRunner() as server,
        DashComposite(
            server=server,
            browser="chrome",
            headless=True,
            options=request.config.hook.pytest_setup_options(),
            download_path=str(tmp_path_factory.mktemp("download")),
            percy_run=False,
        ) as dash_duo,
    ):
        dash_duo.start_server(create_app("scf2019", warm=False))
        yield dash_duo


@pytest.fixture
def dashboard(served):
    served.wait_for_page()
    wait_for_segments(served, 3)
    return served


def test_controls_drive_the_views(dashboard):
    dash_duo = dashboard
    assert dash_duo.find_element("h1").text == "Survey of Consumer Finances"
    assert "Silhouette score (3 clusters)" in dash_duo.find_element(f"#{ids.METRICS}").text

    slider = dash_duo.find_element(f"#{ids.K} [role=slider]")
    slider.click()
    slider.send_keys(Keys.ARROW_RIGHT)
    wait_for_segments(dash_duo, 4)
    assert "k=4" in dash_duo.driver.current_url
    sweep_marks = plotted(
        dash_duo, ids.SWEEP_GRAPH, "p._fullData.filter(t => t.name === 'chosen k').map(t => t.x[0])"
    )
    assert sweep_marks == [4, 4, 4, 4]  # inertia, silhouette, stability, smallest segment

    assert "weighted by WGT" in dash_duo.find_element(f"#{ids.METRICS}").text
    choose(dash_duo, ids.WEIGHTED, "unweighted")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "unweighted", timeout=TIMEOUT)
    choose(dash_duo, ids.TRIMMED, "not trimmed")
    dash_duo.wait_for_contains_text(
        f"#{ids.PROFILE_TABLE}", "Unrealised capital gains", timeout=TIMEOUT
    )
    bars = plotted(dash_duo, ids.VARIANCE_GRAPH, "p._fullData[0].customdata")
    assert "KGTOTAL" in bars and "trimmed=0" in dash_duo.driver.current_url

    choose(dash_duo, ids.POPULATION, "credit-fearful")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "credit-fearful households", timeout=TIMEOUT)
    wait_for_segments(dash_duo, 4)
    rows = dash_duo.find_elements(f"#{ids.PROFILE_TABLE} tbody tr")
    assert len(rows) == 4
    dash_duo.wait_for_contains_text(
        f"#{ids.EXPLAIN_CONTENT}", "Segment vs population", timeout=TIMEOUT
    )
    explained = dash_duo.find_element(f"#{ids.EXPLAIN_CONTENT}").text
    assert "agrees with the segments for" in explained

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    dash_duo.driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 10_000


def test_url_restores_a_shared_view(dashboard):
    dash_duo = dashboard
    dash_duo.driver.get(dash_duo.server_url + "/?k=5&trimmed=0&transform=asinh")
    wait_for_segments(dash_duo, 5)
    assert dash_duo.find_element(f"#{ids.K} [role=slider]").get_attribute("aria-valuenow") == "5"
    assert "Variance" in plotted(dash_duo, ids.VARIANCE_GRAPH, "p.layout.title.text")


def test_a_hostile_address_opens_the_defaults_with_a_notice(dashboard):
    dash_duo = dashboard
    dash_duo.driver.get(dash_duo.server_url + "/?dataset=/etc/passwd&k=99&features=NOT_A_COLUMN")
    dash_duo.wait_for_contains_text(f"#{ids.NOTICE}", "dataset, features, k", timeout=TIMEOUT)
    wait_for_segments(dash_duo, 3)
    assert "dataset=scf2019" in dash_duo.driver.current_url


def open_tab(dash_duo, label):
    dash_duo.find_element(f"#{ids.TABS}").find_element("xpath", f".//*[text()='{label}']").click()


def test_explore_and_compare_tabs(dashboard):
    dash_duo = dashboard
    open_tab(dash_duo, "Explore data")
    dash_duo.wait_for_contains_text(f"#{ids.EXPLORE_CONTENT}", "Has a business", timeout=TIMEOUT)
    assert "13.4% of households" in dash_duo.find_element(f"#{ids.EXPLORE_CONTENT}").text
    open_tab(dash_duo, "Compare years")
    dash_duo.wait_for_contains_text(
        f"#{ids.COMPARE_CONTENT}", "applied to scf2022", timeout=TIMEOUT
    )
    segments, headlines = dash_duo.find_elements(f"#{ids.COMPARE_CONTENT} table")
    assert len(segments.find_elements("css selector", "tbody tr")) == 3
    assert len(headlines.find_elements("css selector", "tbody tr")) == 8
    text = dash_duo.find_element(f"#{ids.COMPARE_CONTENT}").text
    assert "imputation uncertainty only" in text and "2019 dollars" in text
