"""Driving runs in-process: what the Celery tasks do, step by step, without a worker."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from apps.workflows.models import StepRun, StepStatus, WorkflowRun
from apps.workflows.services.approvals import approvals_expire
from apps.workflows.services.runs import run_advance
from apps.workflows.services.steps import step_execute, steps_due


def drive(run: WorkflowRun, *, due_now: bool = True, rounds: int = 50) -> WorkflowRun:
    """Do what the workers and beat do until nothing moves: execute every queued step (and
    what each makes ready), make retries and waits due at once, expire approvals."""
    for _ in range(rounds):
        moved = False
        run_advance(run.id)
        if due_now:
            StepRun.objects.filter(run=run, status=StepStatus.QUEUED, next_attempt_at__isnull=False).update(
                next_attempt_at=timezone.now()
            )
        steps_due()
        queued = StepRun.objects.filter(run=run, status=StepStatus.QUEUED, next_attempt_at__isnull=True)
        for step_run_id in [str(pk) for pk in queued.values_list("pk", flat=True)]:
            moved |= step_execute(step_run_id) is not None
        moved |= approvals_expire() > 0
        if not moved:
            run_advance(run.id)
            break
    run.refresh_from_db()
    return run


def steps_of(run: WorkflowRun) -> dict[str, StepRun]:
    return {step.step_id: step for step in run.steps.all()}


def service_step(
    step_id: str, service: str, method: str, params: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {"id": step_id, "kind": "service", "service": service, "method": method, "params": params or {}, **extra}
