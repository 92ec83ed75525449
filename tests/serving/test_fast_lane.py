"""The score routes' fast lane answers exactly as FastAPI's routes do.

The same requests go to the app and to the same app without the lane (FastAPI's routes alone), on
the same data: status, body (but the request id FastAPI mints when the caller sends none), every
header, the metrics each request adds, the prediction log's records, and the rate limiter's
charge. Requests the lane does not take (bad bodies, keys, content types) must reach FastAPI
unchanged, which the equal error answers show.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from serving_world import STALE_LOAN, ServingWorld, copy_world

from creditrisk.settings import Settings
from serving.api import fast_lane
from serving.api.fast_lane import ScoreFastLane
from serving.api.routes.score import scored
from serving.main import create_app
from serving.prediction_log import LogUnavailableError, read_log


@contextmanager
def _client(world: ServingWorld, settings: Settings, lane: bool) -> Iterator[TestClient]:
    app = create_app(settings, models=world.holder)
    if not lane:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not ScoreFastLane]
    else:
        assert any(m.cls is ScoreFastLane for m in app.user_middleware)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _requests(world: ServingWorld) -> list[tuple[str, dict, bytes]]:
    key = {"X-API-Key": world.api_key, "X-Request-ID": "req-1"}
    js = {**key, "content-type": "application/json"}
    loans = world.loans
    return [
        ("/v1/loans/score", js, json.dumps({"loan_ids": [loans[0]]}).encode()),
        ("/v1/loans/score", js, json.dumps({"loan_ids": [*loans[:3], "F99Q9999999", STALE_LOAN]}).encode()),
        ("/v1/loans/score", js, json.dumps({"loan_ids": loans[:12]}).encode()),  # the thread pool
        # a company's features age by the second (statement age in days): an unknown id only
        ("/v1/companies/score", js, json.dumps({"company_ids": ["nope", "C99"]}).encode()),
        ("/v1/loans/score", js, b'{"loan_ids": []}'),  # 422
        ("/v1/loans/score", js, b'{"loan_ids": ["a"], "extra": 1}'),  # 422
        ("/v1/loans/score", js, b'{"loan_ids": [" "]}'),  # 422: blank id
        ("/v1/loans/score", js, b'{"loan_ids": [1]}'),  # 422
        ("/v1/loans/score", js, b"{not json"),  # not JSON
        ("/v1/loans/score", js, b""),  # 422
        ("/v1/loans/score", {**js, "X-API-Key": "wrong"}, json.dumps({"loan_ids": [loans[0]]}).encode()),
        (
            "/v1/loans/score",
            {"content-type": "application/json"},
            json.dumps({"loan_ids": [loans[0]]}).encode(),
        ),
        (
            "/v1/loans/score",
            {**key, "content-type": "text/plain"},
            json.dumps({"loan_ids": [loans[0]]}).encode(),
        ),
        ("/v1/loans/score", {**js, "X-Request-ID": "bad id!"}, json.dumps({"loan_ids": [loans[1]]}).encode()),
        ("/v1/companies/score", js, json.dumps({"loan_ids": [loans[0]]}).encode()),  # wrong field: 422
    ]


def _answers(client: TestClient, requests: list[tuple[str, dict, bytes]]) -> list[tuple]:
    out = []
    for path, headers, body in requests:
        response = client.post(path, content=body, headers=headers)
        payload = response.json()
        if headers.get("X-Request-ID") == "bad id!" and response.status_code == 200:
            assert len(payload.pop("request_id")) == 32  # a fresh one either way
        out.append((response.status_code, payload, sorted(response.headers.items())))
    return out


def _metrics(client: TestClient) -> list[str]:
    text = client.get("/metrics").text
    return sorted(
        line
        for line in text.splitlines()
        if line.startswith(("creditrisk_http_requests_total", "creditrisk_entities_scored_total"))
        and "/metrics" not in line
    )


def _records(settings: Settings) -> list[dict]:
    """The log's records without what differs run to run (times, hashes, minted request ids)."""
    log = read_log(settings.prediction_log_dir)
    log["request_id"] = log["request_id"].where(log["request_id"] == "req-1", "minted")
    keep = ["request_id", "model_name", "model_version", "entity_id", "features", "probability", "decision"]
    return log[keep].to_dict("records")


def test_the_lane_answers_as_fastapi_does(
    world: ServingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    requests = _requests(world)
    taken: list[str] = []

    async def counted(score, state, model, items, request_id):  # type: ignore[no-untyped-def]
        taken.append(model)
        return await scored(score, state, model, items, request_id)

    monkeypatch.setattr(fast_lane, "scored", counted)
    results = {}
    for lane in (True, False):
        settings = copy_world(world, tmp_path / f"lane-{lane}")
        with _client(world, settings, lane) as client:
            answers = _answers(client, requests)
            metrics = _metrics(client)
        results[lane] = (answers, metrics, _records(settings))
    for (status, body, headers), (status_api, body_api, headers_api), request in zip(
        results[True][0], results[False][0], requests, strict=True
    ):
        assert (status, body) == (status_api, body_api), request
        assert headers == headers_api, request
    statuses = [answer[0] for answer in results[True][0]]
    assert statuses.count(200) == 5 and {401, 422} <= set(statuses)
    assert {"scored", "not_found"} <= {r["status"] for a in results[True][0][:4] for r in a[1]["results"]}
    assert results[True][1] == results[False][1]  # the same counts by route and status
    assert results[True][2] == results[False][2]  # the same log records
    assert len(results[True][2]) > 10
    assert len(taken) == 5  # every valid request went through the lane, and only those


@pytest.mark.parametrize("lane", [True, False])
def test_the_rate_limit_is_charged_once_per_request(world: ServingWorld, tmp_path: Path, lane: bool) -> None:
    settings = copy_world(world, tmp_path / "limited", rate_limit_per_second=0.001, rate_limit_burst=2)
    headers = {"X-API-Key": world.api_key, "content-type": "application/json"}
    good = json.dumps({"loan_ids": [world.loans[0]]}).encode()
    with _client(world, settings, lane) as client:
        bad = client.post("/v1/loans/score", content=b'{"loan_ids": []}', headers=headers)
        first = client.post("/v1/loans/score", content=good, headers=headers)
        limited = client.post("/v1/loans/score", content=good, headers=headers)
    assert (bad.status_code, first.status_code, limited.status_code) == (422, 200, 429)
    assert limited.headers["retry-after"].isdigit()
    assert limited.json()["detail"].startswith("rate limit of this API key exceeded; retry in")


def test_an_unavailable_log_is_the_apps_503(
    world: ServingWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = copy_world(world, tmp_path / "nolog")
    headers = {"X-API-Key": world.api_key, "content-type": "application/json"}
    body = json.dumps({"loan_ids": [world.loans[0]]}).encode()

    def unwritable() -> None:
        raise LogUnavailableError(f"prediction log folder {settings.prediction_log_dir} is not writable")

    answers = {}
    for lane in (True, False):
        with _client(world, settings, lane) as client:
            monkeypatch.setattr(client.app.state.serving.log, "check", unwritable)
            response = client.post("/v1/loans/score", content=body, headers=headers)
            answers[lane] = (response.status_code, response.json(), sorted(response.headers.items()))
    assert answers[True] == answers[False]
    assert answers[True][0] == 503
    assert answers[True][1] == {"detail": "prediction log folder <path>/prediction_log is not writable"}
