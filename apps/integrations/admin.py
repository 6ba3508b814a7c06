"""Webhooks in the Django admin. Endpoints are saved through the services (validated, with
events); deliveries are history: listed, filtered and sent again, never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.integrations import services
from apps.integrations.models import WebhookDelivery, WebhookEndpoint
from storyportal.admin_support import adopt_saved
from storyportal.api import actor
from storyportal.api.exceptions import Conflict
from storyportal.api.principal import caller_label


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    """The secret is shown read-only on an endpoint's page (admins configure receivers with
    it), never in the list."""

    list_display = ("name", "url", "enabled", "created_at")
    list_filter = ("enabled",)
    search_fields = ("name", "url")
    fields = ("id", "name", "url", "events", "workflow_id", "enabled", "secret", "created_by", "created_at",
              "updated_at")  # fmt: skip
    readonly_fields = ("id", "secret", "created_by", "created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        actor.set_current(caller_label(request))
        definition = {field: getattr(obj, field) for field in services.UPDATABLE_FIELDS}
        if change:
            saved = services.endpoint_update(endpoint=WebhookEndpoint.objects.get(pk=obj.pk), **definition)
        else:
            saved = services.endpoint_create(created_by=request.user, **definition)
        adopt_saved(obj, saved)

    def delete_model(self, request: HttpRequest, obj: WebhookEndpoint) -> None:
        actor.set_current(caller_label(request))
        services.endpoint_delete(endpoint=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        actor.set_current(caller_label(request))
        for endpoint in queryset:
            services.endpoint_delete(endpoint=endpoint)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "event_type", "endpoint", "status", "attempts", "response_status", "delivered_at")
    list_filter = ("status", "event_type", "endpoint")
    search_fields = ("id", "event_type", "error")
    date_hierarchy = "created_at"
    fields = ("id", "endpoint", "event_type", "status", "attempts", "response_status", "error", "next_attempt_at",
              "queued_at", "created_at", "delivered_at", "payload")  # fmt: skip
    readonly_fields = fields
    list_select_related = ("endpoint",)
    actions = ["redeliver_selected"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Send selected deliveries again")
    def redeliver_selected(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        actor.set_current(caller_label(request))
        queued, refused = 0, 0
        for delivery in queryset:
            try:
                services.delivery_redeliver(delivery=delivery)
            except Conflict:
                refused += 1
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} delivery(ies) again.", messages.SUCCESS)
        if refused:
            self.message_user(request, f"Skipped {refused} pending delivery(ies).", messages.WARNING)
