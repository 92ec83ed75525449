"""A throwaway Feast repo queried through both offline stores, for differential tests.

One set of definitions (entities, FileSources over Parquet the tests write, feature views with
TTLs, a created-timestamp tie-breaker, a field mapping, an on-demand view) is applied once to a
registry; two ``FeatureStore`` objects read it, one configured with Feast's built-in ``duckdb``
offline store and one with ours. A test rewrites the Parquet files, asks both the same question
and compares the answers row for row.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, RepoConfig, RequestSource
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float64, Int64, String
from feast.value_type import ValueType

from creditrisk.feast_asof.store import STORE_TYPE

BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)
CUSTOMER_TTL = timedelta(hours=24)
PAIR_TTL = timedelta(hours=6)

# Columns of each source file as the tests write them (source names, before field mapping).
CUSTOMER_COLUMNS = ["customer_id", "event_timestamp", "created", "amt_src", "txn_count"]
MERCHANT_COLUMNS = ["merchant_id", "ts", "risk", "category"]
PAIR_COLUMNS = ["customer_id", "merchant_id", "event_timestamp", "created", "pair_amount"]


@dataclass
class TwinStores:
    """The same registry behind the built-in store and the ASOF store."""

    root: Path
    builtin: FeatureStore
    asof: FeatureStore

    @property
    def customer_path(self) -> Path:
        return self.root / "customer_stats.parquet"

    @property
    def merchant_path(self) -> Path:
        return self.root / "merchant_risk.parquet"

    @property
    def pair_path(self) -> Path:
        return self.root / "pair_stats.parquet"

    def write_sources(
        self,
        customer: pd.DataFrame,
        merchant: pd.DataFrame,
        pair: pd.DataFrame,
        *,
        customer_unit: str = "ns",
        merchant_unit: str = "us",
    ) -> None:
        """Write the three sources; timestamp units differ on purpose (pandas writes ns)."""
        write_parquet(customer[CUSTOMER_COLUMNS], self.customer_path, customer_unit)
        write_parquet(merchant[MERCHANT_COLUMNS], self.merchant_path, merchant_unit)
        # The pair source stores naive timestamps (UTC wall time), as some writers do.
        naive = pair[PAIR_COLUMNS].copy()
        for column in ("event_timestamp", "created"):
            naive[column] = naive[column].dt.tz_convert("UTC").dt.tz_localize(None)
        write_parquet(naive, self.pair_path, "us", tz=None)


def _timestamp(unit: str, tz: str | None = "UTC") -> pa.DataType:
    return pa.timestamp(unit, tz=tz)


def source_schema(columns: list[str], unit: str, tz: str | None = "UTC") -> pa.Schema:
    """Explicit Parquet types, so an empty or all-null column still has its real type."""
    types = {
        "customer_id": pa.int64(),
        "merchant_id": pa.string(),
        "event_timestamp": _timestamp(unit, tz),
        "created": _timestamp(unit, tz),
        "ts": _timestamp(unit, tz),
        "amt_src": pa.float64(),
        "txn_count": pa.int64(),
        "risk": pa.float64(),
        "category": pa.string(),
        "pair_amount": pa.float64(),
        "file_row_number": pa.int64(),
    }
    return pa.schema([(c, types[c]) for c in columns])


def write_parquet(frame: pd.DataFrame, path: Path, unit: str, tz: str | None = "UTC") -> None:
    """Write a frame with timestamps in the given unit (``ns`` is what pandas writes)."""
    schema = source_schema(list(frame.columns), unit, tz)
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False, safe=False)
    pq.write_table(table, path, coerce_timestamps=None if unit == "ns" else unit)
    # DuckDB caches file contents by path and modification time, and the built-in store reads
    # through one long-lived connection: give every rewrite a distinct mtime so no stale data is read.
    global _WRITES
    _WRITES += 1
    stamp = 1_700_000_000 + _WRITES
    os.utime(path, (stamp, stamp))


_WRITES = 0


def definitions(root: Path) -> list:
    customer = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.INT64)
    merchant = Entity(name="merchant", join_keys=["merchant_id"], value_type=ValueType.STRING)
    customer_stats = FeatureView(
        name="customer_stats",
        entities=[customer],
        ttl=CUSTOMER_TTL,
        schema=[
            Field(name="customer_id", dtype=Int64),
            Field(name="amount", dtype=Float64),
            Field(name="txn_count", dtype=Int64),
        ],
        source=FileSource(
            name="customer_stats_source",
            path=str(root / "customer_stats.parquet"),
            timestamp_field="event_timestamp",
            created_timestamp_column="created",
            field_mapping={"amt_src": "amount"},
        ),
    )
    merchant_risk = FeatureView(
        name="merchant_risk",
        entities=[merchant],
        ttl=None,
        schema=[
            Field(name="merchant_id", dtype=String),
            Field(name="risk", dtype=Float64),
            Field(name="category", dtype=String),
        ],
        source=FileSource(
            name="merchant_risk_source", path=str(root / "merchant_risk.parquet"), timestamp_field="ts"
        ),
    )
    pair_stats = FeatureView(
        name="pair_stats",
        entities=[customer, merchant],
        ttl=PAIR_TTL,
        schema=[
            Field(name="customer_id", dtype=Int64),
            Field(name="merchant_id", dtype=String),
            Field(name="pair_amount", dtype=Float64),
        ],
        source=FileSource(
            name="pair_stats_source",
            path=str(root / "pair_stats.parquet"),
            timestamp_field="event_timestamp",
            created_timestamp_column="created",
        ),
    )
    request = RequestSource(name="request", schema=[Field(name="request_amount", dtype=Float64)])

    @on_demand_feature_view(
        sources=[customer_stats, request],
        schema=[Field(name="amount_share", dtype=Float64)],
        mode="pandas",
    )
    def amount_ratio(inputs: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame()
        out["amount_share"] = inputs["amount"] / (inputs["request_amount"].abs() + 1.0)
        return out

    return [customer, merchant, customer_stats, merchant_risk, pair_stats, request, amount_ratio]


def store_config(
    root: Path, offline_type: str, online_name: str, *, pull_latest: bool = False, batch_engine: str = "local"
) -> RepoConfig:
    return RepoConfig(
        batch_engine={"type": batch_engine},
        project="asof_test",
        registry=str(root / "registry.db"),
        provider="local",
        offline_store={"type": offline_type},
        online_store={"type": "sqlite", "path": str(root / online_name)},
        entity_key_serialization_version=3,
        repo_path=str(root),
        materialization={"pull_latest_features": pull_latest},
    )


def build_twin_stores(root: Path, *, pull_latest: bool = False) -> TwinStores:
    root.mkdir(parents=True, exist_ok=True)
    builtin = FeatureStore(config=store_config(root, "duckdb", "online_builtin.db", pull_latest=pull_latest))
    builtin.apply(definitions(root))
    asof = FeatureStore(config=store_config(root, STORE_TYPE, "online_asof.db", pull_latest=pull_latest))
    # Same definitions again: a no-op for the registry, but it creates this store's online tables.
    asof.apply(definitions(root))
    return TwinStores(root=root, builtin=builtin, asof=asof)


ALL_FEATURES = [
    "customer_stats:amount",
    "customer_stats:txn_count",
    "merchant_risk:risk",
    "merchant_risk:category",
    "pair_stats:pair_amount",
    "amount_ratio:amount_share",
]


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order whatever order a store returned them in (same values sort together)."""
    keys = [c for c in frame.columns]
    return frame.sort_values(keys, kind="mergesort", na_position="last").reset_index(drop=True)


def assert_same_result(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    """Same columns in the same order, same dtypes, same rows (as a multiset) and values."""
    assert list(actual.columns) == list(expected.columns)
    assert actual.dtypes.to_dict() == expected.dtypes.to_dict(), (expected.dtypes, actual.dtypes)
    pd.testing.assert_frame_equal(canonical(actual), canonical(expected), check_exact=True)


def both_results(
    stores: TwinStores, entity_df: pd.DataFrame, features: list[str] | None = None, **kwargs: object
) -> tuple[pd.DataFrame, pd.DataFrame]:
    features = features or ALL_FEATURES
    expected = stores.builtin.get_historical_features(
        entity_df=entity_df, features=features, **kwargs
    ).to_df()
    actual = stores.asof.get_historical_features(entity_df=entity_df, features=features, **kwargs).to_df()
    return expected, actual
