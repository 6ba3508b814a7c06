"""The alert lifecycle: the periodic evaluation opens and resolves alerts, people acknowledge
them. Every change is announced (:mod:`apps.monitoring.notify`).

Races: each rule is evaluated inside a transaction holding its row lock, taken with SKIP
LOCKED, so two evaluations running at once (a beat that fired twice, a manual run) split the
rules between them instead of both opening an alert for the same rule; the partial unique
index ``alerts_one_open_per_rule`` backs that up in the database.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.monitoring.conditions import Inputs, Reading, read
from apps.monitoring.models import OPEN_STATUSES, Alert, AlertRule, AlertStatus
from apps.monitoring.notify import ACKNOWLEDGED, FIRING, RESOLVED, alert_announce
from storyportal.api.exceptions import Conflict

logger = logging.getLogger(__name__)


def alerts_evaluate(*, now: datetime | None = None) -> dict[str, int]:
    """Check every rule once: open an alert for a rule whose condition holds (for its
    ``for_seconds``), resolve the open alert of one whose condition cleared or that was
    disabled. Returns how many alerts were fired and resolved."""
    moment = now or timezone.now()
    rules = list(AlertRule.objects.all())
    inputs = Inputs(rule for rule in rules if rule.enabled)
    outcome = {"rules": len(rules), "fired": 0, "resolved": 0}
    for rule in rules:
        try:
            change = _evaluate(rule.pk, inputs, moment)
        except Exception:
            # One rule whose input failed must not keep the others from being checked.
            logger.exception("alert rule %s could not be evaluated", rule.name)
            continue
        if change:
            outcome[change] += 1
    return outcome


@transaction.atomic
def _evaluate(rule_id: uuid.UUID, inputs: Inputs, now: datetime) -> str | None:
    rule = AlertRule.objects.select_for_update(skip_locked=True).filter(pk=rule_id).first()
    if rule is None:  # deleted meanwhile, or another evaluation holds it right now
        return None
    alert = rule.alerts.filter(status__in=OPEN_STATUSES).first()
    if not rule.enabled:
        _pending(rule, None)
        return _resolve(alert, now, {"message": "The rule was disabled."}) if alert else None
    reading = read(rule, inputs)
    if not reading.holds:
        _pending(rule, None)
        return _resolve(alert, now, reading.details) if alert else None
    if alert is not None:
        if alert.last_value != reading.value:
            alert.last_value = reading.value
            alert.save(update_fields=["last_value"])
        return None
    since = rule.pending_since or now
    _pending(rule, since)
    if (now - since).total_seconds() < rule.for_seconds:
        return None
    _fire(rule, reading, now)
    return "fired"


def _pending(rule: AlertRule, since: datetime | None) -> None:
    if rule.pending_since != since:
        rule.pending_since = since
        rule.save(update_fields=["pending_since"])


def _fire(rule: AlertRule, reading: Reading, now: datetime) -> Alert:
    alert = Alert.objects.create(
        rule=rule,
        severity=rule.severity,
        status=AlertStatus.FIRING,
        started_at=rule.pending_since or now,
        last_value=reading.value,
        details=reading.details,
    )
    logger.warning("alert %s firing: %s", rule.name, reading.details.get("message", ""))
    alert_announce(alert, FIRING)
    return alert


def _resolve(alert: Alert, now: datetime, details: dict[str, Any]) -> str:
    alert.status, alert.resolved_at = AlertStatus.RESOLVED, now
    alert.details = {**alert.details, "resolution": details}
    alert.save(update_fields=["status", "resolved_at", "details"])
    logger.info("alert %s resolved", alert.rule.name)
    alert_announce(alert, RESOLVED)
    return "resolved"


@transaction.atomic
def alert_acknowledge(*, alert: Alert, user: Any) -> Alert:
    """Someone is on it: a firing alert becomes acknowledged (409 for one that is not firing).
    It stays open until its condition clears."""
    locked = Alert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
    if locked.status != AlertStatus.FIRING:
        raise Conflict(f"Only a firing alert can be acknowledged; this one is {locked.status}.")
    locked.status, locked.acknowledged_at, locked.acknowledged_by = AlertStatus.ACKNOWLEDGED, timezone.now(), user
    locked.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    alert_announce(locked, ACKNOWLEDGED)
    return locked
