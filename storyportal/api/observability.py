"""Access log and Prometheus metrics for every HTTP request (spec 4.2: logging, metrics)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from apps.monitoring import request_stats
from storyportal.api import actor
from storyportal.api.client_ip import client_ip
from storyportal.api.metrics import HTTP_DURATION, HTTP_ERRORS, HTTP_REQUESTS
from storyportal.logs import get_logger

# Regex routes are joined with their anchors (``api/v1/^events/$``); drop those, keep the rest.
_ANCHORS = re.compile(r"(?:(?<=^)|(?<=/))\^|\$(?=/|$)")
# Any other method becomes "other": a client must not be able to mint label values.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
Handler = Callable[[HttpRequest], HttpResponse]
access_log = get_logger("storyportal.access")
# Probes and scrapes arrive every few seconds; they are logged at debug level only.
QUIET_PREFIXES = ("/health/", "/api/health", "/metrics", "/static/")


def route_of(request: HttpRequest) -> str:
    """The URL pattern that served the request (``api/v1/users/<pk>/``), never the raw
    path, so labels stay few."""
    match = getattr(request, "resolver_match", None)
    if match is None or not match.route:
        return "<unmatched>"
    return "/" + _ANCHORS.sub("", match.route).replace("/?", "/")


def caller_of(request: HttpRequest) -> str:
    label = actor.current()
    if label:
        return label
    user = getattr(request, "_cached_user", None)  # set only if something already loaded it
    return f"user:{user.get_username()}" if user is not None and user.is_authenticated else "anonymous"


class AccessLogMiddleware:
    """One JSON line per request: id, caller, method, path, status, duration. No query
    string, header or body is logged, so no token or key can leak into logs."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        log = access_log.debug if request.path.startswith(QUIET_PREFIXES) else access_log.info
        log(
            "request",
            request_id=getattr(request, "request_id", None),
            caller=caller_of(request),
            client=client_ip(request),
            method=request.method,
            path=request.path,
            route=route_of(request),
            status=response.status_code,
            duration_ms=duration_ms,
        )
        return response


class MetricsMiddleware:
    """Counts requests and errors and times them, by method, route template and status; and
    adds every request but probes, scrapes and static files to the per-minute statistics
    behind ``monitoring/summary/`` and the alert rules (a tally in the process, written to
    Redis by a background thread: a few microseconds per request)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        method = request.method if request.method in KNOWN_METHODS else "other"
        route, status = route_of(request), response.status_code
        HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()  # route: a template
        HTTP_DURATION.labels(method=method, route=route).observe(elapsed)
        if status >= 400:
            HTTP_ERRORS.labels(method=method, route=route, status_class=f"{status // 100}xx").inc()
        if not request.path.startswith(QUIET_PREFIXES):
            request_stats.record_soon(duration_ms=elapsed * 1000, status=status)
        return response
