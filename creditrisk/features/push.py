"""Push rows into the feature store as they happen, with Feast's own push API.

The loan-month performance view and the company filings view read through a Feast
``PushSource`` (``feature_repo/data_sources.py``). :func:`push_rows` validates the rows against
the mart they extend (:mod:`creditrisk.features.push_schema`) and hands them to
``FeatureStore.push``:

- **online** (always): only rows newer than what the online store holds for their entity are
  written, and of several rows for one entity in a batch only the newest. Feast's Redis store
  already refuses a row that is not newer than the stored one; its SQLite store overwrites
  blindly, so the rule is applied here for every store. An equal event time counts as "not
  newer": re-applying an event (a redelivered stream entry) changes nothing.
- **offline** (``offline=True``): every valid row is appended to the view's batch source through
  the offline store's ``offline_write_batch`` (``PushMode.OFFLINE``), so point-in-time training
  sets see it from its event time on. History keeps older rows too: a late report is still a
  fact about its month.

Two write paths, same rows:

- ``via="feast"`` (the API and the CLI): ``FeatureStore.push`` itself. Each call re-reads every
  feature view and service from the registry's protobufs (almost all of a call's time is that
  decoding: docs/streaming.md), which is fine for a request and too slow for a stream;
- ``via="engine"`` (the stream consumer): the steps ``FeatureStore.push`` ends in, with the view
  resolved once per store: the online rows are written by the ASOF engine's online writer
  (:func:`creditrisk.feast_asof.online_write.write_batch`, proven equal to Feast's
  ``online_write_batch`` row for row) and the offline rows by the provider's
  ``ingest_df_to_offline_store`` (the offline store's ``offline_write_batch``), exactly what
  ``PushMode.OFFLINE`` calls. A long-lived process keeps the views it resolved: restart it
  after ``creditrisk features apply`` changes a pushed view.

The check-then-write is not atomic across processes: two writers pushing the same entity at
the same moment can interleave (last write wins). One process per stream partition (the
consumer) and the API's per-process lock keep that out of the normal paths.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from creditrisk.errors import DataError
from creditrisk.feast_asof.errors import AsofStoreError
from creditrisk.features.push_schema import MartSchema, mart_schema, validate_rows


@dataclass(frozen=True)
class PushTarget:
    """A feature view fed by a push source, and the mart whose rows the pushes extend."""

    view: str
    push_source: str
    mart: str


#: Views that accept pushes, by view name (the name the CLI, the API and events use).
PUSH_TARGETS: dict[str, PushTarget] = {
    "loan_monthly_performance": PushTarget(
        "loan_monthly_performance", "loan_monthly_performance_push", "feat_loan_monthly_performance"
    ),
    "company_financials": PushTarget(
        "company_financials", "company_financials_push", "feat_company_financials"
    ),
}

_SCHEMAS: dict[str, MartSchema] = {}
_LOCK = threading.Lock()
#: Per FeatureStore: view name -> the resolved FeatureView (decoding one from the registry's
#: protobufs is slow: docs/measurements.md, "Feature store").
_VIEWS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def resolved_view(store: Any, view: str) -> Any:
    """The store's FeatureView ``view``, decoded from the registry once per store."""
    views = _VIEWS.setdefault(store, {})
    if view not in views:
        views[view] = store.get_feature_view(view, allow_registry_cache=True)
    return views[view]


def get_push_target(view: str) -> PushTarget:
    try:
        return PUSH_TARGETS[view]
    except KeyError:
        raise DataError(f"view '{view}' does not accept pushes; one of {sorted(PUSH_TARGETS)}") from None


def target_schema(target: PushTarget) -> MartSchema:
    """The mart's schema, read from the dbt YAML once per process."""
    if target.mart not in _SCHEMAS:
        _SCHEMAS[target.mart] = mart_schema(target.mart)
    return _SCHEMAS[target.mart]


@dataclass
class PushResult:
    """What one push did: rows received, written online, skipped as not newer, written offline."""

    view: str
    received: int
    online_written: int
    online_skipped: int
    offline_written: int
    #: the newest event time written online in this push (None when nothing was written)
    latest_event: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "view": self.view,
            "received": self.received,
            "online_written": self.online_written,
            "online_skipped": self.online_skipped,
            "offline_written": self.offline_written,
            "latest_event_timestamp": self.latest_event.isoformat() if self.latest_event else None,
        }


def push_rows(
    store: Any, view: str, rows: list[Any], *, offline: bool = False, now: datetime | None = None
) -> PushResult:
    """Validate ``rows`` (dicts in the mart's columns) and push them with ``FeatureStore.push``."""
    target = get_push_target(view)
    table = validate_rows(target_schema(target), rows, now=now)
    return push_table(store, target, table, offline=offline)


def push_table(
    store: Any, target: PushTarget, table: pa.Table, *, offline: bool = False, via: str = "feast"
) -> PushResult:
    """Push an already validated table (the mart's columns and types); ``via`` as in the module doc."""
    schema = target_schema(target)
    with _LOCK:
        fresh = newer_than_stored(store, target, schema.entity_key, latest_per_key(table, schema.entity_key))
        if via == "feast":
            _push_with_feast(store, target, fresh, table if offline else None)
        else:
            _push_with_engine(store, target, fresh, table if offline else None)
    latest = pc.max(fresh["event_timestamp"]).as_py() if fresh.num_rows else None
    return PushResult(
        view=target.view,
        received=table.num_rows,
        online_written=fresh.num_rows,
        online_skipped=table.num_rows - fresh.num_rows,
        offline_written=table.num_rows if offline else 0,
        latest_event=latest.astimezone(UTC) if latest else None,
    )


def _push_with_feast(store: Any, target: PushTarget, online: pa.Table, offline: pa.Table | None) -> None:
    from feast.data_source import PushMode

    if online.num_rows:
        store.push(target.push_source, _online_frame(online), to=PushMode.ONLINE)
    if offline is not None:
        try:
            store.push(target.push_source, offline.to_pandas(), to=PushMode.OFFLINE)
        except AsofStoreError as exc:
            raise DataError(str(exc)) from exc


def _push_with_engine(store: Any, target: PushTarget, online: pa.Table, offline: pa.Table | None) -> None:
    from creditrisk.feast_asof.online_write import write_batch

    feature_view = resolved_view(store, target.view)
    provider = store._get_provider()
    if online.num_rows:
        join_keys = {c.name: c.dtype.to_value_type() for c in feature_view.entity_columns}
        for batch in online.to_batches():
            write_batch(provider.online_store, store.config, feature_view, batch, join_keys)
    if offline is not None:
        try:
            provider.ingest_df_to_offline_store(feature_view, offline)
        except AsofStoreError as exc:
            raise DataError(str(exc)) from exc


def latest_per_key(table: pa.Table, key: str) -> pa.Table:
    """The newest row per entity (event time, then created time; the later row on a full tie)."""
    frame = table.select([key, "event_timestamp", "created_timestamp"]).to_pandas()
    frame["_row"] = np.arange(len(frame))
    frame = frame.sort_values([key, "event_timestamp", "created_timestamp", "_row"], kind="stable")
    keep = frame.drop_duplicates(key, keep="last")["_row"].sort_values().to_numpy()
    return table.take(pa.array(keep, pa.int64()))


def stored_event_times(store: Any, view: str, key: str, ids: list[str]) -> list[datetime | None]:
    """When each id's stored row in ``view`` became known (None when the store has none)."""
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    feature_view = resolved_view(store, view)
    online = store._get_provider().online_store
    fast = _sqlite_event_times(online, store.config, feature_view, key, ids)
    if fast is not None:
        return fast
    keys = [EntityKey(join_keys=[key], entity_values=[Value(string_val=i)]) for i in ids]
    first = feature_view.features[0].name
    rows = online.online_read(
        config=store.config, table=feature_view, entity_keys=keys, requested_features=[first]
    )
    stamps: list[datetime | None] = []
    for stamp, _ in rows:
        stamps.append(None if stamp is None else _as_utc(stamp))
    return stamps


def _as_utc(stamp: Any) -> datetime:
    if isinstance(stamp, int | float):
        return datetime.fromtimestamp(stamp, UTC)
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _sqlite_event_times(
    online: Any, config: Any, feature_view: Any, key: str, ids: list[str]
) -> list[datetime | None] | None:
    """For Feast's plain SQLite store, the stored event times with one narrow query (its
    ``online_read`` fetches and decodes every feature of every key, several times the consumer's
    write: docs/measurements.md, "Feature store").
    None for any other store."""
    from feast.infra.key_encoding_utils import serialize_entity_key
    from feast.infra.online_stores.sqlite import SqliteOnlineStore, _table_id
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    if type(online) is not SqliteOnlineStore:
        return None
    version = config.entity_key_serialization_version
    blobs = [
        serialize_entity_key(EntityKey(join_keys=[key], entity_values=[Value(string_val=i)]), version)
        for i in ids
    ]
    table = _table_id(config.project, feature_view, config.registry.enable_online_feature_view_versioning)
    conn = online._get_conn(config)
    found: dict[bytes, datetime] = {}
    for start in range(0, len(blobs), 900):
        part = blobs[start : start + 900]
        rows = conn.execute(
            f'SELECT entity_key, event_ts FROM "{table}" WHERE feature_name = ? '
            f"AND entity_key IN ({','.join('?' * len(part))})",
            [feature_view.features[0].name, *part],
        ).fetchall()
        found.update({bytes(k): _as_utc(ts) for k, ts in rows if ts is not None})
    return [found.get(blob) for blob in blobs]


def newer_than_stored(store: Any, target: PushTarget, key: str, table: pa.Table) -> pa.Table:
    """The rows whose event time is later than the online store's row for their entity."""
    if table.num_rows == 0:
        return table
    ids = table[key].to_pylist()
    events = table["event_timestamp"].to_pylist()
    stored = stored_event_times(store, target.view, key, ids)
    keep = [old is None or new > old for new, old in zip(events, stored, strict=True)]
    return table.filter(pa.array(keep, pa.bool_()))


def _online_frame(table: pa.Table):
    """The rows as Feast's online write wants them: dates as UTC midnights (``UnixTimestamp``)."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_date32(field.type):
            column = pc.cast(pc.cast(column, pa.timestamp("s")), pa.timestamp("us", tz="UTC"))
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names).to_pandas()
