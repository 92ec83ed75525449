"""The dashboard over HTTP: same keys as the API, a signed session cookie for browsers, pages
rendered from the world's real prediction log, registry and online store."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from monitoring_world import MonitoringWorld

from monitoring.dashboard.session import COOKIE, SessionSigner
from serving.main import create_app


@pytest.fixture(scope="module")
def client(world: MonitoringWorld) -> Iterator[TestClient]:
    with TestClient(create_app(world.settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def signed_in(client: TestClient, world: MonitoringWorld) -> TestClient:
    response = client.post("/dashboard/login", data={"key": world.api_key, "next": "/dashboard"})
    assert response.status_code == 303 and response.headers["location"] == "/dashboard"
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert world.api_key not in cookie  # the key is exchanged, never stored in the browser
    return client


def test_anonymous_browser_is_sent_to_sign_in(client: TestClient) -> None:
    client.cookies.clear()
    response = client.get("/dashboard?model=loan_default")
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/login?next=%2Fdashboard%3Fmodel%3Dloan_default"
    assert client.get("/dashboard", headers={"X-API-Key": "crk_wrong"}).status_code == 401
    page = client.get("/dashboard/login")
    assert page.status_code == 200 and "<form class='login'" in page.text


def test_a_wrong_key_and_a_forged_cookie_are_refused(client: TestClient) -> None:
    client.cookies.clear()
    assert client.post("/dashboard/login", data={"key": "crk_wrong"}).status_code == 401
    forged = SessionSigner().issue("deadbeef", ("admin",))  # signed with another secret
    assert client.get("/dashboard", cookies={COOKIE: forged}).status_code == 303


def test_sign_in_never_redirects_off_the_dashboard(client: TestClient, world: MonitoringWorld) -> None:
    for target in ("https://example.org/", "//example.org/dashboard", "/v1/models"):
        response = client.post("/dashboard/login", data={"key": world.api_key, "next": target})
        assert response.headers["location"] == "/dashboard"
    client.cookies.clear()


def test_portfolio_page(signed_in: TestClient, world: MonitoringWorld) -> None:
    response = signed_in.get("/dashboard")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    page = response.text
    for section in ("overview", "segments", "drift", "versions"):
        assert f"id='{section}'" in page
    scripts = re.findall(r"<script([^>]*)>", page)
    assert scripts and all("src=" in s or 'type="application/json"' in s for s in scripts)  # no inline JS
    for segment in ("vintage", "property_state", "channel"):
        assert f"fig-segment-{segment}" in page
    assert "2019Q1" in page and ">CA<" in page


def test_drill_down_segment_to_entity(signed_in: TestClient, world: MonitoringWorld) -> None:
    segment = signed_in.get(
        "/dashboard/segment", params={"model": "loan_default", "by": "property_state", "value": "CA"}
    )
    assert segment.status_code == 200
    links = re.findall(r'href="(/dashboard/entity\?[^"]+)"', segment.text)
    assert links
    entity = signed_in.get(links[0].replace("&amp;", "&"))
    assert entity.status_code == 200
    page = entity.text
    for section in ("entity", "explanation", "freshness", "features"):
        assert f"id='{section}'" in page
    assert "fig-history" in page and "fig-shap" in page and "explained by the same version" in page
    assert "loan_monthly_performance" in page  # the online store's feature views with their timestamps


def test_unknown_things_are_404(signed_in: TestClient) -> None:
    assert signed_in.get("/dashboard", params={"model": "nope"}).status_code == 404
    assert (
        signed_in.get("/dashboard/entity", params={"model": "loan_default", "id": "F00Q0000000"}).status_code
        == 404
    )
    assert (
        signed_in.get(
            "/dashboard/segment", params={"model": "loan_default", "by": "x", "value": "y"}
        ).status_code
        == 404
    )
    assert signed_in.get("/dashboard/static/secrets.txt").status_code == 404
    assert signed_in.get("/dashboard/static/plotly.min.js").status_code == 200
