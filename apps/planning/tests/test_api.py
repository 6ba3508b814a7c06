"""``planner/drafts/`` over HTTP, the Planner hub service and the admin actions."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.planning.models import WorkflowDraft
from apps.planning.tests.support import BAD_GOAL, GOOD_GOAL, GOOD_PLAN
from apps.workflows.models import Workflow
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/planner/drafts/"
MISSING = "00000000-0000-0000-0000-000000000000"


def _invoke(client: Client, method_name: str, params: dict | None = None):
    body = {"service_name": "Planner", "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_planning_answers_201_with_the_draft_and_the_llm_rate_limit(ollama, operator_client: Client) -> None:
    response = send(operator_client, "post", URL, {"goal": GOOD_GOAL})
    assert response.status_code == 201, response.content
    assert response["X-Rate-Limit-Limit"] == "10"
    body = response.json()
    assert (body["status"], body["valid"], body["problems"], body["created_by"]) == ("draft", True, {}, "otto")
    assert body["steps"] == GOOD_PLAN["steps"]
    listed = send(operator_client, "get", URL)
    assert listed["X-Rate-Limit-Limit"] != "10"  # reading is not a model call
    assert send(operator_client, "get", f"{URL}{body['id']}/").json()["goal"] == GOOD_GOAL


def test_a_bad_plan_is_refused_until_a_person_fixes_it(ollama, operator_client: Client) -> None:
    draft = send(operator_client, "post", URL, {"goal": BAD_GOAL}).json()
    detail = f"{URL}{draft['id']}/"
    assert draft["valid"] is False
    assert "steps.routes" in draft["problems"]
    refused = assert_envelope(send(operator_client, "post", f"{detail}accept/"), 400, "invalid_request")
    assert "steps.routes" in refused["details"]
    fixed_steps = [GOOD_PLAN["steps"][0], {**GOOD_PLAN["steps"][1], "depends_on": ["ok"]}]
    fixed = send(operator_client, "patch", detail, {"steps": fixed_steps})
    assert fixed.status_code == 200, fixed.content
    assert (fixed.json()["valid"], fixed.json()["problems"]) == (True, {})
    accepted = send(operator_client, "post", f"{detail}accept/", {"name": "routes-approved"})
    assert accepted.status_code == 200, accepted.content
    workflow = Workflow.objects.get(pk=accepted.json()["workflow"])
    assert (workflow.name, workflow.steps) == ("routes-approved", fixed_steps)
    assert_envelope(send(operator_client, "post", f"{detail}reject/"), 409, "conflict")
    assert_envelope(send(operator_client, "patch", detail, {"name": "late"}), 409, "conflict")
    by_status = send(operator_client, "get", URL, QUERY_STRING="status=accepted").json()
    assert [d["id"] for d in by_status["results"]] == [draft["id"]]
    assert send(operator_client, "get", URL, QUERY_STRING="status=draft").json()["results"] == []


def test_refusals_401_403_400_404(ollama, operator_client: Client, viewer_client: Client) -> None:
    assert_envelope(send(Client(), "post", URL, {"goal": GOOD_GOAL}), 401, "not_authenticated")
    assert_envelope(send(viewer_client, "post", URL, {"goal": GOOD_GOAL}), 403, "permission_denied")
    assert viewer_client.get(URL).status_code == 200
    assert "goal" in assert_envelope(send(operator_client, "post", URL, {}), 400, "invalid_request")["details"]
    too_long = send(operator_client, "post", URL, {"goal": "x" * 4001})
    assert_envelope(too_long, 400, "invalid_request")
    assert_envelope(send(operator_client, "get", f"{URL}{MISSING}/"), 404, "not_found")
    assert_envelope(send(operator_client, "post", f"{URL}{MISSING}/accept/"), 404, "not_found")
    draft = send(operator_client, "post", URL, {"goal": GOOD_GOAL}).json()
    assert_envelope(send(viewer_client, "post", f"{URL}{draft['id']}/reject/"), 403, "permission_denied")
    bad_patch = send(operator_client, "patch", f"{URL}{draft['id']}/", {"steps": "all of them"})
    assert "steps" in assert_envelope(bad_patch, 400, "invalid_request")["details"]
    assert send(operator_client, "put", f"{URL}{draft['id']}/", {}).status_code == 405


def test_ollama_down_is_503(ollama, operator_client: Client) -> None:
    ollama.down()
    assert_envelope(send(operator_client, "post", URL, {"goal": GOOD_GOAL}), 503, "service_unavailable")
    assert not WorkflowDraft.objects.exists()


def test_planning_is_limited_to_10_a_minute(ollama, operator_client: Client) -> None:
    for _ in range(10):
        assert send(operator_client, "post", URL, {"goal": GOOD_GOAL}).status_code == 201
    over = send(operator_client, "post", URL, {"goal": GOOD_GOAL})
    assert_envelope(over, 429, "throttled")
    assert send(operator_client, "get", URL).status_code == 200


def test_the_planner_hub_service(ollama, operator_client: Client, viewer_client: Client) -> None:
    made = _invoke(operator_client, "draft", {"goal": BAD_GOAL, "name": "hubbed"})
    assert made.status_code == 200, made.content
    result = made.json()["result"]
    assert (result["name"], result["valid"]) == ("hubbed", False)
    assert_envelope(_invoke(viewer_client, "draft", {"goal": GOOD_GOAL}), 403)
    listed = _invoke(viewer_client, "drafts", {"status": "draft"}).json()["result"]
    assert (listed["count"], listed["drafts"][0]["id"]) == (1, result["id"])
    assert _invoke(viewer_client, "drafts", {"status": "accepted"}).json()["result"]["count"] == 0
    ollama.down()
    assert_envelope(_invoke(operator_client, "draft", {"goal": GOOD_GOAL}), 503)


def test_admin_lists_drafts_and_decides_through_the_services(ollama, operator_client, staff_client) -> None:
    good = send(operator_client, "post", URL, {"goal": GOOD_GOAL}).json()
    bad = send(operator_client, "post", URL, {"goal": BAD_GOAL}).json()
    page = "/admin/planning/workflowdraft/"
    assert b"route-report" in staff_client.get(page).content
    assert staff_client.get(f"{page}add/").status_code == 403
    staff_client.post(page, {"action": "accept_selected", "_selected_action": [good["id"], bad["id"]]})
    assert WorkflowDraft.objects.get(pk=good["id"]).status == "accepted"
    assert WorkflowDraft.objects.get(pk=bad["id"]).status == "draft"  # invalid: refused, left as it was
    staff_client.post(page, {"action": "reject_selected", "_selected_action": [bad["id"]]})
    assert WorkflowDraft.objects.get(pk=bad["id"]).status == "rejected"
