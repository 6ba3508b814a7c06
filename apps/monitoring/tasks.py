"""Periodic monitoring jobs (run by beat)."""

from __future__ import annotations

from typing import Any

from apps.monitoring.services import health_publish_if_changed
from storyportal.celery import app


@app.task(name="monitoring.health_watch", ignore_result=False)
def health_watch() -> dict[str, Any]:
    """Every few seconds: publish a health change on ``system:health``; return the report."""
    return health_publish_if_changed()
