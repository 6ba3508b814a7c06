"""Outbound webhooks: endpoints (each write records its event), queuing deliveries when
something happens, and sending them, signed, with retries.

Sending one attempt:

1. Claim: a conditional UPDATE leases the pending delivery to this worker (``next_attempt_at``
   moves a few timeouts ahead), so two workers handed the same delivery never both send it.
2. POST, outside any transaction: a slow receiver must not hold a row lock.
3. Record the outcome: succeeded, due again after a backoff, or failed for good (with a
   ``WebhookDelivered`` / ``WebhookFailed`` event). A worker that dies mid-send lets the lease
   run out, and :func:`deliveries_due` hands the delivery to another.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from apps.events.services import event_append
from apps.integrations import signing
from apps.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from storyportal.api.exceptions import Conflict, DomainError

logger = logging.getLogger(__name__)

UPDATABLE_FIELDS = ("name", "url", "events", "workflow_id", "enabled")
TEST_EVENT = "WebhookTest"
MAX_ERROR_LENGTH = 1000
MAX_RETRY_DELAY = timedelta(hours=1)
# A queued delivery whose task never reached a worker (the broker lost it, or was down when
# the transaction committed) is sent again after this long.
LOST_AFTER = timedelta(minutes=10)
DUE_BATCH = 500


# --- Endpoints --------------------------------------------------------------------------------


def _public(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the secret, and only the URL's origin: receivers such as chat webhooks put their
    # token in the path or query, and events are readable with read:services.
    parts = urlsplit(endpoint.url)
    return {
        "id": str(endpoint.id),
        "name": endpoint.name,
        "url_origin": f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}",
        "events": endpoint.events,
        "workflow_id": str(endpoint.workflow_id) if endpoint.workflow_id else None,
        "enabled": endpoint.enabled,
    }


def _record(endpoint: WebhookEndpoint, event_type: str, **extra: Any) -> None:
    event_append(
        aggregate_type="WebhookEndpoint",
        aggregate_id=endpoint.id,
        event_type=event_type,
        payload={**_public(endpoint), **extra},
    )


def _check(endpoint: WebhookEndpoint) -> None:
    """The model's own validation, so a service caller cannot store what the API refuses."""
    try:
        endpoint.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise DomainError("The webhook endpoint is invalid; see details.", details=exc.message_dict) from exc


@transaction.atomic
def endpoint_create(
    *,
    name: str,
    url: str,
    events: list[str],
    workflow_id: uuid.UUID | None = None,
    enabled: bool = True,
    created_by: Any = None,
) -> WebhookEndpoint:
    """Add a receiver; its signing secret is generated here (``whsec_...``)."""
    endpoint = WebhookEndpoint(
        name=name, url=url, events=events, workflow_id=workflow_id, enabled=enabled, created_by=created_by
    )
    _check(endpoint)
    endpoint.save(force_insert=True)
    _record(endpoint, "WebhookEndpointCreated")
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, **changes: Any) -> WebhookEndpoint:
    """Change what an endpoint receives and where. Records ``WebhookEndpointUpdated`` with the
    fields that really changed; a change of nothing records nothing."""
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    locked = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    changed = sorted(field for field, value in changes.items() if getattr(locked, field) != value)
    if not changed:
        return locked
    for field in changed:
        setattr(locked, field, changes[field])
    _check(locked)
    locked.save()
    _record(locked, "WebhookEndpointUpdated", changed=changed)
    return locked


@transaction.atomic
def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and its deliveries; its history stays in the event store."""
    _record(endpoint, "WebhookEndpointDeleted")
    endpoint.delete()


def endpoint_test(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a ``WebhookTest`` delivery to one endpoint, whatever it subscribes to and even
    when disabled, so an admin can check a receiver before turning it on."""
    payload = {"endpoint_id": str(endpoint.id), "message": "A test delivery from Story Portal."}
    with transaction.atomic():
        return _queue([endpoint.id], TEST_EVENT, payload)[0]


# --- Queuing ----------------------------------------------------------------------------------


def webhooks_notify(
    *, event_type: str, payload: dict[str, Any], workflow_id: uuid.UUID | str | None = None
) -> list[WebhookDelivery]:
    """Queue ``event_type`` for every enabled endpoint that subscribes to it.

    Call it inside the transaction that makes the event true (a run finishing): the deliveries
    commit with it, and their tasks are sent only once it commits. ``workflow_id`` (or the
    payload's ``workflow_id``) leaves out endpoints narrowed to another workflow; an event
    without one reaches every subscriber. One query when nobody subscribes.
    """
    workflow = workflow_id if workflow_id is not None else payload.get("workflow_id")
    endpoints = WebhookEndpoint.objects.filter(enabled=True, events__contains=[event_type])
    if workflow:
        endpoints = endpoints.filter(Q(workflow_id__isnull=True) | Q(workflow_id=uuid.UUID(str(workflow))))
    endpoint_ids = list(endpoints.values_list("id", flat=True))
    if not endpoint_ids:
        return []
    return _queue(endpoint_ids, event_type, payload)


def _queue(endpoint_ids: list[uuid.UUID], event_type: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint_id=pk, event_type=event_type, payload=payload, queued_at=now) for pk in endpoint_ids]
    )
    delivery_ids = [str(delivery.id) for delivery in deliveries]
    # robust: a broker that is down must not fail the committed change that notified; the
    # deliveries stay pending and deliveries_due sends them once LOST_AFTER has passed.
    transaction.on_commit(lambda: _send_tasks(delivery_ids), robust=True)
    return deliveries


def _send_tasks(delivery_ids: list[str]) -> None:
    from apps.integrations.tasks import deliver  # the tasks module imports this one

    for delivery_id in delivery_ids:
        deliver.delay(delivery_id)


@transaction.atomic
def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished delivery again, as a new pending delivery with a new id (409 for one
    that is still pending: it will be tried again anyway)."""
    if delivery.status == DeliveryStatus.PENDING:
        raise Conflict("The delivery is still pending; it will be tried again.", details={"status": delivery.status})
    return _queue([delivery.endpoint_id], delivery.event_type, delivery.payload)[0]


@transaction.atomic
def deliveries_due() -> list[str]:
    """Deliveries to hand to a worker now: retries whose backoff is over, leases of dead
    workers that ran out, and queued deliveries whose task was lost. They are marked queued
    (``next_attempt_at`` NULL) so the next beat does not send them again."""
    now = timezone.now()
    # SKIP LOCKED: two dispatchers (a beat running twice) split the due rows between them.
    due = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
        Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True, queued_at__lt=now - LOST_AFTER),
        status=DeliveryStatus.PENDING,
    )
    delivery_ids = [str(pk) for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:DUE_BATCH]]
    WebhookDelivery.objects.filter(pk__in=delivery_ids).update(next_attempt_at=None, queued_at=now)
    return delivery_ids


# --- Sending ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Response:
    status_code: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure a delivery is tried again (doubling, at most
    an hour)."""
    delay = timedelta(seconds=settings.WEBHOOK_RETRY_BASE_SECONDS * 2 ** (attempts - 1))
    return min(delay, MAX_RETRY_DELAY)


def _lease() -> timedelta:
    # Connect, send and wait for the status line each have the timeout; then some slack.
    return timedelta(seconds=3 * settings.WEBHOOK_TIMEOUT_SECONDS + 30)


def delivery_body(delivery: WebhookDelivery) -> bytes:
    """The POST body; the same bytes on every attempt of a delivery."""
    document = {
        "id": str(delivery.id),
        "event": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def delivery_headers(delivery: WebhookDelivery, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": f"StoryPortal-Webhooks/{settings.VERSION}",
        signing.EVENT_HEADER: delivery.event_type,
        signing.DELIVERY_HEADER: str(delivery.id),
        signing.TIMESTAMP_HEADER: str(timestamp),
        signing.SIGNATURE_HEADER: signing.sign(delivery.endpoint.secret, timestamp, body),
    }


def delivery_attempt(delivery_id: uuid.UUID | str) -> None:
    """Send one attempt of a pending delivery that is due; nothing if it is not (finished,
    waiting for its backoff, or another worker holds it)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return
    _finish(delivery, _post(delivery))


def _claim(delivery_id: uuid.UUID | str) -> WebhookDelivery | None:
    now = timezone.now()
    # The conditional UPDATE is the lock (committed at once, outside any transaction): of two
    # workers handed the same delivery (the task and a dispatcher's, a message redelivered by
    # the broker), one moves next_attempt_at into the future and the other matches no row.
    claimed = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), pk=delivery_id, status=DeliveryStatus.PENDING
    ).update(next_attempt_at=now + _lease())
    if claimed != 1:
        return None
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def _post(delivery: WebhookDelivery) -> _Response:
    body = delivery_body(delivery)
    headers = delivery_headers(delivery, body, int(time.time()))
    try:
        with (
            httpx.Client(timeout=settings.WEBHOOK_TIMEOUT_SECONDS, follow_redirects=False, trust_env=False) as client,
            client.stream("POST", delivery.endpoint.url, content=body, headers=headers) as response,
        ):
            # The status is the answer; the body is never read, however large or slow it is.
            status = response.status_code
            reason = response.reason_phrase
    except httpx.TimeoutException as exc:
        return _Response(None, f"Timed out after {settings.WEBHOOK_TIMEOUT_SECONDS} s ({type(exc).__name__}).")
    except httpx.HTTPError as exc:
        return _Response(None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH])
    return _Response(status, "" if 200 <= status < 300 else f"HTTP {status} {reason}".strip()[:MAX_ERROR_LENGTH])


@transaction.atomic
def _finish(delivery: WebhookDelivery, response: _Response) -> None:
    now = timezone.now()
    # The lease keeps other senders away; the row lock makes ``attempts += 1`` safe anyway.
    locked = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    locked.attempts += 1
    locked.response_status = response.status_code
    locked.error = response.error
    if response.ok:
        locked.status, locked.delivered_at, locked.next_attempt_at = DeliveryStatus.SUCCEEDED, now, None
        _record_outcome(delivery.endpoint, locked, "WebhookDelivered")
    elif locked.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        locked.status, locked.next_attempt_at = DeliveryStatus.FAILED, None
        _record_outcome(delivery.endpoint, locked, "WebhookFailed")
    else:
        locked.next_attempt_at = now + retry_delay(locked.attempts)
        logger.info("webhook delivery %s attempt %s failed: %s", locked.pk, locked.attempts, locked.error)
    locked.save(update_fields=["attempts", "response_status", "error", "status", "delivered_at", "next_attempt_at"])


def _record_outcome(endpoint: WebhookEndpoint, delivery: WebhookDelivery, event_type: str) -> None:
    event_append(
        aggregate_type="WebhookEndpoint",
        aggregate_id=endpoint.id,
        event_type=event_type,
        payload={
            "endpoint": endpoint.name,
            "delivery_id": str(delivery.id),
            "event_type": delivery.event_type,
            "attempts": delivery.attempts,
            "response_status": delivery.response_status,
            "error": delivery.error,
        },
    )
