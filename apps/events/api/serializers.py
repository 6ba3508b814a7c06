from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.events.models import Event


class EventSerializer(serializers.ModelSerializer[Event]):
    class Meta:
        model = Event
        fields = [
            "id", "aggregate_id", "aggregate_type", "event_type", "payload", "metadata", "timestamp", "sequence_number",
        ]  # fmt: skip
        read_only_fields = fields

    def to_representation(self, instance: Event) -> dict[str, Any]:
        # The same output as the generated fields, written out: lists of events are the
        # busiest read of the API and per-field dispatch is most of their cost.
        return {
            "id": str(instance.id),
            "aggregate_id": str(instance.aggregate_id),
            "aggregate_type": instance.aggregate_type,
            "event_type": instance.event_type,
            "payload": instance.payload,
            "metadata": instance.metadata,
            "timestamp": TIMESTAMP.to_representation(instance.timestamp),
            "sequence_number": instance.sequence_number,
        }


TIMESTAMP = serializers.DateTimeField()
