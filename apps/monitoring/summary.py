"""``monitoring/summary/``: request rate, error rate and latency percentiles over the last 5,
15 and 60 minutes (from :mod:`apps.monitoring.request_stats`), backend status and open alerts."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from apps.monitoring.health.report import readiness
from apps.monitoring.models import OPEN_STATUSES, Alert
from apps.monitoring.request_stats import WindowStats, windows

WINDOWS = (5, 15, 60)
DEFAULT_WINDOW = 5  # the error-rate rule's window: the top-level figures are what alerts see


def window_figures(stats: WindowStats) -> dict[str, Any]:
    """One window's figures: rates per second and as shares (0-1), latencies in ms."""
    return {
        "window_minutes": stats.minutes,
        "requests": stats.requests,
        "request_rate": round(stats.request_rate, 4),
        "errors": stats.server_errors,
        "error_rate": round(stats.error_rate, 4),
        "client_errors": stats.client_errors,
        "client_error_rate": round(stats.client_error_rate, 4),
        "latency_ms": {
            "p50": stats.percentile(0.50),
            "p95": stats.percentile(0.95),
            "p99": stats.percentile(0.99),
            "mean": round(stats.total_ms / stats.requests, 1) if stats.requests else None,
        },
    }


def _open_alerts() -> dict[str, int]:
    counts = dict(Alert.objects.filter(status__in=OPEN_STATUSES).values_list("status").annotate(n=Count("id")))
    return {status.value: counts.get(status.value, 0) for status in OPEN_STATUSES}


def monitoring_summary(*, window: int = DEFAULT_WINDOW) -> dict[str, Any]:
    """The contract's top-level keys for ``window`` minutes, plus every window's figures."""
    figures = {size: window_figures(stats) for size, stats in windows(WINDOWS).items()}
    chosen = figures[window]
    backends = [
        {key: dependency[key] for key in ("name", "status", "critical", "latency_ms", "error") if key in dependency}
        for dependency in readiness()["dependencies"]
    ]
    return {
        **chosen,
        "backends": backends,
        "windows": {f"{size}m": body for size, body in figures.items()},
        "alerts": _open_alerts(),
    }
