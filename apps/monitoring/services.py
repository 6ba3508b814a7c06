"""Monitoring writes: announcing health changes on the feed."""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache import cache

from apps.monitoring.health.report import readiness
from storyportal.realtime.publish import publish

logger = logging.getLogger(__name__)
LAST_HEALTH_KEY = "health:last"


def _fingerprint(report: dict[str, Any]) -> list[str]:
    return [report["status"], *(f"{d['name']}={d['status']}" for d in report["dependencies"])]


def health_publish_if_changed(*, budget: float = 2.0) -> dict[str, Any]:
    """Check every dependency and push ``HealthChanged`` on ``system:health`` when any
    status differs from the last published one. Returns the report."""
    report = readiness(budget=budget)
    fingerprint = _fingerprint(report)
    try:
        previous = cache.get(LAST_HEALTH_KEY)
        changed = previous != fingerprint
        if changed:
            cache.set(LAST_HEALTH_KEY, fingerprint, timeout=None)
    except Exception:
        logger.warning("health watch could not reach the cache", exc_info=True)
        changed = True
    if changed:
        publish("system:health", "HealthChanged", report)
    return report
