"""Celery tasks of the engine: thin wrappers over :mod:`apps.workflows.services`."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from apps.workflows.services.approvals import approvals_expire
from apps.workflows.services.retention import runs_prune
from apps.workflows.services.runs import run_advance
from apps.workflows.services.steps import step_execute, steps_due, steps_recover
from apps.workflows.services.triggers import schedule_fire
from storyportal.celery import app


def dispatch_steps(step_run_ids: list[str]) -> None:
    for step_run_id in step_run_ids:
        execute_step.delay(step_run_id)


def _advance(run_id: str) -> None:
    dispatch_steps(run_advance(run_id))


@app.task(name="workflows.advance_run")
def advance_run(run_id: str) -> None:
    _advance(run_id)


@app.task(name="workflows.execute_step", acks_late=True, reject_on_worker_lost=True)
def execute_step(step_run_id: str) -> None:
    outcome = step_execute(step_run_id)
    if outcome is None:
        return
    if outcome.retry_now:
        execute_step.delay(step_run_id)
    dispatch_steps(outcome.ready)


@app.task(name="workflows.dispatch_due")
def dispatch_due() -> dict[str, Any]:
    """Every second (beat): retries and waits that are due, approvals that timed out."""
    due = steps_due()
    for step_run_id in due:
        execute_step.delay(step_run_id)
    return {"dispatched": len(due), "approvals_expired": approvals_expire()}


@app.task(name="workflows.recover_steps")
def recover_steps() -> dict[str, Any]:
    """Every 15 s (beat): steps a dead worker left, and queued steps whose task was lost."""
    recovery = steps_recover()
    dispatch_steps(recovery.dispatch)
    for run_id in recovery.advance:
        advance_run.delay(run_id)
    return {"recovered": len(recovery.dispatch), "given_up": len(recovery.advance)}


@app.task(name="workflows.prune_runs")
def prune_runs() -> dict[str, Any]:
    """Hourly (beat): delete runs and clear outputs past their retention, in batches."""
    return asdict(runs_prune())


@app.task(name="workflows.run_scheduled")
def run_scheduled(schedule_id: str) -> str | None:
    """Sent by beat when a schedule's cron matches."""
    run = schedule_fire(schedule_id)
    return str(run.id) if run else None
