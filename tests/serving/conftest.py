"""Fixtures for the serving tests: the session's world (built once, about half a minute), and
per test an app with its own lifespan (log writer, SIGHUP handler) on the shared data dir,
reusing the loaded models.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from serving_world import ServingWorld, company_marts, loan_marts, train_and_register

from creditrisk.settings import Settings
from serving.auth import mint_api_key
from serving.main import create_app
from serving.model_holder import ModelHolder


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> ServingWorld:
    """Marts -> Feast apply + materialise -> training sets -> trained, registered champions."""
    from creditrisk.features import apply_definitions, materialize

    root = tmp_path_factory.mktemp("serving") / "data"
    key, entry = mint_api_key()
    admin_key, admin_entry = mint_api_key(admin=True)
    # A generous deadline: on a loaded 2-core CI machine a cold first request (store and model
    # warm-up) must not become a 504; the deadline itself is tested in test_security.py.
    settings = Settings(
        data_dir=root,
        api_keys=f"{entry},{admin_entry}",
        log_flush_seconds=0.2,
        request_timeout_seconds=300,
    )
    settings.ensure_dirs()
    rng = np.random.default_rng(7)
    loans = loan_marts(settings.marts_dir, rng)
    companies = company_marts(settings.marts_dir, rng)
    apply_definitions(settings)
    materialize(settings)
    for model in ("loan_default", "company_bankruptcy"):
        train_and_register(settings, model)
    holder = ModelHolder(settings)
    holder.load()
    assert not holder.errors, holder.errors
    return ServingWorld(settings, loans, companies, key, admin_key, holder)


@pytest.fixture
def client(world: ServingWorld) -> Iterator[TestClient]:
    """The API on the session's store and models (its own lifespan and log writer)."""
    app = create_app(world.settings, models=world.holder)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def auth(world: ServingWorld) -> dict[str, str]:
    return {"X-API-Key": world.api_key}


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many cases the API fuzzing ran (``test_fuzz.py``), so every run's output shows it."""
    from test_fuzz import FUZZ_CASES

    if FUZZ_CASES:
        by_principal = ", ".join(f"{n} {who}" for who, n in FUZZ_CASES.items())
        terminalreporter.write_line(
            f"schemathesis: {sum(FUZZ_CASES.values())} API cases fuzzed ({by_principal})"
        )
