"""The score-by-id routes without FastAPI's per-request machinery, for requests that are plainly valid.

``POST /v1/loans/score`` and ``POST /v1/companies/score`` are the hot path. Through FastAPI each one
resolves four dependencies, validates the body through the route's field, builds a ``Request`` and
walks the router: once the lookup and the model were fast, a large share of a request's CPU
(docs/serving.md, Speed). This ASGI
middleware sits inside the security and metrics middleware and, for a request to one of those
two paths, does what the route does, in the same order and with the same functions:

1. the body as FastAPI reads it (``json.loads`` of the bytes, only with ``Content-Type:
   application/json``), validated by the route's own model (``LoanScoreRequest``...);
2. the API key through the same verifier and the same per-key rate limiter (the 429 is FastAPI's
   own ``HTTPException`` answer), the request id through the same dependency function;
3. :func:`serving.api.routes.score.scored`, the route's own scoring call and encoder; the errors it
   raises go to the app's own exception handlers (503 with the reason), anything else up to the
   500 handler, as from the route.

Whatever is not plainly valid -- another path or method, another content type, a body that does
not parse or validate, a missing or unknown key -- is handed to FastAPI untouched (the body it
read is replayed), so every error answer (400, 401, 422) is FastAPI's own, and the rate limiter
is charged exactly once per request either way. ``tests/serving/test_fast_lane.py`` checks the
answers, headers, metrics and log records equal FastAPI's.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from serving.api.deps import request_id
from serving.api.routes.score import scored
from serving.auth import API_KEY_HEADER
from serving.service import score_ids

_JSON = b"application/json"
_API_KEY = API_KEY_HEADER.lower().encode("latin-1")
_REQUEST_ID = b"x-request-id"


class ScoreFastLane:
    """Answers plainly valid score-by-id requests itself (see the module docstring)."""

    def __init__(self, app: ASGIApp, routes: dict[str, tuple[str, type[BaseModel], str, Any]]) -> None:
        """``routes``: path -> (model name, request body model, its id list field, the APIRoute)."""
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.routes.get(scope["path"]) if scope["type"] == "http" else None
        if route is None or scope["method"] != "POST" or _header(scope, b"content-type") != _JSON:
            await self.app(scope, receive, send)
            return
        messages, body = await _read_body(receive)
        ids = _valid_ids(body, route[1], route[2]) if body is not None else None
        state = getattr(getattr(scope.get("app"), "state", None), "serving", None)
        principal = None
        if ids is not None and state is not None:
            principal = state.verifier.verify(_text(_header(scope, _API_KEY)))
        if principal is None:  # FastAPI answers: the error, or a request this lane does not take
            await self.app(scope, _replay(messages, receive), send)
            return
        scope["route"] = route[3]  # as FastAPI's router sets it (the metrics label requests by it)
        request = Request(scope, _replay(messages, receive))
        wait = state.limiter.retry_after(principal.key_id)
        if wait is not None:
            limited = HTTPException(
                status.HTTP_429_TOO_MANY_REQUESTS,
                detail=f"rate limit of this API key exceeded; retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
            response = await http_exception_handler(request, limited)
        else:
            rid = await request_id(_text(_header(scope, _REQUEST_ID)))
            try:
                response = await scored(score_ids, state, route[0], ids, rid)
            except Exception as exc:
                response = await _handled(scope["app"], request, exc)
        await response(scope, request.receive, send)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    """Every message of the request body, and the body (None if the client left on the way)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    """``receive`` that first gives back the messages already read."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def _valid_ids(body: bytes, model: type[BaseModel], field: str) -> list[str] | None:
    """The ids of a body FastAPI would accept for the route, else None (FastAPI then answers)."""
    if not body:
        return None
    try:
        return list(getattr(model.model_validate(json.loads(body)), field))
    except (ValueError, ValidationError, RecursionError):  # json.JSONDecodeError is a ValueError
        return None


async def _handled(app: Any, request: Request, exc: Exception) -> Any:
    """The app's own answer to an error the route raised (its handlers for ``exc``'s classes);
    re-raised when only the catch-all 500 handler applies, as from the route."""
    for cls in type(exc).__mro__:
        if cls is Exception:
            break
        handler = app.exception_handlers.get(cls)
        if handler is not None:
            return await handler(request, exc)
    raise exc
