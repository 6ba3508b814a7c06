"""Reads on the event store."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.events.models import Event

# Account events name people and keys; only admin:platform callers read them.
ADMIN_ONLY_AGGREGATES = ("User", "ApiKey", "Session")


def event_list(*, include_account_events: bool) -> QuerySet[Event]:
    events = Event.objects.all()
    return events if include_account_events else events.exclude(aggregate_type__in=ADMIN_ONLY_AGGREGATES)


def events_of(*, aggregate_id: str) -> QuerySet[Event]:
    """One aggregate's history in order."""
    return Event.objects.filter(aggregate_id=aggregate_id).order_by("sequence_number")
