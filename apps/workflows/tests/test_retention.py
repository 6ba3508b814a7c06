"""Old runs are pruned in batches (issue 5 point 7), by the beat task and the command."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.tools.services import tool_execute
from apps.workflows.models import StepRun, WorkflowRun
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_execute
from apps.workflows.tasks import prune_runs
from apps.workflows.tests.support import drive, service_step

pytestmark = pytest.mark.django_db


def _finished_runs(user, count: int, days_ago: float) -> list[WorkflowRun]:
    workflow = workflow_create(name=f"wf-{days_ago}", steps=[service_step("r", "RouteTable", "routes")])
    made = []
    for _ in range(count):
        run = drive(
            run_execute(workflow=workflow, inputs={}, user=user, scopes=frozenset({"read:services", "write:services"}))
        )
        when = timezone.now() - timedelta(days=days_ago)
        WorkflowRun.objects.filter(pk=run.pk).update(finished_at=when)
        StepRun.objects.filter(run=run).update(finished_at=when)
        made.append(run)
    return made


def test_old_runs_go_in_batches_and_recent_outputs_stay(operator_user) -> None:
    old = _finished_runs(operator_user, 5, days_ago=100)
    middle = _finished_runs(operator_user, 2, days_ago=40)
    recent = _finished_runs(operator_user, 2, days_ago=1)
    tool_execute(name="json_transform", inputs={"data": {"a": 1}, "expression": "a"}, caller="test", run_id=old[0].pk)
    result = prune_runs()  # defaults: runs after 90 days, outputs after 30
    assert result == {"runs_deleted": 5, "step_outputs_cleared": 2, "run_outputs_cleared": 2}
    assert not WorkflowRun.objects.filter(pk__in=[r.pk for r in old]).exists()
    assert not StepRun.objects.filter(run_id__in=[r.pk for r in old]).exists()
    assert StepRun.objects.filter(run__in=middle, output__isnull=True).count() == 2
    assert StepRun.objects.filter(run__in=recent, output__isnull=False).count() == 2
    assert prune_runs() == {"runs_deleted": 0, "step_outputs_cleared": 0, "run_outputs_cleared": 0}


def test_the_command_counts_first_and_prunes_in_small_batches(operator_user) -> None:
    _finished_runs(operator_user, 3, days_ago=10)
    out = StringIO()
    call_command("prune_runs", "--days", "5", "--dry-run", stdout=out)
    assert out.getvalue().strip() == "would delete 3 runs and clear 0 step outputs"
    assert WorkflowRun.objects.count() == 3
    out = StringIO()
    call_command("prune_runs", "--days", "5", "--batch-size", "2", stdout=out)
    assert out.getvalue().startswith("deleted 3 runs")
    assert not WorkflowRun.objects.exists()


def test_unfinished_runs_are_never_pruned(operator_user) -> None:
    workflow = workflow_create(name="open", steps=[{"id": "ok", "kind": "approval", "message": "?"}])
    run = drive(
        run_execute(
            workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({"read:services", "write:services"})
        )
    )
    WorkflowRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert prune_runs()["runs_deleted"] == 0
    assert WorkflowRun.objects.filter(pk=run.pk).exists()
