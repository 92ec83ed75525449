"""Prometheus metrics of the stream path: the online store's lag behind the stream.

The lag is measured where it is true, at the broker, when Prometheus scrapes: the age of the
oldest event the consumer group has not acknowledged (0 when caught up). Everything before that
event is in the online store, so a lag of 3 s means a score may miss at most the last 3 s of
news. :class:`StreamLagCollector` computes it per scrape; the consumer serves it with its own
counters (:class:`ConsumerMetrics`), and the API serves it too when ``CREDITRISK_STREAM_URL`` is
set (``serving.metrics``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger(__name__)

LAG_METRIC = "creditrisk_online_store_stream_lag_seconds"


class StreamLagCollector(Collector):
    """``creditrisk_online_store_stream_lag_seconds`` and the pending count, read per scrape."""

    def __init__(self, broker: Any) -> None:
        self.broker = broker

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["stream", "group"]
        values = [self.broker.stream, self.broker.group]
        lag = GaugeMetricFamily(
            LAG_METRIC,
            "Age of the oldest stream event the online store's consumer group has not applied (0: caught up)",
            labels=labels,
        )
        pending = GaugeMetricFamily(
            "creditrisk_stream_pending_events",
            "Events delivered to the consumer group and not yet acknowledged",
            labels=labels,
        )
        try:
            lag.add_metric(values, self.broker.lag_seconds())
            pending.add_metric(values, self.broker.counts()["pending"])
        except Exception as exc:  # a scrape must not fail because the broker is down
            logger.warning("stream lag unavailable: %s", type(exc).__name__)
            return
        yield lag
        yield pending


class ConsumerMetrics:
    """The consumer's own registry: lag (per scrape) and event counters (per batch)."""

    def __init__(self, broker: Any) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(StreamLagCollector(broker))
        self.events = Counter(
            "creditrisk_stream_events", "Events consumed, by outcome", ["outcome"], registry=self.registry
        )
        self._seen: dict[str, int] = {}

    def update(self, stats: Any) -> None:
        for outcome in ("online_written", "online_skipped", "offline_written", "dead_lettered"):
            total = getattr(stats, outcome)
            self.events.labels(outcome).inc(total - self._seen.get(outcome, 0))
            self._seen[outcome] = total

    def serve(self, port: int) -> None:
        start_http_server(port, addr="127.0.0.1", registry=self.registry)
