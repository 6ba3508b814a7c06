"""Alert, alert rule and summary shapes (``monitoring/``)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from apps.monitoring.models import Alert, AlertRule
from apps.monitoring.summary import DEFAULT_WINDOW, WINDOWS


class AlertSerializer(serializers.ModelSerializer[Alert]):
    """The contract's fields (``rule`` is the rule's name) and the lifecycle's moments."""

    rule = serializers.CharField(source="rule.name", read_only=True)
    rule_id = serializers.UUIDField(source="rule.id", read_only=True)
    kind = serializers.CharField(source="rule.kind", read_only=True)
    # Not enums in the schema: other "status" and "severity" enums would collide by name.
    status = serializers.CharField(read_only=True, help_text="firing, acknowledged or resolved")
    severity = serializers.CharField(read_only=True, help_text="info, warning or critical")
    acknowledged_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = Alert
        fields = ["id", "rule", "rule_id", "kind", "severity", "status", "started_at", "acknowledged_at",
                  "acknowledged_by", "resolved_at", "last_value", "details"]  # fmt: skip
        read_only_fields = fields


class AlertRuleSerializer(serializers.ModelSerializer[AlertRule]):
    """Output, and input of create and update (admin:platform)."""

    name = serializers.SlugField(
        max_length=64,
        validators=[UniqueValidator(queryset=AlertRule.objects.all(), message="A rule with that name exists.")],
    )
    severity = serializers.ChoiceField(choices=["info", "warning", "critical"], default="warning")

    class Meta:
        model = AlertRule
        fields = ["id", "name", "description", "kind", "target", "threshold", "window_minutes", "min_requests",
                  "for_seconds", "severity", "enabled", "pending_since", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["id", "pending_since", "created_at", "updated_at"]


class SummaryQuerySerializer(serializers.Serializer[Any]):
    window = serializers.ChoiceField(
        choices=list(WINDOWS), default=DEFAULT_WINDOW, help_text="Minutes the top-level figures cover."
    )
