"""What a review of the engine found, kept fixed: expressions that fail at run time, runs and
triggers never exceeding their owner's current scopes, approvals only by people, a step that
kills its worker every time, and retention that leaves unfinished runs alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.scopes import READ, WRITE
from apps.accounts.services.users import apply_role
from apps.workflows.errors import RunForbidden
from apps.workflows.models import RunStatus, StepRun, StepStatus
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.retention import runs_prune
from apps.workflows.services.runs import run_execute
from apps.workflows.services.steps import MAX_RECOVERIES, step_claim, steps_recover
from apps.workflows.services.triggers import schedule_create, schedule_fire
from apps.workflows.tests.support import drive, service_step, steps_of
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

OPERATOR = frozenset({READ, WRITE})


def test_an_expression_failing_at_run_time_fails_the_step_not_the_request(operator_user) -> None:
    workflow = workflow_create(
        name="typed",
        steps=[
            {"id": "check", "kind": "condition", "expression": "length(inputs.n) > `2`"},
            {**service_step("after", "RouteTable", "routes"), "depends_on": ["check"], "when": "inputs.s > `1`"},
        ],
    )
    run = drive(run_execute(workflow=workflow, inputs={"n": 5, "s": "x"}, user=operator_user, scopes=OPERATOR))
    assert run.status == RunStatus.FAILED
    assert "could not be evaluated" in run.error
    assert steps_of(run)["after"].status == StepStatus.CANCELLED


def test_starting_a_run_needs_write(operator_user) -> None:
    workflow = workflow_create(name="w", steps=[service_step("r", "RouteTable", "routes")])
    with pytest.raises(RunForbidden):
        run_execute(workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({READ}))


def test_a_schedule_stops_when_its_owner_is_demoted(operator_user) -> None:
    workflow = workflow_create(name="w", steps=[service_step("r", "RouteTable", "routes")])
    schedule = schedule_create(workflow=workflow, cron="0 * * * *", user=operator_user, scopes=OPERATOR)
    assert schedule_fire(str(schedule.pk)) is not None
    apply_role(operator_user, "viewer")
    operator_user.save()
    assert schedule_fire(str(schedule.pk)) is None


def test_a_schedule_made_with_a_read_only_key_never_runs(admin_user) -> None:
    workflow = workflow_create(name="w", steps=[service_step("r", "RouteTable", "routes")])
    schedule = schedule_create(workflow=workflow, cron="0 * * * *", user=admin_user, scopes=frozenset({READ}))
    assert schedule_fire(str(schedule.pk)) is None  # an admin's key cannot lend the admin's role


def test_a_webhook_stops_when_its_owner_is_demoted(operator_user, client: Client) -> None:
    operator = Client()
    operator.force_login(operator_user)
    workflow = workflow_create(name="w", steps=[service_step("r", "RouteTable", "routes")])
    hook = send(
        operator, "post", "/api/v1/workflow-webhooks/", {"workflow": str(workflow.pk), "name": "x", "signed": False}
    )
    path = hook.json()["url"].split("testserver", 1)[1]
    assert client.post(path, {}, content_type="application/json").status_code == 202
    apply_role(operator_user, "viewer")
    operator_user.save()
    assert_envelope(client.post(path, {}, content_type="application/json"), 403)


def test_workflow_steps_cannot_decide_approvals(operator_user) -> None:
    gate = workflow_create(name="gate", steps=[{"id": "ok", "kind": "approval", "message": "?"}])
    gated = drive(run_execute(workflow=gate, inputs={}, user=operator_user, scopes=OPERATOR))
    sneaky = workflow_create(
        name="sneaky",
        steps=[
            service_step("self_approve", "ApprovalService", "approve", {"run_id": "{{ inputs.run }}", "step_id": "ok"})
        ],
    )
    run = drive(run_execute(workflow=sneaky, inputs={"run": str(gated.pk)}, user=operator_user, scopes=OPERATOR))
    assert run.status == RunStatus.FAILED
    assert "decided by people" in run.error
    assert steps_of(gated)["ok"].status == StepStatus.WAITING


def test_a_step_that_keeps_killing_its_worker_is_given_up(operator_user) -> None:
    workflow = workflow_create(name="w", steps=[service_step("r", "RouteTable", "routes")])
    run = run_execute(workflow=workflow, inputs={}, user=operator_user, scopes=OPERATOR)
    step = steps_of(run)["r"]
    for _ in range(MAX_RECOVERIES):
        assert step_claim(step.pk)
        assert steps_recover(grace_seconds=0).dispatch == [str(step.pk)]
    assert step_claim(step.pk)
    recovery = steps_recover(grace_seconds=0)
    assert (recovery.dispatch, recovery.advance) == ([], [str(run.pk)])
    run = drive(run)
    assert run.status == RunStatus.FAILED
    assert "worker died" in run.error


def test_retention_leaves_the_outputs_of_unfinished_runs(operator_user) -> None:
    workflow = workflow_create(
        name="slow-approval",
        steps=[
            service_step("r", "RouteTable", "routes"),
            {"id": "ok", "kind": "approval", "message": "?", "depends_on": ["r"]},
        ],
    )
    run = drive(run_execute(workflow=workflow, inputs={}, user=operator_user, scopes=OPERATOR))
    StepRun.objects.filter(run=run).update(finished_at=timezone.now() - timedelta(days=60))
    runs_prune()
    assert StepRun.objects.get(run=run, step_id="r").output is not None
