"""The API's /metrics shows the online store's lag behind the stream when one is configured."""

from __future__ import annotations

import time

import pytest

from creditrisk.stream.broker import RedisStreamBroker
from serving.metrics import ServingMetrics


def _lag(body: str) -> float:
    line = next(x for x in body.splitlines() if x.startswith("creditrisk_online_store_stream_lag_seconds{"))
    return float(line.rsplit(" ", 1)[1])


def test_the_serving_metrics_report_the_stream_lag(
    broker: RedisStreamBroker, stream_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ServingMetrics().watch_stream() is False  # no stream configured: no gauge
    monkeypatch.setenv("CREDITRISK_STREAM_URL", stream_url)
    monkeypatch.setenv("CREDITRISK_STREAM_NAME", broker.stream)
    monkeypatch.setenv("CREDITRISK_STREAM_GROUP", broker.group)
    metrics = ServingMetrics()
    assert metrics.watch_stream() is True
    assert _lag(metrics.render()[0].decode()) == 0.0
    ids = broker.publish([{"view": "loan_monthly_performance", "row": "{}"}])
    time.sleep(0.2)
    assert _lag(metrics.render()[0].decode()) >= 0.2
    assert broker.receive(10, 100)[0].id == ids[0]
    assert _lag(metrics.render()[0].decode()) >= 0.2  # delivered is not applied
    broker.ack(ids)
    assert _lag(metrics.render()[0].decode()) == 0.0
