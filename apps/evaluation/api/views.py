"""``evaluations/``: score an output with deterministic checks and a model judge."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.evaluation import selectors, services
from apps.evaluation.api.serializers import EvaluateSerializer, EvaluationSerializer
from apps.evaluation.models import Evaluation, SubjectType
from storyportal.api.principal import caller_label
from storyportal.api.views import validated


class EvaluationFilter(django_filters.FilterSet):
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices)
    subject_id = django_filters.UUIDFilter()
    passed = django_filters.BooleanFilter()

    class Meta:
        model = Evaluation
        fields = ["subject_type", "subject_id", "passed"]


class EvaluationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Evaluation]):
    """Evaluations of outputs. Reads need ``read:services``; evaluating ``write:services``
    (with a rubric it calls the judge model: 503 while Ollama is unavailable)."""

    serializer_class = EvaluationSerializer
    filterset_class = EvaluationFilter
    ordering_fields = ["created_at", "score"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Evaluation]:
        return selectors.evaluation_list()

    @extend_schema(request=EvaluateSerializer, responses={201: EvaluationSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(EvaluateSerializer, request)
        evaluation = services.evaluate(user=request.user, caller=caller_label(request), **data)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)
