"""The event store (spec 3.2)."""

from __future__ import annotations

import uuid

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

__all__ = ["Event", "EventStream"]


class EventStream(models.Model):
    """One row per aggregate holding its last sequence number.

    Appending an event bumps ``version`` with an upsert in the writer's transaction; the row
    lock serialises concurrent writers of one aggregate and a rollback takes the bump back,
    so sequence numbers stay gap-free.
    """

    aggregate_id = models.UUIDField(primary_key=True)
    aggregate_type = models.CharField(max_length=64)
    version = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "event_streams"

    def __str__(self) -> str:
        return f"{self.aggregate_type} {self.aggregate_id} v{self.version}"


class Event(models.Model):
    """Something that happened to an aggregate. Never updated or deleted; ``timestamp`` is
    its creation time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    aggregate_id = models.UUIDField()
    aggregate_type = models.CharField(max_length=64)
    event_type = models.CharField(max_length=64)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    metadata = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    timestamp = models.DateTimeField(auto_now_add=True)
    sequence_number = models.PositiveBigIntegerField()

    class Meta:
        db_table = "events"
        ordering = ["-timestamp", "-sequence_number"]
        constraints = [
            models.UniqueConstraint(fields=["aggregate_id", "sequence_number"], name="events_aggregate_sequence_uniq"),
        ]
        indexes = [
            # aggregate_id is covered by the unique constraint's index.
            models.Index(fields=["timestamp"], name="events_timestamp_idx"),
            models.Index(fields=["aggregate_type", "event_type"], name="events_type_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}:{self.aggregate_id} #{self.sequence_number}"
