"""The committed ``feature_store.yaml`` (what the plain ``feast`` CLI reads) is the configuration the
project's CLI and API render with default settings, so ``cd feature_repo && feast materialize``
takes the ASOF store and engine, not Feast's slow built-in path."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from creditrisk.features.config import repo_config_dict
from creditrisk.settings import Settings

FEATURE_REPO = Path(__file__).resolve().parents[2] / "feature_repo"


def _committed(data_dir: Path) -> dict:
    text = (FEATURE_REPO / "feature_store.yaml").read_text()
    return yaml.safe_load(text.replace("${CREDITRISK_DATA_DIR}", str(data_dir)))


def test_the_committed_yaml_is_the_rendered_default_configuration(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, offline_store="asof", online_store="sqlite")
    assert _committed(settings.data_root) == repo_config_dict(settings)


def test_the_plain_feast_repo_loads_the_asof_store_and_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from feast import FeatureStore

    from creditrisk.feast_asof.engine import AsofComputeEngine
    from creditrisk.feast_asof.store import AsofDuckDBOfflineStore

    monkeypatch.setenv("CREDITRISK_DATA_DIR", str(tmp_path))
    store = FeatureStore(repo_path=str(FEATURE_REPO))  # reads feature_store.yaml as `feast` does
    provider = store._get_provider()
    assert isinstance(provider.offline_store, AsofDuckDBOfflineStore)
    assert isinstance(provider.batch_engine, AsofComputeEngine)
    assert store.config.online_store.path == str(tmp_path / "feast" / "online_store.db")
