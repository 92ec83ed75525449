"""The effective Feast configuration, rendered from :class:`~creditrisk.settings.Settings`.

``feature_repo/feature_store.yaml`` is kept for the plain ``feast`` CLI (it reads
``$CREDITRISK_DATA_DIR`` through Feast's ``${VAR}`` substitution and always uses SQLite). The
``creditrisk`` CLI and Python API do not read that file: they build the same configuration here
from Settings, so ``CREDITRISK_ONLINE_STORE=redis`` switches the online store with no change to
the feature definitions, and tests can point each run at its own data dir.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from creditrisk.errors import ConfigurationError
from creditrisk.settings import Settings

#: The Feast project name (Redis keys and registry entries are scoped by it).
PROJECT = "creditrisk"

#: Offline stores by setting value. The one place that names them: the integrator's
#: ``CREDITRISK_OFFLINE_STORE=asof|duckdb`` setting selects an entry here.
OFFLINE_STORES: dict[str, dict[str, Any]] = {
    "duckdb": {"type": "duckdb"},
}
DEFAULT_OFFLINE_STORE = "duckdb"

#: How stale a long-lived FeatureStore's view of the registry may get after `features apply`.
REGISTRY_CACHE_TTL_SECONDS = 60


def offline_store_name(settings: Settings) -> str:
    """The selected offline store: ``settings.offline_store`` when it exists, else DuckDB."""
    return str(getattr(settings, "offline_store", None) or DEFAULT_OFFLINE_STORE)


def offline_store_config(settings: Settings) -> dict[str, Any]:
    name = offline_store_name(settings)
    try:
        return dict(OFFLINE_STORES[name])
    except KeyError:
        known = ", ".join(sorted(OFFLINE_STORES))
        raise ConfigurationError(f"unknown offline store '{name}'; known: {known}") from None


def online_store_config(settings: Settings) -> dict[str, Any]:
    """SQLite file under the data dir, or Redis at ``CREDITRISK_REDIS_URL``."""
    if settings.online_store == "redis":
        return {"type": "redis", "connection_string": settings.redis_url}
    return {"type": "sqlite", "path": str(settings.feast_dir / "online_store.db")}


def repo_config_dict(settings: Settings) -> dict[str, Any]:
    """The effective ``feature_store.yaml`` content as a dict (see :func:`render_yaml`)."""
    return {
        "project": PROJECT,
        "provider": "local",
        "registry": {
            "registry_type": "file",
            "path": str(settings.feast_dir / "registry.db"),
            # Each FeatureStore reads the registry when created; a long-lived one (a server)
            # re-reads it at most this often. 0 would re-read it on every lookup (~100x slower).
            "cache_ttl_seconds": REGISTRY_CACHE_TTL_SECONDS,
        },
        "online_store": online_store_config(settings),
        "offline_store": offline_store_config(settings),
        "entity_key_serialization_version": 3,
    }


def render_yaml(settings: Settings) -> str:
    """The effective configuration as ``feature_store.yaml`` text (for ``feast -f`` or inspection)."""
    return yaml.safe_dump(repo_config_dict(settings), sort_keys=False)


def build_repo_config(settings: Settings):
    """A Feast ``RepoConfig`` for these settings, with the repo path set to ``feature_repo/``."""
    from feast.repo_config import RepoConfig

    config = RepoConfig(**repo_config_dict(settings))
    config.repo_path = settings.feature_repo_dir
    return config


def feast_env(settings: Settings) -> dict[str, str]:
    """Environment for a ``feast`` subprocess: the data dir the committed YAML substitutes."""
    env = dict(os.environ)
    env["CREDITRISK_DATA_DIR"] = str(settings.data_root)
    return env
