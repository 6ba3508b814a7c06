"""Gauges measured when ``/metrics`` is scraped (nothing to add up across processes):
Celery queue depths, answering workers, and workflow runs in flight."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from apps.monitoring.queues import queue_depths, workers

logger = logging.getLogger(__name__)
T = TypeVar("T")
# A worker ping always waits its whole timeout; scrapes closer together than the cache's
# lifetime reuse the last answer instead of waiting again.
PING_TIMEOUT_SECONDS = 0.5
CACHE_SECONDS = 10.0
ACTIVE_RUN_STATUSES = ("queued", "running", "waiting")


class _Cached:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[str, tuple[float, Any]] = {}

    def get(self, name: str, produce: Callable[[], T]) -> T:
        with self._lock:
            hit = self._values.get(name)
            if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
                return hit[1]
        value = produce()
        with self._lock:
            self._values[name] = (time.monotonic(), value)
        return value


_cache = _Cached()


def _active_runs() -> dict[str, int]:
    from django.db.models import Count

    from apps.workflows.models import WorkflowRun

    rows = WorkflowRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).values_list("status").annotate(n=Count("id"))
    counts = dict(rows.order_by())
    return {status: counts.get(status, 0) for status in ACTIVE_RUN_STATUSES}


class PlatformCollector(Collector):
    """``storyportal_queue_depth{queue}``, ``storyportal_workers`` and
    ``storyportal_workflow_runs_active{status}``; a family whose source is down is left out
    (``storyportal_backend_up`` says which backend that is)."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depths = _safely("queue depths", queue_depths)
        if depths is not None:
            family = GaugeMetricFamily("storyportal_queue_depth", "Tasks waiting in a Celery queue.", labels=["queue"])
            for queue, depth in depths.items():
                family.add_metric([queue], float(depth))
            yield family
        answering = _safely("workers", lambda: _cache.get("workers", lambda: workers(PING_TIMEOUT_SECONDS)))
        if answering is not None:
            yield GaugeMetricFamily("storyportal_workers", "Celery workers answering a ping.", value=len(answering))
        runs = _safely("active runs", _active_runs)
        if runs is not None:
            family = GaugeMetricFamily(
                "storyportal_workflow_runs_active", "Workflow runs not finished yet.", labels=["status"]
            )
            for status, count in runs.items():
                family.add_metric([status], float(count))
            yield family


def _safely(what: str, produce: Callable[[], T]) -> T | None:
    try:
        return produce()
    except Exception:  # a scrape reports what it can
        logger.warning("metrics: %s unavailable", what, exc_info=True)
        return None
