"""Checks shared by the model (admin forms) and the API serializers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

MAX_EVENT_TYPE_LENGTH = 64
MAX_EVENT_TYPES = 50
# Webhook-only event types an endpoint may subscribe to besides the stored events' types: the
# monitoring alerts' lifecycle (docs/MONITORING.md).
ALERT_EVENT_TYPES = ("AlertFiring", "AlertAcknowledged", "AlertResolved")

# Only http and https: a webhook is an HTTP POST (Django's URLField also allows ftp).
validate_webhook_url = URLValidator(schemes=["http", "https"], message="Enter an http:// or https:// URL.")


def validate_event_types(value: Any) -> None:
    """A non-empty list of event type names such as ``WorkflowCompleted``."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Enter a non-empty list of event types.")
    if len(value) > MAX_EVENT_TYPES:
        raise ValidationError(f"Enter at most {MAX_EVENT_TYPES} event types.")
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_EVENT_TYPE_LENGTH:
            raise ValidationError(
                f"Every event type must be a non-empty string of at most {MAX_EVENT_TYPE_LENGTH} characters."
            )
