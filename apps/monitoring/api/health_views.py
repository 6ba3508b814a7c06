"""Health endpoints: plain Django views, no authentication, no throttling, no sessions.

They sit outside DRF on purpose: nothing on their path may touch the database or cache
except the checks themselves.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from apps.monitoring.health import report
from apps.monitoring.health.layers import BY_SLUG


def _json(body: dict[str, object], status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status)


@csrf_exempt  # no session or cookie is involved; other methods get 405, not a CSRF 403
@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    return _json(report.liveness())


@csrf_exempt  # no session or cookie is involved; other methods get 405, not a CSRF 403
@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    body = report.readiness()
    return _json(body, report.http_status(body))


@csrf_exempt  # no session or cookie is involved; other methods get 405, not a CSRF 403
@never_cache
@require_safe
def startup(request: HttpRequest) -> JsonResponse:
    body = report.startup_report()
    return _json(body, report.http_status(body))


@csrf_exempt  # no session or cookie is involved; other methods get 405, not a CSRF 403
@never_cache
@require_safe
def layers(request: HttpRequest) -> JsonResponse:
    return _json(report.layers())


@csrf_exempt  # no session or cookie is involved; other methods get 405, not a CSRF 403
@never_cache
@require_safe
def layer_probe(request: HttpRequest, layer: str, probe: str) -> JsonResponse:
    found = BY_SLUG.get(layer)
    if found is None:
        raise Http404
    if probe == "live":
        return _json(report.liveness() | {"layer": found.code})
    body = report.readiness(found.dependencies) if probe == "ready" else report.startup_report(found.dependencies)
    return _json(body | {"layer": found.code}, report.http_status(body))
