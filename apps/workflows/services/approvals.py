"""A person approves or rejects a waiting approval step; one left too long is rejected."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.workflows.errors import NotWaiting, RunFinished
from apps.workflows.models import StepRun, StepStatus, WorkflowRun
from apps.workflows.recording import step_event
from apps.workflows.services.runs import advance_locked


@transaction.atomic
def approval_decide(*, run: WorkflowRun, step_id: str, user: Any, approve: bool, comment: str = "") -> StepRun:
    locked = WorkflowRun.objects.select_for_update().get(pk=run.pk)
    if locked.finished:
        raise RunFinished(f"The run already {locked.status}.")
    step = StepRun.objects.select_for_update().filter(run=locked, step_id=step_id).first()
    if step is None or step.kind != "approval":
        raise NotWaiting(f"The run has no approval step {step_id!r}.")
    if step.status != StepStatus.WAITING:
        raise NotWaiting(f"Step {step_id} is {step.status}, not waiting for a decision.")
    now = timezone.now()
    step.decided_by, step.decision_comment, step.finished_at = user, comment, now
    step.attempts, step.next_attempt_at = 1, None
    step.duration_ms = round((now - (step.started_at or now)).total_seconds() * 1000, 2)
    verdict = {"approved": approve, "by": user.get_username(), "comment": comment}
    if approve:
        step.status, step.output = StepStatus.SUCCEEDED, verdict
    else:
        step.status, step.output = StepStatus.FAILED, verdict
        step.error = f"rejected by {user.get_username()}" + (f": {comment}" if comment else "")
    step.save()
    step_event(step, "StepApproved" if approve else "StepRejected", by=user.get_username(), comment=comment)
    _advance_now(locked)
    return step


def _advance_now(run: WorkflowRun) -> None:
    """Move the run on in this same commit (we hold its lock); the steps it makes ready go
    to the workers once it commits (a broker that is down then leaves them for recovery)."""
    from apps.workflows.tasks import dispatch_steps  # tasks import this module

    ready = advance_locked(run.pk)
    transaction.on_commit(lambda: dispatch_steps(ready), robust=True)


def approvals_expire() -> int:
    """Reject the approvals whose timeout passed, each under its run's lock like a person's
    decision; returns how many."""
    due = StepRun.objects.filter(status=StepStatus.WAITING, next_attempt_at__lte=timezone.now())
    expired = 0
    for step_run_id, run_id in list(due.values_list("pk", "run_id")[:500]):
        expired += _expire(step_run_id, run_id)
    return expired


@transaction.atomic
def _expire(step_run_id: Any, run_id: Any) -> int:
    run = WorkflowRun.objects.select_for_update(of=("self",)).filter(pk=run_id).first()
    step = StepRun.objects.select_for_update(skip_locked=True).filter(pk=step_run_id).first()
    now = timezone.now()
    if run is None or run.finished or step is None or step.status != StepStatus.WAITING:
        return 0
    if step.next_attempt_at is None or step.next_attempt_at > now:
        return 0
    step.status, step.finished_at, step.next_attempt_at, step.attempts = StepStatus.FAILED, now, None, 1
    step.error = "no decision before the approval's timeout"
    step.save(update_fields=["status", "finished_at", "next_attempt_at", "error", "attempts"])
    step_event(step, "StepRejected", by=None, comment=step.error)
    _advance_now(run)
    return 1
