"""API credentials from the environment or a secrets file outside the repository.

The key is wrapped in :class:`ApiKey`, whose ``repr``/``str`` never show it, so a log line, an
exception or a rich traceback that prints the object shows ``ApiKey('****')``. Lookup order:

1. ``CREDITRISK_FRED_API_KEY`` (and ``CREDITRISK_FRED_BASE_URL``) in the environment;
2. a secrets file, ``CREDITRISK_SECRETS_FILE`` or ``~/.config/creditrisk/secrets.env``, with
   ``FRED_API_KEY=...`` (and optionally ``FRED_BASE_URL=...``) lines. The file must lie outside
   the repository (a key must never be one ``git add`` away from being published) and must not
   be readable by group or others (as ssh requires of its keys).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from creditrisk.errors import ConfigurationError
from creditrisk.settings import PROJECT_ROOT

FRED_BASE_URL = "https://api.stlouisfed.org"
DEFAULT_SECRETS_FILE = Path("~/.config/creditrisk/secrets.env")


class ApiKey:
    """A secret string that does not print itself."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The key itself, for the one place that sends it."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('****')"

    __str__ = __repr__


@dataclass(frozen=True)
class FredCredentials:
    base_url: str
    api_key: ApiKey
    source: str  # where the key came from (for messages; never the key)


def _read_secrets_file(path: Path) -> dict[str, str]:
    resolved = path.expanduser().resolve()
    if resolved.is_relative_to(PROJECT_ROOT.resolve()):
        raise ConfigurationError(f"secrets file {resolved} is inside the repository; keep it outside")
    mode = resolved.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(f"secrets file {resolved} is readable by others; chmod 600 it")
    values: dict[str, str] = {}
    for line in resolved.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip().strip("'\"")
    return values


def fred_credentials(environ: dict[str, str] | None = None) -> FredCredentials:
    """The FRED base URL and key (see the module doc); a clear error when there is no key."""
    env = os.environ if environ is None else environ
    key = env.get("CREDITRISK_FRED_API_KEY", "").strip()
    base = env.get("CREDITRISK_FRED_BASE_URL", "").strip()
    source = "CREDITRISK_FRED_API_KEY"
    path = Path(env.get("CREDITRISK_SECRETS_FILE") or DEFAULT_SECRETS_FILE).expanduser()
    if not key and path.is_file():
        values = _read_secrets_file(path)
        key = values.get("FRED_API_KEY", "")
        base = base or values.get("FRED_BASE_URL", "")
        source = str(path)
    if not key:
        raise ConfigurationError(
            "no FRED API key: set CREDITRISK_FRED_API_KEY or put FRED_API_KEY=... in "
            f"{path} (outside the repository, chmod 600)"
        )
    return FredCredentials(base_url=(base or FRED_BASE_URL).rstrip("/"), api_key=ApiKey(key), source=source)
