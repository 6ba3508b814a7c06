"""``agents/`` (contract, Resources): CRUD, lifecycle actions and the agent's log."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.agents import selectors, services
from apps.agents.api.serializers import AgentSerializer
from apps.agents.models import LAYER_CODES, Agent, AgentStatus
from apps.events.api.serializers import EventSerializer
from storyportal.api.views import validated


class AgentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AgentStatus.choices)
    layer = django_filters.ChoiceFilter(choices=[(code, code) for code in LAYER_CODES])
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Agent
        fields = ["status", "layer", "search"]

    def filter_search(self, queryset: QuerySet[Agent], name: str, value: str) -> QuerySet[Agent]:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class AgentViewSet(viewsets.ModelViewSet[Agent]):
    """Registered agents. Reads need ``read:services``; writes and lifecycle moves need
    ``write:services``."""

    serializer_class = AgentSerializer
    filterset_class = AgentFilter
    ordering_fields = ["name", "layer", "status", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Agent]:
        return selectors.agent_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agent = services.agent_create(**validated(AgentSerializer, request))
        return Response(AgentSerializer(agent).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        agent = self.get_object()
        partial = kwargs.get("partial", False)
        changes = validated(AgentSerializer, request, instance=agent, partial=partial)
        return Response(AgentSerializer(services.agent_update(agent=agent, **changes)).data)

    def perform_destroy(self, instance: Agent) -> None:
        services.agent_delete(agent=instance)

    def _move(self, action_name: str) -> Response:
        agent = services.agent_transition(agent=self.get_object(), action=action_name)
        return Response(AgentSerializer(agent).data)

    @extend_schema(request=None, responses=AgentSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        """registered or paused -> active (409 otherwise)."""
        return self._move("activate")

    @extend_schema(request=None, responses=AgentSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request: Request, pk: str | None = None) -> Response:
        """active -> paused (409 otherwise)."""
        return self._move("pause")

    @extend_schema(request=None, responses=AgentSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: str | None = None) -> Response:
        """Anything but retired -> retired (409 if already retired)."""
        return self._move("retire")

    @extend_schema(responses=EventSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, filter_backends=[])
    def logs(self, request: Request, pk: str | None = None) -> Response:
        """The agent's events, newest first (no filters or ordering)."""
        events = selectors.agent_logs(agent=self.get_object())
        page = self.paginator.paginate_queryset(events, request, view=self) if self.paginator else None
        return self.get_paginated_response(EventSerializer(page or [], many=True).data)
