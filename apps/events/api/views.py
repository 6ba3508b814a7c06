"""``events/``: the read-only event store (contract, Resources)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from rest_framework import viewsets

from apps.events import selectors
from apps.events.api.serializers import EventSerializer
from apps.events.models import Event
from storyportal.api.permissions import is_platform_admin


class EventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="timestamp", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["aggregate_id", "aggregate_type", "event_type"]


class EventViewSet(viewsets.ReadOnlyModelViewSet[Event]):
    """Every recorded change, newest first. Filter by aggregate, type and time; account
    events (users, keys, sessions) are listed for ``admin:platform`` callers only."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["timestamp", "sequence_number"]
    ordering = ["-timestamp", "-sequence_number"]

    def get_queryset(self) -> QuerySet[Event]:
        return selectors.event_list(include_account_events=is_platform_admin(self.request))
