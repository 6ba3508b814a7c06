"""Reads of goals."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from apps.goals.models import Goal, GoalProgress, KeyResult


def goal_list() -> QuerySet[Goal]:
    """Goals with what their list and detail shapes need, in four queries however many."""
    return Goal.objects.select_related("owner").prefetch_related(
        Prefetch("key_results", queryset=KeyResult.objects.order_by("created_at")),
        "workflows",
        "agents",
    )


def goal_history(*, goal: Goal) -> QuerySet[GoalProgress]:
    """The goal's progress points, oldest first (the burn-up chart)."""
    return GoalProgress.objects.filter(goal=goal).order_by("recorded_at", "id")
