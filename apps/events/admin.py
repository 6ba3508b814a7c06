from django.contrib import admin

from apps.events.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The event store is append-only: the admin can read and search it, never change it."""

    list_display = ("timestamp", "event_type", "aggregate_type", "aggregate_id", "sequence_number")
    list_filter = ("aggregate_type", "event_type")
    search_fields = ("aggregate_id", "event_type")
    date_hierarchy = "timestamp"
    readonly_fields = [f.name for f in Event._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
