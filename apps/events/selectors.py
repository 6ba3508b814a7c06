"""Reads on the event store."""

from __future__ import annotations

from datetime import datetime

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


def event_search(
    *,
    actor: str | None = None,
    request_id: str | None = None,
    event_type: str | None = None,
    aggregate_type: str | None = None,
    aggregate_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    include_service_calls: bool = False,
) -> QuerySet[Event]:
    """Events matching every given filter, newest first. ``actor`` and ``request_id`` are read
    from the metadata ``event_append`` stamps on each event. ``ServiceInvoked`` events (one per
    hub call) are left out unless asked for, by flag or by ``event_type``."""
    events = Event.objects.all()
    exact = {
        "metadata__actor": actor,
        "metadata__request_id": request_id,
        "event_type": event_type,
        "aggregate_type": aggregate_type,
        "aggregate_id": aggregate_id,
        "timestamp__gte": since,
        "timestamp__lt": until,
    }
    events = events.filter(**{lookup: value for lookup, value in exact.items() if value is not None})
    if not include_service_calls and event_type is None:
        events = events.exclude(event_type="ServiceInvoked")
    return events.order_by("-timestamp", "-sequence_number")
