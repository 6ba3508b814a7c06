"""Writes on alert rules (API and admin alike): validated, each change recorded as an event."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from apps.events.services import event_append
from apps.monitoring.models import AlertRule
from storyportal.api.exceptions import Conflict, DomainError

UPDATABLE_FIELDS = (
    "name", "description", "kind", "target", "threshold", "window_minutes", "min_requests", "for_seconds",
    "severity", "enabled",
)  # fmt: skip


def _record(rule: AlertRule, event_type: str, **extra: Any) -> None:
    payload = {"name": rule.name, "kind": rule.kind, "threshold": rule.threshold, "enabled": rule.enabled, **extra}
    event_append(aggregate_type="AlertRule", aggregate_id=rule.id, event_type=event_type, payload=payload)


def _check(rule: AlertRule) -> None:
    try:
        rule.full_clean()
    except ValidationError as exc:
        raise DomainError("The alert rule is invalid; see details.", details=exc.message_dict) from exc


@transaction.atomic
def alert_rule_create(**fields: Any) -> AlertRule:
    """A new rule; the next evaluation checks it."""
    unknown = set(fields) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not rule fields: {sorted(unknown)}")
    rule = AlertRule(**fields)
    _check(rule)
    rule.save(force_insert=True)
    _record(rule, "AlertRuleCreated")
    return rule


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, **changes: Any) -> AlertRule:
    """Change a rule; ``AlertRuleUpdated`` names the fields that really changed. Its open
    alert, if any, is resolved by the next evaluation once the new condition does not hold."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not rule fields: {sorted(unknown)}")
    locked = AlertRule.objects.select_for_update().get(pk=rule.pk)
    changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    _check(locked)
    locked.save()
    _record(locked, "AlertRuleUpdated", changed=changed)
    return locked


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule) -> None:
    """Remove a rule that never raised an alert (409 otherwise: alerts are history; disable it)."""
    # The row lock keeps an evaluation (which skips locked rules) from opening an alert
    # between the check and the delete.
    locked = AlertRule.objects.select_for_update().get(pk=rule.pk)
    if locked.alerts.exists():
        raise Conflict("The rule has alerts, which are kept as history; disable it instead.")
    _record(locked, "AlertRuleDeleted")
    locked.delete()
