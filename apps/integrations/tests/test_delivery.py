"""Queuing deliveries, sending them signed, retrying with backoff, and giving up."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.events.models import Event
from apps.integrations.models import DeliveryStatus, WebhookDelivery
from apps.integrations.services import (
    deliveries_due,
    delivery_attempt,
    delivery_redeliver,
    retry_delay,
    webhooks_notify,
)
from apps.integrations.signing import verify
from storyportal.api.exceptions import Conflict

pytestmark = pytest.mark.django_db

WORKFLOW, OTHER_WORKFLOW = uuid.uuid4(), uuid.uuid4()


def _notify(event_type: str = "WorkflowCompleted", **payload) -> list[WebhookDelivery]:
    with transaction.atomic():
        return webhooks_notify(event_type=event_type, payload=payload or {"run_id": "r1"})


def _make_due(delivery: WebhookDelivery) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_notify_queues_only_for_subscribed_enabled_matching_endpoints(
    make_endpoint, django_capture_on_commit_callbacks
) -> None:
    every = make_endpoint("every")
    mine = make_endpoint("mine", workflow_id=WORKFLOW)
    make_endpoint("theirs", workflow_id=OTHER_WORKFLOW)
    make_endpoint("failures", events=["WorkflowFailed"])
    make_endpoint("off", enabled=False)
    with django_capture_on_commit_callbacks() as callbacks:
        queued = _notify(workflow_id=str(WORKFLOW), run_id="r1")
    assert {d.endpoint_id for d in queued} == {every.id, mine.id}
    assert {d.status for d in queued} == {DeliveryStatus.PENDING}
    assert len(callbacks) == 1  # the tasks are sent once the caller's transaction commits

    unscoped = webhooks_notify(event_type="AlertRaised", payload={"alert": "disk"})
    assert unscoped == []
    make_endpoint("alerts", events=["AlertRaised", "WorkflowCompleted"], workflow_id=OTHER_WORKFLOW)
    assert len(webhooks_notify(event_type="AlertRaised", payload={"alert": "disk"})) == 1


def test_notify_without_endpoints_is_one_query(db, django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        assert webhooks_notify(event_type="WorkflowCompleted", payload={"workflow_id": str(WORKFLOW)}) == []


def test_post_is_signed_with_the_endpoint_secret(make_endpoint, receiver, settings) -> None:
    endpoint = make_endpoint()
    [delivery] = _notify(workflow_id=str(WORKFLOW), outputs={"n": 1})
    delivery_attempt(delivery.id)

    [request] = receiver.requests
    headers = request.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == f"StoryPortal-Webhooks/{settings.VERSION}"
    assert headers["X-StoryPortal-Event"] == "WorkflowCompleted"
    assert headers["X-StoryPortal-Delivery"] == str(delivery.id)
    timestamp, signature = headers["X-StoryPortal-Timestamp"], headers["X-StoryPortal-Signature"]
    assert signature.startswith("sha256=")
    assert verify(endpoint.secret, timestamp, request.body, signature)
    assert not verify("whsec_wrong", timestamp, request.body, signature)
    assert not verify(endpoint.secret, timestamp, request.body.replace(b'"n":1', b'"n":2'), signature)
    assert not verify(endpoint.secret, timestamp, request.body, signature, now=int(timestamp) + 301)
    body = json.loads(request.body)
    assert body == {
        "id": str(delivery.id),
        "event": "WorkflowCompleted",
        "created_at": delivery.created_at.isoformat(),
        "data": {"workflow_id": str(WORKFLOW), "outputs": {"n": 1}},
    }

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("succeeded", 1, 200)
    assert delivery.delivered_at is not None
    event = Event.objects.get(event_type="WebhookDelivered")
    assert (event.aggregate_type, event.aggregate_id) == ("WebhookEndpoint", endpoint.id)
    assert event.payload["delivery_id"] == str(delivery.id)


def test_retry_delay_doubles_up_to_an_hour(settings) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 10
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 5)] == [10, 20, 40, 160]
    assert retry_delay(10) == timedelta(hours=1)


def test_a_500_is_retried_after_the_backoff_then_succeeds(make_endpoint, receiver) -> None:
    receiver.fail_first = 1
    make_endpoint()
    [delivery] = _notify()

    before = timezone.now()
    delivery_attempt(delivery.id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status) == ("pending", 1, 500)
    assert delivery.error.startswith("HTTP 500")
    assert before + timedelta(seconds=10) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=10)

    delivery_attempt(delivery.id)  # not due yet: nothing is sent
    assert len(receiver.requests) == 1
    assert deliveries_due() == []

    _make_due(delivery)
    assert deliveries_due() == [str(delivery.id)]
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is None  # queued: the next beat does not send it again
    assert deliveries_due() == []
    delivery_attempt(delivery.id)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_status, delivery.error) == ("succeeded", 2, 200, "")
    first, second = receiver.requests
    assert first.headers["X-StoryPortal-Delivery"] == second.headers["X-StoryPortal-Delivery"]
    assert first.body == second.body


def test_gives_up_after_max_attempts_with_an_event(make_endpoint, receiver, settings) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    receiver.fail_first = 100
    endpoint = make_endpoint()
    [delivery] = _notify()
    delays = []
    for _ in range(3):
        _make_due(delivery)
        delivery_attempt(delivery.id)
        delivery.refresh_from_db()
        if delivery.next_attempt_at:
            delays.append(round((delivery.next_attempt_at - timezone.now()).total_seconds()))
    assert delays == [10, 20]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert len(receiver.requests) == 3
    event = Event.objects.get(event_type="WebhookFailed")
    assert (event.aggregate_id, event.payload["attempts"]) == (endpoint.id, 3)
    assert event.payload["error"].startswith("HTTP 500")
    delivery_attempt(delivery.id)  # finished: never sent again
    assert len(receiver.requests) == 3


def test_timeouts_and_refused_connections_are_failed_attempts(make_endpoint, receiver, settings) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.delay = 2
    make_endpoint("slow")
    make_endpoint("closed", url="http://127.0.0.1:9/hook")
    slow, closed = sorted(_notify(), key=lambda d: d.endpoint.name != "slow")
    delivery_attempt(slow.id)
    delivery_attempt(closed.id)
    slow.refresh_from_db()
    closed.refresh_from_db()
    assert (slow.attempts, slow.response_status, slow.status) == (1, None, "pending")
    assert slow.error.startswith("Timed out after 1 s")
    assert closed.error.startswith("ConnectError")
    assert len(closed.error) <= 1000


def test_redirects_are_not_followed(make_endpoint, receiver) -> None:
    make_endpoint(url=receiver.url("/redirect"))
    [delivery] = _notify()
    delivery_attempt(delivery.id)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status, delivery.error) == ("pending", 302, "HTTP 302 Found")
    assert [r.path for r in receiver.requests] == ["/redirect"]


def test_redeliver_queues_a_copy_of_a_finished_delivery(make_endpoint, receiver) -> None:
    make_endpoint()
    [delivery] = _notify(run_id="r9")
    with pytest.raises(Conflict):
        delivery_redeliver(delivery=delivery)
    delivery_attempt(delivery.id)
    delivery.refresh_from_db()
    copy = delivery_redeliver(delivery=delivery)
    assert copy.id != delivery.id
    assert (copy.status, copy.attempts, copy.event_type, copy.payload) == (
        "pending",
        0,
        "WorkflowCompleted",
        {"run_id": "r9"},
    )
    delivery_attempt(copy.id)
    assert [r.headers["X-StoryPortal-Delivery"] for r in receiver.requests] == [str(delivery.id), str(copy.id)]


def test_dead_workers_and_lost_tasks_are_sent_again(make_endpoint) -> None:
    make_endpoint()
    leased, queued, lost = _notify() + _notify() + _notify()
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=leased.pk).update(next_attempt_at=now - timedelta(seconds=1))  # lease ran out
    WebhookDelivery.objects.filter(pk=lost.pk).update(queued_at=now - timedelta(minutes=11))
    assert sorted(deliveries_due()) == sorted([str(leased.id), str(lost.id)])
    assert deliveries_due() == []
    assert WebhookDelivery.objects.get(pk=queued.pk).next_attempt_at is None
