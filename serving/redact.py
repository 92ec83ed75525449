"""Keep file-system paths, API keys and stack traces out of answers and log lines.

An error's reason is useful to a caller ("bundle authentication failed", "online store
unreachable"), but the server's folders tell an attacker where things live, and a trace tells them
what runs. :func:`public_reason` keeps the reason and drops the rest; :class:`RedactingFilter`
does the same to every log record of the serving package (traces only at DEBUG).
"""

from __future__ import annotations

import logging
import re

#: An absolute path of two or more parts (``/srv/data/models/x.bundle``); the last part is kept.
_PATH = re.compile(r"(?<![\w./])/(?:[^\s'\"/:,;()\[\]{}<>]+/)+([^\s'\"/:,;()\[\]{}<>]*)")
#: Keys minted by ``creditrisk keygen`` (``crk_`` + 43 url-safe characters).
_KEY = re.compile(r"crk_[A-Za-z0-9_-]{8,}")


def public_reason(text: str) -> str:
    """``text`` with absolute paths cut to their last part and API keys masked."""
    text = _PATH.sub(lambda m: f"<path>/{m.group(1)}" if m.group(1) else "<path>", text)
    return _KEY.sub("crk_***", text)


class RedactingFilter(logging.Filter):
    """Rewrites a record's message through :func:`public_reason`; drops its trace above DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and record.levelno > logging.DEBUG:
            exc = record.exc_info[1]
            if exc is not None:
                message = f"{message} ({type(exc).__name__})"
            record.exc_info, record.exc_text = None, None
        if record.levelno > logging.DEBUG:
            record.stack_info = None
        record.msg, record.args = public_reason(message), None
        return True


_FILTER = RedactingFilter()


def install_log_redaction(prefixes: tuple[str, ...] = ("serving", "uvicorn.error")) -> None:
    """Put the filter on every existing logger under ``prefixes`` (idempotent).

    A logger's filters see only records logged to that logger, not to its children, so each
    module's logger gets it; the app calls this once all its modules are imported.
    """
    names = [name for name in logging.root.manager.loggerDict if name.startswith(prefixes)]
    for name in [*prefixes, *names]:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
