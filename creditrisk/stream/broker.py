"""The broker interface the consumer needs, and its Redis Streams implementation.

A consumer needs four things from a broker: append events (the producer), receive the next
batch for its group, acknowledge what it applied, and say how far behind it is. Redis Streams
with a consumer group give at-least-once delivery: an entry delivered to a consumer stays in the
group's pending list until acknowledged, and a consumer restarted under the same name reads its
own pending entries again before new ones. Kafka gives the same with a consumer group and
committed offsets (``receive`` = poll, ``ack`` = commit after applying), so a ``KafkaBroker``
implementing :class:`Broker` can replace :class:`RedisStreamBroker` without touching the
consumer.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

from creditrisk.errors import ConfigurationError


@dataclass(frozen=True)
class Delivery:
    """One event as delivered: the broker's id (for ``ack``), when it was appended, its fields."""

    id: str
    appended_ms: int
    fields: dict[str, str]


class Broker(Protocol):
    def publish(self, events: list[dict[str, str]]) -> list[str]:
        """Append events; returns their ids in order."""
        ...

    def receive(self, count: int, block_ms: int) -> list[Delivery]:
        """The next events for this consumer: its unacknowledged ones first, then new ones."""
        ...

    def ack(self, ids: list[str]) -> None:
        """Mark events as applied; they are never delivered to the group again."""
        ...

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        """Set aside an event that can never be applied (kept with the reason, for a person)."""
        ...

    def lag_seconds(self, now_ms: int | None = None) -> float:
        """Age of the oldest event the group has not acknowledged (0 when it is caught up)."""
        ...


def _entry_ms(entry_id: str | bytes) -> int:
    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
    return int(text.split("-", 1)[0])


def _decode(fields: dict) -> dict[str, str]:
    return {
        (k.decode() if isinstance(k, bytes) else k): (v.decode() if isinstance(v, bytes) else v)
        for k, v in fields.items()
    }


class RedisStreamBroker:
    """A Redis stream read by one consumer group (``XREADGROUP``/``XACK``)."""

    def __init__(self, url: str, stream: str, group: str, consumer: str, claim_idle_ms: int = 60_000) -> None:
        import redis

        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=5)
        except ValueError as exc:
            raise ConfigurationError(f"CREDITRISK_STREAM_URL is not a Redis URL: {exc}") from None
        self.stream, self.group, self.consumer = stream, group, consumer
        self.claim_idle_ms = claim_idle_ms
        #: True until our own pending entries (from before a restart) have all been re-read.
        self._backlog = True

    def ensure_group(self) -> None:
        """Create the stream and the group reading it from the start, unless they exist."""
        import redis

        try:
            self._redis.xgroup_create(self.stream, self.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def publish(self, events: list[dict[str, str]]) -> list[str]:
        with self._redis.pipeline(transaction=False) as pipe:
            for fields in events:
                pipe.xadd(self.stream, fields)
            return [i.decode() if isinstance(i, bytes) else i for i in pipe.execute()]

    def receive(self, count: int, block_ms: int) -> list[Delivery]:
        if self._backlog:
            # "0": entries delivered to this consumer before and never acknowledged.
            batch = self._read("0", count, None)
            if batch:
                return batch
            self._backlog = False
            claimed = self._claim_abandoned(count)
            if claimed:
                return claimed
        return self._read(">", count, block_ms)

    def _read(self, start: str, count: int, block_ms: int | None) -> list[Delivery]:
        reply = self._redis.xreadgroup(
            self.group, self.consumer, {self.stream: start}, count=count, block=block_ms
        )
        out: list[Delivery] = []
        for _, entries in reply or []:
            for entry_id, fields in entries:
                if fields:  # a pending entry deleted from the stream comes back without fields
                    text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                    out.append(Delivery(text, _entry_ms(text), _decode(fields)))
        return out

    def _claim_abandoned(self, count: int) -> list[Delivery]:
        """Entries another consumer of the group received and left unacknowledged for long."""
        reply = self._redis.xautoclaim(
            self.stream, self.group, self.consumer, self.claim_idle_ms, start_id="0", count=count
        )
        entries = reply[1] if reply else []
        out = []
        for entry_id, fields in entries:
            if fields:
                text = entry_id.decode() if isinstance(entry_id, bytes) else entry_id
                out.append(Delivery(text, _entry_ms(text), _decode(fields)))
        return out

    def ack(self, ids: list[str]) -> None:
        if ids:
            self._redis.xack(self.stream, self.group, *ids)

    def dead_letter(self, delivery: Delivery, reason: str) -> None:
        self._redis.xadd(
            self.dead_letter_stream, {**delivery.fields, "_id": delivery.id, "_reason": reason[:500]}
        )

    @property
    def dead_letter_stream(self) -> str:
        return f"{self.stream}:dead-letter"

    def lag_seconds(self, now_ms: int | None = None) -> float:
        now_ms = int(time.time() * 1000) if now_ms is None else now_ms
        oldest = self.oldest_unacknowledged_ms()
        return 0.0 if oldest is None else max(0.0, (now_ms - oldest) / 1000)

    def oldest_unacknowledged_ms(self) -> int | None:
        """When the oldest entry not yet acknowledged by the group was appended (None: none)."""
        import redis

        try:
            groups = {g["name"]: g for g in map(_decode, self._redis.xinfo_groups(self.stream))}
        except redis.ResponseError:  # no such stream yet
            return None
        group = groups.get(self.group)
        if group is None:
            first = self._redis.xrange(self.stream, count=1)
            return _entry_ms(first[0][0]) if first else None
        candidates = []
        pending = self._redis.xpending(self.stream, self.group)
        if pending and pending.get("pending"):
            candidates.append(_entry_ms(pending["min"]))
        last = group["last-delivered-id"]
        undelivered = self._redis.xrange(self.stream, min=f"({last}", count=1)
        if undelivered:
            candidates.append(_entry_ms(undelivered[0][0]))
        return min(candidates) if candidates else None

    def counts(self) -> dict[str, int]:
        """Entries in the stream, pending (delivered, unacknowledged) in the group."""
        pending = self._redis.xpending(self.stream, self.group)
        return {"length": int(self._redis.xlen(self.stream)), "pending": int(pending.get("pending", 0))}

    def delete(self) -> None:
        """Drop the stream with its groups (tests and benchmarks clean up their own streams)."""
        self._redis.delete(self.stream, self.dead_letter_stream)
