"""Request statistics the platform keeps for itself: per-minute Redis hashes that every
process adds to, read by ``monitoring/summary/`` and the alert rules
(:mod:`apps.monitoring.request_windows`).

``stats:http:{minute}`` (minute = Unix time // 60), kept ``STATS_TTL_SECONDS``, fields:
``n`` requests, ``e5`` 5xx responses, ``e4`` 4xx responses, ``ms`` total milliseconds, and
``b0``..``b{len(BOUNDS_MS)}`` the requests per latency bucket (``b{i}``: at most
``BOUNDS_MS[i]`` ms and more than the bound before; the last one: slower than every bound).

The request path (:func:`record_soon`) only adds to an in-process tally (a dict under a lock,
about a microsecond); a daemon thread writes the tally every ``FLUSH_SECONDS`` in one
pipelined round trip, so a slow or hung Redis never delays a request, and figures from other
processes are at most that late. A reader (:func:`windows`) flushes its own process's tally
first; :func:`record` writes at once.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from storyportal import kv
from storyportal.redis_keys import HTTP_STATS

logger = logging.getLogger(__name__)

KEY = HTTP_STATS.template
# The longest window is an hour; two leave room for later questions.
STATS_TTL_SECONDS: int = HTTP_STATS.ttl or 7320
BOUNDS_MS = (5, 10, 25, 50, 75, 100, 150, 250, 400, 600, 800, 1000, 1250, 1500, 2000, 3000, 5000, 10000)
FLUSH_SECONDS = 1.0
WARN_EVERY_SECONDS = 60.0

_lock = threading.Lock()
_flush_lock = threading.Lock()
_tally: defaultdict[tuple[int, str], float] = defaultdict(float)
_flusher_pid: int | None = None
_warned_at = 0.0


def record_soon(*, duration_ms: float, status: int, now: float | None = None) -> None:
    """Count one request in this process's tally (never fails, never waits on Redis)."""
    _add(duration_ms, status, now)
    if _flusher_pid != os.getpid():
        _start_flusher()


def record(*, duration_ms: float, status: int, now: float | None = None) -> None:
    """Count one request and write it (with the rest of the tally) now."""
    _add(duration_ms, status, now)
    flush()


def _add(duration_ms: float, status: int, now: float | None) -> None:
    minute = int((time.time() if now is None else now) // 60)
    with _lock:
        _tally[(minute, "n")] += 1
        if status >= 400:
            _tally[(minute, "e5" if status >= 500 else "e4")] += 1
        _tally[(minute, f"b{bisect_left(BOUNDS_MS, duration_ms)}")] += 1
        _tally[(minute, "ms")] += duration_ms


def flush() -> None:
    """Write this process's tally to Redis (one pipelined round trip); on failure the tally
    is dropped: statistics are best effort, and a Redis outage must not grow memory."""
    with _flush_lock:  # one writer at a time, so discard() can wait for a write in flight
        with _lock:
            batch = dict(_tally)
            _tally.clear()
        if batch:
            _write(batch)


def discard() -> None:
    """Forget the tally not written yet, once any write in flight has finished (tests)."""
    with _flush_lock, _lock:
        _tally.clear()


def _write(batch: dict[tuple[int, str], float]) -> None:
    global _warned_at
    pipe = kv.client().pipeline(transaction=False)
    for (minute, name), value in batch.items():
        key = KEY.format(minute=minute)
        if name == "ms":
            pipe.hincrbyfloat(key, name, round(value, 3))
        else:
            pipe.hincrby(key, name, int(value))
    for minute in {minute for minute, _ in batch}:
        pipe.expire(KEY.format(minute=minute), STATS_TTL_SECONDS)
    try:
        pipe.execute()
    except RedisError:
        if time.monotonic() - _warned_at > WARN_EVERY_SECONDS:
            _warned_at = time.monotonic()
            logger.warning("request statistics lost: Redis is unavailable")


def _start_flusher() -> None:
    """One flusher thread per process, started by the first request (after a fork too: the
    child drops the tally it inherited, which its parent writes)."""
    global _flusher_pid
    with _lock:
        if _flusher_pid == os.getpid():
            return
        if _flusher_pid is not None:
            _tally.clear()
        _flusher_pid = os.getpid()
    threading.Thread(target=_flush_forever, name="request-stats", daemon=True).start()


def _flush_forever() -> None:
    while True:
        time.sleep(FLUSH_SECONDS)
        try:
            flush()
        except Exception:  # the thread must outlive any one failure
            logger.warning("request statistics flush failed", exc_info=True)


@dataclass
class WindowStats:
    """Requests of the last ``minutes`` minutes (the current minute so far included)."""

    minutes: int
    seconds: float
    requests: int = 0
    server_errors: int = 0
    client_errors: int = 0
    total_ms: float = 0.0
    buckets: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS_MS) + 1))

    @property
    def request_rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_rate(self) -> float:
        """The share of requests answered with a 5xx (0-1)."""
        return self.server_errors / self.requests if self.requests else 0.0

    @property
    def client_error_rate(self) -> float:
        return self.client_errors / self.requests if self.requests else 0.0

    def percentile(self, q: float) -> float | None:
        """The latency (ms) below which a share ``q`` of requests fell, interpolated linearly
        within its bucket; a percentile in the overflow bucket reads as the last bound."""
        if not self.requests:
            return None
        target, seen = q * self.requests, 0
        for index, count in enumerate(self.buckets):
            if count and seen + count >= target:
                if index == len(BOUNDS_MS):
                    return float(BOUNDS_MS[-1])
                lower = BOUNDS_MS[index - 1] if index else 0
                return round(lower + (BOUNDS_MS[index] - lower) * (target - seen) / count, 1)
            seen += count
        return float(BOUNDS_MS[-1])

    def add(self, row: dict[bytes, bytes]) -> None:
        self.requests += int(row.get(b"n", 0))
        self.server_errors += int(row.get(b"e5", 0))
        self.client_errors += int(row.get(b"e4", 0))
        self.total_ms += float(row.get(b"ms", 0))
        for index in range(len(self.buckets)):
            self.buckets[index] += int(row.get(f"b{index}".encode(), 0))


def windows(minutes: tuple[int, ...], *, now: float | None = None) -> dict[int, WindowStats]:
    """Statistics over each of the last ``minutes`` windows, read in one round trip."""
    flush()  # this process's latest requests, written now rather than within a second
    stamp = time.time() if now is None else now
    current = int(stamp // 60)
    longest = max(minutes)
    pipe = kv.client().pipeline(transaction=False)
    for minute in range(current - longest + 1, current + 1):
        pipe.hgetall(KEY.format(minute=minute))
    rows = pipe.execute()  # oldest first; rows[-1] is the current minute
    elapsed = stamp - current * 60
    result: dict[int, WindowStats] = {}
    for size in minutes:
        stats = WindowStats(minutes=size, seconds=(size - 1) * 60 + elapsed)
        for row in rows[len(rows) - size :]:
            stats.add(row)
        result[size] = stats
    return result


def window(minutes: int, *, now: float | None = None) -> WindowStats:
    return windows((minutes,), now=now)[minutes]
