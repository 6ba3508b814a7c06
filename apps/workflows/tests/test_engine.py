"""The engine, driven in-process: references, parallel steps, conditions, retries, approvals,
waits, cancel, scopes and crash recovery (the Celery tasks call these same services)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.scopes import READ, WRITE
from apps.agents.models import Agent
from apps.events.models import Event
from apps.tools.models import ToolExecution
from apps.workflows.errors import InputsInvalid, NotWaiting, RunFinished
from apps.workflows.models import RunStatus, StepStatus, Workflow
from apps.workflows.services.approvals import approval_decide
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_advance, run_cancel, run_execute
from apps.workflows.services.steps import step_claim, step_execute, steps_recover
from apps.workflows.tests.support import drive, service_step, steps_of

pytestmark = pytest.mark.django_db

OPERATOR = frozenset({READ, WRITE})


def _workflow(steps: list[dict[str, Any]], **extra: Any) -> Workflow:
    return workflow_create(name="wf", steps=steps, **extra)


def _run(workflow: Workflow, user: Any, inputs: dict[str, Any] | None = None, scopes: frozenset[str] = OPERATOR):
    return run_execute(workflow=workflow, inputs=inputs or {}, user=user, scopes=scopes)


def test_steps_read_inputs_and_earlier_outputs(operator_user) -> None:
    workflow = _workflow(
        [
            service_step("make", "AgentRegistry", "create", {"name": "{{ inputs.name }}", "layer": "L02"}),
            service_step("read", "AgentRegistry", "get", {"id": "{{ steps.make.output.id }}"}, depends_on=["make"]),
        ],
        inputs_schema={"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        outputs={"agent": "{{ steps.read.output.name }}", "summary": "made {{ steps.make.output.name }}"},
    )
    run = drive(_run(workflow, operator_user, {"name": "scout"}))
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert (run.progress, run.outputs) == (100, {"agent": "scout", "summary": "made scout"})
    steps = steps_of(run)
    assert [steps["make"].status, steps["read"].status] == ["succeeded", "succeeded"]
    assert steps["make"].attempts == 1
    assert steps["make"].duration_ms is not None
    types = list(
        Event.objects.filter(aggregate_id=run.id).order_by("sequence_number").values_list("event_type", flat=True)
    )
    assert types[:2] == ["WorkflowQueued", "WorkflowStarted"]
    assert types[-1] == "WorkflowCompleted"
    assert types.count("StepSucceeded") == 2
    assert Agent.objects.filter(name="scout").count() == 1


def test_independent_steps_are_dispatched_together(operator_user) -> None:
    workflow = _workflow([service_step(f"s{i}", "RouteTable", "routes") for i in range(3)])
    run = _run(workflow, operator_user)
    assert {s.status for s in steps_of(run).values()} == {"queued"}  # three workers can take them at once
    assert run.status == RunStatus.QUEUED  # until a worker takes one


def test_conditions_choose_a_branch(operator_user) -> None:
    workflow = _workflow(
        [
            {"id": "check", "kind": "condition", "expression": "inputs.mode == 'fast'"},
            {
                **service_step("fast", "RouteTable", "routes"),
                "depends_on": ["check"],
                "when": "steps.check.output.result",
            },
            {
                **service_step("slow", "RouteTable", "routes"),
                "depends_on": ["check"],
                "when": "!steps.check.output.result",
            },
        ]
    )
    run = drive(_run(workflow, operator_user, {"mode": "fast"}))
    steps = steps_of(run)
    assert (run.status, steps["fast"].status, steps["slow"].status) == ("succeeded", "succeeded", "skipped")
    assert steps["check"].output == {"result": True, "value": True}


def test_a_failed_step_fails_the_run_and_cancels_what_follows(operator_user) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    workflow = _workflow(
        [
            {**service_step("get", "AgentRegistry", "get", {"id": missing}), "retry": {"max_attempts": 3}},
            {**service_step("after", "RouteTable", "routes"), "depends_on": ["get"]},
        ]
    )
    run = drive(_run(workflow, operator_user))
    steps = steps_of(run)
    assert run.status == RunStatus.FAILED
    assert "step get failed: 404" in run.error
    assert steps["get"].attempts == 1  # a 404 would fail the same way again: no retry
    assert (steps["after"].status, steps["after"].error) == ("cancelled", "an earlier step failed")


def test_retryable_failures_are_retried_with_backoff(operator_user, settings) -> None:
    settings.TOOLS_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]
    policy = {"max_attempts": 3, "backoff_seconds": 2, "backoff_factor": 3}
    workflow = _workflow(
        [
            {
                "id": "call",
                "kind": "tool",
                "tool": "http_request",
                "inputs": {"url": "http://127.0.0.1:9/"},
                "retry": policy,
            }
        ]
    )
    run = _run(workflow, operator_user)
    step_run_id = str(steps_of(run)["call"].pk)
    before = timezone.now()
    step_execute(step_run_id)
    step = steps_of(run)["call"]
    assert (step.status, step.attempts) == ("queued", 1)
    assert 1.5 < (step.next_attempt_at - before).total_seconds() < 3  # backoff_seconds
    run = drive(run)
    step = steps_of(run)["call"]
    assert (run.status, step.status, step.attempts) == ("failed", "failed", 3)
    assert Event.objects.filter(aggregate_id=run.id, event_type="StepRetrying").count() == 2
    keys = ToolExecution.objects.filter(run_id=run.id).values_list("idempotency_key", flat=True)
    assert sorted(keys) == [f"{run.id}:call:{n}" for n in (1, 2, 3)]  # a new key per attempt


def test_approvals_wait_for_a_person(operator_user, admin_user) -> None:
    workflow = _workflow(
        [
            {"id": "ok", "kind": "approval", "message": "Ship {{ inputs.what }}?"},
            {**service_step("after", "RouteTable", "routes"), "depends_on": ["ok"]},
        ]
    )
    run = drive(_run(workflow, operator_user, {"what": "v2"}))
    assert run.status == RunStatus.WAITING
    waiting = Event.objects.get(aggregate_id=run.id, event_type="StepWaiting")
    assert waiting.payload["message"] == "Ship v2?"
    approval_decide(run=run, step_id="ok", user=admin_user, approve=True, comment="go")
    with pytest.raises(NotWaiting):
        approval_decide(run=run, step_id="ok", user=admin_user, approve=True)
    run = drive(run)
    assert run.status == RunStatus.SUCCEEDED
    assert steps_of(run)["ok"].output == {"approved": True, "by": "ada", "comment": "go"}


def test_a_rejection_or_a_timeout_fails_the_run(operator_user, admin_user) -> None:
    workflow = _workflow([{"id": "ok", "kind": "approval", "message": "?", "timeout_seconds": 60}])
    rejected = drive(_run(workflow, operator_user))
    approval_decide(run=rejected, step_id="ok", user=admin_user, approve=False, comment="not now")
    rejected = drive(rejected)
    assert (rejected.status, rejected.error) == ("failed", "step ok failed: rejected by ada: not now")
    timed_out = drive(_run(workflow, operator_user))
    timed_out.steps.update(next_attempt_at=timezone.now())
    timed_out = drive(timed_out)
    assert timed_out.status == RunStatus.FAILED
    assert "timeout" in timed_out.error


def test_wait_steps_wait(operator_user) -> None:
    workflow = _workflow([{"id": "pause", "kind": "wait", "seconds": 30}])
    run = _run(workflow, operator_user)
    assert run_advance(run.id) == []  # due in 30 s, not now
    assert steps_of(run)["pause"].status == StepStatus.QUEUED
    assert steps_of(run)["pause"].next_attempt_at is not None
    run = drive(run)
    assert (run.status, run.outputs) == ("succeeded", {"pause": {"waited_seconds": 30}})


def test_cancel_stops_a_run_once(operator_user) -> None:
    workflow = _workflow([{"id": "ok", "kind": "approval", "message": "?"}, {"id": "w", "kind": "wait", "seconds": 60}])
    run = drive(_run(workflow, operator_user), due_now=False)
    run = run_cancel(run=run)
    assert {s.status for s in steps_of(run).values()} == {"cancelled"}
    with pytest.raises(RunFinished):
        run_cancel(run=run)
    assert (
        Event.objects.filter(aggregate_id=run.id, event_type="WorkflowCompleted").get().payload["status"] == "cancelled"
    )


def test_inputs_are_checked_against_the_schema(operator_user) -> None:
    workflow = _workflow(
        [service_step("a", "RouteTable", "routes")],
        inputs_schema={"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}},
    )
    with pytest.raises(InputsInvalid) as raised:
        _run(workflow, operator_user, {"n": "three"})
    assert "n" in raised.value.details


def test_steps_never_exceed_the_scopes_of_who_started_the_run(operator_user) -> None:
    workflow = _workflow([service_step("who", "UserDirectory", "find")])
    run = drive(_run(workflow, operator_user))
    assert run.status == RunStatus.FAILED
    assert "needs admin:platform" in run.error


def test_a_step_a_dead_worker_left_runs_again_exactly_once(operator_user) -> None:
    workflow = _workflow([service_step("make", "AgentRegistry", "create", {"name": "once", "layer": "L02"})])
    run = _run(workflow, operator_user)
    step_run_id = str(steps_of(run)["make"].pk)
    assert step_claim(step_run_id)  # a worker claimed it, then died before committing anything
    assert steps_recover(grace_seconds=3600).dispatch == []  # too recent: maybe still starting
    assert steps_recover(grace_seconds=0).dispatch == [step_run_id]
    step = steps_of(run)["make"]
    assert (step.status, step.attempts, step.recoveries) == ("queued", 0, 1)
    step_execute(step_run_id)  # what recover_steps dispatches
    run = drive(run)
    step = steps_of(run)["make"]
    assert (run.status, step.attempts, step.recoveries) == ("succeeded", 1, 1)
    assert Agent.objects.filter(name="once").count() == 1
    assert step_execute(step_run_id) is None  # a late redelivery does nothing
