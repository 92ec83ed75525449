"""Replay performance months as events, at a chosen rate.

The generated monthly performance rows (the ``feat_loan_monthly_performance`` mart, one row per
loan and reporting month) are what a servicer's feed would have sent, one event per loan-month,
in the order they became known. :func:`replay` publishes them to a broker at ``rate`` events per
second (paced against the clock, in small bursts, so the rate holds without a sleep per event).

``restamp=True`` gives every event the time it is sent as ``event_timestamp`` (and
``created_timestamp``): the replayed history then arrives as live news, newer than what the
store holds, which is what a live feed looks like and what the latency benchmark measures.
Without it the original times are kept (a backfill: the consumer writes online only what is
newer than the stored rows, and appends everything offline with ``--offline``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from creditrisk.errors import DataError
from creditrisk.stream.broker import Broker
from creditrisk.stream.consumer import encode_event

VIEW = "loan_monthly_performance"
MART = "feat_loan_monthly_performance"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value


def mart_rows(path: Path, limit: int | None = None, loans: int | None = None) -> list[dict[str, Any]]:
    """The mart's rows in event-time order as JSON values (first ``loans`` loans, ``limit`` rows)."""
    if not path.exists():
        raise DataError(f"no performance mart at {path}; run `creditrisk warehouse build` first")
    table = pq.read_table(path).sort_by([("event_timestamp", "ascending"), ("loan_id", "ascending")])
    if loans is not None:
        keep = sorted(set(table["loan_id"].to_pylist()))[:loans]
        table = table.filter(pc.is_in(table["loan_id"], value_set=pa.array(keep)))
    if limit is not None:
        table = table.slice(0, limit)
    rows = table.to_pylist()
    for row in rows:
        row.pop("created_timestamp", None)
        for name, value in row.items():
            row[name] = _json_value(value)
    return rows


def paced(total: int, rate: float, burst: int = 50) -> Iterator[int]:
    """Yield burst sizes so that ``total`` events go out at ``rate`` per second (0: no pacing)."""
    started = time.perf_counter()
    sent = 0
    while sent < total:
        size = min(burst, total - sent)
        if rate > 0:
            due = started + sent / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        yield size
        sent += size


def replay(
    broker: Broker,
    rows: list[dict[str, Any]],
    rate: float,
    *,
    restamp: bool = False,
    on_sent: Callable[[int], None] | None = None,
) -> int:
    """Publish ``rows`` as events at ``rate`` per second; returns how many were sent."""
    sent = 0
    burst = max(1, min(50, int(rate / 20) or 1)) if rate > 0 else 500
    for size in paced(len(rows), rate, burst):
        chunk = rows[sent : sent + size]
        if restamp:
            now = _json_value(datetime.now(UTC))
            chunk = [{**row, "event_timestamp": now, "created_timestamp": now} for row in chunk]
        broker.publish([encode_event(VIEW, row) for row in chunk])
        sent += size
        if on_sent:
            on_sent(size)
    return sent
