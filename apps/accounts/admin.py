from typing import cast

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import ApiKey, ApiSession, User
from apps.accounts.services import api_key_revoke, session_delete, user_deactivate
from apps.accounts.services.users import apply_role


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users with their role up front."""

    list_display = ("username", "email", "role", "is_active", "is_staff", "last_login", "created_at")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    fieldsets = (*BaseUserAdmin.fieldsets, ("Platform", {"fields": ("role",)}))  # type: ignore[misc]
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Platform", {"fields": ("role",)}))
    # The role decides staff and superuser status (as in the API), so they are not edited here.
    readonly_fields = ("is_staff", "is_superuser", "last_login", "date_joined")
    actions = ["deactivate"]

    def save_model(self, request: HttpRequest, obj: User, form: object, change: bool) -> None:
        apply_role(obj, obj.role)
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # users are never deleted, only deactivated (their history stays)

    @admin.action(description="Deactivate selected users")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        acting = cast(User, request.user)
        done = 0
        for user in queryset.filter(is_active=True).exclude(pk=acting.pk):
            user_deactivate(user=user, acting_user=acting)
            done += 1
        self.message_user(request, f"Deactivated {done} user(s).", messages.SUCCESS)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created where the key can be shown once (the API keys page, the API or
    ``manage.py api_key create``); here operators find, inspect and revoke them."""

    list_display = ("name", "prefix", "user", "scope_list", "status", "last_used_at", "expires_at", "created_at")
    list_filter = ("revoked_at", "expires_at", "user__role")
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = ("id", "user", "prefix", "scopes", "last_used_at", "revoked_at", "created_at", "updated_at")
    fields = ("id", "name", "user", "prefix", "scopes", "expires_at", "last_used_at", "revoked_at", "created_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # revoke instead: the row is the audit trail

    @admin.display(description="Scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes)

    @admin.display(description="Status")
    def status(self, obj: ApiKey) -> str:
        return "revoked" if obj.is_revoked else "expired" if obj.is_expired else "active"

    @admin.action(description="Revoke selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        keys = list(queryset.filter(revoked_at__isnull=True))
        for key in keys:
            api_key_revoke(api_key=key)
        self.message_user(request, f"Revoked {len(keys)} key(s).", messages.SUCCESS)


@admin.register(ApiSession)
class ApiSessionAdmin(admin.ModelAdmin):
    """API sessions; their data lives in Redis too (``session:{id}``)."""

    list_display = ("id", "user", "expires_at", "created_at", "updated_at")
    list_filter = ("expires_at",)
    search_fields = ("id", "user__username")
    readonly_fields = ("id", "user", "data", "expires_at", "created_at", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ApiSession) -> None:
        session_delete(session=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ApiSession]) -> None:
        for session in queryset:
            session_delete(session=session)
