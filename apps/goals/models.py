"""Goals with measurable key results (contract: goals/; spec 3.1 ``goals``).

A goal's ``progress`` is stored, not computed on read: it is what the list filters and the
analytics aggregate, and every change of it leaves a :class:`GoalProgress` row, the history
the burn-up charts draw. It only changes through :mod:`apps.goals.services`.
"""

from __future__ import annotations

import math
import uuid

from django.conf import settings
from django.db import models

from apps.agents.models import Agent
from apps.workflows.models import Workflow

__all__ = ["VALUE_LIMIT", "Goal", "GoalProgress", "GoalStatus", "KeyResult"]

# Key result values stay within ±10^15: wide enough for any count or amount, and far from
# the float overflow that would make a progress share infinite or NaN.
VALUE_LIMIT = 1e15


class GoalStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    ACHIEVED = "achieved", "Achieved"
    ABANDONED = "abandoned", "Abandoned"


LIVE_STATUSES = (GoalStatus.OPEN, GoalStatus.IN_PROGRESS)


class Goal(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="goals")
    status = models.CharField(max_length=16, choices=GoalStatus.choices, default=GoalStatus.OPEN, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0-100, from key results and linked runs.")
    target_date = models.DateField(null=True, blank=True, db_index=True)
    workflows = models.ManyToManyField(Workflow, blank=True, related_name="goals", db_table="goal_workflows")
    agents = models.ManyToManyField(Agent, blank=True, related_name="goals", db_table="goal_agents")
    draft_id = models.UUIDField(null=True, blank=True, help_text="The planner draft the goal was made from.")
    achieved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "goals"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "status"], name="goals_owner_status_idx")]

    def __str__(self) -> str:
        return self.title


class KeyResult(models.Model):
    """A measurable result: progress is how far ``current_value`` has moved from
    ``start_value`` towards ``target_value`` (which may be below the start: "cut p95 to 200")."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    start_value = models.FloatField(default=0)
    target_value = models.FloatField()
    current_value = models.FloatField(default=0)
    unit = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "goal_key_results"
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(start_value=models.F("target_value")), name="key_result_target_differs"
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def fraction(self) -> float:
        """0-1: how much of the way from start to target is covered."""
        span = self.target_value - self.start_value
        share = (self.current_value - self.start_value) / span
        return min(max(share, 0.0), 1.0) if math.isfinite(share) else 0.0


class GoalProgress(models.Model):
    """One point of a goal's history: its progress and status from ``recorded_at`` on."""

    id = models.BigAutoField(primary_key=True)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="history")
    progress = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=16, choices=GoalStatus.choices)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "goal_progress"
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["goal", "recorded_at"], name="goal_progress_goal_time_idx")]

    def __str__(self) -> str:
        return f"{self.progress}% ({self.status}) at {self.recorded_at:%Y-%m-%d %H:%M}"
