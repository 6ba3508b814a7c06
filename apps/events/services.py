"""Appending to the event store."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction

from apps.events.models import Event
from storyportal.api import actor, request_id
from storyportal.realtime.publish import publish_soon

# Pub/sub channel of each aggregate type (contract, Events); others go to notifications:user.
CHANNELS = {
    "Agent": "events:agent",
    "Service": "events:service",
    "Workflow": "events:workflow",
    "WorkflowRun": "events:workflow",
    "ToolExecution": "events:workflow",
    "Goal": "events:goal",
}
DEFAULT_CHANNEL = "notifications:user"

_NEXT_SEQUENCE = """
    INSERT INTO event_streams (aggregate_id, aggregate_type, version, created_at, updated_at)
    VALUES (%s, %s, 1, now(), now())
    ON CONFLICT (aggregate_id) DO UPDATE
        SET version = event_streams.version + 1, updated_at = now()
    RETURNING version
"""


def channel_for(aggregate_type: str) -> str:
    return CHANNELS.get(aggregate_type, DEFAULT_CHANNEL)


def _next_sequence(aggregate_id: uuid.UUID, aggregate_type: str) -> int:
    # The upsert takes a row lock that a concurrent appender of the same aggregate waits on
    # until we commit or roll back; with the bump inside our transaction, numbers never skip.
    with connection.cursor() as cursor:
        cursor.execute(_NEXT_SEQUENCE, [aggregate_id, aggregate_type])
        return int(cursor.fetchone()[0])


def event_append(
    *,
    aggregate_type: str,
    aggregate_id: uuid.UUID | str,
    event_type: str,
    payload: dict[str, Any],
    metadata: dict[str, Any] | None = None,
) -> Event:
    """Record an event in the caller's transaction (it commits or rolls back with the change
    it describes) and publish it on the feed once that transaction commits.

    Metadata gets the current request id and actor unless the caller sets them.
    """
    aggregate_uuid = uuid.UUID(str(aggregate_id))
    meta = {"request_id": request_id.current(), "actor": actor.current(), **(metadata or {})}
    with transaction.atomic():
        event = Event.objects.create(
            aggregate_id=aggregate_uuid,
            aggregate_type=aggregate_type,
            event_type=event_type,
            payload=payload,
            metadata=meta,
            sequence_number=_next_sequence(aggregate_uuid, aggregate_type),
        )
        transaction.on_commit(lambda: event_publish(event))
    return event


def event_publish(event: Event) -> None:
    """Announce a stored event on Redis pub/sub and to WebSocket subscribers (from a
    background thread, so the committing request does not wait for it)."""
    publish_soon(
        channel_for(event.aggregate_type),
        event.event_type,
        event.payload,
        extra={
            "event_id": str(event.id),
            "aggregate_type": event.aggregate_type,
            "aggregate_id": str(event.aggregate_id),
            "sequence_number": event.sequence_number,
        },
    )
