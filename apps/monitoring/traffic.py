"""Per-minute request traffic for the charts of the dashboard and ``/monitoring``: the same
Redis minute buckets ``monitoring/summary/`` reads (:mod:`apps.monitoring.request_stats`),
one point per minute."""

from __future__ import annotations

import time
from typing import Any

from apps.monitoring.request_stats import KEY, WindowStats
from storyportal import kv

MAX_MINUTES = 120


def _point(minute: int, row: dict[bytes, bytes], seconds: float) -> dict[str, Any]:
    stats = WindowStats(minutes=1, seconds=seconds)
    stats.add(row)
    return {
        "t": minute * 60,
        "requests": stats.requests,
        "rate": round(stats.request_rate, 3),
        "server_errors": stats.server_errors,
        "error_rate": round(stats.error_rate, 4) if stats.requests else None,
        "p50": stats.percentile(0.5),
        "p95": stats.percentile(0.95),
        "p99": stats.percentile(0.99),
    }


def traffic_series(*, minutes: int = 60, now: float | None = None) -> list[dict[str, Any]]:
    """The last ``minutes`` minutes, oldest first, the current one so far included: ``t``
    (Unix seconds of the minute's start), requests, rate (per second), 5xx count and share,
    and the p50/p95/p99 latency in ms (``None`` for a minute without requests)."""
    minutes = max(1, min(minutes, MAX_MINUTES))
    stamp = time.time() if now is None else now
    current = int(stamp // 60)
    first = current - minutes + 1
    pipe = kv.client().pipeline(transaction=False)
    for minute in range(first, current + 1):
        pipe.hgetall(KEY.format(minute=minute))
    rows = pipe.execute()
    elapsed = max(stamp - current * 60, 1.0)
    return [
        _point(minute, row, 60.0 if minute < current else elapsed)
        for minute, row in zip(range(first, current + 1), rows, strict=True)
    ]


TRAFFIC_CHANNEL = "system:traffic"
PULSE_MINUTES = 2  # the current minute so far, and the one before it (now complete)


def traffic_publish(*, now: float | None = None) -> dict[str, Any]:
    """Push the latest minutes and the 5-minute figures on ``system:traffic`` for the open
    dashboards (``TrafficUpdated``); beat calls it every few seconds. Returns the payload."""
    from apps.monitoring.request_stats import window
    from apps.monitoring.summary import window_figures
    from storyportal.realtime.publish import publish

    payload = {
        "points": traffic_series(minutes=PULSE_MINUTES, now=now),
        "summary": window_figures(window(5, now=now)),
    }
    publish(TRAFFIC_CHANNEL, "TrafficUpdated", payload)
    return payload
