"""Two workers handed the same delivery at once send it once (the claim)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.integrations.models import WebhookDelivery
from apps.integrations.services import delivery_attempt, webhooks_notify

pytestmark = pytest.mark.django_db(transaction=True)


def _attempt_in_thread(delivery_id: str, barrier: threading.Barrier) -> threading.Thread:
    def run() -> None:
        try:
            barrier.wait()
            delivery_attempt(delivery_id)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_two_concurrent_attempts_send_once(make_endpoint, receiver) -> None:
    receiver.delay = 0.5  # the first attempt is still in flight when the second starts
    make_endpoint()
    [delivery] = webhooks_notify(event_type="WorkflowCompleted", payload={})
    barrier = threading.Barrier(3)
    threads = [_attempt_in_thread(str(delivery.id), barrier) for _ in range(3)]
    for thread in threads:
        thread.join(timeout=10)
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get(pk=delivery.pk)
    assert (delivery.status, delivery.attempts) == ("succeeded", 1)
