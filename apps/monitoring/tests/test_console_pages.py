"""The dashboard and /monitoring pages: what they render now (they then follow the feed),
acknowledging an alert, the log tail for admins only, and the traffic pulse."""

from __future__ import annotations

import json
import time

import pytest
from django.test import Client
from django.utils import timezone

from apps.agents.services import agent_create
from apps.monitoring.models import Alert, AlertRule, AlertStatus
from apps.monitoring.request_stats import record
from apps.monitoring.traffic import traffic_publish, traffic_series
from storyportal import kv

pytestmark = pytest.mark.django_db


def _alert(rule_name: str = "error-rate") -> Alert:
    rule = AlertRule.objects.get(name=rule_name)
    return Alert.objects.create(rule=rule, severity=rule.severity, started_at=timezone.now(),
                                details={"message": "7.5% of 40 requests failed"})  # fmt: skip


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


def test_dashboard_shows_health_traffic_alerts_and_activity(viewer_client: Client) -> None:
    agent_create(name="scout", layer="L02")
    _alert()
    html = viewer_client.get("/").content.decode()
    assert 'data-testid="overall-status"' in html
    assert 'id="traffic-data"' in html
    assert "7.5% of 40 requests failed" in html
    assert 'data-testid="alert-count">1<' in html
    assert "AgentCreated" in html
    assert ">scout</a>" in html
    assert 'data-testid="glance-agents">1<' in html
    assert "The live log is for admins" in html  # a viewer sees no log tail
    assert 'id="log-tail"' not in html


def test_admin_gets_the_log_tail(staff_client: Client) -> None:
    html = staff_client.get("/monitoring").content.decode()
    assert 'id="log-tail"' in html
    assert 'id="log-level"' in html


def test_monitoring_page_windows_rules_queues(viewer_client: Client) -> None:
    for status in (200, 200, 500):
        record(duration_ms=40, status=status)
    page = viewer_client.get("/monitoring")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-window="5m"' in html
    assert 'data-window="60m"' in html
    assert "error-rate" in html
    assert "queue-backlog" in html
    assert 'data-testid="queues"' in html


def test_acknowledge_from_the_page(operator_client: Client, viewer_client: Client) -> None:
    alert = _alert()
    assert viewer_client.post(f"/monitoring/alerts/{alert.id}/acknowledge").status_code == 403
    response = operator_client.post(f"/monitoring/alerts/{alert.id}/acknowledge")
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    operator_client.post(f"/monitoring/alerts/{alert.id}/acknowledge")  # again: a message, not a 500
    assert "Only a firing alert" in operator_client.get("/monitoring").content.decode()
    missing = "/monitoring/alerts/00000000-0000-0000-0000-000000000000/acknowledge"
    assert operator_client.post(missing).status_code == 404


def test_pages_need_login() -> None:
    for path in ("/", "/monitoring"):
        assert Client().get(path)["Location"].startswith("/accounts/login/")


def test_traffic_series_counts_each_minute() -> None:
    now = time.time()
    minute_start = int(now // 60) * 60
    for duration, status in ((20, 200), (30, 200), (900, 503)):
        record(duration_ms=duration, status=status, now=minute_start + 1)
    record(duration_ms=10, status=200, now=minute_start - 30)
    series = traffic_series(minutes=3, now=minute_start + 30)
    assert [point["t"] for point in series] == [minute_start - 120, minute_start - 60, minute_start]
    assert [point["requests"] for point in series] == [0, 1, 3]
    assert series[0]["p95"] is None
    assert series[0]["error_rate"] is None
    assert series[2]["server_errors"] == 1
    assert series[2]["error_rate"] == round(1 / 3, 4)
    assert series[2]["rate"] == 0.1  # 3 requests in the 30 s of the minute so far
    assert series[1]["rate"] == round(1 / 60, 3)


def test_traffic_pulse_goes_out_on_its_channel() -> None:
    pubsub = kv.client().pubsub(ignore_subscribe_messages=True)
    pubsub.subscribe("system:traffic")
    record(duration_ms=12, status=200)
    payload = traffic_publish()
    assert len(payload["points"]) == 2
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        got = pubsub.get_message(timeout=0.2)
        if got is not None:
            body = json.loads(got["data"])
            assert (body["channel"], body["type"]) == ("system:traffic", "TrafficUpdated")
            assert body["payload"]["summary"]["requests"] >= 1
            break
    else:
        raise AssertionError("no TrafficUpdated message")
    pubsub.close()
