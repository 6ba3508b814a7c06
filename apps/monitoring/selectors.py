"""The platform at a glance: what the dashboard and the ControlCenter service show."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from apps.agents.selectors import agent_list
from apps.events.selectors import event_list
from apps.monitoring.health.report import readiness
from apps.services import selectors as service_selectors


def _activity(event: Any) -> dict[str, Any]:
    return {
        "event_type": event.event_type,
        "aggregate_type": event.aggregate_type,
        "aggregate_id": str(event.aggregate_id),
        "actor": (event.metadata or {}).get("actor"),
        "timestamp": event.timestamp.isoformat(),
    }


def platform_overview(*, include_account_events: bool, activity: int = 10) -> dict[str, Any]:
    """Readiness, agents by status, the catalog's health and the latest events."""
    health = readiness()
    statuses = {dep["name"]: dep["status"] for dep in health["dependencies"]}
    services = list(service_selectors.service_list())
    unhealthy = [s.name for s in services if service_selectors.service_health(s, statuses) != "healthy"]
    by_status = dict(agent_list().values_list("status").annotate(n=Count("id")).order_by())
    events = event_list(include_account_events=include_account_events).exclude(event_type="ServiceInvoked")
    return {
        "status": health["status"],
        "dependencies": statuses,
        "agents": {"total": sum(by_status.values()), "by_status": by_status},
        "services": {"total": len(services), "unhealthy": unhealthy},
        "activity": [_activity(event) for event in events[:activity]],
    }
