"""Pruning old runs (issue 5 point 7): in batches, each its own short transaction, selected
by an indexed timestamp, so the tables are never locked for long nor loaded into memory.

Two horizons: step outputs (and run outputs) are cleared after
``WORKFLOW_OUTPUT_RETENTION_DAYS``; whole runs (with their steps and tool executions) are
deleted after ``WORKFLOW_RUN_RETENTION_DAYS``. Events about them stay in the event store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from apps.workflows.models.runs import RUN_FINISHED

_FINISHED = [str(status) for status in RUN_FINISHED]

_DELETE_RUNS = """
    WITH doomed AS (
        SELECT id FROM workflow_runs
        WHERE finished_at < %s AND status = ANY(%s)
        ORDER BY finished_at LIMIT %s
        FOR UPDATE SKIP LOCKED
    ), steps AS (
        DELETE FROM workflow_step_runs WHERE run_id IN (SELECT id FROM doomed)
    ), tools AS (
        DELETE FROM tool_executions WHERE run_id IN (SELECT id FROM doomed)
    )
    DELETE FROM workflow_runs WHERE id IN (SELECT id FROM doomed)
"""

_CLEAR_OUTPUTS = """
    WITH old AS (
        SELECT s.id FROM workflow_step_runs s JOIN workflow_runs r ON r.id = s.run_id
        WHERE s.output IS NOT NULL AND s.finished_at < %s AND r.finished_at IS NOT NULL
        ORDER BY s.finished_at LIMIT %s
        FOR UPDATE OF s SKIP LOCKED
    )
    UPDATE workflow_step_runs SET output = NULL WHERE id IN (SELECT id FROM old)
"""

_CLEAR_RUN_OUTPUTS = """
    WITH old AS (
        SELECT id FROM workflow_runs
        WHERE outputs IS NOT NULL AND finished_at < %s
        ORDER BY finished_at LIMIT %s
        FOR UPDATE SKIP LOCKED
    )
    UPDATE workflow_runs SET outputs = NULL WHERE id IN (SELECT id FROM old)
"""


@dataclass
class PruneResult:
    runs_deleted: int = 0
    step_outputs_cleared: int = 0
    run_outputs_cleared: int = 0


def _batches(sql: str, params: list[Any], batch_size: int, max_batches: int) -> int:
    total = 0
    for _ in range(max_batches):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [*params, batch_size])
            total += cursor.rowcount
            if cursor.rowcount < batch_size:
                break
    return total


def runs_prune(
    *,
    run_days: int | None = None,
    output_days: int | None = None,
    batch_size: int = 1000,
    max_batches: int = 10_000,
    now: datetime | None = None,
) -> PruneResult:
    now = now or timezone.now()
    run_days = settings.WORKFLOW_RUN_RETENTION_DAYS if run_days is None else run_days
    output_days = settings.WORKFLOW_OUTPUT_RETENTION_DAYS if output_days is None else output_days
    result = PruneResult()
    run_cutoff = now - timedelta(days=run_days)
    result.runs_deleted = _batches(_DELETE_RUNS, [run_cutoff, _FINISHED], batch_size, max_batches)
    output_cutoff = now - timedelta(days=output_days)
    result.step_outputs_cleared = _batches(_CLEAR_OUTPUTS, [output_cutoff], batch_size, max_batches)
    result.run_outputs_cleared = _batches(_CLEAR_RUN_OUTPUTS, [output_cutoff], batch_size, max_batches)
    return result


def prune_preview(*, run_days: int, output_days: int, now: datetime | None = None) -> dict[str, int]:
    """What :func:`runs_prune` would do (counts only)."""
    from apps.workflows.models import StepRun, WorkflowRun

    now = now or timezone.now()
    return {
        "runs": WorkflowRun.objects.filter(
            finished_at__lt=now - timedelta(days=run_days), status__in=_FINISHED
        ).count(),
        "step_outputs": StepRun.objects.filter(
            finished_at__lt=now - timedelta(days=output_days), output__isnull=False
        ).count(),
    }
