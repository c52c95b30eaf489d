"""The dashboard in real headless Chromium: load, move k, flip the toggle, change population."""

import os
import re
from pathlib import Path

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from custseg.dashboard import ids

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
            # clicked by script: the page may still be scrolling after a k move
            radio = option.find_element("css selector", "input")
            dash_duo.driver.execute_script("arguments[0].click()", radio)
            return
    raise AssertionError(f"no option {label!r} in #{radio_id}")


def opening_k(dash_duo) -> int:
    """The k the page opened on: the recommended one, as on the command line."""
    dash_duo.wait_for_contains_text(f"#{ids.RECOMMENDATION}", "Recommended k = ", timeout=TIMEOUT)
    text = dash_duo.find_element(f"#{ids.RECOMMENDATION}").text
    k = int(re.search(r"Recommended k = (\d+)", text)[1])
    wait_for_segments(dash_duo, k)
    until(
        lambda: dash_duo.find_element(f"#{ids.K} [role=slider]").get_attribute("aria-valuenow")
        == str(k),
        timeout=TIMEOUT,
    )
    return k


@pytest.fixture
def dashboard(dashboard_browser):
    dashboard_browser.driver.get(dashboard_browser.server_url)
    opening_k(dashboard_browser)
    return dashboard_browser


def test_controls_drive_the_views(dashboard):
    dash_duo = dashboard
    assert dash_duo.find_element("h1").text == "Survey of Consumer Finances"
    k = opening_k(dash_duo) + 1
    assert f"Silhouette score ({k - 1} clusters)" in dash_duo.find_element(f"#{ids.METRICS}").text

    slider = dash_duo.find_element(f"#{ids.K} [role=slider]")
    # focused, not clicked: at the end of its track the thumb sits under the slider's marks
    dash_duo.driver.execute_script("arguments[0].focus()", slider)
    slider.send_keys(Keys.ARROW_RIGHT)
    wait_for_segments(dash_duo, k)
    assert f"k={k}" in dash_duo.driver.current_url
    sweep_marks = plotted(
        dash_duo, ids.SWEEP_GRAPH, "p._fullData.filter(t => t.name === 'chosen k').map(t => t.x[0])"
    )
    assert sweep_marks == [k] * 4  # inertia, silhouette, stability, smallest segment
    hover = dash_duo.driver.execute_script(
        f"const p = document.querySelector('#{ids.PCA_GRAPH} .js-plotly-plot');"
        "Plotly.Fx.hover(p, [{curveNumber: 0, pointNumber: 0}]);"
        "const label = p.querySelector('.hoverlayer .hovertext');"
        "const text = label && label.textContent; Plotly.Fx.unhover(p); return text;"
    )
    assert re.match(r"Segment [1-9]Household id: \d+", hover), hover  # segment from the colour

    assert "weighted by WGT" in dash_duo.find_element(f"#{ids.METRICS}").text
    choose(dash_duo, ids.WEIGHTED, "unweighted")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "unweighted", timeout=TIMEOUT)
    choose(dash_duo, ids.SELECT, "variance")
    dash_duo.wait_for_contains_text(
        f"#{ids.PROFILE_TABLE}", "Unrealised capital gains", timeout=TIMEOUT
    )
    bars = plotted(dash_duo, ids.VARIANCE_GRAPH, "p._fullData[0].customdata")
    assert "KGTOTAL" in bars and "select=variance" in dash_duo.driver.current_url

    choose(dash_duo, ids.POPULATION, "credit-fearful")
    dash_duo.wait_for_contains_text(f"#{ids.METRICS}", "credit-fearful households", timeout=TIMEOUT)
    wait_for_segments(dash_duo, k)
    rows = dash_duo.find_elements(f"#{ids.PROFILE_TABLE} tbody tr")
    assert len(rows) == k
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
    dash_duo.driver.get(dash_duo.server_url + "/?k=5&select=variance&transform=asinh")
    wait_for_segments(dash_duo, 5)
    assert dash_duo.find_element(f"#{ids.K} [role=slider]").get_attribute("aria-valuenow") == "5"
    assert "Variance" in plotted(dash_duo, ids.VARIANCE_GRAPH, "p.layout.title.text")


def test_a_hostile_address_opens_the_defaults_with_a_notice(dashboard):
    dash_duo = dashboard
    dash_duo.driver.get(dash_duo.server_url + "/?dataset=/etc/passwd&k=99&features=NOT_A_COLUMN")
    dash_duo.wait_for_contains_text(f"#{ids.NOTICE}", "dataset, features, k", timeout=TIMEOUT)
    opening_k(dash_duo)
    assert "dataset=scf2019" in dash_duo.driver.current_url


def open_tab(dash_duo, label):
    dash_duo.find_element(f"#{ids.TABS}").find_element("xpath", f".//*[text()='{label}']").click()


def test_explore_and_compare_tabs(dashboard):
    dash_duo = dashboard
    k = opening_k(dash_duo)
    open_tab(dash_duo, "Explore data")
    # the population control's: business ownership is no longer a section, all rows own one
    dash_duo.wait_for_contains_text(
        f"#{ids.EXPLORE_CONTENT}", "Population: small-business owners", timeout=TIMEOUT
    )
    explored = dash_duo.find_element(f"#{ids.EXPLORE_CONTENT}").text
    assert "4,364 rows" in explored and "Has a business" not in explored
    open_tab(dash_duo, "Compare years")
    dash_duo.wait_for_contains_text(
        f"#{ids.COMPARE_CONTENT}", "applied to scf2022", timeout=TIMEOUT
    )
    segments, headlines = dash_duo.find_elements(f"#{ids.COMPARE_CONTENT} table")
    assert len(segments.find_elements("css selector", "tbody tr")) == k
    assert len(headlines.find_elements("css selector", "tbody tr")) == 8
    text = dash_duo.find_element(f"#{ids.COMPARE_CONTENT}").text
    assert "imputation uncertainty only" in text and "2019 dollars" in text
