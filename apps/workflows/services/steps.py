"""Running one step on a worker, exactly once.

1. Claim: a conditional UPDATE moves the step from ``queued`` to ``running`` (committed, so
   pages show it); of two deliveries of the same task only one wins.
2. Execute: in one transaction that holds the step's row lock, the step's work (a service
   call's writes, a tool execution record) and its outcome commit together. A worker killed
   mid-step leaves nothing behind: PostgreSQL rolls the transaction back.
3. Recover: a ``running`` step whose row is not locked after a grace period lost its worker;
   :func:`steps_recover` queues it again without using up an attempt, so its idempotency key
   (``run:step:attempt``) stays the same for a tool that reaches outside.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.workflows import references
from apps.workflows.executors import EXECUTORS, StepFailure
from apps.workflows.models import RunStatus, StepRun, StepStatus, WorkflowRun
from apps.workflows.recording import run_event, step_event
from apps.workflows.services.runs import advance_locked, context_of

logger = logging.getLogger(__name__)

WORKER_KINDS = tuple(EXECUTORS)
OUTCOME_FIELDS = ["status", "output", "error", "finished_at", "duration_ms", "queued_at", "next_attempt_at"]


@dataclass(frozen=True)
class Outcome:
    run_id: str
    retry_now: bool = False
    ready: list[str] = field(default_factory=list)  # steps the run's advance made ready


def step_claim(step_run_id: uuid.UUID | str) -> bool:
    now = timezone.now()
    claimed = StepRun.objects.filter(pk=step_run_id, status=StepStatus.QUEUED, next_attempt_at__isnull=True).update(
        status=StepStatus.RUNNING,
        attempts=F("attempts") + 1,
        claimed_at=now,
        started_at=Coalesce(F("started_at"), Value(now, output_field=DateTimeField())),
    )
    return claimed == 1


def _mark_run_started(run: WorkflowRun) -> None:
    """The first step a worker takes starts the run (seen by pages while the step runs)."""
    if run.status == RunStatus.QUEUED:
        now = timezone.now()
        if WorkflowRun.objects.filter(pk=run.pk, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=now
        ):
            run.status, run.started_at = RunStatus.RUNNING, now
            run_event(run, "WorkflowStarted", version=run.version.version)


def _spec(step: StepRun) -> dict[str, Any]:
    return next(spec for spec in step.run.version.steps if spec["id"] == step.step_id)


def _retry_delay(spec: dict[str, Any], attempts: int) -> float:
    policy = spec.get("retry") or {}
    return float(policy.get("backoff_seconds", 1)) * float(policy.get("backoff_factor", 2)) ** (attempts - 1)


def step_execute(step_run_id: uuid.UUID | str) -> Outcome | None:
    """Claim and run a queued step; None when there was nothing to do (another delivery won)."""
    if not step_claim(step_run_id):
        return None
    with transaction.atomic():
        step = (
            StepRun.objects.select_for_update(of=("self",))
            .select_related("run", "run__version", "run__triggered_by")
            .get(pk=step_run_id)
        )
        if step.status != StepStatus.RUNNING:
            return None
        if step.run.finished:
            step.status, step.error, step.finished_at = StepStatus.CANCELLED, "the run had ended", timezone.now()
            step.save(update_fields=["status", "error", "finished_at"])
            return None
        _mark_run_started(step.run)
        retry_now = _execute(step)
        ready = advance_locked(step.run_id)  # in the same commit as the step's outcome
    return Outcome(run_id=str(step.run_id), retry_now=retry_now, ready=ready)


def _execute(step: StepRun) -> bool:
    spec = _spec(step)
    # Only a step that reads inputs or other steps needs them loaded.
    reads = references.expressions({k: v for k, v in spec.items() if k in ("params", "inputs", "message")})
    context = context_of(step.run, {s.step_id: s for s in step.run.steps.all()}) if reads else {}
    started = time.perf_counter()
    failure: StepFailure | None = None
    try:
        with transaction.atomic():  # the step's own writes: undone if it crashes
            try:
                output = EXECUTORS[step.kind](step, spec, context)
            except StepFailure as exc:
                failure = exc  # kept: e.g. the record of a refused service call
    except Exception as exc:
        logger.exception("step %s of run %s crashed", step.step_id, step.run_id)
        failure = StepFailure(f"{type(exc).__name__}: {exc}", retryable=True)
    now = timezone.now()
    step.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    if failure is None:
        step.status, step.output, step.error, step.finished_at = StepStatus.SUCCEEDED, output, "", now
        step.save(update_fields=OUTCOME_FIELDS)
        step_event(step, "StepSucceeded", duration_ms=step.duration_ms)
        return False
    max_attempts = (spec.get("retry") or {}).get("max_attempts", 1)
    step.error = failure.message
    if failure.retryable and step.attempts < max_attempts:
        delay = _retry_delay(spec, step.attempts)
        step.status, step.queued_at = StepStatus.QUEUED, now
        step.next_attempt_at = now + timedelta(seconds=delay) if delay > 0 else None
        step.save(update_fields=OUTCOME_FIELDS)
        step_event(step, "StepRetrying", error=failure.message, retry_in_seconds=delay)
        return step.next_attempt_at is None
    step.status, step.finished_at = StepStatus.FAILED, now
    step.save(update_fields=OUTCOME_FIELDS)
    step_event(step, "StepFailed", error=failure.message)
    return False


@transaction.atomic
def steps_recover(*, grace_seconds: float | None = None) -> list[str]:
    """Queue again the steps whose worker died mid-step, and re-send queued steps whose task
    was lost; returns the step runs to dispatch."""
    now = timezone.now()
    grace = settings.WORKFLOW_STEP_RECOVERY_SECONDS if grace_seconds is None else grace_seconds
    orphans = list(
        StepRun.objects.select_for_update(skip_locked=True).filter(
            status=StepStatus.RUNNING, kind__in=WORKER_KINDS, claimed_at__lt=now - timedelta(seconds=grace)
        )
    )
    for step in orphans:
        step.status, step.queued_at, step.next_attempt_at = StepStatus.QUEUED, now, None
        step.attempts -= 1  # the attempt never finished: it runs again under the same key
        step.recoveries += 1
        step_event(step, "StepRecovered")
    StepRun.objects.bulk_update(orphans, ["status", "queued_at", "next_attempt_at", "attempts", "recoveries"])
    lost_before = now - timedelta(seconds=settings.WORKFLOW_LOST_STEP_SECONDS)
    lost = StepRun.objects.select_for_update(skip_locked=True).filter(
        status=StepStatus.QUEUED, next_attempt_at__isnull=True, queued_at__lt=lost_before
    )
    lost_ids = [str(pk) for pk in lost.values_list("pk", flat=True)]
    StepRun.objects.filter(pk__in=lost_ids).update(queued_at=now)
    return [str(step.pk) for step in orphans] + lost_ids


@transaction.atomic
def steps_due() -> list[str]:
    """Steps whose retry backoff or wait is over: cleared for a worker to claim."""
    due = StepRun.objects.select_for_update(skip_locked=True).filter(
        status=StepStatus.QUEUED, next_attempt_at__lte=timezone.now()
    )
    ids = [str(pk) for pk in due.values_list("pk", flat=True)]
    StepRun.objects.filter(pk__in=ids).update(next_attempt_at=None, queued_at=timezone.now())
    return ids
