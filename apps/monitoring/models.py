"""Alert rules (spec 4.2: error rate, p99 latency, backend down, queue backlog) and the
alerts they raise, with their lifecycle: firing, acknowledged, resolved."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

__all__ = ["Alert", "AlertRule", "AlertStatus", "RuleKind", "Severity"]


class RuleKind(models.TextChoices):
    ERROR_RATE = "error_rate", "Error rate (5xx share of requests, 0-1)"
    LATENCY_P99 = "latency_p99", "p99 latency (ms)"
    BACKEND_DOWN = "backend_down", "Backend down"
    QUEUE_BACKLOG = "queue_backlog", "Queue backlog (tasks waiting)"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertStatus(models.TextChoices):
    FIRING = "firing", "Firing"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (AlertStatus.FIRING, AlertStatus.ACKNOWLEDGED)
REQUEST_KINDS = (RuleKind.ERROR_RATE, RuleKind.LATENCY_P99)
MAX_WINDOW_MINUTES = 60  # request statistics are kept for two hours; windows up to one


class AlertRule(models.Model):
    """A condition checked by the periodic evaluation. ``threshold`` is in the kind's unit
    (a fraction for error rate, ms for latency, tasks for a backlog; unused for backend down);
    ``target`` names the backend (``postgres``) or queue (empty: the deepest queue).
    ``pending_since`` is the evaluator's state: when the condition started holding, so a rule
    with ``for_seconds`` fires only once it has held that long."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(max_length=64, unique=True)
    description = models.CharField(max_length=300, blank=True, default="")
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    target = models.CharField(max_length=64, blank=True, default="")
    threshold = models.FloatField(default=0.0)
    window_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1)], help_text="Request rules: the last N minutes (1-60)."
    )
    min_requests = models.PositiveIntegerField(
        default=10, help_text="Request rules stay quiet below this many requests in the window."
    )
    for_seconds = models.PositiveIntegerField(default=0, help_text="How long the condition must hold before firing.")
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.WARNING)
    enabled = models.BooleanField(default=True)
    pending_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "alert_rules"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """What the field types cannot say, for the admin's form and the services alike."""
        from apps.monitoring.health.checks import CHECKS

        errors: dict[str, str] = {}
        if self.kind == RuleKind.BACKEND_DOWN and self.target not in CHECKS:
            errors["target"] = f"Name a backend: one of {', '.join(CHECKS)}."
        if self.kind == RuleKind.ERROR_RATE and not 0 <= self.threshold < 1:
            errors["threshold"] = "An error rate is a fraction from 0 to 1 (0.05 is 5%)."
        if self.kind in REQUEST_KINDS and not 1 <= self.window_minutes <= MAX_WINDOW_MINUTES:
            errors["window_minutes"] = f"From 1 to {MAX_WINDOW_MINUTES} minutes."
        if self.threshold < 0:
            errors["threshold"] = "A threshold cannot be negative."
        if errors:
            raise ValidationError(errors)


class Alert(models.Model):
    """One episode of a rule's condition holding: opened firing, maybe acknowledged by a
    person, resolved by the evaluator once the condition clears. At most one open alert per
    rule (a partial unique index, so two evaluators cannot both open one)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    rule = models.ForeignKey(AlertRule, on_delete=models.PROTECT, related_name="alerts")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=16, choices=AlertStatus.choices, default=AlertStatus.FIRING)
    started_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)
    details = models.JSONField(default=dict, encoder=DjangoJSONEncoder)

    class Meta:
        db_table = "alerts"
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(fields=["rule"], condition=~Q(status="resolved"), name="alerts_one_open_per_rule")
        ]
        indexes = [models.Index(fields=["status", "-started_at"], name="alerts_status_started_idx")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.status} since {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
