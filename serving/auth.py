"""API keys: only SHA-256 digests are configured, so a leaked config never leaks a key.

``CREDITRISK_API_KEYS`` holds comma-separated hex digests; a digest may carry scopes after
colons (``<digest>:admin``). A request presents the key itself in ``X-API-Key``; we hash it
and look the digest up, comparing in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from creditrisk.errors import ConfigurationError

API_KEY_HEADER = "X-API-Key"
ADMIN_SCOPE = "admin"
#: May push feature rows (``POST /v1/features/{view}/push``); admin may too.
PUSH_SCOPE = "push"
PUSH_SCOPES = frozenset({PUSH_SCOPE, ADMIN_SCOPE})
_KEY_PREFIX = "crk_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the digest prefix (for logs, never the key) and the granted scopes."""

    key_id: str
    scopes: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN_SCOPE in self.scopes


def digest_key(key: str) -> str:
    """The SHA-256 hex digest of an API key, the form configured in ``CREDITRISK_API_KEYS``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_api_keys(raw: str) -> dict[str, frozenset[str]]:
    """Parse ``digest[:scope...],...`` into digest -> scopes; a malformed entry is a config error."""
    keys: dict[str, frozenset[str]] = {}
    for entry in (part.strip() for part in raw.split(",")):
        if not entry:
            continue
        digest, *scopes = entry.split(":")
        digest = digest.strip().lower()
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise ConfigurationError(
                f"CREDITRISK_API_KEYS entry '{entry[:12]}...' is not a SHA-256 hex digest (64 hex chars)"
            )
        keys[digest] = frozenset(scope.strip() for scope in scopes if scope.strip())
    return keys


class ApiKeyVerifier:
    """Resolves a presented key to a :class:`Principal`, or ``None`` when it is not accepted."""

    def __init__(self, digests: dict[str, frozenset[str]]) -> None:
        self._digests = digests

    @classmethod
    def from_setting(cls, raw: str) -> ApiKeyVerifier:
        return cls(parse_api_keys(raw))

    @property
    def configured(self) -> bool:
        return bool(self._digests)

    def verify(self, key: str | None) -> Principal | None:
        if not key:
            return None
        presented = digest_key(key)
        found: Principal | None = None
        # Every digest is compared, in constant time, so the answer's timing says nothing about
        # which configured key (if any) matched.
        for digest, scopes in self._digests.items():
            if hmac.compare_digest(presented, digest):
                found = Principal(key_id=digest[:8], scopes=scopes)
        return found


def mint_api_key(admin: bool = False) -> tuple[str, str]:
    """A new random key and the ``CREDITRISK_API_KEYS`` entry (digest, plus ``:admin``) that accepts it."""
    key = _KEY_PREFIX + secrets.token_urlsafe(32)
    entry = digest_key(key) + (f":{ADMIN_SCOPE}" if admin else "")
    return key, entry
