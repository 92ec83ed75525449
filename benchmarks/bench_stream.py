"""Fresh features: events through a Redis stream into the online store, vs a full materialize.

Synthetic marts as in ``bench_features`` (every column of the dbt YAML). For SQLite and Redis
online stores:

- **throughput**: a backlog of performance events (one per loan, stamped now) is consumed by
  :class:`~creditrisk.stream.consumer.StreamConsumer` in-process, batches of 500; events per
  second, against the same events pushed through ``FeatureStore.push`` per batch (the API's
  path; it re-reads the registry on every call);
- **end-to-end latency at 1,000 events/s**: a producer publishes at a paced 1,000 events/s,
  a ``creditrisk stream consume`` process (a real subprocess) applies them, and a prober reads
  the probed loans through ``creditrisk.features.online.read_online`` (the API's scoring path,
  which reads the store on every request) until the event's time shows; latency = first read
  showing the event - publish time. p50/p99 over every 50th event; goal p99 < 1 s;
- **materialize**: a full ``creditrisk features materialize`` of the same marts in the same run,
  the batch way for new values to reach the online store.

Scale ``full``: 20k loans x 12 months, 20k-event backlog, 20 s at 1,000 events/s. ``small``:
2k loans x 6 months, 3k-event backlog, 5 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from benchmarks.bench_features import write_marts
from benchmarks.harness import BenchContext, Measurement, timed
from creditrisk.settings import Settings

NAME = "stream"
RATE = 1000.0
#: Every this many events is probed (20 probes/s at 1,000 events/s: a light reader, like a few
#: score requests a second, so the measurement does not slow what it measures).
PROBE_EVERY = 50


def _stream_url() -> str | None:
    import redis

    host_port = os.environ.get("CREDITRISK_TEST_REDIS_URL", "127.0.0.1:6399").split(",")[0]
    url = f"redis://{host_port}/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        return None
    return url


def _event_rows(marts: Path, n: int) -> list[dict]:
    """The last month's performance rows of the first ``n`` loans, as event rows."""
    from creditrisk.stream.producer import mart_rows

    rows = mart_rows(marts / "feat_loan_monthly_performance.parquet")
    return rows[-n:]


def _stamped(rows: list[dict], when: datetime) -> list[dict]:
    stamp = when.isoformat().replace("+00:00", "Z")
    return [{**row, "event_timestamp": stamp, "created_timestamp": stamp} for row in rows]


def _broker(url: str, tag: str):
    from creditrisk.stream.broker import RedisStreamBroker

    broker = RedisStreamBroker(url, f"creditrisk-bench:{tag}:{uuid.uuid4().hex[:8]}", "online", "bench")
    broker.ensure_group()
    return broker


def _throughput(settings: Settings, url: str, rows: list[dict]) -> Measurement:
    """Events/s through the consumer (engine path) vs FeatureStore.push per batch."""
    from creditrisk.features import get_feature_store
    from creditrisk.features.push import PUSH_TARGETS, push_table, target_schema
    from creditrisk.features.push_schema import validate_rows
    from creditrisk.stream.consumer import StreamConsumer, encode_event

    store = get_feature_store(settings)
    broker = _broker(url, "throughput")
    try:
        events = _stamped(rows, datetime.now(UTC))
        for start in range(0, len(events), 2000):
            broker.publish(
                [encode_event("loan_monthly_performance", r) for r in events[start : start + 2000]]
            )
        consumer = StreamConsumer(broker, store, batch_size=500, block_ms=100)
        with timed() as ours:
            stats = consumer.run(idle_exit_seconds=0.3)
        seconds = ours() - 0.3
        assert stats.received == len(events), stats
        # Baseline: the same number of rows in the same batches through FeatureStore.push.
        target = PUSH_TARGETS["loan_monthly_performance"]
        later = _stamped(rows, datetime.now(UTC))
        schema = target_schema(target)
        with timed() as feast_push:
            for start in range(0, len(later), 500):
                table = validate_rows(schema, later[start : start + 500])
                push_table(store, target, table, via="feast")
    finally:
        broker.delete()
    n = len(rows)
    return Measurement(
        NAME,
        f"stream consume into {settings.online_store}, {n:,}-event backlog",
        "events per second",
        n / seconds,
        "events/s",
        baseline_name="FeatureStore.push per 500-row batch",
        baseline_value=n / feast_push(),
        higher_is_better=True,
        notes=f"{stats.online_written:,} written online in {stats.batches} batches of up to 500",
    )


def _latency(settings: Settings, url: str, rows: list[dict], seconds: float, work: Path) -> list[Measurement]:
    """p50/p99 from publish to the API's online read showing the event, at RATE events/s."""
    from creditrisk.features import get_feature_store
    from creditrisk.features.online import read_online
    from creditrisk.stream.consumer import encode_event

    broker = _broker(url, "latency")
    env = {
        **os.environ,
        "CREDITRISK_DATA_DIR": str(settings.data_root),
        "CREDITRISK_ONLINE_STORE": settings.online_store,
        "CREDITRISK_REDIS_URL": settings.redis_url,
        "CREDITRISK_STREAM_URL": url,
    }
    cli = str(Path(sys.executable).with_name("creditrisk"))
    log = open(work / f"consumer-{settings.online_store}.log", "w")  # noqa: SIM115 (closed below)
    consumer = subprocess.Popen(
        [cli, "stream", "consume", "--stream", broker.stream, "--group", broker.group, "--consumer", "c1",
         "--batch-size", "500"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    store = get_feature_store(settings)
    total = int(RATE * seconds)
    probes: dict[str, tuple[float, int]] = {}  # loan -> (publish wall time, event second)
    latencies: list[float] = []
    lock = threading.Lock()
    done = threading.Event()
    try:
        warm = _stamped(rows[:1], datetime.now(UTC))
        broker.publish([encode_event("loan_monthly_performance", warm[0])])
        deadline = time.time() + 120
        while broker.counts()["length"] and broker.lag_seconds() > 0 and time.time() < deadline:
            time.sleep(0.05)  # the consumer is up once it has applied the warm-up event

        def produce() -> None:
            from creditrisk.stream.producer import paced

            sent = 0
            for size in paced(total, RATE, burst=20):
                now = datetime.now(UTC)
                chunk = _stamped([rows[(sent + i) % len(rows)] for i in range(size)], now)
                published = time.time()
                broker.publish([encode_event("loan_monthly_performance", r) for r in chunk])
                with lock:
                    for i, row in enumerate(chunk):
                        if (sent + i) % PROBE_EVERY == 0 and row["loan_id"] not in probes:
                            probes[row["loan_id"]] = (published, int(now.timestamp()))
                sent += size
            done.set()

        producer = threading.Thread(target=produce, daemon=True)
        producer.start()
        watching: dict[str, tuple[float, int]] = {}
        end = time.time() + seconds + 30
        while time.time() < end and not (done.is_set() and not watching and len(latencies) >= len(probes)):
            with lock:
                for loan, probe in probes.items():
                    if loan not in watching and probe[0] > 0:
                        watching[loan] = probe
                        probes[loan] = (0.0, probe[1])  # taken
            if watching:
                ids = list(watching)
                read = read_online(store, "loan_default", ids)
                seen_at = time.time()
                seconds_by_row = read.seconds["loan_monthly_performance"]
                for loan, stored in zip(ids, seconds_by_row, strict=True):
                    if stored >= watching[loan][1]:
                        latencies.append(seen_at - watching.pop(loan)[0])
            time.sleep(0.01)  # the prober must not starve the consumer it measures
        producer.join(5)
        missed = len(watching)
    finally:
        consumer.terminate()
        consumer.wait(30)
        log.close()
        broker.delete()
    case = f"event -> online read, {settings.online_store}, {RATE:,.0f} events/s"
    p50, p99 = np.percentile(latencies, [50, 99]) if latencies else (float("nan"), float("nan"))
    load = os.getloadavg()[0]
    note = (
        f"{total:,} events at {RATE:,.0f}/s; {len(latencies):,} probes seen, {missed} not within 30 s; "
        f"1-min load average {load:.1f} on {os.cpu_count()} cores"
    )
    return [
        Measurement(NAME, case, "p50 latency", float(p50), "s", notes=note),
        Measurement(NAME, case, "p99 latency", float(p99), "s", target="p99 < 1 s", notes=note),
    ]


def _materialize(settings: Settings, rows: int) -> Measurement:
    from creditrisk.features.materialize import materialize

    with timed() as full:
        materialize(settings, end=datetime.now(UTC))
    return Measurement(
        NAME,
        f"full features materialize into {settings.online_store}",
        "seconds",
        full(),
        "s",
        notes=f"{rows:,} mart rows; the batch path for new values to reach the online store",
    )


def _redis_settings(sqlite: Settings, work: Path) -> Settings | None:
    import redis

    host_port = os.environ.get("CREDITRISK_TEST_REDIS_URL", "127.0.0.1:6399").split(",")[0]
    host, port = host_port.split(":")
    try:
        redis.Redis(host=host, port=int(port), db=10, socket_connect_timeout=1).flushdb()
    except redis.exceptions.ConnectionError:
        return None
    settings = Settings(data_dir=work / "data", online_store="redis", redis_url=f"{host_port},db=10")
    shutil.copytree(sqlite.marts_dir, settings.marts_dir, dirs_exist_ok=True)
    return settings


def run(ctx: BenchContext) -> list[Measurement]:
    from creditrisk.features.store import apply_definitions

    url = _stream_url()
    if url is None:
        print("  Redis not running (make redis): the stream benchmark needs it")
        return []
    small = ctx.scale == "small"
    loans, months, backlog, seconds = (2_000, 6, 3_000, 5.0) if small else (20_000, 12, 20_000, 20.0)
    shutil.rmtree(ctx.work_dir, ignore_errors=True)
    ctx.work_dir.mkdir(parents=True)
    sqlite = Settings(data_dir=ctx.scratch("sqlite") / "data", online_store="sqlite")
    write_marts(sqlite.marts_dir, loans, months)
    rows = _event_rows(sqlite.marts_dir, loans)
    out: list[Measurement] = []
    stores = [sqlite]
    redis_settings = _redis_settings(sqlite, ctx.scratch("redis"))
    if redis_settings is None:
        print("  Redis online store unavailable: SQLite only")
    else:
        stores.append(redis_settings)
    for settings in stores:
        apply_definitions(settings)
        out.append(_materialize(settings, loans * (months + 1)))
        backlog_rows = (rows * (backlog // len(rows) + 1))[:backlog]
        out.append(_throughput(settings, url, backlog_rows))
        out += _latency(settings, url, rows, seconds, ctx.work_dir)
    return out
