"""Contract bodies for liveness, readiness and startup, for the platform and per layer."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from apps.monitoring.health import startup
from apps.monitoring.health.checks import CHECKS
from apps.monitoring.health.layers import LAYERS, Layer
from apps.monitoring.health.runner import runner

_STARTED = time.monotonic()
PLATFORM_DEPENDENCIES: tuple[tuple[str, bool], ...] = tuple((c.name, c.critical) for c in CHECKS.values())


def _base(status: str) -> dict[str, Any]:
    return {"status": status, "version": settings.VERSION, "uptime_seconds": int(time.monotonic() - _STARTED)}


def liveness() -> dict[str, Any]:
    return _base("healthy")


def readiness(
    dependencies: tuple[tuple[str, bool], ...] = PLATFORM_DEPENDENCIES, *, budget: float | None = None
) -> dict[str, Any]:
    """``status`` is unhealthy if a critical dependency is down, degraded if only others are."""
    results = runner.results([name for name, _ in dependencies], budget=budget)
    entries = [results[name].as_dict(critical=critical) for name, critical in dependencies]
    down = [(name, critical) for name, critical in dependencies if not results[name].healthy]
    if any(critical for _, critical in down):
        status = "unhealthy"
    else:
        status = "degraded" if down else "healthy"
    body = _base(status)
    if down:
        body["errors"] = [results[name].error for name, _ in down]
    body["dependencies"] = entries
    return body


def startup_report(dependencies: tuple[tuple[str, bool], ...] = PLATFORM_DEPENDENCIES) -> dict[str, Any]:
    body = readiness(dependencies)
    missing = startup.unmet() if body["status"] != "unhealthy" else ["dependencies ready"]
    if missing:
        body["status"] = "unhealthy"
        body.setdefault("errors", []).extend(f"Startup incomplete: {name}" for name in missing)
    return body


def http_status(body: dict[str, Any]) -> int:
    return 503 if body["status"] == "unhealthy" else 200


def layer_summary(layer: Layer) -> dict[str, Any]:
    report = readiness(layer.dependencies)
    return {
        "code": layer.code,
        "name": layer.name,
        "description": layer.description,
        "status": report["status"],
        "dependencies": report["dependencies"],
        "health": f"/api/{layer.slug}/health/ready",
    }


def layers() -> dict[str, Any]:
    return {"layers": [layer_summary(layer) for layer in LAYERS]}
