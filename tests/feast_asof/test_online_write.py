"""The ASOF engine's online write produces exactly what Feast's own materialisation writes.

Per column: the vectorised conversion gives the same protos (compared serialised) and the same
``value_text`` as Feast's converter, for every type it handles, with nulls, NaN, infinities,
-0.0, subnormals, large and negative integers and non-ASCII text. End to end: materialising
through ``AsofComputeEngine`` leaves the SQLite tables byte for byte as Feast's local engine does.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from feast import Entity, FeatureStore, FeatureView, Field, FileSource, RepoConfig
from feast.infra.key_encoding_utils import serialize_entity_key
from feast.infra.online_stores.helpers import extract_text_and_num
from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto
from feast.type_map import python_values_to_proto_values
from feast.types import Float64, Int64
from feast.utils import _coerce_datetime, _convert_arrow_to_proto, to_naive_utc
from feast.value_type import ValueType
from test_materialize import online_answer, random_sources
from twin_repo import BASE_TIME, build_twin_stores, definitions, store_config

from creditrisk.feast_asof import ENGINE_TYPE
from creditrisk.feast_asof.online_write import (
    _sqlite_times,
    column_protos,
    encoded_doubles,
    rows_for_online_write,
    serialized_entity_keys,
    value_texts,
    write_batch,
)
from creditrisk.feast_asof.store import STORE_TYPE

FLOATS = [0.0, -0.0, 1.5, -2.25, 1e-310, 1e300, float("inf"), float("-inf"), float("nan"), None, 3.0]
INTS = [0, -1, 2**62 + 1, -(2**62), 7, None, 42]
COLUMNS = [
    (pa.array(FLOATS, pa.float64()), ValueType.DOUBLE),
    (pa.array([v for v in FLOATS if v is not None], pa.float64()), ValueType.DOUBLE),
    (pa.array(FLOATS, pa.float32()), ValueType.FLOAT),
    (pa.array(FLOATS, pa.float64()), ValueType.FLOAT),
    (pa.array(INTS, pa.int64()), ValueType.INT64),
    (pa.array([v for v in INTS if v is not None], pa.int64()), ValueType.INT64),
    (pa.array([0, -5, 2**31 - 1, None], pa.int32()), ValueType.INT32),
    (pa.array([0, -5, 2**31 - 1], pa.int32()), ValueType.INT32),
    (pa.array([0, 3, None], pa.int16()), ValueType.INT64),
    (pa.array(["a", "", "é€ ✓", None, "L000000001"], pa.string()), ValueType.STRING),
    (pa.array(["x", None], pa.large_string()), ValueType.STRING),
    (pa.array([True, False, None, True], pa.bool_()), ValueType.BOOL),
    (pa.array([True, False], pa.bool_()), ValueType.BOOL),
    (pa.array([None, None], pa.float64()), ValueType.DOUBLE),
    # Not vectorised: Feast's converter answers (the function must still agree with it).
    (pa.array([1.0, None, 2.0], pa.float64()), ValueType.INT64),
    (pa.array([b"\x00\x01", None], pa.binary()), ValueType.BYTES),
]


@pytest.mark.parametrize("column,value_type", COLUMNS, ids=[f"{c.type}-{t.name}" for c, t in COLUMNS])
def test_column_protos_and_texts_equal_feast(column: pa.Array, value_type: ValueType) -> None:
    expected = python_values_to_proto_values(column.to_numpy(zero_copy_only=False), value_type)
    actual = column_protos(column, value_type)
    assert [p.SerializeToString() for p in actual] == [p.SerializeToString() for p in expected]
    assert value_texts(actual, value_type) == [extract_text_and_num(p, False)[0] for p in expected]


def sqlite_tables(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: sorted(conn.execute(f'SELECT * FROM "{name}"').fetchall()) for name in names}


@pytest.mark.parametrize("pull_latest", [False, True], ids=["pull_all", "pull_latest"])
def test_engine_writes_the_sqlite_rows_feast_writes(tmp_path: Path, pull_latest: bool) -> None:
    stores = build_twin_stores(tmp_path / "repo", pull_latest=pull_latest)
    fast_config = store_config(
        stores.root, STORE_TYPE, "online_fast.db", pull_latest=pull_latest, batch_engine=ENGINE_TYPE
    )
    fast = FeatureStore(config=fast_config)
    fast.apply(definitions(stores.root))
    assert type(fast._get_provider().batch_engine).__name__ == "AsofComputeEngine"
    stores.write_sources(*random_sources(seed=11))
    start, end = BASE_TIME - timedelta(days=1), BASE_TIME + timedelta(hours=45)
    # The same offline store through Feast's local engine and through ours; twice, so the
    # second run updates rows that exist (the upsert path).
    for _ in range(2):
        stores.asof.materialize(start_date=start, end_date=end)
        fast.materialize(start_date=start, end_date=end)
        end += timedelta(hours=10)
    expected, actual = (
        sqlite_tables(stores.root / "online_asof.db"),
        sqlite_tables(stores.root / "online_fast.db"),
    )
    assert actual == expected
    assert sum(len(rows) for rows in actual.values()) > 100, "the case must write real rows"


def test_project_pairing_serves_what_builtin_default_serves(tmp_path: Path) -> None:
    """ASOF store + pull_latest_features + the ASOF engine (the project's setting) vs Feast's defaults."""
    stores = build_twin_stores(tmp_path / "repo")
    project = FeatureStore(
        config=store_config(
            stores.root, STORE_TYPE, "online_project.db", pull_latest=True, batch_engine=ENGINE_TYPE
        )
    )
    project.apply(definitions(stores.root))
    stores.write_sources(*random_sources(seed=5))
    start, end = BASE_TIME - timedelta(days=1), BASE_TIME + timedelta(hours=50)
    stores.builtin.materialize(start_date=start, end_date=end)
    project.materialize(start_date=start, end_date=end)
    expected = online_answer(stores.builtin)
    np.testing.assert_array_equal(online_answer(project).columns, expected.columns)
    assert online_answer(project).equals(expected)


@pytest.mark.parametrize(
    "names,columns",
    [
        (["loan_id"], [pa.array(["L000000001", "", "é€ ✓"])]),
        (["customer_id"], [pa.array([0, -1, 2**62, 7], pa.int64())]),
        (["n"], [pa.array([0, -3, 2**31 - 1], pa.int32())]),
        (["customer_id", "merchant_id"], [pa.array([2, 1], pa.int64()), pa.array(["m", "é"])]),
    ],
)
def test_serialized_entity_keys_equal_feast(names: list[str], columns: list[pa.Array]) -> None:
    types = {pa.int64(): ValueType.INT64, pa.int32(): ValueType.INT32, pa.string(): ValueType.STRING}
    protos = [column_protos(column, types[column.type]) for column in columns]
    expected = [
        serialize_entity_key(EntityKeyProto(join_keys=names, entity_values=list(values)), 3)
        for values in zip(*protos, strict=True)
    ]
    assert serialized_entity_keys(names, protos, 3) == expected


def test_encoded_doubles_equal_feast_protos_and_texts() -> None:
    column = pa.array([*FLOATS, 5e-324, -1e-310, 2.0**53 + 1], pa.float64())
    encoded = encoded_doubles(column)
    assert encoded is not None
    expected = python_values_to_proto_values(column.to_numpy(zero_copy_only=False), ValueType.DOUBLE)
    assert encoded[0] == [p.SerializeToString() for p in expected]
    assert encoded[1] == [extract_text_and_num(p, False)[0] for p in expected]
    assert encoded_doubles(pa.array([1.0], pa.float32())) is None


@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
def test_sqlite_times_equal_feasts_adapter(unit: str) -> None:
    """Whole seconds as Feast's sqlite adapter stores them, before 1970 and with fractions too."""
    stamps = [0, 1, -1, 1_500_000_000_123_456_789, -1_500_000_000_987_654_321, 999_999_999, -999_999_999]
    column = pa.array(np.array(stamps, dtype="datetime64[ns]").astype(f"datetime64[{unit}]"))
    column = column.cast(pa.timestamp(unit, tz="UTC"))
    expected = [int(to_naive_utc(_coerce_datetime(v)).timestamp()) for v in pd.to_datetime(column.to_numpy())]
    assert _sqlite_times(column) == expected
    with_null = pa.array([None, 0], pa.timestamp(unit, tz="UTC"))
    assert _sqlite_times(with_null) == [None, 0]


def test_rows_for_other_online_stores_equal_feasts_conversion(tmp_path: Path) -> None:
    """What a non-SQLite store (Redis, ...) receives through ``online_write_batch``."""
    stores = build_twin_stores(tmp_path / "repo")
    view = stores.asof.get_feature_view("customer_stats")
    batch = pa.RecordBatch.from_pydict(
        {
            "customer_id": pa.array([3, 1, 2], pa.int64()),
            "amount": pa.array([1.5, None, -0.0], pa.float64()),
            "txn_count": pa.array([4, None, 0], pa.int64()),
            "event_timestamp": pa.array([0, 10**15, -(10**12)], pa.timestamp("us", tz="UTC")),
            "created": pa.array([5, None, 7], pa.timestamp("ns", tz="UTC")),
        }
    )
    join_keys = {"customer_id": ValueType.INT64}
    expected = _convert_arrow_to_proto(batch, view, join_keys)
    actual = rows_for_online_write(batch, view, join_keys)
    assert len(actual) == len(expected) == 3
    for (key, values, event, created), (key_e, values_e, event_e, created_e) in zip(
        actual, expected, strict=True
    ):
        assert key.SerializeToString() == key_e.SerializeToString()
        assert {k: v.SerializeToString() for k, v in values.items()} == {
            k: v.SerializeToString() for k, v in values_e.items()
        }
        assert event == event_e
        assert created == created_e or (pd.isna(created) and pd.isna(created_e))


def test_a_view_wider_than_one_statement_and_quoted_names_write_what_feast_writes(tmp_path: Path) -> None:
    """Past 400 features the write goes in slices of features; names are SQL literals."""
    names = [f"f{i}" for i in range(450)] + ['it\'s "quoted"']
    entity = Entity(name="customer", join_keys=["customer_id"], value_type=ValueType.INT64)
    view = FeatureView(
        name="wide",
        entities=[entity],
        ttl=timedelta(days=1),
        schema=[Field(name="customer_id", dtype=Int64), *[Field(name=n, dtype=Float64) for n in names]],
        source=FileSource(
            path=str(tmp_path / "wide.parquet"),
            timestamp_field="event_timestamp",
            created_timestamp_column="created",
        ),
    )
    rng = np.random.default_rng(2)
    values = {n: pa.array(rng.normal(size=4), mask=rng.random(4) < 0.2) for n in names}
    batch = pa.RecordBatch.from_pydict(
        {
            # Key 1 twice: the later row must win, as in Feast's row-by-row write.
            "customer_id": pa.array([3, 1, 2, 1], pa.int64()),
            **values,
            "event_timestamp": pa.array([0, 10**15, -(10**12), 10**15 + 1], pa.timestamp("us", tz="UTC")),
            # No null created time: Feast's own SQLite write cannot bind NaT (see the docs).
            "created": pa.array([5, 6, 7, 9], pa.timestamp("ns", tz="UTC")),
        }
    )
    join_keys = {"customer_id": ValueType.INT64}
    tables = []
    for name in ("feast", "fast"):
        config = RepoConfig(
            project="wide",
            registry=str(tmp_path / f"{name}_registry.db"),
            provider="local",
            offline_store={"type": "duckdb"},
            online_store={"type": "sqlite", "path": str(tmp_path / f"{name}.db")},
            entity_key_serialization_version=3,
            repo_path=str(tmp_path),
        )
        store = FeatureStore(config=config)
        store.apply([entity, view])
        online = store._get_provider().online_store
        stored_view = store.get_feature_view("wide")
        for _ in range(2):  # inserts, then upserts over them
            if name == "feast":
                rows = _convert_arrow_to_proto(batch, stored_view, join_keys)
                online.online_write_batch(config, stored_view, rows, None)
            else:
                write_batch(online, config, stored_view, batch, join_keys)
        tables.append(sqlite_tables(tmp_path / f"{name}.db"))
    expected, actual = tables
    assert actual == expected
    assert sum(len(rows) for rows in actual.values()) == 3 * len(names)
