"""L10 ControlCenter: what an operator sees first, for clients that are not the browser."""

from __future__ import annotations

from typing import Any

from apps.accounts.scopes import ADMIN
from apps.monitoring.selectors import platform_overview
from apps.services.catalog.schemas import obj
from apps.services.registry import Caller, method, service


@service(
    name="ControlCenter",
    layer="L10",
    description="The dashboard at a glance: readiness, agents by status, unhealthy services, recent activity.",
    dependencies=("postgres", "redis"),
)
class ControlCenter:
    @method(
        description="Readiness, agent counts by status, the catalog's unhealthy services and the latest events.",
        params=obj({"activity": {"type": "integer", "minimum": 0, "maximum": 50, "default": 10}}),
        result=obj(
            {
                "status": {"enum": ["healthy", "degraded", "unhealthy"]},
                "agents": {"type": "object"},
                "services": {"type": "object"},
                "activity": {"type": "array"},
            },
            "status",
            "agents",
            "services",
            "activity",
        ),
    )
    def overview(self, caller: Caller, activity: int = 10) -> dict[str, Any]:
        return platform_overview(include_account_events=ADMIN in caller.scopes, activity=activity)
