"""Serving the dashboard: the Flask app, safe defaults, and the documented gunicorn command."""

import socket
import subprocess
import sys
import time

import pytest
import requests

from custseg.cli import run
from custseg.dashboard import create_app

pytestmark = pytest.mark.scf


def test_page_and_stylesheet_are_served_without_a_cdn():
    app = create_app("scf2019", warm=False)
    client = app.server.test_client()
    page = client.get("/")
    assert page.status_code == 200
    assert b"/_custseg/css/bootstrap.min.css" in page.data
    assert b"cdn" not in page.data.lower()
    assert client.get("/_custseg/css/bootstrap.min.css").status_code == 200
    assert not app.server.debug


def test_plain_table_dashboard_defaults_to_all(shared_data):
    app = create_app(str(shared_data / "customers" / "mall_customers.csv"), warm=False)
    assert "Customer segments: mall_customers.csv" in str(app.layout)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["dashboard", "scf2019", "--population", "rich"], "Unknown population 'rich'"),
        (["dashboard", "nowhere.csv"], "No such file"),
    ],
)
def test_bad_dashboard_input(args, message, capsys):
    assert run(args) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_binds_localhost_and_no_debug_by_default(capsys):
    assert run(["dashboard", "--help"]) == 0
    text = capsys.readouterr().out
    assert "127.0.0.1" in text and "--debug" in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(url: str, server: subprocess.Popen, timeout: float = 300):
    """The first answer from ``url``, polled while the server starts (loading the data takes
    seconds, or much longer on a busy machine); fails at once if the server exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited ({server.returncode}): {server.stdout.read()[-2000:]}")
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            time.sleep(0.2)
    pytest.fail(f"no answer from {url} within {timeout:.0f} s")


def test_gunicorn_serves_the_documented_factory():
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            # a worker loads the data before its first heartbeat: allow for a busy machine
            "--timeout",
            "300",
            "--bind",
            f"127.0.0.1:{port}",
            "custseg.dashboard.app:create_server()",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        response = _wait_until_serving(f"http://127.0.0.1:{port}/", server)
        assert response.status_code == 200 and "custseg dashboard" in response.text
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_plain_table_opens_on_its_own_defaults(shared_data):
    from custseg.dashboard.callbacks import CONTROL_IDS

    app = create_app(str(shared_data / "customers" / "wholesale_customers.csv"), warm=False)
    layout = app.layout
    values = {}
    for component in layout._traverse():
        if getattr(component, "id", None) in CONTROL_IDS.values():
            values[component.id] = component.value
    # the command line's defaults: features and transform chosen as `custseg segment` does
    assert (values["select"], values["transform"], values["k-slider"]) == ("auto", "auto", None)
    assert values["n-features"] == 6 and values["weighted"] is False


def test_saved_run_opens_read_only(shared_data, tmp_path):
    from custseg.cli import run as cli

    out = tmp_path / "run"
    assert (
        cli(
            [
                "segment",
                str(shared_data / "customers" / "mall_customers.csv"),
                "--k",
                "4",
                "--bootstrap",
                "0",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    app = create_app(str(out))
    assert app.server.test_client().get("/").status_code == 200
    graphs = [
        c.id
        for c in app.layout._traverse()
        if getattr(c, "id", "") and str(c.id).startswith("run-")
    ]
    assert graphs == [
        "run-variance",
        "run-k_choice",
        "run-sizes",
        "run-pca",
        "run-profiles",
        "run-silhouette",
        "run-boxes",
        "run-correlation",
    ]
    assert "Segment vs population" in str(app.layout) and "SQL WHERE clauses" in str(app.layout)
    assert "Saved run: mall_customers.csv" in str(app.layout)


def test_development_server_logs_only_failed_requests():
    import logging
    import threading

    from flask import Flask
    from werkzeug.serving import make_server

    from custseg.dashboard.app import QuietRequestHandler

    site = Flask(__name__)
    site.add_url_rule("/", "page", lambda: "ok")
    server = make_server("127.0.0.1", 0, site, request_handler=QuietRequestHandler)
    lines = []
    recorder = logging.Handler(level=logging.DEBUG)
    recorder.emit = lambda record: lines.append(record.getMessage())
    log = logging.getLogger("werkzeug")
    log.addHandler(recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        assert requests.get(base + "/", timeout=10).status_code == 200
        assert requests.post(base + "/", timeout=10).status_code == 405
    finally:
        server.shutdown()
        log.removeHandler(recorder)
    assert len(lines) == 1  # the failed request only, not the page
    assert "POST / HTTP/1.1" in lines[0] and lines[0].endswith(" 405 -")
