"""``GET /v1/models``: what is served, with its schema and threshold."""

from __future__ import annotations

from fastapi.testclient import TestClient
from serving_world import ServingWorld


def test_lists_loaded_models_with_schema(
    world: ServingWorld, client: TestClient, auth: dict[str, str]
) -> None:
    response = client.get("/v1/models", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert body["unavailable"] == {}
    by_name = {m["name"]: m for m in body["models"]}
    assert set(by_name) == {"loan_default", "company_bankruptcy"}
    loan = by_name["loan_default"]
    served = world.holder.get("loan_default")
    assert loan["version"] == served.version and loan["source"] == "models:/loan_default@champion"
    assert loan["feature_service"] == "loan_default_v1" and loan["entity_key"] == "loan_id"
    assert loan["features"] == served.feature_names and loan["threshold"] == served.threshold
    assert set(loan["feature_types"].values()) <= {"float", "int", "str"}


def test_needs_an_api_key(client: TestClient) -> None:
    assert client.get("/v1/models").status_code == 401
