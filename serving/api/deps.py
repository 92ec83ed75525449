"""FastAPI dependencies: the serving state, the caller's identity and the request id.

Handlers declare what they need with these ``Annotated`` aliases, so a route reads as its
signature (``state: StateDep, caller: ApiKeyDep``) and tests override one dependency at a time.

They are ``async def`` because none of them blocks: FastAPI runs a plain ``def`` dependency in
its thread pool, a thread hop per dependency per request (three on a score request).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from serving.auth import API_KEY_HEADER, Principal
from serving.state import ServingState

_api_key_header = APIKeyHeader(name=API_KEY_HEADER, auto_error=False, description="API key (not its digest).")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


async def get_state(request: Request) -> ServingState:
    return request.app.state.serving


StateDep = Annotated[ServingState, Depends(get_state)]


async def require_api_key(
    state: StateDep, api_key: Annotated[str | None, Security(_api_key_header)]
) -> Principal:
    """401 unless ``X-API-Key`` hashes to a configured digest; 429 past the key's rate limit."""
    principal = state.verifier.verify(api_key)
    if principal is None:
        detail = "missing API key header X-API-Key" if not api_key else "invalid API key"
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "APIKey"}
        )
    wait = state.limiter.retry_after(principal.key_id)
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"rate limit of this API key exceeded; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    return principal


ApiKeyDep = Annotated[Principal, Depends(require_api_key)]


async def require_admin(principal: ApiKeyDep) -> Principal:
    """403 unless the key's digest carries the ``admin`` scope."""
    if not principal.is_admin:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="this endpoint needs an API key with the admin scope"
        )
    return principal


AdminDep = Annotated[Principal, Depends(require_admin)]


async def request_id(x_request_id: Annotated[str | None, Header()] = None) -> str:
    """The caller's ``X-Request-ID`` when well formed, else a fresh one (recorded in the log)."""
    if x_request_id and _REQUEST_ID.match(x_request_id):
        return x_request_id
    return uuid.uuid4().hex


RequestIdDep = Annotated[str, Depends(request_id)]
