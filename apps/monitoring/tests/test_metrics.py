"""``/metrics`` has every family issue 7 asks for, and the hub's MetricsService and
AlertManager answer through ``POST services/invoke/``."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction
from django.test import Client

from apps.monitoring.alerts import alerts_evaluate
from apps.monitoring.models import Alert
from apps.services.models import Service
from apps.workflows.signals import run_finished
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db


def _scrape(client: Client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200
    return response.content.decode()


def _invoke(client: Client, service: str, method: str, params: dict | None = None):
    body = {"service_name": service, "method": method, "params": params or {}}
    return send(client, "post", "/api/v1/services/invoke/", body)


def test_metrics_have_every_family(client: Client, viewer_client: Client) -> None:
    assert _invoke(viewer_client, "MetricsService", "summary").status_code == 200
    text = _scrape(client)
    for family in (
        "storyportal_http_requests_total", "storyportal_http_request_duration_seconds",
        "storyportal_workflow_runs_total", "storyportal_workflow_step_duration_seconds",
        "storyportal_workflow_runs_active", "storyportal_llm_requests_total", "storyportal_llm_tokens_total",
        "storyportal_service_invocations_total", "storyportal_service_invocation_duration_seconds",
        "storyportal_queue_depth", "storyportal_workers", "storyportal_backend_up",
    ):  # fmt: skip
        assert f"# TYPE {family}" in text, family
    assert 'storyportal_service_invocations_total{method="summary",service="MetricsService",status="succeeded"}' in text
    assert 'storyportal_queue_depth{queue="celery"}' in text


def test_finished_runs_are_counted_once_committed(client: Client, django_capture_on_commit_callbacks) -> None:
    from types import SimpleNamespace

    from apps.workflows.metrics import WORKFLOW_RUNS

    before = WORKFLOW_RUNS.labels(status="failed")._value.get()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        run_finished.send(sender=None, run=SimpleNamespace(status="failed", workflow_id=uuid.uuid4()))
        assert WORKFLOW_RUNS.labels(status="failed")._value.get() == before  # not before the commit
    assert WORKFLOW_RUNS.labels(status="failed")._value.get() == before + 1


def test_monitoring_services_are_in_the_catalog_at_l12() -> None:
    assert dict(Service.objects.filter(name__in=["MetricsService", "AlertManager"]).values_list("name", "layer")) == {
        "MetricsService": "L12",
        "AlertManager": "L12",
    }


def test_metrics_service_summary_and_samples(viewer_client: Client) -> None:
    viewer_client.get("/api/v1/agents/")
    summary = _invoke(viewer_client, "MetricsService", "summary", {"window": 15}).json()["result"]
    assert summary["window_minutes"] == 15
    assert summary["requests"] >= 1
    samples = _invoke(viewer_client, "MetricsService", "samples", {"family": "storyportal_http_requests_total"})
    result = samples.json()["result"]
    assert result["type"] == "counter"
    assert any(s["labels"].get("route") == "/api/v1/agents/" for s in result["samples"])
    families = _invoke(viewer_client, "MetricsService", "families").json()["result"]["families"]
    assert "storyportal_backend_up" in {f["name"] for f in families}
    assert_envelope(_invoke(viewer_client, "MetricsService", "samples", {"family": "storyportal_nope"}), 404)
    assert_envelope(_invoke(viewer_client, "MetricsService", "samples", {"family": "python_gc"}), 400)


def test_alert_manager_lists_and_acknowledges(viewer_client: Client, operator_user, only_rules, settings) -> None:
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    only_rules(name="ollama-down", kind="backend_down", target="ollama")
    alerts_evaluate()
    alert = Alert.objects.get()
    listed = _invoke(viewer_client, "AlertManager", "alerts", {"status": "firing"}).json()["result"]["alerts"]
    assert [a["id"] for a in listed] == [str(alert.id)]
    assert _invoke(viewer_client, "AlertManager", "rules").json()["result"]["rules"][0]["name"] == "ollama-down"
    assert_envelope(_invoke(viewer_client, "AlertManager", "acknowledge", {"alert_id": str(alert.id)}), 403)

    operator = Client()
    operator.force_login(operator_user)
    done = _invoke(operator, "AlertManager", "acknowledge", {"alert_id": str(alert.id)})
    assert done.status_code == 200, done.content
    assert done.json()["result"]["status"] == "acknowledged"
    assert_envelope(_invoke(operator, "AlertManager", "acknowledge", {"alert_id": str(alert.id)}), 409)
