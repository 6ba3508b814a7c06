from __future__ import annotations

from rest_framework import serializers

from apps.events.models import Event


class EventSerializer(serializers.ModelSerializer[Event]):
    class Meta:
        model = Event
        fields = [
            "id", "aggregate_id", "aggregate_type", "event_type", "payload", "metadata", "timestamp", "sequence_number",
        ]  # fmt: skip
        read_only_fields = fields
