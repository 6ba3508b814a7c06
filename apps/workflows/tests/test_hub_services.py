"""WorkflowEngine (L05) and ApprovalService (L10) through the hub."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.workflows.models import WorkflowRun
from apps.workflows.services.definitions import workflow_create
from apps.workflows.tests.support import drive, service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None):
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_workflows_run_and_are_followed_through_the_hub(operator_client: Client, viewer_client: Client) -> None:
    after = {**service_step("r", "RouteTable", "routes"), "depends_on": ["ok"]}
    workflow_create(name="gate", steps=[{"id": "ok", "kind": "approval", "message": "?"}, after])
    listed = _invoke(viewer_client, "WorkflowEngine", "list").json()["result"]
    assert listed["workflows"][0]["name"] == "gate"
    assert_envelope(_invoke(viewer_client, "WorkflowEngine", "execute", {"workflow": "gate"}), 403)
    queued = _invoke(operator_client, "WorkflowEngine", "execute", {"workflow": "gate"}).json()["result"]
    assert queued["status"] == "waiting"  # its first step asks a person, no worker needed
    run = drive(WorkflowRun.objects.get(pk=queued["id"]))
    assert WorkflowRun.objects.get(pk=run.pk).trigger == "hub"
    pending = _invoke(viewer_client, "ApprovalService", "pending").json()["result"]
    assert [(a["run_id"], a["step_id"]) for a in pending["approvals"]] == [(str(run.pk), "ok")]
    decided = _invoke(operator_client, "ApprovalService", "approve", {"run_id": str(run.pk), "step_id": "ok"})
    assert decided.json()["result"]["steps"][0]["status"] == "succeeded"
    again = _invoke(operator_client, "ApprovalService", "reject", {"run_id": str(run.pk), "step_id": "ok"})
    assert_envelope(again, 409)
    status = _invoke(viewer_client, "WorkflowEngine", "status", {"run_id": str(drive(run).pk)}).json()["result"]
    assert (status["status"], status["progress"]) == ("succeeded", 100)
    assert_envelope(_invoke(operator_client, "WorkflowEngine", "cancel", {"run_id": str(run.pk)}), 409)
    assert_envelope(_invoke(operator_client, "WorkflowEngine", "execute", {"workflow": "nope"}), 404)
    missing = "00000000-0000-0000-0000-000000000000"
    assert_envelope(_invoke(viewer_client, "WorkflowEngine", "status", {"run_id": missing}), 404)


def test_scheduler_lists_creates_and_pauses(operator_client: Client, viewer_client: Client) -> None:
    workflow_create(name="nightly", steps=[service_step("r", "RouteTable", "routes")])
    made = _invoke(operator_client, "Scheduler", "create", {"workflow": "nightly", "cron": "0 2 * * *"}).json()
    assert made["result"]["enabled"] is True
    assert_envelope(_invoke(operator_client, "Scheduler", "create", {"workflow": "nightly", "cron": "bad"}), 400)
    assert_envelope(_invoke(viewer_client, "Scheduler", "create", {"workflow": "nightly", "cron": "0 2 * * *"}), 403)
    paused = _invoke(
        operator_client, "Scheduler", "set_enabled", {"schedule_id": made["result"]["id"], "enabled": False}
    )
    assert paused.json()["result"]["enabled"] is False
    listed = _invoke(viewer_client, "Scheduler", "list", {"workflow": "nightly"}).json()["result"]
    assert [(s["cron"], s["enabled"]) for s in listed["schedules"]] == [("0 2 * * *", False)]


def test_a_finished_run_notifies_subscribed_webhooks(operator_user) -> None:
    from apps.integrations.models import WebhookDelivery
    from apps.integrations.services import endpoint_create
    from apps.workflows.services.runs import run_execute

    workflow = workflow_create(name="notify", steps=[service_step("r", "RouteTable", "routes")])
    endpoint_create(name="ops", url="https://hooks.example.com/in", events=["WorkflowCompleted"])
    endpoint_create(name="other", url="https://hooks.example.com/x", events=["WebhookTest"])
    run = drive(
        run_execute(
            workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({"read:services", "write:services"})
        )
    )
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint.name, delivery.event_type) == ("ops", "WorkflowCompleted")
    assert (delivery.payload["run_id"], delivery.payload["status"]) == (str(run.pk), "succeeded")
