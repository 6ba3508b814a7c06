"""Reads on webhook endpoints and deliveries."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.integrations.models import WebhookDelivery, WebhookEndpoint


def endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def delivery_list(*, status: str | None = None) -> QuerySet[WebhookDelivery]:
    """Deliveries, newest first, with their endpoint; optionally of one status."""
    deliveries = WebhookDelivery.objects.select_related("endpoint")
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries
