"""Materialised rows into the online store without Feast's per-value Python loops.

Feast's local engine turns every materialised value into a protobuf through a generic
converter (type checks, ``pd.isnull`` and ``hasattr`` per value), and Feast's SQLite online
store then upserts one row per entity and feature with one ``execute`` each. For 100k loans
with six features that is ~600k of each, and it was most of materialisation's time.

This module produces exactly what those two steps produce, faster:

- ``rows_for_online_write`` builds the same ``(entity key, {feature: ValueProto}, event time,
  created time)`` tuples as ``feast.utils._convert_arrow_fv_to_proto``. It reads every column
  the way Feast does (``to_numpy(zero_copy_only=False)``) and converts the common scalar
  types with one list comprehension per column; any other type goes through Feast's own
  converter for that column.
- ``write_rows`` hands those tuples to the online store's ``online_write_batch``, except for
  Feast's plain SQLite store, where it writes the very rows ``SqliteOnlineStore.online_write_batch``
  would (same key bytes, value bytes, text and timestamps, in the same order) with one
  ``executemany`` of a statement that inserts all of an entity row's features at once.

``tests/feast_asof/test_online_write.py`` checks both against Feast's own path: equal protos
for every supported type with nulls, and byte-identical SQLite tables.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from feast.feature_view import FeatureView
from feast.infra.key_encoding_utils import _serialize_val, serialize_entity_key
from feast.infra.online_stores.helpers import extract_text_and_num
from feast.infra.online_stores.online_store import OnlineStore
from feast.infra.online_stores.sqlite import SqliteOnlineStore, _quote_id, _table_id
from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto
from feast.protos.feast.types.Value_pb2 import Value as ValueProto
from feast.protos.feast.types.Value_pb2 import ValueType as ValueTypeProto
from feast.repo_config import RepoConfig
from feast.type_map import python_values_to_proto_values
from feast.utils import _coerce_datetime, _convert_arrow_to_proto, to_naive_utc
from feast.value_type import ValueType

OnlineRow = tuple[EntityKeyProto, dict[str, ValueProto], datetime, datetime | None]


def _doubles(values: np.ndarray) -> list[ValueProto]:
    return [ValueProto(double_val=v) if v == v else ValueProto() for v in values.tolist()]


def _floats(values: np.ndarray) -> list[ValueProto]:
    return [ValueProto(float_val=v) if v == v else ValueProto() for v in values.tolist()]


def _ints(field: str) -> Callable[[np.ndarray], list[ValueProto]]:
    """Feast applies ``int(x)``; a column with nulls arrives as float64 with NaN (as in Feast)."""

    def convert(values: np.ndarray) -> list[ValueProto]:
        if values.dtype.kind == "f":
            return [ValueProto(**{field: int(v)}) if v == v else ValueProto() for v in values.tolist()]
        return [ValueProto(**{field: v}) for v in values.tolist()]

    return convert


def _strings(values: np.ndarray) -> list[ValueProto]:
    return [ValueProto(string_val=v) if v is not None else ValueProto() for v in values.tolist()]


def _bools(values: np.ndarray) -> list[ValueProto]:
    return [ValueProto(bool_val=v) if v is not None else ValueProto() for v in values.tolist()]


def _fast_converter(value_type: ValueType, arrow_type: pa.DataType, dtype: np.dtype) -> Any:
    """The vectorised converter when it provably gives Feast's protos, else None.

    Only value types and column types whose Feast conversion is a plain function of each
    Python value (``x``, ``float(x)``, ``int(x)``, ``str(x)`` of a str, ``bool``) qualify.
    """
    if value_type == ValueType.DOUBLE and dtype == np.float64:
        return _doubles
    if value_type == ValueType.FLOAT and dtype in (np.float32, np.float64):
        return _floats
    integer_column = pa.types.is_integer(arrow_type) and dtype in (np.int64, np.int32, np.float64)
    if value_type in (ValueType.INT64, ValueType.INT32) and integer_column:
        return _ints("int64_val" if value_type == ValueType.INT64 else "int32_val")
    if value_type == ValueType.STRING and (
        pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type)
    ):
        return _strings
    if value_type == ValueType.BOOL and pa.types.is_boolean(arrow_type):
        return _bools
    return None


def column_protos(column: pa.Array, value_type: ValueType) -> list[ValueProto]:
    """One column as Feast's ``_columns_to_proto_values`` converts it."""
    values = column.to_numpy(zero_copy_only=False)
    converter = _fast_converter(value_type, column.type, values.dtype)
    if converter is None:
        return python_values_to_proto_values(values, value_type)
    return converter(values)


def value_texts(protos: list[ValueProto], value_type: ValueType) -> list[str | None]:
    """The ``value_text`` Feast's SQL stores keep per value (``extract_text_and_num``).

    For doubles, 64-bit integers and strings the text is ``str`` of the proto's value, read
    without the per-value type dispatch; other types take Feast's function.
    """
    field = {
        ValueType.DOUBLE: "double_val",
        ValueType.INT64: "int64_val",
        ValueType.STRING: "string_val",
    }.get(value_type)
    if field is None:
        return [extract_text_and_num(proto, False)[0] for proto in protos]
    return [str(getattr(proto, field)) if proto.HasField(field) else None for proto in protos]


def _timestamps(column: pa.Array) -> list[datetime]:
    """As Feast: ``pd.to_datetime`` of the numpy values, each as a plain ``datetime``."""
    return [_coerce_datetime(v) for v in pd.to_datetime(column.to_numpy(zero_copy_only=False))]


def _plain_view(feature_view: FeatureView) -> bool:
    """A batch feature view without on-demand inputs or vector fields (Feast's plain path)."""
    return (
        getattr(feature_view, "source_request_sources", None) is None
        and getattr(feature_view, "source_feature_view_projections", None) is None
        and feature_view.batch_source is not None
        and not any(field.vector_index or field.vector_length for field in feature_view.features)
    )


def rows_for_online_write(
    batch: pa.RecordBatch, feature_view: FeatureView, join_keys: dict[str, ValueType]
) -> list[OnlineRow]:
    """The rows ``feast.utils._convert_arrow_to_proto`` returns for a plain feature view."""
    if not _plain_view(feature_view):
        return _convert_arrow_to_proto(batch, feature_view, join_keys)
    columns = [(field.name, field.dtype.to_value_type()) for field in feature_view.features]
    columns += list(join_keys.items())
    missing = [name for name, _ in columns if name not in batch.column_names]
    if missing:
        raise ValueError(f"Column {missing[0]} not found in table")
    protos = {name: column_protos(batch.column(name), value_type) for name, value_type in columns}
    key_names = list(join_keys)
    keys = [
        EntityKeyProto(join_keys=key_names, entity_values=list(values))
        for values in zip(*(protos[k] for k in key_names), strict=True)
    ]
    names = [field.name for field in feature_view.features]
    features = [
        dict(zip(names, values, strict=True)) for values in zip(*(protos[n] for n in names), strict=True)
    ]
    source = feature_view.batch_source
    event_times = _timestamps(batch.column(source.timestamp_field))
    created_times: list[datetime | None] = (
        _timestamps(batch.column(source.created_timestamp_column))
        if source.created_timestamp_column
        else [None] * batch.num_rows
    )
    return list(zip(keys, features, event_times, created_times, strict=True))


def _is_plain_sqlite(online_store: OnlineStore, config: RepoConfig) -> bool:
    """Feast's SQLite store without the options that change what a row holds."""
    store_config = config.online_store
    return (
        type(online_store) is SqliteOnlineStore
        and not getattr(store_config, "vector_enabled", False)
        and not getattr(store_config, "enable_openai_compatible_store", False)
    )


def _local_zone_is_utc() -> bool:
    """Whether ``datetime.timestamp()`` of a naive datetime reads it as UTC (process zone UTC)."""
    return time.timezone == 0 and time.altzone == 0 and not time.daylight


def _sqlite_times(column: pa.Array) -> list[int | None]:
    """Feast's stored ``event_ts``/``created_ts``: its adapter's ``int(timestamp())`` of the
    naive-UTC datetime it would pass (``to_naive_utc`` of ``_coerce_datetime``).

    In a UTC process that is the UTC instant's whole seconds, truncated toward zero, of the
    value floored to microseconds (what ``Timestamp.to_pydatetime`` keeps): computed on the
    integer array at once. Elsewhere, and for a null, Feast's per-value path (Feast itself
    cannot bind a null time: ``NaT`` has no SQLite adapter; it is stored as NULL here).
    """
    values = column.to_numpy(zero_copy_only=False)
    if values.dtype.kind != "M" or not _local_zone_is_utc():
        return [
            None if value is None or value is pd.NaT else int(to_naive_utc(value).timestamp())
            for value in _timestamps(column)
        ]
    units_per_us = {"ns": 1000, "us": 1}.get(np.datetime_data(values.dtype)[0])
    if units_per_us is None:
        values = values.astype("datetime64[us]")
        units_per_us = 1
    micros = values.view(np.int64) // units_per_us
    seconds = np.where(micros >= 0, micros // 1_000_000, -((-micros) // 1_000_000))
    stamps: list[int | None] = seconds.tolist()
    missing = np.isnat(values)
    if missing.any():
        for index in np.flatnonzero(missing).tolist():
            stamps[index] = None
    return stamps


#: A serialised ``Value`` holding a double: field 5 (``double_val``), wire type 1 (64-bit).
_DOUBLE_TAG = 0x29
_TAGGED_DOUBLE = np.dtype([("tag", "u1"), ("value", "<f8")])


def encoded_doubles(column: pa.Array) -> tuple[list[bytes], list[str | None]] | None:
    """A float64 column's serialised ``Value`` protos and ``value_text``, without the protos.

    ``ValueProto(double_val=v).SerializeToString()`` is the tag byte and the 8 little-endian
    bytes of ``v`` (a oneof member is written even when zero); a null (NaN, as Feast reads it)
    is the empty message. The text is ``str(v)``, what ``extract_text_and_num`` returns.
    """
    values = column.to_numpy(zero_copy_only=False)
    if values.dtype != np.float64:
        return None
    tagged = np.empty(len(values), dtype=_TAGGED_DOUBLE)
    tagged["tag"] = _DOUBLE_TAG
    tagged["value"] = values
    raw = tagged.tobytes()
    size = _TAGGED_DOUBLE.itemsize
    floats = values.tolist()
    blobs = [raw[i * size : (i + 1) * size] if v == v else b"" for i, v in enumerate(floats)]
    return blobs, [str(v) if v == v else None for v in floats]


def serialized_entity_keys(names: list[str], key_protos: list[list[ValueProto]], version: int) -> list[bytes]:
    """``serialize_entity_key`` of each row's key.

    With one join key (and serialization version 3) the bytes are a fixed prefix naming the key
    followed by the value's type, length and bytes from Feast's own ``_serialize_val``: the
    layout ``serialize_entity_key`` writes, without building an ``EntityKey`` proto per row.
    """
    if len(names) == 1 and version >= 3:
        name = names[0].encode("utf8")
        prefix = struct.pack("<III", 1, ValueTypeProto.STRING, len(name)) + name
        keys = []
        for proto in key_protos[0]:
            value, value_type = _serialize_val(
                proto.WhichOneof("val"), proto, entity_key_serialization_version=version
            )
            keys.append(prefix + struct.pack("<II", value_type, len(value)) + value)
        return keys
    return [
        serialize_entity_key(EntityKeyProto(join_keys=names, entity_values=list(values)), version)
        for values in zip(*key_protos, strict=True)
    ]


#: One record per entity row: key bytes, then (value bytes, value text) per feature in the
#: view's order, then event and created epoch seconds.
SqliteRecord = tuple[Any, ...]


def sqlite_records(
    batch: pa.RecordBatch, feature_view: FeatureView, join_keys: dict[str, ValueType], key_version: int
) -> list[SqliteRecord]:
    """The values ``SqliteOnlineStore.online_write_batch`` inserts for ``rows_for_online_write``'s
    tuples, built column by column, one record per entity row (see ``SqliteRecord``); each
    record becomes one row per feature, ``(entity key, feature, value, value_text, event,
    created)`` (``upsert_sql``)."""
    source = feature_view.batch_source
    assert source is not None
    key_protos = [column_protos(batch.column(k), value_type) for k, value_type in join_keys.items()]
    keys = serialized_entity_keys(list(join_keys), key_protos, key_version)
    per_feature: list[list[Any]] = []
    for field in feature_view.features:
        value_type = field.dtype.to_value_type()
        column = batch.column(field.name)
        encoded = encoded_doubles(column) if value_type == ValueType.DOUBLE else None
        if encoded is None:
            protos = column_protos(column, value_type)
            encoded = [proto.SerializeToString() for proto in protos], value_texts(protos, value_type)
        per_feature += encoded
    events = _sqlite_times(batch.column(source.timestamp_field))
    created = (
        _sqlite_times(batch.column(source.created_timestamp_column))
        if source.created_timestamp_column
        else [None] * batch.num_rows
    )
    # Rows sorted by key bytes (stable, so a key repeated in the batch still ends with its last
    # row). The rows' order is arbitrary anyway (it is the pull's), and inserting in
    # primary-key order into SQLite's B-trees took a third of the CPU of a shuffled order.
    records = list(zip(keys, *per_feature, events, created, strict=True))
    records.sort(key=lambda record: record[0])
    return records


#: Features per statement: 400 make 803 parameters, under SQLite's limit on parameters in one
#: statement even in builds older than 3.32 (999), and a modest ``VALUES`` list.
_MAX_FEATURES_PER_STATEMENT = 400


def _sqlite_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def upsert_sql(table_name: str, features: list[str]) -> str:
    """The statement ``online_write_batch`` runs, for all of one entity row's features at once.

    Feast executes ``INSERT ... VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ... DO UPDATE`` once per
    entity and feature. Here one execution inserts an entity row's features as a multi-row
    ``VALUES`` list with numbered parameters: the key and the two timestamps are bound once,
    feature names are literals. The rows, their order and the upsert are the same; Python binds
    fewer parameters and SQLite steps one statement per entity instead of one per feature
    (timings in docs/offline_store.md, "Design measurements").
    """
    count = len(features)
    event, created = 2 * count + 2, 2 * count + 3
    rows = ", ".join(
        f"(?1, {_sqlite_literal(name)}, ?{2 * i + 2}, ?{2 * i + 3}, ?{event}, ?{created})"
        for i, name in enumerate(features)
    )
    columns = ["entity_key", "feature_name", "value", "value_text", "event_ts", "created_ts"]
    update_set = ", ".join(f"{c} = excluded.{c}" for c in columns[2:])
    return (
        f"INSERT INTO {_quote_id(table_name)} ({', '.join(columns)}) VALUES {rows} "
        f"ON CONFLICT(entity_key, feature_name) DO UPDATE SET {update_set};"
    )


def write_sqlite(
    online_store: SqliteOnlineStore,
    config: RepoConfig,
    feature_view: FeatureView,
    records: list[SqliteRecord],
) -> None:
    """Upsert ``sqlite_records`` in one ``executemany`` of ``upsert_sql``, in one transaction.

    A view too wide for one statement's parameters is written in slices of its features, each
    slice for all entity rows; the table ends the same, since rows of different features never
    conflict.
    """
    conn = online_store._get_conn(config)
    table_name = _table_id(
        config.project, feature_view, config.registry.enable_online_feature_view_versioning
    )
    names = [field.name for field in feature_view.features]
    step = _MAX_FEATURES_PER_STATEMENT
    with conn:
        if len(names) <= step:
            if names:  # a view without features writes no rows, as in Feast
                conn.executemany(upsert_sql(table_name, names), records)
            return
        for first in range(0, len(names), step):
            part = names[first : first + step]
            values = slice(1 + 2 * first, 1 + 2 * (first + len(part)))
            conn.executemany(
                upsert_sql(table_name, part), [(r[0], *r[values], r[-2], r[-1]) for r in records]
            )


def write_batch(
    online_store: OnlineStore,
    config: RepoConfig,
    feature_view: FeatureView,
    batch: pa.RecordBatch,
    join_keys: dict[str, ValueType],
) -> None:
    """Write one materialised batch: Feast's SQLite rows directly, any other store through its API."""
    if _is_plain_sqlite(online_store, config) and _plain_view(feature_view):
        records = sqlite_records(batch, feature_view, join_keys, config.entity_key_serialization_version)
        write_sqlite(online_store, config, feature_view, records)  # type: ignore[arg-type]
        return
    rows = rows_for_online_write(batch, feature_view, join_keys)
    online_store.online_write_batch(config=config, table=feature_view, data=rows, progress=lambda _: None)
