"""Goals in the Django admin: create with key results inline, edit, actions; all through the
services, so events and progress history match the API's."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.events.models import Event
from apps.goals.models import Goal, GoalProgress
from apps.goals.services import goal_create

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/goals/goal/"


def _inline(**rows: str) -> dict[str, str]:
    return {"key_results-TOTAL_FORMS": "1", "key_results-INITIAL_FORMS": "0", "key_results-MIN_NUM_FORMS": "0",
            "key_results-MAX_NUM_FORMS": "1000", **rows}  # fmt: skip


def test_add_goal_with_a_key_result(staff_client: Client, admin_user) -> None:
    form = {"title": "From admin", "description": "", "owner": str(admin_user.pk), "target_date": "",
            **_inline(**{"key_results-0-title": "calls", "key_results-0-start_value": "0",
                         "key_results-0-target_value": "4", "key_results-0-current_value": "1",
                         "key_results-0-unit": ""})}  # fmt: skip
    response = staff_client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    goal = Goal.objects.get(title="From admin")
    assert (goal.progress, goal.status) == (25, "in_progress")
    types = Event.objects.filter(aggregate_id=goal.id).order_by("sequence_number").values_list("event_type", flat=True)
    assert list(types) == ["GoalCreated", "GoalProgressed"]


def test_actions_move_goals_and_report_refusals(staff_client: Client, admin_user) -> None:
    open_goal = goal_create(title="a", owner=admin_user)
    response = staff_client.post(
        CHANGELIST, {"action": "achieve_selected", "_selected_action": [str(open_goal.id)], "index": "0"}, follow=True
    )
    assert "1 goal(s) now achieved" in response.content.decode()
    response = staff_client.post(
        CHANGELIST, {"action": "achieve_selected", "_selected_action": [str(open_goal.id)], "index": "0"}, follow=True
    )
    assert "Not changed" in response.content.decode()
    assert GoalProgress.objects.filter(goal=open_goal).count() == 2
    html = staff_client.get(CHANGELIST, {"q": "a", "status__exact": "achieved"}).content.decode()
    assert str(open_goal.id) in html
