"""The effective Feast configuration, rendered from :class:`~creditrisk.settings.Settings`.

``feature_repo/feature_store.yaml`` is kept for the plain ``feast`` CLI (it reads
``$CREDITRISK_DATA_DIR`` through Feast's ``${VAR}`` substitution); it is this module's rendering
of the default settings (ASOF store and engine, SQLite), and a test keeps the two equal. The
``creditrisk`` CLI and Python API do not read that file: they build the same configuration here
from Settings, so ``CREDITRISK_ONLINE_STORE=redis`` switches the online store with no change to
the feature definitions, and tests can point each run at its own data dir.
"""

from __future__ import annotations

import os
from typing import Any

import yaml

from creditrisk import feast_asof
from creditrisk.errors import ConfigurationError
from creditrisk.feast_asof.errors import AsofStoreError
from creditrisk.settings import Settings

#: The Feast project name (Redis keys and registry entries are scoped by it).
PROJECT = "creditrisk"

#: How stale a long-lived FeatureStore's view of the registry may get after `features apply`.
REGISTRY_CACHE_TTL_SECONDS = 60


def offline_store_config(settings: Settings) -> dict[str, Any]:
    """The ``offline_store`` block for ``CREDITRISK_OFFLINE_STORE`` (``asof`` by default).

    ``CREDITRISK_ENGINE=spark`` selects Feast's Spark offline store instead, on the session
    configuration dbt's ``spark`` target uses (docs/scale-out.md).
    """
    if settings.engine == "spark":
        from creditrisk.spark_engine import spark_conf

        return {"type": "spark", "spark_conf": spark_conf(settings)}
    try:
        return feast_asof.offline_store_config(settings.offline_store)
    except AsofStoreError as exc:
        raise ConfigurationError(str(exc)) from None


def materialization_config(settings: Settings) -> dict[str, Any]:
    """With the ASOF store, materialisation pulls the latest row per key inside DuckDB."""
    if settings.offline_store == "asof" and settings.engine != "spark":
        return dict(feast_asof.MATERIALIZATION_CONFIG)
    return {}


def batch_engine_config(settings: Settings) -> dict[str, Any] | None:
    """With the ASOF store, materialisation writes online rows through its vectorised engine.

    On Spark, Feast's Spark compute engine: the latest row per key is computed in Spark and the
    online rows are written from Spark's tasks (on a cluster, from the executors).
    """
    if settings.engine == "spark":
        from creditrisk.spark_engine import spark_conf

        return {"type": "spark.engine", "spark_conf": spark_conf(settings)}
    if settings.offline_store == "asof":
        return dict(feast_asof.BATCH_ENGINE_CONFIG)
    return None


def online_store_config(settings: Settings) -> dict[str, Any]:
    """SQLite file under the data dir, or Redis at ``CREDITRISK_REDIS_URL``."""
    if settings.online_store == "redis":
        return {"type": "redis", "connection_string": settings.redis_url}
    return {"type": "sqlite", "path": str(settings.feast_dir / "online_store.db")}


def repo_config_dict(settings: Settings) -> dict[str, Any]:
    """The effective ``feature_store.yaml`` content as a dict (see :func:`render_yaml`)."""
    config: dict[str, Any] = {
        "project": PROJECT,
        "provider": "local",
        "registry": {
            "registry_type": "file",
            "path": str(settings.feast_dir / "registry.db"),
            # Each FeatureStore reads the registry when created; a long-lived one (a server)
            # re-reads it at most this often. 0 would re-read it on every lookup, which made online
            # lookups many times slower (docs/measurements.md, "Feature store").
            "cache_ttl_seconds": REGISTRY_CACHE_TTL_SECONDS,
        },
        "online_store": online_store_config(settings),
        "offline_store": offline_store_config(settings),
        "entity_key_serialization_version": 3,
    }
    materialization = materialization_config(settings)
    if materialization:
        config["materialization"] = materialization
    batch_engine = batch_engine_config(settings)
    if batch_engine:
        config["batch_engine"] = batch_engine
    return config


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
