"""Control-center pages of the monitoring area: the dashboard (``/``) and ``/monitoring``.
Both render what is true now and then follow the feed: ``system:health``, ``system:traffic``
(a per-minute traffic point every few seconds), ``alerts``, the ``events:*`` channels and,
for admins, ``logs``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST
from redis.exceptions import RedisError

from apps.accounts.models import User
from apps.accounts.scopes import ADMIN, WRITE
from apps.monitoring import page_selectors
from apps.monitoring.alert_selectors import alert_list, alert_rule_list
from apps.monitoring.alerts import alert_acknowledge
from apps.monitoring.health.report import layers, readiness
from apps.monitoring.models import AlertStatus
from apps.monitoring.queues import queue_depths
from apps.monitoring.selectors import platform_overview
from apps.monitoring.summary import monitoring_summary
from apps.monitoring.traffic import traffic_series
from storyportal.api import actor
from storyportal.api.exceptions import DomainError
from storyportal.api.principal import caller_label

CHART_MINUTES = 60
T = TypeVar("T")
logger = logging.getLogger(__name__)
RESOLVED_SHOWN = 10
_NO_QUEUES: dict[str, int] = {}


def _scopes(request: HttpRequest) -> frozenset[str]:
    return cast(User, request.user).scopes  # login_required let only a real user through


def _safely(produce: Callable[[], T], fallback: T) -> tuple[T, bool]:
    """What ``produce`` returns, or ``fallback`` and False when Redis (or the broker) does not
    answer: the page then says so instead of failing when it is needed most."""
    try:
        return produce(), True
    except RedisError:
        logger.warning("monitoring page: Redis unavailable", exc_info=True)
        return fallback, False


def _common(request: HttpRequest) -> dict[str, Any]:
    admin = ADMIN in _scopes(request)
    no_summary: dict[str, Any] | None = None
    no_traffic: list[dict[str, Any]] = []
    summary, summary_ok = _safely(monitoring_summary, no_summary)
    traffic, traffic_ok = _safely(lambda: traffic_series(minutes=CHART_MINUTES), no_traffic)
    return {
        # A page can wait longer than a probe: fresh results beat "no answer within 75 ms".
        "health": readiness(budget=1.0),
        "layers": layers()["layers"],
        "summary": summary,
        "traffic": traffic,
        "stats_unavailable": not (summary_ok and traffic_ok),
        "open_alerts": page_selectors.open_alerts(),
        "activity": page_selectors.recent_activity(include_account_events=admin),
        "is_admin": admin,
        "can_write": WRITE in _scopes(request),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The platform at a glance: health, traffic, alerts, activity, work and goals."""
    admin = ADMIN in _scopes(request)
    overview = platform_overview(include_account_events=admin, activity=0)
    context = {
        **_common(request), "agents": overview["agents"], "services": overview["services"],
        "runs": page_selectors.runs_today(), "goals": page_selectors.goals_glance(),
    }  # fmt: skip
    return render(request, "monitoring/dashboard.html", context)


@login_required
@require_GET
def monitoring(request: HttpRequest) -> HttpResponse:
    """Traffic by window, dependencies, queues, alerts and rules, activity and the log tail."""
    context = {
        **_common(request), "queues": _safely(queue_depths, _NO_QUEUES)[0], "rules": alert_rule_list(),
        "resolved": alert_list().filter(status=AlertStatus.RESOLVED)[:RESOLVED_SHOWN],
    }  # fmt: skip
    return render(request, "monitoring/monitoring.html", context)


@login_required
@require_POST
def acknowledge(request: HttpRequest, alert_id: UUID) -> HttpResponse:
    """Acknowledge an open alert: someone is on it (it resolves when its condition clears)."""
    if WRITE not in _scopes(request):
        raise PermissionDenied("Acknowledging alerts needs the write:services scope.")
    actor.set_current(caller_label(request))
    alert = get_object_or_404(alert_list(), pk=alert_id)
    try:
        alert_acknowledge(alert=alert, user=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Alert {alert.rule.name} acknowledged.")
    return redirect("monitoring")
