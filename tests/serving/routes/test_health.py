"""Liveness, readiness (503 naming what is wrong) and Prometheus metrics."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from serving_world import ServingWorld

from serving.main import create_app


def test_healthz_and_readyz_when_everything_is_up(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "ready": True,
        "checks": {"models": "ok", "online_store": "ok", "prediction_log": "ok"},
    }


def _samples(client: TestClient) -> dict[tuple[str, frozenset], float]:
    from prometheus_client.parser import text_string_to_metric_families

    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(client.get("/metrics").text)
        for sample in family.samples
    }


def test_metrics_count_requests_latency_and_scores(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    """Each request and entity is counted once, on this app only."""
    before = _samples(client)
    scored = client.post(
        "/v1/loans/score", json={"loan_ids": [*world.loans[:3], "F99Q9999999"]}, headers=auth
    )
    assert scored.status_code == 200, scored.text
    empty = client.post("/v1/loans/score", json={"loan_ids": []}, headers=auth)
    assert empty.status_code == 422, empty.text
    after = _samples(client)

    def added(name: str, **labels: str) -> float:
        key = (name, frozenset(labels.items()))
        return after.get(key, 0.0) - before.get(key, 0.0)

    route = {"method": "POST", "route": "/v1/loans/score"}
    assert added("creditrisk_http_requests_total", **route, status="200") == 1.0
    assert added("creditrisk_http_requests_total", **route, status="422") == 1.0
    assert added("creditrisk_http_request_duration_seconds_count", **route) == 2.0
    assert added("creditrisk_entities_scored_total", model="loan_default", status="scored") == 3.0
    assert added("creditrisk_entities_scored_total", model="loan_default", status="not_found") == 1.0
    assert added("creditrisk_score_probability_count", model="loan_default") == 3.0
    assert any(name == "creditrisk_model_info" for name, _ in after)


def test_apps_in_one_process_never_share_counts_even_after_feast_is_imported_first() -> None:
    """Importing Feast first switches prometheus_client to shared file-backed values (its
    feast.metrics sets PROMETHEUS_MULTIPROC_DIR); two apps' counters then became one. A fresh
    interpreter, since the switch happens at import."""
    import subprocess
    import sys

    code = (
        "import feast.feature_store\n"
        "from serving.metrics import ServingMetrics\n"
        "a, b = ServingMetrics(), ServingMetrics()\n"
        "a.requests.labels('POST', '/v1/loans/score', '200').inc()\n"
        "print(b.requests.labels('POST', '/v1/loans/score', '200')._value.get())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "0.0"


def test_unreachable_online_store_is_503_with_the_reason(world: ServingWorld, auth: dict[str, str]) -> None:
    # A real Redis client against a closed port: the store cannot be reached.
    settings = world.settings.model_copy(update={"online_store": "redis", "redis_url": "127.0.0.1:9"})
    with TestClient(create_app(settings, models=world.holder)) as client:
        scored = client.post("/v1/loans/score", json={"loan_ids": world.loans[:2]}, headers=auth)
        assert scored.status_code == 503
        assert "online store unreachable" in scored.json()["detail"]
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert "unreachable" in ready.json()["checks"]["online_store"]


def test_missing_model_is_503_and_named(world: ServingWorld, auth: dict[str, str]) -> None:
    settings = world.settings.model_copy(update={"model_alias": "no_such_alias"})
    with TestClient(create_app(settings)) as client:
        scored = client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth)
        assert scored.status_code == 503
        assert "no_such_alias" in scored.json()["detail"]
        ready = client.get("/readyz").json()
        assert not ready["ready"] and "loan_default" in ready["checks"]["models"]
        listed = client.get("/v1/models", headers=auth).json()
        assert listed["models"] == [] and set(listed["unavailable"]) == {"loan_default", "company_bankruptcy"}


def test_unwritable_prediction_log_is_503_and_recovers(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    log_dir: Path = world.settings.prediction_log_dir
    aside = log_dir.with_name("prediction_log_aside")
    log_dir.rename(aside)
    log_dir.write_text("a file where the log folder should be")  # unwritable even for root
    try:
        refused = client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth)
        assert refused.status_code == 503 and "prediction log" in refused.json()["detail"]
        assert client.get("/readyz").json()["checks"]["prediction_log"] != "ok"
    finally:
        log_dir.unlink()
        aside.rename(log_dir)
    assert client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth).status_code == 200
