"""L11 WebhookService: outbound webhook endpoints and deliveries (``apps.integrations``).
Admin only, like the API: an endpoint's URL is where the platform will POST."""

from __future__ import annotations

import uuid
from typing import Any

from apps.accounts.scopes import ADMIN
from apps.integrations import selectors, services
from apps.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from apps.services.catalog.schemas import LIMIT, UUID, obj
from apps.services.registry import Caller, MethodError, method, service

STATUS = {"enum": [choice.value for choice in DeliveryStatus]}
ENDPOINT = obj(
    {
        "id": UUID, "name": {"type": "string"}, "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string"}}, "workflow_id": {"type": ["string", "null"]},
        "enabled": {"type": "boolean"},
    },
    "id", "name", "url", "events", "workflow_id", "enabled",
)  # fmt: skip
DELIVERY = obj(
    {
        "id": UUID, "endpoint_id": UUID, "event_type": {"type": "string"}, "status": STATUS,
        "attempts": {"type": "integer"}, "response_status": {"type": ["integer", "null"]}, "error": {"type": "string"},
        "next_attempt_at": {"type": ["string", "null"]}, "created_at": {"type": "string"},
        "delivered_at": {"type": ["string", "null"]},
    },
    "id", "endpoint_id", "event_type", "status", "attempts",
)  # fmt: skip


def _endpoint(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.id), "name": endpoint.name, "url": endpoint.url, "events": endpoint.events,
        "workflow_id": str(endpoint.workflow_id) if endpoint.workflow_id else None, "enabled": endpoint.enabled,
    }  # fmt: skip


def _when(value: Any) -> str | None:
    return value.isoformat() if value else None


def _delivery(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": str(delivery.id), "endpoint_id": str(delivery.endpoint_id), "event_type": delivery.event_type,
        "status": delivery.status, "attempts": delivery.attempts, "response_status": delivery.response_status,
        "error": delivery.error, "next_attempt_at": _when(delivery.next_attempt_at),
        "created_at": delivery.created_at.isoformat(), "delivered_at": _when(delivery.delivered_at),
    }  # fmt: skip


@service(
    name="WebhookService",
    layer="L11",
    description="Outbound webhooks: signed POSTs of platform events, retried with backoff (admin:platform).",
)
class WebhookService:
    @method(
        description="Every webhook endpoint (never its secret).",
        result=obj({"count": {"type": "integer"}, "endpoints": {"type": "array", "items": ENDPOINT}}, "count"),
        requires=ADMIN,
    )
    def endpoints(self, caller: Caller) -> dict[str, Any]:
        endpoints = [_endpoint(endpoint) for endpoint in selectors.endpoint_list()]
        return {"count": len(endpoints), "endpoints": endpoints}

    @method(
        description="Recent deliveries, newest first, optionally of one status.",
        params=obj({"status": STATUS, "limit": LIMIT}),
        result=obj({"deliveries": {"type": "array", "items": DELIVERY}}, "deliveries"),
        requires=ADMIN,
    )
    def deliveries(self, caller: Caller, status: str | None = None, limit: int = 20) -> dict[str, Any]:
        return {"deliveries": [_delivery(d) for d in selectors.delivery_list(status=status)[:limit]]}

    @method(
        description="Send a finished delivery again, as a new delivery (409 while it is pending).",
        params=obj({"delivery_id": UUID}, "delivery_id"),
        result=DELIVERY,
        writes=True,
        requires=ADMIN,
    )
    def redeliver(self, caller: Caller, delivery_id: str) -> dict[str, Any]:
        try:
            delivery = selectors.delivery_list().filter(pk=uuid.UUID(delivery_id)).first()
        except ValueError:
            delivery = None
        if delivery is None:
            raise MethodError(404, f"No webhook delivery {delivery_id}.")
        return _delivery(services.delivery_redeliver(delivery=delivery))
