"""``workflows/`` and ``workflow-runs/`` (contract, Resources)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.workflows import selectors
from apps.workflows.api.serializers import (
    DecisionSerializer,
    ExecuteSerializer,
    RestoreSerializer,
    WorkflowRunDetailSerializer,
    WorkflowRunSerializer,
    WorkflowSerializer,
    WorkflowVersionSerializer,
)
from apps.workflows.diff import version_diff
from apps.workflows.models import RunStatus, Workflow, WorkflowRun
from apps.workflows.services import approvals, definitions, runs
from storyportal.api.principal import caller_scopes
from storyportal.api.views import validated


class WorkflowFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200)

    class Meta:
        model = Workflow
        fields = ["search"]

    def filter_search(self, queryset: QuerySet[Workflow], name: str, value: str) -> QuerySet[Workflow]:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class WorkflowViewSet(viewsets.ModelViewSet[Workflow]):
    """Workflow definitions. Every saved change is a new version; DELETE hides the workflow
    and keeps its runs. Reads need ``read:services``; writes and runs ``write:services``."""

    serializer_class = WorkflowSerializer
    filterset_class = WorkflowFilter
    ordering_fields = ["name", "created_at", "updated_at", "version"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Workflow]:
        return selectors.workflow_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(WorkflowSerializer, request)
        workflow = definitions.workflow_create(user=request.user, **data)
        return Response(WorkflowSerializer(workflow).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        workflow = self.get_object()
        changes = validated(WorkflowSerializer, request, instance=workflow, partial=kwargs.get("partial", False))
        saved = definitions.workflow_update(workflow=workflow, user=request.user, **changes)
        return Response(WorkflowSerializer(saved).data)

    def perform_destroy(self, instance: Workflow) -> None:
        definitions.workflow_archive(workflow=instance)

    @extend_schema(responses=WorkflowVersionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """Every saved version, newest first."""
        versions = selectors.workflow_versions(self.get_object())
        page = self.paginator.paginate_queryset(versions, request, view=self) if self.paginator else None
        return self.get_paginated_response(WorkflowVersionSerializer(page or [], many=True).data)

    @extend_schema(responses=WorkflowVersionSerializer)
    @action(detail=True, methods=["get"], url_path=r"versions/(?P<number>[0-9]{1,9})", url_name="version")
    def version(self, request: Request, pk: str | None = None, number: str = "") -> Response:
        found = get_object_or_404(selectors.workflow_versions(self.get_object()), version=int(number))
        return Response(WorkflowVersionSerializer(found).data)

    @extend_schema(
        parameters=[OpenApiParameter("from", int, required=True), OpenApiParameter("to", int, required=False)],
        responses=dict,
    )
    @action(detail=True, methods=["get"], filterset_class=None, filter_backends=[])
    def diff(self, request: Request, pk: str | None = None) -> Response:
        """What changed from version ``from`` to version ``to`` (default: the newest)."""
        workflow = self.get_object()
        numbers = {}
        for key, default in (("from", None), ("to", workflow.version)):
            raw = request.query_params.get(key, default)
            if raw is None or not str(raw).isdigit():
                raise exceptions.ValidationError({key: ["A version number is required."]})
            numbers[key] = int(raw)
        versions = selectors.workflow_versions(workflow)
        old = get_object_or_404(versions, version=numbers["from"])
        new = get_object_or_404(versions, version=numbers["to"])
        return Response(version_diff(old, new))

    @extend_schema(request=RestoreSerializer, responses=WorkflowSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request: Request, pk: str | None = None) -> Response:
        """Save an old version's definition as the newest version."""
        number = validated(RestoreSerializer, request)["version"]
        workflow = definitions.workflow_restore(workflow=self.get_object(), version=number, user=request.user)
        return Response(WorkflowSerializer(workflow).data)

    @extend_schema(request=ExecuteSerializer, responses={202: dict})
    @action(detail=True, methods=["post"])
    def execute(self, request: Request, pk: str | None = None) -> Response:
        """Queue a run of the newest version with these inputs (202); workers run it."""
        inputs = validated(ExecuteSerializer, request)["inputs"]
        run = runs.run_execute(
            workflow=self.get_object(), inputs=inputs, user=request.user, scopes=caller_scopes(request)
        )
        return Response({"run_id": str(run.id), "status": run.status}, status=status.HTTP_202_ACCEPTED)


class RunFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)
    workflow = django_filters.UUIDFilter(field_name="workflow_id")
    trigger = django_filters.CharFilter(max_length=16)

    class Meta:
        model = WorkflowRun
        fields = ["status", "workflow", "trigger"]


class WorkflowRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[WorkflowRun]):
    """Runs with their steps; cancel, and approval decisions (``write:services``)."""

    filterset_class = RunFilter
    ordering_fields = ["created_at", "started_at", "finished_at", "status"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[WorkflowRun]:
        return selectors.run_detail_list() if self.action != "list" else selectors.run_list()

    def get_serializer_class(self) -> type[WorkflowRunSerializer]:
        return WorkflowRunSerializer if self.action == "list" else WorkflowRunDetailSerializer

    def _detail(self, run: WorkflowRun) -> Response:
        return Response(WorkflowRunDetailSerializer(selectors.run_detail_list().get(pk=run.pk)).data)

    @extend_schema(request=None, responses=WorkflowRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Stop the run (409 if it already ended)."""
        return self._detail(runs.run_cancel(run=self.get_object()))

    def _decide(self, request: Request, approve: bool) -> Response:
        data = validated(DecisionSerializer, request)
        run = self.get_object()
        approvals.approval_decide(run=run, user=request.user, approve=approve, **data)
        return self._detail(run)

    @extend_schema(request=DecisionSerializer, responses=WorkflowRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        """Approve the waiting approval step ``step_id`` (409 if it is not waiting)."""
        return self._decide(request, approve=True)

    @extend_schema(request=DecisionSerializer, responses=WorkflowRunDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        """Reject it: the run fails (409 if it is not waiting)."""
        return self._decide(request, approve=False)
