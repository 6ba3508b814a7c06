"""On a real Celery worker: a notification in a committed transaction reaches the receiver,
and a retry due later is sent by the dispatcher."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.utils import timezone

from apps.integrations.models import WebhookDelivery
from apps.integrations.services import webhooks_notify
from apps.integrations.tasks import dispatch_due
from storyportal.celery import app
from tests.support.worker import celery_worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

QUEUE = "integrations-tests"


@pytest.fixture
def worker() -> Iterator[None]:
    before = app.conf.task_default_queue
    app.conf.task_default_queue = QUEUE
    try:
        with celery_worker("integrations-worker", queue=QUEUE, extra_env={"WEBHOOK_RETRY_BASE_SECONDS": "1"}):
            yield
    finally:
        app.conf.task_default_queue = before


def _wait_for(delivery: WebhookDelivery, status: str, timeout: float = 30) -> WebhookDelivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status == status:
            return delivery
        time.sleep(0.1)
    raise AssertionError(f"delivery still {delivery.status} after {delivery.attempts} attempt(s)")


def test_a_committed_notification_is_delivered_and_retried(worker, make_endpoint, receiver) -> None:
    receiver.fail_first = 1
    make_endpoint()
    with transaction.atomic():
        [delivery] = webhooks_notify(event_type="WorkflowCompleted", payload={"run_id": "r1"})
        assert receiver.requests == []  # nothing is sent before the transaction commits
    deadline = time.monotonic() + 30
    while delivery.attempts == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
        delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == ("pending", 500)
    time.sleep(max(0.0, (delivery.next_attempt_at - timezone.now()).total_seconds()) + 0.1)  # 1 s backoff
    assert dispatch_due() == {"dispatched": 1}
    delivery = _wait_for(delivery, "succeeded")
    assert (delivery.attempts, len(receiver.requests)) == (2, 2)
