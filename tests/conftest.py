"""Shared fixtures: every test gets its own data dir, so runs never touch each other."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from creditrisk.settings import Settings
from creditrisk.telemetry import disable_telemetry


@pytest.fixture(autouse=True, scope="session")
def _no_telemetry() -> None:
    disable_telemetry()


@pytest.fixture(autouse=True)
def _isolated_mlflow_uri() -> Iterator[None]:
    """Keep one test's MLflow store from leaking into the next.

    ``mlflow.set_tracking_uri`` writes ``MLFLOW_TRACKING_URI`` into the environment, where the
    project reads it as the user's own choice; restore whatever was there before the test.
    """
    before = os.environ.get("MLFLOW_TRACKING_URI")
    yield
    if before is None:
        os.environ.pop("MLFLOW_TRACKING_URI", None)
    else:
        os.environ["MLFLOW_TRACKING_URI"] = before


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CREDITRISK_DATA_DIR for one test."""
    root = tmp_path / "data"
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(root))
    return root


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings()
