"""GoalTracker and GoalAnalytics through services/invoke/."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.goals.models import Goal
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _invoke(client: Client, service_name: str, method_name: str, params: dict | None = None):
    body = {"service_name": service_name, "method": method_name, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def test_goal_tracker_sets_and_moves_goals(operator_client: Client, viewer_client: Client) -> None:
    made = _invoke(operator_client, "GoalTracker", "create", {
        "title": "Onboard agents", "target_date": "2031-01-01",
        "key_results": [{"title": "agents", "target_value": 4, "unit": "agents"}],
    })  # fmt: skip
    assert made.status_code == 200, made.content
    goal = made.json()["result"]
    assert (goal["status"], goal["progress"], goal["owner"]) == ("open", 0, "otto")
    moved = _invoke(operator_client, "GoalTracker", "update_key_result", {
        "goal_id": goal["id"], "key_result_id": goal["key_results"][0]["id"], "current_value": 3,
    }).json()["result"]  # fmt: skip
    assert (moved["progress"], moved["status"]) == (75, "in_progress")
    listed = _invoke(viewer_client, "GoalTracker", "list", {"status": "in_progress"}).json()["result"]
    assert [g["id"] for g in listed["goals"]] == [goal["id"]]
    assert (
        _invoke(operator_client, "GoalTracker", "achieve", {"id": goal["id"]}).json()["result"]["status"] == "achieved"
    )
    assert_envelope(_invoke(operator_client, "GoalTracker", "achieve", {"id": goal["id"]}), 409, "conflict")
    history = _invoke(viewer_client, "GoalAnalytics", "history", {"id": goal["id"]}).json()["result"]["points"]
    assert [p["progress"] for p in history] == [0, 75, 100]
    summary = _invoke(viewer_client, "GoalAnalytics", "summary", {"days": 7}).json()["result"]
    assert (summary["total"], summary["completion_rate"], len(summary["days"])) == (1, 1.0, 7)


def test_goal_tracker_refusals(operator_client: Client, viewer_client: Client) -> None:
    assert_envelope(_invoke(viewer_client, "GoalTracker", "create", {"title": "t"}), 403, "permission_denied")
    assert_envelope(_invoke(operator_client, "GoalTracker", "create", {}), 400, "invalid_request")
    same = {"title": "t", "key_results": [{"title": "k", "target_value": 0}]}
    assert_envelope(_invoke(operator_client, "GoalTracker", "create", same), 400, "invalid_request")
    assert_envelope(_invoke(operator_client, "GoalTracker", "create", {"title": "t", "target_date": "2031-02-31"}), 400)
    missing = "00000000-0000-0000-0000-000000000000"
    assert_envelope(_invoke(viewer_client, "GoalTracker", "get", {"id": missing}), 404, "not_found")
    goal = _invoke(operator_client, "GoalTracker", "create", {"title": "t"}).json()["result"]
    wrong = {"goal_id": goal["id"], "key_result_id": missing, "current_value": 1}
    assert_envelope(_invoke(operator_client, "GoalTracker", "update_key_result", wrong), 404, "not_found")
    assert_envelope(_invoke(viewer_client, "GoalAnalytics", "summary", {"days": 0}), 400, "invalid_request")
    assert Goal.objects.count() == 1
