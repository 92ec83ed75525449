"""Shared fixtures: every test gets its own data dir, so runs never touch each other."""

from __future__ import annotations

from pathlib import Path

import pytest

from creditrisk.settings import Settings
from creditrisk.telemetry import disable_telemetry


@pytest.fixture(autouse=True, scope="session")
def _no_telemetry() -> None:
    disable_telemetry()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh CREDITRISK_DATA_DIR for one test."""
    root = tmp_path / "data"
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(root))
    return root


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    return Settings()
