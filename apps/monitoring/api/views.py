"""``monitoring/summary/``, ``monitoring/alerts/`` and ``monitoring/alert-rules/`` (contract,
Resources). Reads need ``read:services``; acknowledging an alert ``write:services``; changing
rules ``admin:platform``."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.scopes import ADMIN, READ, WRITE
from apps.monitoring import alert_selectors, alerts, rules
from apps.monitoring.api.serializers import AlertRuleSerializer, AlertSerializer, SummaryQuerySerializer
from apps.monitoring.models import Alert, AlertRule, AlertStatus, RuleKind, Severity
from apps.monitoring.summary import monitoring_summary


class SummaryView(APIView):
    """Request rate (per second), 5xx error rate (0-1) and latency percentiles (ms) over the
    last ``window`` minutes (5, 15 or 60; default 5), every window under ``windows``, the
    backends' status and the open alerts."""

    required_scope = READ

    @extend_schema(parameters=[SummaryQuerySerializer], responses=dict)
    def get(self, request: Request) -> Response:
        query = SummaryQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(monitoring_summary(window=query.validated_data["window"]))


class AlertFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=AlertStatus.choices)
    severity = django_filters.MultipleChoiceFilter(choices=Severity.choices)
    rule = django_filters.CharFilter(field_name="rule__name", max_length=64)
    kind = django_filters.ChoiceFilter(field_name="rule__kind", choices=RuleKind.choices)
    since = django_filters.IsoDateTimeFilter(field_name="started_at", lookup_expr="gte")

    class Meta:
        model = Alert
        fields = ["status", "severity", "rule", "kind", "since"]


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Alert]):
    """Alerts newest first; ``POST {id}/acknowledge/`` takes a firing one (409 otherwise)."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    ordering_fields = ["started_at", "resolved_at", "severity", "status"]
    ordering = ["-started_at"]
    action_scopes = {"acknowledge": WRITE}

    def get_queryset(self) -> QuerySet[Alert]:
        return alert_selectors.alert_list()

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        alert = alerts.alert_acknowledge(alert=self.get_object(), user=request.user)
        return Response(AlertSerializer(alert_selectors.alert_list().get(pk=alert.pk)).data)


class AlertRuleViewSet(viewsets.ModelViewSet[AlertRule]):
    """The rules the periodic evaluation checks; anyone reading may list them, only
    ``admin:platform`` may change them (as in the admin)."""

    serializer_class = AlertRuleSerializer
    filterset_fields = ["kind", "enabled"]
    ordering_fields = ["name", "kind", "severity"]
    ordering = ["name"]
    required_scopes = {"POST": ADMIN, "PUT": ADMIN, "PATCH": ADMIN, "DELETE": ADMIN}

    def get_queryset(self) -> QuerySet[AlertRule]:
        return alert_selectors.alert_rule_list()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule = rules.alert_rule_create(**serializer.validated_data)
        return Response(AlertRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(rule, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        rule = rules.alert_rule_update(rule=rule, **serializer.validated_data)
        return Response(AlertRuleSerializer(rule).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rules.alert_rule_delete(rule=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
