"""``workflow-schedules/``, ``workflow-webhooks/`` and the public ``hooks/<token>/``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.scopes import WRITE
from apps.integrations.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from apps.workflows.api.trigger_serializers import ScheduleSerializer, WebhookTriggerSerializer
from apps.workflows.errors import WebhookRefused
from apps.workflows.models import WebhookTrigger, WorkflowSchedule
from apps.workflows.services import triggers
from apps.workflows.services.runs import run_execute
from storyportal.api.errors import envelope
from storyportal.api.principal import caller_scopes
from storyportal.api.views import validated


class ScheduleViewSet(viewsets.ModelViewSet[WorkflowSchedule]):
    """Cron schedules; each starts runs as the person who made it (``write:services``)."""

    serializer_class = ScheduleSerializer
    filterset_fields = ["workflow", "enabled"]
    ordering_fields = ["created_at", "last_run_at"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet[WorkflowSchedule]:
        return WorkflowSchedule.objects.filter(workflow__archived_at__isnull=True).select_related("created_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(ScheduleSerializer, request)
        schedule = triggers.schedule_create(
            workflow=data["workflow"], cron=data["cron"], user=request.user, scopes=caller_scopes(request),
            inputs=data["inputs"],
            timezone_name=data["timezone"], enabled=data.get("enabled", True),
        )  # fmt: skip
        return Response(ScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        schedule = self.get_object()
        changes = validated(ScheduleSerializer, request, instance=schedule, partial=kwargs.get("partial", False))
        changes.pop("workflow", None)
        return Response(ScheduleSerializer(triggers.schedule_update(schedule=schedule, **changes)).data)

    def perform_destroy(self, instance: WorkflowSchedule) -> None:
        triggers.schedule_delete(schedule=instance)


class WebhookTriggerViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[WebhookTrigger],
):
    """Inbound webhook triggers. The create response alone shows the URL and signing secret."""

    serializer_class = WebhookTriggerSerializer
    filterset_fields = ["workflow", "enabled"]
    ordering = ["created_at"]

    def get_queryset(self) -> QuerySet[WebhookTrigger]:
        return WebhookTrigger.objects.filter(workflow__archived_at__isnull=True).select_related("created_by")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(WebhookTriggerSerializer, request)
        made = triggers.webhook_create(workflow=data["workflow"], name=data["name"], user=request.user,
                                       scopes=caller_scopes(request), signed=data["signed"])  # fmt: skip
        body = WebhookTriggerSerializer(made.trigger).data
        body["url"] = request.build_absolute_uri(f"/api/v1/hooks/{made.token}/")
        body["signing_secret"] = made.trigger.signing_secret or None
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: WebhookTrigger) -> None:
        triggers.webhook_delete(trigger=instance)


class HookReceiveView(APIView):
    """Start a run from an outside system: the JSON body (an object) becomes the inputs.
    No login: the secret URL identifies the trigger, and a signed trigger also needs
    ``X-StoryPortal-Timestamp`` and ``X-StoryPortal-Signature: sha256=<hex>`` (HMAC-SHA256 of
    ``<timestamp>.<body>`` with the signing secret, within 5 minutes)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(request=dict, responses={202: dict})
    def post(self, request: Request, token: str) -> Response:
        trigger = (
            WebhookTrigger.objects.select_related("workflow", "created_by")
            .filter(token_hash=triggers.token_hash(token), enabled=True, workflow__archived_at__isnull=True)
            .first()
        )
        if trigger is None:
            return Response(envelope(404, message="No such webhook."), status=404)
        if trigger.signing_secret:
            self._check_signature(request, trigger.signing_secret)
        inputs = request.data
        if not isinstance(inputs, dict):
            return Response(envelope(400, message="The body must be a JSON object (it becomes the run's inputs)."),
                            status=400)  # fmt: skip
        owner = trigger.created_by
        scopes = triggers.trigger_scopes(trigger.scopes, owner)
        if WRITE not in scopes:
            message = "The webhook's owner can no longer run workflows."
            return Response(envelope(403, code="permission_denied", message=message), status=403)
        run = run_execute(workflow=trigger.workflow, inputs=dict(inputs), user=owner, scopes=scopes,
                          trigger="webhook")  # fmt: skip
        WebhookTrigger.objects.filter(pk=trigger.pk).update(last_used_at=timezone.now())
        return Response({"run_id": str(run.id), "status": run.status}, status=status.HTTP_202_ACCEPTED)

    def _check_signature(self, request: Request, secret: str) -> None:
        timestamp = request.headers.get(TIMESTAMP_HEADER, "")
        signature = request.headers.get(SIGNATURE_HEADER, "")
        if not verify(secret, timestamp, request.body, signature):
            raise WebhookRefused("A valid X-StoryPortal-Signature (and a recent X-StoryPortal-Timestamp) is required.")
