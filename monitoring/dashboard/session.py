"""Browser sessions for the dashboard: the same API keys, exchanged once for a signed cookie.

A browser cannot add ``X-API-Key`` to a link it follows, so ``POST /dashboard/login`` takes the key
from a form, checks it with the API's own verifier, and sets a cookie holding only the key's id
(the digest prefix), its scopes and an expiry, signed with HMAC-SHA256 under a secret drawn when
the app starts. The key itself is never stored in the browser; a stolen cookie opens the
read-only dashboard until it expires and nothing else (the cookie's path is ``/dashboard``).
Restarting the API (which is also how keys are revoked) draws a new secret and ends every session.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass

COOKIE = "creditrisk_dashboard"
COOKIE_PATH = "/dashboard"
LIFETIME_SECONDS = 8 * 3600


@dataclass(frozen=True)
class Session:
    key_id: str
    scopes: tuple[str, ...]
    expires: int


class SessionSigner:
    """Issues and checks session cookies with a per-process secret."""

    def __init__(self, secret: bytes | None = None, lifetime: int = LIFETIME_SECONDS) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.lifetime = lifetime

    def issue(self, key_id: str, scopes: frozenset[str] | tuple[str, ...], now: float | None = None) -> str:
        expires = int((now or time.time()) + self.lifetime)
        body = json.dumps({"k": key_id, "s": sorted(scopes), "e": expires}, separators=(",", ":")).encode()
        payload = base64.urlsafe_b64encode(body).decode().rstrip("=")
        return f"{payload}.{self._sign(payload)}"

    def verify(self, token: str | None, now: float | None = None) -> Session | None:
        if not token or token.count(".") != 1:
            return None
        payload, signature = token.split(".")
        if not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            session = Session(str(data["k"]), tuple(data["s"]), int(data["e"]))
        except (ValueError, KeyError, TypeError):
            return None
        return session if session.expires > (now or time.time()) else None

    def _sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()
