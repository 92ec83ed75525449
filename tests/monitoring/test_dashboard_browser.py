"""The dashboard in Debian's headless Chromium, served by uvicorn: sign in with a key, every figure
drawn, click from the portfolio to a segment to one loan's explanation, no console error.

``CREDITRISK_UPDATE_SCREENSHOT=1`` refreshes ``docs/img/dashboard.png`` and
``docs/img/dashboard_entity.png`` from this run.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import uvicorn
from monitoring_world import MonitoringWorld

from creditrisk.settings import PROJECT_ROOT
from monitoring.drift import DriftOptions, drift_report
from monitoring.report import write_drift_report
from serving.main import create_app
from tests.analysis_report.chromium import CHROMIUM, Chromium  # the report tests' CDP client

SCREENSHOTS = PROJECT_ROOT / "docs" / "img"
PORTS = range(18300, 18400)  # this area's ports
READY = """new Promise(done => { const t0 = Date.now(); (function poll() {
  if (document.body && document.body.dataset.figures === 'ready') return done(true);
  if (Date.now() - t0 > 30000) return done(false); setTimeout(poll, 100); })(); })"""
DRAWN = """Array.from(document.querySelectorAll('div.figure')).map(div => ({
  id: div.id, traces: div.querySelectorAll('.trace').length,
  height: div.getBoundingClientRect().height }))"""


def _port() -> int:
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 18300-18399")


@pytest.fixture(scope="module")
def base_url(world: MonitoringWorld) -> Iterator[str]:
    """The real app under uvicorn in a thread (the browser needs a socket), with a drift report."""
    traffic = world.traffic
    options = DriftOptions(
        window=traffic.b_end - traffic.b_start + timedelta(milliseconds=1), end=traffic.b_end
    )
    write_drift_report(drift_report("loan_default", world.settings, options), world.settings.reports_dir)
    port = _port()
    config = uvicorn.Config(create_app(world.settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 120
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Chromium]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    with Chromium(width=1280, height=900) as chromium:
        yield chromium


def _follow(browser: Chromium, script: str) -> None:
    browser.events = []
    browser.evaluate(script)
    browser.wait_for("Page.loadEventFired")


def _assert_drawn(browser: Chromium, expected: set[str]) -> None:
    assert browser.evaluate(READY) is True, "figures never finished drawing"
    drawn = {f["id"]: f for f in browser.evaluate(DRAWN)}
    assert expected <= set(drawn), drawn
    assert all(f["traces"] > 0 and f["height"] > 100 for f in drawn.values()), drawn
    assert browser.console_errors() == []


def test_sign_in_and_click_from_portfolio_to_one_loans_explanation(
    browser: Chromium, base_url: str, world: MonitoringWorld
) -> None:
    browser.open(f"{base_url}/dashboard")
    assert browser.evaluate("location.pathname") == "/dashboard/login"
    fill = f"document.getElementById('key').value = {world.api_key!r};"
    _follow(browser, fill + " document.getElementById('sign-in').click()")
    assert browser.evaluate("location.pathname") == "/dashboard"
    _assert_drawn(browser, {"fig-scores", "fig-over-time", "fig-segment-property_state", "fig-drift"})
    assert "drift" in browser.evaluate("document.querySelector('#drift .cards').textContent")
    if os.environ.get("CREDITRISK_UPDATE_SCREENSHOT") == "1":
        browser.screenshot(SCREENSHOTS / "dashboard.png", clip_height=1500)

    _follow(browser, "document.querySelector('#segment-property_state a').click()")
    assert browser.evaluate("location.pathname") == "/dashboard/segment"
    _assert_drawn(browser, {"fig-segment-scores"})

    _follow(browser, "document.querySelector('#entities table a').click()")
    assert browser.evaluate("location.pathname") == "/dashboard/entity"
    _assert_drawn(browser, {"fig-history", "fig-shap"})
    rows = browser.evaluate("document.querySelectorAll('#explanation tbody tr').length")
    assert rows >= 3
    assert browser.evaluate("document.querySelector('#freshness table') !== null")
    if os.environ.get("CREDITRISK_UPDATE_SCREENSHOT") == "1":
        browser.screenshot(SCREENSHOTS / "dashboard_entity.png", clip_height=1300)
