"""``workflows/`` and ``workflow-runs/`` over HTTP: shapes, versions, diff, restore, execute,
approvals and cancel, with their 401/403/400/404/409 answers."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.workflows.models import WorkflowRun
from apps.workflows.tests.support import drive, service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/workflows/"
RUNS = "/api/v1/workflow-runs/"
ROUTES = service_step("routes", "RouteTable", "routes")
MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def _create(client: Client, steps: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    response = send(client, "post", URL, {"name": "wf", "steps": steps or [ROUTES], **extra})
    assert response.status_code == 201, response.content
    return response.json()


def test_every_edit_is_a_version_with_a_diff_and_a_restore(operator_client: Client) -> None:
    workflow = _create(operator_client, description="first")
    detail = f"{URL}{workflow['id']}/"
    extra = {**service_step("agents", "AgentRegistry", "list"), "depends_on": ["routes"]}
    second = send(operator_client, "patch", detail, {"steps": [ROUTES, extra], "description": "second"}).json()
    assert second["version"] == 2
    same = send(operator_client, "patch", detail, {"description": "second"}).json()
    assert same["version"] == 2  # nothing changed: no new version
    versions = operator_client.get(f"{detail}versions/").json()
    assert [v["version"] for v in versions["results"]] == [2, 1]
    assert versions["results"][1]["created_by"] == "otto"
    assert operator_client.get(f"{detail}versions/1/").json()["description"] == "first"
    diff = operator_client.get(f"{detail}diff/", {"from": 1}).json()
    assert (diff["steps_added"], diff["fields_changed"], diff["to_version"]) == (["agents"], ["description"], 2)
    assert '-  "description": "first"' in diff["unified_diff"]
    restored = send(operator_client, "post", f"{detail}restore/", {"version": 1}).json()
    assert (restored["version"], restored["description"], len(restored["steps"])) == (3, "first", 1)
    assert operator_client.get(f"{detail}versions/3/").json()["note"] == "restored from v1"


def test_version_and_diff_refusals(operator_client: Client) -> None:
    detail = f"{URL}{_create(operator_client)['id']}/"
    assert_envelope(operator_client.get(f"{detail}versions/9/"), 404)
    assert_envelope(operator_client.get(f"{detail}diff/"), 400)
    assert_envelope(operator_client.get(f"{detail}diff/", {"from": "x"}), 400)
    assert_envelope(operator_client.get(f"{detail}diff/", {"from": 7}), 404)
    assert_envelope(send(operator_client, "post", f"{detail}restore/", {"version": 7}), 404)
    assert_envelope(send(operator_client, "post", f"{detail}restore/", {}), 400)
    assert_envelope(operator_client.get(f"{URL}{MISSING}/"), 404)


def test_execute_queues_a_run_that_pins_its_version(operator_client: Client) -> None:
    workflow = _create(operator_client)
    response = send(operator_client, "post", f"{URL}{workflow['id']}/execute/", {"inputs": {"a": 1}})
    assert response.status_code == 202
    body = response.json()
    assert body == {"run_id": body["run_id"], "status": "queued"}
    send(operator_client, "patch", f"{URL}{workflow['id']}/", {"description": "v2"})
    run = drive(WorkflowRun.objects.get(pk=body["run_id"]))
    detail = operator_client.get(f"{RUNS}{run.pk}/").json()
    assert (detail["status"], detail["version"], detail["progress"], detail["inputs"]) == (
        "succeeded",
        1,
        100,
        {"a": 1},
    )
    step = detail["steps"][0]
    assert {
        "step_id",
        "kind",
        "status",
        "attempts",
        "output",
        "error",
        "started_at",
        "finished_at",
        "duration_ms",
    } <= set(step)
    listing = operator_client.get(RUNS, {"status": "succeeded", "workflow": workflow["id"]}).json()
    assert [r["id"] for r in listing["results"]] == [str(run.pk)]
    assert "steps" not in listing["results"][0]
    assert_envelope(operator_client.get(RUNS, {"status": "sideways"}), 400)


def test_approve_reject_and_cancel_over_http(operator_client: Client, viewer_client: Client) -> None:
    workflow = _create(operator_client, [{"id": "ok", "kind": "approval", "message": "?"}])
    run_id = send(operator_client, "post", f"{URL}{workflow['id']}/execute/", {}).json()["run_id"]
    drive(WorkflowRun.objects.get(pk=run_id))
    assert_envelope(send(viewer_client, "post", f"{RUNS}{run_id}/approve/", {"step_id": "ok"}), 403)
    assert_envelope(send(operator_client, "post", f"{RUNS}{run_id}/approve/", {"step_id": "nope"}), 409)
    assert_envelope(send(operator_client, "post", f"{RUNS}{run_id}/approve/", {}), 400)
    approved = send(operator_client, "post", f"{RUNS}{run_id}/approve/", {"step_id": "ok", "comment": "fine"})
    assert approved.json()["steps"][0]["decided_by"] == "otto"
    assert_envelope(send(operator_client, "post", f"{RUNS}{run_id}/reject/", {"step_id": "ok"}), 409)
    second = send(operator_client, "post", f"{URL}{workflow['id']}/execute/", {}).json()["run_id"]
    cancelled = send(operator_client, "post", f"{RUNS}{second}/cancel/")
    assert cancelled.json()["status"] == "cancelled"
    assert_envelope(send(operator_client, "post", f"{RUNS}{second}/cancel/"), 409)
    assert_envelope(send(operator_client, "post", f"{RUNS}{MISSING}/cancel/"), 404)


def test_who_may_do_what(client: Client, viewer_client: Client, operator_client: Client) -> None:
    workflow = _create(operator_client)
    assert_envelope(client.get(URL), 401)
    assert viewer_client.get(URL).status_code == 200
    assert_envelope(send(viewer_client, "post", URL, {"name": "x", "steps": [ROUTES]}), 403)
    assert_envelope(send(viewer_client, "post", f"{URL}{workflow['id']}/execute/", {}), 403)
    assert_envelope(send(viewer_client, "delete", f"{URL}{workflow['id']}/"), 403)
    assert_envelope(client.get(RUNS), 401)


def test_execute_refusals(operator_client: Client) -> None:
    workflow = _create(
        operator_client, inputs_schema={"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}
    )
    body = assert_envelope(send(operator_client, "post", f"{URL}{workflow['id']}/execute/", {"inputs": {}}), 400)
    assert "n" in str(body["details"])
    assert_envelope(send(operator_client, "post", f"{URL}{workflow['id']}/execute/", {"inputs": []}), 400)
    assert_envelope(send(operator_client, "post", f"{URL}{MISSING}/execute/", {}), 404)
    send(operator_client, "delete", f"{URL}{workflow['id']}/")
    assert_envelope(send(operator_client, "post", f"{URL}{workflow['id']}/execute/", {"inputs": {"n": 1}}), 404)


def test_search_and_ordering(operator_client: Client) -> None:
    _create(operator_client, name="alpha", description="collects sources")
    _create(operator_client, name="beta")
    names = [w["name"] for w in operator_client.get(URL, {"search": "sources"}).json()["results"]]
    assert names == ["alpha"]
    ordered = [w["name"] for w in operator_client.get(URL, {"ordering": "-name"}).json()["results"]]
    assert ordered == ["beta", "alpha"]
