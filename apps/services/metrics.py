"""Prometheus metrics of hub service invocations (served by ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

SERVICE_INVOCATIONS = Counter(
    "storyportal_service_invocations_total", "Hub service calls, by service, method and status.",
    ["service", "method", "status"],
)  # fmt: skip
SERVICE_DURATION = Histogram(
    "storyportal_service_invocation_duration_seconds",
    "Time a hub service call took.",
    ["service", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def invocation_observe(*, service: str, method: str, status: str, duration_ms: float) -> None:
    """One recorded call; service and method names come from the catalog, never the caller."""
    SERVICE_INVOCATIONS.labels(service=service, method=method, status=status).inc()
    SERVICE_DURATION.labels(service=service, method=method).observe(duration_ms / 1000)
