"""Tool executions in the Django admin: an audit trail, listed and searched, never edited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.tools.models import ToolExecution


@admin.register(ToolExecution)
class ToolExecutionAdmin(admin.ModelAdmin):
    list_display = ("created_at", "tool", "status", "caller", "duration_ms", "run_id")
    list_filter = ("tool", "status")
    search_fields = ("tool", "caller", "error", "idempotency_key")
    date_hierarchy = "created_at"
    fields = ("id", "tool", "status", "error", "inputs", "output", "duration_ms", "caller", "user", "run_id",
              "step_run_id", "idempotency_key", "created_at")  # fmt: skip
    readonly_fields = fields
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
