"""Control-center pages of the monitoring area: the dashboard (``/``) and ``/monitoring``.
Both render what is true now and then follow the feed: ``system:health``, ``system:traffic``
(a per-minute traffic point every few seconds), ``alerts``, the ``events:*`` channels and,
for admins, ``logs``."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

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
RESOLVED_SHOWN = 10


def _scopes(request: HttpRequest) -> frozenset[str]:
    return cast(User, request.user).scopes  # login_required let only a real user through


def _common(request: HttpRequest) -> dict[str, Any]:
    admin = ADMIN in _scopes(request)
    return {
        # A page can wait longer than a probe: fresh results beat "no answer within 75 ms".
        "health": readiness(budget=1.0),
        "layers": layers()["layers"],
        "summary": monitoring_summary(),
        "traffic": traffic_series(minutes=CHART_MINUTES),
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
        **_common(request), "queues": queue_depths(), "rules": alert_rule_list(),
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
