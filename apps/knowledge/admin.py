"""Knowledge in the Django admin. Documents are added through the KnowledgeBase service (it
chunks and embeds them), so chunks are read-only here; an admin may delete collections."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from apps.knowledge.models import Chunk, Collection
from apps.knowledge.services import collection_delete


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ("name", "owner", "chunk_count", "updated_at")
    search_fields = ("name", "description", "owner__username")
    list_select_related = ("owner",)
    fields = ("name", "owner", "description", "created_at", "updated_at")
    readonly_fields = ("name", "owner", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Collection]:
        return super().get_queryset(request).annotate(chunk_total=Count("chunks"))

    @admin.display(description="chunks", ordering="chunk_total")
    def chunk_count(self, collection: Any) -> int:
        return int(collection.chunk_total)

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> tuple[Any, Any, set[str], Any]:
        # Chunks cannot be deleted one by one here, but they go with their collection.
        deleted, counts, _, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, set(), protected

    def delete_model(self, request: HttpRequest, obj: Collection) -> None:
        collection_delete(collection=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Collection]) -> None:
        for collection in queryset:
            collection_delete(collection=collection)


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ("title", "position", "collection", "created_at")
    list_filter = ("collection",)
    search_fields = ("title", "text", "collection__name")
    list_select_related = ("collection",)
    fields = ("collection", "title", "position", "text", "metadata", "created_at")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Chunk]:
        return super().get_queryset(request).defer("embedding")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a document's chunks go together: KnowledgeBase.delete
