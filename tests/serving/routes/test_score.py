"""Scoring by id and by supplied features, against the real Feast online store and MLflow models."""

from __future__ import annotations

import math

import numpy as np
import pytest
from fastapi.testclient import TestClient
from serving_world import STALE_LOAN, ServingWorld

from creditrisk.features import online_features


def _score(client: TestClient, auth: dict[str, str], ids: list[str]) -> dict:
    response = client.post("/v1/loans/score", json={"loan_ids": ids}, headers=auth)
    assert response.status_code == 200, response.text
    return response.json()


def test_loans_get_calibrated_probability_decision_and_additive_explanation(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    ids = world.loans[:6]
    body = _score(client, auth, ids)
    model = world.holder.get("loan_default")
    features = online_features(world.settings, "loan_default", ids)
    expected = model.artifact.predict_proba(features[model.feature_names])
    assert body["model"] == {"name": "loan_default", "version": model.version}
    assert [r["id"] for r in body["results"]] == ids
    for result, probability, (_, row) in zip(body["results"], expected, features.iterrows(), strict=True):
        assert result["status"] == "scored"
        assert result["probability"] == pytest.approx(probability, abs=1e-9)
        assert result["threshold"] == pytest.approx(model.threshold)
        assert result["risk"] == int(probability >= model.threshold)
        explanation = result["explanation"]
        top = explanation["top_contributions"]
        assert len(top) == world.settings.explain_top_k
        sizes = [abs(c["contribution"]) for c in top]
        assert sizes == sorted(sizes, reverse=True)
        total = (
            explanation["base_value"]
            + sum(c["contribution"] for c in top)
            + explanation["other_contributions"]
        )
        assert total == pytest.approx(explanation["output_value"], abs=1e-9)
        assert explanation["output_space"] == "log_odds"
        assert 1 / (1 + math.exp(-explanation["output_value"])) == pytest.approx(probability, abs=1e-9)
        for contribution in top:
            value = row[contribution["feature"]]
            assert contribution["value"] == (None if value is None or value != value else value)
        freshness = result["freshness"]
        assert set(freshness["feature_timestamps"]) == {"loan_origination", "loan_monthly_performance"}
        assert freshness["stale"] is False


def test_unknown_ids_are_not_found_and_the_rest_is_scored(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    ids = [world.loans[0], "F99Q9999999", world.loans[1], "F99Q9999999"]
    results = _score(client, auth, ids)["results"]
    assert [r["status"] for r in results] == ["scored", "not_found", "scored", "not_found"]
    assert results[1]["probability"] is None and results[1]["explanation"] is None


def test_features_older_than_the_ttl_are_flagged_stale(client: TestClient, auth: dict[str, str]) -> None:
    (result,) = _score(client, auth, [STALE_LOAN])["results"]
    assert result["status"] == "scored"
    freshness = result["freshness"]
    # Feast's online store serves a value past its view's TTL; the answer says so.
    assert freshness["feature_timestamps"]["loan_monthly_performance"] is not None
    assert freshness["stale"] is True and freshness["stale_views"] == ["loan_monthly_performance"]
    assert freshness["ttl_seconds"]["loan_monthly_performance"] == 75 * 86_400


def test_companies_are_scored_by_their_own_model(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post("/v1/companies/score", json={"company_ids": world.companies[:3]}, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"]["name"] == "company_bankruptcy"
    assert all(r["status"] == "scored" and 0 < r["probability"] < 1 for r in body["results"])
    assert set(body["results"][0]["freshness"]["feature_timestamps"]) == {"company_financials"}


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({}, ["body", "loan_ids"]),
        ({"loan_ids": []}, ["body", "loan_ids"]),
        ({"loan_ids": [f"F{i}" for i in range(1001)]}, ["body", "loan_ids"]),
        ({"loan_ids": ["F1", ""]}, ["body", "loan_ids", 1]),
        ({"loan_ids": "F1"}, ["body", "loan_ids"]),
        ({"loan_ids": ["F1", 7]}, ["body", "loan_ids", 1]),
        ({"loan_ids": ["F1"], "extra": 1}, ["body", "extra"]),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    client: TestClient, auth: dict[str, str], body: dict, loc: list
) -> None:
    response = client.post("/v1/loans/score", json=body, headers=auth)
    assert response.status_code == 422
    assert loc in [error["loc"] for error in response.json()["detail"]]


def test_malformed_json_is_422_not_500(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/v1/loans/score", content=b'{"loan_ids": [', headers={**auth, "content-type": "application/json"}
    )
    assert response.status_code == 422


def test_supplied_features_score_like_the_online_path(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    ids = world.loans[2:5]
    model = world.holder.get("loan_default")
    frame = online_features(world.settings, "loan_default", ids)[model.feature_names]
    rows = [
        {
            "id": i,
            "features": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()},
        }
        for i, r in zip(ids, frame.to_dict(orient="records"), strict=True)
    ]
    supplied = client.post("/v1/loan_default/score-features", json={"rows": rows}, headers=auth)
    assert supplied.status_code == 200, supplied.text
    online = _score(client, auth, ids)
    for a, b in zip(supplied.json()["results"], online["results"], strict=True):
        assert a["probability"] == pytest.approx(b["probability"], abs=1e-12)
        ea, eb = a["explanation"], b["explanation"]
        assert ea["output_value"] == pytest.approx(eb["output_value"], abs=1e-9)
        assert [c["feature"] for c in ea["top_contributions"]] == [
            c["feature"] for c in eb["top_contributions"]
        ]
        assert a["freshness"] is None


def test_supplied_features_are_validated_against_the_model_schema(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    model = world.holder.get("loan_default")
    numeric = next(n for n, t in model.feature_types.items() if t == "float")
    text = next(n for n, t in model.feature_types.items() if t == "str")
    features = {name: None for name in model.feature_names}
    huge = next(n for n, t in model.feature_types.items() if t in ("float", "int") and n != numeric)
    features.update({numeric: "high", text: 3, huge: 10**400, "not_a_feature": 1.0})
    missing = (
        model.feature_names[0] if model.feature_names[0] not in (numeric, text) else model.feature_names[1]
    )
    del features[missing]
    response = client.post(
        "/v1/loan_default/score-features", json={"rows": [{"id": "x", "features": features}]}, headers=auth
    )
    assert response.status_code == 422
    locs = {tuple(e["loc"]) for e in response.json()["detail"]}
    base = ("body", "rows", 0, "features")
    assert {
        (*base, numeric),
        (*base, text),
        (*base, huge),
        (*base, "not_a_feature"),
        (*base, missing),
    } <= locs


def test_supplied_features_for_an_unknown_model_are_404(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/v1/no_such_model/score-features", json={"rows": [{"id": "x", "features": {}}]}, headers=auth
    )
    assert response.status_code == 404 and "loan_default" in response.json()["detail"]


def test_missing_or_wrong_api_key_is_401(world: ServingWorld, client: TestClient) -> None:
    body = {"loan_ids": world.loans[:1]}
    missing = client.post("/v1/loans/score", json=body)
    wrong = client.post("/v1/loans/score", json=body, headers={"X-API-Key": world.api_key + "x"})
    digest_instead_of_key = client.post(
        "/v1/loans/score", json=body, headers={"X-API-Key": world.settings.api_keys.split(",")[0]}
    )
    assert missing.status_code == wrong.status_code == digest_instead_of_key.status_code == 401
    assert "X-API-Key" in missing.json()["detail"]


def test_a_requests_log_records_are_chained_once_its_answer_is_sent(
    world: ServingWorld, client: TestClient, auth: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways in (the fast lane for score-by-id, FastAPI's route for supplied features) hand
    the prediction log one request's worth of records to chain after the body, not to the
    writer's 20 ms cycle (docs/serving.md, "Speed")."""
    log = client.app.state.serving.log
    calls: list[int] = []
    chain = log.chain_pending
    monkeypatch.setattr(log, "chain_pending", lambda most: (calls.append(most), chain(most)))
    _score(client, auth, world.loans[:3])
    model = world.holder.get("loan_default")
    frame = online_features(world.settings, "loan_default", world.loans[:2])[model.feature_names]
    rows = [
        {
            "id": i,
            "features": {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in r.items()},
        }
        for i, r in zip(world.loans[:2], frame.to_dict(orient="records"), strict=True)
    ]
    response = client.post("/v1/loan_default/score-features", json={"rows": rows}, headers=auth)
    assert response.status_code == 200, response.text
    # (whether a call chained or left its records to a writer mid-flush is timing: not asserted)
    assert calls == [3, 2]
