"""The monitoring world, built once per session (about 30 s): see ``monitoring_world``."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from monitoring_world import MonitoringWorld, send_traffic, train_champion, write_loan_marts

from creditrisk.settings import Settings
from serving.auth import mint_api_key
from serving.main import create_app


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> MonitoringWorld:
    """Marts -> Feast apply + materialise -> train_model (lr) champion -> traffic A and B in the log."""
    from creditrisk.features import apply_definitions, materialize

    root = tmp_path_factory.mktemp("monitoring") / "data"
    key, entry = mint_api_key()
    settings = Settings(
        data_dir=root,
        api_keys=entry,
        log_flush_seconds=0.1,
        serve_models="loan_default",
        rate_limit_per_second=0,
    )
    settings.ensure_dirs()
    loans = write_loan_marts(settings.marts_dir)
    apply_definitions(settings)
    materialize(settings, views=["loan_origination", "loan_monthly_performance"])
    champion = train_champion(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        traffic = send_traffic(client, key, settings)
    return MonitoringWorld(settings, root, loans, key, champion, traffic)


@pytest.fixture
def world_env(world: MonitoringWorld, monkeypatch: pytest.MonkeyPatch) -> MonitoringWorld:
    """The world's data dir and keys as the CLI reads them (environment)."""
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(world.root))
    monkeypatch.setenv("CREDITRISK_SERVE_MODELS", "loan_default")
    return world
