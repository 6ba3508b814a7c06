"""Writes on goals. Each records its events in the same transaction, and every change of a
goal's progress or status leaves a :class:`GoalProgress` point.

Status moves (409 for any other)::

    open         -> in_progress (start, or progress above 0), achieved, abandoned
    in_progress  -> achieved (achieve, or progress reaching 100), abandoned
    achieved     -> in_progress (reopen)
    abandoned    -> open or in_progress (reopen)

Locks: a goal's row is locked before its key results are changed. A workflow run that
succeeds locks the goals linked to its workflow after its own row, never the other way round;
both it and a change of a goal's links take an advisory lock per workflow first (see
:func:`_lock_workflows`).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from apps.agents.models import Agent
from apps.events.services import event_append
from apps.goals.models import LIVE_STATUSES, Goal, GoalProgress, GoalStatus, KeyResult
from apps.goals.progress import computed_progress
from apps.planning.models import DraftStatus, WorkflowDraft
from apps.workflows.models import Workflow
from storyportal.api.exceptions import Conflict, DomainError

UPDATABLE_FIELDS = ("title", "description", "target_date", "owner", "workflows", "agents")
KEY_RESULT_FIELDS = ("title", "start_value", "target_value", "current_value", "unit")
# What a requested status means from where the goal is: target -> {from: event type}.
MOVES: dict[str, dict[str, str]] = {
    GoalStatus.IN_PROGRESS: {
        GoalStatus.OPEN: "GoalStarted",
        GoalStatus.ACHIEVED: "GoalReopened",
        GoalStatus.ABANDONED: "GoalReopened",
    },
    GoalStatus.OPEN: {GoalStatus.ABANDONED: "GoalReopened"},
    GoalStatus.ACHIEVED: {GoalStatus.OPEN: "GoalAchieved", GoalStatus.IN_PROGRESS: "GoalAchieved"},
    GoalStatus.ABANDONED: {GoalStatus.OPEN: "GoalAbandoned", GoalStatus.IN_PROGRESS: "GoalAbandoned"},
}


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


def _record(goal: Goal, event_type: str, **extra: Any) -> None:
    payload = {"id": str(goal.id), "title": goal.title, "status": goal.status, "progress": goal.progress, **extra}
    event_append(aggregate_type="Goal", aggregate_id=goal.id, event_type=event_type, payload=payload)


def _snapshot(goal: Goal) -> None:
    GoalProgress.objects.create(goal=goal, progress=goal.progress, status=goal.status)


def _lock_workflows(workflow_ids: Iterable[object]) -> None:
    """Transaction-scoped advisory locks on workflows, in one order, taken before any goal row:
    a run that succeeds and a goal that gets linked to its workflow at the same moment then
    happen one after the other, so neither misses the other (each would otherwise read the
    state from before the other's commit)."""
    with connection.cursor() as cursor:
        for workflow_id in sorted({str(w) for w in workflow_ids}):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"goal-workflow:{workflow_id}"])


def _locked(goal: Goal | uuid.UUID | str) -> Goal:
    goal_id = goal.pk if isinstance(goal, Goal) else goal
    return Goal.objects.select_for_update().get(pk=goal_id)


def _set_status(goal: Goal, status: str, event_type: str, **extra: Any) -> None:
    previous = goal.status
    goal.status = status
    if status == GoalStatus.ACHIEVED:
        goal.achieved_at, goal.progress = timezone.now(), 100
    elif previous == GoalStatus.ACHIEVED:
        goal.achieved_at = None
    goal.save()
    _snapshot(goal)
    _record(goal, event_type, previous_status=previous, **extra)


def _apply_progress(goal: Goal, progress: int, *, reason: str) -> None:
    """Store a new progress value of a locked goal and follow it: a goal that starts moving is
    in progress, one that reaches 100 is achieved."""
    if goal.status not in LIVE_STATUSES or progress == goal.progress:
        return
    previous = goal.progress
    goal.progress = progress
    if progress >= 100:
        _set_status(goal, GoalStatus.ACHIEVED, "GoalAchieved", automatic=True, reason=reason)
        return
    started = goal.status == GoalStatus.OPEN and progress > 0
    if started:
        goal.status = GoalStatus.IN_PROGRESS
    goal.save(update_fields=["progress", "status", "updated_at"])
    _snapshot(goal)
    _record(goal, "GoalProgressed", previous_progress=previous, reason=reason, started=started)


def _recompute(goal: Goal, *, reason: str, also_done: frozenset[object] = frozenset()) -> Goal:
    progress = computed_progress(goal, also_done=also_done)
    if progress is not None:
        _apply_progress(goal, progress, reason=reason)
    return goal


def _key_result(goal: Goal, fields: dict[str, Any]) -> KeyResult:
    """A new key result of a locked goal: the start defaults to 0, the current value to the
    start, and a target equal to the start is refused (it measures nothing)."""
    values = {"start_value": 0.0, **{name: fields[name] for name in KEY_RESULT_FIELDS if name in fields}}
    values.setdefault("current_value", values["start_value"])
    result = KeyResult(goal=goal, **values)
    _check_target(result)
    result.save()
    return result


def _check_target(result: KeyResult) -> None:
    if result.start_value == result.target_value:
        raise DomainError(
            f"Key result {result.title}: the target must differ from the start.",
            details={"target_value": ["Equal to start_value."]},
        )


@transaction.atomic
def goal_create(
    *,
    title: str,
    owner: Any,
    description: str = "",
    target_date: date | None = None,
    workflows: Sequence[Workflow] = (),
    agents: Sequence[Agent] = (),
    key_results: Sequence[dict[str, Any]] = (),
    draft_id: uuid.UUID | None = None,
) -> Goal:
    """Set a goal; it starts ``open`` with progress 0 (then follows its key results)."""
    _lock_workflows(w.pk for w in workflows)
    goal = Goal.objects.create(
        title=title, description=description, owner=owner, target_date=target_date, draft_id=draft_id
    )
    goal.workflows.set(workflows)
    goal.agents.set(agents)
    for fields in key_results:
        _key_result(goal, fields)
    _snapshot(goal)
    _record(
        goal, "GoalCreated", owner=owner.get_username(), target_date=target_date.isoformat() if target_date else None,
        workflow_ids=[str(w.pk) for w in workflows], key_results=len(key_results),
    )  # fmt: skip
    return _recompute(goal, reason="created")


def goal_from_draft(*, draft: WorkflowDraft, owner: Any, title: str = "", **fields: Any) -> Goal:
    """A goal for what a planner draft was asked to do, linked to its workflow once accepted."""
    if draft.status == DraftStatus.REJECTED:
        raise Conflict("That draft was rejected; plan again or set the goal by hand.")
    workflows = [*fields.pop("workflows", ())]
    if draft.workflow is not None and draft.workflow not in workflows:
        workflows.append(draft.workflow)
    return goal_create(
        title=title or draft.goal.strip().splitlines()[0][:200],
        description=fields.pop("description", "") or draft.goal,
        owner=owner,
        workflows=workflows,
        draft_id=draft.id,
        **fields,
    )


@transaction.atomic
def goal_update(*, goal: Goal, progress: int | None = None, status: str | None = None, **changes: Any) -> Goal:
    """Change a goal's definition, its hand-set progress, or its status (see :data:`MOVES`).
    Records ``GoalUpdated`` with the fields that really changed."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    if "workflows" in changes:
        linked = Goal.workflows.through.objects.filter(goal_id=goal.pk).values_list("workflow_id", flat=True)
        _lock_workflows([*linked, *(w.pk for w in changes["workflows"])])
    locked = _locked(goal)
    changed = _assign(locked, changes)
    if changed:
        locked.save()
        _record(locked, "GoalUpdated", changed=changed)
        if {"workflows"} & set(changed):
            _recompute(locked, reason="workflows changed")
    if progress is not None:
        if computed_progress(locked) is not None:
            raise DomainError(
                "This goal's progress is computed from its key results and linked workflows.",
                details={"progress": ["Update a key result's current_value instead."]},
            )
        _apply_progress(locked, progress, reason="set by hand")
    if status is not None and status != locked.status:
        goal_move(goal=locked, status=status)
    return locked


def _assign(goal: Goal, changes: dict[str, Any]) -> list[str]:
    changed = []
    for field, value in changes.items():
        if field in ("workflows", "agents"):
            current = {str(pk) for pk in getattr(goal, field).values_list("pk", flat=True)}
            if current != {str(item.pk) for item in value}:
                getattr(goal, field).set(value)
                changed.append(field)
        elif getattr(goal, field) != value:
            setattr(goal, field, value)
            changed.append(field)
    return sorted(changed)


@transaction.atomic
def goal_move(*, goal: Goal, status: str, only_from: Collection[str] | None = None) -> Goal:
    """Move a goal to ``status`` (409 if :data:`MOVES` does not allow it from where it is, or
    it is not in ``only_from``: reopening is for achieved and abandoned goals)."""
    locked = _locked(goal)
    event_type = MOVES.get(status, {}).get(locked.status)
    if event_type is None or (only_from is not None and locked.status not in only_from):
        allowed = sorted(target for target, sources in MOVES.items() if locked.status in sources)
        raise Conflict(
            f"A goal that is {locked.status} cannot become {status}.",
            details={"status": locked.status, "allowed": allowed},
        )
    _set_status(locked, status, event_type)
    if event_type == "GoalReopened":
        _recompute(locked, reason="reopened")
    return locked


@transaction.atomic
def goal_delete(*, goal: Goal) -> None:
    """Remove a goal; its history stays in the event store."""
    _record(goal, "GoalDeleted")
    goal.delete()


@transaction.atomic
def key_result_add(*, goal: Goal, **fields: Any) -> KeyResult:
    locked = _locked(goal)
    result = _key_result(locked, fields)
    _recompute(locked, reason=f"key result added: {result.title}")
    return result


@transaction.atomic
def key_result_update(*, result: KeyResult, **changes: Any) -> KeyResult:
    """Change a key result (most often its ``current_value``); the goal follows."""
    unknown = set(changes) - set(KEY_RESULT_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    goal = _locked(result.goal_id)
    locked = KeyResult.objects.select_for_update().get(pk=result.pk)
    for field, value in changes.items():
        setattr(locked, field, value)
    _check_target(locked)
    locked.save()
    _recompute(goal, reason=f"key result updated: {locked.title}")
    return locked


@transaction.atomic
def key_result_delete(*, result: KeyResult) -> None:
    goal = _locked(result.goal_id)
    result.delete()
    _recompute(goal, reason=f"key result removed: {result.title}")


def goals_follow_run(*, workflow_id: uuid.UUID, succeeded: bool) -> int:
    """A run of ``workflow_id`` finished (inside its transaction, before the run row is
    saved): the live goals linked to the workflow take the success into their progress.
    Returns how many were looked at."""
    if not succeeded:
        return 0
    _lock_workflows([workflow_id])
    goals = list(
        Goal.objects.select_for_update().filter(workflows__id=workflow_id, status__in=LIVE_STATUSES).order_by("pk")
    )
    for goal in goals:
        _recompute(goal, reason="linked workflow run succeeded", also_done=frozenset({workflow_id}))
    return len(goals)
