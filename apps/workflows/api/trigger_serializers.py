"""Shapes of schedules and webhook triggers."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.workflows.models import WebhookTrigger, WorkflowSchedule
from apps.workflows.selectors import workflow_list


class ScheduleSerializer(serializers.ModelSerializer[WorkflowSchedule]):
    workflow = serializers.PrimaryKeyRelatedField(queryset=workflow_list())
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    inputs = serializers.DictField(required=False, default=dict)
    timezone = serializers.CharField(max_length=64, required=False, default="UTC")

    class Meta:
        model = WorkflowSchedule
        fields = ["id", "workflow", "cron", "timezone", "inputs", "enabled", "created_by", "last_run_at", "created_at",
                  "updated_at"]  # fmt: skip
        read_only_fields = ["id", "created_by", "last_run_at", "created_at", "updated_at"]

    def validate_workflow(self, value: Any) -> Any:
        if self.instance is not None and value != self.instance.workflow:
            raise serializers.ValidationError("A schedule cannot move to another workflow; make a new one.")
        return value


class WebhookTriggerSerializer(serializers.ModelSerializer[WebhookTrigger]):
    workflow = serializers.PrimaryKeyRelatedField(queryset=workflow_list())
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)
    signed = serializers.BooleanField(default=True, help_text="Require an X-StoryPortal-Signature on each call.")

    class Meta:
        model = WebhookTrigger
        fields = ["id", "workflow", "name", "token_prefix", "signed", "enabled", "created_by", "last_used_at",
                  "created_at"]  # fmt: skip
        read_only_fields = ["id", "token_prefix", "created_by", "last_used_at", "created_at"]

    def to_representation(self, instance: WebhookTrigger) -> dict[str, Any]:
        body = super().to_representation(instance)
        body["signed"] = bool(instance.signing_secret)
        return body
