"""Materialisation into SQLite through the ASOF store writes what the built-in store writes.

Both of Feast's materialisation paths are covered: the default, which pulls every row in the
window (``pull_all_from_table_or_query``) and deduplicates in Feast's local engine, and
``materialization.pull_latest_features: true``, which asks the store for the latest row per key
(``pull_latest_from_table_or_query``, one ``QUALIFY`` pass in DuckDB).
"""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from feast import FeatureStore
from twin_repo import BASE_TIME, build_twin_stores, definitions, store_config

from creditrisk.feast_asof.store import STORE_TYPE

ONLINE_FEATURES = [
    "customer_stats:amount",
    "customer_stats:txn_count",
    "merchant_risk:risk",
    "merchant_risk:category",
    "pair_stats:pair_amount",
]


def random_sources(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Sources with many versions per key, repeated event times and restatements."""
    rng = np.random.default_rng(seed)
    n = 400
    hours = rng.integers(0, 60, n)
    customer = pd.DataFrame(
        {
            "customer_id": rng.integers(1, 30, n),
            "event_timestamp": pd.to_datetime(BASE_TIME) + pd.to_timedelta(hours, unit="h"),
            "created": pd.to_datetime(BASE_TIME)
            + pd.to_timedelta(hours + rng.integers(0, 5000, n), unit="s"),
            "amt_src": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n).round(3)),
            "txn_count": rng.integers(0, 9, n),
        }
    ).drop_duplicates(["customer_id", "event_timestamp", "created"])
    merchant = pd.DataFrame(
        {
            "merchant_id": rng.choice(["m1", "m2", "m3", "m4"], 80),
            "ts": pd.to_datetime(BASE_TIME) + pd.to_timedelta(rng.permutation(80), unit="h"),
            "risk": rng.random(80).round(3),
            "category": rng.choice(["food", "travel", None], 80),
        }
    )
    pair_hours = rng.permutation(100)
    pair = pd.DataFrame(
        {
            "customer_id": rng.integers(1, 30, 100),
            "merchant_id": rng.choice(["m1", "m2", "m3", "m4"], 100),
            "event_timestamp": pd.to_datetime(BASE_TIME) + pd.to_timedelta(pair_hours, unit="h"),
            "created": pd.to_datetime(BASE_TIME) + pd.to_timedelta(pair_hours, unit="h"),
            "pair_amount": rng.normal(size=100).round(3),
        }
    )
    return customer, merchant, pair


def online_answer(store: FeatureStore) -> pd.DataFrame:
    rows = [
        {"customer_id": c, "merchant_id": m}
        for c, m in itertools.product(range(1, 31), ["m1", "m2", "m3", "m4", "m5"])
    ]
    return store.get_online_features(features=ONLINE_FEATURES, entity_rows=rows).to_df()


@pytest.mark.parametrize("pull_latest", [False, True], ids=["pull_all", "pull_latest"])
def test_materialised_online_values_equal_builtin_store(tmp_path: Path, pull_latest: bool) -> None:
    stores = build_twin_stores(tmp_path / "repo", pull_latest=pull_latest)
    stores.write_sources(*random_sources(seed=7))
    start, end = BASE_TIME - timedelta(days=1), BASE_TIME + timedelta(hours=40)
    stores.builtin.materialize(start_date=start, end_date=end)
    stores.asof.materialize(start_date=start, end_date=end)
    expected, actual = online_answer(stores.builtin), online_answer(stores.asof)
    pd.testing.assert_frame_equal(actual, expected)
    assert actual["amount"].notna().sum() > 10, "the case must materialise real values"


def test_asof_with_pull_latest_writes_what_builtin_default_writes(tmp_path: Path) -> None:
    """The project's pairing (ASOF store + pull_latest_features) equals Feast's default path."""
    stores = build_twin_stores(tmp_path / "repo", pull_latest=False)
    latest = FeatureStore(
        config=store_config(stores.root, STORE_TYPE, "online_asof_latest.db", pull_latest=True)
    )
    latest.apply(definitions(stores.root))
    stores.write_sources(*random_sources(seed=3))
    start, end = BASE_TIME - timedelta(days=1), BASE_TIME + timedelta(hours=50)
    stores.builtin.materialize(start_date=start, end_date=end)
    latest.materialize(start_date=start, end_date=end)
    pd.testing.assert_frame_equal(online_answer(latest), online_answer(stores.builtin))


def test_settings_select_the_offline_store_block(monkeypatch: pytest.MonkeyPatch) -> None:
    from creditrisk.feast_asof import offline_store_config
    from creditrisk.feast_asof.errors import AsofStoreError
    from creditrisk.settings import Settings

    assert Settings().offline_store == "asof"
    assert offline_store_config(Settings().offline_store) == {"type": STORE_TYPE}
    monkeypatch.setenv("CREDITRISK_OFFLINE_STORE", "duckdb")
    assert offline_store_config(Settings().offline_store) == {"type": "duckdb"}
    with pytest.raises(AsofStoreError, match="unknown offline store"):
        offline_store_config("spark")


def test_asof_store_type_resolves_from_feature_store_yaml_setting(tmp_path: Path) -> None:
    """The import path in ``offline_store.type`` gives our store and its config class."""
    stores = build_twin_stores(tmp_path / "repo")
    config = store_config(stores.root, STORE_TYPE, "online.db")
    assert type(config.offline_store).__name__ == "AsofDuckDBOfflineStoreConfig"
    provider_store = stores.asof._get_provider().offline_store
    assert type(provider_store).__name__ == "AsofDuckDBOfflineStore"
