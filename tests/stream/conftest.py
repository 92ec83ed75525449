"""Fixtures for the stream tests: a small applied and materialised store, and a stream of
events on the test Redis with names unique to the test (the Redis on 6399 is shared)."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from creditrisk.settings import Settings
from creditrisk.stream.broker import RedisStreamBroker

FEATURES_TESTS = str(Path(__file__).resolve().parents[1] / "features")
if FEATURES_TESTS not in sys.path:
    sys.path.insert(0, FEATURES_TESTS)


@pytest.fixture(scope="session")
def stream_store_template(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The crafted marts (tests/features/feast_crafted.py), applied and materialised once."""
    from feast_crafted import write_crafted_marts

    from creditrisk.features import apply_definitions, materialize

    settings = Settings(data_dir=tmp_path_factory.mktemp("stream") / "data", online_store="sqlite")
    write_crafted_marts(settings.marts_dir)
    apply_definitions(settings)
    materialize(settings)
    return settings


@pytest.fixture
def stream_settings(stream_store_template: Settings, tmp_path: Path) -> Settings:
    """A private copy of the store for one test (consumers write to it)."""
    import shutil

    from creditrisk.features import apply_definitions

    settings = Settings(data_dir=tmp_path / "data", online_store="sqlite")
    for part in ("marts", "feast"):
        shutil.copytree(stream_store_template.data_root / part, settings.data_root / part)
    apply_definitions(settings)
    return settings


@pytest.fixture
def stream_url() -> str:
    import redis

    url = os.environ.get("CREDITRISK_TEST_REDIS_URL", "127.0.0.1:6399").split(",")[0]
    redis_url = f"redis://{url}/0"
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"Redis is not running at {url}; `make test` starts it (make redis)")
        pytest.skip("Redis not running (start it with `make redis`)")
    return redis_url


@pytest.fixture
def broker(stream_url: str) -> Iterator[RedisStreamBroker]:
    """A stream and group named for this test only, deleted afterwards."""
    name = f"creditrisk-test:{uuid.uuid4().hex}"
    broker = RedisStreamBroker(stream_url, name, "online", "c1")
    broker.ensure_group()
    yield broker
    broker.delete()
