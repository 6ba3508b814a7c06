"""Live logs: a logging handler that publishes each record on the admin-only ``logs`` feed
channel as ``LogRecord`` ``{level, logger, event, request_id, timestamp, fields}``.

- No secrets: every record goes through :mod:`apps.monitoring.redaction` first.
- No loops: records of the publishing path (the realtime package, Redis and Channels
  clients, the announcer thread) are never published, nor anything logged while publishing.
- No floods: a token bucket lets through at most ``rate`` records a second per process (with
  a burst of five seconds' worth); the next record that passes says how many were dropped.
- Never in the caller's way: the handler only builds a dict; the announcer thread sends it.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from apps.monitoring.redaction import redact, scrub

CHANNEL = "logs"
EVENT_TYPE = "LogRecord"
# Loggers of the path a record takes to the feed: publishing their records would feed itself.
SILENT_PREFIXES = ("storyportal.realtime", "channels", "channels_redis", "redis", "daphne", "asyncio",
                   "apps.monitoring.logstream")  # fmt: skip
ANNOUNCER_THREAD = "feed-publish"
STRUCTLOG_KEYS = ("event", "logger", "level", "timestamp", "_record", "_from_structlog")
_local = threading.local()


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens, self._at = burst, time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


def _silent(record: logging.LogRecord) -> bool:
    return (
        getattr(_local, "busy", False)
        or record.name.startswith(SILENT_PREFIXES)
        or threading.current_thread().name.startswith(ANNOUNCER_THREAD)
    )


def record_payload(record: logging.LogRecord) -> dict[str, Any]:
    """The redacted message of one record (structlog's event dict or a plain record)."""
    from storyportal.api import request_id

    if isinstance(record.msg, dict):
        fields = dict(record.msg)
        message = str(fields.get("event", ""))
    else:
        fields, message = {}, record.getMessage()
    fields = {key: value for key, value in fields.items() if key not in STRUCTLOG_KEYS}
    payload: dict[str, Any] = {
        "level": record.levelname.lower(),
        "logger": record.name,
        "event": scrub(message),
        "request_id": fields.pop("request_id", None) or request_id.current(),
        "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(),
        "fields": redact(fields),
    }
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        payload["exception"] = scrub(f"{type(error).__name__}: {error}")
    return payload


class FeedLogHandler(logging.Handler):
    """Publishes records at its level and above on ``logs`` (configured in settings.LOGGING)."""

    def __init__(self, level: int | str = logging.INFO, rate: float = 20.0) -> None:
        super().__init__(level)
        self.bucket = TokenBucket(rate=rate, burst=max(rate * 5, 1))
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if _silent(record):
            return
        if not self.bucket.take():
            self.dropped += 1  # a lost increment under a race only under-reports drops
            return
        _local.busy = True
        try:
            payload = record_payload(record)
            if self.dropped:
                payload["dropped_before"], self.dropped = self.dropped, 0
            from storyportal.realtime.publish import publish_soon

            publish_soon(CHANNEL, EVENT_TYPE, payload)
        except Exception:  # noqa: BLE001, S110 - a log line must never fail or recurse
            pass
        finally:
            _local.busy = False
