"""``monitoring/alerts/`` and ``monitoring/alert-rules/``: lists, filters, acknowledging, and
who may do what."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.utils import timezone

from apps.events.models import Event
from apps.monitoring.alerts import alerts_evaluate
from apps.monitoring.models import Alert, AlertRule, AlertStatus
from tests.support.api import assert_envelope, send

pytestmark = pytest.mark.django_db
ALERTS = "/api/v1/monitoring/alerts/"
RULES = "/api/v1/monitoring/alert-rules/"


@pytest.fixture
def operator_client(operator_user) -> Client:
    client = Client()
    client.force_login(operator_user)
    return client


@pytest.fixture
def firing(only_rules, settings) -> Alert:
    """A real alert: Ollama does not answer in tests."""
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    only_rules(name="ollama-down", kind="backend_down", target="ollama", severity="warning")
    alerts_evaluate()
    return Alert.objects.get()


def test_list_and_detail_have_the_contract_fields(viewer_client: Client, firing: Alert) -> None:
    response = viewer_client.get(ALERTS)
    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert set(row) >= {"id", "rule", "severity", "status", "started_at", "resolved_at", "details"}
    assert (row["id"], row["rule"], row["status"], row["severity"]) == (
        str(firing.id),
        "ollama-down",
        "firing",
        "warning",
    )
    assert viewer_client.get(f"{ALERTS}{firing.id}/").json() == row


def test_filters_by_status_severity_and_rule(
    viewer_client: Client, firing: Alert, django_assert_max_num_queries
) -> None:
    old_rule = AlertRule.objects.create(name="old", kind="error_rate", threshold=0.05)
    for _ in range(3):
        Alert.objects.create(rule=old_rule, severity="critical", status="resolved", started_at=timezone.now())

    def ids(**query: str) -> list[str]:
        return [row["id"] for row in viewer_client.get(ALERTS, query).json()["results"]]

    assert ids(status="firing") == [str(firing.id)]
    assert len(ids(status="resolved")) == 3
    assert len(ids(severity="critical")) == 3
    assert ids(rule="ollama-down") == [str(firing.id)]
    assert ids(rule="nope") == []
    assert_envelope(viewer_client.get(ALERTS, {"status": "exploded"}), 400)
    with django_assert_max_num_queries(8):  # no query per alert
        assert viewer_client.get(ALERTS).status_code == 200


def test_operator_acknowledges_a_firing_alert_once(operator_client: Client, firing: Alert, operator_user) -> None:
    response = send(operator_client, "post", f"{ALERTS}{firing.id}/acknowledge/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["acknowledged_by"]) == ("acknowledged", operator_user.username)
    assert body["acknowledged_at"] is not None
    assert Event.objects.filter(aggregate_id=firing.id, event_type="AlertAcknowledged").exists()
    assert_envelope(send(operator_client, "post", f"{ALERTS}{firing.id}/acknowledge/"), 409, "conflict")

    alerts_evaluate()  # still down: the acknowledged alert stays open, no new one
    assert Alert.objects.get().status == AlertStatus.ACKNOWLEDGED


def test_acknowledge_refusals(client: Client, viewer_client: Client, operator_client: Client, firing: Alert) -> None:
    path = f"{ALERTS}{firing.id}/acknowledge/"
    assert_envelope(send(client, "post", path), 401)
    assert_envelope(send(viewer_client, "post", path), 403)
    assert_envelope(send(operator_client, "post", f"{ALERTS}{uuid.uuid4()}/acknowledge/"), 404)
    assert_envelope(send(operator_client, "post", f"{ALERTS}nope/acknowledge/"), 404)
    assert_envelope(send(operator_client, "delete", f"{ALERTS}{firing.id}/"), 405)
    assert Alert.objects.get().status == AlertStatus.FIRING


def test_rules_are_readable_by_readers_and_writable_by_admins_only(
    viewer_client: Client, operator_client: Client, staff_client: Client, db
) -> None:
    assert viewer_client.get(RULES).status_code == 200
    new = {"name": "p99-tight", "kind": "latency_p99", "threshold": 500, "window_minutes": 15}
    assert_envelope(send(viewer_client, "post", RULES, new), 403)
    assert_envelope(send(operator_client, "post", RULES, new), 403)

    response = send(staff_client, "post", RULES, new)
    assert response.status_code == 201, response.content
    rule = response.json()
    assert (rule["severity"], rule["enabled"], rule["min_requests"]) == ("warning", True, 10)
    detail = f"{RULES}{rule['id']}/"
    assert_envelope(send(operator_client, "patch", detail, {"threshold": 800}), 403)
    patched = send(staff_client, "patch", detail, {"threshold": 800, "enabled": False})
    assert (patched.json()["threshold"], patched.json()["enabled"]) == (800, False)
    assert Event.objects.filter(aggregate_id=rule["id"], event_type="AlertRuleUpdated").exists()
    assert send(staff_client, "delete", detail).status_code == 204
    assert_envelope(viewer_client.get(detail), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "kind": "backend_down", "target": "mysql"}, "target"),
        ({"name": "x", "kind": "error_rate", "threshold": 5}, "threshold"),
        ({"name": "x", "kind": "latency_p99", "threshold": 100, "window_minutes": 120}, "window_minutes"),
        ({"name": "x", "kind": "nonsense"}, "kind"),
        ({"name": "not a slug", "kind": "error_rate"}, "name"),
        ({"name": "error-rate", "kind": "error_rate"}, "name"),
    ],
)
def test_invalid_rules_are_400(staff_client: Client, body: dict, field: str) -> None:
    AlertRule.objects.get_or_create(name="error-rate", defaults={"kind": "error_rate", "threshold": 0.05})
    response = assert_envelope(send(staff_client, "post", RULES, body), 400)
    assert field in response["details"]


def test_a_rule_with_alerts_cannot_be_deleted(staff_client: Client, firing: Alert) -> None:
    assert_envelope(send(staff_client, "delete", f"{RULES}{firing.rule_id}/"), 409, "conflict")
