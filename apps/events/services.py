"""Appending to the event store."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

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

# One round trip per event: bump the aggregate's stream and insert the event with the new
# number. The upsert takes a row lock that a concurrent appender of the same aggregate waits
# on until we commit or roll back; with the bump inside our transaction, numbers never skip.
_APPEND = """
    WITH stream AS (
        INSERT INTO event_streams (aggregate_id, aggregate_type, version, created_at, updated_at)
        VALUES (%(aggregate_id)s, %(aggregate_type)s, 1, %(now)s, %(now)s)
        ON CONFLICT (aggregate_id) DO UPDATE
            SET version = event_streams.version + 1, updated_at = EXCLUDED.updated_at
        RETURNING version
    )
    INSERT INTO events (id, aggregate_id, aggregate_type, event_type, payload, metadata, timestamp, sequence_number)
    SELECT %(id)s, %(aggregate_id)s, %(aggregate_type)s, %(event_type)s, %(payload)s, %(metadata)s, %(now)s, version
    FROM stream
    RETURNING sequence_number
"""


def channel_for(aggregate_type: str) -> str:
    return CHANNELS.get(aggregate_type, DEFAULT_CHANNEL)


def _insert(event: Event) -> int:
    def prep(name: str) -> Any:
        field = Event._meta.get_field(name)
        assert isinstance(field, Field)
        return field.get_db_prep_save(getattr(event, name), connection)

    with connection.cursor() as cursor:
        cursor.execute(
            _APPEND,
            {
                "id": prep("id"),
                "aggregate_id": prep("aggregate_id"),
                "aggregate_type": event.aggregate_type,
                "event_type": event.event_type,
                "payload": prep("payload"),
                "metadata": prep("metadata"),
                "now": prep("timestamp"),
            },
        )
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
    # No savepoint of its own: an event that cannot be stored fails the caller's transaction.
    event = Event(
        aggregate_id=aggregate_uuid,
        aggregate_type=aggregate_type,
        event_type=event_type,
        payload=payload,
        metadata=meta,
        timestamp=timezone.now(),
    )
    with transaction.atomic(savepoint=False):
        event.sequence_number = _insert(event)
        event._state.adding = False
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
