"""GoalTracker (L05) and GoalAnalytics (L12): goals and their analytics as services."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from apps.goals import analytics, selectors, services
from apps.goals.models import VALUE_LIMIT, Goal, GoalStatus, KeyResult
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service

VALUE = {"type": "number", "minimum": -VALUE_LIMIT, "maximum": VALUE_LIMIT}
KEY_RESULT_IN = obj(
    {"title": {"type": "string", "minLength": 1, "maxLength": 200}, "target_value": VALUE,
     "start_value": VALUE, "current_value": VALUE,
     "unit": {"type": "string", "maxLength": 32}},
    "title", "target_value",
)  # fmt: skip
GOAL_OUT = obj(
    {"id": UUID, "title": {"type": "string"}, "status": {"enum": list(GoalStatus.values)},
     "progress": {"type": "integer"}, "key_results": {"type": "array"}},
    "id", "title", "status", "progress", "key_results",
)  # fmt: skip


def _goal(goal_id: str) -> Goal:
    try:
        return selectors.goal_list().get(pk=uuid.UUID(goal_id))
    except (ValueError, Goal.DoesNotExist):
        raise MethodError(404, f"No goal with id {goal_id}.") from None


def _shape(goal: Goal, *, fetched: bool = False) -> dict[str, Any]:
    """A goal as the methods return it; ``fetched`` when it comes from ``goal_list()`` with
    its relations already loaded (otherwise it is read again, after a change)."""
    fresh = goal if fetched else selectors.goal_list().get(pk=goal.pk)
    return {
        "id": str(fresh.id), "title": fresh.title, "owner": fresh.owner.get_username(), "status": fresh.status,
        "progress": fresh.progress, "target_date": fresh.target_date.isoformat() if fresh.target_date else None,
        "workflow_ids": [str(w.pk) for w in fresh.workflows.all()],
        "key_results": [
            {"id": str(r.id), "title": r.title, "current_value": r.current_value, "target_value": r.target_value,
             "unit": r.unit, "progress": int(r.fraction * 100)}
            for r in fresh.key_results.all()
        ],
    }  # fmt: skip


def _key_result(goal: Goal, key_result_id: str) -> KeyResult:
    found = next((r for r in goal.key_results.all() if str(r.id) == key_result_id), None)
    if found is None:
        raise MethodError(404, f"Goal {goal.id} has no key result {key_result_id}.")
    return found


@service(
    name="GoalTracker",
    layer="L05",
    description="Set goals with measurable key results and track their progress to completion.",
)
class GoalTracker:
    @method(
        description="Goals, newest first, optionally of one status.",
        params=obj({"status": {"enum": list(GoalStatus.values)}, "limit": LIMIT}),
        result=obj({"count": {"type": "integer"}, "goals": {"type": "array", "items": GOAL_OUT}}, "count", "goals"),
    )
    def list(self, caller: Caller, status: str | None = None, limit: int = 20) -> dict[str, Any]:
        found = selectors.goal_list()
        found = found.filter(status=status) if status else found
        return {"count": found.count(), "goals": [_shape(goal, fetched=True) for goal in found[:limit]]}

    @method(description="One goal with its key results.", params=obj({"id": UUID}, "id"), result=GOAL_OUT)
    def get(self, caller: Caller, id: str) -> dict[str, Any]:
        return _shape(_goal(id), fetched=True)

    @method(
        description="Set a goal (yours), with key results; it starts open with progress 0.",
        params=obj(
            {"title": {"type": "string", "minLength": 1, "maxLength": 200},
             "description": {"type": "string", "maxLength": 10000},
             "target_date": {"type": "string", "format": "date"},
             "key_results": {"type": "array", "items": KEY_RESULT_IN, "maxItems": 20}},
            "title",
        ),
        result=GOAL_OUT,
        writes=True,
    )  # fmt: skip
    def create(
        self, caller: Caller, title: str, description: str = "", target_date: str | None = None,
        key_results: Sequence[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:  # fmt: skip
        try:
            when = date.fromisoformat(target_date) if target_date else None
        except ValueError:
            raise MethodError(400, "target_date must be a date (YYYY-MM-DD).") from None
        goal = services.goal_create(
            title=title, description=description, owner=caller.user, target_date=when, key_results=key_results or ()
        )
        return _shape(goal)

    @method(
        description="Record a key result's new value; the goal's progress (and status) follow.",
        params=obj({"goal_id": UUID, "key_result_id": UUID, "current_value": VALUE},
                   "goal_id", "key_result_id", "current_value"),
        result=GOAL_OUT,
        writes=True,
    )  # fmt: skip
    def update_key_result(self, caller: Caller, goal_id: str, key_result_id: str, current_value: float) -> dict:
        goal = _goal(goal_id)
        services.key_result_update(result=_key_result(goal, key_result_id), current_value=current_value)
        return _shape(goal)

    @method(description="Mark a goal achieved (409 unless open or in progress).", params=obj({"id": UUID}, "id"),
            result=GOAL_OUT, writes=True)  # fmt: skip
    def achieve(self, caller: Caller, id: str) -> dict[str, Any]:
        return _shape(services.goal_move(goal=_goal(id), status=GoalStatus.ACHIEVED))


@service(
    name="GoalAnalytics",
    layer="L12",
    description="Goal completion rate, median time to achieve, owners, and progress over time.",
)
class GoalAnalytics:
    @method(
        description="The body of GET /api/v1/goals/analytics/: totals, rates and daily history.",
        params=obj({"days": {"type": "integer", "minimum": 1, "maximum": analytics.MAX_DAYS, "default": 30}}),
        result=obj({"total": {"type": "integer"}, "completion_rate": {"type": "number"}}, "total", "completion_rate"),
    )
    def summary(self, caller: Caller, days: int = 30) -> dict[str, Any]:
        return analytics.goal_analytics(days=days)

    @method(
        description="A goal's progress points, oldest first (its burn-up).",
        params=obj({"id": UUID}, "id"),
        result=obj({"points": {"type": "array"}}, "points"),
    )
    def history(self, caller: Caller, id: str) -> dict[str, Any]:
        points = list(selectors.goal_history(goal=_goal(id)).reverse()[:1000])[::-1]  # the newest, as the API
        return {
            "points": [
                {"recorded_at": p.recorded_at.isoformat(), "progress": p.progress, "status": p.status} for p in points
            ]
        }
