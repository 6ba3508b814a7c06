"""goals/analytics/: totals, completion rate, median time to achieve, owners, daily history."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.goals.models import Goal, GoalProgress, GoalStatus
from apps.goals.services import goal_create, goal_move, goal_update
from tests.support.api import assert_envelope

pytestmark = pytest.mark.django_db

ANALYTICS = "/api/v1/goals/analytics/"


def _aged(goal: Goal, *, days_ago: int, achieved_after_hours: float | None = None) -> None:
    """Pretend the goal was set at 10:00 UTC ``days_ago`` (and achieved that many hours later)."""
    created = (timezone.now() - timedelta(days=days_ago)).replace(hour=10, minute=0, second=0, microsecond=0)
    Goal.objects.filter(pk=goal.pk).update(created_at=created)
    GoalProgress.objects.filter(goal=goal).update(recorded_at=created)
    if achieved_after_hours is not None:
        achieved = created + timedelta(hours=achieved_after_hours)
        Goal.objects.filter(pk=goal.pk).update(achieved_at=achieved)
        GoalProgress.objects.filter(goal=goal, status=GoalStatus.ACHIEVED).update(recorded_at=achieved)


def test_analytics_counts_rates_and_history(viewer_client: Client, operator_user, viewer_user) -> None:
    fast = goal_move(goal=goal_create(title="fast", owner=operator_user), status=GoalStatus.ACHIEVED)
    _aged(fast, days_ago=3, achieved_after_hours=2)
    slow = goal_move(goal=goal_create(title="slow", owner=operator_user), status=GoalStatus.ACHIEVED)
    _aged(slow, days_ago=3, achieved_after_hours=6)
    half = goal_update(goal=goal_create(title="half", owner=viewer_user), progress=50)
    dropped = goal_move(goal=goal_create(title="dropped", owner=viewer_user), status=GoalStatus.ABANDONED)
    late = goal_create(title="late", owner=viewer_user, target_date=(timezone.now() - timedelta(days=1)).date())
    assert {half.status, dropped.status, late.status} == {"in_progress", "abandoned", "open"}

    body = viewer_client.get(ANALYTICS, {"days": 5}).json()
    assert body["total"] == 5
    assert body["by_status"] == {"open": 1, "in_progress": 1, "achieved": 2, "abandoned": 1}
    assert body["completion_rate"] == 0.4
    assert body["median_time_to_achieve_seconds"] == 4 * 3600.0
    assert body["average_progress"] == 25.0  # the live goals: 50 and 0
    assert body["overdue"] == 1
    assert body["by_owner"] == [
        {"owner": "vera", "total": 3, "achieved": 0, "completion_rate": 0.0},
        {"owner": "otto", "total": 2, "achieved": 2, "completion_rate": 1.0},
    ]
    days = body["days"]
    assert [d["date"] for d in days] == [
        (timezone.now() - timedelta(days=n)).date().isoformat() for n in range(4, -1, -1)
    ]
    assert [d["total"] for d in days] == [0, 2, 2, 2, 5]
    assert [d["achieved"] for d in days] == [0, 2, 2, 2, 2]
    assert days[0]["average_progress"] is None
    assert days[1]["average_progress"] == 100.0
    assert days[-1]["average_progress"] == 250 / 5  # 100, 100, 50, 0 (abandoned at 0), 0

    mine = viewer_client.get(ANALYTICS, {"owner": "otto"}).json()
    assert (mine["total"], mine["completion_rate"], len(mine["days"])) == (2, 1.0, 30)


def test_analytics_of_nothing(viewer_client: Client) -> None:
    body = viewer_client.get(ANALYTICS).json()
    assert (body["total"], body["completion_rate"], body["median_time_to_achieve_seconds"]) == (0, 0.0, None)
    assert body["by_status"] == {"open": 0, "in_progress": 0, "achieved": 0, "abandoned": 0}


def test_analytics_refusals(viewer_client: Client) -> None:
    assert_envelope(Client().get(ANALYTICS), 401, "not_authenticated")
    assert "days" in assert_envelope(viewer_client.get(ANALYTICS, {"days": 0}), 400, "invalid_request")["details"]
    assert_envelope(viewer_client.get(ANALYTICS, {"days": "many"}), 400, "invalid_request")
    assert "owner" in assert_envelope(viewer_client.get(ANALYTICS, {"owner": "nobody"}), 400)["details"]
