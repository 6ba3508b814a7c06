"""Schedules (many per workflow, as beat periodic tasks) and inbound webhook triggers."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django_celery_beat.models import PeriodicTask

from apps.integrations.signing import sign
from apps.workflows.models import WorkflowRun, WorkflowSchedule
from apps.workflows.services.definitions import workflow_create
from apps.workflows.tasks import run_scheduled
from apps.workflows.tests.support import service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

SCHEDULES = "/api/v1/workflow-schedules/"
WEBHOOKS = "/api/v1/workflow-webhooks/"
SCHEMA = {"type": "object", "properties": {"n": {"type": "integer"}}, "additionalProperties": False}


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


@pytest.fixture
def workflow():
    return workflow_create(name="nightly", steps=[service_step("r", "RouteTable", "routes")], inputs_schema=SCHEMA)


def test_many_schedules_per_workflow_become_periodic_tasks(operator_client: Client, workflow) -> None:
    first = send(operator_client, "post", SCHEDULES, {"workflow": str(workflow.id), "cron": "0 3 * * *"})
    assert first.status_code == 201, first.content
    paris_schedule = {"cron": "*/15 9-17 * * 1-5", "timezone": "Europe/Paris", "inputs": {"n": 2}}
    second = send(operator_client, "post", SCHEDULES, {"workflow": str(workflow.id), **paris_schedule})
    assert second.status_code == 201, second.content
    tasks = PeriodicTask.objects.filter(task="workflows.run_scheduled").select_related("crontab")
    assert tasks.count() == 2
    paris = tasks.get(name=f"workflow-schedule:{second.json()['id']}")
    assert (paris.crontab.minute, paris.crontab.hour, paris.crontab.day_of_week) == ("*/15", "9-17", "1-5")
    assert str(paris.crontab.timezone) == "Europe/Paris"
    assert json.loads(paris.kwargs) == {"schedule_id": second.json()["id"]}
    listed = operator_client.get(SCHEDULES, {"workflow": str(workflow.id)}).json()
    assert listed["count"] == 2


def test_a_schedule_fires_a_run_as_its_owner(operator_client: Client, workflow, operator_user) -> None:
    made = send(
        operator_client, "post", SCHEDULES, {"workflow": str(workflow.id), "cron": "0 * * * *", "inputs": {"n": 1}}
    )
    run_id = run_scheduled(made.json()["id"])
    run = WorkflowRun.objects.get(pk=run_id)
    assert (run.trigger, run.triggered_by, run.inputs) == ("schedule", operator_user, {"n": 1})
    assert WorkflowSchedule.objects.get(pk=made.json()["id"]).last_run_at is not None
    send(operator_client, "patch", f"{SCHEDULES}{made.json()['id']}/", {"enabled": False})
    assert PeriodicTask.objects.get(name=f"workflow-schedule:{made.json()['id']}").enabled is False
    assert run_scheduled(made.json()["id"]) is None  # disabled: nothing runs


def test_schedule_refusals(operator_client: Client, viewer_client: Client, workflow) -> None:
    base = {"workflow": str(workflow.id)}
    body = assert_envelope(send(operator_client, "post", SCHEDULES, {**base, "cron": "61 * * * *"}), 400)
    assert "cron" in body["details"]
    assert_envelope(send(operator_client, "post", SCHEDULES, {**base, "cron": "* * *"}), 400)
    body = assert_envelope(
        send(operator_client, "post", SCHEDULES, {**base, "cron": "0 * * * *", "timezone": "Mars/Olympus"}), 400
    )
    assert "timezone" in body["details"]
    assert_envelope(send(operator_client, "post", SCHEDULES, {**base, "cron": "0 * * * *", "inputs": {"n": "x"}}), 400)
    assert_envelope(send(viewer_client, "post", SCHEDULES, {**base, "cron": "0 * * * *"}), 403)
    missing = "00000000-0000-0000-0000-000000000000"
    assert_envelope(send(operator_client, "post", SCHEDULES, {"workflow": missing, "cron": "0 * * * *"}), 400)
    assert_envelope(operator_client.get(f"{SCHEDULES}{missing}/"), 404)
    made = send(operator_client, "post", SCHEDULES, {**base, "cron": "0 * * * *"}).json()
    assert send(operator_client, "delete", f"{SCHEDULES}{made['id']}/").status_code == 204
    assert not PeriodicTask.objects.filter(name=f"workflow-schedule:{made['id']}").exists()


def _hook(operator_client: Client, workflow, signed: bool) -> dict:
    response = send(operator_client, "post", WEBHOOKS, {"workflow": str(workflow.id), "name": "ci", "signed": signed})
    assert response.status_code == 201, response.content
    return response.json()


def test_an_unsigned_hook_starts_a_run_with_the_body_as_inputs(
    operator_client: Client, client: Client, workflow
) -> None:
    hook = _hook(operator_client, workflow, signed=False)
    assert hook["signing_secret"] is None
    path = hook["url"].split("testserver", 1)[1]
    response = client.post(path, {"n": 5}, content_type="application/json")
    assert response.status_code == 202, response.content
    run = WorkflowRun.objects.get(pk=response.json()["run_id"])
    assert (run.trigger, run.inputs) == ("webhook", {"n": 5})
    assert_envelope(client.post(path, [1, 2], content_type="application/json"), 400)
    assert_envelope(client.post(path, {"n": "five"}, content_type="application/json"), 400)
    assert_envelope(client.post("/api/v1/hooks/whk_wrong/", {}, content_type="application/json"), 404)
    listed = operator_client.get(WEBHOOKS).json()["results"][0]
    assert "url" not in listed
    assert "signing_secret" not in listed
    send(operator_client, "delete", f"{WEBHOOKS}{hook['id']}/")
    assert_envelope(client.post(path, {"n": 1}, content_type="application/json"), 404)


def test_a_signed_hook_needs_a_valid_recent_signature(operator_client: Client, client: Client, workflow) -> None:
    hook = _hook(operator_client, workflow, signed=True)
    path = hook["url"].split("testserver", 1)[1]
    body = json.dumps({"n": 1}).encode()
    now = int(time.time())

    def post(timestamp: int, signature: str):
        headers = {"X-StoryPortal-Timestamp": str(timestamp), "X-StoryPortal-Signature": signature}
        return client.post(path, body, content_type="application/json", headers=headers)

    assert_envelope(client.post(path, body, content_type="application/json"), 401)
    assert_envelope(post(now, sign("whsec_wrong", now, body)), 401)
    assert_envelope(post(now - 3600, sign(hook["signing_secret"], now - 3600, body)), 401)
    assert post(now, sign(hook["signing_secret"], now, body)).status_code == 202
