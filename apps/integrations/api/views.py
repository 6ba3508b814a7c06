"""``webhook-endpoints/`` and ``webhook-deliveries/``: admin only, since an endpoint makes the
platform POST to any URL it names (a server-side request forgery waiting to happen)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.scopes import ADMIN
from apps.integrations import selectors, services
from apps.integrations.api import serializers as s
from apps.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from storyportal.api.views import validated


class WebhookEndpointViewSet(viewsets.ModelViewSet[WebhookEndpoint]):
    """Receivers of signed webhook POSTs. The signing secret is in the create response only."""

    serializer_class = s.WebhookEndpointSerializer
    required_scope = ADMIN
    filterset_fields = ["enabled"]
    ordering_fields = ["name", "created_at", "updated_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        return selectors.endpoint_list().select_related("created_by")

    @extend_schema(responses={201: s.WebhookEndpointCreatedSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(s.WebhookEndpointSerializer, request)
        endpoint = services.endpoint_create(created_by=request.user, **data)
        return Response(s.WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        partial = kwargs.get("partial", False)
        changes = validated(s.WebhookEndpointSerializer, request, instance=endpoint, partial=partial)
        return Response(s.WebhookEndpointSerializer(services.endpoint_update(endpoint=endpoint, **changes)).data)

    def perform_destroy(self, instance: WebhookEndpoint) -> None:
        services.endpoint_delete(endpoint=instance)

    @extend_schema(request=None, responses={202: s.WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str | None = None) -> Response:
        """Queue a ``WebhookTest`` delivery to this endpoint (even a disabled one)."""
        delivery = services.endpoint_test(endpoint=self.get_object())
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryFilter(django_filters.FilterSet):
    endpoint = django_filters.UUIDFilter(field_name="endpoint_id")
    status = django_filters.ChoiceFilter(choices=DeliveryStatus.choices)
    event_type = django_filters.CharFilter(max_length=64)

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type"]


class WebhookDeliveryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[WebhookDelivery]
):
    """Every delivery with its attempts, newest first; a finished one can be sent again."""

    serializer_class = s.WebhookDeliverySerializer
    required_scope = ADMIN
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        return selectors.delivery_list()

    @extend_schema(request=None, responses={202: s.WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request: Request, pk: str | None = None) -> Response:
        """Queue a finished delivery again, as a new delivery (409 while it is pending)."""
        delivery = services.delivery_redeliver(delivery=self.get_object())
        return Response(s.WebhookDeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)
