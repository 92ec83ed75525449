"""Fixtures: a Feast store over the crafted marts of ``feast_crafted`` (built to leak)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

import pandas as pd
import pytest
from feast_crafted import ts, write_crafted_marts

from creditrisk.features.materialize import materialize
from creditrisk.features.store import apply_definitions
from creditrisk.settings import Settings


@pytest.fixture(scope="session")
def crafted_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a data dir holding the crafted marts, with the repo applied (no online data)."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("crafted") / "data", online_store="sqlite")
    write_crafted_marts(settings.marts_dir)
    apply_definitions(settings)
    return settings


@pytest.fixture(scope="session")
def materialized_settings(crafted_settings: Settings) -> Settings:
    """The crafted store with the SQLite online store loaded (first run, no --start)."""
    materialize(crafted_settings, end=ts("2021-01-01").to_pydatetime())
    return crafted_settings


def redis_url_for_tests() -> str | None:
    """The test Redis (`make redis`): None when it is not running and we may skip (not in CI)."""
    import redis

    url = os.environ.get("CREDITRISK_TEST_REDIS_URL", "127.0.0.1:6399")
    host, port = url.split(",")[0].split(":")
    try:
        redis.Redis(host=host, port=int(port), socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis is not running at {url}; in CI `make test` starts it (make redis)")
        return None
    return url


@pytest.fixture
def redis_url() -> str:
    url = redis_url_for_tests()
    if url is None:
        pytest.skip("Redis not running (start it with `make redis`)")
    return url


@pytest.fixture
def redis_copy(materialized_settings: Settings, redis_url: str, tmp_path) -> Callable[[int], Settings]:
    """Make settings for the crafted marts with Redis database ``db`` (emptied first) as the online
    store, the repo applied and nothing materialised yet."""

    def make(db: int) -> Settings:
        import redis

        host, port = redis_url.split(":")
        redis.Redis(host=host, port=int(port), db=db).flushdb()
        settings = Settings(
            data_dir=tmp_path / "data", online_store="redis", redis_url=f"{redis_url},db={db}"
        )
        shutil.copytree(materialized_settings.marts_dir, settings.marts_dir)
        apply_definitions(settings)
        return settings

    return make


def frame_of(rows: list[tuple[str, str]], key: str = "loan_id") -> pd.DataFrame:
    return pd.DataFrame({key: [r[0] for r in rows], "event_timestamp": [ts(r[1]) for r in rows]})
