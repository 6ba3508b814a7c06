"""Events of runs and steps (stored, then published on ``events:workflow``). Run events
carry the run's status and progress (0-100); step events name the step and its status."""

from __future__ import annotations

from typing import Any

from apps.events.services import event_append
from apps.workflows.models import StepRun, WorkflowRun


def _append(run_id: Any, event_type: str, payload: dict[str, Any]) -> None:
    event_append(aggregate_type="WorkflowRun", aggregate_id=run_id, event_type=event_type, payload=payload)


def run_event(run: WorkflowRun, event_type: str, **extra: Any) -> None:
    base = {"run_id": str(run.id), "workflow_id": str(run.workflow_id), "status": run.status, "progress": run.progress}
    _append(run.id, event_type, {**base, **extra})


def step_event(step: StepRun, event_type: str, **extra: Any) -> None:
    base = {
        "run_id": str(step.run_id),
        "step_id": step.step_id,
        "kind": step.kind,
        "step_status": step.status,
        "attempts": step.attempts,
    }
    _append(step.run_id, event_type, {**base, **extra})
