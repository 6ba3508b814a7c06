"""The service catalog and its call records in the Django admin.

The catalog's source is the code (``sync_services``), so its rows are read-only here; the
admin can re-sync the catalog and recompute the embeddings semantic search uses. Call records
and background jobs are an audit trail: listed, filtered and searched, never edited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.llm.errors import ModelGatewayError
from apps.services.embeddings import catalog_embed
from apps.services.models import Service, ServiceInvocation, ServiceJob
from apps.services.services import catalog_sync


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Service)
class ServiceAdmin(ReadOnlyAdmin):
    list_display = ("name", "layer", "method_count", "available", "embedded", "updated_at")
    list_filter = ("layer", "available")
    search_fields = ("name", "description")
    fields = ("id", "name", "layer", "description", "dependencies", "methods", "fingerprint", "available",
              "embedding_source", "created_at", "updated_at")  # fmt: skip
    ordering = ("layer", "name")
    actions = ["sync_catalog", "embed_catalog"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Service]:
        return super().get_queryset(request).defer("embedding")

    @admin.display(description="Methods")
    def method_count(self, obj: Service) -> int:
        return len(obj.methods)

    @admin.display(description="Embedded", boolean=True)
    def embedded(self, obj: Service) -> bool:
        return bool(obj.embedding_source)

    @admin.action(description="Sync the catalog from the code (all services)")
    def sync_catalog(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        result = catalog_sync()
        self.message_user(
            request,
            f"Catalog synced: {len(result.created)} new, {len(result.changed)} changed, "
            f"{len(result.removed)} removed, {result.unchanged} unchanged.",
        )

    @admin.action(description="Compute embeddings for semantic search (all services)")
    def embed_catalog(self, request: HttpRequest, queryset: QuerySet[Service]) -> None:
        try:
            result = catalog_embed()
        except ModelGatewayError as exc:
            self.message_user(request, f"Embeddings not computed: {exc.message}", messages.ERROR)
            return
        self.message_user(
            request, f"Embeddings ({result.model}): {len(result.embedded)} computed, {result.current} already current."
        )


@admin.register(ServiceInvocation)
class ServiceInvocationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "service_name", "method", "status", "caller", "duration_ms")
    list_filter = ("status", "service_name", "method")
    search_fields = ("service_name", "method", "caller", "error", "params_digest")
    date_hierarchy = "created_at"
    fields = ("id", "service_name", "method", "status", "error", "caller", "user", "params_digest", "duration_ms",
              "created_at")  # fmt: skip
    list_select_related = ("user",)


@admin.register(ServiceJob)
class ServiceJobAdmin(ReadOnlyAdmin):
    """Background calls (JobRunner): what was asked, with which scopes, and how it went."""

    list_display = ("created_at", "service_name", "method", "status", "user", "finished_at")
    list_filter = ("status", "service_name")
    search_fields = ("id", "service_name", "method", "error", "user__username")
    date_hierarchy = "created_at"
    fields = ("id", "service_name", "method", "params", "scopes", "status", "result", "error", "error_status",
              "invocation_id", "user", "created_at", "started_at", "finished_at")  # fmt: skip
    list_select_related = ("user",)
