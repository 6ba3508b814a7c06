"""``goals/`` (contract, Resources): CRUD, status moves, key results, history and analytics.
Reads need ``read:services``, writes ``write:services`` (any writer may update any goal)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from apps.goals import analytics, selectors, services
from apps.goals.api.serializers import (
    AnalyticsQuerySerializer,
    GoalInputSerializer,
    GoalProgressSerializer,
    GoalSerializer,
    KeyResultSerializer,
)
from apps.goals.models import LIVE_STATUSES, Goal, GoalStatus, KeyResult

HISTORY_LIMIT = 1000


class GoalFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=GoalStatus.choices)
    owner = django_filters.CharFilter(field_name="owner__username", max_length=150)
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    overdue = django_filters.BooleanFilter(method="filter_overdue")
    workflow = django_filters.UUIDFilter(field_name="workflows__id")
    agent = django_filters.UUIDFilter(field_name="agents__id")

    class Meta:
        model = Goal
        fields = ["status", "owner", "search", "overdue", "workflow", "agent"]

    def filter_search(self, queryset: QuerySet[Goal], name: str, value: str) -> QuerySet[Goal]:
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

    def filter_overdue(self, queryset: QuerySet[Goal], name: str, value: bool) -> QuerySet[Goal]:
        late = Q(status__in=LIVE_STATUSES, target_date__lt=timezone.now().date())
        return queryset.filter(late) if value else queryset.exclude(late)


def _goal_response(goal: Goal, code: int = status.HTTP_200_OK) -> Response:
    return Response(GoalSerializer(selectors.goal_list().get(pk=goal.pk)).data, status=code)


class GoalViewSet(viewsets.ModelViewSet[Goal]):
    """Goals with measurable key results. A new goal is ``open`` with progress 0; progress
    follows its key results and linked workflows' successful runs."""

    serializer_class = GoalSerializer
    filterset_class = GoalFilter
    ordering_fields = ["title", "status", "progress", "target_date", "created_at", "updated_at", "achieved_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Goal]:
        return selectors.goal_list().distinct()

    @extend_schema(request=GoalInputSerializer, responses={201: GoalSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = GoalInputSerializer(data=request.data, context={"request": request}, creating=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.setdefault("owner", request.user)
        draft = fields.pop("draft", None)
        if draft is not None:
            goal = services.goal_from_draft(draft=draft, **fields)
        else:
            goal = services.goal_create(**fields)
        return _goal_response(goal, status.HTTP_201_CREATED)

    @extend_schema(request=GoalInputSerializer, responses=GoalSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        goal = self.get_object()
        serializer = GoalInputSerializer(
            data=request.data, context={"request": request}, partial=kwargs.get("partial", False)
        )
        serializer.is_valid(raise_exception=True)
        return _goal_response(services.goal_update(goal=goal, **serializer.validated_data))

    def perform_destroy(self, instance: Goal) -> None:
        services.goal_delete(goal=instance)

    def _move(self, target: str, only_from: tuple[str, ...] | None = None) -> Response:
        return _goal_response(services.goal_move(goal=self.get_object(), status=target, only_from=only_from))

    @extend_schema(request=None, responses=GoalSerializer)
    @action(detail=True, methods=["post"])
    def achieve(self, request: Request, pk: str | None = None) -> Response:
        """open or in_progress -> achieved (progress 100; 409 otherwise)."""
        return self._move(GoalStatus.ACHIEVED)

    @extend_schema(request=None, responses=GoalSerializer)
    @action(detail=True, methods=["post"])
    def abandon(self, request: Request, pk: str | None = None) -> Response:
        """open or in_progress -> abandoned (409 otherwise)."""
        return self._move(GoalStatus.ABANDONED)

    @extend_schema(request=None, responses=GoalSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str | None = None) -> Response:
        """achieved or abandoned -> in_progress (409 otherwise); progress is computed again."""
        return self._move(GoalStatus.IN_PROGRESS, only_from=(GoalStatus.ACHIEVED, GoalStatus.ABANDONED))

    @extend_schema(responses=GoalProgressSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, filter_backends=[], pagination_class=None)
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The goal's progress points, oldest first (its last 1000): the burn-up chart."""
        points = list(selectors.goal_history(goal=self.get_object()).reverse()[:HISTORY_LIMIT])[::-1]
        return Response(GoalProgressSerializer(points, many=True).data)

    @extend_schema(
        parameters=[AnalyticsQuerySerializer],
        responses=inline_serializer(
            "GoalAnalytics",
            {
                "total": serializers.IntegerField(),
                "by_status": serializers.DictField(child=serializers.IntegerField()),
                "completion_rate": serializers.FloatField(),
                "median_time_to_achieve_seconds": serializers.FloatField(allow_null=True),
                "average_progress": serializers.FloatField(allow_null=True),
                "overdue": serializers.IntegerField(),
                "by_owner": serializers.ListField(child=serializers.DictField()),
                "days": serializers.ListField(child=serializers.DictField()),
            },
        ),
    )
    @action(detail=False, methods=["get"], filterset_class=None, filter_backends=[], pagination_class=None)
    def analytics(self, request: Request) -> Response:
        """Completion rate, median time to achieve, counts by status and owner, and daily
        history (``?days=`` 1-365, default 30; ``?owner=`` a username)."""
        query = AnalyticsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        owner = query.validated_data.get("owner")
        body = analytics.goal_analytics(days=query.validated_data["days"], owner_id=owner.pk if owner else None)
        return Response(body)


class KeyResultViewSet(viewsets.ModelViewSet[KeyResult]):
    """``goals/{goal_id}/key-results/``: a goal's measurable results. Changing one (most
    often its ``current_value``) moves the goal's progress."""

    serializer_class = KeyResultSerializer
    filterset_class = None
    filter_backends: list[Any] = []
    pagination_class = None

    def _goal(self) -> Goal:
        return get_object_or_404(Goal.objects.all(), pk=self.kwargs["goal_id"])

    def get_queryset(self) -> QuerySet[KeyResult]:
        return KeyResult.objects.filter(goal=self._goal()).order_by("created_at")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = KeyResultSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.key_result_add(goal=self._goal(), **serializer.validated_data)
        return Response(KeyResultSerializer(result).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        result = self.get_object()
        serializer = KeyResultSerializer(result, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        updated = services.key_result_update(result=result, **serializer.validated_data)
        return Response(KeyResultSerializer(updated).data)

    def perform_destroy(self, instance: KeyResult) -> None:
        services.key_result_delete(result=instance)
