"""Alert rules are edited in the admin (through the services); alerts are read-only there,
with an acknowledge action."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.events.models import Event
from apps.monitoring.alerts import alerts_evaluate
from apps.monitoring.models import Alert, AlertRule, AlertStatus

pytestmark = pytest.mark.django_db
RULES = "/admin/monitoring/alertrule/"
ALERTS = "/admin/monitoring/alert/"


def test_admin_edits_a_rule_through_the_services(staff_client: Client) -> None:
    rule = AlertRule.objects.get(name="latency-p99")
    assert staff_client.get(RULES).status_code == 200
    form = {
        "name": rule.name, "description": rule.description, "kind": rule.kind, "target": "", "threshold": "750",
        "window_minutes": "15", "min_requests": "20", "for_seconds": "0", "severity": "critical", "enabled": "on",
    }  # fmt: skip
    response = staff_client.post(f"{RULES}{rule.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.threshold, rule.window_minutes, rule.severity) == (750, 15, "critical")
    assert Event.objects.filter(aggregate_id=rule.pk, event_type="AlertRuleUpdated").exists()

    invalid = staff_client.post(f"{RULES}{rule.pk}/change/", {**form, "kind": "backend_down", "target": "mysql"})
    assert invalid.status_code == 200  # the form again, with the error
    assert "Name a backend" in invalid.content.decode()


def test_admin_acknowledges_alerts_but_cannot_edit_them(staff_client: Client, only_rules, settings) -> None:
    settings.OLLAMA_URL = "http://127.0.0.1:9"
    only_rules(name="ollama-down", kind="backend_down", target="ollama")
    alerts_evaluate()
    alert = Alert.objects.get()
    assert staff_client.get(ALERTS).status_code == 200
    assert staff_client.get(f"{ALERTS}{alert.pk}/change/").status_code == 200
    assert staff_client.get(f"{ALERTS}add/").status_code == 403
    response = staff_client.post(ALERTS, {"action": "acknowledge_selected", "_selected_action": [str(alert.pk)]})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    assert alert.acknowledged_by is not None
