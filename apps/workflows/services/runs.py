"""Starting, advancing and cancelling runs.

:func:`run_advance` is the only place that moves pending steps on. It runs under the run's
row lock (so concurrent completions advance one at a time), decides each ready step
(``when``, conditions, approvals, waits), finishes the run when every step has, and returns
the steps to hand to workers once the transaction commits.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import jsonschema
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.accounts.scopes import WRITE
from apps.integrations.services import webhooks_notify
from apps.workflows import references
from apps.workflows.errors import InputsInvalid, RunFinished, RunForbidden
from apps.workflows.models import RunStatus, StepRun, StepStatus, Workflow, WorkflowRun, WorkflowVersion
from apps.workflows.models.runs import STEP_FINISHED
from apps.workflows.recording import run_event, step_event
from apps.workflows.signals import run_finished
from storyportal.api.exceptions import Conflict

DONE_OK = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)
ADVANCED_FIELDS = [
    "status", "output", "error", "attempts", "started_at", "finished_at", "duration_ms", "queued_at", "next_attempt_at",
]  # fmt: skip


def check_inputs(schema: dict[str, Any], inputs: dict[str, Any]) -> None:
    if not schema:
        return
    try:
        errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(inputs), key=str)
    except Exception as exc:  # e.g. a $ref the schema cannot resolve
        raise InputsInvalid(f"The workflow's inputs_schema cannot be applied: {exc}") from exc
    if errors:
        details = {".".join(map(str, e.absolute_path)) or "inputs": [e.message] for e in errors}
        raise InputsInvalid("The inputs do not match the workflow's inputs_schema.", details=details)


@transaction.atomic
def run_execute(
    *, workflow: Workflow, inputs: dict[str, Any], user: Any, scopes: frozenset[str], trigger: str = "manual"
) -> WorkflowRun:
    """Queue a run of the workflow's newest version; a worker starts it after commit."""
    if workflow.archived_at is not None:
        raise Conflict(f"{workflow.name} was deleted; it cannot run.")
    if WRITE not in scopes:
        raise RunForbidden(f"Running a workflow needs {WRITE}.")
    check_inputs(workflow.inputs_schema, inputs)
    version = WorkflowVersion.objects.get(workflow=workflow, version=workflow.version)
    run = WorkflowRun.objects.create(
        workflow=workflow,
        version=version,
        inputs=inputs,
        trigger=trigger,
        triggered_by=user if getattr(user, "pk", None) else None,
        scopes=sorted(scopes),
    )
    StepRun.objects.bulk_create(
        StepRun(run=run, step_id=step["id"], kind=step["kind"], position=i) for i, step in enumerate(version.steps)
    )
    run_event(run, "WorkflowQueued", version=version.version, trigger=trigger)
    ready = advance_locked(run.id)  # the first steps go straight to the workers' queue
    from apps.workflows.tasks import dispatch_steps

    # robust: a broker that is down must not fail the run's creation; recovery re-sends.
    transaction.on_commit(lambda: dispatch_steps(ready), robust=True)
    run.refresh_from_db()
    return run


def context_of(run: WorkflowRun, steps: dict[str, StepRun]) -> dict[str, Any]:
    """What references and conditions read: the inputs and each finished step."""
    return {
        "inputs": run.inputs,
        "steps": {sid: {"output": s.output, "status": s.status, "error": s.error or None} for sid, s in steps.items()},
    }


def _decide(run: WorkflowRun, step: StepRun, spec: dict[str, Any], context: dict[str, Any]) -> bool:
    """Move one ready pending step on; True when it finished at once (a condition, a skip)."""
    now = timezone.now()
    when = spec.get("when")
    if when and not references.evaluate(when, context):
        step.status, step.finished_at = StepStatus.SKIPPED, now
        step_event(step, "StepSkipped", when=when)
        return True
    if step.kind == "condition":
        value = references.evaluate(spec["expression"], context)
        step.status, step.output, step.started_at, step.finished_at = (
            StepStatus.SUCCEEDED,
            {"result": bool(value), "value": value},
            now,
            now,
        )
        step.attempts, step.duration_ms = 1, 0.0
        step_event(step, "StepSucceeded", output=step.output)
        return True
    if step.kind == "approval":
        step.status, step.started_at = StepStatus.WAITING, now
        timeout = spec.get("timeout_seconds")
        step.next_attempt_at = now + timedelta(seconds=timeout) if timeout else None
        step_event(step, "StepWaiting", message=references.render(spec.get("message", ""), context))
        return False
    step.status, step.queued_at = StepStatus.QUEUED, now
    step.next_attempt_at = now + timedelta(seconds=spec["seconds"]) if step.kind == "wait" and spec["seconds"] else None
    return False


def _ready(spec: dict[str, Any], steps: dict[str, StepRun]) -> bool:
    return all(steps[dep].status in DONE_OK for dep in spec.get("depends_on", []))


def _outputs(run: WorkflowRun, steps: dict[str, StepRun], context: dict[str, Any]) -> Any:
    declared = run.version.outputs
    if declared:
        return references.render(declared, context)
    parents = {dep for spec in run.version.steps for dep in spec.get("depends_on", [])}
    return {sid: s.output for sid, s in steps.items() if sid not in parents and s.status == StepStatus.SUCCEEDED}


def _finish(run: WorkflowRun, steps: dict[str, StepRun], context: dict[str, Any]) -> None:
    failed = [s for s in steps.values() if s.status == StepStatus.FAILED]
    run.finished_at = timezone.now()
    if failed:
        run.status = RunStatus.FAILED
        run.error = f"step {failed[0].step_id} failed: {failed[0].error}"
    else:
        run.status = RunStatus.SUCCEEDED
        try:
            run.outputs = _outputs(run, steps, context)
        except references.InvalidReference as exc:
            run.status, run.error = RunStatus.FAILED, f"outputs: {exc}"
    _completed(run)


def _completed(run: WorkflowRun) -> None:
    """The ``WorkflowCompleted`` event, and the outbound webhooks subscribed to it (L11),
    queued in the same transaction as the run's end."""
    run_event(run, "WorkflowCompleted", error=run.error or None)
    summary = {
        "run_id": str(run.id), "workflow_id": str(run.workflow_id), "workflow": run.workflow.name,
        "version": run.version.version, "status": run.status, "error": run.error or None, "outputs": run.outputs,
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None, "trigger": run.trigger,
    }  # fmt: skip
    webhooks_notify(event_type="WorkflowCompleted", payload=summary, workflow_id=run.workflow_id)
    run_finished.send(sender=WorkflowRun, run=run)


def _cancel_unstarted(steps: dict[str, StepRun], reason: str) -> None:
    for step in steps.values():
        if step.status in (StepStatus.PENDING, StepStatus.QUEUED, StepStatus.WAITING):
            step.status, step.error, step.finished_at = StepStatus.CANCELLED, reason, timezone.now()


@transaction.atomic
def run_advance(run_id: uuid.UUID | str) -> list[str]:
    """Move the run on as far as it can go now; returns the step runs to dispatch."""
    return advance_locked(run_id)


def _save_steps(changed: list[StepRun], before: dict[str, str]) -> list[StepRun]:
    """Write the steps this advance moved on; returns those written. A row a worker or the
    expiry job holds right now (it claimed the step meanwhile) is left to them, never waited
    on: they finish it and advance the run again."""
    if not changed:
        return []
    free = dict(
        StepRun.objects.select_for_update(skip_locked=True)
        .filter(pk__in=[step.pk for step in changed])
        .values_list("pk", "status")
    )
    written = []
    for step in changed:
        if free.get(step.pk) != before[step.step_id]:
            step.status = before[step.step_id]  # not ours to change after all
            continue
        StepRun.objects.filter(pk=step.pk).update(**{field: getattr(step, field) for field in ADVANCED_FIELDS})
        written.append(step)
    return written


def _mark_started(run: WorkflowRun, steps: dict[str, StepRun]) -> None:
    """A run stays ``queued`` until one of its steps is under way (claimed by a worker,
    waiting for a person, or finished)."""
    if run.status == RunStatus.QUEUED and any(
        s.status not in (StepStatus.PENDING, StepStatus.QUEUED) for s in steps.values()
    ):
        run.status, run.started_at = RunStatus.RUNNING, run.started_at or timezone.now()
        run_event(run, "WorkflowStarted", version=run.version.version)


def advance_locked(run_id: uuid.UUID | str) -> list[str]:
    """:func:`run_advance` inside the caller's transaction (a worker finishing a step advances
    the run in the same commit)."""
    run = WorkflowRun.objects.select_for_update(of=("self",)).select_related("version", "workflow").get(pk=run_id)
    if run.finished:
        return []
    specs = {spec["id"]: spec for spec in run.version.steps}
    steps = {s.step_id: s for s in run.steps.all()}
    before = {sid: s.status for sid, s in steps.items()}
    progress_before, status_before = run.progress, run.status
    if any(s.status == StepStatus.FAILED for s in steps.values()):
        _cancel_unstarted(steps, "an earlier step failed")
    else:
        _decide_ready(run, steps, specs)
    changed = _save_steps([s for sid, s in steps.items() if s.status != before[sid]], before)
    _mark_started(run, steps)
    finished = sum(s.status in STEP_FINISHED for s in steps.values())
    run.progress = finished * 100 // len(steps)
    if finished == len(steps):
        _finish(run, steps, context_of(run, steps))
    elif run.status != RunStatus.QUEUED:
        waiting = any(s.status == StepStatus.WAITING for s in steps.values())
        run.status = RunStatus.WAITING if waiting else RunStatus.RUNNING
        if run.progress != progress_before:
            run_event(run, "WorkflowProgress")
    if changed or run.status != status_before or run.progress != progress_before:
        run.save()
    return [str(s.id) for s in changed if s.status == StepStatus.QUEUED and s.next_attempt_at is None]


def _decide_ready(run: WorkflowRun, steps: dict[str, StepRun], specs: dict[str, dict[str, Any]]) -> None:
    progressed = True
    while progressed:  # a finished condition or skip may make more steps ready
        progressed = False
        for sid, step in steps.items():
            if step.status != StepStatus.PENDING or not _ready(specs[sid], steps):
                continue
            try:
                progressed |= _decide(run, step, specs[sid], context_of(run, steps))
            except references.InvalidReference as exc:
                step.status, step.error, step.finished_at = StepStatus.FAILED, str(exc), timezone.now()
                step_event(step, "StepFailed", error=step.error)
                _cancel_unstarted(steps, "an earlier step failed")
                return


@transaction.atomic
def run_cancel(*, run: WorkflowRun) -> WorkflowRun:
    """Stop a run: steps not yet started are cancelled; a step already running finishes, but
    its result no longer moves the run."""
    locked = WorkflowRun.objects.select_for_update().get(pk=run.pk)
    if locked.finished:
        raise RunFinished(f"The run already {locked.status}; it cannot be cancelled.")
    StepRun.objects.filter(run=locked).filter(
        Q(status__in=[StepStatus.PENDING, StepStatus.QUEUED, StepStatus.WAITING])
    ).update(status=StepStatus.CANCELLED, error="the run was cancelled", finished_at=timezone.now())
    locked.status, locked.finished_at, locked.error = RunStatus.CANCELLED, timezone.now(), "cancelled"
    locked.save()
    _completed(locked)
    return locked
