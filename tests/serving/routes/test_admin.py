"""Model reload without downtime: admin endpoint and SIGHUP, on a real uvicorn process."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
from fastapi.testclient import TestClient
from mlflow import MlflowClient
from serving_world import ServingWorld

from serving.launch import running_server

ALIAS = "serving_reload_test"


def test_reload_needs_the_admin_scope(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/v1/admin/reload").status_code == 401
    forbidden = client.post("/v1/admin/reload", headers=auth)
    assert forbidden.status_code == 403 and "admin" in forbidden.json()["detail"]


def _new_version(name: str, alias: str) -> str:
    """A new registered version of the current champion's artefact, given ``alias``."""
    registry = MlflowClient()
    champion = registry.get_model_version_by_alias(name, "champion")
    created = registry.create_model_version(name, champion.source, run_id=champion.run_id)
    for _ in range(100):
        if registry.get_model_version(name, created.version).status == "READY":
            break
        time.sleep(0.05)
    registry.set_registered_model_alias(name, alias, created.version)
    return str(created.version)


def test_reload_swaps_models_without_failing_a_request(world: ServingWorld) -> None:
    from training.registry import configure_tracking

    configure_tracking(world.settings)
    first = _new_version("loan_default", ALIAS)
    env = {
        "CREDITRISK_DATA_DIR": str(world.settings.data_root),
        "CREDITRISK_API_KEYS": world.settings.api_keys,
        "CREDITRISK_MODEL_ALIAS": ALIAS,
        "CREDITRISK_SERVE_MODELS": "loan_default",
        "CREDITRISK_RATE_LIMIT_PER_SECOND": "0",  # the hammer runs flat out; limits are tested elsewhere
    }
    statuses: list[int] = []
    versions: list[str] = []
    stop = threading.Event()

    def hammer(base_url: str) -> None:
        with httpx.Client(base_url=base_url, headers={"X-API-Key": world.api_key}, timeout=30) as http:
            while not stop.is_set():
                response = http.post("/v1/loans/score", json={"loan_ids": world.loans[:2]})
                statuses.append(response.status_code)
                if response.status_code == 200:
                    versions.append(response.json()["model"]["version"])

    log_path = world.settings.data_root / "reload-test-server.log"
    with running_server(env, log_path) as server:
        load = threading.Thread(target=hammer, args=(server.base_url,))
        load.start()
        try:
            second = _new_version("loan_default", ALIAS)
            admin = httpx.post(
                f"{server.base_url}/v1/admin/reload", headers={"X-API-Key": world.admin_key}, timeout=60
            )
            assert admin.status_code == 200, admin.text
            assert admin.json()["models"] == [{"name": "loan_default", "version": second}]
            third = _new_version("loan_default", ALIAS)
            os.kill(server.process.pid, signal.SIGHUP)
            deadline = time.monotonic() + 180
            while (not versions or versions[-1] != third) and time.monotonic() < deadline:
                time.sleep(0.1)
        finally:
            stop.set()
            load.join()
    assert statuses and set(statuses) == {200}, server.output()[-2000:]
    assert versions[0] == first and versions[-1] == third
    assert set(versions) <= {first, second, third}
