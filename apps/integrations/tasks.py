"""Celery tasks of outbound webhooks: thin wrappers over :mod:`apps.integrations.services`."""

from __future__ import annotations

from typing import Any

from apps.integrations.services import deliveries_due, delivery_attempt
from storyportal.celery import app


@app.task(name="integrations.deliver", acks_late=True, reject_on_worker_lost=True)
def deliver(delivery_id: str) -> None:
    """Send one attempt of a webhook delivery (a retry is scheduled in the row, not here)."""
    delivery_attempt(delivery_id)


@app.task(name="integrations.dispatch_due")
def dispatch_due() -> dict[str, Any]:
    """Every 5 s (beat): deliveries whose retry is due, or whose worker or task was lost."""
    due = deliveries_due()
    for delivery_id in due:
        deliver.delay(delivery_id)
    return {"dispatched": len(due)}
