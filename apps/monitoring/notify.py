"""Telling the world about an alert's change: the event store, outbound webhooks and the
``alerts`` feed channel. Called inside the transaction that makes the change; the event and
the webhook deliveries commit with it, the feed message goes out once it has committed."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.events.services import event_append
from apps.integrations.services import webhooks_notify
from apps.integrations.validation import ALERT_EVENT_TYPES
from apps.monitoring.models import Alert
from storyportal.realtime.publish import publish_soon

ALERTS_CHANNEL = "alerts"
FIRING, ACKNOWLEDGED, RESOLVED = ALERT_EVENT_TYPES


def alert_document(alert: Alert) -> dict[str, Any]:
    """The alert as the API, the feed and webhook receivers see it."""
    by = alert.acknowledged_by
    return {
        "id": str(alert.id),
        "rule": alert.rule.name,
        "kind": alert.rule.kind,
        "severity": alert.severity,
        "status": alert.status,
        "started_at": alert.started_at.isoformat(),
        "acknowledged_at": alert.acknowledged_at.isoformat() if alert.acknowledged_at else None,
        "acknowledged_by": by.get_username() if by is not None else None,
        "resolved_at": alert.resolved_at.isoformat() if alert.resolved_at else None,
        "last_value": alert.last_value,
        "details": alert.details,
    }


def alert_announce(alert: Alert, event_type: str) -> None:
    payload = alert_document(alert)
    event_append(aggregate_type="Alert", aggregate_id=alert.id, event_type=event_type, payload=payload)
    webhooks_notify(event_type=event_type, payload=payload)
    transaction.on_commit(lambda: publish_soon(ALERTS_CHANNEL, event_type, payload))
