"""L05 WorkflowEngine and L10 ApprovalService: workflows and their human decisions as services."""

from __future__ import annotations

from typing import Any

from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service
from apps.workflows import selectors
from apps.workflows.executors import WORKFLOW_CLIENT
from apps.workflows.models import WorkflowRun, WorkflowSchedule
from apps.workflows.services import approvals, runs, triggers

RUN = obj(
    {"id": UUID, "workflow": {"type": "string"}, "version": {"type": "integer"}, "status": {"type": "string"},
     "progress": {"type": "integer"}, "outputs": {}, "error": {"type": "string"}, "steps": {"type": "array"}},
    "id", "status", "progress",
)  # fmt: skip
RUN_ID = obj({"run_id": UUID}, "run_id")


def _run(run: WorkflowRun, *, steps: bool = True) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(run.id), "workflow": run.workflow.name, "version": run.version.version, "status": run.status,
        "progress": run.progress, "outputs": run.outputs, "error": run.error,
    }  # fmt: skip
    if steps:
        body["steps"] = [
            {"step_id": s.step_id, "kind": s.kind, "status": s.status, "attempts": s.attempts, "error": s.error}
            for s in run.steps.all()
        ]
    return body


def _get_run(run_id: str) -> WorkflowRun:
    run = selectors.run_detail_list().filter(pk=run_id).first()
    if run is None:
        raise MethodError(404, f"No workflow run with id {run_id}.")
    return run


@service(name="WorkflowEngine", layer="L05", description="List workflows, run them, follow and cancel their runs.")
class WorkflowEngine:
    @method(
        description="Workflows with their newest version and step count.",
        params=obj({"search": {"type": "string", "maxLength": 200}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "workflows": {"type": "array"}}, "count", "workflows"),
    )
    def list(self, caller: Caller, search: str = "", limit: int = 20) -> dict[str, Any]:
        found = selectors.workflow_list().filter(name__icontains=search) if search else selectors.workflow_list()
        rows = [{"id": str(w.id), "name": w.name, "version": w.version, "steps": len(w.steps)} for w in found[:limit]]
        return {"count": found.count(), "workflows": rows}

    @method(
        description="Queue a run of a workflow (by name) with inputs; returns the queued run.",
        params=obj({"workflow": {"type": "string", "maxLength": 100}, "inputs": {"type": "object"}}, "workflow"),
        result=RUN,
        writes=True,
    )
    def execute(self, caller: Caller, workflow: str, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        found = selectors.workflow_list().filter(name=workflow).first()
        if found is None:
            raise MethodError(404, f"No workflow named {workflow}.")
        run = runs.run_execute(workflow=found, inputs=inputs or {}, user=caller.user, scopes=caller.scopes,
                               trigger="hub")  # fmt: skip
        return _run(run, steps=False)

    @method(description="A run's status, progress, outputs and steps.", params=RUN_ID, result=RUN)
    def status(self, caller: Caller, run_id: str) -> dict[str, Any]:
        return _run(_get_run(run_id))

    @method(description="Cancel a run that has not ended (409 if it has).", params=RUN_ID, result=RUN, writes=True)
    def cancel(self, caller: Caller, run_id: str) -> dict[str, Any]:
        return _run(runs.run_cancel(run=_get_run(run_id)))


DECISION = obj(
    {"run_id": UUID, "step_id": {"type": "string", "maxLength": 63}, "comment": {"type": "string", "maxLength": 1000}},
    "run_id", "step_id",
)  # fmt: skip


@service(name="ApprovalService", layer="L10", description="The approvals people are asked for, and their decisions.")
class ApprovalService:
    @method(
        description="Approval steps waiting for a decision, oldest first.",
        params=obj({"limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "approvals": {"type": "array"}}, "count", "approvals"),
    )
    def pending(self, caller: Caller, limit: int = 20) -> dict[str, Any]:
        waiting = selectors.waiting_approvals()
        rows = [
            {"run_id": str(s.run_id), "step_id": s.step_id, "workflow": s.run.workflow.name,
             "waiting_since": s.started_at.isoformat() if s.started_at else None,
             "timeout_at": s.next_attempt_at.isoformat() if s.next_attempt_at else None}
            for s in waiting[:limit]
        ]  # fmt: skip
        return {"count": waiting.count(), "approvals": rows}

    @method(description="Approve a waiting approval step.", params=DECISION, result=RUN, writes=True)
    def approve(self, caller: Caller, run_id: str, step_id: str, comment: str = "") -> dict[str, Any]:
        return self._decide(caller, run_id, step_id, comment, approve=True)

    @method(description="Reject it: the run fails.", params=DECISION, result=RUN, writes=True)
    def reject(self, caller: Caller, run_id: str, step_id: str, comment: str = "") -> dict[str, Any]:
        return self._decide(caller, run_id, step_id, comment, approve=False)

    def _decide(self, caller: Caller, run_id: str, step_id: str, comment: str, *, approve: bool) -> dict[str, Any]:
        if (caller.client or "").startswith(WORKFLOW_CLIENT):
            raise MethodError(403, "Approvals are decided by people, not by workflow steps.")
        run = _get_run(run_id)
        approvals.approval_decide(run=run, step_id=step_id, user=caller.user, approve=approve, comment=comment)
        return _run(_get_run(run_id))


SCHEDULE = obj(
    {"id": UUID, "workflow": {"type": "string"}, "cron": {"type": "string"}, "timezone": {"type": "string"},
     "enabled": {"type": "boolean"}, "last_run_at": {"type": ["string", "null"]}},
    "id", "workflow", "cron", "enabled",
)  # fmt: skip


def _schedule(schedule: WorkflowSchedule) -> dict[str, Any]:
    return {
        "id": str(schedule.id), "workflow": schedule.workflow.name, "cron": schedule.cron,
        "timezone": schedule.timezone, "enabled": schedule.enabled,
        "last_run_at": schedule.last_run_at.isoformat() if schedule.last_run_at else None,
    }  # fmt: skip


@service(name="Scheduler", layer="L05", description="Cron schedules that start workflow runs (django-celery-beat).")
class Scheduler:
    @method(
        description="Schedules, optionally of one workflow (by name).",
        params=obj({"workflow": {"type": "string", "maxLength": 100}, "limit": LIMIT}),
        result=obj(
            {"count": {"type": "integer"}, "schedules": {"type": "array", "items": SCHEDULE}}, "count", "schedules"
        ),
    )
    def list(self, caller: Caller, workflow: str = "", limit: int = 20) -> dict[str, Any]:
        rows = WorkflowSchedule.objects.filter(workflow__archived_at__isnull=True).select_related("workflow")
        rows = rows.filter(workflow__name=workflow) if workflow else rows
        return {"count": rows.count(), "schedules": [_schedule(s) for s in rows.order_by("created_at")[:limit]]}

    @method(
        description="Run a workflow (by name) on a cron schedule, as you, with these inputs.",
        params=obj(
            {
                "workflow": {"type": "string", "maxLength": 100},
                "cron": {"type": "string", "maxLength": 120},
                "timezone": {"type": "string", "maxLength": 64},
                "inputs": {"type": "object"},
            },
            "workflow",
            "cron",
        ),
        result=SCHEDULE,
        writes=True,
    )
    def create(
        self, caller: Caller, workflow: str, cron: str, timezone: str = "UTC", inputs: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        found = selectors.workflow_list().filter(name=workflow).first()
        if found is None:
            raise MethodError(404, f"No workflow named {workflow}.")
        made = triggers.schedule_create(
            workflow=found,
            cron=cron,
            user=caller.user,
            scopes=caller.scopes,
            inputs=inputs or {},
            timezone_name=timezone,
        )
        return _schedule(made)

    @method(
        description="Pause or resume a schedule.",
        params=obj({"schedule_id": UUID, "enabled": {"type": "boolean"}}, "schedule_id", "enabled"),
        result=SCHEDULE,
        writes=True,
    )
    def set_enabled(self, caller: Caller, schedule_id: str, enabled: bool) -> dict[str, Any]:
        schedule = WorkflowSchedule.objects.filter(pk=schedule_id, workflow__archived_at__isnull=True).first()
        if schedule is None:
            raise MethodError(404, f"No schedule with id {schedule_id}.")
        return _schedule(triggers.schedule_update(schedule=schedule, enabled=enabled))
