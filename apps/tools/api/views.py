"""``tools/`` (the registry, and running a tool) and ``tool-executions/`` (the log of runs)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.tools import selectors, services
from apps.tools.api.serializers import ToolExecuteSerializer, ToolExecutionSerializer
from apps.tools.models import ExecutionStatus, ToolExecution
from storyportal.api.principal import caller_label
from storyportal.api.views import validated

NAME = OpenApiParameter("name", str, OpenApiParameter.PATH, description="The tool's name, e.g. http_request.")


class ToolViewSet(viewsets.ViewSet):
    """The registered tools with their input and output schemas. Reads need ``read:services``;
    running a tool needs ``write:services`` (tools have side effects)."""

    lookup_field = "name"

    @extend_schema(operation_id="tools_list", responses=dict)
    def list(self, request: Request) -> Response:
        tools = [spec.document() for spec in selectors.tool_list()]
        return Response({"total": len(tools), "tools": tools})

    @extend_schema(parameters=[NAME], responses=dict)
    def retrieve(self, request: Request, name: str) -> Response:
        return Response(selectors.tool_get(name).document())

    @extend_schema(parameters=[NAME], request=ToolExecuteSerializer, responses={201: ToolExecutionSerializer})
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, name: str) -> Response:
        """Run the tool; a run that fails is still 201, with status ``failed`` and its error."""
        data = validated(ToolExecuteSerializer, request)
        execution = services.tool_execute(
            name=name,
            inputs=data["inputs"],
            caller=caller_label(request),
            user=request.user,
            idempotency_key=data["idempotency_key"],
        )
        return Response(ToolExecutionSerializer(execution).data, status=status.HTTP_201_CREATED)


class ToolExecutionFilter(django_filters.FilterSet):
    tool = django_filters.CharFilter(max_length=100)
    status = django_filters.ChoiceFilter(choices=ExecutionStatus.choices)
    run_id = django_filters.UUIDFilter()

    class Meta:
        model = ToolExecution
        fields = ["tool", "status", "run_id"]


class ToolExecutionViewSet(viewsets.ReadOnlyModelViewSet[ToolExecution]):
    """Every tool run, newest first: filter by tool, status and workflow run."""

    serializer_class = ToolExecutionSerializer
    filterset_class = ToolExecutionFilter
    ordering_fields = ["created_at", "duration_ms"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[ToolExecution]:
        return selectors.tool_execution_list()
