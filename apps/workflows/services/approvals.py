"""A person approves or rejects a waiting approval step; one left too long is rejected."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.workflows.errors import NotWaiting, RunFinished
from apps.workflows.models import StepRun, StepStatus, WorkflowRun
from apps.workflows.recording import step_event


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
    from apps.workflows.tasks import advance_run  # tasks import this module

    transaction.on_commit(lambda: advance_run.delay(str(locked.pk)))
    return step


@transaction.atomic
def approvals_expire() -> list[str]:
    """Reject the approvals whose timeout passed; returns their runs to advance."""
    now = timezone.now()
    expired = list(
        StepRun.objects.select_for_update(skip_locked=True).filter(status=StepStatus.WAITING, next_attempt_at__lte=now)
    )
    for step in expired:
        step.status, step.finished_at, step.next_attempt_at = StepStatus.FAILED, now, None
        step.error = "no decision before the approval's timeout"
        step.attempts = 1
        step_event(step, "StepRejected", by=None, comment=step.error)
    StepRun.objects.bulk_update(expired, ["status", "finished_at", "next_attempt_at", "error", "attempts"])
    return sorted({str(step.run_id) for step in expired})
