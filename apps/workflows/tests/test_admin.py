"""Workflows in the Django admin: saved through the services, bad steps as form errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.workflows.models import Workflow, WorkflowRun
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_execute
from apps.workflows.tests.support import service_step

pytestmark = pytest.mark.django_db

ADD = "/admin/workflows/workflow/add/"


def _form(steps: list) -> dict[str, str]:
    inline = {"versions-TOTAL_FORMS": "0", "versions-INITIAL_FORMS": "0"}
    definition = {"steps": json.dumps(steps), "inputs_schema": "{}", "outputs": "{}"}
    return {"name": "from-admin", "description": "", **definition, **inline}


def test_admin_creates_and_versions_through_the_services(staff_client: Client) -> None:
    response = staff_client.post(ADD, _form([service_step("r", "RouteTable", "routes")]))
    assert response.status_code == 302, response.content.decode()[:2000]
    workflow = Workflow.objects.get(name="from-admin")
    assert workflow.versions.count() == 1
    change = f"/admin/workflows/workflow/{workflow.pk}/change/"
    edited = {**_form([service_step("r", "RouteTable", "routes")]), "description": "edited"}
    assert staff_client.post(change, edited).status_code == 302
    assert Workflow.objects.get(pk=workflow.pk).version == 2


def test_admin_shows_definition_errors_on_the_form(staff_client: Client) -> None:
    response = staff_client.post(ADD, _form([service_step("r", "NoSuchService", "x")]))
    assert response.status_code == 200
    assert "steps.r: unknown service" in response.content.decode()
    assert not Workflow.objects.exists()


def test_runs_are_read_only_and_can_be_cancelled(staff_client: Client, operator_user) -> None:
    workflow = workflow_create(name="wf", steps=[{"id": "ok", "kind": "approval", "message": "?"}])
    run = run_execute(
        workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({"read:services", "write:services"})
    )
    listing = staff_client.get("/admin/workflows/workflowrun/", {"status": "waiting"})
    assert str(run.pk) in listing.content.decode()
    assert staff_client.get(f"/admin/workflows/workflowrun/{run.pk}/change/").status_code == 200
    staff_client.post("/admin/workflows/workflowrun/", {"action": "cancel_selected", "_selected_action": [run.pk]})
    assert WorkflowRun.objects.get(pk=run.pk).status == "cancelled"
    assert staff_client.get("/admin/workflows/workflowrun/add/").status_code == 403


def test_schedules_in_the_admin_keep_their_periodic_task(staff_client: Client) -> None:
    from django_celery_beat.models import PeriodicTask

    from apps.workflows.models import WorkflowSchedule

    workflow = workflow_create(name="nightly", steps=[service_step("r", "RouteTable", "routes")])
    form = {"workflow": str(workflow.pk), "cron": "0 4 * * *", "timezone": "UTC", "inputs": "{}", "enabled": "on"}
    assert staff_client.post("/admin/workflows/workflowschedule/add/", form).status_code == 302
    schedule = WorkflowSchedule.objects.get()
    assert PeriodicTask.objects.get(pk=schedule.periodic_task_id).crontab.hour == "4"
    bad = staff_client.post("/admin/workflows/workflowschedule/add/", {**form, "cron": "99 * * * *"})
    assert bad.status_code == 200
    assert "not valid" in bad.content.decode()
    assert staff_client.get("/admin/workflows/webhooktrigger/").status_code == 200
