"""Alert rules fire and resolve from what really happens: requests through the middleware,
dependencies that stop answering. Each change is stored, recorded as an event and sent to
subscribed webhook endpoints."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone

from apps.events.models import Event
from apps.integrations.models import WebhookDelivery
from apps.integrations.services import delivery_attempt, endpoint_create
from apps.monitoring.alerts import alerts_evaluate
from apps.monitoring.conditions import Inputs, read
from apps.monitoring.health.runner import runner
from apps.monitoring.models import Alert, AlertStatus

pytestmark = pytest.mark.django_db


def _ok(client: Client, count: int) -> None:
    for _ in range(count):
        assert client.get("/api/v1/test-only/slow/").status_code == 200


def test_error_rate_alert_fires_on_5xx_then_resolves_when_they_stop(only_rules, site: Client, receiver) -> None:
    rule = only_rules(name="errors", kind="error_rate", threshold=0.05, window_minutes=5, min_requests=10)
    endpoint = endpoint_create(name="ops", url=receiver.url(), events=["AlertFiring", "AlertResolved"])
    _ok(site, 9)
    assert site.get("/api/v1/test-only/boom/").status_code == 500
    assert alerts_evaluate()["fired"] == 1

    alert = Alert.objects.get(rule=rule)
    assert (alert.status, alert.severity) == (AlertStatus.FIRING, "critical")
    assert alert.last_value == pytest.approx(0.1)
    assert alert.details["requests"] == 10
    assert "Error rate 10.0%" in alert.details["message"]
    event = Event.objects.get(aggregate_id=alert.id, event_type="AlertFiring")
    assert event.payload["rule"] == "errors"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event_type="AlertFiring")
    delivery_attempt(delivery.id)
    sent = json.loads(receiver.requests[0].body)
    assert (sent["event"], sent["data"]["id"], sent["data"]["status"]) == ("AlertFiring", str(alert.id), "firing")

    assert alerts_evaluate() == {"rules": 1, "fired": 0, "resolved": 0}  # still firing: no second alert
    _ok(site, 15)  # 1 error in 25 requests: 4 %
    assert alerts_evaluate()["resolved"] == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_at is not None
    assert alert.details["resolution"]["value"] == pytest.approx(1 / 25, abs=1e-4)
    assert Event.objects.filter(aggregate_id=alert.id, event_type="AlertResolved").exists()
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event_type="AlertResolved").count() == 1


def test_client_errors_do_not_count_towards_the_error_rate(only_rules, site: Client) -> None:
    only_rules(name="errors", kind="error_rate", threshold=0.05, min_requests=5)
    for _ in range(10):
        assert site.get("/api/v1/agents/").status_code == 401
    assert alerts_evaluate()["fired"] == 0


def test_too_few_requests_never_fire(only_rules, site: Client) -> None:
    only_rules(name="errors", kind="error_rate", threshold=0.05, min_requests=10)
    site.get("/api/v1/test-only/boom/")
    assert alerts_evaluate()["fired"] == 0


def test_p99_latency_alert_fires_on_slow_requests_and_resolves(only_rules, site: Client) -> None:
    rule = only_rules(name="slow", kind="latency_p99", threshold=100, min_requests=3, severity="warning")
    for _ in range(3):
        site.get("/api/v1/test-only/slow/", {"ms": 130})
    assert alerts_evaluate()["fired"] == 1
    alert = Alert.objects.get(rule=rule)
    assert 100 < alert.last_value <= 150
    assert alert.severity == "warning"

    _ok(site, 300)  # the three slow ones are now under 1 % of the requests
    assert alerts_evaluate()["resolved"] == 1
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.details["resolution"]["value"] < 100


def test_backend_down_fires_while_ollama_is_unreachable(only_rules, settings, ollama_server) -> None:
    rule = only_rules(name="ollama-down", kind="backend_down", target="ollama", severity="warning")
    settings.OLLAMA_URL = "http://127.0.0.1:9"  # nothing listens there
    assert alerts_evaluate()["fired"] == 1
    alert = Alert.objects.get(rule=rule)
    assert alert.details["backend"] == "ollama"
    assert alert.details["message"] == "ollama is down"

    settings.OLLAMA_URL = ollama_server.url
    runner.reset()
    assert alerts_evaluate()["resolved"] == 1
    assert Alert.objects.get(pk=alert.pk).status == AlertStatus.RESOLVED


def test_a_rule_with_for_seconds_fires_only_once_it_has_held_that_long(only_rules, settings) -> None:
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    rule = only_rules(name="ollama-down", kind="backend_down", target="ollama", for_seconds=30)
    start = timezone.now()
    assert alerts_evaluate(now=start)["fired"] == 0
    rule.refresh_from_db()
    assert rule.pending_since == start
    assert alerts_evaluate(now=start + timedelta(seconds=20))["fired"] == 0
    assert alerts_evaluate(now=start + timedelta(seconds=31))["fired"] == 1
    assert Alert.objects.get(rule=rule).started_at == start  # when the condition began


def test_disabling_a_rule_resolves_its_open_alert(only_rules, settings) -> None:
    from apps.monitoring.rules import alert_rule_update

    settings.OLLAMA_URL = "http://127.0.0.1:9"
    rule = only_rules(name="ollama-down", kind="backend_down", target="ollama")
    alerts_evaluate()
    alert_rule_update(rule=rule, enabled=False)
    assert alerts_evaluate()["resolved"] == 1
    assert Alert.objects.get(rule=rule).details["resolution"]["message"] == "The rule was disabled."


def test_queue_backlog_reads_the_deepest_queue_or_the_named_one(only_rules) -> None:
    deepest = only_rules(name="backlog", kind="queue_backlog", threshold=100)
    named = only_rules(name="backlog-llm", kind="queue_backlog", target="llm", threshold=100)
    inputs = Inputs([deepest, named])
    inputs.__dict__["queues"] = {"celery": 250, "llm": 3}  # what queue_depths() would report
    assert (read(deepest, inputs).holds, read(deepest, inputs).details["queue"]) == (True, "celery")
    assert read(named, inputs).holds is False
    inputs.__dict__["queues"] = None  # the broker could not be read
    assert read(deepest, inputs).holds is False


def test_the_real_broker_backlog_is_read(only_rules) -> None:
    rule = only_rules(name="backlog", kind="queue_backlog", threshold=1_000_000)
    reading = read(rule, Inputs([rule]))
    assert reading.holds is False
    assert reading.value is not None  # the broker answered


def test_at_most_one_open_alert_per_rule_in_the_database(only_rules) -> None:
    rule = only_rules(name="errors", kind="error_rate", threshold=0.05)
    Alert.objects.create(rule=rule, severity="critical", started_at=timezone.now())
    Alert.objects.create(rule=rule, severity="critical", started_at=timezone.now(), status=AlertStatus.RESOLVED)
    with pytest.raises(IntegrityError):
        Alert.objects.create(rule=rule, severity="critical", started_at=timezone.now(), status="acknowledged")


def test_the_spec_rules_are_seeded() -> None:
    from apps.monitoring.models import AlertRule

    seeded = {rule.name: rule for rule in AlertRule.objects.all()}
    assert {"error-rate", "latency-p99", "postgres-down", "redis-down", "ollama-down", "queue-backlog"} <= set(seeded)
    assert (seeded["error-rate"].threshold, seeded["error-rate"].window_minutes) == (0.05, 5)
    assert seeded["latency-p99"].threshold == 1000
    assert seeded["ollama-down"].severity == "warning"
    assert seeded["postgres-down"].severity == "critical"
