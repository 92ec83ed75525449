"""A feature service resolved once, then read straight from the online store.

``FeatureStore.get_online_features`` re-resolves the service on every call (feature references,
views, entity maps, a protobuf response built value by value and converted back to Python), which
measured about 1 ms of CPU per single-id lookup -- more than the read itself. A server asks the
same service for a handful of ids thousands of times, so :class:`OnlineReader` does that
resolution once, when it is built, and per call only:

1. turns the ids into Feast ``EntityKeyProto`` s (Feast's own value conversion, once per unique id);
2. calls the online store's ``online_read`` for each stored feature view of the service -- the
   same method Feast's lookup calls, so SQLite, Redis and their key serialisation are Feast's;
3. converts each value with Feast's ``feast_value_type_to_python_type`` and each row timestamp
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

    def read(self, ids: list[Any], request_data: dict[str, Any] | None = None) -> dict[str, list[Any]]:
        """Per feature of the service, one value per id (request order, duplicates kept), and
        ``<feature>__ts`` for stored features: the row's event time in whole seconds, 0 if none.

        ``request_data`` holds one value per request field of the on-demand views (e.g.
        ``{"as_of": datetime}``), used for every id.
        """
        from feast.protos.feast.types.EntityKey_pb2 import EntityKey as EntityKeyProto
        from feast.type_map import feast_value_type_to_python_type, python_values_to_proto_values
        from google.protobuf.timestamp_pb2 import Timestamp

        n = len(ids)
        first: dict[Any, int] = {}
        slots = [first.setdefault(i, len(first)) for i in ids]  # row -> unique entity index
        unique = list(first)
        key_values = python_values_to_proto_values(unique, self._key_type)
        keys = [EntityKeyProto(join_keys=[self.join_key], entity_values=[value]) for value in key_values]
        out: dict[str, list[Any]] = {}
        all_values: dict[str, list[Any]] = {}
        for view in self._views:
            rows = self._online_store.online_read(
                config=self._config, table=view.view, entity_keys=keys, requested_features=list(view.read)
            )
            seconds = []
            for stamp, _ in rows:
                ts = Timestamp()
                if stamp is not None:
                    ts.FromDatetime(stamp)
                seconds.append(ts.seconds)
            for name in view.read:
                kind = view.types.get(name)
                per_entity = [
                    None
                    if data is None or name not in data
                    else feast_value_type_to_python_type(data[name], kind)
                    for _, data in rows
                ]
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
                transformed = odfv.view.transform_dict(inputs)
                for name in odfv.served:
                    protos = python_values_to_proto_values(_as_list(transformed[name]), odfv.types[name])
                    out[name] = [feast_value_type_to_python_type(v) for v in protos]
        return {name: out[name] for name in self._result_order if name in out}

    def _request_values(self, request_data: dict[str, Any], n: int) -> dict[str, list[Any]]:
        """Request fields as the on-demand views see them after Feast's protobuf round trip."""
        from feast.type_map import feast_value_type_to_python_type, python_values_to_proto_values

        missing = [f for f in self._request_fields if f not in request_data]
        if missing:
            raise ValueError(f"request data missing for the on-demand features: {', '.join(missing)}")
        values = {}
        for name in self._request_fields:
            protos = python_values_to_proto_values([request_data[name]] * n)
            values[name] = [feast_value_type_to_python_type(v) for v in protos]
        return values


def _as_list(values: Any) -> list[Any]:
    return values if isinstance(values, list) else list(values)
