"""Control-center pages of the monitoring area."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from apps.monitoring.health.report import layers, readiness


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """System health now; the page then follows ``system:health`` over the WebSocket."""
    # A page can wait longer than a probe: fresh results beat "no answer within 75 ms".
    health = readiness(budget=1.0)
    return render(request, "monitoring/dashboard.html", {"health": health, "layers": layers()["layers"]})
