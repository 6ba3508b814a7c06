"""Webhook endpoint and delivery shapes (webhook-endpoints/, webhook-deliveries/)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from apps.integrations.validation import MAX_EVENT_TYPE_LENGTH, MAX_EVENT_TYPES, validate_webhook_url


class WebhookEndpointSerializer(serializers.ModelSerializer[WebhookEndpoint]):
    """Output, and input for create and update. The secret is never part of it."""

    name = serializers.CharField(
        max_length=100,
        validators=[
            UniqueValidator(queryset=WebhookEndpoint.objects.all(), message="An endpoint with that name exists.")
        ],
    )
    url = serializers.URLField(max_length=2000)
    events = serializers.ListField(
        child=serializers.CharField(max_length=MAX_EVENT_TYPE_LENGTH),
        allow_empty=False,
        max_length=MAX_EVENT_TYPES,
        help_text='Event types to receive, e.g. ["WorkflowCompleted", "AlertFiring", "AlertResolved"].',
    )
    workflow_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    created_by: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "name", "url", "events", "workflow_id", "enabled", "created_by", "created_at", "updated_at"]
        read_only_fields = ["id", "created_by", "created_at", "updated_at"]

    def validate_url(self, value: str) -> str:
        try:
            validate_webhook_url(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return value


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    """The create response: the only time the signing secret is shown."""

    secret = serializers.CharField(read_only=True, help_text="Verify X-StoryPortal-Signature with it; shown once.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    # Not an enum in the schema: another "status" enum collides with the agents' names.
    status = serializers.CharField(read_only=True, help_text="pending, succeeded or failed")
    endpoint_name = serializers.CharField(source="endpoint.name", read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "endpoint", "endpoint_name", "event_type", "payload", "status", "attempts", "response_status",
            "error", "next_attempt_at", "created_at", "delivered_at",
        ]  # fmt: skip
        read_only_fields = fields
