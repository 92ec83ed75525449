"""Open the report in Debian's headless Chromium: every section renders, no console errors, no network.

Chromium is installed by ``make browser`` (a dependency of ``make test``). Set
``CREDITRISK_UPDATE_SCREENSHOT=1`` to refresh the README's screenshot from this run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analysis import ReportSummary
from analysis.render import SECTION_TITLES
from creditrisk.settings import PROJECT_ROOT

from .chromium import CHROMIUM, Chromium

SCREENSHOT = PROJECT_ROOT / "docs" / "img" / "analysis_report.png"

#: Per plotly div: did Plotly draw it (it adds .js-plotly-plot and an SVG with the traces)?
RENDERED = """
Array.from(document.querySelectorAll('.plotly-graph-div')).map(div => ({
  id: div.id,
  drawn: div.classList.contains('js-plotly-plot') && div.querySelectorAll('svg.main-svg').length > 0
         && div.querySelectorAll('.trace, .hm, .heatmaplayer image').length > 0,
  height: div.getBoundingClientRect().height,
}))
"""
SECTIONS = """
Array.from(document.querySelectorAll('section.report-section')).map(s => ({
  id: s.id, heading: s.querySelector('h2').textContent, height: s.getBoundingClientRect().height,
}))
"""


@pytest.fixture(scope="module")
def browser() -> Chromium:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (installs Debian's chromium)")
    with Chromium(width=1280, height=900) as chromium:
        yield chromium


def test_report_renders_in_headless_chromium(browser: Chromium, built_report: ReportSummary) -> None:
    browser.page("Network.enable")
    browser.open(Path(built_report.path).resolve().as_uri())
    # Plotly draws synchronously on load for these figures; wait for the last one to be safe.
    browser.evaluate(
        "new Promise(done => { const t0 = Date.now(); (function poll() {"
        " const divs = document.querySelectorAll('.plotly-graph-div');"
        " if (Array.from(divs).every(d => d.classList.contains('js-plotly-plot')) || Date.now() - t0 > 20000)"
        " return done(true); setTimeout(poll, 100); })(); })"
    )

    sections = browser.evaluate(SECTIONS)
    assert [s["id"] for s in sections] == list(SECTION_TITLES)
    assert [s["heading"] for s in sections] == list(SECTION_TITLES.values())
    assert all(s["height"] > 80 for s in sections), sections

    figures = browser.evaluate(RENDERED)
    assert len(figures) >= 12
    not_drawn = [f["id"] for f in figures if not f["drawn"] or f["height"] < 100]
    assert not not_drawn, f"figures not rendered: {not_drawn}"

    assert browser.console_errors() == []
    requests = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert requests and all(url.startswith(("file:", "data:", "blob:")) for url in requests), requests

    if os.environ.get("CREDITRISK_UPDATE_SCREENSHOT") == "1":
        browser.screenshot(SCREENSHOT, clip_height=1900)
        assert SCREENSHOT.stat().st_size < 500_000


def test_a_script_error_would_be_caught(browser: Chromium, tmp_path: Path) -> None:
    """The console check is live: a page with an error is reported."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>console.error('boom'); notDefined();</script></body></html>")
    browser.open(page.as_uri())
    errors = browser.console_errors()
    assert any("boom" in e for e in errors) and any("notDefined" in e for e in errors)
