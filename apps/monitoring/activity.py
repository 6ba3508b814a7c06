"""What happened on the platform over the last hours, counted from each area's own records.

A caller without ``admin:platform`` sees what the API would show them: no account events, and
only their own service calls (as the InvocationLog service shows them).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from apps.agents.selectors import agent_list
from apps.events.selectors import event_list
from apps.llm.models import LlmRequest, LlmStatus
from apps.services.models import InvocationStatus, ServiceInvocation
from apps.tools.selectors import tool_execution_list
from apps.workflows.models import RunStatus
from apps.workflows.selectors import run_list

TOP = 5
ERROR_CHARS = 200
FINISHED = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


@dataclass(frozen=True)
class Audience:
    """Who the report is for: admins see everything, others what the API shows them."""

    admin: bool
    user_id: Any


def _by(rows: QuerySet[Any], field: str) -> dict[str, int]:
    return {str(key): n for key, n in rows.values_list(field).annotate(n=Count("pk")).order_by("-n", field)}


def _agents(since: datetime) -> dict[str, Any]:
    agents = agent_list()
    by_status = _by(agents, "status")
    return {"created": agents.filter(created_at__gte=since).count(), "total": sum(by_status.values()),
            "by_status": by_status}  # fmt: skip


def _runs(since: datetime) -> dict[str, Any]:
    by_status = _by(run_list().filter(created_at__gte=since), "status")
    finished = sum(by_status.get(status, 0) for status in FINISHED)
    rate = round(by_status.get(RunStatus.SUCCEEDED, 0) / finished, 3) if finished else None
    return {"total": sum(by_status.values()), "by_status": by_status, "finished": finished, "success_rate": rate}


def _llm(since: datetime) -> dict[str, Any]:
    calls = LlmRequest.objects.filter(created_at__gte=since)
    totals = calls.aggregate(
        calls=Count("pk"), errors=Count("pk", filter=Q(status=LlmStatus.FAILED)),
        prompt_tokens=Sum("prompt_tokens", default=0), completion_tokens=Sum("completion_tokens", default=0),
    )  # fmt: skip
    return {**totals, "by_model": dict(list(_by(calls, "model").items())[:TOP])}


def _invocations(since: datetime, audience: Audience) -> dict[str, Any]:
    calls = ServiceInvocation.objects.filter(created_at__gte=since)
    if not audience.admin:
        calls = calls.filter(user_id=audience.user_id)
    failed = ~Q(status=InvocationStatus.SUCCEEDED)
    top = (
        calls.values("service_name").annotate(calls=Count("pk"), failed=Count("pk", filter=failed))
        .order_by("-calls", "service_name")[:TOP]
    )  # fmt: skip
    by_status = _by(calls, "status")
    return {"scope": "everyone" if audience.admin else "yours", "total": sum(by_status.values()),
            "by_status": by_status, "top_services": [dict(row) for row in top]}  # fmt: skip


def _tools(since: datetime) -> dict[str, Any]:
    executions = tool_execution_list().filter(created_at__gte=since)
    by_status = _by(executions, "status")
    return {"total": sum(by_status.values()), "by_status": by_status,
            "by_tool": dict(list(_by(executions, "tool").items())[:TOP])}  # fmt: skip


def _events(since: datetime, audience: Audience) -> dict[str, Any]:
    events = event_list(include_account_events=audience.admin).filter(timestamp__gte=since)
    by_type = _by(events.exclude(event_type="ServiceInvoked"), "event_type")
    return {"total": sum(by_type.values()), "by_type": dict(list(by_type.items())[: TOP * 2])}


def _errors(since: datetime, audience: Audience) -> list[dict[str, Any]]:
    """The most frequent error messages over model calls, runs, tool runs and service calls."""
    calls = ServiceInvocation.objects.filter(created_at__gte=since)
    sources: dict[str, QuerySet[Any]] = {
        "llm": LlmRequest.objects.filter(created_at__gte=since),
        "workflow_run": run_list().filter(created_at__gte=since),
        "tool": tool_execution_list().filter(created_at__gte=since),
        "service": calls if audience.admin else calls.filter(user_id=audience.user_id),
    }
    counted: Counter[tuple[str, str]] = Counter()
    for source, rows in sources.items():
        grouped = rows.exclude(error="").values_list("error").annotate(n=Count("pk")).order_by("-n")[: TOP * 2]
        for error, n in grouped:
            counted[(source, error[:ERROR_CHARS])] += n
    return [{"source": source, "error": error, "count": n} for (source, error), n in counted.most_common(TOP)]


def activity_report(*, hours: int, audience: Audience) -> dict[str, Any]:
    """Counts of the last ``hours``: agents, workflow runs, model calls, service calls, tool
    runs, events, and the most frequent errors."""
    until = timezone.now()
    since = until - timedelta(hours=hours)
    return {
        "window": {"hours": hours, "since": since.isoformat(), "until": until.isoformat()},
        "agents": _agents(since),
        "workflow_runs": _runs(since),
        "llm": _llm(since),
        "service_invocations": _invocations(since, audience),
        "tool_executions": _tools(since),
        "events": _events(since, audience),
        "errors": _errors(since, audience),
    }
