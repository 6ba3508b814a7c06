"""What the dashboard and ``/monitoring`` pages show first (they then follow the feed)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from apps.events.selectors import event_list
from apps.goals.models import Goal, GoalStatus
from apps.monitoring.alert_selectors import alert_list
from apps.monitoring.models import OPEN_STATUSES, Alert
from apps.workflows.models import RunStatus, WorkflowRun

ACTIVITY = 15
# Event types that are not activity a person follows: one per API call, step attempt or
# catalog entry synced at start.
NOISE = ("ServiceInvoked", "ServiceRegistered", "WorkflowProgress", "GoalProgressed", "ToolExecuted")
PAGES = {"Agent": "agent-detail", "Workflow": "workflow-detail", "WorkflowRun": "workflow-run", "Goal": "goal-detail"}
URL_ARGUMENT = {"agent-detail": "agent_id", "workflow-detail": "workflow_id", "workflow-run": "run_id",
                "goal-detail": "goal_id"}  # fmt: skip


def activity_href(aggregate_type: str, aggregate_id: str) -> str | None:
    """The control-center page of an event's aggregate, if it has one."""
    name = PAGES.get(aggregate_type)
    return reverse(name, kwargs={URL_ARGUMENT[name]: aggregate_id}) if name else None


def recent_activity(*, include_account_events: bool, limit: int = ACTIVITY) -> list[dict[str, Any]]:
    """The latest events people follow, newest first, with a link to what each is about."""
    events = event_list(include_account_events=include_account_events).exclude(event_type__in=NOISE)[:limit]
    return [
        {
            "event_type": event.event_type, "aggregate_type": event.aggregate_type,
            "aggregate_id": str(event.aggregate_id), "actor": (event.metadata or {}).get("actor"),
            "timestamp": event.timestamp, "href": activity_href(event.aggregate_type, str(event.aggregate_id)),
            "label": _label(event.payload or {}),
        }
        for event in events
    ]  # fmt: skip


def _label(payload: dict[str, Any]) -> str:
    for key in ("name", "title", "workflow", "username", "tool", "step_id"):
        if payload.get(key):
            return str(payload[key])
    return ""


def open_alerts(limit: int = 20) -> list[Alert]:
    return list(alert_list().filter(status__in=OPEN_STATUSES)[:limit])


def runs_today() -> dict[str, Any]:
    """Workflow runs of the last 24 hours by status, with the success rate of the finished."""
    since = timezone.now() - timedelta(hours=24)
    counts = dict(
        WorkflowRun.objects.filter(created_at__gte=since).values_list("status").annotate(n=Count("id")).order_by()
    )
    finished = counts.get(RunStatus.SUCCEEDED, 0) + counts.get(RunStatus.FAILED, 0)
    rate = counts.get(RunStatus.SUCCEEDED, 0) / finished if finished else None
    return {"total": sum(counts.values()), "by_status": counts, "success_rate": rate}


def goals_glance() -> dict[str, int]:
    return Goal.objects.aggregate(
        total=Count("id"),
        achieved=Count("id", filter=Q(status=GoalStatus.ACHIEVED)),
        live=Count("id", filter=Q(status__in=(GoalStatus.OPEN, GoalStatus.IN_PROGRESS))),
    )
