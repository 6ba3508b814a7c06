"""How far a goal is: the mean of its measurable parts.

Each key result counts for the fraction of the way its value has moved from start to target.
Each linked workflow counts as done once one of its runs has succeeded since the goal was set.
A goal with neither has no measurable parts: its progress is what people set by hand.
"""

from __future__ import annotations

import math

from apps.goals.models import Goal
from apps.workflows.models import RunStatus, WorkflowRun


def measurable_parts(goal: Goal, *, also_done: frozenset[object] = frozenset()) -> list[float]:
    """The 0-1 completion of each key result and linked workflow. ``also_done`` names
    workflows whose success is being committed right now (its run row is not saved yet)."""
    parts = [result.fraction for result in goal.key_results.all()]
    workflow_ids = list(goal.workflows.values_list("id", flat=True))
    if workflow_ids:
        done = also_done | set(
            WorkflowRun.objects.filter(
                workflow_id__in=workflow_ids, status=RunStatus.SUCCEEDED, finished_at__gte=goal.created_at
            )
            .values_list("workflow_id", flat=True)
            .distinct()
        )
        parts.extend(1.0 if workflow_id in done else 0.0 for workflow_id in workflow_ids)
    return parts


def computed_progress(goal: Goal, *, also_done: frozenset[object] = frozenset()) -> int | None:
    """0-100 from the measurable parts, or None when the goal has none. Rounded down, so
    100 means every part is complete (the epsilon absorbs float error such as 0.29 * 100)."""
    parts = measurable_parts(goal, also_done=also_done)
    if not parts:
        return None
    return min(100, math.floor(100 * sum(parts) / len(parts) + 1e-9))
