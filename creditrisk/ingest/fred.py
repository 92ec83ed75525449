"""A small client for FRED-style JSON series APIs (``/fred/series/observations``).

What a pull from someone else's API needs, each for a reason:

- **timeouts** on connect and read, so a stalled server cannot hang a pipeline;
- **retries with exponential backoff and jitter** on timeouts, connection errors and 5xx, so a
  blip does not fail a nightly job, and many clients do not retry in lockstep;
- **rate limits**: a 429 waits for ``Retry-After`` (seconds or an HTTP date, capped) and retries;
- **clear errors** naming the series and the status: a rejected key (401/403, or FRED's 400
  "api_key ... not registered") fails at once (retrying cannot help), a 429 or 5xx that
  outlasts the retries says so;
- **the key is never printed or logged**: it travels only as the ``api_key`` query parameter
  FRED requires; error messages are built here from the series id and status, never from the
  URL, and a filter on the ``httpx``/``httpcore`` loggers masks ``api_key=`` in their lines.
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import httpx

from creditrisk.errors import DataError
from creditrisk.ingest.credentials import ApiKey

logger = logging.getLogger(__name__)

_KEY_IN_TEXT = re.compile(r"(api_key=)[^&\s'\"]+")
MAX_RETRY_AFTER_SECONDS = 120.0


class FredError(DataError):
    """The API could not deliver a series; the message names the series and why."""


class FredAuthError(FredError):
    """The API rejected the key."""


class _MaskKeys(logging.Filter):
    """Masks ``api_key=...`` in the records of the HTTP libraries' loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message:
            record.msg, record.args = _KEY_IN_TEXT.sub(r"\1****", message), None
        return True


def _install_log_mask() -> None:
    for name in ("httpx", "httpcore"):
        log = logging.getLogger(name)
        if not any(isinstance(f, _MaskKeys) for f in log.filters):
            log.addFilter(_MaskKeys())


@dataclass(frozen=True)
class Observation:
    date: date
    value: float | None  # FRED writes a missing value as "."


def _retry_after(header: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not header:
        return default
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return default
        seconds = (when - datetime.now(UTC)).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER_SECONDS)


class FredClient:
    """Fetches series observations; see the module doc for the retry and error rules."""

    def __init__(
        self,
        base_url: str,
        api_key: ApiKey,
        *,
        timeout: float = 10.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        _install_log_mask()
        self._key = api_key
        self._client = httpx.Client(
            base_url=base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            headers={"Accept": "application/json", "User-Agent": "creditrisk-macro-pull"},
            transport=transport,
            follow_redirects=False,
        )
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self._sleep = sleep
        self.requests = 0

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> FredClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def observations(self, series_id: str, start: date, frequency: str | None = None) -> list[Observation]:
        """Observations of ``series_id`` from ``start`` (``frequency="m"``: monthly averages)."""
        params = {
            "series_id": series_id,
            "file_type": "json",
            "observation_start": start.isoformat(),
            "api_key": self._key.reveal(),
        }
        if frequency:
            params.update(frequency=frequency, aggregation_method="avg")
        payload = self._get_json("/fred/series/observations", params, series_id)
        try:
            rows = payload["observations"]
            return [
                Observation(
                    date.fromisoformat(r["date"]), None if r["value"] in (".", "") else float(r["value"])
                )
                for r in rows
            ]
        except (KeyError, TypeError, ValueError) as exc:
            raise FredError(f"{series_id}: unexpected response shape ({type(exc).__name__}: {exc})") from None

    def _get_json(self, path: str, params: dict[str, str], series_id: str) -> dict:
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self.requests += 1
            try:
                response = self._client.get(path, params=params)
            except httpx.TimeoutException:
                if last:
                    raise FredError(
                        f"{series_id}: no answer within the timeout after {attempt + 1} tries"
                    ) from None
                self._wait(attempt, f"{series_id}: timed out")
                continue
            except httpx.TransportError as exc:
                if last:
                    raise FredError(f"{series_id}: connection failed ({type(exc).__name__})") from None
                self._wait(attempt, f"{series_id}: {type(exc).__name__}")
                continue
            status = response.status_code
            if status == 200:
                try:
                    return response.json()
                except ValueError:
                    raise FredError(f"{series_id}: the answer is not JSON") from None
            if status in (401, 403) or (status == 400 and "api_key" in _error_message(response)):
                raise FredAuthError(
                    f"{series_id}: the API rejected the key (HTTP {status}); check CREDITRISK_FRED_API_KEY "
                    "or the secrets file"
                )
            if status == 429:
                if last:
                    raise FredError(f"{series_id}: still rate limited (HTTP 429) after {attempt + 1} tries")
                wait = _retry_after(response.headers.get("Retry-After"), self._backoff(attempt))
                logger.warning("%s: rate limited (HTTP 429), waiting %.1f s", series_id, wait)
                self._sleep(wait)
                continue
            if status >= 500:
                if last:
                    raise FredError(f"{series_id}: server error (HTTP {status}) after {attempt + 1} tries")
                self._wait(attempt, f"{series_id}: HTTP {status}")
                continue
            message = _KEY_IN_TEXT.sub(r"\1****", _error_message(response))[:200]
            raise FredError(f"{series_id}: HTTP {status}: {message or 'request refused'}")
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2**attempt) * (0.5 + random.random() / 2)

    def _wait(self, attempt: int, why: str) -> None:
        wait = self._backoff(attempt)
        logger.warning("%s, retrying in %.2f s", why, wait)
        self._sleep(wait)


def _error_message(response: httpx.Response) -> str:
    """FRED's ``error_message`` when the body is its JSON error, else a short text."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error_message", "")) if isinstance(body, dict) else ""
