"""The stream consumer against a real Redis stream and Feast store: killed mid-stream and
restarted (real subprocesses), nothing is lost and nothing applied twice changes the result."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from creditrisk.features import get_feature_store, online_features
from creditrisk.features.schema import load_marts
from creditrisk.settings import Settings
from creditrisk.stream.broker import RedisStreamBroker
from creditrisk.stream.consumer import StreamConsumer, encode_event
from creditrisk.stream.metrics import LAG_METRIC, StreamLagCollector

N_LOANS, N_MONTHS = 60, 10
FIRST = datetime(2021, 1, 16, tzinfo=UTC)
CLI = str(Path(sys.executable).with_name("creditrisk"))


@functools.cache
def _blank_row() -> tuple[tuple[str, object], ...]:
    kinds = {"DOUBLE": 0.5, "BIGINT": 0, "VARCHAR": "x"}
    return tuple(
        (c.name, kinds.get(c.data_type.upper())) for c in load_marts()["feat_loan_monthly_performance"]
    )


def event_row(loan: int, month: int) -> dict:
    """Loan ``S<loan>``'s report for month ``month`` (values that identify loan and month)."""
    row = dict(_blank_row())
    event = FIRST + timedelta(days=30 * month)
    row.update(
        loan_id=f"S{loan:05d}",
        event_timestamp=event.isoformat().replace("+00:00", "Z"),
        created_timestamp=event.isoformat().replace("+00:00", "Z"),
        reporting_month=(event - timedelta(days=45)).date().replace(day=1).isoformat(),
        current_upb_usd=1000.0 * loan + month,
        delinquency_status=(loan + month) % 4,
        loan_age_months=month,
    )
    return row


def publish_history(broker: RedisStreamBroker) -> int:
    """Every loan's months in time order, loans interleaved as a servicer feed would send them."""
    events = [
        encode_event("loan_monthly_performance", event_row(loan, month))
        for month in range(N_MONTHS)
        for loan in range(N_LOANS)
    ]
    broker.publish(events)
    return len(events)


def consumer_cmd(broker: RedisStreamBroker) -> list[str]:
    return [
        CLI, "stream", "consume", "--offline", "--batch-size", "20", "--idle-exit", "1.5",
        "--stream", broker.stream, "--group", broker.group, "--consumer", "c1",
    ]  # fmt: skip


def test_a_killed_consumer_restarts_from_the_last_acknowledged_event(
    stream_settings: Settings, broker: RedisStreamBroker, stream_url: str
) -> None:
    total = publish_history(broker)
    env = {
        **os.environ,
        "CREDITRISK_DATA_DIR": str(stream_settings.data_root),
        "CREDITRISK_STREAM_URL": stream_url,
    }
    first = subprocess.Popen(consumer_cmd(broker), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            acked = _acknowledged(broker)
            if acked >= total // 4 and broker.counts()["pending"] > 0:
                break
            assert first.poll() is None, first.stdout.read().decode()
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)  # mid-batch: events received, pushed or not, unacknowledged
        first.wait(10)
    finally:
        if first.poll() is None:
            first.kill()
    pending_at_kill = broker.counts()["pending"]
    assert pending_at_kill > 0
    assert _acknowledged(broker) < total
    assert broker.lag_seconds() > 0

    second = subprocess.run(consumer_cmd(broker), env=env, capture_output=True, text=True, timeout=180)
    assert second.returncode == 0, second.stdout + second.stderr
    assert broker.counts()["pending"] == 0
    assert _acknowledged(broker) == total
    assert broker.lag_seconds() == 0.0

    # Online: every loan holds its latest month, whatever was redelivered.
    ids = [f"S{loan:05d}" for loan in range(N_LOANS)]
    as_of = FIRST + timedelta(days=30 * (N_MONTHS - 1) + 1)
    frame = online_features(stream_settings, "loan_default", ids, as_of=as_of)
    last = N_MONTHS - 1
    assert frame["current_upb_usd"].tolist() == [1000.0 * loan + last for loan in range(N_LOANS)]
    assert frame["delinquency_status"].tolist() == [(loan + last) % 4 for loan in range(N_LOANS)]

    # Offline: every event is there once or as identical copies, and a training set built at
    # each event's time sees exactly that event's values.
    mart = pd.read_parquet(stream_settings.marts_dir / "feat_loan_monthly_performance.parquet")
    streamed = mart[mart.loan_id.str.startswith("S")]
    assert len(streamed.drop_duplicates()) == total
    assert len(streamed) >= total
    entities = pd.DataFrame(
        [
            (f"S{loan:05d}", FIRST + timedelta(days=30 * month, hours=1))
            for loan in range(0, N_LOANS, 7)
            for month in range(N_MONTHS)
        ],
        columns=["loan_id", "event_timestamp"],
    )
    training = (
        get_feature_store(stream_settings)
        .get_historical_features(entity_df=entities, features=["loan_monthly_performance:current_upb_usd"])
        .to_df()
    )
    training["month"] = ((training["event_timestamp"] - FIRST).dt.days // 30).astype(int)
    loans = training["loan_id"].str[1:].astype(int)
    assert (training["current_upb_usd"] == 1000.0 * loans + training["month"]).all()


def _acknowledged(broker: RedisStreamBroker) -> int:
    """Entries the group has received and acknowledged (read minus pending)."""
    info = {g["name"]: g for g in broker._redis.xinfo_groups(broker.stream)}
    group = info.get(broker.group) or info.get(broker.group.encode())
    return int(group["entries-read"] or 0) - int(group["pending"])


def test_bad_events_go_to_the_dead_letters_and_the_rest_is_applied(
    stream_settings: Settings, broker: RedisStreamBroker
) -> None:
    good = event_row(1, 0)
    broker.publish(
        [
            encode_event("loan_monthly_performance", {**good, "delinquency_status": "late"}),
            {"view": "loan_monthly_performance", "row": "{not json"},
            encode_event("nope", good),
            encode_event("loan_monthly_performance", good),
        ]
    )
    assert broker.lag_seconds(now_ms=int(time.time() * 1000) + 2000) >= 2.0
    time.sleep(0.05)
    collected = {m.name: m for m in StreamLagCollector(broker).collect()}
    assert collected[LAG_METRIC].samples[0].value > 0
    consumer = StreamConsumer(broker, get_feature_store(stream_settings), block_ms=100)
    stats = consumer.run(idle_exit_seconds=0.2)
    assert (stats.received, stats.online_written, stats.dead_lettered) == (4, 1, 3)
    dead = broker._redis.xrange(broker.dead_letter_stream)
    reasons = sorted(fields[b"_reason"].decode() for _, fields in dead)
    assert reasons[0].startswith("delinquency_status: must be an integer")
    assert reasons[1].startswith("row is not JSON") and reasons[2].startswith("unknown view")
    assert broker.lag_seconds() == 0.0
    frame = online_features(stream_settings, "loan_default", ["S00001"], as_of=FIRST + timedelta(days=1))
    assert frame["current_upb_usd"].iloc[0] == 1000.0


@pytest.mark.parametrize("rate", [400.0])
def test_the_producer_paces_its_events(broker: RedisStreamBroker, rate: float) -> None:
    from creditrisk.stream.producer import replay

    rows = [event_row(loan, 0) for loan in range(200)]
    started = time.perf_counter()
    sent = replay(broker, rows, rate, restamp=True)
    elapsed = time.perf_counter() - started
    assert sent == 200 and broker.counts()["length"] == 200
    assert elapsed >= (200 - 20) / rate  # the last burst goes out at its due time
    first = broker._redis.xrange(broker.stream, count=1)[0][1]
    assert b'"event_timestamp":"' in first[b"row"]
