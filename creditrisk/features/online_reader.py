"""A feature service resolved once, then read straight from the online store.

``FeatureStore.get_online_features`` re-resolves the service on every call (feature references,
views, entity maps, a protobuf response built value by value and converted back to Python), which
costs more CPU per single-id lookup than the read itself (docs/features.md, "Benchmarks"). A server
asks the same service for a handful of ids thousands of times, so :class:`OnlineReader` does that
resolution once, when it is built, and per call only:

1. turns the ids into Feast ``EntityKeyProto`` s (Feast's own value conversion, once per unique id);
2. reads the rows of every stored feature view of the service with a prepared fetch
   (:class:`_SqliteFetch`, :class:`_RedisFetch`) that runs the query Feast's ``online_read`` runs,
   on the store's own connection or client and with Feast's key serialisation, but per call
   builds nothing else: SQLite gets Feast's ``SELECT`` per view with the row timestamps as text
   (only the one per id that Feast keeps is converted, by Feast's own converter), Redis gets
   one pipeline of ``HMGET`` s for every view instead of one per view. Any other online store
   goes through its ``online_read``, view by view;
3. converts each value as Feast's ``feast_value_type_to_python_type`` does (plain scalars read
   straight off the protobuf, every other kind through Feast's function) and each row timestamp
   the way Feast's response does (whole seconds, 0 when the store has nothing);
4. runs the service's on-demand views through Feast's ``transform_dict`` with the inputs Feast
   would give them (the request time in whole seconds, as Feast's protobuf round trip leaves it),
   and round-trips their outputs through Feast's protobuf conversion as Feast does.

:meth:`OnlineReader.read` returns what ``get_online_features(...).to_dict(include_event_timestamps=True)``
returns for the service's features; ``tests/features/test_online_reader.py`` checks that equality
on SQLite and Redis (unknown, duplicated, stale and partly known ids). Freshness, TTL and as-of
rules stay in :mod:`creditrisk.features.online`, applied to this output exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TIMESTAMP_POSTFIX = "__ts"

#: Distinct stored row times whose conversion a SQLite fetch remembers (then it starts afresh).
_STAMP_CACHE_SIZE = 65_536

#: Value fields Feast returns as they are (no list, set, timestamp, UUID or JSON handling).
_PLAIN_FIELDS = frozenset({"double_val", "float_val", "int64_val", "int32_val", "string_val", "bool_val"})


@dataclass(frozen=True)
class _StoredView:
    """One stored feature view of the service and the features read from it."""

    view: Any  # feast.FeatureView
    name: str
    #: what the online store is asked for: the service's features plus on-demand inputs
    read: tuple[str, ...]
    #: the service's features of this view (returned to the caller)
    served: tuple[str, ...]
    types: dict[str, Any]  # feature -> feast ValueType


@dataclass(frozen=True)
class _OnDemandView:
    """One on-demand view of the service: its Feast object and the outputs the service uses."""

    view: Any  # feast.OnDemandFeatureView
    served: tuple[str, ...]
    types: dict[str, Any]  # output feature -> feast ValueType
    sources: tuple[str, ...]  # stored views it reads


class OnlineReader:
    """Reads one feature service for a list of ids (see the module docstring)."""

    def __init__(self, store: Any, service_name: str) -> None:
        from feast.value_type import ValueType

        self._store = store
        self._config = store.config
        self._online_store = store._get_provider().online_store
        service = store.get_feature_service(service_name, allow_cache=True)
        on_demand = {v.name: v for v in store.list_on_demand_feature_views(allow_cache=True)}
        served: dict[str, list[str]] = {}
        extra: dict[str, list[str]] = {}
        odfvs: list[_OnDemandView] = []
        request_fields: list[str] = []
        self.features: list[str] = []
        for projection in service.feature_view_projections:
            names = [f.name for f in projection.features]
            self.features += names
            if projection.name in on_demand:
                odfv = on_demand[projection.name]
                types = {f.name: f.dtype.to_value_type() for f in odfv.features}
                sources = []
                for source in odfv.source_feature_view_projections.values():
                    sources.append(source.name)
                    extra.setdefault(source.name, []).extend(f.name for f in source.features)
                for source in odfv.source_request_sources.values():
                    request_fields += [f.name for f in source.schema if f.name not in request_fields]
                odfvs.append(_OnDemandView(odfv, tuple(names), {n: types[n] for n in names}, tuple(sources)))
            else:
                served.setdefault(projection.name, []).extend(names)
        views: list[_StoredView] = []
        join_keys: set[str] = set()
        key_type = ValueType.UNKNOWN
        for name in dict.fromkeys([*served, *extra]):
            view = store.get_feature_view(name, allow_registry_cache=True)
            read = list(dict.fromkeys([*served.get(name, []), *extra.get(name, [])]))
            types = {f.name: f.dtype.to_value_type() for f in view.features if f.name in read}
            views.append(_StoredView(view, name, tuple(read), tuple(served.get(name, [])), types))
            for column in view.entity_columns:
                join_keys.add(column.name)
                key_type = column.dtype.to_value_type()
        if len(join_keys) != 1:
            raise ValueError(
                f"feature service {service_name} must have one join key, has {sorted(join_keys)}"
            )
        self.join_key = join_keys.pop()
        self._key_type = key_type
        self._views = views
        self._on_demand = odfvs
        self._request_fields = request_fields
        self.stored_views = {v.name: list(v.served) for v in views if v.served}
        self._reads = {v.name: v.read for v in views}
        #: the answer's keys in Feast's order: each feature, then its timestamp column
        self._result_order = [key for name in self.features for key in (name, name + TIMESTAMP_POSTFIX)]
        self._fetch = _fetch_for(self._online_store, self._config, views)

    def read(self, ids: list[Any], request_data: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Per feature of the service, one value per id (request order, duplicates kept), and
        ``<feature>__ts`` for stored features: the row's event time in whole seconds, 0 if none.

        ``request_data`` holds one value per request field of the on-demand views (e.g.
        ``{"as_of": datetime}``), used for every id.
        """
        from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto

        n = len(ids)
        first: dict[Any, int] = {}
        slots = [first.setdefault(i, len(first)) for i in ids]  # row -> unique entity index
        unique = list(first)
        keys = [
            EntityKeyProto(join_keys=[self.join_key], entity_values=[value])
            for value in self._key_values(unique)
        ]
        out: dict[str, list[Any]] = {}
        all_values: dict[str, list[Any]] = {}
        for view, (seconds, values) in zip(self._views, self._fetch.read(keys), strict=True):
            for name in view.read:
                per_entity = values[name]
                all_values[name] = [per_entity[s] for s in slots]
                if name in view.served:
                    out[name] = all_values[name]
                    out[name + TIMESTAMP_POSTFIX] = [seconds[s] for s in slots]
        if self._on_demand:
            request = self._request_values(request_data or {}, n)
            for odfv in self._on_demand:
                inputs = {self.join_key: list(ids), **request}
                for source in odfv.sources:
                    inputs.update({name: all_values[name] for name in self._reads[source]})
                transformed = _transform(odfv.view, inputs)
                for name in odfv.served:
                    out[name] = _round_trip(_as_list(transformed[name]), odfv.types[name])
        return {name: out[name] for name in self._result_order if name in out}

    def _key_values(self, ids: list[Any]) -> list[Any]:
        """The ids as Feast ``Value`` protos: for a string key, ``Value(string_val=id)`` is what
        ``python_values_to_proto_values`` builds for a ``str``, without its per-call type checks."""
        from feast.protos.feast.types.Value_pb2 import Value as ValueProto
        from feast.type_map import python_values_to_proto_values
        from feast.value_type import ValueType

        if self._key_type == ValueType.STRING and all(type(i) is str for i in ids):
            return [ValueProto(string_val=i) for i in ids]
        return python_values_to_proto_values(ids, self._key_type)

    def _request_values(self, request_data: dict[str, Any], n: int) -> dict[str, list[Any]]:
        """Request fields as the on-demand views see them after Feast's protobuf round trip."""
        from feast.type_map import feast_value_type_to_python_type, python_values_to_proto_values

        missing = [f for f in self._request_fields if f not in request_data]
        if missing:
            raise ValueError(f"request data missing for the on-demand features: {', '.join(missing)}")
        values = {}
        for name in self._request_fields:
            # one value for every id: converted once, as Feast converts each copy
            protos = python_values_to_proto_values([request_data[name]])
            values[name] = [feast_value_type_to_python_type(protos[0])] * n
        return values


def _transform(odfv: Any, inputs: dict[str, list[Any]]) -> dict[str, Any]:
    """``odfv.transform_dict(inputs)``'s outputs for a Python-mode, batch (non-singleton) view:
    its UDF called with the input dict ``transform_dict`` builds (the inputs plus each source
    feature under its other name, ``<view>__<feature>`` or plain), without the per-call runtime
    type checks Feast's class carries (a large share of the lookup: docs/serving.md, Speed). Other
    views go through ``transform_dict`` itself."""
    transformation = getattr(odfv, "feature_transformation", None)
    udf = getattr(transformation, "udf", None)
    if odfv.mode != "python" or odfv.singleton or udf is None:
        return odfv.transform_dict(inputs)
    prepared = dict(inputs)
    for projection in odfv.source_feature_view_projections.values():
        for feature in projection.features:
            full = f"{projection.name}__{feature.name}"
            if full in inputs:
                prepared[feature.name] = inputs[full]
            elif feature.name in inputs:
                prepared[full] = inputs[feature.name]
    return udf(prepared)


def _as_list(values: Any) -> list[Any]:
    return values if isinstance(values, list) else list(values)


def _round_trip(values: list[Any], kind: Any) -> list[Any]:
    """On-demand outputs as Feast's response returns them: through ``python_values_to_proto_values``
    and back. For a DOUBLE output that is only None or finite floats the trip is the identity, so
    such lists are returned as they are; anything else makes the trip."""
    from feast.type_map import feast_value_type_to_python_type, python_values_to_proto_values

    if kind.name == "DOUBLE" and all(v is None or (type(v) is float and v - v == 0.0) for v in values):
        return list(values)
    return [feast_value_type_to_python_type(v) for v in python_values_to_proto_values(values, kind)]


def python_value(proto: Any, kind: Any = None) -> Any:
    """``feast_value_type_to_python_type(proto, kind)``: a plain scalar is returned as Feast returns
    it (the protobuf field's value); every other kind goes through Feast's function."""
    field = proto.WhichOneof("val")
    if field is None:
        return None
    if field in _PLAIN_FIELDS and (field != "string_val" or kind not in _UUID_KINDS):
        return getattr(proto, field)
    from feast.type_map import feast_value_type_to_python_type

    return feast_value_type_to_python_type(proto, kind)


def _uuid_kinds() -> frozenset[Any]:
    from feast.value_type import ValueType

    return frozenset(getattr(ValueType, n) for n in ("UUID", "TIME_UUID") if hasattr(ValueType, n))


_UUID_KINDS: frozenset[Any] = frozenset()  # filled on first _fetch_for (nothing imported at import time)

#: Per stored view: every unique entity's row time in whole seconds (0: none) and, per feature
#: read, its Python value (None: none).
ViewRows = tuple[list[int], dict[str, list[Any]]]


def _stamp_seconds(stamp: Any) -> int:
    """Whole seconds of a row time as Feast's response carries them (a protobuf ``Timestamp``)."""
    from google.protobuf.timestamp_pb2 import Timestamp

    ts = Timestamp()
    if stamp is not None:
        ts.FromDatetime(stamp)
    return ts.seconds


class _OnlineReadFetch:
    """Any online store: its own ``online_read``, view by view (what Feast's lookup calls)."""

    def __init__(self, online_store: Any, config: Any, views: list[_StoredView]) -> None:
        self._online_store = online_store
        self._config = config
        self._views = views

    def read(self, keys: list[Any]) -> list[ViewRows]:
        out = []
        for view in self._views:
            rows = self._online_store.online_read(
                config=self._config, table=view.view, entity_keys=keys, requested_features=list(view.read)
            )
            out.append(_view_columns(view, rows))
        return out


class _SqliteFetch:
    """Feast's SQLite ``online_read`` without its per-row work.

    The same ``SELECT`` on the same connection, except that the row time comes back as text
    (``CAST``: a column without a declared type skips the connection's converter), so only the
    time Feast keeps per entity -- its last row's -- is converted, by the converter Feast
    registered for ``timestamp`` columns; only the features the service reads are parsed.
    """

    def __init__(self, online_store: Any, config: Any, views: list[_StoredView]) -> None:
        import sqlite3

        from feast.infra.key_encoding_utils import serialize_entity_key
        from feast.infra.online_stores.sqlite import _quote_id, _table_id

        self._conn = online_store._get_conn(config)
        self._serialize = serialize_entity_key
        self._version = config.entity_key_serialization_version
        self._convert = sqlite3.converters["TIMESTAMP"]
        versioning = config.registry.enable_online_feature_view_versioning
        self._views = [(_quote_id(_table_id(config.project, view.view, versioning)), view) for view in views]
        self._sql: dict[tuple[str, int], str] = {}
        self._stamps: dict[Any, int] = {}
        #: per view, the features whose plain values python_value returns as they are
        self._plain = {
            view.name: {name for name in view.read if view.types.get(name) not in _UUID_KINDS}
            for view in views
        }

    def _statement(self, table: str, n: int) -> str:
        sql = self._sql.get((table, n))
        if sql is None:
            sql = self._sql[(table, n)] = (
                f"SELECT entity_key, feature_name, value, CAST(event_ts AS TEXT) FROM {table} "
                f"WHERE entity_key IN ({','.join('?' * n)}) ORDER BY entity_key"
            )
        return sql

    def read(self, keys: list[Any]) -> list[ViewRows]:
        from feast.protos.feast.types.Value_pb2 import Value as ValueProto

        parse = ValueProto.FromString
        serialized = [self._serialize(k, entity_key_serialization_version=self._version) for k in keys]
        index = {key: i for i, key in enumerate(serialized)}
        out = []
        for table, view in self._views:
            rows = self._conn.execute(self._statement(table, len(serialized)), serialized).fetchall()
            read = {name: [None] * len(serialized) for name in view.read}
            last: dict[int, Any] = {}
            plain = self._plain[view.name]
            for key, name, value, stamp in rows:
                i = index[key]
                last[i] = stamp
                column = read.get(name)
                if column is not None:
                    proto = parse(value)
                    field = proto.WhichOneof("val")  # python_value, inlined for the common case
                    if field in _PLAIN_FIELDS and name in plain:
                        column[i] = getattr(proto, field)
                    else:
                        column[i] = python_value(proto, view.types.get(name))
            seconds = [0] * len(serialized)
            for i, stamp in last.items():
                seconds[i] = self._seconds(stamp)
            out.append((seconds, read))
        return out

    def _seconds(self, text: Any) -> int:
        """Whole seconds of a stored row time, remembered per text (rows share a handful of times:
        report months, materialisation runs), as :meth:`_timestamp` and Feast's response give them."""
        seconds = self._stamps.get(text)
        if seconds is None:
            if len(self._stamps) >= _STAMP_CACHE_SIZE:
                self._stamps.clear()
            seconds = self._stamps[text] = _stamp_seconds(self._timestamp(text))
        return seconds

    def _timestamp(self, text: Any) -> Any:
        """The row time as Feast's ``online_read`` returns it (converted, then UTC)."""
        from datetime import UTC

        if text is None:
            return None
        stamp = self._convert(text.encode() if isinstance(text, str) else text)
        return stamp.astimezone(UTC) if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


class _RedisFetch:
    """Feast's Redis ``online_read`` for every view in one pipeline.

    Feast's own key serialisation, field hashing, ``HMGET`` batch (``_read_hash_fields``: redis-py
    pipeline or GLIDE batch, as configured) and reply decoding (``_get_features_for_entity``),
    with every view's commands sent together instead of one round trip per view.
    """

    def __init__(self, online_store: Any, config: Any, views: list[_StoredView]) -> None:
        from feast.infra.online_stores.redis import _versioned_fv_name

        self._store = online_store
        self._config = config
        self._views = []
        for view in views:
            fv_name = _versioned_fv_name(view.view, config)
            names, fields = online_store._generate_hset_keys_for_features(
                view.view, list(view.read), fv_name_override=fv_name
            )
            self._views.append((view, fv_name, names, fields))

    def read(self, keys: list[Any]) -> list[ViewRows]:
        redis_keys = self._store._generate_redis_keys_for_entities(self._config, keys)
        commands = [(key, fields) for _, _, _, fields in self._views for key in redis_keys]
        replies = self._store._read_hash_fields(self._config, commands)
        out = []
        for n, (view, fv_name, names, _) in enumerate(self._views):
            rows = [
                self._store._get_features_for_entity(values, fv_name, list(names))
                for values in replies[n * len(redis_keys) : (n + 1) * len(redis_keys)]
            ]
            out.append(_view_columns(view, rows))
        return out


def _fetch_for(online_store: Any, config: Any, views: list[_StoredView]) -> Any:
    """The prepared fetch for the store's kind (Feast's own SQLite and Redis stores), else its
    ``online_read``."""
    global _UUID_KINDS
    if not _UUID_KINDS:
        _UUID_KINDS = _uuid_kinds()
    kind = type(online_store).__name__
    try:
        if kind == "SqliteOnlineStore":
            return _SqliteFetch(online_store, config, views)
        if kind == "RedisOnlineStore" and hasattr(online_store, "_read_hash_fields"):
            return _RedisFetch(online_store, config, views)
    except (AttributeError, ImportError, KeyError, TypeError):  # another Feast version's internals
        pass
    return _OnlineReadFetch(online_store, config, views)


def _view_columns(view: Any, rows: list[Any]) -> tuple[list[Any], dict[str, list[Any]]]:
    """One view's read as event seconds per row and plain values per feature (None when absent);
    the same for the SQLite and the Redis read."""
    seconds = [_stamp_seconds(stamp) for stamp, _ in rows]
    values = {
        name: [
            None if data is None or name not in data else python_value(data[name], view.types.get(name))
            for _, data in rows
        ]
        for name in view.read
    }
    return seconds, values
