"""goals/ (contract): CRUD, key results, progress from key results and linked runs, status
moves with their events, history, drafts, and every refusal."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.scopes import READ, WRITE
from apps.events.models import Event
from apps.goals.models import Goal, GoalProgress
from apps.planning.models import DraftStatus, WorkflowDraft
from apps.workflows.models import RunStatus
from apps.workflows.services.definitions import workflow_create
from apps.workflows.services.runs import run_execute
from apps.workflows.tests.support import drive, service_step
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db

GOALS = "/api/v1/goals/"


@pytest.fixture
def operator_client(client: Client, operator_user) -> Client:
    client.force_login(operator_user)
    return client


def _events(goal_id: str) -> list[str]:
    rows = Event.objects.filter(aggregate_id=goal_id).order_by("sequence_number")
    return list(rows.values_list("event_type", flat=True))


def _create(client: Client, **body: Any) -> dict[str, Any]:
    response = send(client, "post", GOALS, {"title": "Ship v2", **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_new_goal_is_open_with_progress_zero(operator_client: Client, operator_user) -> None:
    goal = _create(operator_client, description="the big one", target_date="2030-01-01")
    assert (goal["status"], goal["progress"], goal["owner"], goal["overdue"]) == ("open", 0, "otto", False)
    assert (goal["workflow_ids"], goal["agent_ids"], goal["key_results"]) == ([], [], [])
    assert _events(goal["id"]) == ["GoalCreated"]
    listed = operator_client.get(GOALS).json()
    assert listed["count"] == 1
    assert listed["results"][0]["id"] == goal["id"]
    assert operator_client.get(f"{GOALS}{goal['id']}/").json()["title"] == "Ship v2"


def test_key_results_drive_progress_and_achievement(operator_client: Client) -> None:
    goal = _create(
        operator_client,
        key_results=[
            {"title": "agents live", "target_value": 10, "unit": "agents"},
            {"title": "p95 latency", "start_value": 800, "target_value": 200, "unit": "ms"},
        ],
    )
    assert goal["progress"] == 0
    first, second = goal["key_results"]
    assert (first["current_value"], second["current_value"]) == (0, 800)
    path = f"{GOALS}{goal['id']}/key-results/"
    moved = send(operator_client, "patch", f"{path}{first['id']}/", {"current_value": 5}).json()
    assert moved["progress"] == 50
    body = operator_client.get(f"{GOALS}{goal['id']}/").json()
    assert (body["progress"], body["status"]) == (25, "in_progress")
    send(operator_client, "patch", f"{path}{second['id']}/", {"current_value": 350})  # 75% of 800 -> 200
    assert operator_client.get(f"{GOALS}{goal['id']}/").json()["progress"] == 62
    send(operator_client, "patch", f"{path}{first['id']}/", {"current_value": 12})
    send(operator_client, "patch", f"{path}{second['id']}/", {"current_value": 180})
    done = operator_client.get(f"{GOALS}{goal['id']}/").json()
    assert (done["status"], done["progress"]) == ("achieved", 100)
    assert done["achieved_at"]
    assert _events(goal["id"]) == ["GoalCreated"] + ["GoalProgressed"] * 3 + ["GoalAchieved"]
    achieved = Event.objects.get(aggregate_id=goal["id"], event_type="GoalAchieved")
    assert achieved.payload["automatic"] is True
    history = operator_client.get(f"{GOALS}{goal['id']}/history/").json()
    assert [p["progress"] for p in history] == [0, 25, 62, 87, 100]
    assert history[-1]["status"] == "achieved"


def test_key_result_add_and_delete_move_progress(operator_client: Client) -> None:
    goal = _create(operator_client, key_results=[{"title": "a", "target_value": 1, "current_value": 1}])
    assert goal["status"] == "achieved"  # its only key result is met
    goal = _create(operator_client, title="two", key_results=[{"title": "a", "target_value": 2, "current_value": 1}])
    assert goal["progress"] == 50
    path = f"{GOALS}{goal['id']}/key-results/"
    added = send(operator_client, "post", path, {"title": "b", "target_value": 4})
    assert added.status_code == 201
    assert operator_client.get(f"{GOALS}{goal['id']}/").json()["progress"] == 25
    assert len(operator_client.get(path).json()) == 2
    assert send(operator_client, "delete", f"{path}{added.json()['id']}/").status_code == 204
    assert operator_client.get(f"{GOALS}{goal['id']}/").json()["progress"] == 50


def test_linked_workflow_success_counts(operator_client: Client, operator_user) -> None:
    workflow = workflow_create(name="probe", steps=[service_step("r", "RouteTable", "routes")])
    other = workflow_create(name="other", steps=[service_step("r", "RouteTable", "routes")])
    goal = _create(operator_client, workflow_ids=[str(workflow.id), str(other.id)])
    assert goal["progress"] == 0
    run = drive(run_execute(workflow=workflow, inputs={}, user=operator_user, scopes=frozenset({READ, WRITE})))
    assert run.status == RunStatus.SUCCEEDED
    body = operator_client.get(f"{GOALS}{goal['id']}/").json()
    assert (body["progress"], body["status"]) == (50, "in_progress")
    progressed = Event.objects.filter(aggregate_id=goal["id"], event_type="GoalProgressed").get()
    assert progressed.payload["reason"] == "linked workflow run succeeded"
    drive(run_execute(workflow=other, inputs={}, user=operator_user, scopes=frozenset({READ, WRITE})))
    assert operator_client.get(f"{GOALS}{goal['id']}/").json()["status"] == "achieved"
    filtered = operator_client.get(GOALS, {"workflow": str(workflow.id)}).json()
    assert [g["id"] for g in filtered["results"]] == [goal["id"]]


def test_status_moves_and_conflicts(operator_client: Client) -> None:
    goal = _create(operator_client)
    path = f"{GOALS}{goal['id']}/"
    assert assert_envelope(send(operator_client, "post", f"{path}reopen/"), 409, "conflict")["details"] == {
        "status": "open", "allowed": ["abandoned", "achieved", "in_progress"],
    }  # fmt: skip
    assert send(operator_client, "post", f"{path}abandon/").json()["status"] == "abandoned"
    assert_envelope(send(operator_client, "post", f"{path}achieve/"), 409, "conflict")
    assert send(operator_client, "patch", path, {"status": "open"}).json()["status"] == "open"
    achieved = send(operator_client, "post", f"{path}achieve/").json()
    assert (achieved["status"], achieved["progress"]) == ("achieved", 100)
    reopened = send(operator_client, "post", f"{path}reopen/").json()
    assert (reopened["status"], reopened["achieved_at"]) == ("in_progress", None)
    assert _events(goal["id"]) == ["GoalCreated", "GoalAbandoned", "GoalReopened", "GoalAchieved", "GoalReopened"]


def test_progress_by_hand_only_without_measurable_parts(operator_client: Client) -> None:
    goal = _create(operator_client)
    path = f"{GOALS}{goal['id']}/"
    body = send(operator_client, "patch", path, {"progress": 40}).json()
    assert (body["progress"], body["status"]) == (40, "in_progress")
    measured = _create(operator_client, title="m", key_results=[{"title": "k", "target_value": 3}])
    refused = assert_envelope(
        send(operator_client, "patch", f"{GOALS}{measured['id']}/", {"progress": 40}), 400, "invalid_request"
    )
    assert "progress" in refused["details"]
    assert Goal.objects.get(pk=measured["id"]).progress == 0


def test_update_links_and_fields(operator_client: Client) -> None:
    goal = _create(operator_client)
    workflow = workflow_create(name="wf", steps=[service_step("r", "RouteTable", "routes")])
    body = send(
        operator_client, "patch", f"{GOALS}{goal['id']}/", {"title": "Renamed", "workflow_ids": [str(workflow.id)]}
    ).json()
    assert (body["title"], body["workflow_ids"]) == ("Renamed", [str(workflow.id)])
    updated = Event.objects.get(aggregate_id=goal["id"], event_type="GoalUpdated")
    assert updated.payload["changed"] == ["title", "workflows"]
    put = send(operator_client, "put", f"{GOALS}{goal['id']}/", {"description": "no title"})
    assert "title" in assert_envelope(put, 400, "invalid_request")["details"]


def test_goal_from_planner_draft(operator_client: Client, operator_user) -> None:
    workflow = workflow_create(name="nightly", steps=[service_step("r", "RouteTable", "routes")])
    draft = WorkflowDraft.objects.create(
        goal="Report agent health every night\nwith details", name="nightly", status=DraftStatus.ACCEPTED,
        workflow=workflow, created_by=operator_user,
    )  # fmt: skip
    response = send(operator_client, "post", GOALS, {"draft_id": str(draft.id)})
    assert response.status_code == 201, response.content
    goal = response.json()
    assert goal["title"] == "Report agent health every night"
    assert (goal["workflow_ids"], goal["draft_id"]) == ([str(workflow.id)], str(draft.id))
    rejected = WorkflowDraft.objects.create(goal="x", name="x", status=DraftStatus.REJECTED)
    assert_envelope(send(operator_client, "post", GOALS, {"draft_id": str(rejected.id)}), 409, "conflict")


def test_owner_is_the_creator_unless_an_admin_assigns(operator_client: Client, staff_client: Client, viewer_user):
    refused = send(operator_client, "post", GOALS, {"title": "t", "owner": viewer_user.username})
    assert "owner" in assert_envelope(refused, 400, "invalid_request")["details"]
    assigned = send(staff_client, "post", GOALS, {"title": "t", "owner": viewer_user.username})
    assert assigned.json()["owner"] == viewer_user.username
    assert operator_client.get(GOALS, {"owner": viewer_user.username}).json()["count"] == 1


def test_filters_and_ordering(operator_client: Client) -> None:
    late = _create(operator_client, title="late", target_date=(timezone.now() - timedelta(days=2)).date().isoformat())
    _create(operator_client, title="later", target_date="2100-01-01")
    assert late["overdue"] is True
    assert [g["title"] for g in operator_client.get(GOALS, {"overdue": "true"}).json()["results"]] == ["late"]
    assert [g["title"] for g in operator_client.get(GOALS, {"search": "lateR"}).json()["results"]] == ["later"]
    ordered = operator_client.get(GOALS, {"ordering": "target_date"}).json()["results"]
    assert [g["title"] for g in ordered] == ["late", "later"]
    assert operator_client.get(GOALS, {"status": "achieved"}).json()["count"] == 0


def test_refusals(viewer_client: Client, operator_client: Client) -> None:
    assert_envelope(Client().get(GOALS), 401, "not_authenticated")
    assert viewer_client.get(GOALS).status_code == 200
    assert_envelope(send(viewer_client, "post", GOALS, {"title": "t"}), 403, "permission_denied")
    assert_envelope(send(operator_client, "post", GOALS, {"description": "no title"}), 400, "invalid_request")
    bad_link = send(
        operator_client, "post", GOALS, {"title": "t", "workflow_ids": ["00000000-0000-0000-0000-000000000000"]}
    )
    assert "workflow_ids" in assert_envelope(bad_link, 400, "invalid_request")["details"]
    same = send(operator_client, "post", GOALS, {"title": "t", "key_results": [{"title": "k", "target_value": 0}]})
    assert_envelope(same, 400, "invalid_request")
    assert_envelope(send(operator_client, "post", GOALS, {"title": "t", "target_date": "soon"}), 400)
    assert_envelope(operator_client.get(f"{GOALS}00000000-0000-0000-0000-000000000000/"), 404, "not_found")
    assert_envelope(operator_client.get(f"{GOALS}nope/key-results/"), 404, "not_found")
    goal = _create(operator_client)
    assert_envelope(operator_client.get(f"{GOALS}{goal['id']}/key-results/nope/"), 404, "not_found")
    assert_envelope(send(viewer_client, "post", f"{GOALS}{goal['id']}/achieve/"), 403, "permission_denied")
    assert_envelope(send(operator_client, "patch", f"{GOALS}{goal['id']}/", {"status": "done"}), 400)
    assert Goal.objects.count() == 1
    assert GoalProgress.objects.count() == 1


def test_delete_keeps_the_history_in_the_event_store(operator_client: Client) -> None:
    goal = _create(operator_client)
    assert send(operator_client, "delete", f"{GOALS}{goal['id']}/").status_code == 204
    assert _events(goal["id"]) == ["GoalCreated", "GoalDeleted"]
    assert not Goal.objects.exists()


def test_extreme_key_result_values_are_400_not_500(operator_client: Client) -> None:
    huge = {"title": "t", "key_results": [{"title": "k", "start_value": 1e308, "target_value": -1e308}]}
    assert "key_results" in assert_envelope(send(operator_client, "post", GOALS, huge), 400)["details"]
    goal = _create(operator_client, key_results=[{"title": "k", "target_value": 10}])
    path = f"{GOALS}{goal['id']}/key-results/{goal['key_results'][0]['id']}/"
    assert_envelope(send(operator_client, "patch", path, {"current_value": 1e300}), 400, "invalid_request")
    # a share that overflows anyway (values written around the API) counts as no progress
    from apps.goals.models import KeyResult

    assert KeyResult(start_value=-1e308, target_value=1e308, current_value=1e308).fraction == 0.0
