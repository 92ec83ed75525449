"""The stream consumer: events from a :class:`~creditrisk.stream.broker.Broker` into Feast.

Each batch is received, validated, pushed (the engine path of
:func:`creditrisk.features.push.push_table`: ``FeatureStore.push``'s own writes with the view
resolved once) and only then acknowledged, so a consumer killed at
any point loses nothing: what it had received but not acknowledged is delivered again when it
restarts (at-least-once). Applying an event twice changes nothing:

- online, :func:`creditrisk.features.push.push_table` writes a row only when it is newer than
  the stored one, so a redelivered event (same event time) is skipped;
- offline (``offline=True``), a redelivered event appends a second, identical row (same key,
  event time, created time and values); a point-in-time join picks one of two equal rows, so
  every training set is the same.

An event that can never be applied (not JSON, unknown view, a value breaking the mart's schema)
goes to the broker's dead-letter stream with the reason and is acknowledged, so it cannot block
the stream; the valid events of its batch are applied.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from creditrisk.features.push import PUSH_TARGETS, push_table, target_schema
from creditrisk.features.push_schema import PushValidationError, validate_rows
from creditrisk.stream.broker import Broker, Delivery

logger = logging.getLogger(__name__)


@dataclass
class ConsumerStats:
    received: int = 0
    online_written: int = 0
    online_skipped: int = 0
    offline_written: int = 0
    dead_lettered: int = 0
    batches: int = 0
    #: per batch: seconds from the oldest event's append to its acknowledgement
    batch_latencies: list[float] = field(default_factory=list)


def encode_event(view: str, row: dict[str, Any]) -> dict[str, str]:
    """The stream fields of one event: the view it updates and the row as JSON."""
    return {"view": view, "row": json.dumps(row, separators=(",", ":"))}


class StreamConsumer:
    """Applies a broker's events to a Feast store, batch by batch (see the module doc)."""

    def __init__(
        self,
        broker: Broker,
        store: Any,
        *,
        offline: bool = False,
        batch_size: int = 500,
        block_ms: int = 500,
        on_batch: Callable[[ConsumerStats], None] | None = None,
    ) -> None:
        self.broker, self.store, self.offline = broker, store, offline
        self.batch_size, self.block_ms = batch_size, block_ms
        self.on_batch = on_batch
        self.stats = ConsumerStats()

    def run(
        self,
        *,
        max_events: int | None = None,
        idle_exit_seconds: float | None = None,
        stop: threading.Event | None = None,
    ) -> ConsumerStats:
        """Consume until ``stop`` is set, ``max_events`` were received, or nothing arrived for
        ``idle_exit_seconds`` (None: run until stopped)."""
        idle_since = time.monotonic()
        while not (stop and stop.is_set()):
            if max_events is not None and self.stats.received >= max_events:
                break
            count = self.batch_size
            if max_events is not None:
                count = min(count, max_events - self.stats.received)
            if self.run_once(count):
                idle_since = time.monotonic()
            elif idle_exit_seconds is not None and time.monotonic() - idle_since >= idle_exit_seconds:
                break
        return self.stats

    def run_once(self, count: int | None = None) -> int:
        """Receive one batch, apply it, acknowledge it; returns the number of events received."""
        deliveries = self.broker.receive(count or self.batch_size, self.block_ms)
        if not deliveries:
            return 0
        by_view = self._decode(deliveries)
        for view, (items, rows) in by_view.items():
            table = self._validated(view, items, rows)
            if table is not None and table.num_rows:
                result = push_table(self.store, PUSH_TARGETS[view], table, offline=self.offline, via="engine")
                self.stats.online_written += result.online_written
                self.stats.online_skipped += result.online_skipped
                self.stats.offline_written += result.offline_written
        self.broker.ack([d.id for d in deliveries])
        self.stats.received += len(deliveries)
        self.stats.batches += 1
        oldest = min(d.appended_ms for d in deliveries)
        self.stats.batch_latencies.append(max(0.0, time.time() - oldest / 1000))
        if self.on_batch:
            self.on_batch(self.stats)
        return len(deliveries)

    def _decode(self, deliveries: list[Delivery]) -> dict[str, tuple[list[Delivery], list[Any]]]:
        by_view: dict[str, tuple[list[Delivery], list[Any]]] = defaultdict(lambda: ([], []))
        for delivery in deliveries:
            view = delivery.fields.get("view", "")
            if view not in PUSH_TARGETS:
                self._reject(delivery, f"unknown view {view[:64]!r}")
                continue
            try:
                row = json.loads(delivery.fields.get("row", ""))
            except json.JSONDecodeError as exc:
                self._reject(delivery, f"row is not JSON: {exc.msg}")
                continue
            by_view[view][0].append(delivery)
            by_view[view][1].append(row)
        return by_view

    def _validated(self, view: str, items: list[Delivery], rows: list[Any]) -> pa.Table | None:
        """The batch's valid rows; each invalid one goes to the dead letters with its reason."""
        schema = target_schema(PUSH_TARGETS[view])
        try:
            return validate_rows(schema, rows)
        except PushValidationError:
            pass
        good = []
        for delivery, row in zip(items, rows, strict=True):
            try:
                validate_rows(schema, [row])
                good.append(row)
            except PushValidationError as exc:
                self._reject(delivery, f"{exc.field}: {exc.reason}")
        return validate_rows(schema, good) if good else None

    def _reject(self, delivery: Delivery, reason: str) -> None:
        logger.warning("event %s set aside: %s", delivery.id, reason)
        self.broker.dead_letter(delivery, reason)
        self.stats.dead_lettered += 1
