"""Periodic monitoring jobs (run by beat)."""

from __future__ import annotations

from typing import Any

from apps.monitoring import alerts, traffic
from apps.monitoring.services import health_publish_if_changed
from storyportal.celery import app


@app.task(name="monitoring.health_watch", ignore_result=False)
def health_watch() -> dict[str, Any]:
    """Every few seconds: publish a health change on ``system:health``; return the report."""
    return health_publish_if_changed()


@app.task(name="monitoring.alerts_evaluate", soft_time_limit=30, time_limit=45)
def alerts_evaluate() -> dict[str, int]:
    """Every 15 s (beat): fire and resolve alerts (:func:`apps.monitoring.alerts.alerts_evaluate`)."""
    return alerts.alerts_evaluate()


@app.task(name="monitoring.traffic_pulse", soft_time_limit=10, time_limit=15)
def traffic_pulse() -> None:
    """Every 5 s (beat): the latest traffic minutes on ``system:traffic`` for open dashboards."""
    traffic.traffic_publish()
