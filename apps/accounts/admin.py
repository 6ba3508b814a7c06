from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from apps.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Users with their role up front."""

    list_display = ("username", "email", "role", "is_active", "is_staff", "last_login", "created_at")
    list_filter = ("role", "is_active", "is_staff", "is_superuser")
    search_fields = ("username", "email", "first_name", "last_name")
    ordering = ("username",)
    fieldsets = (*BaseUserAdmin.fieldsets, ("Platform", {"fields": ("role",)}))  # type: ignore[misc]
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, ("Platform", {"fields": ("role",)}))
