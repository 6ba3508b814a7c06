"""Outbound webhooks: where to send which events, and every delivery with its attempts."""

from __future__ import annotations

import secrets
import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from apps.integrations.validation import validate_event_types, validate_webhook_url

__all__ = ["DeliveryStatus", "WebhookDelivery", "WebhookEndpoint", "generate_secret"]

SECRET_PREFIX = "whsec_"  # noqa: S105 (a prefix, not a secret)


def generate_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A receiver of signed POSTs for the event types it subscribes to. ``workflow_id``
    narrows events that carry a workflow to that one workflow; others are not narrowed."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100, unique=True)
    url = models.URLField(max_length=2000, validators=[validate_webhook_url])
    # Kept in clear: the platform signs with it. The API shows it once, in the create response.
    secret = models.CharField(max_length=100, default=generate_secret, editable=False)
    events = models.JSONField(default=list, validators=[validate_event_types])
    workflow_id = models.UUIDField(null=True, blank=True, help_text="Empty: every workflow.")
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "webhook_endpoints"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint, tried until it succeeds or runs out of attempts.

    While ``pending``, ``next_attempt_at`` says when it may be tried: NULL (queued now), a
    retry's due time, or the lease of the worker sending it (which a dead worker lets expire).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # When a task was last sent for it: a queued delivery whose task was lost is sent again.
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "webhook_deliveries"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_deliveries_due_idx")]

    def __str__(self) -> str:
        return f"{self.event_type} to {self.endpoint_id} ({self.status})"
