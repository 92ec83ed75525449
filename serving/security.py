"""Request limits and security headers: a body size cap, a per-request deadline, per-key rate limits.

Serving latency is a benchmarked feature, so this is plain ASGI (no ``BaseHTTPMiddleware`` task
hop) and does the least per request: it reads ``Content-Length`` once, only wraps ``receive``
when a body has no declared length (chunked uploads), arms one loop timer for the deadline, and
appends precomputed header pairs to the response start. The rate limiter is a token bucket per
verified key (the dependency that checks the key calls it), so unauthenticated junk cannot grow
its table: it holds at most one bucket per configured key.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.schemas import ErrorResponse

#: Sent with every response. No HSTS: the service speaks plain HTTP behind a TLS terminator,
#: which is where HSTS belongs (docs/security.md).
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)
#: Only for JSON answers: the interactive docs page (``/docs``) loads Swagger UI's script.
JSON_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")


class SecurityMiddleware:
    """413 for oversized bodies, 504 past the deadline, security headers on every answer."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, timeout_seconds: float) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.timeout_seconds = timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = answered = False  # the response has begun; we answered ourselves (413)

        async def send_secured(message: Message) -> None:
            nonlocal started
            if answered:
                return  # the app's own answer to a body we cut off (it saw a disconnect)
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", ()))
                # A route that sets its own Cache-Control (the dashboard's static plotly.js) keeps
                # it; everything else is no-store.
                own_cache = any(name.lower() == b"cache-control" for name, _ in headers)
                headers.extend(h for h in SECURITY_HEADERS if not (own_cache and h[0] == b"cache-control"))
                if (b"content-type", b"application/json") in headers:
                    headers.append(JSON_CSP)
                message = {**message, "headers": headers}
            await send(message)

        declared = _content_length(scope)
        if declared is not None and declared > self.max_body_bytes:
            detail = f"request body of {declared} bytes is over the limit of {self.max_body_bytes} bytes"
            await _reject(send_secured, 413, detail)
            return
        if declared is None and scope.get("method") in ("POST", "PUT", "PATCH"):
            # A streamed body: count it as it arrives; past the limit answer 413 and tell the app
            # the client left (raising here would reach FastAPI's body parser as a 400).
            upstream, seen = receive, 0

            async def receive() -> Message:
                nonlocal seen, answered
                message = await upstream()
                if message["type"] == "http.request":
                    seen += len(message.get("body", b""))
                    if seen > self.max_body_bytes and not started:
                        detail = f"request body is over the limit of {self.max_body_bytes} bytes"
                        await _reject(send_secured, 413, detail)
                        answered = True
                        return {"type": "http.disconnect"}
                return message

        try:
            async with asyncio.timeout(self.timeout_seconds):
                await self.app(scope, receive, send_secured)
        except TimeoutError:
            if not started:
                await _reject(send_secured, 504, f"request took longer than {self.timeout_seconds:g} s")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _reject(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    start = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": start})
    await send({"type": "http.response.body", "body": body})


@dataclass
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """Token bucket per key: ``rate`` requests a second on average, bursts up to ``burst``.

    Called on the event loop only (from an ``async`` dependency), so it needs no lock.
    ``rate <= 0`` turns limiting off.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._buckets: dict[str, _Bucket] = {}

    def retry_after(self, key_id: str) -> int | None:
        """Take one token for ``key_id``; ``None`` when allowed, else whole seconds until one is back."""
        if self.rate <= 0:
            return None
        now = time.monotonic()
        bucket = self._buckets.get(key_id)
        if bucket is None:
            bucket = self._buckets[key_id] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return None
        return max(1, math.ceil((1 - bucket.tokens) / self.rate))


def document_limits(app: FastAPI) -> None:
    """Add the limits' answers to every operation's documented responses (OpenAPI).

    413 and 504 can answer any request, 400 (a body that is not JSON) any request with a body,
    429 any request that presents an API key. Done on the generated schema, so an operation
    added later is documented without touching it.
    """
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorResponse", ErrorResponse.model_json_schema())
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                for code, description in _limit_answers(operation).items():
                    operation["responses"].setdefault(code, {"description": description, "content": error})
                if "429" in operation["responses"]:
                    operation["responses"]["429"]["headers"] = {
                        "Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}
                    }
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _limit_answers(operation: dict[str, Any]) -> dict[str, str]:
    answers = {
        "413": "Request body over CREDITRISK_MAX_BODY_BYTES",
        "504": "Request took longer than CREDITRISK_REQUEST_TIMEOUT_SECONDS",
    }
    if "requestBody" in operation:
        answers["400"] = "The body is not parseable JSON"
    if operation.get("security"):
        answers["429"] = "Rate limit of this API key exceeded (Retry-After says when to retry)"
    return answers
