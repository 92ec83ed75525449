"""Every scored entity reaches the hash-chained prediction log, with what it was scored on."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from serving_world import ServingWorld

from serving.main import create_app
from serving.prediction_log import read_log, verify_log


def test_every_scored_entity_is_logged_and_chained(world: ServingWorld, auth: dict[str, str]) -> None:
    ids = [*world.loans[10:13], "F99Q9999999"]
    with TestClient(create_app(world.settings, models=world.holder)) as client:
        loans = client.post(
            "/v1/loans/score", json={"loan_ids": ids}, headers={**auth, "X-Request-ID": "log-test-loans"}
        ).json()
        companies = client.post(
            "/v1/companies/score",
            json={"company_ids": world.companies[:2]},
            headers={**auth, "X-Request-ID": "log-test-companies"},
        ).json()
    # Leaving the client ran the shutdown, which flushed the log.
    log = read_log(world.settings.prediction_log_dir)
    mine = log[log["request_id"] == "log-test-loans"]
    assert list(mine["entity_id"]) == ids[:3]  # the unknown id was not scored, so not logged
    model = world.holder.get("loan_default")
    for (_, record), result in zip(mine.iterrows(), loans["results"][:3], strict=True):
        assert record["probability"] == result["probability"]
        assert record["decision"] == result["risk"] and record["threshold"] == result["threshold"]
        assert record["model_name"] == "loan_default" and record["model_version"] == model.version
        assert set(json.loads(record["features"])) == set(model.feature_names)
        assert record["latency_ms"] > 0 and record["scored_at"].tzinfo is not None
    assert set(log[log["request_id"] == "log-test-companies"]["entity_id"]) == {
        r["id"] for r in companies["results"]
    }
    report = verify_log(world.settings.prediction_log_dir)
    assert report.ok, report.problem
    assert report.records == len(log)
