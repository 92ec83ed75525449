"""Models from an encrypted bundle instead of the registry; reload keeps a model that fails."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from pydantic import SecretStr
from serving_world import ServingWorld

from serving.main import create_app
from serving.model_holder import ModelHolder, ServedModel


def test_serves_a_model_from_an_encrypted_bundle(
    world: ServingWorld, auth: dict[str, str], tmp_path: Path
) -> None:
    from training.bundle import package_model

    settings = world.settings.model_copy(update={"bundle_key": SecretStr("correct horse battery staple")})
    bundle = tmp_path / "loan_default.bundle"
    manifest = package_model("loan_default", "champion", bundle, settings)
    served = settings.model_copy(update={"model_bundles": str(bundle)})
    with TestClient(create_app(served)) as client:
        models = client.get("/v1/models", headers=auth).json()
        assert [(m["name"], m["version"], m["source"]) for m in models["models"]] == [
            ("loan_default", str(manifest["version"]), "bundle:<path>/loan_default.bundle")
        ]
        scored = client.post("/v1/loans/score", json={"loan_ids": world.loans[:2]}, headers=auth)
        assert scored.status_code == 200
        direct = world.holder.get("loan_default").artifact
        assert scored.json()["results"][0]["status"] == "scored"
        assert direct.threshold == scored.json()["results"][0]["threshold"]
    wrong_key = served.model_copy(update={"bundle_key": SecretStr("wrong")})
    with TestClient(create_app(wrong_key)) as client:
        refused = client.post("/v1/loans/score", json={"loan_ids": world.loans[:1]}, headers=auth)
        assert refused.status_code == 503
        assert client.get("/readyz").status_code == 503


def test_a_model_that_fails_to_reload_keeps_serving(world: ServingWorld) -> None:
    loaded = world.holder.get("loan_default")
    answers = [({"loan_default": loaded}, {}), ({}, {"loan_default": "registry unreachable"})]
    holder = ModelHolder(world.settings, loader=lambda _settings: answers.pop(0))
    holder.load()
    holder.load()
    kept: ServedModel = holder.get("loan_default")
    assert kept is loaded
    assert "still serving version" in holder.errors["loan_default"]
