"""Reads on alerts and alert rules."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.monitoring.models import Alert, AlertRule


def alert_list() -> QuerySet[Alert]:
    """Alerts newest first, with their rule and acknowledger (no query per row)."""
    return Alert.objects.select_related("rule", "acknowledged_by").order_by("-started_at")


def alert_rule_list() -> QuerySet[AlertRule]:
    return AlertRule.objects.order_by("name")
