from __future__ import annotations

from pathlib import Path

import pytest

from creditrisk.settings import PROJECT_ROOT, Settings


def test_every_artefact_lives_under_the_data_dir(settings: Settings, data_dir: Path) -> None:
    for name, path in settings.layout().items():
        assert path == data_dir.resolve() or data_dir.resolve() in path.parents, name
    assert settings.tracking_uri == f"sqlite:///{data_dir.resolve() / 'mlflow' / 'mlflow.db'}"


def test_two_data_dirs_never_share_a_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(tmp_path / "a"))
    first = Settings()
    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(tmp_path / "b"))
    second = Settings()
    assert not set(first.layout().values()) & set(second.layout().values())


def test_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CREDITRISK_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("CREDITRISK_DATA_DIR=from-dotenv\nCREDITRISK_ONLINE_STORE=redis\n")
    settings = Settings()
    assert settings.data_root == (tmp_path / "from-dotenv").resolve()
    assert settings.online_store == "redis"


def test_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("CREDITRISK_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.data_root == (tmp_path / "data").resolve()
    assert settings.online_store == "sqlite"
    assert settings.feature_repo_dir == PROJECT_ROOT / "feature_repo"


def test_explicit_tracking_uri_wins(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> None:
    monkeypatch.setenv("CREDITRISK_MLFLOW_TRACKING_URI", "http://127.0.0.1:5000")
    assert Settings().tracking_uri == "http://127.0.0.1:5000"


def test_nothing_is_created_by_reading_settings(settings: Settings, data_dir: Path) -> None:
    _ = settings.layout()
    assert not data_dir.exists()
    settings.ensure_dirs()
    assert settings.raw_dir.is_dir() and settings.marts_dir.is_dir()
