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

import json
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from apps.workflows import references
from apps.workflows.executors import EXECUTORS, StepFailure
from apps.workflows.metrics import step_observe
from apps.workflows.models import RunStatus, StepRun, StepStatus, WorkflowRun
from apps.workflows.recording import run_event, step_event
from apps.workflows.services.runs import advance_locked, context_of

logger = logging.getLogger(__name__)

WORKER_KINDS = tuple(EXECUTORS)
READING_FIELDS = ("params", "inputs", "message", "prompt", "system")
MAX_RECOVERIES = 5
OUTCOME_FIELDS = ["status", "output", "error", "finished_at", "duration_ms", "queued_at", "next_attempt_at"]


@dataclass(frozen=True)
class Outcome:
    run_id: str
    retry_now: bool = False
    ready: list[str] = field(default_factory=list)  # steps the run's advance made ready


_CLAIM = """
    UPDATE workflow_step_runs
    SET status = 'running', attempts = attempts + 1, claimed_at = %s, started_at = COALESCE(started_at, %s)
    WHERE id = %s AND status = 'queued' AND next_attempt_at IS NULL
    RETURNING run_id
"""


def step_claim(step_run_id: uuid.UUID | str) -> uuid.UUID | None:
    """Take a queued step (committed at once, so pages show it running); its run's id, or
    None when another delivery took it first."""
    now = timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM, [now, now, str(step_run_id)])
        row = cursor.fetchone()
    if row is None:
        return None
    _mark_run_started(row[0])
    return uuid.UUID(str(row[0]))


@transaction.atomic
def _mark_run_started(run_id: uuid.UUID) -> None:
    """The first step a worker takes starts the run (its own short commit: run row, then its
    event stream, the order every path locks them in)."""
    if WorkflowRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, started_at=timezone.now()
    ):
        run = WorkflowRun.objects.select_related("version").get(pk=run_id)
        run_event(run, "WorkflowStarted", version=run.version.version)


def _spec(step: StepRun) -> dict[str, Any]:
    return next(spec for spec in step.run.version.steps if spec["id"] == step.step_id)


def _retry_delay(spec: dict[str, Any], attempts: int) -> float:
    policy = spec.get("retry") or {}
    return float(policy.get("backoff_seconds", 1)) * float(policy.get("backoff_factor", 2)) ** (attempts - 1)


def step_execute(step_run_id: uuid.UUID | str) -> Outcome | None:
    """Claim and run a queued step; None when there was nothing to do (another delivery won).

    Locks are taken in one order everywhere: the step's row, then the run's row, then the
    run's event stream. The step's work happens before the run is locked, so parallel steps
    of one run work at the same time and only their completions take turns.
    """
    if step_claim(step_run_id) is None:
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
        result = _execute(step)
        WorkflowRun.objects.select_for_update(of=("self",)).filter(pk=step.run_id).exists()  # run row, now
        step_event(step, result.event_type, **result.extra)
        ready = advance_locked(step.run_id)  # in the same commit as the step's outcome
    step_observe(kind=step.kind, event_type=result.event_type, duration_ms=step.duration_ms)
    return Outcome(run_id=str(step.run_id), retry_now=result.retry_now, ready=ready)


@dataclass(frozen=True)
class _Result:
    event_type: str
    extra: dict[str, Any]
    retry_now: bool = False


def _execute(step: StepRun) -> _Result:
    spec = _spec(step)
    started = time.perf_counter()
    failure: StepFailure | None = None
    output: Any = None
    try:
        with transaction.atomic():  # the step's own writes: undone if it crashes
            try:
                # Only a step that reads inputs or other steps needs them loaded.
                reads = references.expressions({k: v for k, v in spec.items() if k in READING_FIELDS})
                context = context_of(step.run, {s.step_id: s for s in step.run.steps.all()}) if reads else {}
                output = EXECUTORS[step.kind](step, spec, context)
                json.dumps(output, cls=DjangoJSONEncoder)  # an output that cannot be stored fails here
            except StepFailure as exc:
                failure = exc  # kept: e.g. the record of a refused service call
            except (TypeError, ValueError) as exc:
                failure = StepFailure(f"the step's output cannot be stored as JSON: {exc}", retryable=False)
    except Exception as exc:
        logger.exception("step %s of run %s crashed", step.step_id, step.run_id)
        failure = StepFailure(f"{type(exc).__name__}: {exc}", retryable=True)
    now = timezone.now()
    step.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    if failure is None:
        step.status, step.output, step.error, step.finished_at = StepStatus.SUCCEEDED, output, "", now
        step.save(update_fields=OUTCOME_FIELDS)
        return _Result("StepSucceeded", {"duration_ms": step.duration_ms})
    max_attempts = (spec.get("retry") or {}).get("max_attempts", 1)
    step.error = failure.message[:5000]
    if failure.retryable and step.attempts < max_attempts:
        delay = _retry_delay(spec, step.attempts)
        step.status, step.queued_at = StepStatus.QUEUED, now
        step.next_attempt_at = now + timedelta(seconds=delay) if delay > 0 else None
        step.save(update_fields=OUTCOME_FIELDS)
        return _Result("StepRetrying", {"error": step.error, "retry_in_seconds": delay}, step.next_attempt_at is None)
    step.status, step.finished_at = StepStatus.FAILED, now
    step.save(update_fields=OUTCOME_FIELDS)
    return _Result("StepFailed", {"error": step.error})


@dataclass(frozen=True)
class Recovery:
    dispatch: list[str]  # step runs to send to workers again
    advance: list[str]  # runs to advance (a step given up on)


@transaction.atomic
def steps_recover(*, grace_seconds: float | None = None) -> Recovery:
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
        step.recoveries += 1
        if step.recoveries > MAX_RECOVERIES:
            # A step that kills its worker every time would be retried for ever.
            step.status, step.finished_at = StepStatus.FAILED, now
            step.error = f"its worker died {MAX_RECOVERIES + 1} times while running it"
            step_event(step, "StepFailed", error=step.error)
            continue
        step.status, step.queued_at, step.next_attempt_at = StepStatus.QUEUED, now, None
        step.attempts -= 1  # the attempt never finished: it runs again under the same key
        step_event(step, "StepRecovered")
    fields = ["status", "queued_at", "next_attempt_at", "attempts", "recoveries", "finished_at", "error"]
    StepRun.objects.bulk_update(orphans, fields)
    lost_before = now - timedelta(seconds=settings.WORKFLOW_LOST_STEP_SECONDS)
    lost = StepRun.objects.select_for_update(skip_locked=True).filter(
        status=StepStatus.QUEUED, next_attempt_at__isnull=True, queued_at__lt=lost_before
    )
    lost_ids = [str(pk) for pk in lost.values_list("pk", flat=True)]
    StepRun.objects.filter(pk__in=lost_ids).update(queued_at=now)
    requeued = [str(step.pk) for step in orphans if step.status == StepStatus.QUEUED]
    failed_runs = sorted({str(step.run_id) for step in orphans if step.status == StepStatus.FAILED})
    return Recovery(dispatch=requeued + lost_ids, advance=failed_runs)


@transaction.atomic
def steps_due() -> list[str]:
    """Steps whose retry backoff or wait is over: cleared for a worker to claim."""
    due = StepRun.objects.select_for_update(skip_locked=True).filter(
        status=StepStatus.QUEUED, next_attempt_at__lte=timezone.now()
    )
    ids = [str(pk) for pk in due.values_list("pk", flat=True)]
    StepRun.objects.filter(pk__in=ids).update(next_attempt_at=None, queued_at=timezone.now())
    return ids
