"""``feedback/`` and ``prompt-templates/`` (L07)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.scopes import READ
from apps.learning import selectors
from apps.learning.api.serializers import (
    FeedbackSerializer,
    GiveFeedbackSerializer,
    PromptTemplateSerializer,
    PromptVersionSerializer,
    RenderSerializer,
    RunSerializer,
)
from apps.learning.models import Feedback, PromptTemplate, SubjectType
from apps.learning.services import feedback, prompts
from storyportal.api.permissions import is_platform_admin
from storyportal.api.principal import caller_label
from storyportal.api.views import validated


class FeedbackFilter(django_filters.FilterSet):
    subject_type = django_filters.ChoiceFilter(choices=SubjectType.choices)
    subject_id = django_filters.UUIDFilter()
    label = django_filters.CharFilter(max_length=50)

    class Meta:
        model = Feedback
        fields = ["subject_type", "subject_id", "label"]


class FeedbackViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Feedback],
):
    """Scores, labels and comments on workflow runs, model calls and prompt versions. Reads
    need ``read:services``, giving ``write:services``; only the author or an admin deletes."""

    serializer_class = FeedbackSerializer
    filterset_class = FeedbackFilter
    ordering_fields = ["created_at", "score"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[Feedback]:
        return selectors.feedback_list()

    @extend_schema(request=GiveFeedbackSerializer, responses={201: FeedbackSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(GiveFeedbackSerializer, request)
        given = feedback.feedback_give(user=request.user, **data)
        return Response(FeedbackSerializer(given).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: Feedback) -> None:
        feedback.feedback_delete(feedback=instance, user=self.request.user,
                                 may_delete_any=is_platform_admin(self.request))  # fmt: skip


class TemplateFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    use_case = django_filters.CharFilter(max_length=32)

    class Meta:
        model = PromptTemplate
        fields = ["search", "use_case"]

    def filter_search(self, queryset: QuerySet[PromptTemplate], name: str, value: str) -> QuerySet[PromptTemplate]:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))


class PromptTemplateViewSet(viewsets.ModelViewSet[PromptTemplate]):
    """Prompt templates; every change of the text is a new version. Rendering needs only
    ``read:services``; running calls a model, needs ``write:services`` and counts against the
    ``llm_generate`` limit (10/min)."""

    serializer_class = PromptTemplateSerializer
    filterset_class = TemplateFilter
    ordering_fields = ["name", "created_at", "updated_at", "current_version"]
    ordering = ["name"]
    action_scopes = {"render": READ}

    @property
    def throttle_scope(self) -> str | None:
        return "llm_generate" if getattr(self, "action", None) == "run" else None

    def get_queryset(self) -> QuerySet[PromptTemplate]:
        return selectors.template_list()

    def _shown(self, template: PromptTemplate, code: int = status.HTTP_200_OK) -> Response:
        return Response(PromptTemplateSerializer(selectors.template_list().get(pk=template.pk)).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = prompts.template_create(user=request.user, **validated(PromptTemplateSerializer, request))
        return self._shown(template, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        template = self.get_object()
        partial = kwargs.get("partial", False)
        changes = validated(PromptTemplateSerializer, request, instance=template, partial=partial)
        note = changes.pop("note", "")
        return self._shown(prompts.template_update(template=template, user=request.user, note=note, **changes))

    def perform_destroy(self, instance: PromptTemplate) -> None:
        prompts.template_delete(template=instance)

    @extend_schema(responses=PromptVersionSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None, filter_backends=[])
    def versions(self, request: Request, pk: str | None = None) -> Response:
        """The versions, newest first, each with its average score and feedback count (feedback
        on the version and on the model calls made from it)."""
        found = selectors.version_list(template=self.get_object())
        page = self.paginator.paginate_queryset(found, request, view=self) if self.paginator else None
        return self.get_paginated_response(PromptVersionSerializer(page or [], many=True).data)

    @extend_schema(request=RenderSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def render(self, request: Request, pk: str | None = None) -> Response:
        """The current (or given) version's text rendered with ``variables`` (400 naming an
        undefined variable)."""
        data = validated(RenderSerializer, request)
        template = self.get_object()
        number = data.get("version") or template.current_version
        text = prompts.template_render(template=template, variables=data["variables"], version=number)
        return Response({"template": template.name, "version": number, "text": text})

    @extend_schema(request=RunSerializer, responses=dict)
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: str | None = None) -> Response:
        """Render and send to the model: the answer and its ``request_id`` (give feedback on
        that ``llm_request`` and it counts towards this version)."""
        data = validated(RunSerializer, request)
        made = prompts.template_run(
            template=self.get_object(), variables=data["variables"], user=request.user, caller=caller_label(request),
            model=data.get("model"), version=data.get("version"),
        )  # fmt: skip
        return Response({"template": made.version.template.name, "version": made.version.version,
                         "prompt": made.prompt, **made.answer.generate_document()})  # fmt: skip
