"""Aggregates of a workflow's runs and step runs (WorkflowAnalyzer.stats), computed in
PostgreSQL: counts by status and duration percentiles (``percentile_cont``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Count

from apps.workflows.models import RunStatus, Workflow, WorkflowRun
from apps.workflows.models.runs import RUN_FINISHED

_RUN_DURATIONS = """
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)
    FROM workflow_runs
    WHERE workflow_id = %(workflow)s AND created_at >= %(since)s
      AND started_at IS NOT NULL AND finished_at IS NOT NULL
"""

_STEP_STATS = """
    SELECT s.step_id, min(s.kind), count(*),
           count(*) FILTER (WHERE s.status = 'succeeded'),
           count(*) FILTER (WHERE s.status = 'failed'),
           count(*) FILTER (WHERE s.status = 'skipped'),
           count(*) FILTER (WHERE s.attempts > 1),
           coalesce(sum(s.attempts), 0), coalesce(sum(s.recoveries), 0),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY s.duration_ms),
           percentile_cont(0.95) WITHIN GROUP (ORDER BY s.duration_ms)
    FROM workflow_step_runs s JOIN workflow_runs r ON r.id = s.run_id
    WHERE r.workflow_id = %(workflow)s AND r.created_at >= %(since)s
    GROUP BY s.step_id ORDER BY min(s.position), s.step_id
"""


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def run_stats(*, workflow: Workflow, since: datetime) -> dict[str, Any]:
    """The workflow's runs created since ``since``: counts by status, the success rate of the
    finished ones, and the p50/p95 duration (ms) of those that started and finished."""
    rows = WorkflowRun.objects.filter(workflow=workflow, created_at__gte=since).values_list("status")
    counts = {status: 0 for status in RunStatus.values} | dict(rows.annotate(n=Count("id")).order_by())
    finished = sum(counts[status] for status in RUN_FINISHED)
    with connection.cursor() as cursor:
        cursor.execute(_RUN_DURATIONS, {"workflow": workflow.pk, "since": since})
        p50, p95 = cursor.fetchone() or (None, None)
    return {
        "runs": sum(counts.values()),
        "by_status": counts,
        "success_rate": round(counts[RunStatus.SUCCEEDED] / finished, 4) if finished else None,
        "p50_duration_ms": _ms(p50),
        "p95_duration_ms": _ms(p95),
    }


def step_stats(*, workflow: Workflow, since: datetime) -> list[dict[str, Any]]:
    """Per step id of the workflow's runs created since ``since``: how its step runs ended,
    their attempts (``retried``: runs that needed more than one) and p50/p95 duration (ms)."""
    with connection.cursor() as cursor:
        cursor.execute(_STEP_STATS, {"workflow": workflow.pk, "since": since})
        rows = cursor.fetchall()
    return [
        {"step_id": step_id, "kind": kind, "runs": runs, "succeeded": succeeded, "failed": failed,
         "skipped": skipped, "retried": retried, "attempts": int(attempts), "recoveries": int(recoveries),
         "p50_duration_ms": _ms(p50), "p95_duration_ms": _ms(p95)}
        for step_id, kind, runs, succeeded, failed, skipped, retried, attempts, recoveries, p50, p95 in rows
    ]  # fmt: skip
