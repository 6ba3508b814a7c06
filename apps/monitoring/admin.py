"""Alert rules are edited here (through the services: validated, with events); alerts are
history: listed, filtered and acknowledged, never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.monitoring import alerts, rules
from apps.monitoring.models import Alert, AlertRule, AlertStatus
from storyportal.admin_support import adopt_saved
from storyportal.api import actor
from storyportal.api.exceptions import DomainError
from storyportal.api.principal import caller_label


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "target", "threshold", "window_minutes", "severity", "enabled")
    list_filter = ("kind", "severity", "enabled")
    search_fields = ("name", "description")
    readonly_fields = ("id", "pending_since", "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: AlertRule, form: Any, change: bool) -> None:
        actor.set_current(caller_label(request))
        definition = {field: getattr(obj, field) for field in rules.UPDATABLE_FIELDS}
        if change:
            saved = rules.alert_rule_update(rule=AlertRule.objects.get(pk=obj.pk), **definition)
        else:
            saved = rules.alert_rule_create(**definition)
        adopt_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: AlertRule) -> None:
        actor.set_current(caller_label(request))
        rules.alert_rule_delete(rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AlertRule]) -> None:
        actor.set_current(caller_label(request))
        for rule in queryset:
            rules.alert_rule_delete(rule=rule)


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ("started_at", "rule", "severity", "status", "last_value", "acknowledged_by", "resolved_at")
    list_filter = ("status", "severity", "rule")
    date_hierarchy = "started_at"
    fields = ("id", "rule", "severity", "status", "started_at", "acknowledged_at", "acknowledged_by",
              "resolved_at", "last_value", "details")  # fmt: skip
    readonly_fields = fields
    list_select_related = ("rule", "acknowledged_by")
    actions = ["acknowledge_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Acknowledge selected firing alerts")
    def acknowledge_selected(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        actor.set_current(caller_label(request))
        done = 0
        for alert in queryset.filter(status=AlertStatus.FIRING):
            try:
                alerts.alert_acknowledge(alert=alert, user=request.user)
                done += 1
            except DomainError:  # acknowledged or resolved meanwhile
                continue
        self.message_user(request, f"{done} alert(s) acknowledged.", messages.SUCCESS)
