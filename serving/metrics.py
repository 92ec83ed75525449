"""Prometheus metrics: requests, latencies and the score distribution, per app instance.

Each app gets its own ``CollectorRegistry`` so several apps (tests, reloads) never collide in
the process-global default registry. The middleware is plain ASGI: it adds a few microseconds,
where ``BaseHTTPMiddleware`` would add a task hop to every request.

Importing Feast (``feast.feature_store`` imports ``feast.metrics``) sets
``PROMETHEUS_MULTIPROC_DIR`` to a temporary folder of its own, which switches prometheus_client to
file-backed values shared by every metric of the same name and labels in the process: two apps'
counters then became one (a test saw another app's 1,443 scores on a fresh app). Our metrics are
per app and in process by design, so :func:`_in_process_values` undoes Feast's switch (never a
multiprocess directory the operator configured).
"""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
SCORE_BUCKETS = tuple(round(x * 0.05, 2) for x in range(1, 20))


def _in_process_values() -> None:
    """Plain in-process metric values unless the operator asked for multiprocess mode."""
    import os

    from prometheus_client import values

    legacy = "prometheus_multiproc_dir"  # prometheus_client still reads the lower-case name
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get(legacy)
    feast_made_it = configured is not None and os.path.basename(configured).startswith("feast_metrics_")
    if values.ValueClass is not values.MutexValue and (configured is None or feast_made_it):
        values.ValueClass = values.MutexValue


class ServingMetrics:
    def __init__(self) -> None:
        _in_process_values()
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "creditrisk_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "creditrisk_http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.scored = Counter(
            "creditrisk_entities_scored",
            "Entities answered, by model and status",
            ["model", "status"],
            registry=self.registry,
        )
        self.scores = Histogram(
            "creditrisk_score_probability",
            "Distribution of served probabilities",
            ["model"],
            buckets=SCORE_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "creditrisk_decisions", "Decisions served (risk 1/0)", ["model", "risk"], registry=self.registry
        )
        self.model_version = Gauge(
            "creditrisk_model_info",
            "Loaded model version (value 1)",
            ["model", "version"],
            registry=self.registry,
        )
        self.log_pending = Gauge(
            "creditrisk_prediction_log_pending",
            "Records not yet written to the prediction log",
            registry=self.registry,
        )

        self.pushed_rows = Counter(
            "creditrisk_feature_rows_pushed",
            "Rows written to the online store by POST /v1/features/{view}/push",
            ["view"],
            registry=self.registry,
        )
        self.pushed_event_time = Gauge(
            "creditrisk_feature_push_latest_event_timestamp_seconds",
            "Newest event time written online by a push, per view (Unix seconds)",
            ["view"],
            registry=self.registry,
        )
        self._newest_push: dict[str, float] = {}

    def observe_push(self, view: str, written: int, latest_event: Any) -> None:
        """Count rows a push wrote online and keep the newest event time it wrote."""
        self.pushed_rows.labels(view).inc(written)
        if latest_event is not None:
            newest = max(self._newest_push.get(view, 0.0), latest_event.timestamp())
            self._newest_push[view] = newest
            self.pushed_event_time.labels(view).set(newest)

    def watch_stream(self) -> bool:
        """Also serve the online store's lag behind the feature stream (read from the broker at
        each scrape, ``creditrisk.stream.metrics``) when ``CREDITRISK_STREAM_URL`` is set."""
        from creditrisk.stream.config import StreamSettings

        config = StreamSettings()
        if "url" not in config.model_fields_set:
            return False
        from creditrisk.stream.broker import RedisStreamBroker
        from creditrisk.stream.metrics import StreamLagCollector

        broker = RedisStreamBroker(config.url, config.name, config.group, config.consumer)
        self.registry.register(StreamLagCollector(broker))
        return True

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/{model}/score-features``), to bound label values.

    The router records the matched route in the scope it shares with us.
    """
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class MetricsMiddleware:
    """Counts requests and times them, labelled by route template and status."""

    def __init__(self, app: ASGIApp, metrics: ServingMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status["code"])).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
