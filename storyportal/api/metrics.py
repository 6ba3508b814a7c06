"""Prometheus metrics and ``/metrics`` (contract, Gateway behaviour).

Under gunicorn with several workers set ``PROMETHEUS_MULTIPROC_DIR``: each worker writes its
samples there and a scrape adds them up (Celery workers too, when they share the directory:
workflow steps and most service calls run there). Backend availability, queue depths, worker
count and runs in flight are measured at scrape time (:mod:`apps.monitoring.collectors`).

The counters of other areas are defined next to their code and imported here so that every
family is present from the first scrape: :mod:`apps.llm.metrics`,
:mod:`apps.workflows.metrics`, :mod:`apps.services.metrics`.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector
from rest_framework.exceptions import APIException
from rest_framework.request import Request

from apps.accounts.scopes import ADMIN
from apps.llm import metrics as _llm_metrics  # noqa: F401 - registers the families
from apps.services import metrics as _service_metrics  # noqa: F401
from apps.workflows import metrics as _workflow_metrics  # noqa: F401
from storyportal.api.client_ip import client_ip
from storyportal.api.errors import error_response
from storyportal.api.principal import caller_scopes

HTTP_REQUESTS = Counter("storyportal_http_requests_total", "HTTP requests served.", ["method", "route", "status"])
HTTP_DURATION = Histogram(
    "storyportal_http_request_duration_seconds",
    "Time to serve an HTTP request.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
HTTP_ERRORS = Counter(
    "storyportal_http_errors_total", "HTTP responses with a 4xx or 5xx status.", ["method", "route", "status_class"]
)


class BackendCollector(Collector):
    """``storyportal_backend_up{backend}``: 1 when the dependency's health check passes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from apps.monitoring.health.report import readiness

        family = GaugeMetricFamily(
            "storyportal_backend_up", "Whether a backend answers its health check.", labels=["backend"]
        )
        for dependency in readiness()["dependencies"]:
            family.add_metric([dependency["name"]], 1.0 if dependency["status"] == "healthy" else 0.0)
        yield family


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        scrape = CollectorRegistry()
        MultiProcessCollector(scrape)
    else:
        scrape = REGISTRY
    return scrape


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _may_scrape(request: HttpRequest) -> bool:
    # Behind a proxy on the same host every request comes from loopback: trust the forwarded
    # client address then.
    if settings.DEBUG or _is_loopback(client_ip(request)):
        return True
    header = request.headers.get("Authorization", "")
    token = settings.METRICS_TOKEN
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].encode(), token.encode()):
        return True
    return _has_admin_credential(request)


def _has_admin_credential(request: HttpRequest) -> bool:
    from storyportal.api.authentication import ApiKeyAuthentication, JWTAuthentication

    drf_request = Request(request, authenticators=[JWTAuthentication(), ApiKeyAuthentication()])
    try:
        return ADMIN in caller_scopes(drf_request)
    except APIException:
        return False


_backends = BackendCollector()


@csrf_exempt  # read-only; without this a POST got Django's HTML CSRF page instead of 405
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """The Prometheus exposition; 401 outside loopback/development without credentials."""
    if not _may_scrape(request):
        return error_response(401, message="Metrics need the METRICS_TOKEN bearer token or the admin:platform scope.")
    body = generate_latest(registry()) + generate_latest(_backend_registry())
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def metric_families() -> Iterator[Metric]:
    """Every family a scrape would show, as objects (the hub's MetricsService reads them)."""
    yield from registry().collect()
    yield from _backend_registry().collect()


def _backend_registry() -> CollectorRegistry:
    """The gauges measured at scrape time: backends, queues, workers, runs in flight."""
    from apps.monitoring.collectors import PlatformCollector

    backends = CollectorRegistry(auto_describe=False)
    backends.register(_backends)
    backends.register(PlatformCollector())
    return backends
