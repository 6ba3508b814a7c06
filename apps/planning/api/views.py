"""``planner/drafts/``: plan a workflow from a goal, fix the plan, accept or reject it."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.planning import selectors, services
from apps.planning.api.serializers import (
    AcceptSerializer,
    DraftCreateSerializer,
    DraftSerializer,
    DraftUpdateSerializer,
)
from apps.planning.models import DraftStatus, WorkflowDraft
from storyportal.api.principal import caller_label
from storyportal.api.views import validated


class DraftFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=DraftStatus.choices)

    class Meta:
        model = WorkflowDraft
        fields = ["status"]


class WorkflowDraftViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[WorkflowDraft]):
    """Workflow drafts the planner proposed. Reads need ``read:services``; planning, fixing and
    deciding need ``write:services``. Planning calls a model, so it also counts against the
    ``llm_generate`` limit (10/min)."""

    serializer_class = DraftSerializer
    filterset_class = DraftFilter
    ordering_fields = ["created_at", "decided_at", "name", "status"]
    ordering = ["-created_at"]

    @property
    def throttle_scope(self) -> str | None:
        # Only the create action costs a model call; reading and deciding are ordinary calls.
        return "llm_generate" if getattr(self, "action", None) == "create" else None

    def get_queryset(self) -> QuerySet[WorkflowDraft]:
        return selectors.draft_list()

    @extend_schema(request=DraftCreateSerializer, responses={201: DraftSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Plan a workflow for ``goal`` (201 with the draft; its ``problems`` say what to fix)."""
        data = validated(DraftCreateSerializer, request)
        draft = services.plan_draft(goal=data["goal"], name=data.get("name"), user=request.user,
                                    caller=caller_label(request))  # fmt: skip
        return Response(DraftSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DraftUpdateSerializer, responses=DraftSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Fix the plan; it is validated again (409 once the draft is decided)."""
        draft = self.get_object()
        changes = validated(DraftUpdateSerializer, request, partial=True)
        return Response(DraftSerializer(services.draft_update(draft=draft, **changes)).data)

    @extend_schema(request=AcceptSerializer, responses=DraftSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Create the workflow (400 with the problems while invalid; 409 if decided or the name is taken)."""
        draft = self.get_object()
        name = validated(AcceptSerializer, request).get("name")
        return Response(DraftSerializer(services.draft_accept(draft=draft, user=request.user, name=name)).data)

    @extend_schema(request=None, responses=DraftSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Set the draft aside (409 if decided)."""
        return Response(DraftSerializer(services.draft_reject(draft=self.get_object(), user=request.user)).data)
