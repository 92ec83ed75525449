"""Limits and hardening of the real app: body size, per-key rate limit, deadline, security headers,
constant-time key checks, scopes, and no key, path or stack trace in any answer or log line."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serving_world import ServingWorld

from serving.auth import ApiKeyVerifier, digest_key, mint_api_key
from serving.features import FeastOnlineSource, FeatureLookup
from serving.main import create_app
from serving.model_holder import ServedModel
from serving.security import SECURITY_HEADERS


def _client(world: ServingWorld, **settings: object) -> TestClient:
    return TestClient(create_app(world.settings.model_copy(update=settings), models=world.holder))


def test_bodies_over_the_limit_are_413_whether_declared_or_streamed(
    world: ServingWorld, auth: dict[str, str]
) -> None:
    with _client(world, max_body_bytes=2_000) as client:
        ok = client.post("/v1/loans/score", json={"loan_ids": world.loans[:3]}, headers=auth)
        assert ok.status_code == 200
        big = {"loan_ids": [f"F20Q1{i:07d}" for i in range(200)]}  # ~3.4 kB
        declared = client.post("/v1/loans/score", json=big, headers=auth)
        assert declared.status_code == 413 and "over the limit of 2000 bytes" in declared.json()["detail"]
        chunks = iter([b'{"loan_ids": [', b'"F20Q10000001", ' * 200, b'"F20Q10000002"]}'])
        streamed = client.post(
            "/v1/loans/score", content=chunks, headers={**auth, "content-type": "application/json"}
        )
        assert streamed.status_code == 413 and "over the limit" in streamed.json()["detail"]


def test_each_key_is_rate_limited_with_retry_after_and_probes_are_not(world: ServingWorld) -> None:
    admin = {"X-API-Key": world.admin_key}
    scoring = {"X-API-Key": world.api_key}
    with _client(world, rate_limit_per_second=0.5, rate_limit_burst=3) as client:
        answers = [client.get("/v1/models", headers=scoring).status_code for _ in range(4)]
        assert answers == [200, 200, 200, 429]
        limited = client.get("/v1/models", headers=scoring)
        assert limited.status_code == 429 and "rate limit" in limited.json()["detail"]
        assert int(limited.headers["Retry-After"]) == 2  # one token back at 0.5/s
        assert client.get("/v1/models", headers=admin).status_code == 200  # its own bucket
        assert {client.get("/healthz").status_code for _ in range(20)} == {200}
        assert {client.get("/readyz").status_code for _ in range(10)} == {200}


class SlowSource:
    """The real online store, answering late (a store that hangs)."""

    def __init__(self, inner: FeastOnlineSource, delay: float) -> None:
        self.inner, self.delay = inner, delay

    def fetch(self, model: ServedModel, ids: list[str]) -> FeatureLookup:
        time.sleep(self.delay)
        return self.inner.fetch(model, ids)

    def ping(self) -> None:
        self.inner.ping()


def test_a_request_past_its_deadline_is_504(world: ServingWorld, auth: dict[str, str]) -> None:
    settings = world.settings.model_copy(update={"request_timeout_seconds": 0.3})
    source = SlowSource(FeastOnlineSource(settings), delay=1.0)
    with TestClient(create_app(settings, models=world.holder, features=source)) as client:
        # more than INLINE_MAX_ENTITIES ids: scored in the thread pool, so the deadline can fire
        late = client.post("/v1/loans/score", json={"loan_ids": world.loans[:20]}, headers=auth)
        assert late.status_code == 504 and "longer than 0.3 s" in late.json()["detail"]
        assert client.get("/healthz").status_code == 200


def test_every_answer_carries_the_security_headers(world: ServingWorld, auth: dict[str, str]) -> None:
    unknown_model = {"rows": [{"id": "x", "features": {}}]}
    with _client(world, max_body_bytes=10_000) as client:
        answers = [
            client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth),  # 200
            client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}),  # 401
            client.post("/v1/nope/score-features", json=unknown_model, headers=auth),  # 404
            client.post("/v1/loans/score", json={"loan_ids": []}, headers=auth),  # 422
            client.post("/v1/loans/score", content=b"x" * 20_000, headers=auth),  # 413
            client.get("/healthz"),
            client.get("/no/such/path"),  # 404
        ]
        assert [a.status_code for a in answers] == [200, 401, 404, 422, 413, 200, 404]
        for answer in answers:
            for name, value in SECURITY_HEADERS:
                assert answer.headers[name.decode()] == value.decode(), (answer.status_code, name)
            assert "default-src 'none'" in answer.headers["content-security-policy"]


def test_keys_are_compared_in_constant_time_against_every_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = [mint_api_key() for _ in range(3)]
    verifier = ApiKeyVerifier.from_setting(",".join(entry for _, entry in keys))
    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: str, b: str) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    for presented in (keys[0][0], keys[2][0], "crk_not_a_key"):
        compared.clear()
        verifier.verify(presented)
        # the digest is what is compared, with every configured digest, whether one matched or not
        assert [a for a, _ in compared] == [digest_key(presented)] * 3
        assert {b for _, b in compared} == {entry for _, entry in keys}


def test_the_admin_scope_cannot_be_reached_with_a_scoring_key(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    admin_ops = [
        (method, path)
        for path, item in client.get("/openapi.json").json()["paths"].items()
        if path.startswith("/v1/admin/")
        for method in item
    ]
    assert admin_ops
    for method, path in admin_ops:
        assert client.request(method, path).status_code == 401
        refused = client.request(method, path, headers=auth)
        assert refused.status_code == 403 and "admin scope" in refused.json()["detail"]
        assert (
            client.request(method, path, headers={"X-API-Key": auth["X-API-Key"] + ":admin"}).status_code
            == 401
        )


class BrokenSource:
    """An online store failing with a message that names a server path (as OSErrors do)."""

    def __init__(self, where: Path) -> None:
        self.where = where

    def fetch(self, model: ServedModel, ids: list[str]) -> FeatureLookup:
        raise RuntimeError(f"cannot open {self.where}/feast/online_store.db")

    def ping(self) -> None:
        raise OSError(f"[Errno 2] No such file or directory: '{self.where}/feast/online_store.db'")


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.INFO):
        yield caplog


def test_no_key_path_or_stack_trace_in_any_answer_or_log_line(
    world: ServingWorld, auth: dict[str, str], logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    root = str(world.settings.data_root)
    missing_bundle = tmp_path / "deep" / "folder" / "loan_default.bundle"
    answers = []
    with TestClient(
        create_app(world.settings, models=world.holder, features=BrokenSource(world.settings.data_root)),
        raise_server_exceptions=False,
    ) as client:
        answers.append(client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth))
        answers.append(
            client.post("/v1/loans/score", json={"loan_ids": ["x"]}, headers={"X-API-Key": "crk_guess"})
        )
    assert answers[0].status_code == 500 and answers[0].json()["detail"].startswith("internal error")
    bundles = world.settings.model_copy(update={"model_bundles": str(missing_bundle)})
    with TestClient(create_app(bundles)) as client:
        answers.append(client.get("/readyz"))
        answers.append(client.get("/v1/models", headers=auth))
        answers.append(client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth))
    assert [a.status_code for a in answers] == [500, 401, 503, 200, 503]
    assert "loan_default.bundle" in answers[2].text  # the reason is kept, the folders are not
    texts = [a.text for a in answers] + [r.getMessage() for r in logs.records]
    assert any("RuntimeError" in r.getMessage() for r in logs.records)
    assert any("loan_default.bundle" in r.getMessage() for r in logs.records)
    for text in texts:
        assert root not in text and str(tmp_path) not in text, text
        assert world.api_key not in text and "crk_guess" not in text, text
        assert "Traceback" not in text, text
    assert all(r.exc_info is None and not r.exc_text for r in logs.records if r.levelno > logging.DEBUG)


def test_injection_in_ids_and_feature_names_finds_nothing_and_breaks_nothing(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    payloads = [
        "' OR '1'='1",
        f"{world.loans[0]}' --",
        "F20Q1*",  # a Redis glob
        "%",  # a SQL LIKE wildcard
        "../../etc/passwd",
        '{"$ne": null}',
        "\u0000" + world.loans[0],
    ]
    scored = client.post("/v1/loans/score", json={"loan_ids": payloads}, headers=auth)
    assert scored.status_code == 200
    assert [r["status"] for r in scored.json()["results"]] == ["not_found"] * len(payloads)
    model = world.holder.get("loan_default")
    row = {name: None for name in model.feature_names} | {"x'; DROP TABLE loans; --": 1}
    rows = {"rows": [{"id": "a", "features": row}]}
    refused = client.post("/v1/loan_default/score-features", json=rows, headers=auth)
    assert refused.status_code == 422 and "not a feature of this model" in refused.text
    assert client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth).status_code == 200


def test_answers_are_no_store_unless_the_route_sets_its_own_cache_control() -> None:
    """The dashboard's static plotly.js says max-age; a second, contradicting no-store would make
    browsers fetch its 4.8 MB on every page."""
    from fastapi import FastAPI, Response

    from serving.security import SecurityMiddleware

    app = FastAPI()

    @app.get("/plain")
    def plain() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/cached")
    def cached() -> Response:
        return Response("x", headers={"Cache-Control": "max-age=3600"})

    app.add_middleware(SecurityMiddleware, max_body_bytes=1000, timeout_seconds=5)
    with TestClient(app) as client:
        assert client.get("/plain").headers.get_list("cache-control") == ["no-store"]
        assert client.get("/cached").headers.get_list("cache-control") == ["max-age=3600"]
        assert client.get("/cached").headers["x-content-type-options"] == "nosniff"
